"""The whole catalogue on each of the guide's troubleshooting entries and preparation steps.

One sandbox scenario per entry breaks exactly what the guide describes; the full
run must name the right root cause, block its symptoms, and tell the admin which
concrete object to fix (the room, the branch, the email, the card), in the guide's words.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from topdesk_preflight.guide import MENU_ROOM_TYPE
from topdesk_preflight.model import Status, Step
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import Sandbox

#: scenario -> (readiness, root causes, warnings, words the root causes' remediation must contain)
EXPECTED: dict[str, tuple[str, list[str], list[str], list[str]]] = {
    "healthy": ("ready", [], [], []),
    # "The Type dropdown is empty when creating a room"
    "types_missing": ("not_ready", ["rooms.types_defined"], [], [MENU_ROOM_TYPE, "Room", "Desk"]),
    # "Rooms created in TOPdesk do not appear when importing into HCP": no type, wrong branch, permissions
    "rooms_untyped": ("not_ready", ["rooms.typed"], [],
                      ["Open the room Aurora 2.08 in branch HQ Stockholm, set Type to Room or Desk, save.",
                       "Nebula 5.01"]),
    "rooms_wrong_branch": ("not_ready", ["rooms.present", "rooms.branch_mismatch"], [],
                           ["Aurora 2.08 (now in branch Branch Göteborg)", "set its branch to HQ Stockholm"]),
    "no_reservations_permission": ("not_ready", ["permissions.reservations"], [],
                                   ["Reservation Management", "create / read / update / delete"]),
    "rooms_not_reservable": ("not_ready", ["rooms.reservable"], [], ["Reservation management", "check Reservable"]),
    "no_rooms": ("not_ready", ["rooms.present"], [], ["'HQ Stockholm'", "New Room"]),
    # "Operator cannot log in to TOPdesk", "Application password is lost or expired",
    # "HCP cannot connect to TOPdesk after completing preparation"
    "login_disabled": ("not_ready", ["auth.credentials"], [], ["login status is set to active"]),
    "operator_archived": ("not_ready", ["auth.credentials"], [], ["not archived"]),
    "app_password_expired": ("not_ready", ["auth.credentials"], [], ["application password",
                                                                     "HCP's TOPdesk connection settings"]),
    "no_api_access": ("not_ready", ["auth.credentials"], [], ["API Access", "REST API"]),
    "person_login": ("not_ready", ["auth.credentials"], [], ["operator", "not of its linked person"]),
    # Preparation steps
    "branch_missing": ("not_ready", ["branch.exists"], ["person.linked"],
                       ["Branch settings", "'HQ-Stockholm'", "'HQ Stockholm North'"]),
    "branch_archived": ("not_ready", ["branch.exists"], [], ["HQ Stockholm"]),
    "operator_wrong_branch": ("not_ready", ["operator.branch"], [],
                              ["choose the branch 'HQ Stockholm'", "Branch Göteborg"]),
    "operator_no_email": ("not_ready", ["operator.account"], [], ["email"]),
    "email_duplicate": ("not_ready", ["operator.email_unique"], [],
                        ["operator card 'Shared Helpdesk'", "person card 'Hanna Cederqvist'", "hcp@acme.example"]),
    "person_missing": ("not_ready", ["person.linked"], [], ["Linked Operator", "hcp@acme.example"]),
    "person_mismatch": ("not_ready", ["person.linked"], [], ["set the email to hcp@acme.example",
                                                             "'HCP Servicedesk'"]),
    "person_archived": ("not_ready", ["person.linked"], [], ["Restore (un-archive) the person card 'HCP Service'"]),
    "api_account": ("ready", [], ["person.linked"], []),
    "no_permission_group": ("not_ready", ["permissions.group"], [], ["Link Wizard"]),
    "permission_groups_unreadable": ("ready", [], ["permissions.group"], []),
    "three_root_causes": ("not_ready", ["branch.exists", "person.linked", "permissions.reservations"], [], []),
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(scenario="healthy") as sb:
        yield sb


@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_the_whole_catalogue_names_the_cause_and_what_to_fix(sandbox: Sandbox, scenario: str) -> None:
    readiness, roots, warnings, words = EXPECTED[scenario]
    sandbox.load(scenario)
    sandbox.clear_requests()
    report = run_preflight(sandbox.settings(app_password_expires=None))

    assert report.readiness == readiness
    assert [r.id for r in report.root_causes] == roots
    assert [r.id for r in report.results if r.status is Status.WARN] == warnings
    assert not [r.id for r in report.results if r.status is Status.ERROR]
    remediation = " ".join(step for r in report.root_causes for step in r.remediation)
    for word in words:
        assert word in remediation, f"{scenario}: the remediation should name {word!r}"
    for result in report.results:
        if result.status is not Status.PASS:
            assert result.remediation or result.status is Status.SKIPPED, f"{result.id} says nothing to do"
        for step in result.remediation:
            assert Step.parse(step).actor, f"{result.id}: every step says who acts: {step!r}"
    assert {r.method for r in sandbox.requests} <= {"GET", "HEAD"}


def test_symptoms_of_a_missing_branch_are_blocked_by_it_not_listed_as_causes(sandbox: Sandbox) -> None:
    sandbox.load("branch_missing")
    report = run_preflight(sandbox.settings())
    blocked = [r.id for r in report.blocked_by("branch.exists")]
    assert blocked == ["operator.branch", "rooms.present", "rooms.typed", "rooms.branch_mismatch",
                       "rooms.reservable"]
    assert report.result("rooms.typed").summary == "skipped: branch.exists fail"
    assert report.result("rooms.reservable").summary == "skipped: rooms.present skipped"  # traced through it


def test_a_failed_login_skips_every_authenticated_check_naming_it(sandbox: Sandbox) -> None:
    sandbox.load("app_password_expired")
    report = run_preflight(sandbox.settings())
    skipped = {r.id for r in report.results if r.status is Status.SKIPPED}
    assert skipped == {r.id for r in report.results} - {"network.dns", "network.tcp", "network.tls",
                                                         "api.reachable", "auth.credentials",
                                                         "auth.app_password_expiry"}
    assert all("auth.credentials" in report.result(i).summary for i in skipped
               if "auth.credentials" in report.result(i).depends_on)
