"""branch.exists: the branch configured in HCP exists in TOPdesk, active, spelled as TOPdesk spells it."""

from __future__ import annotations

import pytest

from topdesk_preflight.guide import MENU_BRANCH_SETTINGS
from topdesk_preflight.model import Actor, Status
from topdesk_preflight.sandbox import Fault
from topdesk_preflight.sandbox.model import stable_id

CHECK = "branch.exists"


def steps_for(result, actor: str) -> list[str]:
    return [step for step in result.remediation if step.startswith(actor + ": ")]


def test_an_existing_active_branch_passes_and_hands_its_id_to_dependants(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, CHECK).result(CHECK)
    assert result.status is Status.PASS
    assert "HQ Stockholm" in result.summary
    assert result.evidence["branch_id"] == stable_id("branch", "HQ Stockholm")
    assert result.evidence["branch_name"] == "HQ Stockholm"


def test_the_lookup_is_one_filtered_request_that_asks_for_the_status(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    run(sb, CHECK)
    branch_requests = [r for r in sb.requests if r.path.startswith("/tas/api/branches")]
    assert len(branch_requests) == 1
    query = branch_requests[0].query
    assert "query=" in query and "status" in query and "HQ" in query


def test_no_branch_given_is_not_checked_and_neither_are_the_room_checks(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    report = run(sb, CHECK, "rooms.present", "rooms.typed", "rooms.reservable", branch=None)
    result = report.result(CHECK)
    assert result.status is Status.SKIPPED and result.enable_with == "--branch"
    assert "Not checked: give --branch" in result.summary
    assert result.evidence["branch_id"] is None
    for dependant in ("rooms.present", "rooms.typed", "rooms.reservable"):
        assert report.result(dependant).status is Status.SKIPPED
        assert report.result(dependant).enable_with == "--branch"
        assert "give --branch" in report.result(dependant).summary
    assert report.ready and len(report.not_checked) == 4  # nothing failed, but nothing here was verified


def test_a_missing_branch_fails_and_names_the_close_names_that_exist(sandbox_factory, run):
    sb = sandbox_factory("branch_missing")
    result = run(sb, CHECK).result(CHECK)
    assert result.status is Status.FAIL
    assert "'HQ Stockholm' does not exist" in result.summary
    assert "HQ Stockholm North" in result.summary and "HQ-Stockholm" in result.summary
    assert "Branch Göteborg" not in result.evidence["close_names"]
    assert result.evidence["branch_id"] is None
    create, = steps_for(result, Actor.TOPDESK)
    assert MENU_BRANCH_SETTINGS in create and "'HQ Stockholm'" in create
    fix_in_hcp, = steps_for(result, Actor.HCP)
    assert "'HQ-Stockholm'" in fix_in_hcp


def test_close_names_come_from_a_bounded_lookup_of_ids_and_names(sandbox_factory, run):
    sb = sandbox_factory("branch_missing")
    run(sb, CHECK)
    lookups = [r for r in sb.requests if r.path == "/tas/api/branches/lookup"]
    assert len(lookups) == 1
    assert "%24top=" in lookups[0].query or "$top=" in lookups[0].query


def test_a_failing_close_name_lookup_still_gives_the_verdict(sandbox_factory, run):
    sb = sandbox_factory("branch_missing")
    sb.inject("/tas/api/branches/lookup", Fault.status(500))
    result = run(sb, CHECK).result(CHECK)
    assert result.status is Status.FAIL
    assert result.evidence["close_names"] == []
    assert any("similar name" in d for d in result.details)


def test_an_archived_branch_fails_and_asks_to_restore_it(sandbox_factory, run):
    sb = sandbox_factory("branch_archived")
    result = run(sb, CHECK).result(CHECK)
    assert result.status is Status.FAIL
    assert result.summary == "The branch 'HQ Stockholm' is archived"
    restore = steps_for(result, Actor.TOPDESK)[0]
    assert "restore" in restore and MENU_BRANCH_SETTINGS in restore
    assert result.evidence["branch_id"] is None
    assert result.evidence["archived_branch_id"] == stable_id("branch", "HQ Stockholm")


def test_an_active_branch_next_to_an_archived_namesake_passes(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    sb.state.branch_named("Old Office").name = "HQ Stockholm"
    result = run(sb, CHECK).result(CHECK)
    assert result.status is Status.PASS
    assert result.evidence["branch_id"] == stable_id("branch", "HQ Stockholm")
    # archived==false leaves the archived namesake out: one request, and no need to mention it
    assert len([r for r in sb.requests if r.path == "/tas/api/branches"]) == 1


def test_a_branch_spelled_in_another_case_warns_with_the_exact_name(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, CHECK, branch="hq stockholm").result(CHECK)
    assert result.status is Status.WARN
    assert "'HQ Stockholm'" in result.summary
    assert result.evidence["branch_id"] == stable_id("branch", "HQ Stockholm")
    assert steps_for(result, Actor.HCP) == [
        f"{Actor.HCP}: Set the branch in HCP's TOPdesk connection to exactly 'HQ Stockholm'."]


@pytest.mark.parametrize("hostile", ['HQ "North", Floor; 2', "Lab (A,B);archived==true", "Back\\slash 'q'"])
def test_a_branch_name_with_quotes_semicolons_and_commas_is_found(sandbox_factory, run, hostile):
    sb = sandbox_factory("healthy")
    sb.state.branch_named("HQ Stockholm").name = hostile
    result = run(sb, CHECK, branch=hostile).result(CHECK)
    assert result.status is Status.PASS, result.summary
    assert result.evidence["branch_name"] == hostile
    assert result.evidence["branch_id"] == stable_id("branch", "HQ Stockholm")


def test_a_hostile_name_cannot_widen_the_query_to_other_branches(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, CHECK, branch='x",name=="HQ Stockholm').result(CHECK)
    assert result.status is Status.FAIL
    assert result.evidence["matches"] == []


def test_an_account_that_may_not_read_branches_fails_naming_the_permission(sandbox_factory, run):
    sb = sandbox_factory("no_supporting_files_read")
    result = run(sb, CHECK).result(CHECK)
    assert result.status is Status.FAIL
    assert "may not read branches" in result.summary
    assert "Supporting Files" in steps_for(result, Actor.TOPDESK)[0]
    assert result.evidence["http_status"] == 403


@pytest.mark.parametrize("fault", [Fault.status(500), Fault.html()], ids=["500", "html"])
def test_a_misbehaving_branches_endpoint_is_an_error(sandbox_factory, run, fault):
    sb = sandbox_factory("healthy")
    sb.inject("/tas/api/branches", fault)
    result = run(sb, CHECK).result(CHECK)
    assert result.status is Status.ERROR
    assert "/tas/api/branches" in result.summary


def test_skipped_when_the_login_is_refused(sandbox_factory, run):
    sb = sandbox_factory("login_disabled")
    result = run(sb, CHECK).result(CHECK)
    assert result.status is Status.SKIPPED
    assert "auth.credentials" in result.summary


def test_a_missing_branch_says_that_unread_branch_filters_may_be_hiding_it(sandbox_factory, run):
    """TOPdesk answers [] for a branch a filter hides; with the filters unread, the fail says what is left open."""
    sb = sandbox_factory("branch_missing")
    sb.inject("/tas/api/operators/id/*/filters/branch", Fault.status(403, [{"message": "No permission to see "
                                                                                   "filters."}]))
    result = run(sb, "branch.exists").result("branch.exists")
    assert result.status is Status.FAIL
    assert any("branch filters could not be read (HTTP 403: No permission to see filters.)" in d
               and "empty list, not a refusal" in d for d in result.details)
    healthy_filters = run(sandbox_factory("branch_missing"), "branch.exists").result("branch.exists")
    assert not any("could not be read" in d for d in healthy_filters.details)  # read, and none: nothing open
