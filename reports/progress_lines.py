"""Progress lines in catalogue order, from results that arrive in completion order.

One job: decide when each check's line may be printed and fold the checks a
failure blocks into one line per cause, so one untrusted certificate is one
line rather than fifteen. How a line looks is ``text_report.result_line``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Sequence

from topdesk_preflight.reports.sanitize import one_line
from topdesk_preflight.reports.text_report import DEFAULT_WIDTH, Marks, fit_line, result_line

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import CheckResult


def is_blocked(result: "CheckResult") -> bool:
    """Skipped because a prerequisite did not pass (not because a setting was not given)."""
    return result.status.value == "skipped" and not result.not_checked and bool(result.evidence.get("blocked_by"))


class _Spec(Protocol):
    id: str
    depends_on: tuple[str, ...]


class ProgressLines:
    """The progress lines, in catalogue order, from results that arrive in completion order.

    The runner reports each check as it finishes; printed at once, the order
    would change from run to run. Each result waits here until every check
    before it in ``specs`` (the selected checks, in catalogue order) has
    finished, and is then printed at its place. The checks a failure blocks
    are not printed one by one: at the place of the first of them comes one
    line, "SKIP  15 checks blocked by network.tls (fail): …", naming them all
    (the dependency graph in ``specs`` says which will be skipped). A result for
    a check that is not in ``specs`` is printed as it comes; :meth:`finish`
    prints whatever is still waiting.
    """

    def __init__(self, specs: Sequence[_Spec], *, color: bool, width: int = DEFAULT_WIDTH, marks: Marks = None,
                 timings: bool = False) -> None:
        self.color = color
        self.width = width
        self.marks = marks
        self.timings = timings
        self._order = [spec.id for spec in specs]
        self._position = {check_id: index for index, check_id in enumerate(self._order)}
        self._depends = {spec.id: tuple(spec.depends_on) for spec in specs}
        self._results: dict[str, "CheckResult"] = {}
        self._next = 0
        self._folded: set[str] = set()  # blocked checks already named on a folded line
        self._announced: set[str] = set()  # causes whose folded line was printed

    def add(self, result: "CheckResult") -> list[str]:
        """The lines that ``result`` lets through, in catalogue order (often none, or several)."""
        self._results[result.id] = result
        if result.id not in self._position:
            return self._lines_for(result)
        lines: list[str] = []
        while self._next < len(self._order) and self._order[self._next] in self._results:
            lines += self._lines_for(self._results[self._order[self._next]])
            self._next += 1
        return lines

    def finish(self) -> list[str]:
        """The lines still waiting (a check that never reported), in catalogue order."""
        lines: list[str] = []
        for check_id in self._order[self._next:]:
            if check_id in self._results:
                lines += self._lines_for(self._results[check_id])
        self._next = len(self._order)
        return lines

    def _lines_for(self, result: "CheckResult") -> list[str]:
        if not is_blocked(result):
            return [self._line(result)]
        if result.id in self._folded:
            return []
        lines = []
        for cause in self._causes(result):
            if cause in self._announced:
                continue
            self._announced.add(cause)
            blocked = [check_id for check_id in self._dependants(cause) if self._still_to_fold(check_id)]
            if result.id not in blocked:
                blocked.insert(0, result.id)
            self._folded.update(blocked)
            lines.append(self._folded_line(cause, blocked))
        if not lines and result.id not in self._folded:  # its causes were announced without it
            self._folded.add(result.id)
            lines.append(self._line(result))
        return lines

    def _still_to_fold(self, check_id: str) -> bool:
        """Not printed yet, and skipped (or not finished yet, so it will be: its prerequisite failed)."""
        if check_id in self._folded or self._position.get(check_id, len(self._order)) < self._next:
            return False
        known = self._results.get(check_id)
        return known is None or is_blocked(known)

    def _folded_line(self, cause: str, blocked: list[str]) -> str:
        known = self._results.get(cause)
        because = f"{one_line(cause, 80)}" + (f" ({known.status.value})" if known is not None else "")
        if len(blocked) == 1:
            result = self._results[blocked[0]]
            return self._line(result, summary=f"blocked by {because}")
        names = ", ".join(one_line(check_id, 80) for check_id in blocked)
        return fit_line("skipped", f"{len(blocked)} checks blocked by {because}:", names, (),
                        color=self.color, width=self.width, marks=self.marks)

    def _line(self, result: "CheckResult", summary: str | None = None) -> str:
        return result_line(result, color=self.color, width=self.width, summary=summary, marks=self.marks,
                           timings=self.timings)

    def _causes(self, result: "CheckResult") -> list[str]:
        """The checks that did not pass and that ``result`` waits on, through other skipped checks."""
        found: list[str] = []
        seen: set[str] = set()
        waiting = [str(b) for b in result.evidence.get("blocked_by") or ()]
        while waiting:
            blocker = waiting.pop(0)
            if blocker in seen:
                continue
            seen.add(blocker)
            known = self._results.get(blocker)
            if known is not None and is_blocked(known):
                waiting += [str(b) for b in known.evidence.get("blocked_by") or ()]
            elif known is None or not known.not_checked:
                found.append(blocker)
        return sorted(found, key=lambda check_id: self._position.get(check_id, len(self._order)))

    def _dependants(self, cause: str) -> list[str]:
        """Every selected check that needs ``cause``, directly or through others, in catalogue order."""
        needs: dict[str, bool] = {}

        def waits_on(check_id: str, path: frozenset[str] = frozenset()) -> bool:
            if check_id not in needs:
                deps = [d for d in self._depends.get(check_id, ()) if d not in path]
                needs[check_id] = any(d == cause or waits_on(d, path | {check_id}) for d in deps)
            return needs[check_id]

        return [check_id for check_id in self._order if check_id != cause and waits_on(check_id)]
