"""Fixtures for the reliability suite: a clean environment, the CLI run in-process, and the secret scan."""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pytest
from reliability_support import SECRET, Outcome, scan_for_secret

from topdesk_preflight import cli
from topdesk_preflight.reports import validate_report_json


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy, no TOPDESK_* setting and no colour from the developer's shell may steer these runs."""
    for name in list(os.environ):
        if name.startswith("TOPDESK_") or name.lower() in ("https_proxy", "http_proxy", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """``--debug`` adds a stderr handler on every in-process run; put the loggers back as they were."""
    names = ("topdesk_preflight", "urllib3")
    saved = {n: (logging.getLogger(n).level, list(logging.getLogger(n).handlers)) for n in names}
    yield
    for name, (level, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers


@pytest.fixture
def raised(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    """Every exception a check ended with during the test (the runner turns each into an ``error``)."""
    from topdesk_preflight import runner

    seen: list[BaseException] = []
    original = runner._error_from_exception

    def recording(exc: Exception) -> Any:
        seen.append(exc)
        return original(exc)

    monkeypatch.setattr(runner, "_error_from_exception", recording)
    return seen


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
            secret_scan: Callable[..., None], raised: list[BaseException]) -> Callable[..., Outcome]:
    """``run_cli(args, password=..., retries=1)``: ``cli.main`` in-process; reports go to a fresh folder.

    Asserts on the way out what every run owes its user: no traceback (unless --debug was
    asked for); when ``expect_reports``, one JSON report that validates and one HTML report;
    and no trace of the password in stdout, stderr, the reports, the logs or any exception.
    """
    runs = iter(range(1_000_000))

    def run(args: Iterable[str], *, password: str | None = SECRET, retries: int = 1,
            expect_reports: bool = True) -> Outcome:
        args = list(args)
        out_dir = tmp_path / f"run{next(runs)}"
        out_dir.mkdir()
        if password is not None:
            monkeypatch.setenv("TOPDESK_APP_PASSWORD", password)
        monkeypatch.setenv("TOPDESK_RETRIES", str(retries))
        capsys.readouterr()
        started = time.monotonic()
        code = cli.main([*args, "--output-dir", str(out_dir)])
        elapsed = time.monotonic() - started
        captured = capsys.readouterr()
        json_files, html_files = sorted(out_dir.glob("*.json")), sorted(out_dir.glob("*.html"))
        json_text = json_files[0].read_text(encoding="utf-8") if json_files else ""
        html_text = html_files[0].read_text(encoding="utf-8") if html_files else ""
        report = json.loads(json_text) if json_text else {}
        if expect_reports:
            assert len(json_files) == 1 and len(html_files) == 1, (code, captured.err)
            validate_report_json(report)
        if "--debug" not in args:
            assert "Traceback" not in captured.err and "Traceback" not in captured.out, captured.err
        outcome = Outcome(code, captured.out, captured.err, elapsed, json_text, html_text, report)
        secret_scan(outcome, exception_texts(raised), password=password or SECRET)
        return outcome

    return run


@pytest.fixture
def secret_scan(caplog: pytest.LogCaptureFixture, tally: Any) -> Iterator[Callable[..., None]]:
    """``secret_scan(*outcomes_or_texts)``: scan a run's traces and every log record captured so far."""
    caplog.set_level(logging.DEBUG)  # every logger: ours, urllib3, requests

    def scan(*items: Any, password: str = SECRET, login: str = "hcp-svc") -> None:
        texts: dict[str, str] = {}
        for index, item in enumerate(items):
            if isinstance(item, Outcome):
                texts.update({f"stdout#{index}": item.out, f"stderr#{index}": item.err,
                              f"json report#{index}": item.json_text, f"html report#{index}": item.html_text})
            elif isinstance(item, dict):
                texts.update({f"{key}#{index}": str(value) for key, value in item.items()})
            else:
                texts[f"text#{index}"] = str(item)
        texts["log records"] = "\n".join(_record_text(r) for r in caplog.records)
        scan_for_secret(texts, password, login)
        tally["secret scans"] += 1

    yield scan


def _record_text(record: logging.LogRecord) -> str:
    text = f"{record.name} {record.getMessage()} {record.args!r}"
    if record.exc_info and record.exc_info[1] is not None:
        text += "".join(traceback.format_exception(*record.exc_info))
    return text


def exception_texts(exceptions: Iterable[BaseException]) -> dict[str, str]:
    """str, repr, args, hint and the formatted traceback of each exception, to be scanned."""
    texts = {}
    for index, exc in enumerate(exceptions):
        texts[f"exception {index}"] = " ".join([
            str(exc), repr(exc), repr(exc.args), str(getattr(exc, "hint", "")),
            "".join(traceback.format_exception(exc))])
    return texts
