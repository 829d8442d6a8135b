"""The application password never leaks: not in output, logs, reports or exceptions, whatever happens.

``run_cli`` scans every run of this suite (stdout, stderr, every log record at DEBUG from
every logger, both reports, every exception a check ended with) for the password raw,
halved, base64'd with the login, URL-, JSON- or HTML-encoded, and split over lines.
The tests here add the runs most likely to leak: every scenario with ``--debug``, a
check that crashes, settings errors, and the password file and prompt paths.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable, Iterator

import attrs
import pytest
from reliability_support import SECRET, Outcome, sandbox_args, scan_for_secret, secret_forms

from topdesk_preflight import registry as registry_module
from topdesk_preflight.cli import EXIT_TOOL_BROKE, EXIT_UNKNOWN, EXIT_USAGE
from topdesk_preflight.registry import Registry, load_catalogue
from topdesk_preflight.reports import render_html, render_json
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import SCENARIOS, Fault, Sandbox
from topdesk_preflight.settings import Secret, load_settings

#: ``large`` is healthy plus bulk data: slow to build and nothing new to leak.
LEAK_SCENARIOS = sorted(set(SCENARIOS) - {"large"})


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """This module's sandbox hands out the distinctive password; tests/conftest.py's ``sb`` resets it."""
    with Sandbox(scenario="healthy", password=SECRET) as started:
        yield started


def test_the_scan_finds_the_password_in_every_shape_it_looks_for() -> None:
    """The scan itself must be able to fail, or every test below proves nothing."""
    for form in secret_forms(SECRET, "hcp-svc").values():
        with pytest.raises(AssertionError, match="leaked"):
            scan_for_secret({"probe": f"text {form} text"})
    with pytest.raises(AssertionError, match="split"):
        scan_for_secret({"probe": SECRET[:5] + "\n   " + SECRET[5:]})
    scan_for_secret({"probe": "nothing to see: ******** and hcp-svc"})


@pytest.mark.parametrize("scenario", LEAK_SCENARIOS)
def test_no_scenario_leaks_the_password_even_with_debug(
        sb: Sandbox, scenario: str, run_cli: Callable[..., Outcome]) -> None:
    sb.load(scenario)
    rooms = [arg for room in sb.state.rooms for arg in ("--room", room)]
    outcome = run_cli(sandbox_args(sb, "--debug", "--timeout", "5", "--app-password-expires", "2030-01-01",
                                   *rooms))
    assert outcome.code != EXIT_TOOL_BROKE
    assert "GET /tas/api/" in outcome.err, "--debug logs every request: the scan must have seen them"


@pytest.mark.parametrize("fault", [Fault.status(401, body=[{"message": "Unauthorized"}]), Fault.html(),
                                   Fault.drop(), Fault.invalid_json()], ids=["401", "html", "drop", "json"])
def test_faults_on_the_login_do_not_leak_the_password_with_debug(
        sb: Sandbox, fault: Fault, run_cli: Callable[..., Outcome]) -> None:
    sb.inject("/tas/api/operators/current", fault)
    outcome = run_cli(sandbox_args(sb, "--debug", "--timeout", "1"))
    assert outcome.status("auth.credentials") in ("fail", "error")


def test_a_wrong_password_does_not_leak_either_password(
        sb: Sandbox, run_cli: Callable[..., Outcome], secret_scan: Callable[..., None]) -> None:
    wrong = "Wr0ng!Pa55#word-entered"
    outcome = run_cli(sandbox_args(sb, "--debug"), password=wrong)
    assert outcome.status("auth.credentials") == "fail"
    secret_scan(outcome, password=SECRET)  # nor the real one


def _crashing_catalogue(message: Callable[[Any], str]) -> Registry:
    def crash(ctx: Any) -> Any:
        raise RuntimeError(message(ctx))

    specs = [attrs.evolve(spec, func=crash) if spec.id == "operator.account" else spec
             for spec in load_catalogue()]
    return Registry.from_specs(specs)


@pytest.mark.parametrize("message", [
    lambda ctx: "something innocent went wrong",
    lambda ctx: f"context {ctx!r} client {ctx.client!r} settings {ctx.settings!r} {attrs.asdict(ctx.settings)}",
], ids=["innocent", "reprs of context, client and settings"])
@pytest.mark.parametrize("debug", [False, True], ids=["quiet", "debug"])
def test_a_check_that_crashes_leaks_nothing(
        sb: Sandbox, run_cli: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch,
        message: Callable[[Any], str], debug: bool) -> None:
    monkeypatch.setattr(registry_module, "load_catalogue", lambda: _crashing_catalogue(message))
    outcome = run_cli(sandbox_args(sb, *(["--debug"] if debug else [])))
    crashed = outcome.check("operator.account")
    assert crashed["status"] == "error" and "RuntimeError" in crashed["summary"]
    assert outcome.code == EXIT_UNKNOWN


@pytest.mark.parametrize("case", ["negative timeout", "password in config", "config not TOML",
                                  "missing password file", "unknown --only"])
def test_a_settings_error_exits_2_with_one_line_and_no_password(
        case: str, tmp_path: Path, run_cli: Callable[..., Outcome]) -> None:
    args = ["--url", "https://nonexistent.invalid", "--username", "u", "--branch", "b"]
    password: str | None = SECRET
    config = tmp_path / "preflight.toml"
    if case == "negative timeout":
        args += ["--timeout", "-1"]
    elif case == "password in config":
        config.write_text(f'url = "https://x.example"\napp_password = "{SECRET.replace(chr(34), "")}"\n')
        args += ["--config", str(config)]
    elif case == "config not TOML":
        config.write_text(f"url = https://x.example password {SECRET}\n")
        args += ["--config", str(config)]
    elif case == "missing password file":
        password = None
        args += ["--app-password-file", str(tmp_path / "no-such-password-file.txt")]
    elif case == "unknown --only":
        args += ["--only", "no.such.check"]
    outcome = run_cli(args, password=password, expect_reports=False)
    assert outcome.code == EXIT_USAGE
    assert outcome.err.startswith("topdesk-preflight: ") and outcome.err.count("\n") == 1, outcome.err
    scan_for_secret({"stderr": outcome.err}, SECRET.replace('"', ""))


def test_the_password_file_path_leaks_nothing(
        sb: Sandbox, tmp_path: Path, run_cli: Callable[..., Outcome]) -> None:
    secret_file = tmp_path / "app-password.txt"
    secret_file.write_text(SECRET + "\r\n", encoding="utf-8")
    outcome = run_cli(sandbox_args(sb, "--debug", "--app-password-file", str(secret_file)), password=None)
    assert outcome.status("auth.credentials") == "pass"  # the file's password was really used


def test_the_prompt_path_leaks_nothing(sb: Sandbox, secret_scan: Callable[..., None]) -> None:
    asked: list[str] = []

    def prompt(username: str) -> Secret:
        asked.append(username)
        return Secret(SECRET)

    settings = load_settings({"url": sb.url, "username": sb.login, "branch": sb.state.branch,
                              "ca_bundle": sb.ca_file}, environ={}, interactive=True, prompt=prompt)
    assert asked == [sb.login] and settings.password.reveal() == SECRET
    report = run_preflight(settings)
    assert report.ready
    log = io.StringIO()
    print(settings, repr(settings), settings.public(), settings.password, f"{settings.password}", file=log)
    secret_scan({"settings": log.getvalue(), "json": render_json(report), "html": render_html(report),
                 "report repr": repr(report)})


def _reflections(login: str, password: str) -> list[Fault]:
    """What a gateway that echoes the request back puts in its 401: the header, the pair, the password."""
    import base64
    from urllib.parse import quote

    basic = base64.b64encode(f"{login}:{password}".encode()).decode()
    return [
        Fault.status(401, body=[{"message": f"Invalid credentials in header 'Authorization: Basic {basic}'"}]),
        Fault.status(401, body={"errors": [{"errorMessage": f"user {login} password {password} refused"}],
                                "request": {"headers": {"Authorization": f"Basic {basic}"}}}),
        Fault.status(401, body=f"<html><title>401</title><body>Basic {basic} / {quote(password)}</body></html>",
                     headers={"Content-Type": "text/html"}),
    ]


@pytest.mark.parametrize("where", ["/tas/api/version", "/tas/api/operators/current"])
@pytest.mark.parametrize("reflection", [0, 1, 2], ids=["message", "errors and headers", "html page"])
@pytest.mark.parametrize("debug", [False, True], ids=["quiet", "debug"])
def test_a_server_that_echoes_the_credentials_leaks_nothing_into_any_output(
        sb: Sandbox, run_cli: Callable[..., Outcome], tmp_path: Path, where: str, reflection: int,
        debug: bool) -> None:
    sb.inject(where, _reflections("hcp-svc", SECRET)[reflection])
    junit = tmp_path / "junit.xml"
    outcome = run_cli(sandbox_args(sb, "--ticket-text", "--junit", str(junit), "--timeout", "2",
                                   *(["--debug"] if debug else [])))
    assert outcome.status("api.reachable" if where.endswith("version") else "auth.credentials") in (
        "pass", "fail", "error")
    scan_for_secret({"junit": junit.read_text(encoding="utf-8")})  # run_cli scanned the rest
    assert "********" in outcome.json_text + outcome.out + outcome.err


def test_proxy_credentials_never_reach_the_report_even_without_a_scheme(
        sb: Sandbox, run_cli: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch) -> None:
    proxy_secret = "Pr0xy-S3cret-Value"
    monkeypatch.setenv("HTTPS_PROXY", f"proxyuser:{proxy_secret}@127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    outcome = run_cli(sandbox_args(sb, "--timeout", "1", "--deadline", "8"))
    scan_for_secret({"json": outcome.json_text, "html": outcome.html_text, "out": outcome.out,
                     "err": outcome.err}, password=proxy_secret, login="proxyuser")
    assert outcome.report["vantage"]["proxy"] in ("http://127.0.0.1:9", None)


@pytest.mark.parametrize("proxy", ["http://proxyuser:Pr0xy-S3cret-Value@127.0.0.1:99999",
                                   "http://proxyuser:Pr0xy-S3cret-Value@[bad",
                                   "proxyuser:Pr0xy-S3cret-Value@127.0.0.1:99999"],
                         ids=["port out of range", "unclosed bracket", "no scheme, bad port"])
def test_a_malformed_proxy_url_ends_the_run_normally_and_is_never_echoed(
        sb: Sandbox, run_cli: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch, proxy: str) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "")
    outcome = run_cli(sandbox_args(sb, "--timeout", "1", "--deadline", "8"))  # reports written, no traceback
    assert outcome.code != EXIT_TOOL_BROKE
    scan_for_secret({"json": outcome.json_text, "html": outcome.html_text, "out": outcome.out,
                     "err": outcome.err}, password="Pr0xy-S3cret-Value", login="proxyuser")
