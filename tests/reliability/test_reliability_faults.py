"""The fault matrix: every endpoint the catalogue reads × every way a TOPdesk (or its proxy) misbehaves.

Each case runs the real command line against a sandbox with one endpoint broken and
asks the questions a support engineer would: did the run finish in time, are both
reports there and valid, do exactly the checks that read the broken endpoint say so
(naming the path and the cause), do all others keep their healthy verdict, and does the
exit code follow the contract (never 3, the tool itself broke)?

The endpoint list is not written down here: it is what a healthy run really requests,
so a new check's endpoint joins the matrix by itself.
"""

from __future__ import annotations

import re
import time
from typing import Callable, Iterator

import attrs
import pytest
from attrs import frozen
from reliability_support import FAST, SECRET, Outcome, expected_exit, sandbox_args

from topdesk_preflight.cli import EXIT_READY, EXIT_TOOL_BROKE
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import Fault, Sandbox


#: A run with one broken endpoint must end well inside its 15 s deadline (plus start-up and reports).
DEADLINE_S = 15.0
MARGIN_S = 5.0
#: Faults about time use a shorter read time-out so the matrix stays quick.
SHORT = ("--timeout", "0.5", "--deadline", "15")


@frozen
class Case:
    """One kind of misbehaviour: how to inject it, the words that name it, and the time-out it needs."""

    make: Callable[[], Fault]
    cause: str  # a regex the affected checks' messages must match
    args: tuple[str, ...] = FAST
    retryable: bool = False  # the client retries it, so once (times=1) must end all-pass


FAULTS: dict[str, Case] = {
    "latency past the time-out": Case(lambda: Fault.latency(0.8), r"no answer within|timed out|time limit",
                                      SHORT, retryable=True),
    "500": Case(lambda: Fault.status(500), r"\b500\b"),
    "502": Case(lambda: Fault.status(502), r"\b502\b", retryable=True),
    "503": Case(lambda: Fault.status(503), r"\b503\b", retryable=True),
    "504": Case(lambda: Fault.status(504), r"\b504\b", retryable=True),
    "429 with Retry-After": Case(lambda: Fault.rate_limit("1"), r"\b429\b", retryable=True),
    "dropped connection": Case(Fault.drop, r"dropped|closed", retryable=True),
    "HTML page": Case(Fault.html, r"HTML"),
    "invalid JSON": Case(Fault.invalid_json, r"invalid JSON"),
    "JSON of the wrong shape": Case(Fault.wrong_shape, r"did not return|where .* (was|were) expected|"
                                                       r"JSON without"),
    "empty body": Case(Fault.empty_body, r"empty body"),
    # headers at once, then a body whose pieces come 0.8 s apart: longer than the 0.5 s read time-out
    "body stalls past the time-out": Case(lambda: Fault.slow_body(8.0), r"no answer within|still arriving|"
                                                                        r"timed out", SHORT, retryable=True),
}

#: Endpoints whose answer is nice to have, never a reason for a verdict: the product version
#: (checks/api.py _product_version) and the operator's branch filters, which can only turn a verdict
#: into "cannot verify" and are "unknown" when they cannot be read (checks/_operator_facts.py).
OPTIONAL_ENDPOINTS = {"/tas/api/productVersion"}
OPTIONAL_SUFFIXES = ("/filters/branch",)

#: Known bugs outside this suite's files, with a strict xfail until they are fixed (none open).
KNOWN_BUGS: dict[tuple[str, str], str] = {}


@frozen
class Baseline:
    """What a healthy run looks like: each check's status, prerequisites, and the endpoints it read."""

    endpoints: tuple[str, ...]
    bodiless: frozenset[str]  # endpoints a healthy run gets 204 from: a body fault has nothing to slow
    status: dict[str, str]
    depends_on: dict[str, tuple[str, ...]]
    reads: dict[str, frozenset[str]]


def _healthy_baseline() -> Baseline:
    with Sandbox(scenario="healthy", password=SECRET) as sb:
        report = run_preflight(sb.settings(retries=1, timeout=5.0))
        endpoints = tuple(sorted({entry.path for entry in sb.requests}))
        bodiless = frozenset(entry.path for entry in sb.requests if entry.status == 204)
    return Baseline(
        endpoints=endpoints, bodiless=bodiless,
        status={r.id: r.status.value for r in report.results},
        depends_on={r.id: r.depends_on for r in report.results},
        reads={r.id: frozenset(q.path.split("?", 1)[0] for q in r.requests) for r in report.results})


BASELINE = _healthy_baseline()  # at collection: the parameters below are the endpoints a healthy run reads


def _cases(retryable_only: bool = False) -> Iterator[object]:
    for path in BASELINE.endpoints:
        for name, case in FAULTS.items():
            if retryable_only and not case.retryable:
                continue
            if name == "body stalls past the time-out" and path in BASELINE.bodiless:
                continue
            marks = []
            if not retryable_only and (path, name) in KNOWN_BUGS:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[(path, name)]))
            yield pytest.param(path, name, id=f"{path}-{name}", marks=marks)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """This module's sandbox hands out the distinctive password; tests/conftest.py's ``sb`` resets it."""
    with Sandbox(scenario="healthy", password=SECRET) as started:
        yield started


def test_the_matrix_covers_every_endpoint_a_healthy_run_reads() -> None:
    assert all(status == "pass" for status in BASELINE.status.values()), BASELINE.status
    assert len(BASELINE.endpoints) >= 10, BASELINE.endpoints
    assert {"/tas/api/version", "/tas/api/operators/current", "/tas/api/locations"} <= set(BASELINE.endpoints)
    permanent = len(BASELINE.endpoints) * len(FAULTS)
    once = len(BASELINE.endpoints) * sum(case.retryable for case in FAULTS.values())
    assert permanent + once >= 200
    print(f"fault matrix: {len(BASELINE.endpoints)} endpoints x {len(FAULTS)} faults = {permanent} permanent "
          f"+ {once} once-only cases")


@pytest.mark.parametrize(("path", "fault_name"), list(_cases()))
def test_a_permanent_fault_breaks_exactly_the_checks_that_read_that_endpoint(
        sb: Sandbox, run_cli: Callable[..., Outcome], tally: object, path: str, fault_name: str) -> None:
    case = FAULTS[fault_name]
    sb.inject(path, case.make())
    outcome = run_cli(sandbox_args(sb, *case.args))
    tally["fault cases"] += 1  # type: ignore[index]

    assert outcome.elapsed_s < DEADLINE_S + MARGIN_S
    statuses = outcome.statuses
    assert outcome.code == expected_exit(statuses.values()) and outcome.code != EXIT_TOOL_BROKE
    affected = {check for check, reads in BASELINE.reads.items() if path in reads}
    if path in OPTIONAL_ENDPOINTS or path.endswith(OPTIONAL_SUFFIXES):
        assert statuses == BASELINE.status and outcome.code == EXIT_READY
        return
    assert affected, f"no check reads {path}?"
    for check, status in statuses.items():
        blocked = [d for d in BASELINE.depends_on[check] if statuses.get(d) not in ("pass", "warn")]
        if blocked:
            assert status == "skipped", (check, status)
            assert all(d in outcome.check(check)["summary"] for d in blocked)
        elif check in affected:
            result = outcome.check(check)
            said = " ".join([result["summary"], *result["details"]])
            assert status in ("error", "fail"), (check, status, said)
            assert path in said, (check, said)
            assert re.search(case.cause, said), (check, case.cause, said)
        else:
            assert status == BASELINE.status[check], (check, status, outcome.check(check)["summary"])
    assert any(statuses[c] in ("error", "fail") for c in affected)


@pytest.mark.parametrize(("path", "fault_name"), list(_cases(retryable_only=True)))
def test_a_fault_that_happens_once_is_retried_and_the_run_is_all_pass(
        sb: Sandbox, run_cli: Callable[..., Outcome], tally: object, path: str, fault_name: str) -> None:
    case = FAULTS[fault_name]
    sb.inject(path, attrs.evolve(case.make(), times=1))
    outcome = run_cli(sandbox_args(sb, *case.args))
    tally["fault cases"] += 1  # type: ignore[index]

    assert outcome.statuses == BASELINE.status, [
        (c["id"], c["status"], c["summary"]) for c in outcome.report["checks"] if c["status"] != "pass"]
    assert outcome.code == EXIT_READY
    assert _eventually(lambda: sum(e.path == path for e in sb.requests) >= 2), \
        "the fault never fired, so this case proved nothing"


def _eventually(condition: Callable[[], bool], within_s: float = 3.0) -> bool:
    """A delayed answer is logged when the sandbox sends it, which may be after the client gave up on it."""
    until = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > until:
            return False
        time.sleep(0.05)
    return True

