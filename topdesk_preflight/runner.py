"""Runs the checks along their dependencies, concurrently, each isolated and time-boxed.

A check starts the moment all its prerequisites have finished, on a pool of
daemon worker threads (a hung check cannot keep the process alive). Each check
is isolated: an exception becomes that check's ``error``; a check over its time
box becomes ``error`` ("timed out after N s") and its worker is replaced so the
pool keeps its size; a check whose prerequisite did not pass is ``skipped``
naming it. The run's overall deadline ends everything still open with a clear
message, so a report is always produced. Results come back in catalogue order.

Speculative prefetch: the facts the dependency chain will need (the version, the
current operator, the branch, its rooms; see :func:`topdesk_preflight.context.prefetch`)
are queued on the same pool *before* the first check, so their round trips overlap
the network checks and each other instead of following them one by one. They share
the pool (and so the client's connection pool, sized to ``concurrency``); with
``concurrency=1`` nothing could overlap, so nothing is prefetched.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Sequence

from topdesk_preflight.interrupt import INTERRUPT_POLL_S, stop_if_interrupted
from topdesk_preflight.report_assembly import assemble_report, check_against_catalogue
from topdesk_preflight.model import (
    Actor,
    CheckResult,
    Report,
    Step,
    evolve,
)

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.context import Context, Prefetch
    from topdesk_preflight.redaction import Redactor
    from topdesk_preflight.registry import CheckSpec, Registry
    from topdesk_preflight.settings import Settings

log = logging.getLogger("topdesk_preflight.runner")

OnResult = Callable[[CheckResult], None]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


class _Worker(threading.Thread):
    def __init__(self, tasks: "queue.Queue[Any]", done: "queue.Queue[Any]", ctx: "Context") -> None:
        super().__init__(daemon=True, name="preflight-check")
        self.tasks, self.done, self.ctx = tasks, done, ctx

    def run(self) -> None:
        while True:
            spec = self.tasks.get()
            if spec is None:
                return
            if isinstance(spec, _Warm):
                self.ctx.warm(spec.item)
                continue
            started = time.monotonic()
            self.done.put((spec.id, _STARTED, started))  # the time box starts now, not when queued
            records: list[Any] = []
            try:
                with self.ctx.capture_check() as records:
                    result = spec.func(self.ctx)
                if not isinstance(result, CheckResult):
                    result = CheckResult.errored(
                        f"the check returned {type(result).__name__}, not a CheckResult "
                        "(a bug in topdesk-preflight)")
            except Exception as exc:  # isolation: one broken check never breaks the run
                _log_check_exception(spec.id, exc)
                result = _error_from_exception(exc)
            result = evolve(result, duration_s=round(time.monotonic() - started, 3),
                            requests=tuple(records))
            self.done.put((spec.id, result, None))


_STARTED = object()


def _log_check_exception(check_id: str, exc: Exception) -> None:
    """--debug: what TOPdesk or the network did is one line; only a real defect gets a traceback."""
    from topdesk_preflight.errors import ReadOnlyViolation, TopdeskError

    if isinstance(exc, TopdeskError) and not isinstance(exc, ReadOnlyViolation):
        log.debug("check %s ended on %s", check_id, _describe(exc))
    else:
        log.debug("check %s raised", check_id, exc_info=True)


class _Warm:
    """A prefetch queued on the worker pool; it reports nothing, it only fills the context's cache."""

    def __init__(self, item: "Prefetch") -> None:
        self.item = item


def _error_from_exception(exc: Exception) -> CheckResult:
    """Turn an unexpected exception into an ``error`` result that names the cause and who can act."""
    hint = getattr(exc, "hint", None)
    return CheckResult.errored(
        f"Could not complete the check: {_describe(exc)}",
        remediation=[Step(_actor_for(exc), str(hint))] if hint else [],
        evidence={"exception": type(exc).__name__},
    )


def _actor_for(exc: Exception) -> Actor:
    """Who can act on a client error's hint: the network path, TOPdesk's side, or whoever runs HCP."""
    from topdesk_preflight.errors import HTTPStatusError, PermissionDenied, TransportError

    if isinstance(exc, TransportError):
        return Actor.NETWORK
    if isinstance(exc, PermissionDenied) or (isinstance(exc, HTTPStatusError) and exc.status >= 500):
        return Actor.TOPDESK
    return Actor.HCP


def run_checks(specs: Sequence["CheckSpec"], ctx: "Context", *, concurrency: int = 8,
               check_timeout: float = 30.0, deadline_s: float = 60.0,
               on_result: OnResult | None = None,
               prefetch: Sequence["Prefetch"] = ()) -> list[CheckResult]:
    """Run ``specs`` (already in catalogue order) and return one result per spec, in that order.

    ``prefetch`` items start first, on the same workers, before any check is queued.
    """
    started = time.monotonic()
    deadline = started + deadline_s
    by_id = {s.id: s for s in specs}
    results: dict[str, CheckResult] = {}
    running: dict[str, float | None] = {}  # id -> monotonic start, None while still queued
    pending = [s.id for s in specs]
    tasks: "queue.Queue[Any]" = queue.Queue()
    done: "queue.Queue[Any]" = queue.Queue()
    workers = [_Worker(tasks, done, ctx) for _ in range(max(1, concurrency))]
    for item in prefetch:
        tasks.put(_Warm(item))
    for worker in workers:
        worker.start()

    def finish(check_id: str, result: CheckResult) -> None:
        spec = by_id[check_id]
        result = evolve(result, id=spec.id, title=spec.title, guide_section=spec.guide,
                        depends_on=spec.depends_on)
        results[check_id] = result
        running.pop(check_id, None)
        ctx._set_result(result)
        if on_result is not None:
            try:
                on_result(result)
            except Exception:  # a broken printer must not break the run
                log.debug("on_result callback failed", exc_info=True)

    def schedule() -> None:
        progressed = True
        while progressed:
            progressed = False
            for check_id in list(pending):
                spec = by_id[check_id]
                deps = [d for d in spec.depends_on if d in by_id]
                if any(d not in results for d in deps):
                    continue
                pending.remove(check_id)
                blockers = [d for d in deps if not results[d].status.ok]
                if blockers:
                    finish(check_id, _blocked_result([results[d] for d in blockers]))
                    progressed = True
                    continue
                running[check_id] = None
                tasks.put(spec)

    schedule()
    while pending or running:
        stop_if_interrupted()  # Ctrl-C: no report for a run cut short (topdesk_preflight.interrupt)
        now = time.monotonic()
        if now >= deadline:
            for check_id in list(running):
                finish(check_id, CheckResult.errored(
                    f"the run's deadline of {deadline_s:g} s was reached before this check finished",
                    remediation=[Step(Actor.HCP, "run topdesk-preflight again with a larger --deadline; "
                                      "if answers stay this slow, have the network path to TOPdesk checked.")]))
            for check_id in list(pending):
                pending.remove(check_id)
                finish(check_id, CheckResult.errored(
                    f"not run: the run's deadline of {deadline_s:g} s was reached first"))
            break
        waits = [deadline - now, INTERRUPT_POLL_S]
        for check_id, t0 in running.items():
            if t0 is not None:
                waits.append(t0 + _timeout_for(by_id[check_id], check_timeout) - now)
        try:
            check_id, result, started_at = done.get(timeout=max(0.0, min(waits)))
        except queue.Empty:
            now = time.monotonic()
            for check_id, t0 in list(running.items()):
                limit = _timeout_for(by_id[check_id], check_timeout)
                if t0 is not None and now - t0 >= limit:
                    finish(check_id, evolve(CheckResult.errored(
                        f"timed out after {limit:g} s",
                        remediation=[Step(Actor.HCP, "TOPdesk answered too slowly for this check; run "
                                          "topdesk-preflight again, or raise --timeout if the instance is known "
                                          "to be slow.")]),
                        duration_s=round(now - t0, 3)))
                    replacement = _Worker(tasks, done, ctx)  # the stuck worker keeps its thread
                    replacement.start()
                    workers.append(replacement)
            schedule()
            continue
        if result is _STARTED:
            if check_id in running:
                running[check_id] = started_at
            continue
        if check_id in running:  # a late answer from a timed-out check is ignored
            finish(check_id, result)
        schedule()
    for _ in workers:
        tasks.put(None)
    stop_if_interrupted()  # the requests Ctrl-C cut short ended the checks, but that is no result to report
    return [results[s.id] for s in specs]


def _blocked_result(blockers: list[CheckResult]) -> CheckResult:
    """The result of a check whose prerequisites did not pass.

    When every blocker is itself *not checked* (a setting was not given), so is
    this check, naming the same settings: "give --branch", not "something failed".
    """
    ids = [b.id for b in blockers]
    if all(b.not_checked for b in blockers):
        enable_with = ", ".join(dict.fromkeys(str(b.enable_with) for b in blockers))
        needs = ", ".join(ids)
        return CheckResult.unchecked(
            f"Not checked: it needs {needs}, which was not checked (give {enable_with}).",
            enable_with=enable_with, evidence={"blocked_by": ids})
    reasons = ", ".join(f"{b.id} {b.status.value}" for b in blockers)
    return CheckResult.skipped(f"skipped: {reasons}", evidence={"blocked_by": ids})


def _timeout_for(spec: "CheckSpec", default: float) -> float:
    return spec.timeout if spec.timeout is not None else default


def run_preflight(settings: "Settings", *, registry: "Registry | None" = None,
                  on_result: OnResult | None = None, client: Any = None,
                  prefetch: bool | None = None) -> Report:
    """Run the catalogue against the TOPdesk in ``settings`` and return the :class:`Report`.

    This is the library entry point HCP support tooling calls; it never raises for
    anything TOPdesk or the network does: those become results in the report.
    ``prefetch`` (default: on when ``settings.concurrency`` > 1) starts the facts the
    selected checks need at once; the verdicts are the same either way, only sooner.
    """
    from topdesk_preflight.context import Context, prefetches_for
    from topdesk_preflight.personal_data import watch
    from topdesk_preflight.pseudonyms import pseudonymize, pseudonymize_result
    from topdesk_preflight.redaction_key import pseudonymizer_for
    from topdesk_preflight.registry import RegistryError, load_catalogue
    from topdesk_preflight.settings import SettingsError

    registry = registry if registry is not None else load_catalogue()
    check_against_catalogue(settings, registry)
    try:
        specs = registry.select(settings.only, settings.skip)
    except RegistryError as exc:  # a typo in --only/--skip is a settings error (exit 2), not a crash
        raise SettingsError(str(exc)) from None
    started = time.monotonic()
    generated_at = datetime.now(timezone.utc)
    redactor = _redactor(settings)
    # --redact: a bad key file stops the run here, before its first request (topdesk_preflight.pseudonyms)
    pseudonyms = pseudonymizer_for(settings)
    if on_result is not None:
        report_result = on_result
        on_result = lambda result: report_result(  # noqa: E731
            pseudonymize_result(result.redacted(redactor), pseudonyms))
    owns_client = client is None
    if client is None:
        client = _make_client(settings, deadline=started + settings.deadline)
    if pseudonyms is not None:
        watch(client, pseudonyms)  # it learns the personal values from the cards TOPdesk returns
    ctx = Context(settings, client, deadline=started + settings.deadline)
    if prefetch is None:
        prefetch = settings.concurrency > 1
    warm_up = prefetches_for(s.id for s in specs) if prefetch else []
    try:
        results = run_checks(specs, ctx, concurrency=settings.concurrency,
                             check_timeout=settings.check_timeout, deadline_s=settings.deadline,
                             on_result=on_result, prefetch=warm_up)
    finally:
        if owns_client:
            client.close()
    report = assemble_report(settings, results, started=started, generated_at=generated_at,
                             detections=getattr(client, "detections", None))
    report = report.redacted(redactor)
    return report if pseudonyms is None else pseudonymize(report, pseudonyms)


def _redactor(settings: "Settings") -> "Redactor":
    """This run's secrets (its password and its proxies' credentials), remembered for --debug's filter too."""
    from topdesk_preflight import redaction
    from topdesk_preflight.vantage import environment_proxies

    password = settings.password.reveal() if settings.password else None
    redactor = redaction.Redactor.for_run(password, settings.username, environment_proxies())
    redaction.remember(redactor)
    return redactor


class _UnavailableClient:
    """Stands in when the client cannot even be built (e.g. an unreadable --ca-bundle).

    Every call raises the construction error, so each check that needs TOPdesk
    ends as ``error`` naming the cause, and the run still completes its report.
    """

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise self.error

        return fail

    def close(self) -> None:
        pass


def _make_client(settings: "Settings", *, deadline: float) -> Any:
    from topdesk_preflight.client import TopdeskClient
    from topdesk_preflight.errors import TopdeskError

    try:
        return TopdeskClient(settings, deadline=deadline)
    except TopdeskError as exc:
        log.debug("cannot build the TOPdesk client", exc_info=True)
        return _UnavailableClient(exc)
