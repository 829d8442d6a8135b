"""The diagnosis every renderer leads with: the root causes, what each one blocks, and who acts.

A branch that does not exist makes five room checks skip. Listing six problems
sends an administrator hunting five symptoms; listing one cause with "blocks
five checks" sends them to the fix. The JSON, the HTML and the terminal all
take their grouping from here, so they can never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import frozen

from topdesk_preflight.model import ACTORS, Status, split_actor

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import CheckResult, Report

#: How the page and the terminal name the actor of a step that does not say who acts.
ANYONE = "Anyone"
#: The network checks: they describe the path from the machine that ran the tool.
NETWORK_PREFIX = "network."

CHANGE_WORDS = ("fixed", "newly_broken", "still_broken", "unchanged")
CHANGE_LABELS = {"fixed": "fixed", "newly_broken": "newly broken", "still_broken": "still broken",
                 "unchanged": "unchanged"}


@frozen
class RootCause:
    """A failed or errored check whose prerequisites passed, and the skipped checks that wait on it."""

    result: "CheckResult"
    blocked: tuple["CheckResult", ...]


@frozen
class ActorStep:
    """One remediation step of a root cause, with who acts and which check it fixes."""

    actor: str | None
    text: str
    check_id: str


def root_causes(report: "Report") -> list[RootCause]:
    """``report.root_causes`` with their blocked dependants, failures before errors, catalogue order within."""
    order = {r.id: i for i, r in enumerate(report.sorted_results())}
    causes = sorted(report.root_causes, key=lambda r: order[r.id])
    return [RootCause(result, tuple(report.blocked_by(result.id))) for result in causes]


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
    """Every step of every root cause, grouped by who acts, in the fixed actor order (empty groups left out)."""
    groups: dict[str, list[ActorStep]] = {actor: [] for actor in (*ACTORS, ANYONE)}
    for cause in root_causes(report):
        for step in cause.result.remediation:
            actor, text = split_actor(step)
            groups[actor or ANYONE].append(ActorStep(actor, text, cause.result.id))
    return [(actor, steps) for actor, steps in groups.items() if steps]


def network_failed(report: "Report") -> bool:
    """Whether a network check failed or errored: then where the tool ran matters most."""
    return any(r.id.startswith(NETWORK_PREFIX) and r.status in (Status.FAIL, Status.ERROR)
               for r in report.results)


def change_counts(report: "Report") -> dict[str, int]:
    """With ``--compare``: how many checks carry each change word (all four, zeros included)."""
    counts = dict.fromkeys(CHANGE_WORDS, 0)
    for result in report.results:
        if result.change in counts:
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
    parts = [f"{counts[word]} {CHANGE_LABELS[word]}" for word in ("fixed", "newly_broken", "still_broken")
             if counts[word]]
    when = report.compared_with.get("generated_at") or "the earlier report"
    return f"{', '.join(parts) or 'nothing changed'} since {when}"
