"""``fleet history``'s output: a timeline per tenant in the terminal, and a page with a readiness strip per tenant.

The page is self-contained like every report: inline CSS, the strips as inline
SVG (a rectangle per run, its date and readiness in a ``<title>`` a browser
shows on hover), no script, nothing fetched; a Content-Security-Policy says so.
Tenant names and reasons come from the history, which took them from the
targets file and TOPdesk: they are cleaned and clipped (``sanitize``) before a
terminal or page shows them, and the page escapes everything.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from topdesk_preflight.reports.paths import atomic_write_text
from topdesk_preflight.reports.sanitize import display, one_line
from topdesk_preflight.vocabulary import Readiness, plural

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.fleet_timeline import TenantTimeline

TEMPLATE_RESOURCE = "templates/fleet_history.html.j2"
STRIP_RUNS = 120  # the most recent runs drawn per tenant (four months of nights); the text lists every change
CELL, GAP, HEIGHT = 6, 1, 18


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _ending(timeline: "TenantTimeline") -> str:
    last = timeline.entries[-1]
    note = " (that run was interrupted)" if last.run_status == "interrupted" else ""
    return f"now {Readiness(last.readiness).label}{note}"


def timeline_lines(timelines: Sequence["TenantTimeline"], *, runs: int, source: str) -> list[str]:
    """A block per tenant: its span, then one line per run where something changed."""
    if not timelines:
        return [f"{source}: {plural(runs, 'run')}, no tenant recorded yet."]
    lines = [f"{source}: {plural(runs, 'run')}, {plural(len(timelines), 'tenant')}."]
    for timeline in timelines:
        lines.append("")
        entries = timeline.entries
        if not entries:
            lines.append(f"{one_line(timeline.name, 80)}: no run in the chosen period.")
            continue
        lines.append(f"{one_line(timeline.name, 80)} ({one_line(timeline.url, 200)}): "
                     f"{plural(len(entries), 'run')} from {_when(entries[0].checked_at)} to "
                     f"{_when(entries[-1].checked_at)}, {_ending(timeline)}")
        for moment in timeline.moments:
            state = Readiness(moment.entry.readiness)
            tag = state.label if state is Readiness.READY else state.label.upper()
            lines.append(f"  {_when(moment.entry.checked_at)}  {tag:<9}  {one_line('; '.join(moment.what), 400)}")
    return lines


def _strip(timeline: "TenantTimeline") -> dict[str, Any]:
    """Consecutive runs in the same state are one bar (a fleet of hundreds stays a small page); its title says
    from when to when."""
    shown = timeline.entries[-STRIP_RUNS:]
    cells: list[dict[str, Any]] = []
    start = 0
    for i in range(1, len(shown) + 1):
        if i < len(shown) and shown[i].readiness == shown[start].readiness:
            continue
        first, last, count = shown[start], shown[i - 1], i - start
        span = _when(first.checked_at) if count == 1 else f"{_when(first.checked_at)} to {_when(last.checked_at)}"
        broken = sorted({check for e in shown[start:i] for check in e.broken})
        cells.append({"x": start * (CELL + GAP), "width": count * (CELL + GAP) - GAP, "readiness": first.readiness,
                      "title": f"{span}: {Readiness(first.readiness).label}"
                               + (f" ({count} runs)" if count > 1 else "")
                               + (f": {', '.join(broken)}" if broken else "")})
        start = i
    return {"cells": cells, "width": max(1, len(shown) * (CELL + GAP) - GAP), "height": HEIGHT,
            "runs": len(shown), "first": _when(shown[0].checked_at) if shown else "",
            "last": _when(shown[-1].checked_at) if shown else "",
            "clipped": len(timeline.entries) - len(shown)}


def page_context(timelines: Sequence["TenantTimeline"], *, runs: int, source: str) -> dict[str, Any]:
    from datetime import UTC, datetime

    from topdesk_preflight import __version__
    from topdesk_preflight.reports.json_report import iso_utc

    tenants = []
    for timeline in timelines:
        if not timeline.entries:
            continue
        last = timeline.entries[-1]
        tenants.append({
            "name": one_line(timeline.name, 200), "url": one_line(timeline.url, 300),
            "readiness": last.readiness, "readiness_text": Readiness(last.readiness).label,
            "strip": _strip(timeline), "runs": len(timeline.entries), "runs_words": plural(len(timeline.entries), "run"),
            "moments": [{"when": _when(m.entry.checked_at), "readiness": m.entry.readiness,
                         "readiness_text": Readiness(m.entry.readiness).label,
                         "what": display("; ".join(m.what), 1_000, single_line=True)} for m in timeline.moments],
        })
    counts = {state.value: sum(1 for t in tenants if t["readiness"] == state) for state in Readiness}
    return {"tenants": tenants, "runs": runs, "source": one_line(source, 200), "counts": counts,
            "tenants_words": plural(len(tenants), "tenant"), "runs_words": plural(runs, "run"),
            "generated_at": iso_utc(datetime.now(UTC)), "tool": f"topdesk-preflight {__version__}",
            "strip_runs": STRIP_RUNS}


def render_history_html(timelines: Sequence["TenantTimeline"], *, runs: int, source: str) -> str:
    from topdesk_preflight.reports.fleet_templates import template

    return template(TEMPLATE_RESOURCE).render(**page_context(timelines, runs=runs, source=source))


def write_history_html(timelines: Sequence["TenantTimeline"], path: str | os.PathLike[str], *, runs: int,
                       source: str) -> Path:
    """Write the page atomically, readable by its owner only (it names customers)."""
    return atomic_write_text(Path(path), render_history_html(timelines, runs=runs, source=source))
