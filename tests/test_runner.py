"""The runner: concurrent along dependencies, each check isolated and time-boxed, always a complete result."""

from __future__ import annotations

import threading
import time

import pytest

from topdesk_preflight.context import Context, Prefetch
from topdesk_preflight.model import CheckResult, Status
from topdesk_preflight.registry import CheckSpec, Registry
from topdesk_preflight.runner import run_checks, run_preflight
from topdesk_preflight.sandbox import Fault, Sandbox


def make_registry(*specs: tuple) -> Registry:
    """specs: (id, func, deps...)"""
    return Registry.from_specs(
        CheckSpec(id=i, title=f"title of {i}", guide="guide", func=f, depends_on=tuple(d)) for i, f, *d in specs)


def run(registry: Registry, **kwargs):
    kwargs.setdefault("concurrency", 4)
    kwargs.setdefault("check_timeout", 5)
    kwargs.setdefault("deadline_s", 10)
    return run_checks(list(registry), Context(settings=None), **kwargs)


def passing(summary="ok"):
    return lambda ctx: CheckResult.passed(summary)


def failing(ctx):
    return CheckResult.failed("broken", remediation=["fix it"])


def test_results_come_back_in_catalogue_order_with_identity_filled_in():
    def slow(ctx):
        time.sleep(0.2)
        return CheckResult.passed("slow")

    results = run(make_registry(("a.slow", slow), ("a.fast", passing())))
    assert [r.id for r in results] == ["a.slow", "a.fast"]
    assert results[0].title == "title of a.slow" and results[0].guide_section == "guide"
    assert results[0].duration_s >= 0.2


def test_independent_checks_really_overlap():
    barrier = threading.Barrier(3, timeout=3)

    def meet(ctx):
        barrier.wait()  # raises BrokenBarrierError unless all three run at once
        return CheckResult.passed("met")

    results = run(make_registry(("a.one", meet), ("a.two", meet), ("a.three", meet)))
    assert [r.status for r in results] == [Status.PASS] * 3


def test_with_concurrency_one_they_run_one_after_another():
    active, peak = [0], [0]
    lock = threading.Lock()

    def track(ctx):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return CheckResult.passed("ok")

    run(make_registry(("a.one", track), ("a.two", track), ("a.three", track)), concurrency=1)
    assert peak[0] == 1


def test_a_check_starts_only_after_its_prerequisites_finished():
    finished: list[str] = []

    def first(ctx):
        time.sleep(0.1)
        finished.append("a.first")
        return CheckResult.passed("first")

    def second(ctx):
        assert finished == ["a.first"], "started before its prerequisite finished"
        assert ctx.result("a.first").status is Status.PASS
        return CheckResult.passed("second")

    results = run(make_registry(("a.first", first), ("a.second", second, "a.first")))
    assert [r.status for r in results] == [Status.PASS, Status.PASS]


def test_a_failed_prerequisite_skips_dependants_transitively_naming_the_cause():
    results = run(make_registry(("auth.credentials", failing), ("rooms.present", passing(), "auth.credentials"),
                                ("rooms.reservable", passing(), "rooms.present"), ("other.check", passing())))
    by_id = {r.id: r for r in results}
    assert by_id["rooms.present"].status is Status.SKIPPED
    assert by_id["rooms.present"].summary == "skipped: auth.credentials fail"
    assert by_id["rooms.present"].evidence["blocked_by"] == ["auth.credentials"]
    assert by_id["rooms.reservable"].status is Status.SKIPPED
    assert "rooms.present skipped" in by_id["rooms.reservable"].summary
    assert by_id["other.check"].status is Status.PASS


def test_a_warning_prerequisite_lets_dependants_run():
    def warn(ctx):
        return CheckResult.warned("meh", remediation=["look"])

    results = run(make_registry(("a.warn", warn), ("a.next", passing(), "a.warn")))
    assert results[1].status is Status.PASS


def test_an_exception_becomes_that_checks_error_and_the_others_are_unaffected():
    def crash(ctx):
        raise ValueError("the room list was not a list")

    results = run(make_registry(("a.crash", crash), ("a.fine", passing()), ("a.after", passing(), "a.crash")))
    crash_result, fine, after = results
    assert crash_result.status is Status.ERROR
    assert crash_result.summary == "Could not complete the check: ValueError: the room list was not a list"
    assert fine.status is Status.PASS
    assert after.status is Status.SKIPPED and "a.crash error" in after.summary


def test_a_check_that_returns_the_wrong_type_is_an_error_not_a_crash():
    results = run(make_registry(("a.bad", lambda ctx: "pass")))
    assert results[0].status is Status.ERROR and "not a CheckResult" in results[0].summary


def test_a_check_over_its_time_box_is_an_error_and_does_not_hold_the_run():
    release = threading.Event()

    def hang(ctx):
        release.wait(30)
        return CheckResult.passed("too late")

    started = time.monotonic()
    try:
        results = run(make_registry(("a.hang", hang), ("a.fine", passing())), check_timeout=0.3,
                      concurrency=1)
    finally:
        release.set()
    elapsed = time.monotonic() - started
    assert results[0].status is Status.ERROR and results[0].summary == "timed out after 0.3 s"
    # the worker stuck in a.hang was replaced, so a.fine still ran on a pool of one
    assert results[1].status is Status.PASS
    assert elapsed < 5


def test_the_overall_deadline_ends_the_run_with_a_result_for_every_check():
    release = threading.Event()

    def hang(ctx):
        release.wait(30)
        return CheckResult.passed("too late")

    started = time.monotonic()
    try:
        results = run(make_registry(("a.hang", hang), ("a.after", passing(), "a.hang")), check_timeout=20,
                      deadline_s=0.5)
    finally:
        release.set()
    assert time.monotonic() - started < 5
    assert [r.status for r in results] == [Status.ERROR, Status.ERROR]
    assert "deadline of 0.5 s" in results[0].summary
    assert "not run" in results[1].summary


def test_on_result_is_told_about_each_check_as_it_finishes():
    seen: list[str] = []
    run(make_registry(("a.one", passing()), ("a.two", passing(), "a.one")), on_result=lambda r: seen.append(r.id))
    assert seen == ["a.one", "a.two"]


def test_a_broken_on_result_callback_does_not_break_the_run():
    def explode(result):
        raise RuntimeError("printer on fire")

    results = run(make_registry(("a.one", passing())), on_result=explode)
    assert results[0].status is Status.PASS


def test_shared_facts_are_computed_once_even_when_asked_concurrently():
    calls: list[int] = []
    barrier = threading.Barrier(4, timeout=3)

    def fetch():
        calls.append(1)
        time.sleep(0.1)
        return {"id": "op-1"}

    def use(ctx):
        barrier.wait()
        return CheckResult.passed(ctx.once("operator.current", fetch)["id"])

    results = run(make_registry(*[(f"a.c{i}", use) for i in range(4)]))
    assert len(calls) == 1
    assert {r.summary for r in results} == {"op-1"}


def test_a_failed_shared_fact_is_raised_to_every_asker_without_refetching():
    calls: list[int] = []

    def fetch():
        calls.append(1)
        raise ConnectionError("refused")

    def use(ctx):
        return CheckResult.passed(str(ctx.once("fact", fetch)))

    results = run(make_registry(("a.one", use), ("a.two", use, "a.one"), ("a.three", use)))
    assert len(calls) == 1
    assert {r.status for r in results} == {Status.ERROR, Status.SKIPPED}


# ------------------------------------------------------------------------------ speculative prefetch

def test_prefetches_run_side_by_side_before_the_checks_and_the_checks_find_their_facts():
    barrier = threading.Barrier(2, timeout=3)
    calls: list[str] = []

    def fact(name):
        def fetch(ctx):
            def compute():
                barrier.wait()  # raises BrokenBarrierError unless both prefetches run at once
                calls.append(name)
                return f"{name} value"
            return ctx.once(name, compute)
        return fetch

    version, operator = fact("version"), fact("operator")
    warm = [Prefetch("version", version, ("a.version",)), Prefetch("operator", operator, ("a.operator",))]
    registry = make_registry(("a.version", lambda ctx: CheckResult.passed(version(ctx))),
                             ("a.operator", lambda ctx: CheckResult.passed(operator(ctx)), "a.version"))
    results = run(registry, prefetch=warm)
    assert [r.summary for r in results] == ["version value", "operator value"]
    assert sorted(calls) == ["operator", "version"]  # once each, by the prefetch, not again by the checks


def test_a_failed_prefetch_ends_as_the_error_of_the_check_that_needs_it():
    calls: list[int] = []

    def fetch(ctx):
        def broken():
            calls.append(1)
            raise ConnectionError("refused")
        return ctx.once("fact", broken)

    registry = make_registry(("a.uses", lambda ctx: CheckResult.passed(fetch(ctx))),
                             ("a.after", passing(), "a.uses"))
    results = run(registry, prefetch=[Prefetch("fact", fetch, ("a.uses",))])
    assert results[0].status is Status.ERROR and "ConnectionError: refused" in results[0].summary
    assert results[1].status is Status.SKIPPED
    assert calls == [1]


# against the simulator, over real HTTPS

PREFETCHED = ("/tas/api/version", "/tas/api/productVersion", "/tas/api/operators/current", "/tas/api/branches",
              "/tas/api/locations")


@pytest.fixture(autouse=True)
def _no_proxy_from_environment(monkeypatch):
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def verdicts(report):
    """What a reader of the report sees, minus timings (the network checks' summaries quote ms)."""
    return [(r.id, r.status, None if r.id.startswith("network.") else r.summary, r.remediation,
             r.depends_on) for r in report.results]


def run_both_ways(sb, arm=None, **overrides):
    """The same run with and without prefetch: (report, paths requested) for each."""
    outcomes = []
    for prefetch in (True, False):
        sb.clear_requests()
        sb.clear_faults()
        if arm is not None:
            arm(sb)
        report = run_preflight(sb.settings(**overrides), prefetch=prefetch)
        outcomes.append((report, sorted(r.path for r in sb.requests)))
    return outcomes


def test_prefetch_changes_nothing_in_the_report_and_asks_each_fact_once():
    with Sandbox("healthy") as sb:
        (warm, warm_paths), (cold, cold_paths) = run_both_ways(sb)
    assert verdicts(warm) == verdicts(cold)
    assert warm.ready and {r.status for r in warm.results} == {Status.PASS}
    assert warm_paths == cold_paths
    for path in PREFETCHED[:4]:
        assert warm_paths.count(path) == 1, path
    # evidence still names the requests behind each verdict, prefetched or not
    assert [r.path.split("?")[0] for r in warm.result("auth.credentials").requests] == ["/tas/api/operators/current"]


def test_a_network_only_run_never_touches_the_api():
    with Sandbox("healthy") as sb:
        report = run_preflight(sb.settings(only=("network",)))
        assert [r.id for r in report.results] == ["network.dns", "network.tcp", "network.tls"]
        assert sb.requests == []


def test_a_refused_login_gives_the_same_verdicts_and_skips_with_prefetch():
    with Sandbox("login_disabled") as sb:
        (warm, warm_paths), (cold, _) = run_both_ways(sb)
    assert verdicts(warm) == verdicts(cold)
    assert warm.result("auth.credentials").status is Status.FAIL
    branch = warm.result("branch.exists")
    assert branch.status is Status.SKIPPED and branch.summary == "skipped: auth.credentials fail"
    assert "/tas/api/locations" not in warm_paths  # the rooms need the branch, which the refusal hid


def test_a_failed_prefetch_yields_the_same_verdict_as_a_failed_fetch_by_the_check():
    def arm(sb):
        sb.inject("/tas/api/branches", Fault.status(500))

    with Sandbox("healthy") as sb:
        (warm, warm_paths), (cold, cold_paths) = run_both_ways(sb, arm=arm)
    assert verdicts(warm) == verdicts(cold)
    assert warm.result("branch.exists").status is Status.ERROR
    assert warm_paths.count("/tas/api/branches") == cold_paths.count("/tas/api/branches") == 1


def test_an_errors_hint_says_who_can_act_on_it():
    from topdesk_preflight.errors import ConnectError, NotTopdeskError, ServerError
    from topdesk_preflight.model import Step

    def raising(exc):
        def check(ctx):
            raise exc
        return check

    results = run(make_registry(("a.net", raising(ConnectError("refused", path="/tas/api/version"))),
                                ("a.server", raising(ServerError("boom", path="/x", status=503))),
                                ("a.url", raising(NotTopdeskError("html", path="/tas/api/version")))))
    actors = [Step.parse(r.remediation[0]).actor for r in results]
    assert actors == ["Network administrator", "TOPdesk administrator", "HCP administrator"]


# --- PASS means verified: the branch is required, unless the user narrowed the run -------------

def test_a_run_without_a_branch_stops_before_any_request_with_a_settings_error(sb):
    from topdesk_preflight.settings import SettingsError

    sb.clear_requests()
    with pytest.raises(SettingsError, match="No branch given: pass --branch"):
        run_preflight(sb.settings(branch=None))
    with pytest.raises(SettingsError, match="No branch given"):
        run_preflight(sb.settings(branch="   "))
    assert sb.requests == []


def test_a_deliberately_narrowed_run_without_a_branch_reports_the_branch_checks_as_not_checked(sb):
    report = run_preflight(sb.settings(branch=None, skip=("network",)))
    branch = report.result("branch.exists")
    assert branch.status is Status.SKIPPED and branch.enable_with == "--branch"
    needs_branch = ("rooms.present", "rooms.typed", "rooms.reservable", "rooms.branch_mismatch", "operator.branch")
    for dependant in needs_branch:
        result = report.result(dependant)
        assert result.status is Status.SKIPPED and result.enable_with == "--branch", dependant
        assert result.summary.startswith("Not checked: it needs ")
    assert report.result("rooms.types_defined").status is Status.PASS  # the dropdown needs no branch
