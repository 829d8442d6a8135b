"""``fleet history PATH.sqlite [--tenant NAME] [--html PATH]``: each tenant's story, one line per run that changed it.

After a month of nightly runs the history holds thirty near-identical rows per
tenant. What a support engineer asks is "when did Acme break, and what changed
then?", so the timeline keeps only the runs where something changed: the first
run, a change of readiness, a check that broke or was fixed, a new TOPdesk
version, a different reason it could not be checked. ``--html`` draws every run
as a readiness strip per tenant (inline SVG, no script) beside those lines.

Reads the file read-only (WAL: a fleet run may be writing it at the same time).
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

from attrs import frozen

from topdesk_preflight.fleet_history import History, parse_time
from topdesk_preflight.settings import SettingsError
from topdesk_preflight.vocabulary import Readiness, topdesk_version_words

PROG = "topdesk-preflight fleet history"


@frozen
class Entry:
    """One recorded run of one tenant."""

    checked_at: datetime
    readiness: str
    broken: tuple[str, ...]
    api_version: str | None  # the REST API's version (/version); the history's column topdesk_version
    error: str | None
    run_status: str  # complete, interrupted, running
    product_version: str | None = None  # TOPdesk's own (/productVersion)

    @property
    def version_text(self) -> str | None:
        """``TOPdesk 16.6.7 (REST API 3.7.4)``, the words every output uses, or None when neither is known."""
        if not (self.product_version or self.api_version):
            return None
        return topdesk_version_words(self.product_version, self.api_version)


@frozen
class Moment:
    """A run where something changed, and what."""

    entry: Entry
    what: tuple[str, ...]


@frozen
class TenantTimeline:
    """One tenant's recorded runs, oldest first (``filtered``: only those since a day)."""

    name: str
    slug: str
    url: str
    entries: tuple[Entry, ...]
    filtered: bool = False

    @property
    def moments(self) -> list[Moment]:
        return change_points(self.entries, first="first run shown" if self.filtered else "first run in the history")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Print each tenant's timeline from a fleet history: one line per run where "
                               "something changed. Reads the file only.")
    parser.add_argument("history", metavar="PATH.sqlite", help="a history written by fleet --history")
    parser.add_argument("--tenant", metavar="NAME", help="only this tenant (its name in the targets file)")
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="only runs on or after this day (UTC)")
    parser.add_argument("--html", metavar="PATH", help="also write a page with a readiness strip per tenant")
    return parser


def change_points(entries: Iterable[Entry], *, first: str = "first run in the history") -> list[Moment]:
    """The runs that differ from the one before (the first always does, labelled ``first``)."""
    moments: list[Moment] = []
    previous: Entry | None = None
    for entry in entries:
        what: list[str] = []
        if previous is None:
            what.append(first + (f", {entry.version_text}" if entry.version_text else ""))
            if entry.broken:
                what.append(f"broken: {', '.join(entry.broken)}")
            elif entry.error:
                what.append(entry.error)
        else:
            if entry.readiness != previous.readiness:
                what.append(f"{Readiness(previous.readiness).label} -> {Readiness(entry.readiness).label}")
            comparable = previous.error is None and entry.error is None
            broke = sorted(set(entry.broken) - set(previous.broken)) if comparable else []
            fixed = sorted(set(previous.broken) - set(entry.broken)) if comparable else []
            if broke:
                what.append(f"broke: {', '.join(broke)}")
            if fixed:
                what.append(f"fixed: {', '.join(fixed)}")
            if entry.version_text and previous.version_text and entry.version_text != previous.version_text:
                what.append(f"{previous.version_text} -> {entry.version_text}")
            if entry.error != previous.error and entry.error:
                what.append(entry.error)
        if what:
            moments.append(Moment(entry, tuple(w for w in what if w)))
        previous = entry
    return moments



def read_timelines(history: History, *, tenant: str | None = None, since: date | None = None) -> list[TenantTimeline]:
    """Every tenant's runs, oldest first; not ready tenants first, then unknown, then ready, by name within."""
    db = history.connection()
    # the name and URL a tenant had in its latest run (a renamed URL shows as it is now)
    tenants = db.execute("SELECT slug, name, url FROM results AS r WHERE checked_at = "
                         "(SELECT MAX(checked_at) FROM results WHERE slug = r.slug) GROUP BY slug").fetchall()
    if tenant is not None:
        wanted = tenant.strip().casefold()
        chosen = [t for t in tenants if wanted in (t[0].casefold(), t[1].casefold())]
        if not chosen:
            known = [t[1] for t in tenants]
            listed = ", ".join(known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10 else "")
            raise SettingsError(f"No tenant named {tenant!r} in the history {history.path.name!r}"
                                + (f"; it has {listed}." if known else "; it has no tenant yet."))
        tenants = chosen
    found = []
    for slug, name, url in tenants:
        query = ("SELECT results.id, checked_at, readiness, topdesk_version, error, runs.status, product_version "
                 "FROM results "
                 "JOIN runs ON runs.uid = run_uid WHERE slug = ?")
        params: list[Any] = [slug]
        if since is not None:
            query += " AND checked_at >= ?"
            params.append(since.isoformat())
        broken: dict[int, list[str]] = {}
        for result_id, check_id in db.execute(
                "SELECT result_id, check_id FROM checks WHERE result_id IN (SELECT id FROM results WHERE slug = ?) "
                "AND status IN ('fail', 'error') AND silenced = 0 ORDER BY check_id", (slug,)):
            broken.setdefault(result_id, []).append(check_id)
        entries = [Entry(parse_time(checked_at), readiness, tuple(broken.get(result_id, ())), version, error, status,
                         product)
                   for result_id, checked_at, readiness, version, error, status, product in db.execute(
                       query + " ORDER BY checked_at, results.id", params).fetchall()]
        found.append(TenantTimeline(name, slug, url, tuple(entries), filtered=since is not None))
    order = {Readiness.NOT_READY.value: 0, Readiness.UNKNOWN.value: 1, Readiness.READY.value: 2}
    return sorted(found, key=lambda t: (order[t.entries[-1].readiness] if t.entries else 3, t.name.casefold()))


def run(args: argparse.Namespace) -> int:
    """``fleet history``: print the timelines (and write the page); 0, or 2 for a file that is not a history."""
    import sys

    from topdesk_preflight.reports.fleet_history_report import timeline_lines, write_history_html

    since = None
    if args.since is not None:
        try:
            since = date.fromisoformat(args.since.strip())
        except ValueError:
            raise SettingsError(f"--since must be a day like 2025-03-01, not {args.since!r}.") from None
    with History.open(args.history, write=False) as history:
        timelines = read_timelines(history, tenant=args.tenant, since=since)
        runs = history.connection().execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    lines = timeline_lines(timelines, runs=runs, source=Path(args.history).name)
    if args.html:
        page = write_history_html(timelines, args.html, runs=runs, source=Path(args.history).name)
        lines += ["", f"Timeline page: {page}"]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    return 0
