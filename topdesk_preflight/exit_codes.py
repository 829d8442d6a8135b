"""The exit codes: one enum for a single run, fleet mode and ``unredact``, a public contract.

Scripts and CI pipelines branch on these numbers, so each keeps its one meaning
forever; the README's table and ``--help`` say the same words (``--help``'s
lines are made from :data:`MEANINGS`, and tests/test_readme.py holds the
README to them). :func:`exit_code_for` is the one rule from a report to its code,
and :func:`failing_warnings` the part of it a headline must show, so what the
terminal says never disagrees with how the run exits. Importing this module
imports nothing else, so ``--help`` and ``--list-checks`` stay fast.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """How a run ended. An ``int``: ``sys.exit(ExitCode.NOT_READY)`` exits 1."""

    #: Ready: no check failed or errored (warnings allowed, unless ``--fail-on warn``).
    READY = 0
    #: Not ready: at least one check failed (or warned, with ``--fail-on warn``).
    NOT_READY = 1
    #: A usage or settings error: a flag, variable, file or folder to fix; the message says which.
    USAGE = 2
    #: topdesk-preflight itself broke: a real defect, never what TOPdesk, the network or the user did.
    TOOL_BROKE = 3
    #: Readiness unknown: nothing failed, but at least one check could not be assessed (``error``).
    UNKNOWN = 4
    #: Interrupted with Ctrl-C: 128 + SIGINT, what a shell reports for a program stopped that way.
    INTERRUPTED = 130
    #: The reader of the output went away (``... | head``): 128 + SIGPIPE, what a shell reports for a
    #: program a broken pipe killed. Never 1 (a script must not read a closed pipe as a verdict on
    #: TOPdesk) and never 3 (nothing is broken); the reports are still written if the run got that far.
    OUTPUT_CLOSED = 141

    @property
    def meaning(self) -> str:
        """The words ``--help`` shows for this code (the README's table says the same)."""
        return MEANINGS[self]


#: ``--help``'s words for each code, in the order it lists them.
MEANINGS: dict[ExitCode, str] = {
    ExitCode.READY: "ready: no check failed or errored (warnings allowed unless --fail-on warn)",
    ExitCode.NOT_READY: "not ready: at least one check failed (or warned, with --fail-on warn)",
    ExitCode.USAGE: "usage or settings error (the message says which flag or variable to fix)",
    ExitCode.TOOL_BROKE: "topdesk-preflight itself broke (please report it with the --debug output)",
    ExitCode.UNKNOWN: "readiness unknown: nothing failed, but at least one check could not be assessed (error)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
    ExitCode.OUTPUT_CLOSED: "the output's reader went away (e.g. | head); reports are still written if the "
                            "run got that far",
}


def help_lines() -> list[str]:
    """``  0  ready: ...``: the exit-code lines of ``--help``, one a code, two spaces either side of it."""
    return [f"  {int(code)}  {code.meaning}" for code in ExitCode]


def failing_warnings(report: Any, *, fail_on: str | None = None) -> list[Any]:
    """The warnings that turn a ready report into exit 1 under ``--fail-on warn`` (else ``[]``).

    Silenced warnings never count. ``fail_on`` defaults to the run's own setting, as its report
    records it, so a renderer's headline and the exit code read the same rule from the same place.
    """
    if fail_on is None:
        fail_on = (getattr(report, "settings", None) or {}).get("fail_on") or "fail"
    if fail_on != "warn" or report.readiness != "ready":
        return []
    return [r for r in report.results if r.status.value == "warn" and r.silenced is None]


def exit_code_for(report: Any, *, fail_on: str | None = None) -> ExitCode:
    """0 ready, 1 not ready (or warned, with ``--fail-on warn``), 4 unknown; silenced results never count."""
    if report.readiness == "not_ready":
        return ExitCode.NOT_READY
    if report.readiness == "unknown":
        return ExitCode.UNKNOWN
    return ExitCode.NOT_READY if failing_warnings(report, fail_on=fail_on) else ExitCode.READY
