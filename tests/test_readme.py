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
