"""What the HCP operator's rights let it read: its permission groups, and one record of each list HCP needs.

The Supporting Files API does not say what a permission group grants (docs/topdesk-api.md
§6.3), so the permission checks report the groups by name and prove each right the only
read-only way there is: by reading a little of what it guards. The requests live here, so
``permissions.py`` holds only verdicts. A probe returns nothing: it proves its list readable
by not raising, and a refusal is the client's PermissionDenied.
"""

from __future__ import annotations

from typing import Any, Callable, Union
from urllib.parse import quote

from attrs import frozen

from topdesk_preflight.checks._operator_facts import Operator, current_operator
from topdesk_preflight.checks._property_facts import branch_lookup
from topdesk_preflight.context import Context
from topdesk_preflight.errors import PermissionDenied, TopdeskError, records_of
from topdesk_preflight.fiql import eq, id_value

NIL_UUID = "00000000-0000-0000-0000-000000000000"

#: A named set of reads a check runs at once with ``ctx.gather``: each raises when its list is not readable.
Probes = dict[str, Callable[[], None]]


# ------------------------------------------------------------------------------------ permission groups

@frozen
class GroupsLinked:
    """The names of the operator's permission groups (empty when none is linked: 204 or ``[]``)."""

    names: tuple[str, ...]


@frozen
class GroupsRefused:
    """403 on the groups: this account may not read them, which HCP does not need ([I] §6.3)."""

    status: int
    text: str  # the client's account of the refusal, for the report's details


GroupsRead = Union[GroupsLinked, GroupsRefused]


def permission_groups(ctx: Context, operator: Operator) -> GroupsRead:
    """``GET /operators/id/{id}/permissiongroups`` (§6.3); any error but a 403 raises the client's error."""
    path = f"/operators/id/{quote(operator.id, safe='')}/permissiongroups"
    try:
        data = ctx.client.get_json(path)
    except PermissionDenied as error:
        return GroupsRefused(status=error.status, text=str(error))
    groups = records_of(data, f"/tas/api{path}")
    return GroupsLinked(names=tuple(str(g.get("name") or g.get("id")) for g in groups))


# ----------------------------------------------------------------------------------------------- probes

def supporting_files_probes(ctx: Context) -> Probes:
    """Branches, rooms (locations), persons and operators, each asked for at most one record."""
    return {
        "branches": lambda: probe_branches(ctx),
        "locations": lambda: probe_list(ctx, "/locations", {"$fields": "id", "pageSize": 1}),
        "persons": lambda: probe_list(ctx, "/persons", {"$fields": "id", "page_size": 1}),
        "operators": lambda: probe_list(ctx, "/operators", {"fields": "id", "page_size": 1}),
    }


def reservation_probes(ctx: Context) -> Probes:
    """``/reservations`` and ``/reservableLocations``, the list HCP most likely imports from ([I] §8)."""
    return {
        "reservations": lambda: probe_partial(ctx, "/reservations", {"$fields": "id", "$top": 1}),
        "reservableLocations": lambda: probe_partial(ctx, "/reservableLocations", {"$fields": "id", "$top": 1}),
    }


def probe_list(ctx: Context, path: str, params: dict[str, Any]) -> None:
    """Read one record of a list; only a list (or TOPdesk's ``{"results": [...]}``) proves it is readable.

    A 200 with some other JSON (a proxy's answer, a string) proves nothing about the
    permission, so it raises BadResponseError naming the path instead of passing.
    """
    records_of(ctx.client.get_json(path, params), f"/tas/api{path}", keys=("results", "item"))


def probe_partial(ctx: Context, path: str, params: dict[str, Any]) -> None:
    """Like :func:`probe_list`, but a 206 proves the list readable whatever its body.

    Reservations 2.0.0 documents 206 ("larger than could be shown") without content,
    so a tenant with two reservations may answer ``$top=1`` with an empty 206
    (fidelity audit P1): TOPdesk let the operator read, which is all this asks.
    """
    response = ctx.client.fetch(path, params)
    if response.status == 206:
        return
    records_of(ctx.client.decode(response), f"/tas/api{path}", keys=("results", "item"))


def probe_branches(ctx: Context) -> None:
    """The configured branch's own look-up when there is one (shared with branch.exists), else one row.

    ``/branches`` has no paging parameter (docs/topdesk-api.md §3.1), so the probe is filtered
    on the operator's own branch id, which returns at most one branch.
    """
    if ctx.settings.branch:
        branch_lookup(ctx)  # only as a probe: it raises when branches are unreadable
        return
    try:
        branch = current_operator(ctx).branch
        branch_id = branch.id if branch else NIL_UUID
    except TopdeskError:
        branch_id = NIL_UUID
    ctx.client.get_json("/branches", {"$fields": "id", "query": eq("id", id_value(branch_id))})
