"""The property side's facts in one import: the configured branch and its rooms.

They live in two modules split along the one seam they have: the branch
(checks/_branch_facts.py: the ``/branches`` look-ups, :class:`Branch`) is needed on its
own, by ``branch.exists`` and as ``permissions.supporting_files``' readability probe; the
rooms (checks/_room_facts.py: ``/locations``, ``/locations/types``, :class:`Room`) are
fetched once the branch is known. This module keeps the name every caller already
imports from (``from topdesk_preflight.checks._property_facts import branch_lookup``).
"""

from __future__ import annotations

from topdesk_preflight.checks._branch_facts import (
    BRANCH_FIELDS, QUERY_IGNORED_DETECTED, Branch, BranchLookup, active_branch_names, archived_by,
    branch_lookup, configured_branch, same_name,
)
from topdesk_preflight.checks._room_facts import (
    EVIDENCE_CAP, LOOKUP_FIELDS, ROOM_FETCH_CAP, ROOM_FIELDS, RoomBranch, Room, RoomList, RoomRow,
    branch_rooms, room_rows, room_type_names, rooms_named,
)

__all__ = [
    "BRANCH_FIELDS", "EVIDENCE_CAP", "LOOKUP_FIELDS", "QUERY_IGNORED_DETECTED", "ROOM_FETCH_CAP",
    "ROOM_FIELDS", "Branch", "BranchLookup", "RoomBranch", "Room", "RoomList", "RoomRow",
    "active_branch_names", "archived_by", "branch_lookup", "branch_rooms", "configured_branch",
    "room_rows", "room_type_names", "rooms_named", "same_name",
]
