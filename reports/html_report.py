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
(text, list, key/value, table: evidence_view.py) and the template only draws that tree.
"""

from __future__ import annotations

import base64
import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from topdesk_preflight.model import Actor, Change, Step, evolve
from topdesk_preflight.reports.diagnosis import (
    blockers_of_skipped,
    change_text,
    network_failed,
    problems,
    step_count,
    steps_by_actor,
)
from topdesk_preflight.reports.evidence_view import (
    MAX_ROWS,
    NAME_LIMIT,
    VALUE_LIMIT,
    TextView,
    evidence_view,
    scalar,
)
from topdesk_preflight.reports.json_report import iso_utc, json_safe, json_sha256, render_json
from topdesk_preflight.reports.paths import atomic_write_text, default_paths, host_for_file_name
from topdesk_preflight.reports.replay import PASSWORD_VARIABLE, CurlBuilder, accept_is_inferred
from topdesk_preflight.reports.rooms_table import COLUMNS as ROOM_COLUMNS
from topdesk_preflight.reports.rooms_table import RoomCell, room_table
from topdesk_preflight.reports.sanitize import display
from topdesk_preflight.reports.text_report import (
    STATUS_TAGS,
    counts_text,
    readiness_note,
    verdict_readiness,
    verdict_text,
)
from topdesk_preflight.reports.ticket_report import ticket_text, topdesk_version_text
from topdesk_preflight.vocabulary import plural

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

    from topdesk_preflight.model import CheckResult, Report

TEMPLATE_RESOURCE = "templates/report.html.j2"

# How much of a value the page shows; the JSON report keeps every value whole.
# (An evidence value's and a name's limits, and the rows shown: evidence_view.py.)
PROSE_LIMIT = 1_000  # summaries, details, remediation steps, warnings
COMMAND_LIMIT = 8_000  # a curl command is useful only whole; this only stops a pathological one


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
    curl: str = ""
    accept_inferred: bool = False  # the Accept header was inferred from the path (not recorded)


@frozen
class StepView:
    """A remediation step, with who acts on it shown apart ("TOPdesk administrator", ...)."""

    actor: Actor | None
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
    blocked_by: tuple[tuple[str, str], ...] = field(default=())  # skipped: (id, anchor) of the failures it waits on
    change: Change | None = None  # with --compare
    change_label: str = ""
    enable_with: str | None = None  # not checked: the flag that would let it run
    same_fix_as: str | None = None  # a root cause merged into a problem: whose steps it shares
    same_fix_anchor: str = ""


def _anchor(check_id: str) -> str:
    return "check-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in check_id)[:80]


def _step_view(step: Step) -> StepView:
    return StepView(step.actor, _prose(step.text))


def _check_view(result: "CheckResult", report: "Report", curl: CurlBuilder,
                blockers: dict[str, list[str]]) -> CheckView:
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
            curl=display(curl(r), COMMAND_LIMIT, single_line=True),
            accept_inferred=accept_is_inferred(r),
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
        remediation=tuple(_step_view(step) for step in result.steps),
        evidence=evidence_view(evidence) if evidence else None,
        depends_on=tuple(_name(d) for d in result.depends_on),
        duration=f"{result.duration_s:.2f}s",
        requests=requests,
        silenced=None if result.silenced is None else _prose(result.silenced),
        blocks=tuple(_name(r.id) for r in report.blocked_by(result.id))
        if result.counts_against_readiness else (),
        blocked_by=tuple((_name(b), _anchor(b)) for b in blockers.get(result.id, ())),
        change=result.change,
        change_label=result.change.label if result.change else "",
        enable_with=None if result.enable_with is None else _name(result.enable_with),
    )


# --- the diagnosis views ------------------------------------------------------------------------

@frozen
class BlockedView:
    """A skipped check under the root cause it waits on; ``anchor`` only on its first appearance."""

    id: str
    title: str
    anchor: str | None
    cause: str


@frozen
class ProblemView:
    """One problem: its causes (the first with the steps, the others "same fix"), what waits, what it explains."""

    checks: tuple[CheckView, ...]
    blocked: tuple[BlockedView, ...]
    explains: tuple[CheckView, ...] = ()

    @property
    def check(self) -> CheckView:
        return self.checks[0]


@frozen
class ActorStepView:
    text: str
    checks: tuple[tuple[str, str], ...]  # (id, anchor) of every check the step fixes


@frozen
class RoomCellView:
    text: TextView
    problem: str | None
    expected: str
    fix: int | None


@frozen
class RoomTableView:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[RoomCellView, ...], ...]
    fixes: tuple[str, ...]
    complete: bool
    more: int = 0  # rows beyond what the page shows
    actor: Actor = Actor.TOPDESK  # who follows the fixes: a room card is edited in TOPdesk


def _room_cell(cell: RoomCell) -> RoomCellView:
    return RoomCellView(text=scalar(cell.value), problem=cell.problem,
                        expected=_name(cell.expected) if cell.expected else "", fix=cell.fix)


def room_table_view(report: "Report") -> RoomTableView | None:
    """The branch's locations, expected versus actual, ready to draw (None when no rooms were read)."""
    table = room_table(report)
    if table is None:
        return None
    rows = tuple(tuple(_room_cell(cell) for cell in row.cells) for row in table.rows[:MAX_ROWS])
    return RoomTableView(caption=_prose(table.caption), columns=ROOM_COLUMNS, rows=rows,
                         fixes=tuple(_prose(fix) for fix in table.fixes), complete=table.complete,
                         more=max(len(table.rows) - MAX_ROWS, 0))


def _actor_groups(report: "Report") -> list[tuple[str, list[ActorStepView]]]:
    return [(actor, [ActorStepView(_prose(step.text), tuple((_name(i), _anchor(i)) for i in step.check_ids))
                     for step in steps])
            for actor, steps in steps_by_actor(report)]


def _vantage_view(report: "Report") -> dict[str, Any] | None:
    vantage = json_safe(report.vantage)
    if not vantage:
        return None
    addresses = [(_name(a.get("address", "?")), "private" if a.get("private") else "public",
                  bool(a.get("loopback")))
                 for a in vantage.get("resolved_addresses") or [] if isinstance(a, dict)]
    return {
        "machine": _name(vantage.get("machine") or "unknown"),
        "target_host": _name(vantage.get("target_host") or "unknown"),
        "addresses": addresses,
        "proxy": _name(vantage["proxy"]) if vantage.get("proxy") else None,
        "statement": _prose(vantage.get("statement") or ""),
        "network_failed": network_failed(report),
    }


def _attachment(report: "Report", json_text: str, json_name: str | None) -> dict[str, Any]:
    """The JSON report inside the page, as a download link: one file to attach carries both."""
    data = json_text.encode("utf-8")
    return {
        "name": _name(json_name or default_paths(report)[0].name),
        "href": "data:application/json;base64," + base64.b64encode(data).decode("ascii"),
        "sha256": json_sha256(json_text),
        "size": f"{len(data) / 1024:.1f} KB" if len(data) >= 1024 else plural(len(data), "byte"),
    }


def page_context(report: "Report", *, json_text: str | None = None,
                 json_name: str | None = None) -> dict[str, Any]:
    """Everything the template draws, already cleaned and clipped."""
    target = report.target
    curl, blockers = CurlBuilder.from_report(report), blockers_of_skipped(report)
    checks = [_check_view(r, report, curl, blockers) for r in report.sorted_results()]
    by_id = {c.id: c for c in checks}
    live = [c for c in checks if c.silenced is None]
    counts = report.counts
    causes: list[ProblemView] = []
    placed: set[str] = set()
    for problem in problems(report):
        blocked = []
        for result in problem.blocked:
            by = ", ".join(c.result.id for c in problem.causes if result in c.blocked)
            blocked.append(BlockedView(_name(result.id), _name(result.title or result.id),
                                       None if result.id in placed else _anchor(result.id), _name(by)))
            placed.add(result.id)
        headline = by_id[_name(problem.result.id)]
        merged = tuple(evolve(by_id[_name(c.result.id)], same_fix_as=headline.id,
                             same_fix_anchor=headline.anchor) for c in problem.causes[1:])
        explains = tuple(evolve(by_id[_name(w.id)], same_fix_as=headline.id, same_fix_anchor=headline.anchor)
                         for w in problem.explains)
        placed.update(w.id for w in problem.explains)
        causes.append(ProblemView((headline, *merged), tuple(blocked), explains))
    cause_ids = {c.id for p in causes for c in p.checks}
    json_text = render_json(report) if json_text is None else json_text
    attachment = _attachment(report, json_text, json_name)

    def unknown(value: Any) -> str:
        return _name(value) if value else "unknown"

    facts = [
        ("TOPdesk URL", _name(target.url)),
        ("Operator login", _name(target.username)),
        ("Operator email", unknown(target.email)),
        ("Branch", unknown(target.branch)),
        ("TOPdesk version", _name(topdesk_version_text(report))),  # "TOPdesk 16.6.7 (REST API 3.7.4)"
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
        "detected": [_prose(d) for d in report.detected],
        "facts": facts,
        "ticket_text": ticket_text(report, files=[(attachment["name"], attachment["sha256"])]),
        "readiness_note": readiness_note(report),
        "banner": verdict_readiness(report),  # the exit code's readiness: --fail-on warn's warnings are red
        "silenced_count": counts.get("silenced", 0),
        "root_causes": causes,
        "step_count": step_count(report),
        "actor_groups": _actor_groups(report),
        "rooms": room_table_view(report),
        "vantage": _vantage_view(report),
        "network_failed": network_failed(report),
        "attachment": attachment,
        "password_variable": PASSWORD_VARIABLE,
        "change_text": _prose(change_text(report)) if report.compared_with is not None else None,
        "compared_path": _name((report.compared_with or {}).get("path") or ""),
        "blocking": [c for c in live if c.status in ("fail", "error") and c.id not in cause_ids],
        "advisory": [c for c in live if c.status == "warn" and c.id not in placed],
        "not_checked": [c for c in live if c.enable_with is not None and c.id not in placed],
        "unassessed": [c for c in live if c.status == "skipped" and c.enable_with is None
                       and c.id not in placed],
        "silenced": [c for c in checks if c.silenced is not None],
        "passed": [c for c in live if c.status == "pass"],
        "settings": evidence_view(settings) if settings else None,
        "redaction": report.redaction,  # --redact: the notice of what is tokens and what was kept
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
    environment.filters["plural"] = plural  # {{ n | plural("step") }}: "1 step", "2 steps"
    return environment.from_string(source)


def render_html(report: "Report", *, json_text: str | None = None, json_name: str | None = None) -> str:
    """The HTML report as one self-contained UTF-8 page.

    The page carries the JSON report as a download link and shows its SHA-256.
    Pass the exact ``json_text`` written to the .json file (``render_json``'s
    output, the default) and its file name (default: the name ``default_paths``
    gives), so the digest on the page is the digest of the attached file.
    """
    return report.redact(_template().render(**page_context(report, json_text=json_text, json_name=json_name)))


def write_html(report: "Report", path: str | os.PathLike[str], *, json_text: str | None = None,
               json_name: str | None = None) -> Path:
    """Write the HTML report atomically to ``path`` and return it (``json_text``/``json_name``: see render_html)."""
    return atomic_write_text(path, render_html(report, json_text=json_text, json_name=json_name))

