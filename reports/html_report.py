"""The HTML report: one self-contained page a customer's TOPdesk admin follows and a support agent attaches.

Safety is structural, not a matter of care in each template line:
- jinja2 autoescaping is on, and every value from TOPdesk reaches the template
  as plain text that was first cleaned of control characters and clipped
  (``sanitize.display``), so a room named ``<script>`` is shown, never run;
- the page declares a Content-Security-Policy of ``default-src 'none'`` with
  inline styles only, so even a mistake could neither run a script nor fetch
  anything; there is no ``<script>``, font, image or link to the network;
- the template sees only this module's view of the report (built from the
  same JSON-safe data as the JSON report, credential-named keys dropped).

Evidence is free-form per check, so it is turned into a small tree of views
here (text, list, key/value, table) and the template only draws that tree.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from topdesk_preflight.model import split_actor
from topdesk_preflight.reports.json_report import iso_utc, json_safe
from topdesk_preflight.reports.paths import atomic_write_text, host_for_file_name
from topdesk_preflight.reports.sanitize import display
from topdesk_preflight.reports.text_report import (
    STATUS_TAGS,
    counts_text,
    readiness_note,
    ticket_text,
    verdict_text,
)

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

    from topdesk_preflight.model import CheckResult, Report

TEMPLATE_RESOURCE = "templates/report.html.j2"

# How much of a value the page shows; the JSON report keeps every value whole.
PROSE_LIMIT = 1_000  # summaries, details, remediation steps, warnings
VALUE_LIMIT = 300  # an evidence value or a table cell
NAME_LIMIT = 200  # ids, titles, keys, column names
MAX_ROWS = 200  # items of one evidence list or table
MAX_COLUMNS = 12
MAX_DEPTH = 4  # deeper evidence is shown as compact JSON text


# --- the evidence view tree ------------------------------------------------------------------

@frozen
class TextView:
    """A scalar, shown as text. ``muted`` marks stand-ins such as "none"."""

    text: str
    muted: bool = False
    kind: str = "text"


@frozen
class ListView:
    """A list of values (each a view), with how many more there were."""

    items: tuple[Any, ...]
    more: int = 0
    kind: str = "list"


@frozen
class MappingView:
    """Key/value pairs (values are views)."""

    pairs: tuple[tuple[str, Any], ...]
    more: int = 0
    kind: str = "mapping"


@frozen
class TableView:
    """A list of records with shared keys, such as rooms: one row per record."""

    columns: tuple[str, ...]
    rows: tuple[tuple[TextView, ...], ...]
    more: int = 0
    kind: str = "table"


def _scalar(value: Any) -> TextView:
    if value is None:
        return TextView("none", muted=True)
    if value is True:
        return TextView("yes")
    if value is False:
        return TextView("no")
    if value == "":
        return TextView("empty", muted=True)
    return TextView(display(value, VALUE_LIMIT))


def _compact(value: Any) -> TextView:
    """A nested value too deep or too wide for a table cell, as clipped one-line JSON."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return TextView(display(text, VALUE_LIMIT, single_line=True))


def _cell(value: Any) -> TextView:
    return _compact(value) if isinstance(value, dict | list) else _scalar(value)


def evidence_view(value: Any, depth: int = 0) -> Any:
    """The view of a JSON-safe ``value``: a table for a list of records, key/value for a dict."""
    if isinstance(value, dict):
        if not value:
            return TextView("none", muted=True)
        if depth >= MAX_DEPTH:
            return _compact(value)
        pairs = tuple((display(key, NAME_LIMIT, single_line=True), evidence_view(item, depth + 1))
                      for key, item in list(value.items())[:MAX_ROWS])
        return MappingView(pairs, more=max(len(value) - MAX_ROWS, 0))
    if isinstance(value, list):
        if not value:
            return TextView("none", muted=True)
        if depth >= MAX_DEPTH:
            return _compact(value)
        shown = value[:MAX_ROWS]
        more = max(len(value) - MAX_ROWS, 0)
        if all(isinstance(item, dict) and item for item in shown):
            columns: list[str] = []
            for record in shown:
                columns += [key for key in record if key not in columns]
            columns = columns[:MAX_COLUMNS]
            rows = tuple(tuple(_cell(record.get(column)) for column in columns) for record in shown)
            names = tuple(display(column, NAME_LIMIT, single_line=True) for column in columns)
            return TableView(names, rows, more=more)
        return ListView(tuple(evidence_view(item, depth + 1) for item in shown), more=more)
    return _scalar(value)


# --- the page's view of the report -------------------------------------------------------------

def _prose(value: Any) -> str:
    return display(value, PROSE_LIMIT)


def _name(value: Any) -> str:
    return display(value, NAME_LIMIT, single_line=True)


@frozen
class RequestView:
    method: str
    path: str
    status: str
    duration: str
    bytes: str
    error: str


@frozen
class StepView:
    """A remediation step, with who acts on it shown apart ("TOPdesk administrator", ...)."""

    actor: str | None
    text: str


@frozen
class CheckView:
    """One check as the page shows it."""

    id: str
    anchor: str
    title: str
    status: str
    tag: str
    guide_section: str
    summary: str
    details: tuple[str, ...]
    remediation: tuple[StepView, ...]
    evidence: Any  # a view, or None when the check kept no evidence
    depends_on: tuple[str, ...]
    duration: str
    requests: tuple[RequestView, ...] = field(default=())
    silenced: str | None = None
    blocks: tuple[str, ...] = field(default=())  # the skipped checks this failure holds up


def _anchor(check_id: str) -> str:
    return "check-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in check_id)[:80]


def _step_view(step: str) -> StepView:
    actor, text = split_actor(step)
    return StepView(actor, _prose(text))


def _check_view(result: "CheckResult", report: "Report") -> CheckView:
    status = result.status.value
    evidence = json_safe(result.evidence)
    requests = tuple(
        RequestView(
            method=_name(r.method),
            path=display(r.path, VALUE_LIMIT, single_line=True),
            status="no answer" if r.status is None else str(r.status),
            duration=f"{r.duration_s:.2f}s",
            bytes=str(r.bytes),
            error=display(r.error, VALUE_LIMIT, single_line=True) if r.error else "",
        )
        for r in result.requests
    )
    return CheckView(
        id=_name(result.id),
        anchor=_anchor(result.id),
        title=_name(result.title or result.id),
        status=status,
        tag=STATUS_TAGS[status],
        guide_section=_name(result.guide_section),
        summary=_prose(result.summary),
        details=tuple(_prose(d) for d in result.details),
        remediation=tuple(_step_view(step) for step in result.remediation),
        evidence=evidence_view(evidence) if evidence else None,
        depends_on=tuple(_name(d) for d in result.depends_on),
        duration=f"{result.duration_s:.2f}s",
        requests=requests,
        silenced=None if result.silenced is None else _prose(result.silenced),
        blocks=tuple(_name(r.id) for r in report.blocked_by(result.id))
        if result.counts_against_readiness else (),
    )


def page_context(report: "Report") -> dict[str, Any]:
    """Everything the template draws, already cleaned and clipped."""
    target = report.target
    checks = [_check_view(r, report) for r in report.sorted_results()]
    live = [c for c in checks if c.silenced is None]
    counts = report.counts

    def unknown(value: Any) -> str:
        return _name(value) if value else "unknown"

    facts = [
        ("TOPdesk URL", _name(target.url)),
        ("Operator login", _name(target.username)),
        ("Operator email", unknown(target.email)),
        ("Branch", unknown(target.branch)),
        ("TOPdesk version", unknown(target.topdesk_version)),
        ("Product version", unknown(target.product_version)),
        ("Checked with", f"{_name(report.tool_name)} {_name(report.tool_version)}"),
        ("Generated at", iso_utc(report.generated_at).replace("T", " ").replace("Z", " UTC")),
        ("Duration", f"{report.duration_s:.2f}s"),
    ]
    settings = json_safe(report.settings)
    return {
        "ready": report.ready,
        "verdict": verdict_text(report),
        "counts_text": counts_text(report),
        "counts": [(STATUS_TAGS[status], status, counts[status])
                   for status in ("fail", "error", "warn", "skipped", "pass")],
        "host": host_for_file_name(target.url),
        "warnings": [_prose(w) for w in report.warnings],
        "facts": facts,
        "ticket_text": ticket_text(report),
        "readiness_note": readiness_note(report),
        "blocking": [c for c in live if c.status in ("fail", "error")],
        "advisory": [c for c in live if c.status in ("warn", "skipped")],
        "silenced": [c for c in checks if c.silenced is not None],
        "passed": [c for c in live if c.status == "pass"],
        "settings": evidence_view(settings) if settings else None,
        "tool": f"{_name(report.tool_name)} {_name(report.tool_version)}",
        "generated_at": iso_utc(report.generated_at),
    }


# --- rendering ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _template() -> "jinja2.Template":
    import jinja2
    from importlib.resources import files

    source = files("topdesk_preflight.reports").joinpath(TEMPLATE_RESOURCE).read_text(encoding="utf-8")
    environment = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.from_string(source)


def render_html(report: "Report") -> str:
    """The HTML report as one self-contained UTF-8 page."""
    return _template().render(**page_context(report))


def write_html(report: "Report", path: str | os.PathLike[str]) -> Path:
    """Write the HTML report atomically to ``path`` and return it."""
    return atomic_write_text(path, render_html(report))

