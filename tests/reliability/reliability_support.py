"""Helpers for the reliability suite: drive the real CLI in-process and look at everything it left.

A diagnostics tool is run exactly when things are broken, so these tests break things
and then inspect every trace of the run: exit code, stdout, stderr, log records, both
report files. ``Outcome`` holds all of it; ``scan_for_secret`` searches text for the
application password in every shape it could leak in.
"""

from __future__ import annotations

import base64
import html
import json
import re
from typing import Any, Iterable
from urllib.parse import quote, quote_plus

from attrs import frozen

from topdesk_preflight import cli
from topdesk_preflight.model import Status
from topdesk_preflight.sandbox import Sandbox

#: A distinctive application password: punctuation that URL-, JSON- and HTML-encoding all change.
SECRET = 'Kq8#vT2!mZ&9@xLr4<Wn7"'
#: The settings every fault run uses: short, so a broken endpoint costs about a second.
FAST = ("--timeout", "1", "--deadline", "15")


@frozen
class Outcome:
    """Everything one CLI run left behind."""

    code: int
    out: str
    err: str
    elapsed_s: float
    json_text: str
    html_text: str
    report: dict[str, Any]

    def status(self, check_id: str) -> str:
        return str(self.check(check_id)["status"])

    def check(self, check_id: str) -> dict[str, Any]:
        return next(c for c in self.report["checks"] if c["id"] == check_id)

    @property
    def statuses(self) -> dict[str, str]:
        return {c["id"]: c["status"] for c in self.report["checks"]}


def sandbox_args(sb: Sandbox, *extra: str) -> list[str]:
    """The command line a support engineer would type for this sandbox."""
    args = ["--url", sb.url, "--username", sb.login, "--branch", sb.state.branch, "--email", sb.state.email]
    for room in sb.state.rooms:
        args += ["--room", room]
    if sb.state.app_password_expires is not None:
        args += ["--app-password-expires", sb.state.app_password_expires.isoformat()]
    if sb.ca_file:
        args += ["--ca-bundle", sb.ca_file]
    return args + list(extra)


def expected_exit(statuses: Iterable[str]) -> int:
    """The exit-code contract: 1 when anything failed, 4 when nothing failed but something errored, else 0."""
    seen = set(statuses)
    if Status.FAIL.value in seen:
        return cli.EXIT_NOT_READY
    if Status.ERROR.value in seen:
        return cli.EXIT_UNKNOWN
    return cli.EXIT_READY


def secret_forms(password: str, login: str) -> dict[str, str]:
    """Every shape in which a password can end up in text: raw, encoded, escaped, or half of it."""
    half = len(password) // 2
    return {
        "raw": password,
        "first half": password[:half],
        "second half": password[half:],
        "base64 login:password": base64.b64encode(f"{login}:{password}".encode()).decode(),
        "base64 password": base64.b64encode(password.encode()).decode(),
        "url-encoded": quote(password, safe=""),
        "url-encoded (plus)": quote_plus(password),
        "json-escaped": json.dumps(password)[1:-1],
        "html-escaped": html.escape(password),
    }


def scan_for_secret(texts: dict[str, str], password: str = SECRET, login: str = "hcp-svc") -> None:
    """Fail if any text holds the password in any form, also when split over lines or spaces."""
    forms = secret_forms(password, login)
    for where, text in texts.items():
        squeezed = re.sub(r"\s+", "", text)
        for name, form in forms.items():
            assert form not in text, f"the password ({name}) leaked into {where}"
            assert re.sub(r"\s+", "", form) not in squeezed, f"the password ({name}) leaked into {where}, split"
