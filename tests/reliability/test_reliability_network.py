"""Network faults and bounded time: whatever the path to TOPdesk does, the run ends on time with its reports.

Each network fault must be pinned on the one layer that breaks (DNS, TCP, TLS, HTTP),
with a message that names it, every check behind it skipped, and the exit code of the
contract. A server that accepts and then says nothing cannot hold the run longer than
the time-outs allow, and the run's deadline always ends it with a complete report.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from typing import Any, Callable, Iterator

import pytest
from attrs import frozen
from reliability_support import SECRET, Outcome, expected_exit, sandbox_args

from topdesk_preflight.cli import EXIT_NOT_READY, EXIT_TOOL_BROKE, EXIT_UNKNOWN
from topdesk_preflight.model import CheckResult, Status
from topdesk_preflight.registry import CheckSpec, Registry
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import Fault, Sandbox

TIMEOUT_S = 1.0
#: Two attempts of the read time-out, one jittered back-off (≤ 1 s for the first retry), start-up and reports.
HTTP_BOUND_S = 2 * TIMEOUT_S + 1.0 + 3.0


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 whose kernel completes TCP connections that nobody ever accepts or answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def full_port() -> Iterator[int]:
    """A port whose accept queue is full, so new connections get no answer at all: a firewall that drops."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)
        yield port
        for filler in fillers:
            filler.close()


@frozen
class NetCase:
    check: str  # the check that must name the problem
    status: str
    cause: str  # regex over its summary


NETWORK_CASES = {
    "DNS name that does not resolve": NetCase("network.dns", "fail", r"nonexistent\.invalid does not resolve"),
    "refused port": NetCase("network.tcp", "fail", r"refused"),
    "port that drops connections": NetCase("network.tcp", "fail", r"No answer .* within 1 s"),
    "port that accepts but never answers TLS": NetCase("network.tls", "fail", r"No TLS answer .* within 1 s"),
    "untrusted certificate": NetCase("network.tls", "fail", r"not trusted"),
    "expired certificate": NetCase("network.tls", "fail", r"expired"),
    "certificate for another host": NetCase("network.tls", "fail", r"not valid for 127\.0\.0\.1"),
    "HTTPS to a plain HTTP port": NetCase("network.tls", "fail", r"handshake .* failed.*plain HTTP"),
    "plain HTTP to a TLS port": NetCase("api.reachable", "error", r"/tas/api/version.*(dropped|reset|closed)"),
    "plain HTTP to a port that never answers": NetCase("api.reachable", "error",
                                                       r"/tas/api/version.*no answer within 1 s"),
}


@pytest.fixture
def target(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The command line for the network case named by the test's parameter."""
    name = request.param
    monkeypatch.setenv("TOPDESK_CONNECT_TIMEOUT", str(TIMEOUT_S))
    plain = ["--username", "hcp-svc", "--branch", "HQ Stockholm", "--timeout", str(TIMEOUT_S), "--deadline", "15"]
    if name == "DNS name that does not resolve":
        yield ["--url", "https://nonexistent.invalid", *plain]
    elif name == "refused port":
        yield ["--url", f"https://127.0.0.1:{request.getfixturevalue('closed_port')}", *plain]
    elif name == "port that drops connections":
        yield ["--url", f"https://127.0.0.1:{request.getfixturevalue('full_port')}", *plain]
    elif name == "port that accepts but never answers TLS":
        yield ["--url", f"https://127.0.0.1:{request.getfixturevalue('silent_port')}", *plain]
    elif name == "plain HTTP to a port that never answers":
        yield ["--url", f"http://127.0.0.1:{request.getfixturevalue('silent_port')}", *plain]
    else:
        tls: Any = {"expired certificate": "expired", "certificate for another host": "wrong_host",
                    "HTTPS to a plain HTTP port": False}.get(name, True)
        with Sandbox(scenario="healthy", tls=tls, password=SECRET) as sb:
            args = sandbox_args(sb, "--timeout", str(TIMEOUT_S), "--deadline", "15")
            url = args[args.index("--url") + 1]
            if name == "untrusted certificate":
                del args[args.index("--ca-bundle"):args.index("--ca-bundle") + 2]
            elif name == "HTTPS to a plain HTTP port":
                args[args.index("--url") + 1] = url.replace("http://", "https://")
            elif name == "plain HTTP to a TLS port":
                args[args.index("--url") + 1] = url.replace("https://", "http://")
            yield args


@pytest.mark.parametrize("target", list(NETWORK_CASES), indirect=True)
def test_a_network_fault_is_pinned_on_its_layer_and_everything_behind_it_waits(
        target: list[str], run_cli: Callable[..., Outcome], request: pytest.FixtureRequest, tally: Any) -> None:
    case = NETWORK_CASES[request.node.callspec.params["target"]]
    outcome = run_cli(target)
    tally["fault cases"] += 1

    culprit = outcome.check(case.check)
    assert culprit["status"] == case.status, culprit
    assert re.search(case.cause, culprit["summary"]), culprit["summary"]
    assert culprit["remediation"], "a network failure must say who does what"
    statuses = outcome.statuses
    assert outcome.code == expected_exit(statuses.values()) != EXIT_TOOL_BROKE
    assert outcome.code == (EXIT_NOT_READY if case.status == "fail" else EXIT_UNKNOWN)
    broken = {c for c, s in statuses.items() if s in ("fail", "error")}
    assert broken == {case.check}, statuses
    assert all(s in ("pass", "warn", "skipped") for c, s in statuses.items() if c != case.check)
    assert outcome.elapsed_s < HTTP_BOUND_S


def test_a_server_that_accepts_and_never_answers_cannot_hold_the_run_past_its_time_outs(
        silent_port: int, run_cli: Callable[..., Outcome], tally: Any) -> None:
    outcome = run_cli(["--url", f"http://127.0.0.1:{silent_port}", "--username", "u", "--branch", "b",
                       "--timeout", "1", "--deadline", "60"], retries=2)
    tally["fault cases"] += 1
    # three attempts of 1 s and two back-offs (each ≤ 0.5·2^n s): far below the 60 s deadline
    assert outcome.elapsed_s < 3 * 1.0 + 1.0 + 2.0 + 3.0
    assert outcome.status("api.reachable") == "error"
    assert "gave up after 3 attempts" in outcome.check("api.reachable")["summary"]


def test_the_deadline_ends_a_run_whose_answers_trickle_in_with_a_complete_report(
        run_cli: Callable[..., Outcome], tally: Any) -> None:
    with Sandbox(scenario="healthy", password=SECRET) as sb:
        # every piece of the body arrives within the 1 s read time-out, but all of it takes 20 s
        sb.inject("/tas/api/*", Fault.slow_body(20.0))
        outcome = run_cli(sandbox_args(sb, "--timeout", "2.5", "--deadline", "3"))
    tally["fault cases"] += 1
    assert outcome.elapsed_s < 3 + 2.0
    reachable = outcome.check("api.reachable")
    assert reachable["status"] == "error" and re.search(r"time limit|deadline", reachable["summary"])
    assert outcome.code == EXIT_UNKNOWN
    assert len(outcome.report["checks"]) == len(outcome.statuses) >= 19


def test_a_check_that_hangs_is_cut_off_by_the_deadline_and_the_report_is_complete() -> None:
    stuck = CheckSpec(id="demo.stuck", title="hangs", guide="none", func=lambda ctx: time.sleep(30) or None)
    quick = CheckSpec(id="demo.quick", title="answers", guide="none",
                      func=lambda ctx: CheckResult.passed("fine"))
    after = CheckSpec(id="demo.after", title="waits", guide="none", depends_on=("demo.stuck",),
                      func=lambda ctx: CheckResult.passed("never"))
    from topdesk_preflight.settings import Settings

    started = time.monotonic()
    report = run_preflight(Settings(url="https://nonexistent.invalid", username="u", password="p",
                                    deadline=1.5, check_timeout=30),
                           registry=Registry.from_specs([stuck, quick, after]))
    assert time.monotonic() - started < 1.5 + 1.0
    by_id = {r.id: r for r in report.results}
    assert by_id["demo.quick"].status is Status.PASS
    assert by_id["demo.stuck"].status is Status.ERROR and "deadline" in by_id["demo.stuck"].summary
    assert by_id["demo.after"].status in (Status.ERROR, Status.SKIPPED)


@pytest.mark.parametrize("argv_tail", [
    ["--url", "https://nonexistent.invalid", "--username", "u", "--branch", "b"],
    "sandbox-with-broken-operators",
], ids=["DNS", "HTML instead of JSON"])
def test_the_installed_command_in_a_real_process_ends_without_a_traceback(
        argv_tail: Any, tmp_path: Any, tally: Any) -> None:
    env = {"PATH": "/usr/bin:/bin", "TOPDESK_APP_PASSWORD": SECRET, "TOPDESK_RETRIES": "1", "NO_COLOR": "1"}
    if isinstance(argv_tail, list):
        code, err = _run_process(argv_tail, env, tmp_path)
        assert code == EXIT_NOT_READY
    else:
        with Sandbox(scenario="healthy", password=SECRET) as sb:
            sb.inject("/tas/api/operators/current", Fault.html())
            code, err = _run_process(sandbox_args(sb, "--timeout", "2"), env, tmp_path)
        assert code == EXIT_UNKNOWN
    tally["fault cases"] += 1
    assert "Traceback" not in err and SECRET not in err
    assert len(list(tmp_path.glob("*.json"))) == 1 and len(list(tmp_path.glob("*.html"))) == 1


def _run_process(args: list[str], env: dict[str, str], out_dir: Any) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "topdesk_preflight", *args, "--output-dir", str(out_dir)],
                          env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return done.returncode, done.stderr
