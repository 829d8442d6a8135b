"""The sandbox's in-memory TOPdesk instance: branches, rooms, operators, persons and what they may do.

Records are slotted attrs classes and deliberately *mutable*: a scenario starts from ``healthy`` and
breaks one thing (``operator.login_permission = False``), and a test may do the same on a running
sandbox (``sb.state.operator("hcp-svc").archived = True``). Records point at each other (a location
holds its :class:`Branch` object), so renaming a branch shows up everywhere, as in TOPdesk.
Nothing here knows TOPdesk's JSON shapes; ``views.py`` renders them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import AbstractSet, Any, Callable, Sequence
from uuid import NAMESPACE_URL, uuid5

from attrs import define, field, frozen

#: The module permissions the sandbox understands (an operator's permission groups grant these).
#: ``rest_api`` is "API access → REST API"; ``supporting_files.read`` grants every ``*.read`` below.
ALL_PERMISSIONS = frozenset({
    "rest_api", "reservations", "supporting_files.read", "permission_groups.read", "operators.read",
    "persons.read", "branches.read", "locations.read",
})
SUPPORTING_FILES_READ = frozenset({
    "supporting_files.read", "operators.read", "persons.read", "branches.read", "locations.read",
})
OLD_DATE = datetime(2020, 9, 29, 21, 8, 30)

_NAMESPACE = uuid5(NAMESPACE_URL, "https://github.com/topdesk-preflight/sandbox")


def stable_id(kind: str, name: str) -> str:
    """A deterministic UUID for a named record, so ids are the same in every run and every test."""
    return str(uuid5(_NAMESPACE, f"{kind}:{name}"))


@define(slots=True, eq=False)
class Searchlist:
    """A dropdown value (``SearchlistDto`` = ``{id, name}``): location types, zones, permission groups."""

    id: str
    name: str


@define(slots=True, eq=False)
class Branch:
    id: str
    name: str
    archived: bool = False
    time_zone: str = "Europe/Stockholm"
    client_reference_number: str = ""
    creation_date: datetime = OLD_DATE

    @property
    def status(self) -> str:
        # "branch"/"branchArchived": a guess by analogy with operators, persons [I] (docs/topdesk-api.md §4)
        return "branchArchived" if self.archived else "branch"


@define(slots=True, eq=False)
class Location:
    id: str
    name: str
    room_number: str
    branch: Branch
    type: Searchlist | None = None
    capacity: int | None = None
    building_zone: Searchlist | None = None
    reservable: bool = False
    requires_approval: bool = False
    visible_in_ssd: bool = False
    reservable_in_ssd: bool = False
    archived: bool = False
    creation_date: datetime = OLD_DATE

    @property
    def status(self) -> str:
        # "location"/"locationArchived" is a guess by analogy [I] (docs/topdesk-api.md §5)
        return "locationArchived" if self.archived else "location"


@define(slots=True, eq=False)
class Person:
    id: str
    first_name: str
    sur_name: str
    email: str
    branch: Branch
    archived: bool = False
    login_name: str = ""  # tasLoginName; a person who can log in (SSP) has one
    password: str | None = field(default=None, repr=False)  # lets a person log in: the person_login case
    creation_date: datetime = OLD_DATE

    @property
    def dynamic_name(self) -> str:
        return f"{self.first_name} {self.sur_name}".strip()

    @property
    def status(self) -> str:
        return "personArchived" if self.archived else "person"  # [C-peer] docs/topdesk-api.md §6.2


@define(slots=True, eq=False)
class BranchFilter:
    """An operator's branch filter card (``FilterDto`` = ``{id, name, applicable}``): the branches it lets through."""

    id: str
    name: str
    branches: Sequence[Branch] = ()
    applicable: str | None = None  # what TOPdesk puts here is not documented [I]


@frozen
class AppPassword:
    """An application password; TOPdesk shows its expiry only in the UI (docs/topdesk-api.md §1.3)."""

    name: str
    secret: str = field(repr=False)
    expires: date


@define(slots=True, eq=False)
class Operator:
    id: str
    login_name: str
    first_name: str
    sur_name: str
    email: str
    branch: Branch
    linked_person: Person | None = None
    archived: bool = False
    login_permission: bool = True
    api_account: bool = False
    account_type: str = "regular"
    reservations_operator: bool = False
    creation_date: datetime = OLD_DATE
    app_passwords: Sequence[AppPassword] = ()
    permission_groups: Sequence[Searchlist] = ()
    permissions: AbstractSet[str] = frozenset()
    prefixes: str = ""  # Dutch tussenvoegsel ("van"), OperatorDto ``prefixes``
    #: Branch filters on this operator: lists show only records of their branches (docs/topdesk-api.md §6.4).
    branch_filters: Sequence[BranchFilter] = ()

    @property
    def dynamic_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.prefixes, self.sur_name) if part)

    @property
    def status(self) -> str:
        return "operatorArchived" if self.archived else "operator"  # [C-peer] docs/topdesk-api.md §6.1

    def may(self, permission: str) -> bool:
        """Whether this operator holds a module permission (``supporting_files.read`` implies each read)."""
        if permission in self.permissions:
            return True
        return permission in SUPPORTING_FILES_READ and "supporting_files.read" in self.permissions


@define(slots=True, eq=False)
class Reservation:
    id: str
    number: str
    brief_description: str
    location: Location
    requester: Person
    planned_start: datetime
    planned_end: datetime
    status: str = "planned"
    archived: bool = False
    operator: Operator | None = None


@define(eq=False)
class State:
    """One simulated TOPdesk instance, plus what the user would type into HCP's wizard for it.

    ``login`` / ``password`` are the credentials the scenario hands out (the HCP service operator's, or a
    person's in ``person_login``); ``branch`` and ``email`` are what the user configures.
    """

    branches: list[Branch] = field(factory=list)
    location_types: list[Searchlist] = field(factory=list)
    locations: list[Location] = field(factory=list)
    operators: list[Operator] = field(factory=list)
    persons: list[Person] = field(factory=list)
    permission_groups: list[Searchlist] = field(factory=list)
    reservations: list[Reservation] = field(factory=list)
    auth_error_style: str = "json"  # json | text | html (docs/topdesk-api.md §1.2)
    version: str = "3.7.4"
    product_version: tuple[int, int, int] = (16, 6, 7)
    login: str = "hcp-svc"
    password: str = field(default="", repr=False)
    branch: str = "HQ Stockholm"
    email: str = "hcp@acme.example"
    rooms: tuple[str, ...] = ()  # room names the user expects (--room), when the scenario is about them
    #: The expiry date set when the application password was created, as the admin knows it
    #: (--app-password-expires); TOPdesk's API never shows it.
    app_password_expires: date | None = None
    description: str = ""
    #: Equality indexes, {collection: {selector: {casefolded value: [records]}}}, built by
    #: :meth:`build_indexes` for big read-only data (``large``); empty means every query scans.
    indexes: dict[str, dict[str, dict[str, list[Any]]]] = field(factory=dict, repr=False)

    def build_indexes(self) -> None:
        """Index what the checks filter big lists on, as a database would; rebuild after changing records.

        The index only narrows: every candidate still passes the full query, so a stale index
        could hide a record but never add a wrong one. Scenarios that tests mutate have none.
        """

        def by(records: list[Any], key: Callable[[Any], Any]) -> dict[str, list[Any]]:
            index: dict[str, list[Any]] = {}
            for record in records:
                value = key(record)
                if value is not None:
                    index.setdefault(str(value).casefold(), []).append(record)
            return index

        self.indexes = {
            "locations": {"branch.id": by(self.locations, lambda r: r.branch.id if r.branch else None)},
            "operators": {"email": by(self.operators, lambda r: r.email or None)},
            "persons": {"email": by(self.persons, lambda r: r.email or None)},
        }

    # -- look-ups used by scenarios and tests (first match; names are unique within a scenario) --
    def branch_named(self, name: str) -> Branch:
        return _first(self.branches, lambda b: b.name == name, f"branch {name!r}")

    def location_named(self, name: str) -> Location:
        return _first(self.locations, lambda loc: loc.name == name, f"location {name!r}")

    def type_named(self, name: str) -> Searchlist:
        return _first(self.location_types, lambda t: t.name == name, f"location type {name!r}")

    def operator(self, login_name: str) -> Operator:
        return _first(self.operators, lambda o: o.login_name == login_name, f"operator {login_name!r}")

    def person_with_email(self, email: str) -> Person:
        return _first(self.persons, lambda p: p.email == email, f"person with email {email!r}")

    @property
    def service_operator(self) -> Operator:
        """The HCP service operator (login ``hcp-svc``), whatever the scenario did to it."""
        return self.operator("hcp-svc")


def _first(records: Sequence, test, what: str):  # type: ignore[no-untyped-def]
    for record in records:
        if test(record):
            return record
    raise KeyError(f"the sandbox state has no {what}")
