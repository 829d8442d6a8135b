"""What the terminal shows: one line per check as it finishes, then the verdict and what to fix.

Everything that came from TOPdesk passes through ``sanitize.display`` first:
a room name holding an escape sequence must not be able to recolour or
rewrite the operator's terminal. Colour is added only when ``color=True``
(the CLI decides: a terminal, and ``NO_COLOR`` unset).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from topdesk_preflight.reports.diagnosis import (
    change_text, network_failed, problems, root_causes, step_count, unexplained_warnings,
)
from topdesk_preflight.reports.sanitize import display, markdown_inert
from topdesk_preflight.vantage import STATEMENT

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import CheckResult, Report
    from topdesk_preflight.reports.diagnosis import Problem

READY_TEXT = "Ready for Humly Control Panel"

#: The tag printed for each status value; five characters wide at most so lines align.
STATUS_TAGS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "skipped": "SKIP"}

_ANSI = {"pass": "32", "warn": "33", "fail": "31;1", "error": "35;1", "skipped": "2"}
_VERDICT_ANSI = {"ready": "32;1", "not_ready": "31;1", "unknown": "35;1"}
#: Shown after a result line when --compare found a change worth a look.
CHANGE_TAGS = {"fixed": "[fixed]", "newly_broken": "[newly broken]", "still_broken": "[still broken]"}
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
    """The root causes: failed and errored checks no silence covers and whose prerequisites passed."""
    return [cause.result for cause in root_causes(report)]


def unassessed(report: "Report") -> list["CheckResult"]:
    """The errored checks no silence covers: the ones that could not be assessed."""
    return [r for r in report.results if r.status.value == "error" and r.silenced is None]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def enable_flags(report: "Report") -> str:
    """``--app-password-expires, --room``: the flags that would let the not-checked checks run."""
    flags: dict[str, None] = {}
    for result in report.not_checked:
        flags.update(dict.fromkeys(f.strip() for f in str(result.enable_with).split(",")))
    return ", ".join(flags)


def verdict_text(report: "Report") -> str:
    """One line: ready, not ready with what to fix, or readiness unknown; it counts what it names.

    ``Ready for Humly Control Panel``, and when checks were not run because a
    setting was missing, ``..., but 1 check not checked (give --room)``: a ready
    verdict never hides an unchecked step. ``Not ready: 2 problems, 5 steps to fix``
    (root causes that share one fix are one problem; skipped dependants follow
    from a cause and are not counted). ``Readiness unknown: N checks could not be
    assessed`` when nothing failed but something errored (exit code 4). Silenced
    results never count.
    """
    if report.readiness == "ready":
        if report.not_checked:
            return (f"{READY_TEXT}, but {_plural(len(report.not_checked), 'check')} not checked "
                    f"(give {enable_flags(report)})")
        return READY_TEXT
    if report.readiness == "unknown":
        errors = len(unassessed(report))
        return f"Readiness unknown: {_plural(errors, 'check')} could not be assessed"
    return f"Not ready: {_plural(len(problems(report)), 'problem')}, {_plural(step_count(report), 'step')} to fix"


def counts_text(report: "Report") -> str:
    """``19 checks: 15 passed, 1 warning, 2 failed, 1 error, 0 skipped in 3.21s`` (and silenced, if any).

    Skipped checks that a missing setting held back say so, with the flags:
    ``2 skipped (1 not checked: give --room)``.
    """
    c = report.counts
    total = len(report.results)
    silenced = f" ({c['silenced']} silenced by the config file)" if c.get("silenced") else ""
    unchecked = (f" ({c['not_checked']} not checked: give {enable_flags(report)})"
                 if c.get("not_checked") else "")
    return (f"{total} check{'' if total == 1 else 's'}: {c['pass']} passed, "
            f"{c['warn']} warning{'' if c['warn'] == 1 else 's'}, {c['fail']} failed, "
            f"{c['error']} error{'' if c['error'] == 1 else 's'}, {c['skipped']} skipped{unchecked} "
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
    line = f"{status_tag(status, color=color)} {check_id} {title}  {result.duration_s:.2f}s"
    if result.not_checked:
        line += f"  (not checked: give {_one_line(result.enable_with, 120)})"
    if result.silenced is not None:
        line += "  (silenced)"
    if result.change in CHANGE_TAGS:
        line += "  " + CHANGE_TAGS[result.change]
    return line


def _file_facts(files: Iterable[Any]) -> list[tuple[str, str | None]]:
    """``(name, sha256 or None)`` for each path (hashed when it exists) or ``(name, sha256)`` pair."""
    facts: list[tuple[str, str | None]] = []
    for item in files:
        if isinstance(item, tuple):
            facts.append((str(item[0]), item[1]))
            continue
        path = Path(item)
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        facts.append((path.name, digest))
    return facts


def ticket_text(report: "Report", *, files: Iterable[Any] = ()) -> str:
    """A short plain-text summary to paste into a support ticket (``--ticket-text``).

    The verdict and each root cause with its first step lead; then what the
    vendor guide's "Still need help?" asks for: the TOPdesk version, the guide
    steps where the issue occurred, the operator email and the permission
    groups. ``files`` are the report files to attach, as paths (hashed when they
    exist) or ``(name, sha256)`` pairs, so support can tell the attachment is
    the report the text describes.
    """
    ticket = report.ticket
    unknown = "(unknown)"
    lines = [f"topdesk-preflight verdict: {verdict_text(report)}",
             f"TOPdesk: {_ticket(report.target.url)} (operator login {_ticket(report.target.username)}),"
             f" checked {_when(report)} with {_ticket(report.tool_name)} {_ticket(report.tool_version)}"]
    changes = change_text(report)
    if changes:
        lines.append(f"Compared with the earlier report: {_ticket(changes)}")
    found = problems(report)
    if found:
        lines.append("Root causes (fix these first):")
    for number, problem in enumerate(found, start=1):
        result = problem.result
        lines.append(f"  {number}. {', '.join(_ticket(i, 80) for i in problem.check_ids)} "
                     f"({result.status.value}): {_ticket(result.summary, 300)}")
        for step_number, step in enumerate(problem.steps, start=1):
            lines.append(f"     Step {step_number}: {_ticket(step, 300)}")
        if problem.blocked:
            lines.append(f"     Blocks: {', '.join(_ticket(b.id, 80) for b in problem.blocked)}")
    if report.not_checked:
        lines.append(f"Not checked (a setting was not given): "
                     f"{', '.join(_ticket(r.id, 80) for r in report.not_checked)}; give {enable_flags(report)}")
    version = _ticket(ticket.topdesk_version or unknown)
    if report.target.product_version:
        version += f" (product version {_ticket(report.target.product_version)})"
    lines.append(f"TOPdesk version: {version}")
    lines.append("Guide steps where the issue occurred: "
                 + ("; ".join(_ticket(s, 200) for s in ticket.failed_steps)
                    or "(none: nothing failed)"))
    lines.append(f"Operator email: {_ticket(ticket.operator_email or unknown)}")
    lines.append("Permission groups: "
                 + (", ".join(_ticket(g, 200) for g in ticket.permission_groups) or unknown))
    facts = _file_facts(files)
    if facts:
        lines.append("Report files:")
        lines += [f"  {_ticket(name, 300)}" + (f"  SHA-256 {digest}" if digest else "") for name, digest in facts]
    return report.redact("\n".join(lines) + "\n")


def _ticket(value: object, limit: int = _LINE_LIMIT) -> str:
    """One value of the ticket text: one line, and inert when pasted into a markdown ticket system."""
    return markdown_inert(_one_line(value, limit))


def _when(report: "Report") -> str:
    return report.generated_at.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if report.generated_at.tzinfo else "")


def vantage_line(report: "Report") -> str | None:
    """Where the run looked from, for the terminal when a network check failed (else None)."""
    if not network_failed(report):
        return None
    vantage = report.vantage or {}
    addresses = ", ".join(
        f"{_one_line(a.get('address', '?'), 60)} ({'private' if a.get('private') else 'public'})"
        for a in vantage.get("resolved_addresses") or [] if isinstance(a, dict))
    where = f"Checked from {_one_line(vantage.get('machine') or 'this machine', 100)}"
    if addresses:
        where += f", which resolved {_one_line(vantage.get('target_host') or 'TOPdesk', 200)} to {addresses}"
    if vantage.get("proxy"):
        where += f", through the proxy {_one_line(vantage['proxy'], 200)}"
    statement = vantage.get("statement") or STATEMENT
    return f"{where}. {_one_line(statement, 400)}"


def summary_lines(report: "Report", *, color: bool,
                  paths: Sequence[str | os.PathLike[str]] = ()) -> list[str]:
    """The closing block: verdict, counts, changes, run warnings, the root causes with their steps, paths.

    Each root cause lists, right under its steps, the checks it blocked ("SKIP
    x  blocked by y"), so the reader fixes the cause and not the skipped symptoms.
    """
    lines = ["", _paint(verdict_text(report), _VERDICT_ANSI[report.readiness], color), counts_text(report)]
    changes = change_text(report)
    if changes:
        lines.append(f"Compared with the earlier report: {_one_line(changes)}")
    note = readiness_note(report)
    if note:
        lines.append(note)
    for warning in report.warnings:
        lines.append(_paint(f"WARNING: {_one_line(warning)}", "33;1", color))
    for detected in report.detected:
        lines.append(f"DETECTED: {_one_line(detected)}")
    where = vantage_line(report)
    if where:
        lines.append(_paint(f"NOTE: {where}", "33;1", color))
    found = problems(report)
    if found:
        lines += ["", f"What to fix first ({_plural(len(found), 'problem')}, "
                      f"{_plural(step_count(report), 'step')}):"]
    for problem in found:
        lines += _problem_lines(problem, color=color)
    warned = unexplained_warnings(report)
    if warned:
        lines += ["", "Worth a look (does not block HCP):"]
        lines += [f"{status_tag('warn', color=color)} {_one_line(r.id, 80)}: {_one_line(r.summary)}"
                  for r in warned]
    if report.not_checked:
        lines += ["", f"Not checked, because a setting was not given ({len(report.not_checked)}):"]
        lines += [f"{status_tag('skipped', color=color)} {_one_line(r.id, 80)}: give "
                  f"{_one_line(r.enable_with, 120)}" for r in report.not_checked]
    silenced = [r for r in report.sorted_results() if r.silenced is not None]
    if silenced:
        lines += ["", f"Silenced by the config file ({len(silenced)} silenced, not counted):"]
        lines += [f"{status_tag(r.status.value, color=color)} {_one_line(r.id, 80)}: "
                  f"{_one_line(r.silenced, 200)}" for r in silenced]
    if paths:
        lines += ["", "Reports:"]
        lines += [f"  {os.fspath(p)}" for p in paths]
    return [report.redact(line) for line in lines]


def _problem_lines(problem: "Problem", *, color: bool) -> list[str]:
    """One problem: its first cause, the other causes the same fix resolves, the steps once, what it unblocks."""
    result = problem.result
    lines = [f"{status_tag(result.status.value, color=color)} {_one_line(result.id, 80)}: "
             f"{_one_line(result.summary)}{_change_suffix(result)}"]
    for cause in problem.causes[1:]:
        other = cause.result
        lines.append(f"      Same fix: {_one_line(other.id, 80)} ({other.status.value}): "
                     f"{_one_line(other.summary)}{_change_suffix(other)}")
    if problem.guide_sections:
        lines.append(f"      Guide: {_one_line('; '.join(problem.guide_sections), 300)}")
    for number, step in enumerate(problem.steps, start=1):
        lines.append(f"      {number}. {_one_line(step)}")
    for blocked in problem.blocked:
        by = [c.result.id for c in problem.causes if blocked in c.blocked]
        lines.append(f"      {status_tag('skipped', color=color)} {_one_line(blocked.id, 80)}  "
                     f"blocked by {_one_line(', '.join(by), 200)}")
    for warning in problem.explains:
        lines.append(f"      {status_tag('warn', color=color)} {_one_line(warning.id, 80)}: "
                     f"{_one_line(warning.summary)} (the same fix)")
    return lines


def _change_suffix(result: "CheckResult") -> str:
    return f"  {CHANGE_TAGS[result.change]}" if result.change in CHANGE_TAGS else ""
