"""The ticket text (``--ticket-text``): what the vendor guide's "Still need help?" asks for, to paste.

Plain text that stays inert when pasted into a ticket system that renders
markdown; printed last by the CLI between a start and an end line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from topdesk_preflight.model import EVIDENCE_PERMISSION_GROUPS
from topdesk_preflight.reports.diagnosis import change_text, problems
from topdesk_preflight.reports.sanitize import LINE_LIMIT, markdown_inert, one_line
from topdesk_preflight.reports.text_report import enable_flags, generated_text, verdict_text
from topdesk_preflight.vocabulary import topdesk_version_words

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import Report

TICKET_START = "----- 8< ----- paste into the support ticket from here ----- 8< -----"
TICKET_END = "----- 8< ----- to here ----- 8< -----"


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


def _ticket(value: object, limit: int = LINE_LIMIT) -> str:
    """One value of the ticket text: one line, and inert when pasted into a markdown ticket system."""
    return markdown_inert(one_line(value, limit))


def topdesk_version_text(report: "Report") -> str:
    """``TOPdesk 16.6.7 (REST API 3.7.4)``: the product version the guide asks for, the API's in brackets.

    The words are those of :func:`topdesk_version_words`, which the api.reachable summary uses too; each
    version is one line of at most 80 characters here, since both came from the server.
    """
    product, api = report.target.product_version, report.ticket.api_version
    return topdesk_version_words(product and one_line(product, 80), api and one_line(api, 80))


def permission_groups_text(report: "Report") -> str:
    """The operator's permission groups; "none linked" only when a check read them and found none.

    A check that could not read them (a warning, an error, skipped) records
    none either, but then the answer is "(unknown)".
    """
    read: list[Any] | None = None
    for result in report.results:
        groups = result.evidence.get(EVIDENCE_PERMISSION_GROUPS)
        if isinstance(groups, (list, tuple)) and result.status.value in ("pass", "fail"):
            read = list(groups)
            if groups:
                break
    if read is None:
        groups_seen = report.ticket.permission_groups
        return ", ".join(_ticket(g, 200) for g in groups_seen) if groups_seen else "(unknown)"
    return ", ".join(_ticket(g, 200) for g in read) if read else "none linked"


def ticket_text(report: "Report", *, files: Iterable[Any] = ()) -> str:
    """A short plain-text summary to paste into a support ticket (``--ticket-text``).

    The verdict and each root cause with every one of its steps lead; then what
    the vendor guide's "Still need help?" asks for: the TOPdesk version (the
    product's, with the REST API's in brackets), the guide steps where the
    issue occurred, the operator email and the permission groups ("none linked"
    when TOPdesk showed none). ``files`` are the report files to attach, as
    paths (hashed when they exist) or ``(name, sha256)`` pairs, so support can
    tell the attachment is the report the text describes.

    Each value is one line (a U+2028 in a room name is a space) with markdown's
    characters escaped, so a room called ``[click](http://evil)`` stays text in
    a ticket system that renders markdown.
    """
    ticket = report.ticket
    unknown = "(unknown)"
    lines = [f"topdesk-preflight verdict: {_ticket(verdict_text(report))}",
             f"TOPdesk: {_ticket(report.target.url)} (operator login {_ticket(report.target.username)}),"
             f" checked {generated_text(report)} with {_ticket(report.tool_name)} {_ticket(report.tool_version)}"]
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
                     f"{', '.join(_ticket(r.id, 80) for r in report.not_checked)}; give {one_line(enable_flags(report))}")
    lines.append(f"TOPdesk version: {markdown_inert(topdesk_version_text(report))}")
    lines.append("Guide steps where the issue occurred: "
                 + ("; ".join(_ticket(s, 200) for s in ticket.failed_steps)
                    or "(none: nothing failed)"))
    lines.append(f"Operator email: {_ticket(ticket.operator_email) if ticket.operator_email else unknown}")
    lines.append(f"Permission groups: {permission_groups_text(report)}")
    if report.redaction:  # --redact: so support knows why names read person-1 (topdesk_preflight.pseudonyms)
        lines.append("Personal data: redacted; names, emails, logins and phone numbers from TOPdesk are tokens "
                     "(person-1, ...) and the customer keeps the key file; the operator email above is kept.")
    facts = _file_facts(files)
    if facts:
        lines.append("Report files:")
        lines += [f"  {_ticket(name, 300)}" + (f"  SHA-256 {digest}" if digest else "") for name, digest in facts]
    return report.redact("\n".join(lines) + "\n")


def ticket_block(report: "Report", *, files: Iterable[Any] = ()) -> list[str]:
    """The ticket text between a start and an end line, for a stream that other output shares."""
    return ["", TICKET_START, *ticket_text(report, files=files).rstrip("\n").split("\n"), TICKET_END]
