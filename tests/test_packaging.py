"""The wheel holds the whole tool: every check and report module, the templates and the schema.

The source tree keeps ``checks/`` and ``reports/`` beside ``topdesk_preflight/`` and setup.cfg maps
them in (``package_dir``); an editable install hides a mapping mistake that a user's ``pip install``
would meet as ``No module named topdesk_preflight.checks.rooms``. So the test builds the wheel for
real and compares its file list with the tree.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Where each source folder lands in the installed package.
MAPPED = {"topdesk_preflight": "topdesk_preflight", "checks": "topdesk_preflight/checks",
          "reports": "topdesk_preflight/reports"}


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    import fcntl

    out = tmp_path_factory.mktemp("wheel")
    # setuptools builds in the tree's own build/ folder: two xdist workers must not build at once
    lock_file = tmp_path_factory.getbasetemp().parent / "wheel-build.lock"
    with open(lock_file, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                        "-w", str(out), str(ROOT)], check=True, capture_output=True, timeout=300)
    [wheel] = out.glob("topdesk_preflight-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _expected(patterns: tuple[str, ...]) -> list[str]:
    found = []
    for folder, target in MAPPED.items():
        for pattern in patterns:
            for path in (ROOT / folder).rglob(pattern):
                if "__pycache__" not in path.parts:
                    found.append(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    return sorted(found)


def test_every_module_of_every_package_folder_is_in_the_wheel(wheel_names):
    modules = _expected(("*.py",))
    assert "topdesk_preflight/checks/rooms.py" in modules and "topdesk_preflight/reports/junit.py" in modules
    missing = [m for m in modules if m not in wheel_names]
    assert not missing, f"not in the wheel: {missing}"


def test_every_template_schema_and_marker_is_in_the_wheel(wheel_names):
    assets = _expected(("*.j2", "*.json", "py.typed"))
    assert {"topdesk_preflight/reports/templates/report.html.j2", "topdesk_preflight/reports/schema/report-v1.json",
            "topdesk_preflight/py.typed"} <= set(assets)
    missing = [a for a in assets if a not in wheel_names]
    assert not missing, f"not in the wheel: {missing}"


def test_the_wheel_carries_no_tests_and_no_reference_material(wheel_names):
    assert not any(name.startswith(("tests/", "benchmarks/", "shared/")) for name in wheel_names)
