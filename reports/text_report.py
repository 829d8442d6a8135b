"""What the terminal shows: one line per check as it finishes, then the verdict and what to fix.

Everything that came from TOPdesk passes through ``sanitize.display`` first:
a room name holding an escape sequence must not be able to recolour or
rewrite the operator's terminal. Colour is added only when ``color=True``
(the CLI decides: a terminal, and ``NO_COLOR`` unset).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Sequence

from topdesk_preflight.reports.sanitize import display

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import CheckResult, Report

READY_TEXT = "Ready for Humly Control Panel"

#: The tag printed for each status value; five characters wide at most so lines align.
STATUS_TAGS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "skipped": "SKIP"}

_ANSI = {"pass": "32", "warn": "33", "fail": "31;1", "error": "35;1", "skipped": "2"}
_RESET = "\x1b[0m"
_LINE_LIMIT = 400  # a summary longer than this is noise in a terminal; the reports hold it in full
_ID_WIDTH = 30


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}{_RESET}" if color else text


def _one_line(value: object, limit: int = _LINE_LIMIT) -> str:
    return display(value, limit, single_line=True)


def status_tag(status: str, *, color: bool) -> str:
    """``PASS `` padded to five columns, coloured by severity when asked."""
    tag = STATUS_TAGS.get(status, status.upper()).ljust(5)
    return _paint(tag, _ANSI.get(status, "0"), color)


def steps_to_fix(report: "Report") -> list["CheckResult"]:
    """The failed and errored checks no config-file silence covers, failures first."""
    return [r for r in report.sorted_results() if r.counts_against_readiness]


def verdict_text(report: "Report") -> str:
    """``Ready for Humly Control Panel`` or ``Not ready: N steps to fix`` (N = failed + errored checks).

    Silenced results do not count, exactly as they do not count for ``report.ready``.
    """
    if report.ready:
        return READY_TEXT
    steps = len(steps_to_fix(report))
    return f"Not ready: {steps} step{'' if steps == 1 else 's'} to fix"


def counts_text(report: "Report") -> str:
    """``19 checks: 15 passed, 1 warning, 2 failed, 1 error, 0 skipped in 3.21s`` (and silenced, if any)."""
    c = report.counts
    total = len(report.results)
    silenced = f" ({c['silenced']} silenced by the config file)" if c.get("silenced") else ""
    return (f"{total} check{'' if total == 1 else 's'}: {c['pass']} passed, "
            f"{c['warn']} warning{'' if c['warn'] == 1 else 's'}, {c['fail']} failed, "
            f"{c['error']} error{'' if c['error'] == 1 else 's'}, {c['skipped']} skipped "
            f"in {report.duration_s:.2f}s{silenced}")


def readiness_note(report: "Report") -> str | None:
    """Why "not ready" may only mean "not known yet": nothing failed, but a check could not run."""
    if report.readiness != "unknown":
        return None
    return ("Nothing failed, but some checks could not be assessed; readiness is unknown until they "
            "run cleanly.")


def result_line(result: "CheckResult", *, color: bool) -> str:
    """``FAIL  rooms.typed                    Every room ... is typed Room or Desk  0.12s``."""
    status = result.status.value
    check_id = _one_line(result.id, 80).ljust(_ID_WIDTH)
    title = _one_line(result.title or result.summary, 120)
    return f"{status_tag(status, color=color)} {check_id} {title}  {result.duration_s:.2f}s"


def ticket_text(report: "Report") -> str:
    """The "Still need help?" facts as plain text to paste into a support ticket.

    The vendor guide asks for: the TOPdesk version, the guide step where the
    issue occurred, error messages, and the operator email and permission group
    name used for the integration.
    """
    ticket = report.ticket
    unknown = "(unknown)"

    def bullets(values: Sequence[str], empty: str) -> list[str]:
        return [f"  - {_one_line(v, 1000)}" for v in values] or [f"  {empty}"]

    lines = [f"TOPdesk version: {_one_line(ticket.topdesk_version or unknown)}"]
    if report.target.product_version:
        lines.append(f"TOPdesk product version: {_one_line(report.target.product_version)}")
    lines.append("Guide steps where the issue occurred:")
    lines += bullets(ticket.failed_steps, "(none: every check passed or only warned)")
    lines.append("Error messages:")
    lines += bullets(ticket.errors, "(none)")
    lines.append(f"Operator email: {_one_line(ticket.operator_email or unknown)}")
    lines.append("Permission groups: "
                 + (", ".join(_one_line(g, 200) for g in ticket.permission_groups) or unknown))
    lines.append(f"TOPdesk URL: {_one_line(report.target.url)}")
    lines.append(f"Operator login: {_one_line(report.target.username)}")
    lines.append(f"Checked with: {_one_line(report.tool_name)} {_one_line(report.tool_version)}")
    return "\n".join(lines)


def summary_lines(report: "Report", *, color: bool,
                  paths: Sequence[str | os.PathLike[str]] = ()) -> list[str]:
    """The closing block: verdict, counts, run warnings, each fail/error with its numbered steps, paths.

    A failure that others depend on lists the checks it blocked, so the reader
    fixes the cause and not the dozen skipped symptoms.
    """
    lines = ["", _paint(verdict_text(report), "32;1" if report.ready else "31;1", color), counts_text(report)]
    note = readiness_note(report)
    if note:
        lines.append(note)
    for warning in report.warnings:
        lines.append(_paint(f"WARNING: {_one_line(warning)}", "33;1", color))
    to_fix = steps_to_fix(report)
    if to_fix:
        lines += ["", "What to fix:"]
    for result in to_fix:
        lines.append(f"{status_tag(result.status.value, color=color)} {_one_line(result.id, 80)}: "
                     f"{_one_line(result.summary)}")
        if result.guide_section:
            lines.append(f"      Guide: {_one_line(result.guide_section, 200)}")
        for number, step in enumerate(result.remediation, start=1):
            lines.append(f"      {number}. {_one_line(step)}")
        blocked = report.blocked_by(result.id)
        if blocked:
            lines.append("      Fixing this also unblocks: " + ", ".join(_one_line(r.id, 80) for r in blocked))
    warned = [r for r in report.sorted_results() if r.status.value == "warn" and r.silenced is None]
    if warned:
        lines += ["", "Worth a look (does not block HCP):"]
        lines += [f"{status_tag('warn', color=color)} {_one_line(r.id, 80)}: {_one_line(r.summary)}"
                  for r in warned]
    silenced = [r for r in report.sorted_results() if r.silenced is not None]
    if silenced:
        lines += ["", "Silenced by the config file (not counted):"]
        lines += [f"{status_tag(r.status.value, color=color)} {_one_line(r.id, 80)}: "
                  f"{_one_line(r.silenced, 200)}" for r in silenced]
    if paths:
        lines += ["", "Reports:"]
        lines += [f"  {os.fspath(p)}" for p in paths]
    return lines
