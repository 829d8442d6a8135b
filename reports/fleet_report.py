"""The fleet summary: a terminal table, ``fleet-summary.json`` and ``fleet-summary.html``.

One row per tenant (readiness, fail/error/warn counts, root causes, days until
the application password expires) and, above it, the expiry early warning: the
tenants whose password expires within the window, soonest first. A scheduled
job reads the JSON; a person opens the HTML, an index that links each tenant's
own report by a relative path, so the folder can be zipped or moved whole.

Like every renderer this reads outcomes and reports, never Settings, so no
password can reach it; tenant names and TOPdesk texts are cleaned and clipped
(``sanitize.display``) before a terminal or page shows them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from topdesk_preflight.reports.json_report import iso_utc, json_safe
from topdesk_preflight.reports.paths import atomic_write_text
from topdesk_preflight.reports.sanitize import display, encodable, one_line
from topdesk_preflight.vocabulary import Readiness, plural

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.fleet import ExpiryNotice, FleetRun, TenantOutcome

SUMMARY_KIND = "fleet-summary"
SCHEMA_VERSION = "1"
JSON_NAME = "fleet-summary.json"
HTML_NAME = "fleet-summary.html"
TEMPLATE_RESOURCE = "templates/fleet.html.j2"

_ANSI = {Readiness.READY: "32", Readiness.NOT_READY: "31;1", Readiness.UNKNOWN: "35;1"}
_NAME_LIMIT = 40
_CAUSE_LIMIT = 300


def _relative(path: Path | None, base_dir: str | os.PathLike[str]) -> str | None:
    """``acme/topdesk-preflight-...html`` relative to the summary's folder, with forward slashes."""
    if path is None:
        return None
    return Path(os.path.relpath(Path(path).resolve(), Path(base_dir).resolve())).as_posix()


def expiry_text(notice: "ExpiryNotice") -> str:
    """``expired 10 days ago``, ``expires today`` or ``expires in 12 days``."""
    if notice.days_left < 0:
        return f"expired {plural(-notice.days_left, 'day')} ago"
    if notice.days_left == 0:
        return "expires today"
    return f"expires in {plural(notice.days_left, 'day')}"


def _days_left_text(days_left: int | None) -> str:
    if days_left is None:
        return "-"
    return "expired" if days_left < 0 else str(days_left)


def _causes(outcome: "TenantOutcome") -> list[dict[str, str]]:
    """``[{"id", "summary"}]``: what to fix first, or ``tenant`` and why nothing ran."""
    return [{"id": check_id, "summary": summary} for check_id, summary in outcome.root_causes]


# --- JSON ----------------------------------------------------------------------------------------

def _tenant_dict(run: "FleetRun", outcome: "TenantOutcome", base_dir: str | os.PathLike[str]) -> dict[str, Any]:
    counts = outcome.counts
    expires = outcome.tenant.app_password_expires
    return {
        "name": encodable(outcome.tenant.name),
        "url": outcome.tenant.url,
        "readiness": outcome.readiness,
        "counts": {k: counts.get(k, 0) for k in ("pass", "warn", "fail", "error", "skipped", "silenced")},
        "root_causes": json_safe(_causes(outcome)),
        "error": None if outcome.error is None else encodable(outcome.error),
        "app_password_expires": expires.isoformat() if expires else None,
        "password_days_left": run.days_left(outcome),
        "duration_s": outcome.duration_s,
        "checked_at": iso_utc(outcome.checked_at) if outcome.checked_at else None,
        "position": outcome.tenant.position,
        "product_version": outcome.report.target.product_version if outcome.report else None,
        "api_version": outcome.report.target.api_version if outcome.report else None,
        # deprecated: the api_version under its old name, which read as TOPdesk's own version
        "topdesk_version": outcome.report.target.api_version if outcome.report else None,
        "requests": outcome.requests,
        "redacted": outcome.tenant.redact,
        "reports": {"json": _relative(outcome.json_path, base_dir),
                    "html": _relative(outcome.html_path, base_dir)},
    }


def fleet_to_json_dict(run: "FleetRun", base_dir: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """The summary as a dict; report paths are relative to ``base_dir`` (the summary's folder)."""
    from topdesk_preflight import __version__
    from topdesk_preflight.reports.fleet_changes_report import changes_to_json

    return {
        "schema_version": SCHEMA_VERSION,
        "kind": SUMMARY_KIND,
        "tool": {"name": "topdesk-preflight", "version": __version__},
        "generated_at": iso_utc(run.generated_at),
        "duration_s": run.duration_s,
        "exit_code": run.exit_code_for(),
        "fail_on": run.fail_on,
        "counts": run.readiness_counts,
        "shard": None if run.shard is None else {
            "index": run.shard.index, "count": run.shard.count, "tenants_total": run.tenants_total},
        "history": None if run.history_run is None else {"run": run.history_run,
                                                         "file": _relative(run.history_path, base_dir),
                                                         "cpu_s": run.history_cpu_s,
                                                         **_forgotten(run.history_forgotten)},
        "changes": None if run.changes is None else changes_to_json(run.changes),
        "expiry_warning_days": run.expiry_warning_days,
        "expiring_passwords": [
            {"name": encodable(n.name), "url": n.url, "expires": n.expires.isoformat(),
             "days_left": n.days_left, "expired": n.expired}
            for n in run.expiring],
        "tenants": [_tenant_dict(run, outcome, base_dir) for outcome in run.outcomes],
    }


def render_fleet_json(run: "FleetRun", base_dir: str | os.PathLike[str] = ".") -> str:
    return render_summary_json(fleet_to_json_dict(run, base_dir))


def render_summary_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_summary_json(summary: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write a summary dict (a merged one) atomically; its links must already be relative to ``path``'s folder."""
    return atomic_write_text(Path(path), render_summary_json(summary))


def write_fleet_json(run: "FleetRun", path: str | os.PathLike[str]) -> Path:
    """Write the summary JSON atomically; its report links are relative to its own folder."""
    target = Path(path)
    return atomic_write_text(target, render_fleet_json(run, target.parent))


# --- terminal ------------------------------------------------------------------------------------
# The table, the expiry block and the page are drawn from the summary's JSON dict, not from the run:
# ``fleet merge`` has only the shards' JSON files, and must draw exactly what one unsharded run draws.

Summary = dict[str, Any]


def as_summary(run: "FleetRun | Summary") -> Summary:
    """The summary dict of ``run`` (a dict is taken as one already)."""
    return run if isinstance(run, dict) else fleet_to_json_dict(run)


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def tenant_line(outcome: "TenantOutcome", *, color: bool = False) -> str:
    """The progress line printed as a tenant finishes: readiness, name, counts, time."""
    readiness = Readiness(outcome.readiness)
    tag = _paint(readiness.label.upper().ljust(9), _ANSI[readiness], color)
    name = one_line(outcome.tenant.name, _NAME_LIMIT).ljust(_NAME_LIMIT)
    if outcome.report is None:
        return f"{tag} {name} {one_line(outcome.error or '', _CAUSE_LIMIT)}"
    c = outcome.counts
    return (f"{tag} {name} {c['fail']} failed, {plural(c['error'], 'error')}, {plural(c['warn'], 'warning')}  "
            f"{outcome.duration_s:.2f}s")


def _cause_ids(row: dict[str, Any]) -> str:
    return ", ".join(c["id"] if c["id"] != "tenant" else c["summary"] for c in row["root_causes"]) or "-"


def table_lines(run: "FleetRun | Summary", *, color: bool = False) -> list[str]:
    """One row per tenant: TENANT, READINESS, FAIL, ERROR, WARN, PW DAYS (left), ROOT CAUSES."""
    rows = as_summary(run)["tenants"]
    names = [one_line(row["name"], _NAME_LIMIT) for row in rows]
    width = max([len("TENANT"), *map(len, names)])
    lines = [f"{'TENANT':<{width}}  {'READINESS':<9}  FAIL  ERROR  WARN  {'PW DAYS':>7}  ROOT CAUSES"]
    for name, row in zip(names, rows):
        c = row["counts"]
        state = Readiness(row["readiness"])
        readiness = _paint(state.label.ljust(9), _ANSI[state], color)
        lines.append(f"{name:<{width}}  {readiness}  {c['fail']:>4}  {c['error']:>5}  {c['warn']:>4}  "
                     f"{_days_left_text(row['password_days_left']):>7}  {one_line(_cause_ids(row), _CAUSE_LIMIT)}")
    return lines


def _notices(summary: Summary) -> list["ExpiryNotice"]:
    from datetime import date

    from topdesk_preflight.fleet import ExpiryNotice

    return [ExpiryNotice(n["name"], n["url"], date.fromisoformat(n["expires"]), n["days_left"])
            for n in summary["expiring_passwords"]]


def expiry_lines(run: "FleetRun | Summary", *, color: bool = False) -> list[str]:
    """The early warning: every password expiring within the window (or expired), soonest first."""
    summary = as_summary(run)
    notices, window = _notices(summary), summary["expiry_warning_days"]
    if not notices:
        return [f"No application password expires within {plural(window, 'day')}."]
    lines = [_paint(f"Application passwords expiring within {plural(window, 'day')} ({len(notices)}):", "33;1",
                    color)]
    for notice in notices:
        lines.append(f"  {one_line(notice.name, _NAME_LIMIT)}: {expiry_text(notice)} "
                     f"({notice.expires.isoformat()}), {one_line(notice.url, 200)}")
    return lines


def _scope(summary: Summary) -> str:
    shard = summary.get("shard")
    return "" if not shard else f" (shard {shard['index']}/{shard['count']} of {shard['tenants_total']})"


def summary_lines(run: "FleetRun | Summary", *, color: bool = False,
                  paths: tuple[Path, ...] | list[Path] = ()) -> list[str]:
    """The closing block. With a history it leads with what changed, then the expiry calendar, then the table."""
    from topdesk_preflight.reports.fleet_changes_report import change_lines

    summary = as_summary(run)
    counts, total = summary["counts"], len(summary["tenants"])
    states = ", ".join(f"{counts[state.value]} {state.label}" for state in Readiness)
    totals = f"{plural(total, 'tenant')}{_scope(summary)}: {states} in {summary['duration_s']:.2f}s"
    if summary.get("changes") is not None:
        lines = ["", *change_lines(summary, color=color), "", *expiry_lines(summary, color=color), "",
                 *table_lines(summary, color=color), "", totals]
    else:
        lines = ["", *table_lines(summary, color=color), "", totals, "", *expiry_lines(summary, color=color)]
    lines += _redaction_lines(summary) + _retention_lines(summary)
    if paths:
        lines += ["", "Fleet summary:", *[f"  {os.fspath(p)}" for p in paths]]
    return lines


def _forgotten(forgotten: tuple[int, int, int] | None) -> dict[str, Any]:
    if forgotten is None:
        return {}
    keep_days, results, runs = forgotten
    return {"keep_days": keep_days, "forgotten": {"results": results, "runs": runs}}


def _retention_lines(summary: Summary) -> list[str]:
    """With ``--history-keep``: what the history forgot, so a shrinking timeline is never a surprise."""
    history = summary.get("history") or {}
    if "keep_days" not in history:
        return []
    gone = history["forgotten"]
    what = (f"forgot {plural(gone['results'], 'tenant result')} of {plural(gone['runs'], 'run')} older than that"
            if gone["results"] or gone["runs"] else "nothing was older")
    return ["", f"History: kept the last {plural(history['keep_days'], 'day')} and each tenant's latest result; "
                f"{what}."]


def _redaction_lines(summary: Summary) -> list[str]:
    """With ``redact``: which tenants' outputs name no person, and that their keys stay here (never in a summary)."""
    redacted = sum(1 for row in summary["tenants"] if row.get("redacted"))
    if not redacted:
        return []
    total = len(summary["tenants"])
    which = "every tenant" if redacted == total else f"{redacted} of {plural(total, 'tenant')}"
    return ["", f"Redacted ({which}): the names, emails, logins and phone numbers TOPdesk returned are tokens",
            "  (person-1, ...) in their reports, this summary, the history and the metrics; the HCP operator's",
            "  email and login are kept. Each tenant's key file is beside its JSON report",
            "  (<report>.redaction-map.json) or at its redaction_map: PRIVATE, keep it, never attach it."]


# --- HTML ----------------------------------------------------------------------------------------

def _href(relative: str | None) -> str | None:
    return None if relative is None else quote(relative, safe="/")


def page_context(run: "FleetRun | Summary", base_dir: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """What the template draws, already cleaned, clipped and turned into relative links.

    A dict is a summary whose report links are already relative to the page's folder. With a
    history, ``changes_html`` is the "what changed" section (rendered, escaped, by
    ``fleet_changes_report``), which the template puts after the headline; empty without one.
    """
    from markupsafe import Markup

    from topdesk_preflight.reports.fleet_changes_report import changes_section_html

    summary = run if isinstance(run, dict) else fleet_to_json_dict(run, base_dir)
    rows = []
    for row in summary["tenants"]:
        c = row["counts"]
        rows.append({
            "name": one_line(row["name"], 200),
            "url": one_line(row["url"], 300),
            "readiness": row["readiness"],
            "readiness_text": Readiness(row["readiness"]).label,
            "fail": c["fail"], "error": c["error"], "warn": c["warn"],
            "causes": [(one_line(cause["id"], 80), display(cause["summary"], 1_000)) for cause in row["root_causes"]],
            "expires": row["app_password_expires"] or "",
            "days_left": _days_left_text(row["password_days_left"]),
            "redacted": bool(row.get("redacted")),
            "html_href": _href(row["reports"]["html"]),
            "json_href": _href(row["reports"]["json"]),
        })
    counts, total = summary["counts"], len(summary["tenants"])
    return {
        "rows": rows,
        "counts": counts,
        "total": total,
        "all_ready": counts["ready"] == total,
        "window": plural(summary["expiry_warning_days"], "day"),
        "changes_html": Markup(changes_section_html(summary).rstrip("\n") if summary.get("changes") else ""),
        "expiring": [{"name": one_line(n.name, 200), "url": one_line(n.url, 300),
                      "expires": n.expires.isoformat(), "text": expiry_text(n), "expired": n.expired}
                     for n in _notices(summary)],
        "generated_at": summary["generated_at"],
        "duration": f"{summary['duration_s']:.2f}s",
        "tool": f"topdesk-preflight {summary['tool']['version']}",
    }


def render_fleet_html(run: "FleetRun | Summary", base_dir: str | os.PathLike[str] = ".") -> str:
    from topdesk_preflight.reports.fleet_templates import template

    return template(TEMPLATE_RESOURCE).render(**page_context(run, base_dir))


def write_fleet_html(run: "FleetRun | Summary", path: str | os.PathLike[str]) -> Path:
    """Write the index page atomically; its links are relative to its own folder."""
    target = Path(path)
    return atomic_write_text(target, render_fleet_html(run, target.parent))


def write_summary(run: "FleetRun", output_dir: str | os.PathLike[str], *,
                  json_path: str | os.PathLike[str] | None = None) -> tuple[Path, Path]:
    """``fleet-summary.json`` (or ``json_path``) and ``fleet-summary.html`` in ``output_dir``."""
    folder = Path(output_dir)
    return (write_fleet_json(run, json_path or folder / JSON_NAME), write_fleet_html(run, folder / HTML_NAME))
