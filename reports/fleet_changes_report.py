"""The "what changed" block of the fleet summary: JSON, terminal lines and the page's section.

With ``--history`` the summary leads with this: newly broken, fixed, still broken
(since when), unknown, and passwords that just came within the warning window.
The tenants that are ready as before are only counted: after the first night,
the block is the few lines that need a person.

The JSON form (``changes`` in ``fleet-summary.json``) is also what ``fleet merge``
joins, so everything here is drawn from that dict, never from the history itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from topdesk_preflight.exit_codes import ExitCode
from topdesk_preflight.fleet_changes import (
    FIXED,
    KIND_ORDER,
    NEW,
    NEWLY_BROKEN,
    PASSWORD,
    STILL_BROKEN,
    UNCHANGED,
    UNKNOWN,
    exit_code_for_kinds,
)
from topdesk_preflight.reports.json_report import iso_utc
from topdesk_preflight.reports.sanitize import display, encodable, one_line
from topdesk_preflight.vocabulary import Readiness

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.fleet_changes import FleetChanges, TenantChange

KIND_TEXT = {NEWLY_BROKEN: "newly broken", FIXED: "fixed", STILL_BROKEN: "still broken", UNKNOWN: "unknown",
             PASSWORD: "password"}
_ANSI = {NEWLY_BROKEN: "31;1", FIXED: "32", STILL_BROKEN: "31", UNKNOWN: "35;1", PASSWORD: "33;1"}
_BADGE = {NEWLY_BROKEN: Readiness.NOT_READY.value, FIXED: Readiness.READY.value,
          STILL_BROKEN: Readiness.NOT_READY.value, UNKNOWN: Readiness.UNKNOWN.value,
          PASSWORD: Readiness.UNKNOWN.value}
_COUNT_KEYS = (*KIND_ORDER, UNCHANGED, NEW, "first_seen", "worse")
_NAME_LIMIT = 40


# --- JSON ------------------------------------------------------------------------------------------

def _time(moment: datetime | None) -> str | None:
    return None if moment is None else iso_utc(moment)


def _change_dict(change: "TenantChange") -> dict[str, Any]:
    return {
        "name": encodable(change.name), "position": change.position, "kind": change.kind,
        "readiness": change.readiness, "previous_readiness": change.previous_readiness,
        "previous_checked_at": _time(change.previous_checked_at), "since": _time(change.since),
        "streak_runs": change.streak_runs, "newly_broken_checks": list(change.newly_broken_checks),
        "fixed_checks": list(change.fixed_checks), "password": change.password,
        "password_days_left": change.password_days_left, "worse": change.worse,
    }


def changes_to_json(changes: "FleetChanges") -> dict[str, Any]:
    """``changes`` of ``fleet-summary.json``: counts over every tenant, one entry per listed tenant."""
    return {"compared_with": "each tenant's previous run in the history", "worse": changes.worse,
            "exit_code": changes.exit_code, "window_days": changes.window_days, "counts": changes.counts,
            "tenants": [_change_dict(c) for c in changes.listed]}


def _exit_code(entries: Iterable[dict[str, Any]]) -> ExitCode:
    """The merged entries' exit code, by the rule a single run applies (``fleet_changes.exit_code_for_kinds``)."""
    return exit_code_for_kinds(e["kind"] for e in entries if e["worse"])


def merge_changes(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Join the ``changes`` of several shard summaries as one unsharded run would have written them."""
    entries = sorted((e for part in parts for e in part["tenants"]),
                     key=lambda e: (KIND_ORDER.index(e["kind"]) if e["kind"] in KIND_ORDER else 99,
                                    e["position"], e["name"]))
    counts = {key: sum(part["counts"].get(key, 0) for part in parts) for key in _COUNT_KEYS}
    return {"compared_with": parts[0]["compared_with"], "worse": any(p["worse"] for p in parts),
            "exit_code": _exit_code(entries), "window_days": parts[0]["window_days"], "counts": counts,
            "tenants": entries}


# --- shared wording --------------------------------------------------------------------------------

def when(text: str | None) -> str:
    """``2025-03-04T05:06:07Z`` -> ``2025-03-04 05:06 UTC``: to the minute, as a person reads a schedule."""
    if not text:
        return "-"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _runs(count: int) -> str:
    return f"{count} run{'' if count == 1 else 's'}"


def _password_text(entry: dict[str, Any], window: int) -> str:
    days = entry["password_days_left"]
    if entry["password"] == "expired":
        return f"the application password expired {-days} day{'' if days == -1 else 's'} ago"
    return (f"the application password expires in {days} day{'' if days == 1 else 's'} "
            f"(newly within {window} days)")


def explain(entry: dict[str, Any], row: dict[str, Any] | None, window: int) -> str:
    """What a person needs to act on this change, in one line (ids, not summaries)."""
    causes = [c["id"] if c["id"] != "tenant" else c["summary"] for c in (row or {}).get("root_causes", [])]
    before = entry["previous_readiness"]
    was = ("first run in the history" if before is None
           else f"was {Readiness(before).label} at {when(entry['previous_checked_at'])}")
    kind = entry["kind"]
    parts: list[str] = []
    if kind == NEWLY_BROKEN:
        parts.append(f"{', '.join(causes) or 'not ready'} ({was})")
    elif kind == FIXED:
        parts.append(f"ready ({was})")
    elif kind in (STILL_BROKEN, UNKNOWN):
        parts.append(f"since {when(entry['since'])} ({_runs(entry['streak_runs'])})")
        if causes:
            parts[-1] += f": {', '.join(causes)}"
    if entry["newly_broken_checks"] and kind != NEWLY_BROKEN:
        parts.append(f"newly broken: {', '.join(entry['newly_broken_checks'])}")
    if entry["fixed_checks"]:
        parts.append(f"fixed: {', '.join(entry['fixed_checks'])}")
    if entry["password"]:
        parts.append(_password_text(entry, window))
    return "; ".join(parts)


def _headline(changes: dict[str, Any]) -> str:
    counts = changes["counts"]
    listed = [f"{counts[kind]} {KIND_TEXT[kind]}" for kind in KIND_ORDER if counts.get(kind)]
    total = sum(counts.get(kind, 0) for kind in (*KIND_ORDER, UNCHANGED, NEW))
    if total and counts.get("first_seen") == total:
        return ("First run of these tenants in the history: nothing to compare with yet"
                + (f"; {', '.join(listed)}." if listed else "."))
    if not listed:
        return "No change since each tenant's previous run."
    worse = counts.get("worse", 0)
    return (f"Changes since each tenant's previous run: {', '.join(listed)}"
            + (f" ({worse} worse)." if worse else " (nothing worse)."))


def _footer(changes: dict[str, Any]) -> str:
    counts = changes["counts"]
    parts = []
    if counts.get(UNCHANGED):
        parts.append(f"{counts[UNCHANGED]} ready as before")
    if counts.get(NEW):
        parts.append(f"{counts[NEW]} ready, seen for the first time")
    return "; ".join(parts) + "." if parts else ""


# --- terminal ----------------------------------------------------------------------------------------

def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def change_lines(summary: dict[str, Any], *, color: bool = False) -> list[str]:
    """The block that leads the closing summary when the run has a history."""
    changes = summary["changes"]
    rows = {row["name"]: row for row in summary["tenants"]}
    lines = [_paint(_headline(changes), "1", color)]
    for entry in changes["tenants"]:
        tag = _paint(KIND_TEXT[entry["kind"]].upper().ljust(12), _ANSI[entry["kind"]], color)
        name = one_line(entry["name"], _NAME_LIMIT)
        lines.append(f"  {tag}  {name}: {one_line(explain(entry, rows.get(entry['name']), changes['window_days']), 400)}")
    if _footer(changes):
        lines.append(f"  {_footer(changes)}")
    return lines


# --- HTML ----------------------------------------------------------------------------------------------

_SECTION = """\
<section class="changes" id="changes" style="border-left: 6px solid {{ 'var(--not_ready)' if worse else 'var(--ready)' }}">
  <h2>{{ headline }}</h2>
{% if entries %}
  <table>
    <thead><tr><th scope="col">Change</th><th scope="col">Tenant</th><th scope="col">What</th></tr></thead>
    <tbody>
{% for entry in entries %}
      <tr><td><span class="badge badge-{{ entry.badge }}">{{ entry.kind }}</span></td><td><strong>{{ entry.name }}</strong></td><td>{{ entry.text }}</td></tr>
{% endfor %}
    </tbody>
  </table>
{% endif %}
  <p class="muted">{{ footer }} Each tenant is compared with its own previous run in the history.</p>
</section>
"""


def changes_section_html(summary: dict[str, Any]) -> str:
    """The page's "what changed" section (escaped; inline style only, no script), for its ``changes_html`` slot."""
    from topdesk_preflight.reports.fleet_templates import from_source

    changes = summary["changes"]
    rows = {row["name"]: row for row in summary["tenants"]}
    entries = [{"kind": KIND_TEXT[e["kind"]], "badge": _BADGE[e["kind"]], "name": one_line(e["name"], 200),
                "text": display(explain(e, rows.get(e["name"]), changes["window_days"]), 2_000, single_line=True)}
               for e in changes["tenants"]]
    return from_source(_SECTION).render(headline=_headline(changes), entries=entries, footer=_footer(changes),
                              worse=changes["worse"])
