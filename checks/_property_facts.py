"""Facts about the configured branch and its rooms, fetched once per run and shared by every check.

Five checks look at the same rooms (present, typed, reservable, branch mismatch) and
three more need the branch's id. A tenant may hold 100,000 locations over hundreds of
branches, so the rooms are fetched in ONE request, filtered on the server to the
configured branch's active locations and capped; the number of requests never grows
with the tenant (docs/design.md §1.4, docs/topdesk-api.md §5). Each room comes back with only
the fields the room checks read, since the branch's room list is the one answer that
grows with the branch.

Both facts are prefetched when the run starts (:func:`topdesk_preflight.context.prefetch`):
the branch look-up overlaps ``/version`` and ``/operators/current``, and the rooms are
asked for the moment the branch's id is known, not after ``branch.exists`` and
``rooms.types_defined`` have had their turn.
"""

from __future__ import annotations

from typing import Any, Iterable

from attrs import field, frozen

from topdesk_preflight import fiql
from topdesk_preflight.fiql import id_value
from topdesk_preflight.guide import ROOM_TYPE_NAMES
from topdesk_preflight.context import Context, prefetch
from topdesk_preflight.paging import Paging

#: The most rooms one branch may have before the list is cut off (one request, pageSize = cap + 1).
ROOM_FETCH_CAP = 2000
#: Lists of offending objects in evidence and summaries stop here; the total is always given.
EVIDENCE_CAP = 50

#: Only names in the branch DTO (supporting files 2.7.11 ExtendedBranchDto): it has no ``archived``
#: key, so archived branches are told apart by the ``archived`` FIQL filter (fidelity audit P3, P7).
BRANCH_FIELDS = "id,name,status"
#: What the room checks read of each room. Top-level fields only: ``$fields`` sub-fields with a dot
#: (``type.name``) are documented for the reservations endpoints, not for /locations. ``branch`` is
#: asked for although the query pins it: a TOPdesk that ignored ``query`` (fidelity audit P14) would
#: otherwise pass other branches' rooms off as this branch's. ``id`` and ``status`` are not read by any
#: room check. Add a field here when a check needs it.
ROOM_FIELDS = "name,roomNumber,branch,type,reservationManagement"

_HCP_TYPES = {name.casefold() for name in ROOM_TYPE_NAMES}
QUERY_IGNORED_DETECTED = ("This TOPdesk ignored the search filter (query) on {path} (Supporting Files API older "
                          "than 1.38.0?): the tool filtered the answer itself.")


def _as_tuple(records: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple(records)


# -------------------------------------------------------------------------------------------- branch

@frozen
class BranchLookup:
    """The branches named like the configured one: the active ones, and the archived ones if none is active.

    TOPdesk's branch records carry no ``archived`` key (the 2.7.11 DTO has none, nor
    do recorded real answers), and its status values for branches are undocumented, so
    the documented ``archived`` FIQL filter says which is which: one request with
    ``archived==false``, and only when that finds nothing, one with ``archived==true``.
    Names are compared here too: a server that ignored ``query`` (Supporting Files API
    before 1.38.0) answers with every branch, and ``query_ignored`` records that.
    """

    given: str
    active: tuple[dict[str, Any], ...] = field(converter=_as_tuple)
    archived: tuple[dict[str, Any], ...] = field(default=(), converter=_as_tuple)
    query_ignored: bool = False

    @property
    def matches(self) -> tuple[dict[str, Any], ...]:
        return self.active + self.archived

    @property
    def branch(self) -> dict[str, Any] | None:
        """The active branch HCP will use: the exact spelling first, else one differing only in case."""
        exact = [b for b in self.active if b.get("name") == self.given]
        candidates = exact or list(self.active)
        return candidates[0] if candidates else None


def is_archived(record: dict[str, Any]) -> bool:
    """Archived, by the ``archived`` flag or by a ``status`` such as ``branchArchived``.

    [I] docs/topdesk-api.md §4, §5: the status values are guessed by analogy with operators
    (``operatorArchived``), so both signals are honoured.
    """
    if record.get("archived") is True:
        return True
    status = record.get("status")
    return isinstance(status, str) and status.endswith("Archived")


@prefetch(used_by=("branch.exists", "permissions.supporting_files"))
def branch_lookup(ctx: Context) -> BranchLookup | None:
    """The branches named like ``settings.branch`` (None when no branch was given). Raises client errors."""
    name = ctx.settings.branch
    if not name:
        return None

    def named(archived: bool) -> tuple[list[dict[str, Any]], bool]:
        query = fiql.and_(fiql.eq("name", name), fiql.eq("archived", archived))
        records = _records(ctx.client.get_json("/branches", {"$fields": BRANCH_FIELDS, "query": query}),
                           "/branches")
        same = [b for b in records if same_name(b.get("name"), name)]
        if len(same) < len(records):
            ctx.client.detect(QUERY_IGNORED_DETECTED.format(path="/branches"))
        return same, len(same) < len(records)

    def fetch() -> BranchLookup:
        active, ignored = named(archived=False)
        if ignored:  # the filter did not apply, so neither did archived==false: trust the status only
            return BranchLookup(given=name, active=[b for b in active if not is_archived(b)],
                                archived=[b for b in active if is_archived(b)], query_ignored=True)
        if active:
            return BranchLookup(given=name, active=active)
        archived, ignored = named(archived=True)
        return BranchLookup(given=name, active=(), archived=archived, query_ignored=ignored)

    return ctx.once("property.branch", fetch)


def same_name(found: Any, wanted: str) -> bool:
    """TOPdesk's ``==`` ignores case on most instances; a name that differs in more is another record."""
    return isinstance(found, str) and found.strip().casefold() == wanted.strip().casefold()


def configured_branch(ctx: Context) -> dict[str, Any] | None:
    """The configured branch's record (``id``, ``name``) if it exists and is active, else None."""
    lookup = branch_lookup(ctx)
    return lookup.branch if lookup else None


# --------------------------------------------------------------------------------------------- rooms

def room_type(room: dict[str, Any]) -> str | None:
    """The room's Type name, or None when the Type field is empty."""
    value = room.get("type")
    name = value.get("name") if isinstance(value, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def has_hcp_type(room: dict[str, Any]) -> bool:
    """Type Room or Desk, the only types HCP imports (the guide, "Adding Rooms to the Branch").

    Matched case-insensitively, as ``rooms.types_defined`` does; that check warns about
    a type spelled differently ([I] docs/topdesk-api.md §5).
    """
    name = room_type(room)
    return name is not None and name.casefold() in _HCP_TYPES


def reservable_flag(room: dict[str, Any]) -> bool | None:
    """The room card's Reservable box, or None when the answer did not say (then nothing is known)."""
    management = room.get("reservationManagement")
    flag = management.get("reservable") if isinstance(management, dict) else None
    return flag if isinstance(flag, bool) else None


def room_label(room: dict[str, Any]) -> str:
    """``Aurora 2.08``, or ``Aurora (room number 2.08)`` when the number is not already in the name."""
    # Only text is a name: a server that sends a list or a number there gets "?" (never its repr).
    raw = room.get("name") if isinstance(room.get("name"), str) else room.get("id")
    name = raw if isinstance(raw, str) and raw else "?"
    number = room.get("roomNumber")
    if isinstance(number, str) and number.strip() and number.strip() not in name:
        return f"{name} (room number {number.strip()})"
    return name


def _branch_id(room: dict[str, Any]) -> Any:
    branch = room.get("branch")
    return branch.get("id") if isinstance(branch, dict) else None


def branch_name_of(room: dict[str, Any]) -> str | None:
    branch = room.get("branch")
    name = branch.get("name") if isinstance(branch, dict) else None
    return name if isinstance(name, str) else None


@frozen
class RoomList:
    """The configured branch's active locations, as one server-filtered request returned them."""

    branch: dict[str, Any]
    rooms: tuple[dict[str, Any], ...] = field(converter=_as_tuple)
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
    def typed(self) -> tuple[dict[str, Any], ...]:
        return tuple(r for r in self.rooms if has_hcp_type(r))

    @property
    def untyped(self) -> tuple[dict[str, Any], ...]:
        return tuple(r for r in self.rooms if room_type(r) is None)

    @property
    def other_typed(self) -> tuple[dict[str, Any], ...]:
        return tuple(r for r in self.rooms if room_type(r) is not None and not has_hcp_type(r))

    @property
    def branch_name(self) -> str:
        return str(self.branch.get("name") or "")


@prefetch(used_by=("rooms.present", "rooms.typed", "rooms.branch_mismatch", "rooms.reservable"))
def branch_rooms(ctx: Context) -> RoomList | None:
    """The configured branch's active locations (one request; None when no active branch is configured)."""
    branch = configured_branch(ctx)
    if branch is None or not branch.get("id"):
        return None

    def fetch() -> RoomList:
        cap = ROOM_FETCH_CAP
        query = fiql.with_active(fiql.eq("branch.id", id_value(branch["id"])))
        # one row more than the cap tells "exactly cap" from "cut off"
        params = {"query": query, "$fields": ROOM_FIELDS, "pageSize": cap + 1}
        response = ctx.client.fetch("/locations", params)
        if response.status == 206:
            records = _legacy_pages(ctx, query, cap)
        else:
            records = _records(ctx.client.decode(response), "/locations")
        # The filter already excludes archived rooms and other branches' rooms; both are checked
        # again here, because a TOPdesk that ignores ``query`` answers with every location.
        mine = [r for r in records if _branch_id(r) in (branch["id"], None)]
        rooms = [r for r in mine if not is_archived(r)]
        pinned = {"id": branch["id"], "name": branch.get("name")}
        rooms = [{**r, "branch": r.get("branch") or pinned} for r in rooms]
        if len(mine) < len(records):
            ctx.client.detect(QUERY_IGNORED_DETECTED.format(path="/locations"))
        return RoomList(branch=branch, rooms=rooms[:cap], complete=len(records) <= cap, cap=cap,
                        query_ignored=len(mine) < len(records))

    return ctx.once("property.branch_rooms", fetch)


# ------------------------------------------------------------------------------------------ evidence

def room_row(room: dict[str, Any], problem: str | None = None) -> dict[str, Any]:
    """One room as the report's table shows it."""
    return {
        "name": room.get("name"),
        "roomNumber": room.get("roomNumber"),
        "branch": branch_name_of(room),
        "type": room_type(room),
        "reservable": reservable_flag(room),
        # [I] docs/topdesk-api.md §8: HCP's import filter is not public; the guide names Type Room/Desk
        "hcp_imports": has_hcp_type(room),
        "problem": problem,
    }


def room_rows(rooms: Iterable[dict[str, Any]], problem: Any = None) -> dict[str, Any]:
    """``{"rooms": [first EVIDENCE_CAP rows], "total": n}``; ``problem``: a text or a function of a room."""
    rooms = list(rooms)
    rows = [room_row(r, problem(r) if callable(problem) else problem) for r in rooms[:EVIDENCE_CAP]]
    return {"rooms": rows, "total": len(rooms)}


#: Older TOPdesks page ``/locations`` with ``start``/``page_size`` and cap a page at 100 (fidelity audit
#: P8: techspaceco/topdesk-go and UGDSB.PS.Topdesk loop while the answer is 206).
LEGACY_PAGE_SIZE = 100


def _legacy_pages(ctx: Context, query: str, cap: int) -> list[dict[str, Any]]:
    """The branch's rooms from a TOPdesk that answered 206: one partial page is never the whole branch."""
    ctx.client.detect("This TOPdesk pages /locations the older way (start/page_size, 206 for a partial page); "
                      "the tool read every page.")
    items = ctx.client.iter_items("/locations", paging=Paging.START, page_size=LEGACY_PAGE_SIZE,
                                  max_pages=cap // LEGACY_PAGE_SIZE + 1,
                                  params={"query": query, "$fields": ROOM_FIELDS})
    return [r for r in items if isinstance(r, dict)]


def _records(data: Any, path: str) -> list[dict[str, Any]]:
    """A list endpoint's records; 204 (None) is an empty list; anything else is a bad answer."""
    if data is None:
        return []
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        return list(data)
    from topdesk_preflight.errors import BadResponseError

    raise BadResponseError(f"GET /tas/api{path} did not return a list of records", path=f"/tas/api{path}")
