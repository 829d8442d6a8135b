"""What changed since each tenant's previous run: the few lines a team that watches a fleet reads.

A nightly fleet run of hundreds of tenants is mostly the same as last night.
What matters is the difference: which tenant broke, which got fixed, which is
still broken (and since when), which could not be assessed, and whose
application password just came within the warning window. This module decides
that from two :class:`Snapshot` values per tenant (this run's and the previous
one from the history) and nothing else, so it is the same whether the previous
run was last night's, a shard's, or merged from several.

"Broken" means what it means for readiness: a failed or errored check that no
silence covers. A tenant counts as *worse* (what ``--fail-on change`` alerts on)
when it was not broken before and is now, when a tenant still broken has a new
broken check, when a ready (or new) tenant can no longer be assessed, and when
its password newly enters the warning window or newly expires. The same known
problem, night after night, is never worse.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

from attrs import field, frozen

from topdesk_preflight.exit_codes import ExitCode
from topdesk_preflight.vocabulary import Readiness

#: The kinds, in the order a summary lists them.
NEWLY_BROKEN = "newly_broken"
FIXED = "fixed"
STILL_BROKEN = "still_broken"
UNKNOWN = "unknown"
PASSWORD = "password"  # only the password changed: newly within the warning window, or newly expired
UNCHANGED = "unchanged"  # ready before and now: counted, not listed
NEW = "new"  # ready, and seen for the first time: counted, not listed
KIND_ORDER = (NEWLY_BROKEN, FIXED, STILL_BROKEN, UNKNOWN, PASSWORD)


def _ids(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


@frozen
class Snapshot:
    """One tenant at one run, as the history keeps it: enough to compare, nothing secret."""

    slug: str
    name: str
    checked_at: datetime
    readiness: str  # ready, not_ready or unknown
    broken: frozenset[str] = field(default=frozenset(), converter=_ids)  # failed or errored, not silenced
    assessed: bool = True  # False when nothing ran (an error row): its checks cannot be compared
    password_days_left: int | None = None
    error: str | None = None


@frozen
class TenantChange:
    """How one tenant's readiness moved since its previous run."""

    name: str
    slug: str
    position: int  # the tenant's place in the targets file, so shards merge back in order
    kind: str
    readiness: str
    previous_readiness: str | None  # None: the history has no earlier run of this tenant
    previous_checked_at: datetime | None
    since: datetime | None = None  # still broken / unknown: the first run of the current streak
    streak_runs: int = 1  # how many runs in a row (this one included) it has been in this state
    newly_broken_checks: tuple[str, ...] = ()
    fixed_checks: tuple[str, ...] = ()
    password: str | None = None  # "entered_window" or "expired" when that happened since the previous run
    password_days_left: int | None = None
    worse: bool = False

    @property
    def listed(self) -> bool:
        return self.kind not in (UNCHANGED, NEW)


def _sorted(values: Iterable[TenantChange]) -> tuple[TenantChange, ...]:
    return tuple(sorted(values, key=lambda c: (KIND_ORDER.index(c.kind) if c.kind in KIND_ORDER else 99,
                                               c.position, c.name)))


@frozen
class FleetChanges:
    """Every tenant's change, listed ones in summary order (kind, then targets file order)."""

    changes: tuple[TenantChange, ...] = field(converter=_sorted)
    window_days: int = 30

    @property
    def listed(self) -> list[TenantChange]:
        return [c for c in self.changes if c.listed]

    @property
    def counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in (*KIND_ORDER, UNCHANGED, NEW)}
        for change in self.changes:
            counts[change.kind] += 1
        counts["first_seen"] = sum(1 for c in self.changes if c.previous_readiness is None)
        counts["worse"] = sum(1 for c in self.changes if c.worse)
        return counts

    @property
    def worse(self) -> bool:
        return any(c.worse for c in self.changes)

    @property
    def exit_code(self) -> ExitCode:
        """``--fail-on change``: 1 when something got worse, 4 when the only news is a tenant newly unknown."""
        return exit_code_for_kinds(c.kind for c in self.changes if c.worse)


def exit_code_for_kinds(worse: Iterable[str]) -> ExitCode:
    """The exit code for the kinds of change that got worse: the one rule, for a run and for merged shards.

    A single run's codes in the words of change: 0 nothing worse, 1 worse (as "not ready"), and 4 when
    the only news is a tenant that can no longer be assessed (as "unknown": nothing is known to be broken).
    """
    kinds = list(worse)
    if any(kind != UNKNOWN for kind in kinds):
        return ExitCode.NOT_READY
    return ExitCode.UNKNOWN if kinds else ExitCode.READY


def classify(current: Snapshot, previous: Snapshot | None, *, position: int = 0,
             streak: Sequence[Snapshot] = (), window_days: int = 30) -> TenantChange:
    """Compare a tenant's run with its previous one.

    ``streak`` is the tenant's earlier runs, newest first (the history reads them
    lazily and stops once the readiness differs), so "still broken since" names
    the first run of the unbroken stretch, not merely last night.
    """
    previous_readiness = previous.readiness if previous is not None else None
    comparable = previous is not None and previous.assessed and current.assessed
    newly = tuple(sorted(current.broken - previous.broken)) if comparable and previous else ()
    fixed = tuple(sorted(previous.broken - current.broken)) if comparable and previous else ()
    since, runs = current.checked_at, 1
    for earlier in streak:
        if earlier.readiness != current.readiness:
            break
        since, runs = earlier.checked_at, runs + 1

    if current.readiness == Readiness.NOT_READY:
        kind = STILL_BROKEN if previous_readiness == Readiness.NOT_READY else NEWLY_BROKEN
        worse = kind == NEWLY_BROKEN or bool(newly)
    elif current.readiness == Readiness.UNKNOWN:
        kind = UNKNOWN
        worse = previous_readiness in (None, Readiness.READY)
    else:
        kind = NEW if previous_readiness is None else UNCHANGED if previous_readiness == Readiness.READY else FIXED
        worse = False

    password = _password_news(current.password_days_left,
                              previous.password_days_left if previous is not None else None, window_days)
    if password is not None:
        worse = True
        if kind == UNCHANGED:
            kind = PASSWORD
    return TenantChange(
        name=current.name, slug=current.slug, position=position, kind=kind, readiness=current.readiness,
        previous_readiness=previous_readiness,
        previous_checked_at=previous.checked_at if previous is not None else None,
        since=since if kind in (STILL_BROKEN, UNKNOWN) else None, streak_runs=runs,
        newly_broken_checks=newly, fixed_checks=fixed, password=password,
        password_days_left=current.password_days_left, worse=worse)


def _password_news(days_left: int | None, before: int | None, window: int) -> str | None:
    """``expired`` or ``entered_window`` when that happened since the previous run, else None.

    Only a crossing is news: the expiry calendar lists every password in the window
    each night, but an alert should fire once, when it first gets there.
    """
    if days_left is None or before is None:
        return None
    if days_left < 0 <= before:
        return "expired"
    if days_left <= window < before:
        return "entered_window"
    return None
