"""Expected versus actual, per room: one table of the branch's locations, each wrong cell with its fix.

No single check records every location of the branch, but together they do:
``rooms.present`` keeps the rooms typed Room or Desk (or, when there are none,
every other location) and ``rooms.typed`` keeps every location that is not
typed Room or Desk; each list is capped (``_room_facts.EVIDENCE_CAP``) and
the branch's location count is ``locations_in_branch``. ``rooms.reservable``
adds "not reservable", ``rooms.branch_mismatch`` the rooms expected with
``--room`` that sit in another branch or nowhere. The rows are the union,
merged by name and room number, so the table is complete up to the caps and
says "showing N of TOTAL" when it is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
from attrs import frozen

from topdesk_preflight.guide import MENU_ROOM_TYPE, ROOM_TYPE_NAMES, TYPES_LABEL

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import Report

#: The rooms checks whose evidence holds rows, in the order their rows are merged.
ROOM_CHECKS = ("rooms.present", "rooms.typed", "rooms.reservable", "rooms.branch_mismatch")
_HCP_TYPES = {name.casefold() for name in ROOM_TYPE_NAMES}

# The fix notes under the table, in the guide's words (topdesk_preflight.guide).
FIX_TYPE = (f"Type: open the room card, set Type to {TYPES_LABEL} and save. The types themselves are defined in "
            f"{MENU_ROOM_TYPE}.")
FIX_RESERVABLE = "Reservable: open the room card, expand Reservation management, check Reservable and save."
FIX_BRANCH = "Branch: open the room card, set its branch to {branch} and save (or configure that branch in HCP)."
FIX_MISSING = ("Missing: open the branch {branch}, click on the Rooms tab, then New Room; enter the name, choose "
               f"Type {TYPES_LABEL} and click Save.")

FAIL, WARN = "fail", "warn"


@frozen
class RoomCell:
    """One value of a room; ``problem`` (fail/warn) marks it wrong, with what was expected and a fix note."""

    value: Any
    problem: str | None = None
    expected: str | None = None
    fix: int | None = None  # the number of the fix note under the table


@frozen
class RoomRow:
    name: RoomCell
    room_number: RoomCell
    branch: RoomCell
    type: RoomCell
    reservable: RoomCell
    hcp_imports: RoomCell
    expected: str | None = None  # the name given with --room, for rows rooms.branch_mismatch added
    in_branch: bool = True

    @property
    def cells(self) -> tuple[RoomCell, ...]:
        return (self.name, self.room_number, self.branch, self.type, self.reservable, self.hcp_imports)

    @property
    def wrong(self) -> bool:
        return any(cell.problem for cell in self.cells)


COLUMNS = ("Name", "Room number", "Branch", "Type", "Reservable", "HCP imports it")


@frozen
class RoomTable:
    branch: str | None
    rows: tuple[RoomRow, ...]
    total: str  # the branch's location count as the checks know it: "12", or "more than 2000"
    fixes: tuple[str, ...]  # the fix notes the cells point to, numbered from 1

    @property
    def shown(self) -> int:
        """How many of the branch's own locations the table shows (rooms found elsewhere not counted)."""
        return sum(1 for row in self.rows if row.in_branch)

    @property
    def complete(self) -> bool:
        return self.total == str(self.shown)

    @property
    def caption(self) -> str:
        where = f"in branch {self.branch}" if self.branch else "in the branch"
        extra = len(self.rows) - self.shown
        text = (f"All {self.shown} location{'' if self.shown == 1 else 's'} {where}" if self.complete
                else f"Showing {self.shown} of {self.total} locations {where}")
        if extra:
            text += f", and {extra} expected room{'' if extra == 1 else 's'} not in it"
        return text


def _rows_of(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    rows = evidence.get("rooms")
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _merge(report: "Report") -> tuple[list[dict[str, Any]], str | None, str | None]:
    """The merged row dicts (each with a ``problems`` list), the branch name and the location count."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    branch: str | None = None
    total: str | None = None
    by_id = {r.id: r for r in report.results}
    for check_id in ROOM_CHECKS:
        result = by_id.get(check_id)
        if result is None:
            continue
        evidence = result.evidence
        branch = branch or (evidence.get("branch") if isinstance(evidence.get("branch"), str) else None)
        if total is None and evidence.get("locations_in_branch") is not None:
            total = str(evidence["locations_in_branch"])
        for row in _rows_of(evidence):
            key = (str(row.get("name") or row.get("expected") or ""), str(row.get("roomNumber") or ""))
            into = merged.setdefault(key, {**row, "problems": []})
            if row.get("expected") and not into.get("expected"):
                into["expected"] = row["expected"]
            problem = row.get("problem")
            if problem and problem not in into["problems"]:
                into["problems"].append(str(problem))
    return list(merged.values()), branch, total


def room_table(report: "Report") -> RoomTable | None:
    """The table, or None when no rooms check recorded rows (e.g. the branch does not exist)."""
    raw_rows, branch, total = _merge(report)
    if not raw_rows:
        return None
    fixes: list[str] = []

    def note(text: str) -> int:
        if text not in fixes:
            fixes.append(text)
        return fixes.index(text) + 1

    rows = [_row(raw, branch, note) for raw in raw_rows]
    rows.sort(key=lambda row: (not row.wrong, not row.in_branch, str(row.name.value or "").casefold()))
    rows, ordered = _number_fixes_in_reading_order(rows, fixes)
    shown = sum(1 for row in rows if row.in_branch)
    return RoomTable(branch=branch, rows=tuple(rows), total=total or str(shown), fixes=tuple(ordered))


def _number_fixes_in_reading_order(rows: list[RoomRow], fixes: list[str]) -> tuple[list[RoomRow], list[str]]:
    """Renumber the fix notes so the first highlighted cell, read row by row, points to note 1."""
    order: list[int] = []
    for row in rows:
        for cell in row.cells:
            if cell.fix is not None and cell.fix not in order:
                order.append(cell.fix)
    new_number = {old: index + 1 for index, old in enumerate(order)}

    def renumber(cell: RoomCell) -> RoomCell:
        return cell if cell.fix is None else attrs.evolve(cell, fix=new_number[cell.fix])

    renumbered = [attrs.evolve(row, name=renumber(row.name), room_number=renumber(row.room_number),
                               branch=renumber(row.branch), type=renumber(row.type),
                               reservable=renumber(row.reservable), hcp_imports=renumber(row.hcp_imports))
                  for row in rows]
    return renumbered, [fixes[old - 1] for old in order]


def _row(raw: dict[str, Any], branch: str | None, note: Any) -> RoomRow:
    problems = raw.get("problems") or []
    type_name = raw.get("type")
    type_cell = RoomCell(type_name)
    if type_name is None and "not found" not in problems and "only archived" not in problems:
        type_cell = RoomCell(None, FAIL, TYPES_LABEL, note(FIX_TYPE))
    elif isinstance(type_name, str) and type_name.strip().casefold() not in _HCP_TYPES:
        type_cell = RoomCell(type_name, WARN, f"{TYPES_LABEL}, if HCP should import it", note(FIX_TYPE))
    importable = type_name is None or type_cell.problem is None
    reservable = raw.get("reservable")
    reservable_cell = RoomCell(reservable)
    if reservable is False and importable:
        reservable_cell = RoomCell(False, WARN, "yes", note(FIX_RESERVABLE))
    elsewhere = next((p for p in problems if p.startswith("in branch ")), None)
    missing = next((p for p in problems if p in ("not found", "only archived")), None)
    branch_cell = RoomCell(raw.get("branch"))
    if elsewhere:
        branch_cell = RoomCell(raw.get("branch"), FAIL, branch, note(FIX_BRANCH.format(branch=branch)))
    name_cell = RoomCell(raw.get("name"))
    if missing:
        name_cell = RoomCell(f"{raw.get('name')} ({missing})", FAIL,
                             f"a room in branch {branch}" if branch else "a room",
                             note(FIX_MISSING.format(branch=branch or "configured in HCP")))
    # a room in another branch (or nowhere) is not imported from this branch, whatever its type
    imports = False if elsewhere or missing else raw.get("hcp_imports")
    blocking = FAIL in (type_cell.problem, branch_cell.problem, name_cell.problem)
    imports_cell = RoomCell(imports, FAIL, "yes, once fixed") if imports is False and blocking else RoomCell(imports)
    return RoomRow(name=name_cell, room_number=RoomCell(raw.get("roomNumber")), branch=branch_cell,
                   type=type_cell, reservable=reservable_cell, hcp_imports=imports_cell,
                   expected=raw.get("expected"), in_branch=not (elsewhere or missing))
