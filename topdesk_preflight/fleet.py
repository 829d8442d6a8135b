"""Fleet mode: check many TOPdesk tenants in one go, and warn before an application password expires.

Support teams and partners look after many tenants, and the most common
repeat failure is an application password that quietly expired. A targets
file lists the tenants (:mod:`topdesk_preflight.fleet_targets`); each becomes
one ordinary :func:`run_preflight` on a bounded pool, writes its usual JSON and
HTML report, and adds one row to the fleet summary.

Watching a fleet over time lives beside this module: the run history in SQLite
(``fleet_history``), what changed since each tenant's previous run
(``fleet_changes``), the Prometheus metrics file (``fleet_metrics``), and
splitting a fleet over several jobs and joining their summaries again
(``fleet_shard``, ``fleet_merge``).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from attrs import field, frozen

from topdesk_preflight.exit_codes import ExitCode
from topdesk_preflight.fleet_targets import (  # noqa: F401 - the fleet's public names, re-exported
    PASSWORD_ENV_CONVENTION,
    SecretSources,
    Tenant,
    load_targets,
    slugify,
)
from topdesk_preflight.model import Report
from topdesk_preflight.settings import Settings, SettingsError
from topdesk_preflight.vocabulary import Readiness

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.fleet_changes import FleetChanges
    from topdesk_preflight.fleet_shard import Shard

DEFAULT_CONCURRENCY = 8  # tenants at once; each tenant runs its own checks concurrently too
DEFAULT_EXPIRY_WARNING_DAYS = 30


@frozen
class TenantOutcome:
    """What checking one tenant gave: its report (and where it was written), or the reason there is none."""

    tenant: Tenant
    report: Report | None = None
    error: str | None = None
    json_path: Path | None = None
    html_path: Path | None = None
    duration_s: float = 0.0
    checked_at: datetime | None = None  # when this tenant's check started (UTC): the history's clock

    @property
    def requests(self) -> int:
        """How many requests the run sent: each one once, though every check that used a shared fact lists it."""
        if self.report is None:
            return 0
        return len({(r.method, r.path, r.status, r.duration_s, r.bytes)
                    for result in self.report.results for r in result.requests})

    @property
    def readiness(self) -> str:
        """``ready``, ``not_ready`` or ``unknown``; a tenant that could not be checked is ``unknown``."""
        return self.report.readiness if self.report is not None else "unknown"

    @property
    def counts(self) -> dict[str, int]:
        """Results per status, *not* counting silenced ones (shown apart under ``silenced``).

        A fleet row puts these beside the readiness, and a silenced failure does not
        make a tenant not ready, so counting it would make a "ready" row show a failure.
        A tenant that could not be checked counts as one error.
        """
        counts = {"pass": 0, "warn": 0, "fail": 0, "error": 0, "skipped": 0, "silenced": 0}
        if self.report is None:
            counts["error"] = 1
            return counts
        for result in self.report.results:
            counts["silenced" if result.silenced is not None else result.status.value] += 1
        return counts

    @property
    def root_causes(self) -> list[tuple[str, str]]:
        """``(check id, summary)`` of what to fix first; ``("tenant", reason)`` when nothing ran."""
        if self.report is None:
            return [("tenant", self.error or "not checked")]
        return [(r.id, r.summary) for r in self.report.root_causes]


@frozen
class ExpiryNotice:
    """A tenant whose application password expires within the warning window (or already has)."""

    name: str
    url: str
    expires: date
    days_left: int

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def _outcomes(values: Iterable[TenantOutcome]) -> tuple[TenantOutcome, ...]:
    return tuple(values)


@frozen
class FleetRun:
    """Every tenant's outcome, in the targets file's order, and the expiry early warning."""

    outcomes: tuple[TenantOutcome, ...] = field(converter=_outcomes)
    generated_at: datetime
    duration_s: float
    expiry_warning_days: int
    today: date
    #: With ``--history``: each tenant against its own previous run, and this run's id in the history.
    changes: "FleetChanges | None" = None
    history_run: str | None = None
    history_path: Path | None = None
    history_cpu_s: float = 0.0  # the CPU seconds recording and comparing cost this run
    #: With ``--history-keep DAYS``: (DAYS, results forgotten, runs forgotten) after this run was recorded.
    history_forgotten: tuple[int, int, int] | None = None
    shard: "Shard | None" = None  # with ``--shard I/N``: which part of the targets file this run checked
    tenants_total: int | None = None  # with a shard: how many tenants the whole targets file lists
    fail_on: str = "fail"  # "change": the exit code says only what got worse (see exit_code_for)

    @property
    def readiness_counts(self) -> dict[str, int]:
        """Tenants per readiness, every readiness named (a count of 0 included): the summary's ``counts``."""
        counts = {state.value: 0 for state in Readiness}
        for outcome in self.outcomes:
            counts[outcome.readiness] += 1
        return counts

    @property
    def expiring(self) -> list[ExpiryNotice]:
        """Tenants whose password expires within the window, soonest (or longest expired) first."""
        notices = []
        for outcome in self.outcomes:
            expires = outcome.tenant.app_password_expires
            if expires is None:
                continue
            days_left = (expires - self.today).days
            if days_left <= self.expiry_warning_days:
                notices.append(ExpiryNotice(outcome.tenant.name, outcome.tenant.url, expires, days_left))
        return sorted(notices, key=lambda n: (n.days_left, n.name))

    def days_left(self, outcome: TenantOutcome) -> int | None:
        expires = outcome.tenant.app_password_expires
        return None if expires is None else (expires - self.today).days

    def exit_code_for(self, fail_on: str | None = None) -> ExitCode:
        """``fail``: :attr:`exit_code`; ``change``: only what got worse since the previous run (needs a history)."""
        if (fail_on or self.fail_on) == "change" and self.changes is not None:
            return self.changes.exit_code
        return self.exit_code

    @property
    def exit_code(self) -> ExitCode:
        """0 all ready, 1 any not ready, 4 none not ready but some unknown: a single run's words, fleet-wide."""
        counts = self.readiness_counts
        if counts[Readiness.NOT_READY.value]:
            return ExitCode.NOT_READY
        if counts[Readiness.UNKNOWN.value]:
            return ExitCode.UNKNOWN
        return ExitCode.READY


# --- running ------------------------------------------------------------------------------------

OnTenantDone = Callable[[TenantOutcome], None]


def run_fleet(tenants: Sequence[Tenant], *, output_dir: str | os.PathLike[str] | None = None,
              concurrency: int = DEFAULT_CONCURRENCY,
              expiry_warning_days: int = DEFAULT_EXPIRY_WARNING_DAYS, today: date | None = None,
              html: bool = True, on_done: OnTenantDone | None = None,
              run: Callable[[Settings], Report] | None = None) -> FleetRun:
    """Check every tenant, at most ``concurrency`` at once; with ``output_dir``, write each one's reports.

    Reports go to ``output_dir/<tenant slug>/`` under their usual timestamped
    names, so a scheduled job keeps each tenant's history. ``on_done`` is called
    (from a worker thread, one call at a time) as each tenant finishes. Never
    raises for anything a tenant does; an unexpected failure becomes that
    tenant's error row.
    """
    if concurrency < 1:
        raise SettingsError("--concurrency must be at least 1.")
    if run is None:
        from topdesk_preflight.registry import load_catalogue
        from topdesk_preflight.runner import run_preflight

        load_catalogue()  # import the checks once, before threads race to do it
    runner: Callable[[Settings], Report] = run if run is not None else run_preflight
    started = time.monotonic()
    generated_at = datetime.now(UTC)
    callback_lock = threading.Lock()

    def check(tenant: Tenant) -> TenantOutcome:
        outcome = _check_tenant(tenant, runner, output_dir, html)
        if on_done is not None:
            with callback_lock:
                try:
                    on_done(outcome)
                except Exception:  # a broken printer must not lose the other tenants
                    pass
        return outcome

    workers = max(1, min(concurrency, len(tenants)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preflight-tenant")
    try:
        outcomes = list(pool.map(check, tenants))
    except BaseException:
        # Ctrl-C: start no other tenant (the pool's own exit would run every queued one first); the
        # tenants already running finish their current request and are recorded as usual.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return FleetRun(outcomes=outcomes, generated_at=generated_at,
                    duration_s=round(time.monotonic() - started, 3),
                    expiry_warning_days=expiry_warning_days, today=today or date.today())


def _check_tenant(tenant: Tenant, run: Callable[[Settings], Report],
                  output_dir: str | os.PathLike[str] | None, html: bool) -> TenantOutcome:
    checked_at = datetime.now(UTC)
    if tenant.settings is None:
        return TenantOutcome(tenant, error=f"not checked: {tenant.problem}", checked_at=checked_at)
    started = time.monotonic()
    try:
        report = run(tenant.settings)
    except SettingsError as exc:
        return TenantOutcome(tenant, error=f"not checked: {exc}", duration_s=round(time.monotonic() - started, 3),
                             checked_at=checked_at)
    except Exception as exc:  # run_preflight should never raise; if it does, only this tenant suffers
        return TenantOutcome(tenant, error=f"topdesk-preflight failed on this tenant ({type(exc).__name__}); "
                                           "run it alone with --debug for details",
                             duration_s=round(time.monotonic() - started, 3), checked_at=checked_at)
    duration = round(time.monotonic() - started, 3)
    if output_dir is None:
        return TenantOutcome(tenant, report=report, duration_s=duration, checked_at=checked_at)
    report, json_path, html_path = write_tenant_reports(report, tenant.settings, Path(output_dir) / tenant.slug,
                                                        html=html)
    return TenantOutcome(tenant, report=report, json_path=json_path, html_path=html_path,
                         duration_s=duration, checked_at=checked_at)


def write_tenant_reports(report: Report, settings: Settings, folder: Path, *,
                         html: bool = True) -> tuple[Report, Path, Path | None]:
    """Write one tenant's JSON and HTML report (and, redacted, its key file first); the report as written.

    The names are claimed (``reports.paths.claim_default_paths``) as a single run claims them, so
    two fleet runs into one folder in the same second get ``-2`` instead of overwriting each other;
    a claimed name left unwritten is given back. A redacted report's key goes beside the JSON
    (``<report>.redaction-map.json``, 0600) or to the tenant's ``redaction_map``, and before the
    reports: without it their tokens cannot be turned back into cards.
    """
    from topdesk_preflight import redaction_key, reports
    from topdesk_preflight.reports.paths import claim_default_paths, release

    claimed = claim_default_paths(report, folder, claim=(".json", ".html") if html else (".json",))
    json_path, html_path = claimed
    written: list[Path] = []
    try:
        report, key_path = redaction_key.attach_key(report, settings, json_path)
        if key_path is not None:
            redaction_key.write_key(report, key_path, report_name=json_path.name)
        json_text = reports.render_json(report)  # once: the HTML embeds the same bytes and their SHA-256
        written.append(reports.write_json(report, json_path, json_text=json_text))
        if html:
            written.append(reports.write_html(report, html_path, json_text=json_text, json_name=json_path.name))
    finally:
        for path in claimed:
            if path not in written:
                release(path)
    return report, json_path, html_path if html else None

