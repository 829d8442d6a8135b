"""``fleet --workers N``: tenants checked in N worker processes, for fleets whose CPU one interpreter cannot carry.

A tenant's run costs about a tenth of a CPU second (TLS handshakes, parsing, the
checks, rendering its two reports). With hundreds of tenants that is a minute of
CPU, and one Python process spends it on one core at a time (the interpreter
lock), whatever its thread count. Worker processes use every core.

What crosses a pipe is chosen so that no secret does:

- to a worker: the targets file's *path* and the flags that say where passwords may
  come from; each worker reads the targets file, and so each tenant's password,
  itself, exactly as the parent did; then only tenant *positions* (numbers);
- back from a worker: the tenant's position and name, and its report with the
  run's secret forms removed (the report's texts were already redacted by the
  runner; the worker wrote the tenant's own JSON and HTML reports itself). A
  ``redact`` tenant's report comes back with its tokens only: the worker wrote
  the key file, and the real values behind the tokens stay in that process.

The parent does everything that must happen once: the history (one writer), the
progress lines, the summary, the metrics. Workers ignore Ctrl-C; the parent stops
them, and the tenants already received are recorded as usual.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from datetime import UTC, date, datetime
from typing import Any, Sequence

import attrs

from topdesk_preflight.fleet import DEFAULT_EXPIRY_WARNING_DAYS, FleetRun, OnTenantDone, Tenant, TenantOutcome
from topdesk_preflight.fleet_targets import SecretSources
from topdesk_preflight.settings import SettingsError

MAX_WORKERS = 64
_POLL_S = 0.25


def portable(outcome: TenantOutcome) -> TenantOutcome:
    """The outcome as it may cross a pipe: no Settings (they hold the password), no secret forms in the report.

    The report keeps what the parent uses (each result's status, summary, prerequisites,
    silence and requests, the target); evidence, details and remediation stay in the
    tenant's own reports, which the worker wrote: a fleet of hundreds would otherwise
    hold every tenant's evidence twice, once per process. A redacted report loses its
    pseudonymizer (the tokens' real values, already in the key file the worker wrote).
    """
    from topdesk_preflight.redaction import Redactor

    tenant = outcome.tenant
    bare = attrs.evolve(tenant, settings=None)
    report = outcome.report
    if report is not None:
        lean = tuple(attrs.evolve(r, evidence={}, details=(), remediation=()) for r in report.results)
        report = attrs.evolve(report, results=lean, redactor=Redactor(), vantage={}, settings={},
                              pseudonyms=None)
    return attrs.evolve(outcome, tenant=bare, report=report)


def _worker(targets: str, sources: SecretSources, expiry_days: int | None, redact: bool, output_dir: str | None,
            html: bool, threads: int, tasks: Any, results: Any) -> None:
    """A worker process: read the targets file, then check the tenants whose positions arrive on ``tasks``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from topdesk_preflight.fleet import _check_tenant
    from topdesk_preflight.fleet_targets import load_targets
    from topdesk_preflight.registry import load_catalogue
    from topdesk_preflight.runner import run_preflight

    try:
        load_catalogue()
        by_position = {t.position: t for t in load_targets(targets, expiry_warning_days=expiry_days, sources=sources,
                                                           redact=redact)}
    except Exception as exc:  # the file changed or vanished since the parent read it
        results.put(("broken", None, str(exc) if isinstance(exc, SettingsError) else type(exc).__name__))
        return

    def serve() -> None:
        while True:
            position = tasks.get()
            if position is None:
                return
            tenant = by_position.get(position)
            if tenant is None:
                results.put(("broken", position, "the targets file changed while the fleet ran"))
                continue
            try:
                outcome = _check_tenant(tenant, run_preflight, output_dir, html)
                results.put(("done", position, portable(outcome)))
            except Exception as exc:  # only this tenant suffers, as in run_fleet
                results.put(("failed", position, type(exc).__name__))

    pool = [threading.Thread(target=serve, name=f"preflight-worker-{i}") for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def run_fleet_processes(tenants: Sequence[Tenant], *, targets: str | os.PathLike[str], workers: int,
                        sources: SecretSources | None = None, expiry_override: int | None = None,
                        output_dir: str | os.PathLike[str] | None = None, concurrency: int = 8,
                        expiry_warning_days: int = DEFAULT_EXPIRY_WARNING_DAYS, today: date | None = None,
                        html: bool = True, on_done: OnTenantDone | None = None,
                        redact: bool = False) -> FleetRun:
    """As :func:`fleet.run_fleet`, with the tenants spread over ``workers`` processes (``concurrency`` in all).

    ``tenants`` are the parent's own (from the same targets file); the workers are told
    only their positions, and read the file as the parent did (``expiry_override``,
    ``redact``: the command line's overrides). ``on_done`` is called in this process as
    each result arrives.
    """
    import multiprocessing

    if not 1 <= workers <= MAX_WORKERS:
        raise SettingsError(f"--workers must be from 1 to {MAX_WORKERS} (0: no worker processes).")
    started = time.monotonic()
    generated_at = datetime.now(UTC)
    by_position = {t.position: t for t in tenants}
    if len(by_position) != len(tenants):
        raise ValueError("tenants for worker processes must come from load_targets (distinct positions)")
    outcomes: dict[int, TenantOutcome] = {}
    runnable = [t for t in tenants if t.settings is not None]
    for tenant in tenants:
        if tenant.settings is None:  # nothing to run: no need to bother a worker
            outcomes[tenant.position] = _deliver(TenantOutcome(tenant, error=f"not checked: {tenant.problem}",
                                                               checked_at=datetime.now(UTC)), on_done)
    workers = max(1, min(workers, len(runnable) or 1))
    threads = max(1, -(-max(1, concurrency) // workers))
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no lock or thread state inherited
    tasks, results = context.Queue(), context.Queue()
    for tenant in runnable:
        tasks.put(tenant.position)
    for _ in range(workers * threads):
        tasks.put(None)
    processes = [context.Process(target=_worker, name=f"preflight-fleet-worker-{i}", daemon=True,
                                 args=(os.fspath(targets), sources or SecretSources(), expiry_override, redact,
                                       None if output_dir is None else os.fspath(output_dir), html, threads,
                                       tasks, results)) for i in range(workers)]
    try:
        for process in processes:
            process.start()
        while len(outcomes) < len(tenants):
            try:
                kind, position, payload = results.get(timeout=_POLL_S)
            except queue.Empty:
                if not any(p.is_alive() for p in processes):
                    break
                continue
            if kind == "broken":
                raise SettingsError(f"A fleet worker could not read the targets file {os.fspath(targets)!r}: "
                                    f"{payload}")
            mine = by_position[position]
            if kind == "failed":
                outcomes[position] = _deliver(TenantOutcome(
                    mine, error=f"topdesk-preflight failed on this tenant ({payload}); run it alone with --debug "
                                "for details", checked_at=datetime.now(UTC)), on_done)
                continue
            if payload.tenant.name != mine.name:
                raise SettingsError(f"The targets file {os.fspath(targets)!r} changed while the fleet ran.")
            outcomes[position] = _deliver(attrs.evolve(payload, tenant=mine), on_done)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
        tasks.cancel_join_thread()  # positions no worker will take must not keep this process from exiting
        tasks.close()
        results.close()
    for tenant in tenants:  # a worker that died (killed, out of memory) took its tenants with it
        if tenant.position not in outcomes:
            outcomes[tenant.position] = _deliver(TenantOutcome(
                tenant, error="not checked: the worker process checking this tenant stopped; run it again",
                checked_at=datetime.now(UTC)), on_done)
    return FleetRun(outcomes=[outcomes[t.position] for t in tenants], generated_at=generated_at,
                    duration_s=round(time.monotonic() - started, 3), expiry_warning_days=expiry_warning_days,
                    today=today or date.today())


def _deliver(outcome: TenantOutcome, on_done: OnTenantDone | None) -> TenantOutcome:
    if on_done is not None:
        try:
            on_done(outcome)
        except Exception:  # a broken printer must not lose the other tenants
            pass
    return outcome


def default_workers() -> int:
    """The cores this process may use: what ``--workers auto`` means."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)

