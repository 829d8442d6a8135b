"""The diagnosis every renderer leads with: the root causes, what each one blocks, and who acts.

A branch that does not exist makes five room checks skip. Listing six problems
sends an administrator hunting five symptoms; listing one cause with "blocks
five checks" sends them to the fix. The JSON, the HTML and the terminal all
take their grouping from here, so they can never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import frozen

from topdesk_preflight.model import Actor, Change, Status, Step

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import CheckResult, Report

#: How the page and the terminal name the actor of a step that does not say who acts.
ANYONE = "Anyone"
#: The network checks: they describe the path from the machine that ran the tool.
NETWORK_PREFIX = "network."


@frozen
class RootCause:
    """A failed or errored check whose prerequisites passed, and the skipped checks that wait on it."""

    result: "CheckResult"
    blocked: tuple["CheckResult", ...]


@frozen
class Problem:
    """Root causes that one fix resolves: one problem, its steps once, every check it unblocks.

    One missing Supporting Files permission makes ``branch.exists``,
    ``rooms.types_defined`` and ``permissions.supporting_files`` fail with the
    same step; listed apart they read as three things to do. Causes merge when
    their remediation steps are the same; a cause without steps stays alone.
    ``explains`` holds the live warnings whose every step is one of this
    problem's, so "cannot verify ..." warnings from the same refusal are not
    another list to work through.
    """

    causes: tuple[RootCause, ...]
    explains: tuple["CheckResult", ...] = ()

    @property
    def result(self) -> "CheckResult":
        """The first cause (failures first, catalogue order): the problem's headline."""
        return self.causes[0].result

    @property
    def steps(self) -> tuple[str, ...]:
        return self.result.remediation

    @property
    def check_ids(self) -> tuple[str, ...]:
        return tuple(cause.result.id for cause in self.causes)

    @property
    def blocked(self) -> tuple["CheckResult", ...]:
        """The skipped checks waiting on any of the causes, each once, in the order first met."""
        seen: dict[str, "CheckResult"] = {}
        for cause in self.causes:
            for result in cause.blocked:
                seen.setdefault(result.id, result)
        return tuple(seen.values())

    @property
    def guide_sections(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.result.guide_section for c in self.causes if c.result.guide_section))


@frozen
class ActorStep:
    """One remediation step, with who acts and every check it fixes (a shared step is listed once)."""

    actor: Actor | None
    text: str
    check_ids: tuple[str, ...]

    @property
    def check_id(self) -> str:
        return self.check_ids[0]


def root_causes(report: "Report") -> list[RootCause]:
    """``report.root_causes`` with their blocked dependants, failures before errors, catalogue order within."""
    order = {r.id: i for i, r in enumerate(report.sorted_results())}
    causes = sorted(report.root_causes, key=lambda r: order[r.id])
    return [RootCause(result, tuple(report.blocked_by(result.id))) for result in causes]


def problems(report: "Report") -> list[Problem]:
    """The root causes grouped by their fix, in the order of each group's first cause."""
    groups: dict[object, list[RootCause]] = {}
    for cause in root_causes(report):
        key: object = cause.result.remediation or ("alone", cause.result.id)
        groups.setdefault(key, []).append(cause)
    found = [Problem(tuple(causes)) for causes in groups.values()]
    explained: dict[int, list["CheckResult"]] = {}
    for warning in _live_warnings(report):
        for index, problem in enumerate(found):
            if warning.remediation and set(warning.remediation) <= set(problem.steps):
                explained.setdefault(index, []).append(warning)
                break
    return [Problem(problem.causes, tuple(explained.get(index, ()))) for index, problem in enumerate(found)]


def unexplained_warnings(report: "Report") -> list["CheckResult"]:
    """The live warnings no problem's fix also resolves: the "worth a look" list."""
    explained = {w.id for problem in problems(report) for w in problem.explains}
    return [w for w in _live_warnings(report) if w.id not in explained]


def _live_warnings(report: "Report") -> list["CheckResult"]:
    return [r for r in report.sorted_results() if r.status is Status.WARN and r.silenced is None]


def step_count(report: "Report") -> int:
    """How many different steps the problems need (a step shared by two problems counts once)."""
    return len({step for problem in problems(report) for step in problem.steps})


def blockers_of_skipped(report: "Report") -> dict[str, list[str]]:
    """Skipped check id -> the failed or errored checks it ultimately waits on, in catalogue order.

    Silenced failures count too: a check skipped because of one is still blocked
    by it, even though the silence keeps it out of the root causes.
    """
    found: dict[str, list[str]] = {r.id: [] for r in report.results if r.status is Status.SKIPPED}
    for cause in report.results:
        if cause.status not in (Status.FAIL, Status.ERROR):
            continue
        for blocked in report.blocked_by(cause.id):
            found.setdefault(blocked.id, []).append(cause.id)
    return found


def steps_by_actor(report: "Report") -> list[tuple[str, list[ActorStep]]]:
    """Every step of every problem, once, grouped by who acts, in the fixed actor order.

    A step two problems share is listed once and names the checks of both; empty
    groups are left out.
    """
    fixes: dict[str, list[str]] = {}
    for problem in problems(report):
        for step in problem.steps:
            fixes.setdefault(step, [])
            fixes[step] += [check_id for check_id in problem.check_ids if check_id not in fixes[step]]
    groups: dict[str, list[ActorStep]] = {actor: [] for actor in (*Actor, ANYONE)}
    for step, check_ids in fixes.items():
        parsed = Step.parse(step)
        groups[parsed.actor or ANYONE].append(ActorStep(parsed.actor, parsed.text, tuple(check_ids)))
    return [(actor, steps) for actor, steps in groups.items() if steps]


def network_failed(report: "Report") -> bool:
    """Whether a network check failed or errored: then where the tool ran matters most."""
    return any(r.id.startswith(NETWORK_PREFIX) and r.status in (Status.FAIL, Status.ERROR)
               for r in report.results)


def change_counts(report: "Report") -> dict[Change, int]:
    """With ``--compare``: how many checks carry each change word (all four, zeros included)."""
    counts = dict.fromkeys(Change, 0)
    for result in report.results:
        if result.change is not None:
            counts[result.change] += 1
    return counts


def change_text(report: "Report") -> str | None:
    """``2 fixed, 1 newly broken since 2025-03-01T08:00:00Z`` (None without ``--compare``).

    Names the changes that need a reader's attention (fixed, newly broken,
    still broken); "unchanged" only when nothing else happened.
    """
    if report.compared_with is None:
        return None
    counts = change_counts(report)
    parts = [f"{counts[change]} {change.label}" for change in Change if change.noteworthy and counts[change]]
    when = report.compared_with.get("generated_at") or "the earlier report"
    return f"{', '.join(parts) or 'nothing changed'} since {when}"
