"""The code's citations of the project's own documents point at something that exists.

Comments and docstrings cite ``docs/topdesk-api.md §3.3`` or ``docs/design.md §1.2``. Every such citation
must name a file under ``docs/`` and, for each ``§N``, a heading numbered ``N`` in it (``## 3. …`` or
``### 3.3 …``). A citation of the bare name (``topdesk-api.md §3.3``) would send a reader to the developers'
reference folder beside the project, which a clone does not have, so none is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("topdesk_preflight", "checks", "reports", "benchmarks", "tests")
SKIPPED_DIRS = {"__pycache__", ".venv", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"}

#: ``docs/x.md`` followed by any number of ``§N`` (``§1.2, §3.4``, ``§4/§5``, ``§1 and §2``), across lines.
CITATION = re.compile(r"docs/([A-Za-z0-9_.-]+\.md)((?:(?:\s|[,;/(]|and\b)*§\d+(?:\.\d+)*)*)")
SECTION = re.compile(r"§(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s", re.MULTILINE)
#: The documents the code cites, named without their ``docs/`` folder.
BARE = re.compile(r"(?<!docs/)\b(?:topdesk-api|design)\.md")

#: Citations left in text that is not a comment or a docstring (changing it changes what the tool prints);
#: (file, exact text). Remove an entry once the text no longer cites the bare name.
PENDING: set[tuple[str, str]] = set()
#: Test files whose inputs are citations and paths on purpose (this one, the self-contained scan).
QUOTING = {"test_docs.py", "test_self_contained.py"}


def code_files() -> list[Path]:
    found: list[Path] = []
    for folder in SCANNED:
        for path in (ROOT / folder).rglob("*.py"):
            if path.name in QUOTING:  # tests that quote bare citations on purpose, as their input
                continue
            if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts) and ".egg-info" not in str(path):
                found.append(path)
    return sorted(found)


def citations(text: str) -> list[tuple[int, str, list[str]]]:
    """(line, document, sections) for each ``docs/….md [§N …]`` in ``text``."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1), SECTION.findall(m.group(2)))
            for m in CITATION.finditer(text)]


def headings(document: Path) -> set[str]:
    return set(HEADING.findall(document.read_text(encoding="utf-8")))


def test_the_scan_finds_the_code_and_its_citations() -> None:
    files = code_files()
    assert any(f.name == "fiql.py" for f in files) and any(f.parent.name == "checks" for f in files)
    assert sum(len(citations(f.read_text(encoding="utf-8"))) for f in files) > 40


def test_every_docs_citation_names_a_file_and_a_section_that_exist() -> None:
    wrong = []
    for path in code_files():
        for line, name, sections in citations(path.read_text(encoding="utf-8")):
            where = f"{path.relative_to(ROOT).as_posix()}:{line}"
            document = ROOT / "docs" / name
            if not document.is_file():
                wrong.append(f"{where}: docs/{name} does not exist")
                continue
            wrong += [f"{where}: docs/{name} has no section {number}"
                      for number in sections if number not in headings(document)]
    assert not wrong, "citations pointing nowhere:\n  " + "\n  ".join(wrong)


def test_no_code_cites_the_documents_without_their_docs_folder() -> None:
    bare = []
    for path in code_files():
        rel = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BARE.search(line) and not any(rel == f and text in line for f, text in PENDING):
                bare.append(f"{rel}:{number}: {line.strip()}")
    assert not bare, ("cite docs/topdesk-api.md or docs/design.md, which a clone has:\n  "
                      + "\n  ".join(bare))


@pytest.mark.parametrize("text, expected", [
    ("(docs/topdesk-api.md §3.3)", [("topdesk-api.md", ["3.3"])]),
    ("Handles (docs/topdesk-api.md §1.2, §3.4): ...", [("topdesk-api.md", ["1.2", "3.4"])]),
    ("[I] docs/topdesk-api.md §4/§5: guessed", [("topdesk-api.md", ["4", "5"])]),
    ("not the email; docs/topdesk-api.md\n§1.1). Every refusal", [("topdesk-api.md", ["1.1"])]),
    ("its source in docs/topdesk-api.md.", [("topdesk-api.md", [])]),
    ("(docs/design.md §1.4, docs/topdesk-api.md §5)", [("design.md", ["1.4"]), ("topdesk-api.md", ["5"])]),
])
def test_the_citation_parser(text: str, expected: list[tuple[str, list[str]]]) -> None:
    assert [(name, sections) for _, name, sections in citations(text)] == expected


def test_the_bare_name_check() -> None:
    assert BARE.search("see topdesk-api.md §3.3") and BARE.search("(design.md §4)")
    assert not BARE.search("see docs/topdesk-api.md §3.3") and not BARE.search("docs/design.md §2")


def test_the_documents_number_their_sections() -> None:
    for name in ("topdesk-api.md", "design.md"):
        assert {"1", "1.1"} <= headings(ROOT / "docs" / name), name
