"""Facts about the configured branch: the branch records carrying its name, and the names close to it.

The branch is the first fact of the property side: ``branch.exists`` judges it, three
more checks need its id, and the rooms are fetched the moment it is known
(checks/_room_facts.py). It is its own module because the branch look-up is the one fact
``permissions.supporting_files`` reads too (as a readability probe), without the rooms.

A :class:`Branch` is made only by :meth:`Branch.from_api`, the one place a ``/branches``
record is read; a check sees typed fields, never the record.
"""

from __future__ import annotations

from typing import Any, Iterable

from attrs import field, frozen

from topdesk_preflight import fiql
from topdesk_preflight.context import Context, prefetch
from topdesk_preflight.errors import records_of

#: Only names in the branch DTO (supporting files 2.7.11 ExtendedBranchDto): it has no ``archived``
#: key, so archived branches are told apart by the ``archived`` FIQL filter (fidelity audit P3, P7).
BRANCH_FIELDS = "id,name,status"
QUERY_IGNORED_DETECTED = ("This TOPdesk ignored the search filter (query) on {path} (Supporting Files API older "
                          "than 1.38.0?): the tool filtered the answer itself.")


def archived_by(flag: bool | None, status: str | None) -> bool:
    """Archived, by the ``archived`` flag or by a ``status`` such as ``branchArchived``.

    [I] docs/topdesk-api.md §4, §5: the status values are guessed by analogy with operators
    (``operatorArchived``), so both signals are honoured.
    """
    return flag is True or (status is not None and status.endswith("Archived"))


@frozen
class Branch:
    """A branch as TOPdesk answered it (``/branches``, ``/branches/lookup``; docs/topdesk-api.md §4).

    ``status`` and ``archived_flag`` are None when the record does not carry them:
    ExtendedBranchDto has a ``status`` but no ``archived`` key (§4), and a look-up
    result has neither.
    """

    id: str | None
    name: str | None
    status: str | None = None
    archived_flag: bool | None = None

    @classmethod
    def from_api(cls, record: dict[str, Any]) -> Branch:
        """Only text is an id, a name or a status, only a bool is a flag: anything else counts as absent."""
        raw_id, name, status, flag = (record.get(key) for key in ("id", "name", "status", "archived"))
        return cls(id=raw_id if isinstance(raw_id, str) else None,
                   name=name if isinstance(name, str) else None,
                   status=status if isinstance(status, str) else None,
                   archived_flag=flag if isinstance(flag, bool) else None)

    @property
    def archived(self) -> bool:
        return archived_by(self.archived_flag, self.status)

    def brief(self) -> dict[str, str | bool | None]:
        """The branch as evidence lists it: id and name, and the status and flag when TOPdesk sent them."""
        shown: dict[str, str | bool | None] = {"id": self.id, "name": self.name}
        if self.status is not None:
            shown["status"] = self.status
        if self.archived_flag is not None:
            shown["archived"] = self.archived_flag
        return shown


def _as_tuple(branches: Iterable[Branch]) -> tuple[Branch, ...]:
    return tuple(branches)


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
    active: tuple[Branch, ...] = field(converter=_as_tuple)
    archived: tuple[Branch, ...] = field(default=(), converter=_as_tuple)
    query_ignored: bool = False

    @property
    def matches(self) -> tuple[Branch, ...]:
        return self.active + self.archived

    @property
    def branch(self) -> Branch | None:
        """The active branch HCP will use: the exact spelling first, else one differing only in case."""
        exact = [b for b in self.active if b.name == self.given]
        candidates = exact or list(self.active)
        return candidates[0] if candidates else None


@prefetch(used_by=("branch.exists", "permissions.supporting_files"))
def branch_lookup(ctx: Context) -> BranchLookup | None:
    """The branches named like ``settings.branch`` (None when no branch was given). Raises client errors."""
    name = ctx.settings.branch
    if not name:
        return None

    def named(archived: bool) -> tuple[list[Branch], bool]:
        query = fiql.and_(fiql.eq("name", name), fiql.eq("archived", archived))
        records = records_of(ctx.client.get_json("/branches", {"$fields": BRANCH_FIELDS, "query": query}),
                             "/tas/api/branches")
        same = [b for b in map(Branch.from_api, records) if same_name(b.name, name)]
        if len(same) < len(records):
            ctx.client.detect(QUERY_IGNORED_DETECTED.format(path="/branches"))
        return same, len(same) < len(records)

    def fetch() -> BranchLookup:
        active, ignored = named(archived=False)
        if ignored:  # the filter did not apply, so neither did archived==false: trust the status only
            return BranchLookup(given=name, active=[b for b in active if not b.archived],
                                archived=[b for b in active if b.archived], query_ignored=True)
        if active:
            return BranchLookup(given=name, active=active)
        archived, ignored = named(archived=True)
        return BranchLookup(given=name, active=(), archived=archived, query_ignored=ignored)

    return ctx.once("property.branch", fetch)


def same_name(found: str | None, wanted: str) -> bool:
    """TOPdesk's ``==`` ignores case on most instances; a name that differs in more is another record."""
    return found is not None and found.strip().casefold() == wanted.strip().casefold()


def configured_branch(ctx: Context) -> Branch | None:
    """The configured branch if it exists and is active, else None."""
    lookup = branch_lookup(ctx)
    return lookup.branch if lookup else None


def active_branch_names(ctx: Context, *, top: int, starting_with: str | None = None) -> list[str]:
    """Names of active branches from one ``GET /branches/lookup``, which answers ids and names only.

    docs/topdesk-api.md §4. At most ``top`` come back (``$top``, §3.1); ``starting_with`` narrows them to a name
    prefix. An answer without a ``results`` list has no names. Raises client errors.
    """
    params: dict[str, str | int] = {"name": starting_with} if starting_with else {}
    params.update({"archived": "false", "$top": top})
    data = ctx.client.get_json("/branches/lookup", params)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        return []
    branches = [Branch.from_api(r) for r in results if isinstance(r, dict)]
    return [b.name for b in branches if b.name is not None]
