"""The context: shared facts fetched once, and the prefetch registry that starts them early."""

from __future__ import annotations

import pytest

from topdesk_preflight.context import PREFETCHES, Context, Prefetch, prefetch, prefetches_for
from topdesk_preflight.registry import load_catalogue


def make_prefetch(name: str, *used_by: str, fetch=None) -> Prefetch:
    return Prefetch(name=name, fetch=fetch or (lambda ctx: None), used_by=tuple(used_by))


def test_a_prefetch_is_chosen_only_when_a_check_that_reads_its_fact_is_selected():
    version = make_prefetch("version", "api.reachable")
    operator = make_prefetch("operator", "auth.credentials")
    rooms = make_prefetch("rooms", "rooms.present", "rooms.typed")
    registered = [version, operator, rooms]
    assert prefetches_for(["network.dns", "network.tcp", "network.tls"], registered) == []
    assert prefetches_for(["network.tls", "api.reachable"], registered) == [version]
    assert prefetches_for(["rooms.typed", "auth.credentials"], registered) == [operator, rooms]


def test_the_decorator_registers_the_function_and_returns_it_unchanged():
    def fact(ctx):
        return 42

    try:
        assert prefetch(used_by=("a.check",))(fact) is fact
        entry = PREFETCHES[f"{__name__}.{fact.__qualname__}"]
        assert entry.fetch is fact and entry.used_by == ("a.check",)
    finally:
        PREFETCHES.pop(f"{__name__}.{fact.__qualname__}", None)


def test_a_prefetch_must_name_the_checks_that_use_it():
    with pytest.raises(ValueError, match="ids of the checks"):
        prefetch(used_by=())


def test_the_catalogue_prefetches_the_dependency_chain_and_nothing_for_network_only_runs():
    registry = load_catalogue()
    everything = [p.name.rsplit(".", 1)[-1] for p in prefetches_for(registry.ids)]
    assert everything == ["version_response", "product_version_response", "current_operator",
                          "branch_lookup", "branch_rooms"]
    network = [s.id for s in registry.select(only=["network"])]
    assert prefetches_for(network) == []
    for item in PREFETCHES.values():
        assert set(item.used_by) <= set(registry.ids), f"{item.name} names a check that does not exist"


def test_warming_caches_the_fact_so_the_check_does_not_fetch_it_again():
    calls: list[int] = []

    def fact(ctx):
        return ctx.once("fact", lambda: calls.append(1) or "value")

    ctx = Context(settings=None)
    ctx.warm(make_prefetch("fact", "a.check", fetch=fact))
    assert fact(ctx) == "value"
    assert calls == [1]


def test_a_failed_prefetch_is_kept_for_the_check_that_needs_it_and_not_retried():
    calls: list[int] = []

    def broken():
        calls.append(1)
        raise ConnectionError("refused")

    def fact(ctx):
        return ctx.once("fact", broken)

    ctx = Context(settings=None)
    ctx.warm(make_prefetch("fact", "a.check", fetch=fact))  # does not raise
    with pytest.raises(ConnectionError, match="refused"):
        fact(ctx)
    assert calls == [1]


def test_a_prefetch_that_fails_before_caching_anything_leaves_the_check_to_try_itself():
    def fact(ctx):
        raise RuntimeError("client not ready")

    ctx = Context(settings=None)
    ctx.warm(make_prefetch("fact", "a.check", fetch=fact))
    assert ctx.peek("fact") is None


class TestGather:
    """Independent reads inside one check overlap, and their requests are credited to that check."""

    def test_calls_run_at_once_and_come_back_by_name(self):
        import threading

        barrier = threading.Barrier(3, timeout=3)

        def meet(value):
            def call():
                barrier.wait()  # BrokenBarrierError unless all three run at the same time
                return value
            return call

        outcomes = Context(settings=None).gather({"a": meet(1), "b": meet(2), "c": meet(3)})
        assert {name: outcome.get() for name, outcome in outcomes.items()} == {"a": 1, "b": 2, "c": 3}

    def test_an_error_is_handed_back_not_raised(self):
        import pytest

        outcomes = Context(settings=None).gather({"ok": lambda: 1, "bad": lambda: 1 / 0})
        assert outcomes["ok"].get() == 1 and isinstance(outcomes["bad"].error, ZeroDivisionError)
        with pytest.raises(ZeroDivisionError):
            outcomes["bad"].get()

    def test_requests_made_in_the_helper_threads_are_credited_to_the_check(self):
        from topdesk_preflight.client import TopdeskClient
        from topdesk_preflight.sandbox import Sandbox

        with Sandbox(scenario="healthy") as sb:
            settings = sb.settings()
            with TopdeskClient(settings) as client:
                ctx = Context(settings, client)
                with ctx.capture_check() as records:
                    ctx.gather({"version": lambda: client.get_json("/version"),
                                "branches": lambda: client.get_json("/branches")})
        assert sorted(r.path for r in records) == ["/tas/api/branches", "/tas/api/version"]


def test_a_fact_built_on_another_fact_carries_its_requests_whichever_was_fetched_first():
    """branch.exists reads the branch filters, which rest on /operators/current: that request is its evidence
    too, whether the operator was fetched inside the filters' factory or earlier by a prefetch."""
    from topdesk_preflight.client import TopdeskClient
    from topdesk_preflight.sandbox import Sandbox

    def paths(order: str) -> list[str]:
        with Sandbox(scenario="healthy") as sb:
            settings = sb.settings()
            with TopdeskClient(settings) as client:
                ctx = Context(settings, client)
                operator = lambda: ctx.once("operator", lambda: client.get_json("/operators/current"))  # noqa: E731
                filters = lambda: ctx.once("filters", lambda: (operator(), client.get_json("/version")))  # noqa: E731
                if order == "operator first":
                    ctx.warm(Prefetch(name="operator", fetch=lambda c: operator(), used_by=("x",)))
                ctx.warm(Prefetch(name="filters", fetch=lambda c: filters(), used_by=("x",)))
                with ctx.capture_check() as records:  # a later check, finding both facts cached
                    filters()
        return sorted(r.path for r in records)

    assert paths("operator first") == paths("nested") == ["/tas/api/operators/current", "/tas/api/version"]


def test_a_checks_requests_come_out_sorted_by_path_whatever_order_they_were_made_in():
    from topdesk_preflight.client import TopdeskClient
    from topdesk_preflight.sandbox import Sandbox

    with Sandbox(scenario="healthy") as sb:
        settings = sb.settings()
        with TopdeskClient(settings) as client:
            ctx = Context(settings, client)
            with ctx.capture_check() as records:
                client.get_json("/version")
                client.get_json("/branches")
    assert [r.path for r in records] == ["/tas/api/branches", "/tas/api/version"]
