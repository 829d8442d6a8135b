"""What the terminal shows: one fitted line per check, then the verdict and what to fix.

The lines come in catalogue order with the blocked checks folded
(``progress_lines.ProgressLines``); the ticket text is ``ticket_text``'s.
Every progress line fits the terminal (80 columns unless a terminal says
otherwise) and shows what the check *found* (its summary), clipped at a word;
the checks a failure blocks are folded into one line per cause. The summary
block wraps instead of clipping, with a hanging indent under each number. The
ticket text is plain text that stays inert when pasted into a markdown ticket.

Everything that came from TOPdesk passes through ``sanitize.display`` first:
a room name holding an escape sequence must not be able to recolour or
rewrite the operator's terminal, a U+2028 counts as a space and a bidi override
or zero-width character is removed. Colour is added only when ``color=True`` (the CLI decides: a terminal,
and ``NO_COLOR`` unset).
"""

from __future__ import annotations

import os
import shutil
import textwrap
from typing import TYPE_CHECKING, Mapping, Sequence, TextIO

from topdesk_preflight.compare import change_lists
from topdesk_preflight.exit_codes import failing_warnings
from topdesk_preflight.model import Change, Readiness
from topdesk_preflight.reports.diagnosis import (
    change_text, network_failed, problems, root_causes, step_count, unexplained_warnings,
)
from topdesk_preflight.reports.sanitize import ELLIPSIS, clip_words, columns, one_line
from topdesk_preflight.vantage import STATEMENT
from topdesk_preflight.vocabulary import plural

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import CheckResult, Report
    from topdesk_preflight.reports.diagnosis import Problem

#: The tag printed for each status value; five characters wide at most so lines align.
STATUS_TAGS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "skipped": "SKIP"}
#: The mark before each tag, as flutter doctor shows its validators ("error": could not be assessed).
GLYPHS: Mapping[str, str] = {"pass": "\u2713", "warn": "!", "fail": "\u2717", "error": "?", "skipped": "-"}
#: The same marks for a terminal whose encoding cannot show a check mark (a Windows code page).
ASCII_GLYPHS: Mapping[str, str] = {"pass": "+", "warn": "!", "fail": "x", "error": "?", "skipped": "-"}
Marks = Mapping[str, str] | None

_ANSI = {"pass": "32", "warn": "33", "fail": "31;1", "error": "35;1", "skipped": "2"}
_VERDICT_ANSI = {Readiness.READY: "32;1", Readiness.NOT_READY: "31;1", Readiness.UNKNOWN: "35;1"}
#: Shown after a result line when --compare found a change worth a look: ``[newly broken]``.
CHANGE_TAGS = {change: f"[{change.label}]" for change in Change if change.noteworthy}
_RESET = "\x1b[0m"
_BLOCK_LIMIT = 1_000  # the summary block wraps a finding's summary (the rooms it names) up to this long
#: The id column: wide enough for the catalogue's longest id (permissions.supporting_files).
_ID_WIDTH = 28
#: The width when the output is not a terminal (a pipe, a file, a CI log), and the narrowest fitted.
DEFAULT_WIDTH = 80
MIN_WIDTH = 40


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}{_RESET}" if color else text



def terminal_width(stream: TextIO) -> int:
    """The columns a line may take on ``stream``: the terminal's width on a terminal, else 80."""
    try:
        is_terminal = stream.isatty()
    except (AttributeError, ValueError, OSError):
        is_terminal = False
    if not is_terminal:
        return DEFAULT_WIDTH
    return max(MIN_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def marks_for(stream: TextIO) -> Mapping[str, str]:
    """The glyphs ``stream`` can show: the check marks where its encoding has them, else plain ASCII."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "".join(GLYPHS.values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return ASCII_GLYPHS
    return ASCII_GLYPHS if os.environ.get("TERM") == "dumb" else GLYPHS


def _tag(status: str, marks: Marks) -> str:
    """``PASS``, or ``✓ PASS`` with marks: the tag the lines start with, before its padding."""
    word = STATUS_TAGS.get(status, status.upper())
    return f"{marks.get(status, ' ')} {word}" if marks else word


def status_tag(status: str, *, color: bool, marks: Marks = None) -> str:
    """``PASS `` padded to five columns (``✓ PASS `` with marks), coloured by severity when asked."""
    tag = _tag(status, marks).ljust(7 if marks else 5)
    return _paint(tag, _ANSI.get(status, "0"), color)


def steps_to_fix(report: "Report") -> list["CheckResult"]:
    """The root causes: failed and errored checks no silence covers and whose prerequisites passed."""
    return [cause.result for cause in root_causes(report)]


def unassessed(report: "Report") -> list["CheckResult"]:
    """The errored checks no silence covers: the ones that could not be assessed."""
    return [r for r in report.results if r.status.value == "error" and r.silenced is None]


def wrap_text(text: str, width: int | None, *, indent: int | str = 0, first: str = "",
          break_long_words: bool = True) -> list[str]:
    """``first + text`` as lines of at most ``width`` columns, continuing under ``indent``.

    ``indent`` is a column count or the prefix itself. ``width=None`` keeps one
    logical line (for a caller that wraps by itself). Words are never split
    unless one alone is wider than the line (a very long name), and then only with
    ``break_long_words``: the demo's banner keeps a URL whole, so it can be pasted.
    """
    if width is None:
        return [first + text]
    hang = " " * indent if isinstance(indent, int) else indent
    lines = textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=hang,
                          break_on_hyphens=False, break_long_words=break_long_words)
    return lines or [first.rstrip()]


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
    verdict never hides an unchecked step, nor, with ``--fail-on warn``, the warnings that
    make it exit 1 (``..., but --fail-on warn: 1 warning``). ``Not ready: 2 problems, 5 steps to fix``
    (root causes that share one fix are one problem; skipped dependants follow
    from a cause and are not counted). ``Readiness unknown: N checks could not be
    assessed`` when nothing failed but something errored (exit code 4). Silenced
    results never count.
    """
    readiness = report.readiness
    if readiness is Readiness.READY:  # the exit code's reasons to be more than "ready" follow "but"
        failing = failing_warnings(report)
        buts = [f"--fail-on warn: {plural(len(failing), 'warning')}"] if failing else []
        if report.not_checked:
            buts.append(f"{plural(len(report.not_checked), 'check')} not checked (give {enable_flags(report)})")
        return f"{readiness.headline}, but {'; '.join(buts)}" if buts else readiness.headline
    if readiness is Readiness.UNKNOWN:
        errors = len(unassessed(report))
        return f"{readiness.headline}: {plural(errors, 'check')} could not be assessed"
    return (f"{readiness.headline}: {plural(len(problems(report)), 'problem')}, "
            f"{plural(step_count(report), 'step')} to fix")


def verdict_readiness(report: "Report") -> Readiness:
    """The readiness the verdict is shown as: the exit code's, so ``--fail-on warn``'s warnings read as a failure.

    The terminal paints the verdict line by it and the HTML colours its banner by it,
    so a run that exits 1 is never headed in green anywhere.
    """
    return Readiness.NOT_READY if failing_warnings(report) else report.readiness


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
    return (f"{plural(total, 'check')}: {c['pass']} passed, {plural(c['warn'], 'warning')}, "
            f"{c['fail']} failed, {plural(c['error'], 'error')}, {c['skipped']} skipped{unchecked} "
            f"in {report.duration_s:.2f}s{silenced}")


def readiness_note(report: "Report") -> str | None:
    """Why "not ready" may only mean "not known yet": nothing failed, but a check could not run."""
    if report.readiness is not Readiness.UNKNOWN:
        return None
    return ("Nothing failed, but some checks could not be assessed; readiness is unknown until they "
            "run cleanly.")


def _suffixes(result: "CheckResult", *, timings: bool = False) -> list[str]:
    """What a progress line must keep whatever it clips: duration (-v), not checked, silenced, compare."""
    found = [f"{result.duration_s:.2f}s" if timings else ""]
    if result.not_checked:
        found.append(f"(not checked: give {one_line(result.enable_with, 60)})")
    if result.silenced is not None:
        found.append("(silenced)")
    if result.change in CHANGE_TAGS:
        found.append(CHANGE_TAGS[result.change])
    return [suffix for suffix in found if suffix]


def fit_line(status: str, label: str, text: str, suffixes: Sequence[str], *, color: bool, width: int,
             marks: Marks = None) -> str:
    """``TAG   label  text  suffix…`` in at most ``width`` columns: the text is clipped at a word first.

    When the aligned label leaves too little room, the label loses its padding;
    then the text shrinks to "…", and the suffixes are kept to the last. With
    ``marks`` the tag starts with the status's glyph (``✓ PASS``).
    """
    tag = _tag(status, marks)
    padded = tag.ljust(7 if marks else 5)
    tail = "".join(f"  {suffix}" for suffix in suffixes)
    line = ""
    for head in (f"{padded} {label} ", f"{padded} {label.strip()} "):
        room = width - columns(head) - columns(tail)
        if room >= 12 or not text:
            line = head + clip_words(text, max(room, 0)) + tail
            break
    else:
        line = f"{padded} {label.strip()} {ELLIPSIS}{tail}"
    line = clip_words(line.rstrip(), width)
    if color and line.startswith(tag):
        return _paint(tag, _ANSI.get(status, "0"), True) + line[len(tag):]
    return line


def result_line(result: "CheckResult", *, color: bool, width: int = DEFAULT_WIDTH,
                summary: str | None = None, marks: Marks = None, timings: bool = False) -> str:
    """``✗ FAIL  rooms.typed                2 rooms in branch 'HQ Stockholm' have no type…``.

    The status's glyph (with ``marks``), its tag, the check id and what the
    check found (its summary, not its title), fitted to ``width`` columns and
    clipped at a word with "…"; its duration only with ``timings`` (-v,
    --debug); then, kept whatever is clipped, "(not checked: give --flag)",
    "(silenced)" and the --compare tag.
    """
    check_id = one_line(result.id, 80).ljust(_ID_WIDTH - (2 if marks else 0))
    text = one_line(summary if summary is not None else (result.summary or result.title))
    return fit_line(result.status.value, check_id, text, _suffixes(result, timings=timings), color=color,
                    width=width, marks=marks)


def generated_text(report: "Report") -> str:
    return report.generated_at.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if report.generated_at.tzinfo else "")


def vantage_line(report: "Report") -> str | None:
    """Where the run looked from, for the terminal when a network check failed (else None)."""
    if not network_failed(report):
        return None
    vantage = report.vantage or {}
    addresses = ", ".join(
        f"{one_line(a.get('address', '?'), 60)} ({'private' if a.get('private') else 'public'})"
        for a in vantage.get("resolved_addresses") or [] if isinstance(a, dict))
    where = f"Checked from {one_line(vantage.get('machine') or 'this machine', 100)}"
    if addresses:
        where += f", which resolved {one_line(vantage.get('target_host') or 'TOPdesk', 200)} to {addresses}"
    if vantage.get("proxy"):
        where += f", through the proxy {one_line(vantage['proxy'], 200)}"
    statement = vantage.get("statement") or STATEMENT
    return f"{where}. {one_line(statement, 400)}"


def summary_lines(report: "Report", *, color: bool, paths: Sequence[str | os.PathLike[str]] = (),
                  width: int | None = None, marks: Marks = None) -> list[str]:
    """The closing block: verdict, counts, changes, run warnings, the root causes with their steps, paths.

    Each root cause names, right under its steps, the checks it blocked in one
    line ("Blocks 15 checks (skipped until fixed): ..."), so the reader fixes
    the cause and not the skipped symptoms. With ``width`` every line is
    wrapped to it, continuing under its number or label (never at column 0)
    and never cut: a failure's summary names the rooms, and they all show.
    Without ``width`` each item stays one line, for a caller that wraps.
    """
    def add(text: str, *, indent: int | str = 0, first: str = "", paint: str | None = None) -> None:
        for line in wrap_text(text, width, indent=indent, first=first):
            lines.append(_paint(line, paint, color) if paint else line)

    lines: list[str] = [""]
    add(verdict_text(report), indent=2, paint=_VERDICT_ANSI[verdict_readiness(report)])
    add(counts_text(report), indent=2)
    changes = change_text(report)
    if changes:
        add(one_line(changes), first="Compared with the earlier report: ", indent=2)
        for listed in change_lists(report):  # the checks behind the counts, in the same block
            add(one_line(listed, _BLOCK_LIMIT), first="  ", indent=4)
    note = readiness_note(report)
    if note:
        add(note, indent=2)
    for warning in report.warnings:
        add(one_line(warning, _BLOCK_LIMIT), first="WARNING: ", indent=9, paint="33;1")
    for detected in report.detected:
        add(one_line(detected, _BLOCK_LIMIT), first="DETECTED: ", indent=10)
    where = vantage_line(report)
    if where:
        add(where, first="NOTE: ", indent=6, paint="33;1")
    found = problems(report)
    if found:
        lines += ["", f"What to fix first ({plural(len(found), 'problem')}, "
                      f"{plural(step_count(report), 'step')}):"]
    for problem in found:
        lines += _problem_lines(problem, color=color, width=width, marks=marks)
    warned = [r for r in unexplained_warnings(report) if not _said_by_a_warning_line(r, report)]
    if warned:
        lines += ["", "Worth a look (does not block HCP):"]
        for r in warned:
            lines += _tagged("warn", f"{one_line(r.id, 80)}: {one_line(r.summary, _BLOCK_LIMIT)}"
                             f"{_change_suffix(r)}",
                             color=color, width=width, marks=marks)
    if report.not_checked:
        lines += ["", f"Not checked, because a setting was not given ({len(report.not_checked)}):"]
        for r in report.not_checked:
            lines += _tagged("skipped", f"{one_line(r.id, 80)}: give {one_line(r.enable_with, 120)}"
                             f"{_change_suffix(r)}",
                             color=color, width=width, marks=marks)
    silenced = [r for r in report.sorted_results() if r.silenced is not None]
    if silenced:
        lines += ["", f"Silenced by the config file ({len(silenced)} silenced, not counted):"]
        for r in silenced:
            lines += _tagged(r.status.value, f"{one_line(r.id, 80)}: {one_line(r.silenced, 300)}"
                             f"{_change_suffix(r)}",
                             color=color, width=width, marks=marks)
    if paths:
        lines += ["", "Reports:"]
        lines += [f"  {os.fspath(p)}" for p in paths]  # a path is never wrapped: it must stay copyable
    return [report.redact(line) for line in lines]


def _tagged(status: str, text: str, *, color: bool, width: int | None, indent: int = 0,
            marks: Marks = None) -> list[str]:
    """``TAG   text`` wrapped under the text, the tag coloured on the first line only."""
    pad = " " * indent
    tag = status_tag(status, color=False, marks=marks)
    wrapped = wrap_text(text, width, first=f"{pad}{tag} ", indent=indent + len(tag) + 1)
    head = wrapped[0]
    if color:
        head = pad + status_tag(status, color=True, marks=marks) + head[len(pad) + len(tag):]
    return [head] + wrapped[1:]


def _problem_lines(problem: "Problem", *, color: bool, width: int | None = None,
                   marks: Marks = None) -> list[str]:
    """One problem: its first cause, the other causes the same fix resolves, the steps once, what it unblocks."""
    result = problem.result
    base = " " * (len(status_tag("pass", color=False, marks=marks)) + 1)  # under the text, past the tag
    lines = _tagged(result.status.value, f"{one_line(result.id, 80)}: "
                    f"{one_line(result.summary, _BLOCK_LIMIT)}{_change_suffix(result)}",
                    color=color, width=width, marks=marks)
    for cause in problem.causes[1:]:
        other = cause.result
        lines += wrap_text(f"{one_line(other.id, 80)} ({other.status.value}): "
                       f"{one_line(other.summary, _BLOCK_LIMIT)}{_change_suffix(other)}",
                       width, first=f"{base}Same fix: ", indent=len(base) + 10)
    if problem.guide_sections:
        lines += wrap_text(one_line("; ".join(problem.guide_sections), 300), width, first=f"{base}Guide: ",
                       indent=len(base) + 7)
    for number, step in enumerate(problem.steps, start=1):
        first = f"{base}{number}. "
        lines += wrap_text(one_line(step, _BLOCK_LIMIT), width, first=first, indent=len(first))
    if problem.blocked:
        names = ", ".join(one_line(b.id, 80) for b in problem.blocked)
        lines += wrap_text(names, width, first=f"{base}Blocks {plural(len(problem.blocked), 'check')} "
                                           "(skipped until fixed): ", indent=len(base) + 2)
    for warning in problem.explains:
        lines += _tagged("warn", f"{one_line(warning.id, 80)}: {one_line(warning.summary, _BLOCK_LIMIT)} "
                         f"(the same fix){_change_suffix(warning)}", color=color, width=width, indent=len(base),
                         marks=marks)
    return lines


def _said_by_a_warning_line(result: "CheckResult", report: "Report") -> bool:
    """--insecure is said once: by its WARNING line, not again by network.tls under "Worth a look"."""
    return (result.id == "network.tls" and result.evidence.get("verified") is False
            and bool((report.settings or {}).get("insecure")))


def _change_suffix(result: "CheckResult") -> str:
    return f"  {CHANGE_TAGS[result.change]}" if result.change in CHANGE_TAGS else ""
