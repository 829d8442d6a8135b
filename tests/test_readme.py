"""The README's promises that CI must keep: two Quick-start commands, the same test command in .ci/run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line and not line.startswith("#")]


def test_quick_start_has_exactly_two_commands_demo_then_tests():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert "--demo" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_same_test_command_as_the_readme():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quick_start_commands()[1] in ci.splitlines()


def test_every_exit_code_is_documented_in_readme_and_help():
    from topdesk_preflight import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in (cli.EXIT_READY, cli.EXIT_NOT_READY, cli.EXIT_USAGE, cli.EXIT_TOOL_BROKE, cli.EXIT_UNKNOWN):
        assert f"| {code} |" in readme
        assert f"  {code}  " in cli.EPILOG


# --- the demo output the README shows is what the tool prints --------------------------------------

README_PORT = "18443"
#: What differs from run to run, not from the README: times, dates, durations.
_VARYING = [(re.compile(r"\d{8}T\d{6}Z"), "<stamp>"), (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"), "<time>"),
            (re.compile(r" in \d+\.\d+s\b"), " in <seconds>"), (re.compile(r"\(\d+ ms\)"), "(<ms>)")]


def compare_story() -> tuple[list[str], str]:
    """The demo commands of "What changed since last time" and the output the README shows for the last."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### What changed since last time", 1)[1].split("\n### ", 1)[0]
    commands = [line for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S)
                for line in block.splitlines() if "--demo " in line]
    [shown] = re.findall(r"```text\n(.*?)```", section, flags=re.S)
    return commands, shown


def normalised(text: str, port: str) -> str:
    text = text.replace(port, README_PORT)
    for pattern, placeholder in _VARYING:
        text = pattern.sub(placeholder, text)
    return text


def a_free_port_like(port: str) -> str:
    """The README's port when it is free here, else a free one of as many digits (the lines fit alike)."""
    import socket

    for candidate in [int(port), *range(20000, 30000, 97)]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return str(candidate)
    raise AssertionError("no free port")


def test_the_demo_output_in_the_readme_is_what_the_demo_prints(tmp_path):
    import os
    import shlex
    import subprocess
    import sys

    commands, shown = compare_story()
    assert len(commands) == 2 and all(f"--demo-port {README_PORT}" in c for c in commands)
    port = a_free_port_like(README_PORT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOPDESK_", "COLUMNS", "NO_COLOR"))}
    env.update(PYTHONIOENCODING="utf-8", TERM="xterm")  # the glyphs the README shows
    printed = ""
    for command in commands:
        argv = shlex.split(command.replace(README_PORT, port))
        assert argv[:3] == ["python", "-m", "topdesk_preflight"]
        proc = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, cwd=tmp_path, env=env,
                              timeout=120, stdin=subprocess.DEVNULL)
        assert "Traceback" not in proc.stderr, proc.stderr
        printed = proc.stdout
    assert proc.returncode == 0
    assert normalised(printed, port) == normalised(shown, port)
