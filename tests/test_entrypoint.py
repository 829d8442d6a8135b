"""How the tool starts: from a clone's root after any kind of install, without its dependencies, without the demo extra.

Each test starts a real ``python`` in a subprocess, because what is under test is
what the interpreter finds on ``sys.path`` before any of our code runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from topdesk_preflight import cli

ROOT = Path(__file__).resolve().parent.parent
SITE_PACKAGES = sysconfig.get_paths()["purelib"]  # this venv's: the dependencies, and the editable finder


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without PYTHONPATH and TOPDESK_* settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("TOPDESK_")}
    env.update(extra)
    return env


def run(python: str | Path, *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
        flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *flags, "-m", "topdesk_preflight", *args], cwd=cwd,
                          env=clean_env() if env is None else env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def without_editable_finder(*args: str, cwd: Path = ROOT, pythonpath: str = SITE_PACKAGES,
                            ) -> subprocess.CompletedProcess[str]:
    """This venv's Python as it is after ``pip install .`` (not ``-e``): no editable install finder.

    ``-S`` skips site-packages and so the ``__editable__*.pth`` file that installs
    the finder mapping ``topdesk_preflight.checks`` to ``<clone>/checks``; the
    dependencies come back through PYTHONPATH, which runs no ``.pth`` file.
    """
    return run(sys.executable, *args, cwd=cwd, env=clean_env(PYTHONPATH=pythonpath), flags=("-S",))


def assert_one_line(text: str) -> None:
    assert len(text.strip().splitlines()) == 1, text
    assert "Traceback" not in text


class TestFromTheClonesRootAfterARegularInstall:
    """``python -m`` puts the current folder first, so the clone's ``topdesk_preflight/`` shadows any install."""

    def test_the_subpackages_beside_the_package_folder_are_found(self):
        proc = without_editable_finder("--list-checks")
        assert proc.returncode == cli.EXIT_READY, proc.stderr
        assert "rooms.typed" in proc.stdout and "No module named" not in proc.stderr

    def test_they_are_the_clones_own_folders(self):
        code = ("import topdesk_preflight.checks as c, topdesk_preflight.reports as r\n"
                "print(c.__file__); print(r.__file__)\n")
        proc = subprocess.run([sys.executable, "-S", "-c", code], cwd=ROOT, capture_output=True, text=True,
                              env=clean_env(PYTHONPATH=SITE_PACKAGES), timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == [str(ROOT / "checks" / "__init__.py"), str(ROOT / "reports" / "__init__.py")]

    def test_an_installed_copy_keeps_only_its_own_folder_on_its_path(self, tmp_path):
        """The layout a wheel installs: the subpackages inside; a ``checks/`` beside it changes nothing."""
        site = tmp_path / "site"
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / "topdesk_preflight", site / "topdesk_preflight", ignore=ignore)
        for name in ("checks", "reports"):
            shutil.copytree(ROOT / name, site / "topdesk_preflight" / name, ignore=ignore)
        shutil.copytree(ROOT / "checks", site / "checks", ignore=ignore)  # a stray folder beside the install
        shutil.copy(ROOT / "setup.cfg", site / "setup.cfg")
        proc = subprocess.run([sys.executable, "-S", "-c", "import topdesk_preflight as t; print(t.__path__)"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=60,
                              env=clean_env(PYTHONPATH=os.pathsep.join([str(site), SITE_PACKAGES])))
        assert proc.stdout.strip() == repr([str(site / "topdesk_preflight")]), proc.stderr
        listed = without_editable_finder("--list-checks", cwd=tmp_path,
                                         pythonpath=os.pathsep.join([str(site), SITE_PACKAGES]))
        assert listed.returncode == cli.EXIT_READY and "rooms.typed" in listed.stdout, listed.stderr


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with nothing installed (``--without-pip`` makes it in a fraction of a second)."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    probe = subprocess.run([str(python), "-c", "import attrs"], capture_output=True, env=clean_env(), timeout=60)
    assert probe.returncode != 0, "the bare venv can import attrs: it is not bare"
    return python


class TestInAVenvWithoutTheDependencies:
    """A bare venv (or ``pip install --no-deps``): a setup problem with an install command, exit 2."""

    @pytest.mark.parametrize("args", [["--url", "x", "--username", "y"], ["--list-checks"], ["fleet", "t.toml"],
                                      ["--demo"]])
    def test_a_run_names_the_missing_package_and_the_install_command(self, bare_python, args):
        proc = run(bare_python, *args)
        assert proc.returncode == cli.EXIT_USAGE, proc.stderr
        assert_one_line(proc.stderr)
        assert "'attrs' is not installed" in proc.stderr
        assert "pip install topdesk-preflight" in proc.stderr and "pip install -e ." in proc.stderr
        assert "bug" not in proc.stderr

    @pytest.mark.parametrize("args, expected", [(["--version"], "topdesk-preflight "),
                                                (["--help"], "exit codes:")])
    def test_version_and_help_need_no_dependency(self, bare_python, args, expected):
        proc = run(bare_python, *args)
        assert proc.returncode == cli.EXIT_READY, proc.stderr
        assert expected in proc.stdout and proc.stderr == ""


class TestDemoWithoutTheDemoExtra:
    """trustme is imported only when the simulator starts over TLS; without it: the install command, exit 2."""

    @pytest.mark.parametrize("args", [["--demo"], ["--demo", "healthy", "--quiet"]])
    def test_the_demo_says_which_extra_to_install(self, args):
        code = ("import sys\n"
                "sys.modules['trustme'] = None  # import trustme now fails as if it was never installed\n"
                "from topdesk_preflight.cli import main\n"
                f"sys.exit(main({args!r}))\n")
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                              env=clean_env(), stdin=subprocess.DEVNULL, timeout=60)
        assert proc.returncode == cli.EXIT_USAGE, proc.stderr
        assert_one_line(proc.stderr)
        assert "--demo needs the 'demo' extra" in proc.stderr
        assert "pip install 'topdesk-preflight[demo]'" in proc.stderr
        assert proc.stdout == ""  # refused before the simulator said where it runs
