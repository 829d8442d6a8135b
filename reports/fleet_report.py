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

import functools
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from topdesk_preflight.reports.json_report import iso_utc, json_safe
from topdesk_preflight.reports.paths import atomic_write_text
from topdesk_preflight.reports.sanitize import display, encodable, one_line

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

    from topdesk_preflight.fleet import ExpiryNotice, FleetRun, TenantOutcome

SUMMARY_KIND = "fleet-summary"
SCHEMA_VERSION = "1"
JSON_NAME = "fleet-summary.json"
HTML_NAME = "fleet-summary.html"
TEMPLATE_RESOURCE = "templates/fleet.html.j2"

READINESS_TEXT = {"ready": "ready", "not_ready": "not ready", "unknown": "unknown"}
_ANSI = {"ready": "32", "not_ready": "31;1", "unknown": "35;1"}
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
        days = -notice.days_left
        return f"expired {days} day{'' if days == 1 else 's'} ago"
    if notice.days_left == 0:
        return "expires today"
    return f"expires in {notice.days_left} day{'' if notice.days_left == 1 else 's'}"


def _days_left_text(days_left: int | None) -> str:
    if days_left is None:
        return "-"
    return "expired" if days_left < 0 else str(days_left)


def _causes(outcome: "TenantOutcome") -> list[dict[str, str]]:
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
        "reports": {"json": _relative(outcome.json_path, base_dir),
                    "html": _relative(outcome.html_path, base_dir)},
    }


def fleet_to_json_dict(run: "FleetRun", base_dir: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """The summary as a dict; report paths are relative to ``base_dir`` (the summary's folder)."""
    from topdesk_preflight import __version__

    return {
        "schema_version": SCHEMA_VERSION,
        "kind": SUMMARY_KIND,
        "tool": {"name": "topdesk-preflight", "version": __version__},
        "generated_at": iso_utc(run.generated_at),
        "duration_s": run.duration_s,
        "exit_code": run.exit_code,
        "counts": run.readiness_counts,
        "expiry_warning_days": run.expiry_warning_days,
        "expiring_passwords": [
            {"name": encodable(n.name), "url": n.url, "expires": n.expires.isoformat(),
             "days_left": n.days_left, "expired": n.expired}
            for n in run.expiring],
        "tenants": [_tenant_dict(run, outcome, base_dir) for outcome in run.outcomes],
    }


def render_fleet_json(run: "FleetRun", base_dir: str | os.PathLike[str] = ".") -> str:
    return json.dumps(fleet_to_json_dict(run, base_dir), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_fleet_json(run: "FleetRun", path: str | os.PathLike[str]) -> Path:
    """Write the summary JSON atomically; its report links are relative to its own folder."""
    target = Path(path)
    return atomic_write_text(target, render_fleet_json(run, target.parent))


# --- terminal ------------------------------------------------------------------------------------

def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def tenant_line(outcome: "TenantOutcome", *, color: bool = False) -> str:
    """The progress line printed as a tenant finishes: readiness, name, counts, time."""
    readiness = READINESS_TEXT[outcome.readiness]
    tag = _paint(readiness.upper().ljust(9), _ANSI[outcome.readiness], color)
    name = one_line(outcome.tenant.name, _NAME_LIMIT).ljust(_NAME_LIMIT)
    if outcome.report is None:
        return f"{tag} {name} {one_line(outcome.error or '', _CAUSE_LIMIT)}"
    c = outcome.counts
    return f"{tag} {name} {c['fail']} failed, {c['error']} errors, {c['warn']} warnings  {outcome.duration_s:.2f}s"


def table_lines(run: "FleetRun", *, color: bool = False) -> list[str]:
    """One row per tenant: TENANT, READINESS, FAIL, ERROR, WARN, PW DAYS (left), ROOT CAUSES."""
    names = [one_line(o.tenant.name, _NAME_LIMIT) for o in run.outcomes]
    width = max([len("TENANT"), *map(len, names)])
    lines = [f"{'TENANT':<{width}}  {'READINESS':<9}  FAIL  ERROR  WARN  {'PW DAYS':>7}  ROOT CAUSES"]
    for name, outcome in zip(names, run.outcomes):
        c = outcome.counts
        readiness = _paint(READINESS_TEXT[outcome.readiness].ljust(9), _ANSI[outcome.readiness], color)
        causes = ", ".join(check_id if check_id != "tenant" else summary
                           for check_id, summary in outcome.root_causes) or "-"
        lines.append(f"{name:<{width}}  {readiness}  {c['fail']:>4}  {c['error']:>5}  {c['warn']:>4}  "
                     f"{_days_left_text(run.days_left(outcome)):>7}  {one_line(causes, _CAUSE_LIMIT)}")
    return lines


def expiry_lines(run: "FleetRun", *, color: bool = False) -> list[str]:
    """The early warning: every password expiring within the window (or expired), soonest first."""
    notices = run.expiring
    if not notices:
        return [f"No application password expires within {run.expiry_warning_days} days."]
    lines = [_paint(f"Application passwords expiring within {run.expiry_warning_days} days "
                    f"({len(notices)}):", "33;1", color)]
    for notice in notices:
        lines.append(f"  {one_line(notice.name, _NAME_LIMIT)}: {expiry_text(notice)} "
                     f"({notice.expires.isoformat()}), {one_line(notice.url, 200)}")
    return lines


def summary_lines(run: "FleetRun", *, color: bool = False, paths: tuple[Path, ...] | list[Path] = ()) -> list[str]:
    """The closing block: the table, the counts, the expiry warning and the summary files."""
    counts = run.readiness_counts
    total = len(run.outcomes)
    lines = ["", *table_lines(run, color=color), "",
             f"{total} tenant{'' if total == 1 else 's'}: {counts['ready']} ready, {counts['not_ready']} not "
             f"ready, {counts['unknown']} unknown in {run.duration_s:.2f}s", "",
             *expiry_lines(run, color=color)]
    if paths:
        lines += ["", "Fleet summary:", *[f"  {os.fspath(p)}" for p in paths]]
    return lines


# --- HTML ----------------------------------------------------------------------------------------

def _href(relative: str | None) -> str | None:
    return None if relative is None else quote(relative, safe="/")


def page_context(run: "FleetRun", base_dir: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """What the template draws, already cleaned, clipped and turned into relative links."""
    from topdesk_preflight import __version__

    rows = []
    for outcome in run.outcomes:
        c = outcome.counts
        rows.append({
            "name": one_line(outcome.tenant.name, 200),
            "url": one_line(outcome.tenant.url, 300),
            "readiness": outcome.readiness,
            "readiness_text": READINESS_TEXT[outcome.readiness],
            "fail": c["fail"], "error": c["error"], "warn": c["warn"],
            "causes": [(one_line(check_id, 80), display(summary, 1_000)) for check_id, summary in outcome.root_causes],
            "expires": outcome.tenant.app_password_expires.isoformat() if outcome.tenant.app_password_expires else "",
            "days_left": _days_left_text(run.days_left(outcome)),
            "html_href": _href(_relative(outcome.html_path, base_dir)),
            "json_href": _href(_relative(outcome.json_path, base_dir)),
        })
    counts = run.readiness_counts
    return {
        "rows": rows,
        "counts": counts,
        "total": len(run.outcomes),
        "all_ready": counts["ready"] == len(run.outcomes),
        "window": run.expiry_warning_days,
        "expiring": [{"name": one_line(n.name, 200), "url": one_line(n.url, 300),
                      "expires": n.expires.isoformat(), "text": expiry_text(n), "expired": n.expired}
                     for n in run.expiring],
        "generated_at": iso_utc(run.generated_at),
        "duration": f"{run.duration_s:.2f}s",
        "tool": f"topdesk-preflight {__version__}",
    }


@functools.lru_cache(maxsize=1)
def _template() -> "jinja2.Template":
    import jinja2
    from importlib.resources import files

    source = files("topdesk_preflight.reports").joinpath(TEMPLATE_RESOURCE).read_text(encoding="utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                     lstrip_blocks=True, keep_trailing_newline=True)
    return environment.from_string(source)


def render_fleet_html(run: "FleetRun", base_dir: str | os.PathLike[str] = ".") -> str:
    return _template().render(**page_context(run, base_dir))


def write_fleet_html(run: "FleetRun", path: str | os.PathLike[str]) -> Path:
    """Write the index page atomically; its links are relative to its own folder."""
    target = Path(path)
    return atomic_write_text(target, render_fleet_html(run, target.parent))


def write_summary(run: "FleetRun", output_dir: str | os.PathLike[str], *,
                  json_path: str | os.PathLike[str] | None = None) -> tuple[Path, Path]:
    """``fleet-summary.json`` (or ``json_path``) and ``fleet-summary.html`` in ``output_dir``."""
    folder = Path(output_dir)
    return (write_fleet_json(run, json_path or folder / JSON_NAME), write_fleet_html(run, folder / HTML_NAME))
