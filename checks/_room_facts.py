"""Facts about the configured branch's rooms, fetched once per run and shared by every room check.

Five checks look at the same rooms (present, typed, reservable, branch mismatch, and the
types when ``/locations/types`` is missing). A tenant may hold 100,000 locations over
hundreds of branches, so the rooms are fetched in ONE request, filtered on the server to
the configured branch's active locations and capped; the number of requests never grows
with the tenant (docs/design.md §1.4, docs/topdesk-api.md §5). Each room comes back with
only the fields the room checks read, since the branch's room list is the one answer
that grows with the branch. The list is prefetched the moment the branch's id is known
(:func:`topdesk_preflight.context.prefetch`), not after ``branch.exists`` and
``rooms.types_defined`` have had their turn.

A :class:`Room` is made only by :meth:`Room.from_api`, the one place a ``/locations``
record is read; what the record does not say is an :class:`Unknown`, never a guess.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import attrs
from attrs import field, frozen

from topdesk_preflight import fiql
from topdesk_preflight.checks._branch_facts import (
    QUERY_IGNORED_DETECTED, Branch, archived_by, configured_branch,
)
from topdesk_preflight.checks._unknown import Known, Unknown
from topdesk_preflight.context import Context, prefetch
from topdesk_preflight.errors import NotFound, records_of
from topdesk_preflight.fiql import id_value
from topdesk_preflight.guide import ROOM_TYPE_NAMES
from topdesk_preflight.paging import Paging

#: The most rooms one branch may have before the list is cut off (one request, pageSize = cap + 1).
ROOM_FETCH_CAP = 2000
#: Lists of offending objects in evidence and summaries stop here; the total is always given.
EVIDENCE_CAP = 50

#: What the room checks read of each room. Top-level fields only: ``$fields`` sub-fields with a dot
#: (``type.name``) are documented for the reservations endpoints, not for /locations. ``branch`` is
#: asked for although the query pins it: a TOPdesk that ignored ``query`` (fidelity audit P14) would
#: otherwise pass other branches' rooms off as this branch's. ``id`` and ``status`` are not read by any
#: room check. Add a field here when a check needs it.
ROOM_FIELDS = "name,roomNumber,branch,type,reservationManagement"
#: Room names looked up per request by :func:`rooms_named`, and the rows asked for.
NAMES_PER_LOOKUP = 20
LOOKUP_PAGE_SIZE = 200
#: Only names of the location DTO (supporting files 2.7.11): it has ``status`` but no ``archived`` key.
LOOKUP_FIELDS = "id,name,roomNumber,branch,type,reservationManagement,status"
#: Older TOPdesks page ``/locations`` with ``start``/``page_size`` and cap a page at 100 (fidelity audit
#: P8: techspaceco/topdesk-go and UGDSB.PS.Topdesk loop while the answer is 206).
LEGACY_PAGE_SIZE = 100

_HCP_TYPES = {name.casefold() for name in ROOM_TYPE_NAMES}
NO_RESERVABLE = "the answer has no reservationManagement.reservable"

#: One room as the report's table shows it (``Room.row``).
RoomRow = dict[str, str | bool | None]


# --------------------------------------------------------------------------------------------- rooms

@frozen
class RoomBranch:
    """The branch a room names: a searchlist value ``{"id", "name"}`` (docs/topdesk-api.md §5)."""

    id: str | None
    name: str | None

    @classmethod
    def from_api(cls, record: dict[str, Any]) -> RoomBranch:
        raw_id, name = record.get("id"), record.get("name")
        return cls(id=raw_id if isinstance(raw_id, str) else None,
                   name=name if isinstance(name, str) else None)


@frozen
class Room:
    """A location as the room checks see it (ExtendedLocationDto, docs/topdesk-api.md §5).

    ``type_name`` is None when the room's Type field is empty; ``branch`` is None when
    the record names no branch; ``reservable`` is :class:`Unknown` when the answer did
    not carry the room card's Reservable box.
    """

    name: str | None
    room_number: str | None
    type_name: str | None
    reservable: Known[bool]
    branch: RoomBranch | None
    archived: bool
    id: str | None = None

    @classmethod
    def from_api(cls, record: dict[str, Any]) -> Room:
        """Only text is a name, a number or an id, only a bool the Reservable box: anything else is absent."""
        name, number, raw_id = record.get("name"), record.get("roomNumber"), record.get("id")
        kind = record.get("type")
        type_name = kind.get("name") if isinstance(kind, dict) else None
        management = record.get("reservationManagement")
        reservable = management.get("reservable") if isinstance(management, dict) else None
        branch = record.get("branch")
        status, flag = record.get("status"), record.get("archived")
        return cls(
            name=name if isinstance(name, str) else None,
            room_number=number if isinstance(number, str) else None,
            type_name=type_name.strip() if isinstance(type_name, str) and type_name.strip() else None,
            reservable=reservable if isinstance(reservable, bool) else Unknown(NO_RESERVABLE),
            branch=RoomBranch.from_api(branch) if isinstance(branch, dict) and branch else None,
            archived=archived_by(flag if isinstance(flag, bool) else None,
                                 status if isinstance(status, str) else None),
            id=raw_id if isinstance(raw_id, str) else None,
        )

    @property
    def label(self) -> str:
        """``Aurora 2.08``, or ``Aurora (room number 2.08)`` when the number is not already in the name.

        A room without a name is called by its id, and "?" without either: a server that
        sends a list or a number there never gets its repr into a sentence.
        """
        name = (self.name if self.name is not None else self.id) or "?"
        number = (self.room_number or "").strip()
        if number and number not in name:
            return f"{name} (room number {number})"
        return name

    @property
    def has_hcp_type(self) -> bool:
        """Type Room or Desk, the only types HCP imports (the guide, "Adding Rooms to the Branch").

        Matched case-insensitively, as ``rooms.types_defined`` does; that check warns about
        a type spelled differently ([I] docs/topdesk-api.md §5).
        """
        return self.type_name is not None and self.type_name.casefold() in _HCP_TYPES

    @property
    def branch_name(self) -> str | None:
        return self.branch.name if self.branch is not None else None

    def row(self, problem: str | None = None) -> RoomRow:
        """The room as the report's table shows it; an unknown Reservable box is None there."""
        return {
            "name": self.name,
            "roomNumber": self.room_number,
            "branch": self.branch_name,
            "type": self.type_name,
            "reservable": None if isinstance(self.reservable, Unknown) else self.reservable,
            # [I] docs/topdesk-api.md §8: HCP's import filter is not public; the guide names Type Room/Desk
            "hcp_imports": self.has_hcp_type,
            "problem": problem,
        }


def room_rows(rooms: Iterable[Room],
              problem: str | Callable[[Room], str] | None = None) -> dict[str, list[RoomRow] | int]:
    """``{"rooms": [first EVIDENCE_CAP rows], "total": n}``; ``problem``: a text or a function of a room."""
    rooms = list(rooms)
    rows = [r.row(problem(r) if callable(problem) else problem) for r in rooms[:EVIDENCE_CAP]]
    return {"rooms": rows, "total": len(rooms)}


def _as_tuple(rooms: Iterable[Room]) -> tuple[Room, ...]:
    return tuple(rooms)


@frozen
class RoomList:
    """The configured branch's active locations, as one server-filtered request returned them."""

    branch: Branch
    rooms: tuple[Room, ...] = field(converter=_as_tuple)
    complete: bool = True  # False when the branch has more than ``cap`` locations
    cap: int = ROOM_FETCH_CAP
    query_ignored: bool = False  # the answer held other branches' rooms: filtered here

    @property
    def total(self) -> int:
        return len(self.rooms)

    @property
    def total_text(self) -> str:
        """``"4"``, or ``"more than 2000"`` when the list was cut off."""
        return str(self.total) if self.complete else f"more than {self.cap}"

    @property
    def typed(self) -> tuple[Room, ...]:
        return tuple(r for r in self.rooms if r.has_hcp_type)

    @property
    def untyped(self) -> tuple[Room, ...]:
        return tuple(r for r in self.rooms if r.type_name is None)

    @property
    def other_typed(self) -> tuple[Room, ...]:
        return tuple(r for r in self.rooms if r.type_name is not None and not r.has_hcp_type)

    @property
    def branch_name(self) -> str:
        return self.branch.name or ""


@prefetch(used_by=("rooms.present", "rooms.typed", "rooms.branch_mismatch", "rooms.reservable"))
def branch_rooms(ctx: Context) -> RoomList | None:
    """The configured branch's active locations (one request; None when no active branch is configured)."""
    branch = configured_branch(ctx)
    if branch is None or not branch.id:
        return None
    branch_id = branch.id

    def fetch() -> RoomList:
        cap = ROOM_FETCH_CAP
        query = fiql.with_active(fiql.eq("branch.id", id_value(branch_id)))
        # one row more than the cap tells "exactly cap" from "cut off"
        params = {"query": query, "$fields": ROOM_FIELDS, "pageSize": cap + 1}
        response = ctx.client.fetch("/locations", params)
        if response.status == 206:
            records = _legacy_pages(ctx, query, cap)
        else:
            records = records_of(ctx.client.decode(response), "/tas/api/locations")
        found = [Room.from_api(r) for r in records]
        # The filter already excludes archived rooms and other branches' rooms; both are checked
        # again here, because a TOPdesk that ignores ``query`` answers with every location.
        mine = [r for r in found if (r.branch.id if r.branch else None) in (branch_id, None)]
        pinned = RoomBranch(id=branch_id, name=branch.name)
        rooms = [r if r.branch is not None else attrs.evolve(r, branch=pinned)
                 for r in mine if not r.archived]
        if len(mine) < len(found):
            ctx.client.detect(QUERY_IGNORED_DETECTED.format(path="/locations"))
        return RoomList(branch=branch, rooms=rooms[:cap], complete=len(found) <= cap, cap=cap,
                        query_ignored=len(mine) < len(found))

    return ctx.once("property.branch_rooms", fetch)


def _legacy_pages(ctx: Context, query: str, cap: int) -> list[dict[str, Any]]:
    """The branch's rooms from a TOPdesk that answered 206: one partial page is never the whole branch."""
    ctx.client.detect("This TOPdesk pages /locations the older way (start/page_size, 206 for a partial page); "
                      "the tool read every page.")
    items = ctx.client.iter_items("/locations", paging=Paging.START, page_size=LEGACY_PAGE_SIZE,
                                  max_pages=cap // LEGACY_PAGE_SIZE + 1,
                                  params={"query": query, "$fields": ROOM_FIELDS})
    return [r for r in items if isinstance(r, dict)]


# ------------------------------------------------------------------------------------ look-ups by name

def rooms_named(ctx: Context, names: list[str]) -> dict[str, list[Room]]:
    """Every location (archived too) named like each of ``names``, a few names per request.

    The names go in quoted FIQL (``name=="…"``, docs/topdesk-api.md §3.3), so any name is
    safe; a record counts for a name only if its name equals it ignoring case, since a
    server that ignored ``query`` answers with every location. Raises client errors.
    """
    found: dict[str, list[Room]] = {name: [] for name in names}
    for start in range(0, len(names), NAMES_PER_LOOKUP):
        batch = names[start:start + NAMES_PER_LOOKUP]
        query = fiql.or_(*(fiql.eq("name", n) for n in batch))
        data = ctx.client.get_json("/locations", {"query": query, "$fields": LOOKUP_FIELDS,
                                                  "pageSize": LOOKUP_PAGE_SIZE})
        rooms = [Room.from_api(r) for r in records_of(data, "/tas/api/locations")]
        for name in batch:
            found[name] = [r for r in rooms if (r.name or "").casefold() == name.casefold()]
    return found


# ------------------------------------------------------------------------------------------ room types

def room_type_names(ctx: Context) -> Known[tuple[str, ...]]:
    """The names in the Room -> Type dropdown, ``GET /locations/types`` ([I, strong] docs/topdesk-api.md §5).

    An older TOPdesk without the endpoint answers 404 (fidelity audit P11): then which
    types exist is :class:`Unknown`, its reason the 404's text, never an empty dropdown.
    Raises every other client error (PermissionDenied for an account that may not read it).
    """
    try:
        data = ctx.client.get_json("/locations/types")
    except NotFound as error:
        return Unknown(str(error))
    return tuple(str(t["name"]) for t in records_of(data, "/tas/api/locations/types")
                 if isinstance(t.get("name"), str))
