"""Check: the Room and Desk types exist in the Room -> Type dropdown (guide "Setting Up Custom Room Types").

The guide's troubleshooting entry "The Type dropdown is empty when creating a room" has
one cause: the types were never created. Every room check waits on this one, because a
room can only be typed Room or Desk once those types exist.
"""

from __future__ import annotations

from typing import Any

from topdesk_preflight.guide import (
    MENU_ROOM_TYPE, ROOM_TYPE_NAMES, ROOM_TYPES, SUPPORTING_FILES_STEP, TS_TYPE_DROPDOWN_EMPTY, TYPES_LABEL,
    topdesk_admin,
)
from topdesk_preflight.checks._room_facts import branch_rooms, room_type_names
from topdesk_preflight.checks._unknown import Unknown
from topdesk_preflight.checks._words import names_list
from topdesk_preflight.context import Context
from topdesk_preflight.errors import PermissionDenied
from topdesk_preflight.model import CheckResult
from topdesk_preflight.registry import check


def _create_types_steps() -> list[str]:
    return [topdesk_admin(f"Go to {MENU_ROOM_TYPE}, click New, enter the type name Room (meeting rooms) or "
                          "Desk (hot desks / flex desks) and save; repeat for each type you need.")]


@check(id="rooms.types_defined", title="The Room and/or Desk types exist", guide=ROOM_TYPES,
       depends_on=("auth.credentials",))
def types_defined(ctx: Context) -> CheckResult:
    """Rooms can only be typed Room or Desk once those types exist in the Room → Type dropdown.

    "Property management → Dropdown list → Room → Type" is ``/locations/types``
    ([I, strong] docs/topdesk-api.md §5). Names are matched case-insensitively and a
    different spelling is a warning, since HCP may compare exactly ([I] §5).
    """
    try:
        known = room_type_names(ctx)
    except PermissionDenied as error:
        return CheckResult.failed(
            "Cannot read the Room -> Type dropdown: this account may not read locations",
            details=[str(error)], remediation=[SUPPORTING_FILES_STEP],
            evidence={"http_status": error.status})
    if isinstance(known, Unknown):
        return _types_from_rooms(ctx, known)
    names = list(known)
    evidence: dict[str, Any] = {"types": names}
    if not names:
        return CheckResult.failed(
            f"The Type dropdown is empty: no room types exist, so no room can be typed {TYPES_LABEL}",
            details=[f"Guide, '{TS_TYPE_DROPDOWN_EMPTY}': the types have not yet been created."],
            remediation=_create_types_steps(), evidence=evidence)
    wanted = {n.casefold(): n for n in ROOM_TYPE_NAMES}
    matching = [n for n in names if n.strip().casefold() in wanted]
    evidence["hcp_types"] = matching
    if not matching:
        return CheckResult.failed(
            f"Neither {TYPES_LABEL} exists as a room type; the types are: {names_list(names)}",
            details=["HCP imports rooms of type Room or Desk only."],
            remediation=_create_types_steps(), evidence=evidence)
    misspelled = [n for n in matching if n not in ROOM_TYPE_NAMES]
    if misspelled:
        renames = [f"{n!r} to {wanted[n.strip().casefold()]!r}" for n in misspelled]
        return CheckResult.warned(
            f"Room type spelled differently: {names_list(repr(n) for n in misspelled)}",
            details=["TOPdesk keeps the case of dropdown values; HCP may look for exactly 'Room' or "
                     "'Desk'."],
            remediation=[topdesk_admin(f"Go to {MENU_ROOM_TYPE} and rename {names_list(renames)}, then "
                                       "save.")],
            evidence=evidence)
    missing = [n for n in ROOM_TYPE_NAMES if n not in matching]
    details = [f"{m} is not defined; it is only needed for {m.lower()}s." for m in missing]
    return CheckResult.passed(f"Room type{'s' if len(matching) > 1 else ''} defined: {names_list(matching)}",
                              details=details, evidence=evidence)


def _types_from_rooms(ctx: Context, dropdown: Unknown) -> CheckResult:
    """A TOPdesk without ``/locations/types`` (fidelity audit P11): the branch's rooms show which types exist.

    A room typed Room or Desk proves that type exists; no such room proves nothing
    (the dropdown may hold the type unused), so that is "cannot verify", never a fail.
    """
    evidence: dict[str, Any] = {"types_endpoint": 404, "source": "the types of the branch's rooms"}
    details = [f"This TOPdesk has no /locations/types ({dropdown.reason}); the types were read from the rooms "
               "instead."]
    rooms = branch_rooms(ctx)
    names = sorted({r.type_name for r in (rooms.rooms if rooms else ()) if r.type_name})
    matching = [n for n in names if n.casefold() in {t.casefold() for t in ROOM_TYPE_NAMES}]
    evidence.update(types=names, hcp_types=matching)
    if matching:
        return CheckResult.passed(f"Room type{'s' if len(matching) > 1 else ''} in use: {names_list(matching)}",
                                  details=details, evidence=evidence)
    return CheckResult.warned(
        f"Cannot verify that {TYPES_LABEL} exists as a room type: this TOPdesk does not list its room types, "
        "and no room in the branch uses them",
        details=details, evidence=evidence,
        remediation=[topdesk_admin(f"Go to {MENU_ROOM_TYPE} and check that the types Room and/or Desk exist; "
                                   "if not, click New, enter the type name and save.")])
