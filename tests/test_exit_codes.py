"""Ordinary endings are not bugs: each gets one line (or silence) and its own exit code, never a traceback.

Ctrl-C is 130, a closed output pipe is 141 (quietly), a report path that cannot
work and Ctrl-D at the password prompt are settings errors (2), and --debug
logs what TOPdesk answered as one line. Exit code 3 stays for real defects.
"""

from __future__ import annotations

import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from topdesk_preflight import cli
from topdesk_preflight.context import Context, Prefetch
from topdesk_preflight.errors import AuthenticationError
from topdesk_preflight.sandbox import Sandbox

PASSWORD = "Exit-C0des!unique-9071"
WRONG_PASSWORD = "Wr0ng-pw!unique-3318"
PROMPT = b"(input hidden): "


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_")}
    env.update(extra)
    return env


def tool(*args: str) -> list[str]:
    return [sys.executable, "-m", "topdesk_preflight", *args]


def sandbox_flags(sb: Sandbox) -> list[str]:
    return ["--url", sb.url, "--username", sb.login, "--branch", sb.state.branch, "--email", sb.state.email,
            "--ca-bundle", sb.ca_file or ""]


# --- one enum, one meaning per number ------------------------------------------------------------

def test_the_exit_codes_are_one_enum_with_the_documented_numbers():
    from topdesk_preflight.exit_codes import ExitCode

    assert {code.name: int(code) for code in ExitCode} == {
        "READY": 0, "NOT_READY": 1, "USAGE": 2, "TOOL_BROKE": 3, "UNKNOWN": 4, "INTERRUPTED": 130,
        "OUTPUT_CLOSED": 141}


def test_every_exit_code_has_its_meaning_and_help_shows_each_once():
    from topdesk_preflight.exit_codes import ExitCode

    for code in ExitCode:
        assert code.meaning and code.meaning == code.meaning.strip()
        assert f"  {int(code)}  {code.meaning}" in cli.EPILOG


def test_the_older_names_and_the_subcommands_use_the_same_members():
    from topdesk_preflight import fleet_cli, unredact_cli
    from topdesk_preflight.exit_codes import ExitCode

    assert (cli.EXIT_READY, cli.EXIT_NOT_READY, cli.EXIT_USAGE, cli.EXIT_TOOL_BROKE, cli.EXIT_UNKNOWN,
            cli.EXIT_INTERRUPTED, cli.EXIT_OUTPUT_CLOSED) == tuple(ExitCode)
    assert all(type(code) is ExitCode for code in (fleet_cli.EXIT_SETTINGS, fleet_cli.EXIT_TOOL_BROKE,
                                                   unredact_cli.EXIT_RESTORED, unredact_cli.EXIT_UNKNOWN_TOKENS))


def test_an_exit_code_is_an_int_a_shell_sees_as_its_number():
    from topdesk_preflight.exit_codes import ExitCode

    proc = subprocess.run([sys.executable, "-c", "import sys; from topdesk_preflight.exit_codes import ExitCode; "
                           "sys.exit(ExitCode.UNKNOWN)"], timeout=60)
    assert proc.returncode == 4 and f"{ExitCode.NOT_READY}" == "1"


# --- the headline always agrees with the exit code -----------------------------------------------

def a_report(*statuses: str, fail_on: str = "fail", silenced: tuple[str, ...] = ()) -> Any:
    """A report whose checks ``c0``, ``c1`` ... end with ``statuses``, run with ``--fail-on fail_on``."""
    from datetime import UTC, datetime

    from topdesk_preflight.model import CheckResult, Report, Status, Target

    results = [CheckResult(Status(status), f"check {n} says {status}", id=f"area.c{n}", title=f"Check {n}",
                           silenced="accepted" if f"area.c{n}" in silenced else None)
               for n, status in enumerate(statuses)]
    return Report(tool_name="topdesk-preflight", tool_version="0", generated_at=datetime(2026, 1, 2, tzinfo=UTC),
                  target=Target(url="https://acme.topdesk.net", username="hcp-svc"), results=results,
                  settings={"fail_on": fail_on})


@pytest.mark.parametrize("statuses, fail_on, silenced, code", [
    (("pass", "warn"), "fail", (), 0),
    (("pass", "warn"), "warn", (), 1),
    (("pass", "warn"), "warn", ("area.c1",), 0),  # a silenced warning never counts
    (("pass", "fail", "warn"), "warn", (), 1),
    (("pass", "error", "warn"), "warn", (), 4),  # unknown stays unknown
], ids=["warn-allowed", "fail-on-warn", "silenced-warn", "fail", "error"])
def test_exit_code_for_a_report_reads_its_own_fail_on(statuses, fail_on, silenced, code):
    from topdesk_preflight.exit_codes import exit_code_for

    assert exit_code_for(a_report(*statuses, fail_on=fail_on, silenced=silenced)) == code


def test_fail_on_warn_says_so_in_the_headline_in_the_colour_of_a_failure():
    from topdesk_preflight.reports.text_report import summary_lines, verdict_text

    failing = a_report("pass", "warn", "warn", fail_on="warn")
    assert verdict_text(failing) == "Ready for Humly Control Panel, but --fail-on warn: 2 warnings"
    assert summary_lines(failing, color=True)[1].startswith("\x1b[31;1mReady for Humly Control Panel, but")
    allowed = a_report("pass", "warn")
    assert verdict_text(allowed) == "Ready for Humly Control Panel"
    assert summary_lines(allowed, color=True)[1].startswith("\x1b[32;1m")


def test_the_ticket_text_carries_the_same_headline():
    from topdesk_preflight.reports.ticket_report import ticket_text

    text = ticket_text(a_report("warn", fail_on="warn"))
    headline = "topdesk-preflight verdict: Ready for Humly Control Panel, but --fail-on warn: 1 warning\n"
    assert text.startswith(headline)


# --- Ctrl-C and Ctrl-D ---------------------------------------------------------------------------

needs_pty = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")


def at_the_password_prompt() -> tuple[subprocess.Popen[bytes], int, bytes]:
    """Start a run with a terminal on stdin and no password anywhere, and wait until it prompts.

    A new session has no controlling terminal, so getpass reads the pseudo-terminal
    on stdin (echo off) and writes its prompt to stderr, where the test can see it.
    """
    master, slave = os.openpty()
    proc = subprocess.Popen(tool("--url", "acme.topdesk.net", "--username", "hcp-svc", "--branch", "HQ"),
                            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=clean_env(), start_new_session=True)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 30
    while PROMPT not in seen and time.monotonic() < deadline and proc.poll() is None:
        if select.select([proc.stderr], [], [], 0.2)[0]:
            seen += os.read(proc.stderr.fileno(), 4096)  # type: ignore[union-attr]
    assert PROMPT in seen, seen
    return proc, master, seen


@needs_pty
def test_ctrl_c_at_the_password_prompt_says_interrupted_and_exits_130():
    proc, master, seen = at_the_password_prompt()
    try:
        proc.send_signal(signal.SIGINT)  # what the terminal sends for Ctrl-C
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(master)
    stderr = (seen + err).decode()
    assert proc.returncode == cli.EXIT_INTERRUPTED == 130
    assert stderr.endswith("Interrupted.\n") and "Traceback" not in stderr and out == b""


def answer_the_password_prompt(keys: bytes) -> str:
    """Type ``keys`` at the hidden prompt; the run must stop with exit 2 and one line, which is returned."""
    proc, master, _ = at_the_password_prompt()
    try:
        os.write(master, keys)
        _, err = proc.communicate(timeout=30)
    finally:
        os.close(master)
    assert proc.returncode == cli.EXIT_USAGE
    message = err.decode()
    assert len(message.strip().splitlines()) == 1 and "Traceback" not in message
    return message


@needs_pty
def test_ctrl_d_at_the_password_prompt_is_a_settings_error_naming_the_other_ways():
    message = answer_the_password_prompt(b"\x04")  # Ctrl-D: the input ends
    assert "No application password entered" in message and "TOPDESK_APP_PASSWORD" in message


@needs_pty
def test_an_empty_answer_at_the_password_prompt_says_so_not_run_in_a_terminal():
    message = answer_the_password_prompt(b"\r")  # Enter, nothing typed
    assert "No application password entered (the answer was empty)" in message
    assert "run in a terminal" not in message and "TOPDESK_APP_PASSWORD" in message


def test_ctrl_c_anywhere_in_a_run_exits_130(monkeypatch, capsys):
    import topdesk_preflight.runner as runner

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_preflight", interrupted)
    monkeypatch.setenv("TOPDESK_APP_PASSWORD", PASSWORD)
    code = cli.main(["--url", "https://127.0.0.1:9", "--username", "svc", "--no-html", "--json", "-"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_INTERRUPTED
    assert err == "Interrupted.\n"


# --- the reader of the output goes away (| head) -----------------------------------------------

def run_into_a_closed_pipe(*args: str, cwd: Path, buffered: bool = True,
                           password: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run with stdout a pipe whose reader has already gone, like ``| head -0``: every write meets EPIPE.

    Buffered or not (PYTHONUNBUFFERED), the first line written fails: the tool
    flushes each progress line as its check finishes.
    """
    env = clean_env()
    env.pop("PYTHONUNBUFFERED", None)
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    if password is not None:
        env["TOPDESK_APP_PASSWORD"] = password
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(tool(*args), stdout=writer, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              text=True, env=env, cwd=cwd, timeout=120)
    finally:
        os.close(writer)


@pytest.mark.parametrize("args", [["--list-checks"], ["--version"]])
def test_a_closed_pipe_ends_a_quick_mode_quietly_with_141(tmp_path, args):
    proc = run_into_a_closed_pipe(*args, cwd=tmp_path)
    assert proc.returncode == cli.EXIT_OUTPUT_CLOSED == 141
    assert proc.stderr == ""


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_closed_pipe_during_the_demo_exits_141_without_a_traceback_and_still_writes_the_reports(tmp_path,
                                                                                                     buffered):
    proc = run_into_a_closed_pipe("--demo", "healthy", "--debug", "--output-dir", str(tmp_path / "out"),
                                  cwd=tmp_path, buffered=buffered)
    assert proc.returncode == cli.EXIT_OUTPUT_CLOSED, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".html", ".json"]


def test_a_closed_pipe_at_the_first_progress_line_of_a_run_exits_141_and_still_writes_the_reports(sb, tmp_path):
    """The first write is a check's progress line, in the callback the runner would log a traceback for."""
    proc = run_into_a_closed_pipe(*sandbox_flags(sb), "--debug", "--output-dir", str(tmp_path / "out"),
                                  cwd=tmp_path, password=sb.password)
    assert proc.returncode == cli.EXIT_OUTPUT_CLOSED, proc.stderr[-2000:]
    assert "GET /tas/api/" in proc.stderr  # --debug was on
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".html", ".json"]


@pytest.mark.skipif(shutil.which("head") is None, reason="needs head")
def test_head_after_two_lines_sees_those_lines_and_nothing_breaks(tmp_path):
    reader = subprocess.Popen(["head", "-2"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    proc = subprocess.run(tool("--demo", "--output-dir", str(tmp_path)), stdout=reader.stdin,
                          stderr=subprocess.PIPE, text=True, env=clean_env(), timeout=120)
    reader.stdin.close()  # type: ignore[union-attr]
    shown = reader.stdout.read()  # type: ignore[union-attr]
    reader.wait(timeout=30)
    assert shown.startswith("Demo: the built-in TOPdesk simulator") and len(shown.splitlines()) == 2
    assert proc.returncode in (cli.EXIT_OUTPUT_CLOSED, cli.EXIT_NOT_READY)  # 1 if all fitted in the pipe
    assert proc.stderr == ""


# --- report paths that cannot work are refused before any request -------------------------------

@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "not-a-folder"
    path.write_text("x")
    return path


@pytest.mark.parametrize("flags, expected", [
    (lambda f: ["--output-dir", str(f)], "--output-dir '{f}' cannot hold the reports: '{f}' is a file"),
    (lambda f: ["--output-dir", str(f / "sub")], "--output-dir '{f}/sub' cannot hold the reports: '{f}' is a file"),
    (lambda f: ["--json", str(f / "r.json"), "--no-html"], "--json '{f}/r.json' cannot be written: '{f}' is a file"),
    (lambda f: ["--json", str(f.parent), "--no-html"], "--json '{p}' is a folder: pass a file name"),
    (lambda f: ["--json", "-", "--html", str(f / "r.html")], "--html '{f}/r.html' cannot be written"),
    (lambda f: ["--json", "-", "--no-html", "--junit", str(f / "j.xml")], "--junit '{f}/j.xml' cannot be written"),
    (lambda f: ["--json", str(f.parent / "r.x"), "--html", str(f.parent / "r.x")],
     "--json and --html name the same file"),
], ids=["output-dir-is-a-file", "output-dir-under-a-file", "json-under-a-file", "json-is-a-folder",
        "html-under-a-file", "junit-under-a-file", "json-and-html-the-same-file"])
def test_a_report_path_that_cannot_work_exits_2_before_any_request(sb, a_file, monkeypatch, capsys, flags,
                                                                   expected):
    monkeypatch.setenv("TOPDESK_APP_PASSWORD", sb.password)
    code = cli.main([*sandbox_flags(sb), *flags(a_file)])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_USAGE, err
    assert expected.format(f=a_file, p=a_file.parent) in err
    assert len(err.strip().splitlines()) == 1 and out == ""
    assert sb.requests == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_an_output_dir_that_is_not_writable_exits_2_before_any_request(sb, tmp_path, monkeypatch, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    monkeypatch.setenv("TOPDESK_APP_PASSWORD", sb.password)
    try:
        code = cli.main([*sandbox_flags(sb), "--output-dir", str(locked / "reports")])
    finally:
        locked.chmod(0o700)
    assert code == cli.EXIT_USAGE
    assert "is not writable for this user" in capsys.readouterr().err
    assert sb.requests == []


def test_report_folders_that_do_not_exist_yet_are_created(sb, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TOPDESK_APP_PASSWORD", sb.password)
    code = cli.main([*sandbox_flags(sb), "--quiet", "--output-dir", str(tmp_path / "new" / "dir"),
                     "--junit", str(tmp_path / "ci" / "junit.xml")])
    assert code == cli.EXIT_READY, capsys.readouterr().err
    assert len(list((tmp_path / "new" / "dir").iterdir())) == 2 and (tmp_path / "ci" / "junit.xml").is_file()


# --- --debug: what TOPdesk answered is one line ---------------------------------------------------

def test_debug_with_a_wrong_password_logs_the_401_in_one_line_without_a_traceback(sb, tmp_path):
    proc = subprocess.run(tool(*sandbox_flags(sb), "--debug", "--no-html", "--output-dir", str(tmp_path)),
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
                          env=clean_env(TOPDESK_APP_PASSWORD=WRONG_PASSWORD))
    assert proc.returncode == cli.EXIT_NOT_READY, proc.stderr[-2000:]
    assert "-> 401" in proc.stderr  # the run really met the wrong password, with --debug on
    assert "failed (AuthenticationError: " in proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert WRONG_PASSWORD not in proc.stdout + proc.stderr


def warm_up_log(exc: Exception, caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    def fetch(ctx: Context) -> None:
        raise exc

    with caplog.at_level(logging.DEBUG, logger="topdesk_preflight.context"):
        Context(settings=None).warm(Prefetch(name="facts.example", fetch=fetch, used_by=("x.y",)))
    [record] = caplog.records
    return record


def test_a_warm_up_that_meets_a_topdesk_answer_logs_one_line(caplog):
    record = warm_up_log(AuthenticationError("GET /tas/api/operators/current answered 401", status=401), caplog)
    assert record.exc_info is None
    assert "AuthenticationError: GET /tas/api/operators/current answered 401" in record.getMessage()


def test_a_warm_up_that_hits_a_defect_keeps_its_traceback(caplog):
    record = warm_up_log(KeyError("a bug"), caplog)
    assert record.exc_info is not None
