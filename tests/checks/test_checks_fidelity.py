"""Right verdicts on the TOPdesk a customer really runs, not only on the newest spec.

Each test reproduces one way a real instance differs (the fidelity audit's probe ids, P1-P15) and
states the verdict the data allows: the right one where the answer still carries it, an explicit
"cannot verify" where it does not, never a definite verdict on an absent signal.
"""

from __future__ import annotations

from topdesk_preflight.checks._branch_facts import BRANCH_FIELDS
from topdesk_preflight.checks._room_facts import ROOM_FIELDS
from topdesk_preflight.checks._person_facts import PERSON_FIELDS
from topdesk_preflight.model import Status
from topdesk_preflight.sandbox.faults import Fault


def branch_queries(sb) -> list[str]:
    return [r.query for r in sb.requests if r.path == "/tas/api/branches"]


# --- P3, P7: archived is a filter, not a field ----------------------------------------------------

def test_no_field_outside_the_specs_dtos_is_asked_for():
    assert "archived" not in BRANCH_FIELDS.split(",")  # ExtendedBranchDto has none
    assert "status" not in PERSON_FIELDS.split(",")  # PersonV2Dto has archived, not status
    assert "branch" in ROOM_FIELDS.split(",")  # asked for, never filled in: see P14


def test_an_active_branch_costs_one_request_filtered_on_archived_false(sandbox_factory, run):
    sb = sandbox_factory()
    assert run(sb, "branch.exists").result("branch.exists").status is Status.PASS
    [query] = branch_queries(sb)
    assert "archived%3D%3Dfalse" in query or "archived==false" in query


def test_an_archived_branch_is_found_through_the_archived_filter_not_a_field(sandbox_factory, run):
    sb = sandbox_factory("branch_archived")
    result = run(sb, "branch.exists").result("branch.exists")
    assert result.status is Status.FAIL and "is archived" in result.summary
    assert len(branch_queries(sb)) == 2  # archived==false found nothing, archived==true found it
    assert result.evidence["matches"] and all("archived" not in m for m in result.evidence["matches"])


# --- P14: a server that ignores query ----------------------------------------------------------------

def test_a_branch_list_that_ignored_the_filter_is_filtered_here_and_cannot_prove_active(sandbox_factory, run):
    sb = sandbox_factory()
    every_branch = [{"id": b.id, "name": b.name, "status": "branch"} for b in sb.state.branches]
    sb.inject("/tas/api/branches", Fault.status(200, every_branch))
    result = run(sb, "branch.exists").result("branch.exists")
    assert result.status is Status.WARN, result.summary
    assert result.evidence["query_ignored"] is True
    assert result.evidence["branch_name"] == "HQ Stockholm"
    assert [m["name"] for m in result.evidence["matches"]] == ["HQ Stockholm"]


def test_rooms_of_other_branches_in_an_unfiltered_answer_are_left_out(sandbox_factory, run):
    sb = sandbox_factory()
    other = next(b for b in sb.state.branches if b.name != "HQ Stockholm")
    stranger = {"name": "Elsewhere 9.99", "roomNumber": "9.99", "branch": {"id": other.id, "name": other.name},
                "type": None, "reservationManagement": {"reservable": False}}
    report = run(sb, "rooms.typed")
    baseline = report.result("rooms.typed").status
    assert baseline is Status.PASS
    sb.clear_requests()
    healthy_rooms = [
        {"name": loc.name, "roomNumber": loc.room_number, "branch": {"id": loc.branch.id, "name": loc.branch.name},
         "type": {"id": loc.type.id, "name": loc.type.name} if loc.type else None,
         "reservationManagement": {"reservable": loc.reservable}}
        for loc in sb.state.locations if loc.branch.name == "HQ Stockholm" and not loc.archived]
    sb.inject("/tas/api/locations", Fault.status(200, healthy_rooms + [stranger]))
    result = run(sb, "rooms.typed").result("rooms.typed")
    assert result.status is Status.PASS  # the untyped room of another branch is not this branch's problem
    assert any("ignored the search filter" in d for d in result.details)


# --- P1: /reservations 206 without a body -------------------------------------------------------------

def test_a_206_without_a_body_from_reservations_proves_it_readable(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject("/tas/api/reservations", Fault.status(206, b""))
    result = run(sb, "permissions.reservations").result("permissions.reservations")
    assert result.status is Status.PASS, result.summary


# --- P11: no /locations/types -----------------------------------------------------------------------

def test_without_the_types_endpoint_the_rooms_own_types_prove_room_and_desk_exist(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject("/tas/api/locations/types", Fault.status(404, [{"message": "Not found"}]))
    report = run(sb, "rooms.types_defined", "rooms.present")
    types = report.result("rooms.types_defined")
    assert types.status is Status.PASS and types.evidence["types_endpoint"] == 404
    assert report.result("rooms.present").status is Status.PASS  # the room checks are not held up


def test_without_the_types_endpoint_and_no_typed_room_it_cannot_verify_instead_of_failing(sandbox_factory, run):
    sb = sandbox_factory("types_missing")
    sb.inject("/tas/api/locations/types", Fault.status(404, [{"message": "Not found"}]))
    types = run(sb, "rooms.types_defined").result("rooms.types_defined")
    assert types.status is Status.WARN and types.summary.startswith("Cannot verify")


# --- P6, P4: a field list the server refuses ---------------------------------------------------------

def test_a_refused_field_list_is_asked_again_without_it_and_the_report_says_so(sandbox_factory, run):
    import json

    from topdesk_preflight.reports import render_html, render_json, summary_lines

    sb = sandbox_factory()
    refusal = [{"message": "The field 'accountType' is not a valid field to query"}]
    sb.inject("/tas/api/operators/current", Fault.status(400, refusal, times=1))
    report = run(sb, "auth.credentials", "operator.account")
    assert report.result("auth.credentials").status is Status.PASS
    assert report.result("operator.account").status is Status.PASS
    current = [r for r in sb.requests if r.path == "/tas/api/operators/current"]
    assert [("fields=" in r.query) for r in current] == [True, False]
    [detected] = report.detected
    assert "refused the field list on /operators/current" in detected
    assert json.loads(render_json(report))["detected"] == [detected]
    assert f"DETECTED: {detected}" in summary_lines(report, color=False)
    assert "Detected on this TOPdesk" in render_html(report)


def test_a_400_without_a_field_list_is_not_asked_again(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject("/tas/api/version", Fault.status(400, [{"message": "Bad request"}]))
    report = run(sb, "api.reachable")
    assert len([r for r in sb.requests if r.path == "/tas/api/version"]) == 1
    assert report.detected == ()
