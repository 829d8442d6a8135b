"""Shared fixtures for the check tests: sandboxes that prove the tool stayed read-only.

Every check test drives the real tool (``run_preflight``) over HTTPS against the
project's TOPdesk simulator. The one promise every test checks on the way out is
that the tool only *read*: a sandbox made by ``sandbox_factory`` asserts at
teardown that its request log holds nothing but GET and HEAD.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from topdesk_preflight.model import Report
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import Sandbox

READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def assert_read_only(sb: Sandbox) -> None:
    """Fail the test if the tool sent anything but GET/HEAD to the sandbox."""
    methods = {r.method for r in sb.requests}
    written = sorted(methods - READ_ONLY_METHODS)
    assert not written, f"the tool is read-only but sent {written} to TOPdesk"


@pytest.fixture(autouse=True)
def _no_proxy_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback tests must not wander through a developer's corporate proxy (tests that want one set it)."""
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """``make(scenario="healthy", **kwargs)`` starts a sandbox, closed (and checked read-only) at teardown."""
    started: list[Sandbox] = []

    def make(scenario: str = "healthy", **kwargs: Any) -> Sandbox:
        sb = Sandbox(scenario=scenario, **kwargs)
        sb.__enter__()
        started.append(sb)
        return sb

    yield make
    try:
        for sb in started:
            assert_read_only(sb)
    finally:
        for sb in reversed(started):
            sb.__exit__(None, None, None)


@pytest.fixture
def run() -> Callable[..., Report]:
    """``run(sb, *only, **overrides)``: run the named checks (and nothing else) against ``sb``."""

    def _run(sb: Sandbox, *only: str, **overrides: Any) -> Report:
        return run_preflight(sb.settings(only=only, **overrides))

    return _run
