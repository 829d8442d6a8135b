"""Checks: the branch's rooms exist, are typed Room or Desk, sit in the branch, and are reservable.

The Type dropdown itself is checked in ``room_types``.

These are the guide's causes for "Rooms created in TOPdesk do not appear when importing
into HCP". All of them read the same list, the configured branch's active locations,
read once per run (checks/_room_facts.py), so a tenant with 100,000 locations costs
the same few requests as one with ten.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence, TypeVar

from attrs import frozen

from topdesk_preflight.guide import (
    ADDING_ROOMS, FLAG_BRANCH, FLAG_ROOM, MENU_BRANCH_SETTINGS, NOT_CHECKED_BRANCH, TS_ROOMS_NOT_IN_IMPORT,
    TYPES_LABEL, hcp_admin, topdesk_admin,
)
from topdesk_preflight.checks._branch_facts import configured_branch
from topdesk_preflight.checks._room_facts import (
    EVIDENCE_CAP, Room, RoomList, RoomRow, branch_rooms, room_rows, rooms_named,
)
from topdesk_preflight.checks._unknown import Unknown
from topdesk_preflight.checks._words import has_or_have, is_or_are, it_or_them, names_list, plural_ending
from topdesk_preflight.context import Context
from topdesk_preflight.model import CheckResult
from topdesk_preflight.registry import check
from topdesk_preflight.vocabulary import plural

#: Per-room remediation steps stop here; the evidence table lists every offending room (up to EVIDENCE_CAP).
STEP_CAP = 10

Item = TypeVar("Item")


@check(id="rooms.present", title="The branch has rooms of type Room or Desk", guide=ADDING_ROOMS,
       depends_on=("branch.exists", "rooms.types_defined"))
def present(ctx: Context) -> CheckResult:
    """HCP imports only the branch's rooms typed Room or Desk; with none, the import is empty."""
    rooms = branch_rooms(ctx)
    if rooms is None:
        return _no_branch(ctx)
    typed, branch = rooms.typed, rooms.branch_name
    evidence = {**room_rows(typed), "branch": branch, "locations_in_branch": rooms.total_text}
    details = _cut_off_note(rooms)
    if typed:
        return CheckResult.passed(
            f"{len(typed)}{'' if rooms.complete else '+'} room{plural_ending(len(typed))} of type "
            f"{TYPES_LABEL} in branch {branch!r}", details=details, evidence=evidence)
    untyped, other = rooms.untyped, rooms.other_typed
    if rooms.total:
        other_types = sorted({r.type_name or "" for r in other})
        details.insert(0, f"The branch has {rooms.total_text} active location{plural_ending(rooms.total)}: "
                          f"{len(untyped)} without a type, {len(other)} of other types"
                          + (f" ({', '.join(other_types)})" if other_types else "") + ".")
    else:
        details.insert(0, "The branch has no active locations at all.")
    remediation = [topdesk_admin(
        f"Open the branch {branch!r} ({MENU_BRANCH_SETTINGS}), click on the Rooms tab, then click New Room. "
        f"Enter the room name; under the Type dropdown choose Room or Desk, then click Save.")]
    if untyped or other:
        remediation.append(topdesk_admin(
            "Or set Type to Room or Desk on the branch's existing rooms: "
            f"{names_list(r.label for r in untyped + other)} (see rooms.typed)."))
    return CheckResult.failed(
        f"The branch {branch!r} has no rooms of type {TYPES_LABEL}", details=details,
        remediation=remediation,
        evidence={**evidence, **room_rows(untyped + other, _type_problem), "typed_total": 0})


@check(id="rooms.typed", title="Every room in the branch has type Room or Desk", guide=TS_ROOMS_NOT_IN_IMPORT,
       depends_on=("branch.exists", "rooms.types_defined"))
def typed(ctx: Context) -> CheckResult:
    """A room without a type never reaches HCP's import, silently (guide troubleshooting, first cause).

    A room typed something else (e.g. Storage) may be deliberate, so it is a warning;
    a room with no type at all is the guide's failure.
    """
    rooms = branch_rooms(ctx)
    if rooms is None:
        return _no_branch(ctx)
    branch = rooms.branch_name
    untyped, other = rooms.untyped, rooms.other_typed
    offenders = untyped + other
    evidence = {**room_rows(offenders, _type_problem), "branch": branch,
                "locations_in_branch": rooms.total_text}
    details = _cut_off_note(rooms)
    if not offenders:
        if not rooms.rooms:
            return CheckResult.passed(
                f"The branch {branch!r} has no active rooms to check (see rooms.present)",
                details=details, evidence=evidence)
        return CheckResult.passed(
            f"All {rooms.total_text} room{plural_ending(rooms.total)} in branch {branch!r} have type "
            f"{TYPES_LABEL}",
            details=details, evidence=evidence)
    steps = _per_room(offenders, lambda r: f"Open the room {r.label} in branch {branch}, set Type to "
                                           "Room or Desk, save.")
    if untyped:
        if other:
            details.append(f"{plural(len(other), 'more room')} have a type HCP does not import: "
                           f"{_labels_with_type(other)}.")
        return CheckResult.failed(
            f"{plural(len(untyped), 'room')} in branch {branch!r} {has_or_have(len(untyped))} no type, so "
            f"HCP will not import {it_or_them(len(untyped))}: {names_list(r.label for r in untyped)}",
            details=details, remediation=steps, evidence=evidence)
    return CheckResult.warned(
        f"{plural(len(other), 'room')} in branch {branch!r} {has_or_have(len(other))} a type HCP does not "
        f"import: {_labels_with_type(other)}",
        details=details + ["If these are meant to be booked through HCP, set their Type to Room or Desk; "
                           "otherwise nothing needs to change."],
        remediation=steps, evidence=evidence)


@check(id="rooms.branch_mismatch", title="The expected rooms are in the configured branch",
       guide=TS_ROOMS_NOT_IN_IMPORT, depends_on=("branch.exists",))
def branch_mismatch(ctx: Context) -> CheckResult:
    """HCP imports from one branch; a room filed under another branch is silently missing.

    Rooms already in the branch's shared list cost nothing; only the others are looked
    up by name on the server (quoted FIQL, so any name is safe), a few names per request.
    """
    wanted = [w for w in dict.fromkeys(ctx.settings.rooms) if w and w.strip()]
    if not wanted:
        return CheckResult.unchecked("Not checked: give --room (the rooms you expect HCP to import).",
                                     enable_with=FLAG_ROOM)
    branch = configured_branch(ctx)
    if branch is None and (ctx.settings.branch or "").strip():
        return _no_branch(ctx)  # branch.exists could not confirm it: where the rooms should be is unknown
    branch_name = str(branch.name) if branch else None
    placed = _place(ctx, wanted, branch_rooms(ctx), branch.id if branch else None)
    found_here, elsewhere, archived_only, missing = (placed.here, placed.elsewhere, placed.archived_only,
                                                     placed.missing)
    rows: list[RoomRow] = [{**found_here[n].row(), "expected": n} for n in wanted if n in found_here]
    for name, matches in elsewhere.items():
        problem = f"in branch {_branches(matches)}, not {branch_name}" if branch else None
        rows.append({**matches[0].row(problem), "expected": name})
    for name in missing:
        rows.append({"expected": name, "name": name, "roomNumber": None, "branch": None, "type": None,
                     "reservable": None, "hcp_imports": False,
                     "problem": "only archived" if name in archived_only else "not found"})
    evidence = {"rooms": rows[:EVIDENCE_CAP], "total": len(rows), "branch": branch_name,
                "expected": wanted, "in_branch": [n for n in wanted if n in found_here],
                "other_branch": {n: _branches(m) for n, m in elsewhere.items()}, "not_found": missing}

    details: list[str] = []
    for name, matches in archived_only.items():
        details.append(f"{name!r} exists only as an archived room (branch {_branches(matches)}); archived "
                       "rooms are never imported.")
    if branch is None:
        if not missing:
            return CheckResult.unchecked(
                f"Not checked: all {plural(len(wanted), 'expected room')} exist, but without --branch they "
                "were not compared with the branch HCP imports from.", enable_with=FLAG_BRANCH,
                details=[f"{n!r} is in branch {_branches(m)}." for n, m in elsewhere.items()] + details,
                evidence=evidence)
        elsewhere = {}
    if not elsewhere and not missing:
        return CheckResult.passed(
            f"All {plural(len(wanted), 'expected room')} are in branch {branch_name!r}",
            details=details, evidence=evidence)

    problems = [f"{n} (in {_branches(m)})" for n, m in elsewhere.items()]
    problems += [f"{n} (not found)" for n in missing]
    where = f"branch {branch_name!r}" if branch is not None else "TOPdesk"
    wrong = len(elsewhere) + len(missing)
    summary = (f"{wrong} of {plural(len(wanted), 'expected room')} {is_or_are(wrong)} not in "
               f"{where}: {names_list(problems)}")
    remediation = _per_room(
        list(elsewhere.items()),
        lambda item: f"Open the room {item[0]} (now in branch {_branches(item[1])}) and set its branch to "
                     f"{branch_name}, save.")
    if elsewhere:
        other_branches = sorted({repr(m.branch_name or "?") for ms in elsewhere.values() for m in ms})
        remediation.append(hcp_admin(
            f"Or, if HCP should import from {names_list(other_branches, conjunction='or')} "
            "instead, set that branch in HCP's TOPdesk connection."))
    if missing:
        remediation.append(topdesk_admin(
            f"Add the missing room{plural_ending(len(missing))} to branch "
            f"{branch_name or '(the HCP branch)'}: click on the Rooms tab, then click New Room, enter the "
            f"name ({names_list(missing)}), choose Type Room or Desk, then click Save."))
        remediation.append(hcp_admin("Or check the spelling of the room names given with --room."))
    return CheckResult.failed(summary, details=details, remediation=remediation, evidence=evidence)


@check(id="rooms.reservable", title="The typed rooms are reservable", guide=TS_ROOMS_NOT_IN_IMPORT,
       depends_on=("rooms.present",))
def reservable(ctx: Context) -> CheckResult:
    """HCP books rooms through TOPdesk's reservations; a room that is not reservable cannot be booked.

    ``/reservableLocations`` holds only "reservable, non-archived locations"
    (TOPdesk's reservations API 2.0.0, GET /reservableLocations), the list bookings are
    made against. So no reservable room at all means HCP can import rooms but never
    book one: a failure. Some rooms not reservable may be deliberate: a warning naming
    them. A room whose answer did not carry the Reservable box is unknown, never
    counted either way.
    """
    rooms = branch_rooms(ctx)
    if rooms is None:
        return _no_branch(ctx)
    branch, typed_rooms = rooms.branch_name, rooms.typed
    not_reservable = [r for r in typed_rooms if r.reservable is False]
    unknown = [r for r in typed_rooms if isinstance(r.reservable, Unknown)]
    reservable_count = len(typed_rooms) - len(not_reservable) - len(unknown)
    evidence = {**room_rows(not_reservable, "not reservable"), "branch": branch,
                "typed_total": len(typed_rooms), "reservable_total": reservable_count,
                "unknown_total": len(unknown)}
    details = _cut_off_note(rooms)
    if unknown:
        details.append(f"TOPdesk's answer did not say whether {plural(len(unknown), 'room')} "
                       f"{is_or_are(len(unknown))} reservable "
                       f"({names_list(r.label for r in unknown)}); check the Reservable box on "
                       f"{it_or_them(len(unknown))} by hand.")
    if not not_reservable:
        if unknown:
            return CheckResult.warned(
                f"Cannot verify that {len(unknown)} of {plural(len(typed_rooms), 'room')} in branch "
                f"{branch!r} {is_or_are(len(unknown))} reservable: TOPdesk did not return the "
                "Reservable box", details=details, evidence=evidence,
                remediation=_per_room(unknown, _reservable_step(branch)))
        return CheckResult.passed(
            f"All {plural(len(typed_rooms), 'room')} of type {TYPES_LABEL} in branch {branch!r} are "
            "reservable", details=details, evidence=evidence)
    why = ("TOPdesk lists only reservable, non-archived locations in /reservableLocations, the list bookings "
           "are made against; a room that is not reservable cannot be booked from HCP.")
    steps = _per_room(not_reservable, _reservable_step(branch))
    if reservable_count == 0 and not unknown and rooms.complete:
        return CheckResult.failed(
            f"None of the {plural(len(typed_rooms), 'room')} of type {TYPES_LABEL} in branch {branch!r} "
            f"{is_or_are(len(typed_rooms))} reservable: HCP can import "
            f"{it_or_them(len(typed_rooms))} but never book one",
            details=[why, *details], remediation=steps, evidence=evidence)
    return CheckResult.warned(
        f"{len(not_reservable)} of {plural(len(typed_rooms), 'room')} in branch {branch!r} "
        f"{is_or_are(len(not_reservable))} not reservable: "
        f"{names_list(r.label for r in not_reservable)}",
        details=[why, *details], remediation=steps, evidence=evidence)


def _reservable_step(branch: str) -> Callable[[Room], str]:
    return lambda room: (f"Open the room card {room.label} in branch {branch}, expand Reservation "
                         "management, check Reservable, save.")


# --------------------------------------------------------------------------------------------- helpers

def _no_branch(ctx: Context) -> CheckResult:
    """No active branch to read rooms from: not given (not checked), or not confirmed by branch.exists."""
    if not (ctx.settings.branch or "").strip():
        return CheckResult.unchecked(NOT_CHECKED_BRANCH, enable_with=FLAG_BRANCH)
    return CheckResult.skipped(f"Cannot verify: the branch {ctx.settings.branch!r} could not be confirmed "
                               "(see branch.exists), so its rooms cannot be read.")


@frozen
class _Placement:
    """Where each expected room was found: in the branch, under other branches, only archived, nowhere."""

    here: dict[str, Room]
    elsewhere: dict[str, list[Room]]
    archived_only: dict[str, list[Room]]
    missing: list[str]


def _place(ctx: Context, wanted: list[str], rooms: RoomList | None, branch_id: str | None) -> _Placement:
    """The branch's shared room list answers first; only the rest is looked up on the server."""
    here: dict[str, Room] = {}
    for name in wanted:
        match = _by_name(rooms.rooms, name) if rooms is not None else None
        if match is not None:
            here[name] = match
    elsewhere: dict[str, list[Room]] = {}
    archived_only: dict[str, list[Room]] = {}
    missing: list[str] = []
    for name, matches in rooms_named(ctx, [n for n in wanted if n not in here]).items():
        active = [m for m in matches if not m.archived]
        in_branch = [m for m in active if branch_id and m.branch is not None and m.branch.id == branch_id]
        if in_branch:  # the branch list was cut off before this room
            here[name] = in_branch[0]
        elif active:
            elsewhere[name] = active
        else:
            missing.append(name)
            if matches:
                archived_only[name] = matches
    return _Placement(here, elsewhere, archived_only, missing)


def _by_name(rooms: Iterable[Room], name: str) -> Room | None:
    wanted = name.strip().casefold()
    for room in rooms:
        if (room.name or "").strip().casefold() == wanted:
            return room
    return None


def _branches(matches: list[Room]) -> str:
    return ", ".join(sorted({m.branch_name or "no branch" for m in matches}))


def _type_problem(room: Room) -> str:
    kind = room.type_name
    return "no type" if kind is None else f"type {kind} is not imported by HCP"


def _labels_with_type(rooms: Sequence[Room]) -> str:
    return names_list(f"{r.label} ({r.type_name})" for r in rooms)


def _per_room(items: Sequence[Item], step: Callable[[Item], str]) -> list[str]:
    """One remediation step per room, up to STEP_CAP, then a pointer to the full list."""
    steps = [topdesk_admin(step(item)) for item in items[:STEP_CAP]]
    if len(items) > STEP_CAP:
        others = plural(len(items) - STEP_CAP, "other room")
        steps.append(topdesk_admin(f"Do the same for the {others} listed in the evidence."))
    return steps


def _cut_off_note(rooms: RoomList) -> list[str]:
    """What limits the room list: a cut-off, or a server that ignored the branch filter."""
    notes = []
    if rooms.query_ignored:
        notes.append("This TOPdesk ignored the search filter (query) and answered with other branches' "
                     "locations too (Supporting Files API older than 1.38.0?); they were left out here.")
    if not rooms.complete:
        notes.append(f"More than {rooms.cap} locations came back; only the first {rooms.cap} were checked.")
    return notes

