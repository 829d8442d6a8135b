"""``python -m topdesk_preflight.sandbox``: says how to check it in one pasteable line, and leaves nothing behind.

Each test starts the sandbox as a real subprocess with its own TMPDIR, so "nothing
left behind" is a folder that must be empty again, whatever else runs on the machine.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

COMMAND_PREFIX = "TOPDESK_APP_PASSWORD="


def clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_")}
    env["TMPDIR"] = str(tmp)  # where the throwaway CA folder goes (tempfile.mkdtemp)
    return env


def start(tmp: Path, *args: str) -> tuple[subprocess.Popen[str], list[str]]:
    """The sandbox serving in a subprocess, and what it printed until "Serving until Ctrl-C."."""
    proc = subprocess.Popen([sys.executable, "-m", "topdesk_preflight.sandbox", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=clean_env(tmp))
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Serving until Ctrl-C."):
            return proc, lines
    proc.kill()
    raise AssertionError(f"the sandbox did not start: {lines} {proc.stderr.read()}")  # type: ignore[union-attr]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], list[str], Path]]:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc, lines = start(tmp, "--scenario", "healthy", "--tls")
    try:
        yield proc, lines, tmp
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def printed(lines: list[str], label: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in lines if line.startswith(label))


def test_sigterm_stops_it_cleanly_and_removes_its_temporary_ca_folder(served):
    proc, lines, tmp = served
    folder = Path(printed(lines, "CA file")).parent
    assert folder.parent == tmp and (folder / "sandbox-ca.pem").is_file()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err and err == ""
    assert out.strip().endswith("stopped")
    assert not folder.exists() and list(tmp.iterdir()) == []


def test_it_prints_a_command_line_that_checks_it_when_pasted(served, tmp_path):
    proc, lines, _ = served
    command = next(line.strip() for line in lines if line.strip().startswith(COMMAND_PREFIX))
    assignment, *argv = shlex.split(command)
    for flag in ("--url", "--username", "--branch", "--ca-bundle"):
        assert flag in argv
    assert argv[argv.index("--url") + 1] == printed(lines, "URL")
    assert argv[argv.index("--ca-bundle") + 1] == printed(lines, "CA file")
    assert "--app-password" not in command  # the password goes in its variable, never as a flag
    name, password = assignment.split("=", 1)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_")}, name: password}
    run = subprocess.run([*argv, "--quiet", "--output-dir", str(tmp_path / "reports")], capture_output=True,
                         text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stdout + run.stderr  # the healthy scenario is ready
    assert "Ready for Humly Control Panel" in run.stdout


def test_a_port_in_use_is_one_line_exit_2_and_leaves_no_ca_folder(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "topdesk_preflight.sandbox", "--tls", "--port", str(port)],
                              capture_output=True, text=True, env=clean_env(tmp_path), timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [f"cannot serve on 127.0.0.1:{port}: Address already in use; "
                                                "choose another --port"]
    assert list(tmp_path.iterdir()) == []
