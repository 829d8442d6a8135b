"""Scenarios: named TOPdesk instances, ``healthy`` and one per thing that can be wrong.

Each failure scenario is ``healthy`` with one thing broken, so a check that fails there fails for that
reason alone; ``demo`` and ``three_root_causes`` mix several. The names are a contract: the checks' tests,
``--demo`` and HCP support tooling refer to them. ``build_scenario(name)`` returns a fresh State every
call, so a test may change it freely.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, UTC
from typing import Callable

from attrs import frozen

from topdesk_preflight.sandbox.model import (
    ALL_PERMISSIONS, SUPPORTING_FILES_READ, AppPassword, Branch, Location, Operator, Person, Reservation,
    Searchlist, State, stable_id,
)

DEMO_PASSWORD = "sandbox-demo-app-password"  # a throwaway password for a throwaway server
SERVICE_LOGIN = "hcp-svc"
SERVICE_EMAIL = "hcp@acme.example"
HQ = "HQ Stockholm"
GOTEBORG = "Branch Göteborg"


@frozen
class Scenario:
    """A named way to build a State, with the one line ``--list`` shows."""

    name: str
    description: str
    build: Callable[[State], None]  # breaks a fresh healthy State in place (or replaces its contents)

    def __call__(self, password: str = DEMO_PASSWORD) -> State:
        state = healthy_state(password)
        state.description = self.description
        self.build(state)
        return state


# ------------------------------------------------------------------------------------------ healthy

def _branch(name: str, archived: bool = False) -> Branch:
    return Branch(stable_id("branch", name), name, archived=archived)


def _location(name: str, number: str, branch: Branch, type_: Searchlist | None, capacity: int | None,
              reservable: bool = True, archived: bool = False, zone: Searchlist | None = None) -> Location:
    return Location(stable_id("location", name), name, number, branch, type_, capacity, zone,
                    reservable=reservable, visible_in_ssd=reservable, reservable_in_ssd=reservable,
                    archived=archived)


def _person(first: str, sur: str, email: str, branch: Branch, archived: bool = False) -> Person:
    return Person(stable_id("person", f"{first} {sur} {email} {archived}"), first, sur, email, branch,
                  archived=archived)


def _operator(login: str, first: str, sur: str, email: str, branch: Branch, **kw: object) -> Operator:
    return Operator(stable_id("operator", login), login, first, sur, email, branch, **kw)  # type: ignore[arg-type]


def healthy_state(password: str = DEMO_PASSWORD) -> State:
    """An instance that is ready for HCP: every check passes against it."""
    hq, goteborg, old = _branch(HQ), _branch(GOTEBORG), _branch("Old Office", archived=True)
    room, desk, storage = (Searchlist(stable_id("type", n), n) for n in ("Room", "Desk", "Storage"))
    floors = {n: Searchlist(stable_id("zone", n), f"Floor {n}") for n in ("1", "2", "3", "4", "5")}
    locations = [
        _location("Aurora 2.08", "2.08", hq, room, 8, zone=floors["2"]),
        _location("Borealis 2.10", "2.10", hq, room, 6, zone=floors["2"]),
        _location("Hot desk 3.01", "3.01", hq, desk, 1, zone=floors["3"]),
        _location("Cirrus 4.02", "4.02", hq, room, 12, zone=floors["4"]),
        _location("Old Aurora 2.07", "2.07", hq, room, 8, archived=True, zone=floors["2"]),
        _location("Fjord 1.01", "1.01", goteborg, room, 10, zone=floors["1"]),
        _location("Skerry 1.02", "1.02", goteborg, desk, 1, zone=floors["1"]),
        _location("Archive store B1", "B1", goteborg, storage, None, reservable=False),
    ]
    service_person = _person("HCP", "Service", SERVICE_EMAIL, hq)
    anna_person = _person("Anna", "Admin", "anna.admin@acme.example", hq)
    persons = [
        service_person, anna_person,
        _person("Carl", "Caller", "carl.caller@acme.example", hq),
        _person("Greta", "Gustafsson", "greta@acme.example", goteborg),
        # an archived card that once had the service email: never a duplicate (docs/design.md §1.2)
        _person("HCP", "Service (old)", SERVICE_EMAIL, old, archived=True),
    ]
    group = Searchlist(stable_id("permissiongroup", "HCP integration"), "HCP integration")
    groups = [group, Searchlist(stable_id("permissiongroup", "Service desk"), "Service desk"),
              Searchlist(stable_id("permissiongroup", "Facility management"), "Facility management")]
    expires = date.today() + timedelta(days=365)
    service = _operator(SERVICE_LOGIN, "HCP", "Service", SERVICE_EMAIL, hq, linked_person=service_person,
                        reservations_operator=True,
                        app_passwords=[AppPassword("HCP", password, expires)],
                        permission_groups=[group], permissions=set(ALL_PERMISSIONS))
    operators = [
        service,
        _operator("aadmin", "Anna", "Admin", "anna.admin@acme.example", hq, linked_person=anna_person,
                  permission_groups=[groups[1]], permissions=set(ALL_PERMISSIONS)),
        _operator("bberg", "Bo", "Berg", "bo.berg@acme.example", goteborg, permissions=set(ALL_PERMISSIONS)),
        _operator("oldop", "Olle", "Oldtimer", "olle@acme.example", old, archived=True),
    ]
    start = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    reservation = Reservation(stable_id("reservation", "R 2301 001"), "R 2301 001", "Weekly sync",
                              locations[0], service_person, start, start + timedelta(hours=1), operator=service)
    return State(branches=[hq, goteborg, old], location_types=[room, desk, storage], locations=locations,
                 operators=operators, persons=persons, permission_groups=groups, reservations=[reservation],
                 login=SERVICE_LOGIN, password=password, branch=HQ, email=SERVICE_EMAIL,
                 app_password_expires=expires)


# ----------------------------------------------------------------------------------------- breakers

def _healthy(state: State) -> None:
    """Every setting given, as a careful user would: every check verifies something and passes."""
    state.rooms = ("Aurora 2.08", "Borealis 2.10")


def _types_missing(state: State) -> None:
    state.location_types = [t for t in state.location_types if t.name not in ("Room", "Desk")]
    for location in state.locations:
        if location.type is not None and location.type.name in ("Room", "Desk"):
            location.type = None


def _rooms_untyped(state: State) -> None:
    state.location_named("Aurora 2.08").type = None
    state.locations.append(_location("Nebula 5.01", "5.01", state.branch_named(HQ), None, 4))


def _rooms_wrong_branch(state: State) -> None:
    goteborg = state.branch_named(GOTEBORG)
    for location in state.locations:
        if location.branch.name == HQ and not location.archived:
            location.branch = goteborg
    state.rooms = ("Aurora 2.08", "Borealis 2.10")


def _no_rooms(state: State) -> None:
    state.locations = [loc for loc in state.locations if loc.branch.name != HQ]
    state.reservations = []


def _rooms_not_reservable(state: State) -> None:
    for location in state.locations:
        if location.branch.name == HQ:
            location.reservable = location.visible_in_ssd = location.reservable_in_ssd = False


def _branch_missing(state: State) -> None:
    hq = state.branch_named(HQ)
    hq.name, hq.id = "HQ Stockholm North", stable_id("branch", "HQ Stockholm North")
    state.branches.append(_branch("HQ-Stockholm"))


def _branch_archived(state: State) -> None:
    state.branch_named(HQ).archived = True


def _operator_wrong_branch(state: State) -> None:
    state.service_operator.branch = state.branch_named(GOTEBORG)


def _operator_no_email(state: State) -> None:
    state.service_operator.email = ""


def _email_duplicate(state: State) -> None:
    hq = state.branch_named(HQ)
    state.operators.append(_operator("helpdesk", "Shared", "Helpdesk", SERVICE_EMAIL, hq,
                                     permissions=set(ALL_PERMISSIONS)))
    state.persons.append(_person("Hanna", "Cederqvist", SERVICE_EMAIL, hq))


def _person_missing(state: State) -> None:
    person = state.service_operator.linked_person
    state.service_operator.linked_person = None
    state.persons = [p for p in state.persons if p is not person]
    state.reservations = []


def _person_mismatch(state: State) -> None:
    person = state.service_operator.linked_person
    assert person is not None
    person.sur_name, person.email = "Servicedesk", "hcp-service@acme.example"


def _person_archived(state: State) -> None:
    person = state.service_operator.linked_person
    assert person is not None
    person.archived = True


def _api_account(state: State) -> None:
    _person_missing(state)
    state.service_operator.api_account = True


def _no_permission_group(state: State) -> None:
    state.service_operator.permission_groups = []


def _drop_permissions(*names: str) -> Callable[[State], None]:
    def drop(state: State) -> None:
        state.service_operator.permissions = set(state.service_operator.permissions) - set(names)
    return drop


def _login_disabled(state: State) -> None:
    state.service_operator.login_permission = False


def _operator_archived(state: State) -> None:
    state.service_operator.archived = True


def _app_password_expired(state: State) -> None:
    operator = state.service_operator
    operator.app_passwords = [AppPassword(p.name, p.secret, date.today() - timedelta(days=10))
                              for p in operator.app_passwords]
    state.app_password_expires = date.today() - timedelta(days=10)


def _no_api_access(state: State) -> None:
    _drop_permissions("rest_api")(state)
    state.auth_error_style = "html"


def _person_login(state: State) -> None:
    person = state.service_operator.linked_person
    assert person is not None
    person.login_name, person.password = "hcp.service", state.password
    state.login = "hcp.service"


def _demo(state: State) -> None:
    _rooms_untyped(state)
    _no_permission_group(state)
    state.location_named("Borealis 2.10").reservable = False
    state.persons.append(_person("Hanna", "Cederqvist", SERVICE_EMAIL, state.branch_named(HQ)))


def _three_root_causes(state: State) -> None:
    _branch_missing(state)
    _person_missing(state)
    _drop_permissions("reservations")(state)


def _large(state: State) -> None:
    from topdesk_preflight.sandbox.bulk import add_bulk

    add_bulk(state)


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("healthy", "Ready for HCP: every check passes.", _healthy),
    Scenario("types_missing", "No Room or Desk location types exist; rooms are untyped.", _types_missing),
    Scenario("rooms_untyped", "Two rooms in HQ Stockholm (Aurora 2.08, Nebula 5.01) have no type.",
             _rooms_untyped),
    Scenario("rooms_wrong_branch", "The rooms sit under Branch Göteborg instead of HQ Stockholm.",
             _rooms_wrong_branch),
    Scenario("no_rooms", "The branch HQ Stockholm has no locations at all.", _no_rooms),
    Scenario("rooms_not_reservable", "The typed rooms in HQ Stockholm are not reservable.", _rooms_not_reservable),
    Scenario("branch_missing", "No branch HQ Stockholm; close names HQ Stockholm North and HQ-Stockholm exist.",
             _branch_missing),
    Scenario("branch_archived", "The branch HQ Stockholm is archived.", _branch_archived),
    Scenario("operator_wrong_branch", "The service operator belongs to Branch Göteborg.", _operator_wrong_branch),
    Scenario("operator_no_email", "The service operator has no email address.", _operator_no_email),
    Scenario("email_duplicate", "Another active operator and person share hcp@acme.example.", _email_duplicate),
    Scenario("person_missing", "The service operator has no linked person.", _person_missing),
    Scenario("person_mismatch", "The linked person has another email and name.", _person_mismatch),
    Scenario("person_archived", "The linked person is archived.", _person_archived),
    Scenario("api_account", "The service operator is an API account without a linked person.", _api_account),
    Scenario("no_permission_group", "No permission group is linked to the service operator (204).",
             _no_permission_group),
    Scenario("permission_groups_unreadable", "The operator may not read permission groups (403).",
             _drop_permissions("permission_groups.read")),
    Scenario("no_reservations_permission", "No Reservation Management permission: 403 on reservations.",
             _drop_permissions("reservations")),
    Scenario("no_supporting_files_read", "No read permission on branches, locations, persons, operators.",
             _drop_permissions(*SUPPORTING_FILES_READ)),
    Scenario("login_disabled", "The service operator may not log in (loginPermission false): 401.",
             _login_disabled),
    Scenario("operator_archived", "The service operator is archived: 401.", _operator_archived),
    Scenario("app_password_expired", "The application password expired 10 days ago: 401.", _app_password_expired),
    Scenario("no_api_access", "No 'REST API' permission: 401 with TOPdesk's HTML page.", _no_api_access),
    Scenario("person_login", "The credentials are a person's, not an operator's: 403.", _person_login),
    Scenario("demo", "Not ready: untyped rooms, no permission group, a room not reservable, a duplicate email.",
             _demo),
    Scenario("three_root_causes", "Branch missing, person missing and no reservations permission.",
             _three_root_causes),
    Scenario("large", "Healthy plus 100,000 locations, 20,000 operators, 50,000 persons in ~200 branches.", _large),
)}


def build_scenario(name: str, password: str = DEMO_PASSWORD) -> State:
    """A fresh State for the named scenario; a KeyError names the known ones."""
    try:
        scenario = SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown sandbox scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
    return scenario(password)
