"""Suite-wide guard: every request any sandbox receives during any test is checked to be a read.

topdesk-preflight promises never to change a customer's TOPdesk. Rather than trusting
each test to remember, this plugin wraps ``Sandbox.record`` (the one place a sandbox
logs a request it received) for the whole session: after each test, any request other
than GET/HEAD that arrived during it fails that test. Only a test marked
``sends_writes`` (one that sends a write itself, to prove the sandbox refuses it) is exempt.

The session's tallies (requests checked, secret scans, fault cases, fuzz examples) are
printed at the end, summed over xdist workers.
"""

from __future__ import annotations

import collections
import threading
from typing import Any, Iterator

import pytest

from topdesk_preflight.sandbox import Sandbox

READ_METHODS = frozenset({"GET", "HEAD"})

TALLY: collections.Counter[str] = collections.Counter()
_writes: list[str] = []
_lock = threading.Lock()
_original_record = Sandbox.record


def _checked_record(self: Sandbox, entry: Any) -> None:
    with _lock:
        TALLY["requests checked read-only"] += 1
        if entry.method not in READ_METHODS or entry.flagged:
            _writes.append(f"{entry.method} {entry.path}")
    _original_record(self, entry)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sends_writes: the test itself sends a write to a sandbox on purpose")
    Sandbox.record = _checked_record  # type: ignore[method-assign]


def pytest_unconfigure(config: pytest.Config) -> None:
    Sandbox.record = _original_record  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _tool_stays_read_only(request: pytest.FixtureRequest) -> Iterator[None]:
    with _lock:
        _writes.clear()
    yield
    with _lock:
        written = list(_writes)
        _writes.clear()
    if written and request.node.get_closest_marker("sends_writes") is None:
        pytest.fail(f"a sandbox received {len(written)} request(s) that are not GET/HEAD: {written[:5]}",
                    pytrace=False)


@pytest.fixture(scope="session")
def tally() -> collections.Counter[str]:
    """Counts for the end-of-session summary: ``tally["secret scans"] += 1``."""
    return TALLY


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the counts to the controller
        workeroutput["tally"] = dict(TALLY)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    TALLY.update(getattr(node, "workeroutput", {}).get("tally", {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY:
        terminalreporter.write_sep("-", "reliability and verdict-matrix tallies")
        for name, count in sorted(TALLY.items()):
            terminalreporter.write_line(f"{name}: {count}")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """One healthy sandbox over TLS per test module; ``sb`` resets it before and after each test."""
    with Sandbox(scenario="healthy", tls=True) as started:
        yield started


@pytest.fixture
def sb(sandbox: Sandbox) -> Iterator[Sandbox]:
    sandbox.clear_faults()
    sandbox.clear_requests()
    yield sandbox
    sandbox.clear_faults()
    if sandbox.scenario != "healthy":
        sandbox.load("healthy")
