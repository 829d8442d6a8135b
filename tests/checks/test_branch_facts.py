"""The configured branch as typed values: what a branch record says, and the look-ups that find it."""

from __future__ import annotations

import pytest
from facts_context import facts_context, paths

from topdesk_preflight.checks._branch_facts import (
    Branch, BranchLookup, active_branch_names, branch_lookup, configured_branch, same_name,
)
from topdesk_preflight.errors import BadResponseError, PermissionDenied
from topdesk_preflight.sandbox.faults import Fault
from topdesk_preflight.sandbox.model import stable_id

HQ = "HQ Stockholm"
HQ_ID = stable_id("branch", HQ)
BRANCHES = "/tas/api/branches"
LOOKUP = "/tas/api/branches/lookup"


def spec_record(**changes: object) -> dict:
    """An ExtendedBranchDto as the tool asks for it (``$fields=id,name,status``): no ``archived`` key (§4)."""
    record = {"id": HQ_ID, "name": HQ, "status": "branch"}
    record.update(changes)
    return record


# ------------------------------------------------------------------------------------------ from_api

def test_a_spec_record_gives_id_name_and_status_and_is_active():
    branch = Branch.from_api(spec_record())
    assert branch == Branch(id=HQ_ID, name=HQ, status="branch", archived_flag=None)
    assert branch.archived is False


def test_an_archived_status_or_an_archived_flag_each_make_the_branch_archived():
    assert Branch.from_api(spec_record(status="branchArchived")).archived is True
    assert Branch.from_api(spec_record(archived=True)).archived is True
    assert Branch.from_api(spec_record(archived=False)).archived is False


def test_a_look_up_result_has_only_id_and_name():
    branch = Branch.from_api({"id": HQ_ID, "name": HQ})
    assert (branch.status, branch.archived_flag, branch.archived) == (None, None, False)


def test_fields_of_the_wrong_type_count_as_absent_never_as_their_repr():
    branch = Branch.from_api({"id": 42, "name": ["HQ", "Stockholm"], "status": None, "archived": "yes"})
    assert branch == Branch(id=None, name=None, status=None, archived_flag=None)
    assert branch.archived is False


def test_the_evidence_shows_status_and_flag_only_when_topdesk_sent_them():
    assert Branch.from_api(spec_record()).brief() == {"id": HQ_ID, "name": HQ, "status": "branch"}
    assert Branch.from_api({"id": HQ_ID, "name": HQ}).brief() == {"id": HQ_ID, "name": HQ}
    assert Branch.from_api(spec_record(archived=False)).brief() == {"id": HQ_ID, "name": HQ, "status": "branch",
                                                                    "archived": False}


# -------------------------------------------------------------------------------------- BranchLookup

def test_the_branch_used_is_the_exact_spelling_before_one_differing_in_case():
    lower, exact = Branch(id="1", name="hq stockholm"), Branch(id="2", name=HQ)
    assert BranchLookup(given=HQ, active=[lower, exact]).branch == exact
    assert BranchLookup(given=HQ, active=[lower]).branch == lower


def test_an_archived_namesake_is_a_match_but_never_the_branch_used():
    archived = Branch(id="3", name=HQ, status="branchArchived")
    lookup = BranchLookup(given=HQ, active=(), archived=[archived])
    assert lookup.matches == (archived,)
    assert lookup.branch is None


def test_names_are_the_same_ignoring_case_and_surrounding_space_only():
    assert same_name(" hq STOCKHOLM ", HQ)
    assert not same_name("HQ Stockholm North", HQ)
    assert not same_name(None, HQ)


# ------------------------------------------------------------------------------------ over the sandbox

def test_an_active_branch_is_one_filtered_request_and_a_typed_branch(sandbox_factory):
    sb = sandbox_factory("healthy")
    with facts_context(sb) as ctx:
        lookup = branch_lookup(ctx)
        assert configured_branch(ctx) == Branch(id=HQ_ID, name=HQ, status="branch")
    assert lookup == BranchLookup(given=HQ, active=[Branch(id=HQ_ID, name=HQ, status="branch")])
    [request] = [r for r in sb.requests if r.path == BRANCHES]
    assert "archived==false" in request.query and "$fields=id,name,status" in request.query


def test_an_archived_branch_costs_a_second_request_and_is_not_configured(sandbox_factory):
    sb = sandbox_factory("branch_archived")
    with facts_context(sb) as ctx:
        lookup = branch_lookup(ctx)
        assert configured_branch(ctx) is None
    assert lookup is not None and lookup.active == () and [b.id for b in lookup.archived] == [HQ_ID]
    queries = [r.query for r in sb.requests if r.path == BRANCHES]
    assert len(queries) == 2 and "archived==true" in queries[1]


def test_the_spec_dto_profile_has_no_archived_key_and_the_filter_still_tells_archived_apart(sandbox_factory):
    sb = sandbox_factory("branch_archived", profile="spec_dto")
    with facts_context(sb) as ctx:
        lookup = branch_lookup(ctx)
    assert lookup is not None and lookup.branch is None
    assert all(b.archived_flag is None for b in lookup.matches)


def test_a_server_that_ignored_the_filter_is_filtered_here_by_name_and_status(sandbox_factory):
    sb = sandbox_factory("healthy")
    sb.inject(BRANCHES, Fault.status(200, [spec_record(), spec_record(id="x", status="branchArchived"),
                                           {"id": "y", "name": "Branch Göteborg", "status": "branch"}]))
    with facts_context(sb) as ctx:
        lookup = branch_lookup(ctx)
        detected = ctx.client.detections
    assert lookup is not None and lookup.query_ignored
    assert [b.id for b in lookup.active] == [HQ_ID] and [b.id for b in lookup.archived] == ["x"]
    assert any("ignored the search filter (query) on /branches" in d for d in detected)
    assert paths(sb).count(BRANCHES) == 1  # nothing more is asked of a server that ignores the filter


def test_no_branch_given_asks_nothing(sandbox_factory):
    sb = sandbox_factory("healthy")
    with facts_context(sb, branch=None) as ctx:
        assert branch_lookup(ctx) is None
    assert BRANCHES not in paths(sb)


def test_the_look_up_is_asked_once_per_run_whoever_asks(sandbox_factory):
    sb = sandbox_factory("healthy")
    with facts_context(sb) as ctx:
        assert branch_lookup(ctx) is branch_lookup(ctx)
        configured_branch(ctx)
    assert paths(sb).count(BRANCHES) == 1


def test_an_answer_that_is_not_a_list_of_records_is_a_bad_response(sandbox_factory):
    sb = sandbox_factory("healthy")
    sb.inject(BRANCHES, Fault.wrong_shape())
    with facts_context(sb) as ctx, pytest.raises(BadResponseError, match="did not return a list of records"):
        branch_lookup(ctx)


def test_an_account_that_may_not_read_branches_is_refused(sandbox_factory):
    sb = sandbox_factory("no_supporting_files_read")
    with facts_context(sb) as ctx, pytest.raises(PermissionDenied):
        branch_lookup(ctx)


def test_active_branch_names_come_from_a_bounded_look_up(sandbox_factory):
    sb = sandbox_factory("branch_missing")
    with facts_context(sb) as ctx:
        names = active_branch_names(ctx, top=1000)
        prefixed = active_branch_names(ctx, top=200, starting_with="HQ")
    assert "HQ-Stockholm" in names and "HQ Stockholm North" in names
    assert set(prefixed) <= set(names) and "Branch Göteborg" not in prefixed
    queries = [r.query for r in sb.requests if r.path == LOOKUP]
    assert queries == ["archived=false&$top=1000", "name=HQ&archived=false&$top=200"]


def test_a_look_up_answer_without_results_has_no_names(sandbox_factory):
    sb = sandbox_factory("branch_missing")
    sb.inject(LOOKUP, Fault.status(200, {"results": [{"id": "1", "name": 7}, "x", {"id": "2", "name": "B"}]},
                                   times=1))
    sb.inject(LOOKUP, Fault.status(200, {"items": []}))
    with facts_context(sb) as ctx:
        assert active_branch_names(ctx, top=1000) == ["B"]
        assert active_branch_names(ctx, top=1000) == []
