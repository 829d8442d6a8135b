"""permissions.*: the HCP operator's permission group, and what it can read (proven by reading)."""

from __future__ import annotations

import pytest

from topdesk_preflight.guide import PERMISSIONS_NEEDED
from topdesk_preflight.model import Actor, EVIDENCE_PERMISSION_GROUPS, Status
from topdesk_preflight.sandbox import Fault
from topdesk_preflight.sandbox.model import ALL_PERMISSIONS

GROUP = "permissions.group"
FILES = "permissions.supporting_files"
RESERVATIONS = "permissions.reservations"


def topdesk_steps(result) -> list[str]:
    return [step for step in result.remediation if step.startswith(Actor.TOPDESK + ": ")]


# ------------------------------------------------------------------------------------ permissions.group

def test_a_linked_permission_group_passes_and_is_named_for_the_support_ticket(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    report = run(sb, GROUP)
    result = report.result(GROUP)
    assert result.status is Status.PASS
    assert "HCP integration" in result.summary
    assert result.evidence[EVIDENCE_PERMISSION_GROUPS] == ["HCP integration"]
    assert report.ticket.permission_groups == ("HCP integration",)


def test_no_linked_group_fails_with_the_link_wizard_steps(sandbox_factory, run):
    sb = sandbox_factory("no_permission_group")
    result = run(sb, GROUP).result(GROUP)
    assert result.status is Status.FAIL
    assert "No permission group is linked to the operator 'hcp-svc'" == result.summary
    steps = topdesk_steps(result)
    assert any("Link Wizard" in s and "'hcp-svc'" in s for s in steps)
    assert any(PERMISSIONS_NEEDED in s for s in steps)
    assert result.evidence[EVIDENCE_PERMISSION_GROUPS] == []


def test_unreadable_permission_groups_warn_that_they_cannot_be_verified(sandbox_factory, run):
    sb = sandbox_factory("permission_groups_unreadable")
    result = run(sb, GROUP).result(GROUP)
    assert result.status is Status.WARN
    assert result.summary.startswith("cannot verify: this account may not read permission groups")
    confirm, = topdesk_steps(result)
    assert PERMISSIONS_NEEDED in confirm and "'hcp-svc'" in confirm
    assert result.evidence["http_status"] == 403


@pytest.mark.parametrize("fault", [Fault.status(500), Fault.html()], ids=["500", "html"])
def test_a_misbehaving_permission_group_endpoint_is_an_error(sandbox_factory, run, fault):
    sb = sandbox_factory("healthy")
    sb.inject("/tas/api/operators/id/*/permissiongroups", fault)
    result = run(sb, GROUP).result(GROUP)
    assert result.status is Status.ERROR
    assert "permissiongroups" in result.summary


def test_group_is_skipped_when_the_operator_account_fails(sandbox_factory, run):
    sb = sandbox_factory("operator_no_email")
    report = run(sb, GROUP)
    assert report.result("operator.account").status is Status.FAIL
    assert report.result(GROUP).status is Status.SKIPPED
    assert "operator.account" in report.result(GROUP).summary


# ------------------------------------------------------------------------- permissions.supporting_files

def test_readable_supporting_files_pass_and_say_what_cannot_be_proven(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, FILES).result(FILES)
    assert result.status is Status.PASS
    assert result.evidence["probes"] == {name: "readable"
                                         for name in ("branches", "locations", "persons", "operators")}
    assert any("cannot be proven" in d for d in result.details)


def test_each_probe_asks_for_at_most_one_record(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    run(sb, FILES, branch=None)
    queries = {r.path: r.query for r in sb.requests}
    assert "pageSize=1" in queries["/tas/api/locations"]
    assert "page_size=1" in queries["/tas/api/persons"]
    assert "page_size=1" in queries["/tas/api/operators"]
    assert "query=id" in queries["/tas/api/branches"]  # /branches has no paging: filtered to one id


def test_no_supporting_files_read_fails_listing_every_unreadable_list(sandbox_factory, run):
    sb = sandbox_factory("no_supporting_files_read")
    result = run(sb, FILES).result(FILES)
    assert result.status is Status.FAIL
    for name in ("branches", "locations", "persons", "operators"):
        assert name in result.summary
        assert result.evidence["probes"][name] == 403
    step, = topdesk_steps(result)
    assert "Supporting Files permissions" in step and "read / write / create / delete / archive" in step


def test_one_unreadable_list_is_named_alone(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    sb.state.service_operator.permissions = set(ALL_PERMISSIONS) - {"supporting_files.read", "persons.read"}
    result = run(sb, FILES).result(FILES)
    assert result.status is Status.FAIL
    assert result.evidence["denied"] == ["persons"]
    assert "persons" in result.summary and "branches" not in result.summary


@pytest.mark.parametrize("fault", [Fault.status(500), Fault.html()], ids=["500", "html"])
def test_a_misbehaving_list_is_an_error(sandbox_factory, run, fault):
    sb = sandbox_factory("healthy")
    sb.inject("/tas/api/locations", fault)
    result = run(sb, FILES).result(FILES)
    assert result.status is Status.ERROR
    assert "/tas/api/locations" in result.summary


def test_supporting_files_is_skipped_when_the_login_is_refused(sandbox_factory, run):
    sb = sandbox_factory("app_password_expired")
    result = run(sb, FILES).result(FILES)
    assert result.status is Status.SKIPPED
    assert "auth.credentials" in result.summary


# ----------------------------------------------------------------------------- permissions.reservations

def test_readable_reservations_pass(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, RESERVATIONS).result(RESERVATIONS)
    assert result.status is Status.PASS
    assert result.evidence["probes"] == {"reservations": "readable", "reservableLocations": "readable"}
    paths = {r.path: r.query for r in sb.requests}
    assert "top=1" in paths["/tas/api/reservations"] and "top=1" in paths["/tas/api/reservableLocations"]


def test_no_reservation_management_fails_with_the_guide_step(sandbox_factory, run):
    sb = sandbox_factory("no_reservations_permission")
    result = run(sb, RESERVATIONS).result(RESERVATIONS)
    assert result.status is Status.FAIL
    assert "Reservation Management" in result.summary
    assert result.evidence["denied"] == ["reservations", "reservableLocations"]
    step, = topdesk_steps(result)
    assert "Reservation Management" in step and "create / read / update / delete" in step


@pytest.mark.parametrize("fault", [Fault.status(500), Fault.html()], ids=["500", "html"])
def test_a_misbehaving_reservations_endpoint_is_an_error(sandbox_factory, run, fault):
    sb = sandbox_factory("healthy")
    sb.inject("/tas/api/reservableLocations", fault)
    result = run(sb, RESERVATIONS).result(RESERVATIONS)
    assert result.status is Status.ERROR
    assert "/tas/api/reservableLocations" in result.summary


def test_reservations_is_skipped_when_the_login_is_a_persons(sandbox_factory, run):
    sb = sandbox_factory("person_login")
    result = run(sb, RESERVATIONS).result(RESERVATIONS)
    assert result.status is Status.SKIPPED
