"""A clone runs on its own: no file of the project reads the developers' reference folder beside it.

On the developers' machines a ``shared`` folder sits beside the project root (the TOPdesk API notes, the
official specs, the vendor guide). A user's clone has nothing beside it, so code and configuration must
never build a path into it: what the tests need is vendored (``tests/sandbox/openapi/``). Citing that
folder in prose (a docstring, a comment, a Markdown file) is fine; reading it is not.

Python files are checked on their syntax tree: string literals that are not docstrings, and path
constructions that join a parent of some path, or the parent marker, with the folder's name.
Other text files are checked line by line for a relative path into it, comment lines aside.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("tests", "topdesk_preflight", "checks", "reports", "benchmarks", ".ci")
SCANNED_FILES = ("pyproject.toml", "setup.cfg", "ruff.toml")
PROSE = {".md", ".rst"}
SKIPPED_DIRS = {"__pycache__", ".venv", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}

#: One or more parent markers, then the folder's name: a relative path out of the project into the folder beside it.
RELATIVE_PATH = re.compile(r"\.\.[\\/]+(?:\.\.[\\/]+)*shared\b")
#: What makes a path segment with the folder's name point outside the project: a parent of some path, or the marker.
OUTWARD = re.compile(r"\bparents?\b|\.\.")


def project_files() -> list[Path]:
    """The tracked files (plus new, not ignored ones) under SCANNED; every file there outside a git work tree."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        top = ""
    if top and Path(top).resolve() == ROOT:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *SCANNED, *SCANNED_FILES],
            cwd=ROOT, capture_output=True, check=True,
        ).stdout.decode().split("\0")
        return sorted({ROOT / name for name in listed if name and (ROOT / name).is_file()})
    found = [ROOT / name for name in SCANNED_FILES if (ROOT / name).is_file()]
    for folder in SCANNED:
        for dirpath, dirnames, filenames in os.walk(ROOT / folder):
            dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
            found += [Path(dirpath) / name for name in filenames]
    return sorted(found)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are statements of their own: docstrings and other bare prose."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }


def _is_shared(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == "shared"


def python_reads(text: str) -> list[tuple[int, str]]:
    """(line, what) for each place Python code builds a path into the folder beside the project."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    prose = _docstrings(tree)
    hits: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            if RELATIVE_PATH.search(node.value):
                hits.append((node.lineno, f"the path {node.value!r}"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _is_shared(node.right):
            if OUTWARD.search(ast.unparse(node.left)):
                hits.append((node.lineno, f"the path {ast.unparse(node)}"))
        elif isinstance(node, ast.Call) and any(_is_shared(arg) for arg in node.args):
            if OUTWARD.search(ast.unparse(node.func)) or any(OUTWARD.search(ast.unparse(a)) for a in node.args):
                hits.append((node.lineno, f"the path {ast.unparse(node)}"))
    return sorted(hits)


def text_reads(text: str) -> list[tuple[int, str]]:
    """(line, what) for each non-comment line of a script or config file with a relative path into it."""
    return [
        (number, f"the path in {line.strip()!r}")
        for number, line in enumerate(text.splitlines(), 1)
        if not line.lstrip().startswith(("#", "//", ";")) and RELATIVE_PATH.search(line)
    ]


def reads_of_shared(path: Path, text: str) -> list[tuple[int, str]]:
    if path.suffix.lower() in PROSE:
        return []
    return python_reads(text) if path.suffix == ".py" else text_reads(text)


def test_no_project_file_reads_the_folder_beside_the_clone() -> None:
    files = project_files()
    assert any(f.name == "test_sandbox_conformance.py" for f in files), "the scan found none of the tests"
    offenders = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files build no paths
        for line, what in reads_of_shared(path, text):
            offenders.append(f"{path.relative_to(ROOT).as_posix()}:{line}: {what}")
    if offenders:
        pytest.fail("these files read the developers' folder beside the project, which a clone does not have; "
                    "vendor what they need into the repository instead (see tests/sandbox/openapi/README.md):\n  "
                    + "\n  ".join(offenders))


UP = ".."  # the samples below build their paths from this so that this file itself holds none
READS = [
    'SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "topdesk-openapi"',
    'GUIDE = ROOT.parent / "shared" / "humly-topdesk-guide.txt"',
    'p = Path(__file__).parent / "{UP}" / "{UP}" / "shared"',
    'p = os.path.join(os.path.dirname(__file__), "{UP}", "shared", "x.json")',
    'p = Path(ROOT.parent, "shared")',
    'text = open("{UP}/shared/topdesk-api.md").read()',
    'text = Path(f"{{ROOT}}/{UP}/shared/x").read_text()',
    'spec = ROOT / "{UP}\\\\shared" / "x.json"',
]
NOT_READS = [
    '"""Source: ``{UP}/shared/humly-topdesk-guide.txt`` (the vendor guide)."""',
    'def f():\n    """Facts fetched once and shared by every check; see {UP}/shared/topdesk-api.md."""',
    '# {UP}/shared sits beside the project root',
    'x = "the shared fixture"',
    'cache = tmp_path / "shared"',
    'assert len(requests) == 1  # the failure is shared, not retried per check',
    'def test_shared_facts_are_computed_once(): pass',
]


@pytest.mark.parametrize("code", READS)
def test_the_scan_catches_python_that_builds_a_path_beside_the_project(code: str) -> None:
    assert python_reads(code.format(UP=UP)), code


@pytest.mark.parametrize("code", NOT_READS)
def test_the_scan_leaves_prose_and_unrelated_shared_things_alone(code: str) -> None:
    assert python_reads(code.format(UP=UP)) == [], code


def test_the_scan_catches_scripts_and_config_but_not_their_comments() -> None:
    assert text_reads(f'spec_dir="$root/{UP}/shared/topdesk-openapi"')
    assert text_reads(f"ln -s {UP}/{UP}/shared/topdesk-openapi specs")
    assert text_reads(f"# a comment about {UP}/shared") == []
    assert text_reads('tmp=$(mktemp -d); echo "$tmp/shared must not exist"') == []
    assert reads_of_shared(Path("notes.md"), f"see {UP}/shared/topdesk-api.md") == []


def test_ci_runs_the_test_suite_in_a_copy_with_nothing_beside_it() -> None:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    into_copy = lines.index('cd "$isolated/clone"')
    pytest_runs = [n for n, line in enumerate(lines) if "-m pytest" in line and not line.lstrip().startswith("#")]
    assert pytest_runs and min(pytest_runs) > into_copy, "CI must run the suite in the isolated copy only"
    assert any("git ls-files" in line for line in lines[:into_copy]), "the copy must hold the tracked files only"
