"""The HCP operator as a typed value: what its record says, what an older TOPdesk leaves unknown, and its reads."""

from __future__ import annotations

import pytest
from facts_context import facts_context, paths

from topdesk_preflight.checks._card_fields import BranchRef, CardName, PersonRef
from topdesk_preflight.checks._operator_facts import (
    NO_LINK_EXPOSED, Operator, branch_filters, current_operator,
)
from topdesk_preflight.checks._unknown import Unknown
from topdesk_preflight.errors import AuthenticationError, BadResponseError
from topdesk_preflight.sandbox.faults import Fault

CURRENT = "/tas/api/operators/current"
OPERATOR_ID = "0f1e2d3c-0000-4000-8000-000000000001"
BRANCH = {"id": "0f1e2d3c-0000-4000-8000-0000000000b1", "name": "HQ Stockholm"}
PERSON = {"id": "0f1e2d3c-0000-4000-8000-0000000000p1", "name": "HCP Service"}


def spec_record(**changes: object) -> dict:
    """An OperatorDto with the 14 fields the tool asks for (supporting files 2.7.11 GET /operators/current)."""
    record = {"id": OPERATOR_ID, "principalId": OPERATOR_ID, "status": "operator", "loginName": "hcp-svc",
              "email": " hcp@acme.example ", "firstName": "HCP", "prefixes": "", "surName": "Service",
              "dynamicName": "HCP Service", "branch": dict(BRANCH), "linkedPerson": dict(PERSON),
              "apiAccount": False, "loginPermission": True, "accountType": "regular"}
    record.update(changes)
    return record


def pre_2024_record() -> dict:
    """The same operator from a TOPdesk before April 2024: no linkedPerson, apiAccount, accountType (§9 R3)."""
    record = spec_record()
    for key in ("linkedPerson", "apiAccount", "accountType"):
        del record[key]
    return record


# ------------------------------------------------------------------------------------------ from_api

def test_a_spec_record_becomes_a_typed_operator():
    operator = Operator.from_api(spec_record())
    assert operator.id == OPERATOR_ID and operator.login_name == "hcp-svc"
    assert operator.email == "hcp@acme.example"  # stripped
    assert operator.name == CardName(first="HCP", prefixes="", sur="Service", dynamic="HCP Service")
    assert operator.status == "operator" and operator.active and not operator.archived
    assert operator.may_log_in is True and operator.api_account is False
    assert operator.branch == BranchRef(id=BRANCH["id"], name="HQ Stockholm")
    assert operator.linked_person == PersonRef(id=PERSON["id"], name="HCP Service")
    assert operator.linked_person_id == PERSON["id"]


def test_a_record_from_before_april_2024_leaves_the_link_and_the_api_account_unknown():
    operator = Operator.from_api(pre_2024_record())
    assert operator.linked_person == Unknown(NO_LINK_EXPOSED)
    assert NO_LINK_EXPOSED == ("this TOPdesk does not expose the operator-person link (its API is older than "
                               "April 2024)")
    assert isinstance(operator.api_account, Unknown) and "April 2024" in operator.api_account.reason
    assert operator.linked_person_id is None
    assert operator.may_log_in is True  # loginPermission is older than the One TOPdesk user changes


def test_an_unknown_link_cannot_be_mistaken_for_no_link():
    operator = Operator.from_api(pre_2024_record())
    with pytest.raises(TypeError, match="operator-person link"):
        bool(operator.linked_person)


@pytest.mark.parametrize("link", [None, {}, {"id": None, "name": None}, {"id": ""}, "HCP Service"])
def test_a_present_but_empty_link_is_no_linked_person(link):
    assert Operator.from_api(spec_record(linkedPerson=link)).linked_person is None


def test_without_login_permission_in_the_answer_whether_it_may_log_in_is_unknown_not_false():
    record = spec_record()
    del record["loginPermission"]
    may_log_in = Operator.from_api(record).may_log_in
    assert isinstance(may_log_in, Unknown) and "loginPermission" in may_log_in.reason
    assert Operator.from_api(spec_record(loginPermission=False)).may_log_in is False


def test_an_api_account_says_so():
    assert Operator.from_api(spec_record(apiAccount=True)).api_account is True


@pytest.mark.parametrize("changes", [{"status": "operatorArchived"}, {"status": "somethingElse"},
                                     {"archived": True}])
def test_an_archived_status_or_flag_makes_the_operator_archived(changes):
    operator = Operator.from_api(spec_record(**changes))
    assert operator.archived and not operator.active


def test_a_record_without_status_counts_as_active_as_it_always_has():
    record = spec_record()
    del record["status"]
    operator = Operator.from_api(record)
    assert operator.status is None and operator.active


def test_odd_typed_fields_are_read_as_absent():
    operator = Operator.from_api(spec_record(email=42, branch="HQ Stockholm", loginName=["x"], dynamicName=7,
                                             apiAccount="yes", status=1))
    assert operator.email == "" and operator.branch is None and operator.login_name is None
    assert isinstance(operator.api_account, Unknown) and operator.status is None
    assert operator.name.shown == "HCP Service"  # first name and surname still there


def test_a_record_without_id_has_an_empty_id():
    record = spec_record()
    del record["id"]
    assert Operator.from_api(record).id == ""


# ---------------------------------------------------------------------------------------------- label

def test_the_label_names_the_card_and_its_login():
    assert Operator.from_api(spec_record()).label == "'HCP Service' (login hcp-svc)"


def test_the_label_falls_back_to_first_and_surname_then_to_the_id():
    assert Operator.from_api(spec_record(dynamicName=None)).label == "'HCP Service' (login hcp-svc)"
    nameless = spec_record(dynamicName=None, firstName=None, surName=None, loginName=None)
    assert Operator.from_api(nameless).label == repr(OPERATOR_ID)


# -------------------------------------------------------------------------------- over the sandbox

def test_the_current_operator_is_read_once_with_the_fields_the_checks_need(sandbox_factory):
    sb = sandbox_factory()
    with facts_context(sb) as ctx:
        operator = current_operator(ctx)
        assert current_operator(ctx) is operator  # cached for the run
    service = sb.state.service_operator
    assert operator.id == service.id and operator.email == service.email and operator.active
    assert operator.linked_person == PersonRef(id=service.linked_person.id, name="HCP Service")
    assert operator.branch == BranchRef(id=service.branch.id, name=service.branch.name)
    assert paths(sb) == [CURRENT]
    assert "linkedPerson" in sb.requests[0].query and "loginPermission" in sb.requests[0].query


def test_a_topdesk_from_before_april_2024_gives_an_unknown_link(sandbox_factory):
    sb = sandbox_factory(profile="pre_2024")
    with facts_context(sb) as ctx:
        operator = current_operator(ctx)
    assert operator.linked_person == Unknown(NO_LINK_EXPOSED)
    assert isinstance(operator.api_account, Unknown)


def test_an_answer_that_is_no_operator_object_is_a_bad_response(sandbox_factory):
    sb = sandbox_factory()
    sb.inject(CURRENT, Fault.status(200, body=[{"id": "x"}]))
    with facts_context(sb) as ctx, pytest.raises(BadResponseError, match="operator object"):
        current_operator(ctx)


def test_an_operator_object_without_id_is_a_bad_response(sandbox_factory):
    sb = sandbox_factory()
    sb.inject(CURRENT, Fault.status(200, body={"loginName": "hcp-svc"}))
    with facts_context(sb) as ctx, pytest.raises(BadResponseError, match="operator object"):
        current_operator(ctx)


def test_a_refused_login_raises_the_clients_error(sandbox_factory):
    sb = sandbox_factory()
    with facts_context(sb, password="Wr0ng-Secret-Value") as ctx, pytest.raises(AuthenticationError):
        current_operator(ctx)


def test_branch_filters_are_read_for_the_operators_id(sandbox_factory):
    sb = sandbox_factory(profile="branch_filter")
    with facts_context(sb) as ctx:
        filters = branch_filters(ctx)
        assert ctx.client.detections and "branch filters" in ctx.client.detections[0]
    assert filters.known and filters.restrict and filters.names == ("Branch Göteborg",)
    assert paths(sb) == [CURRENT, f"/tas/api/operators/id/{sb.state.service_operator.id}/filters/branch"]


def test_no_branch_filters_restrict_nothing(sandbox_factory):
    sb = sandbox_factory()
    with facts_context(sb) as ctx:
        filters = branch_filters(ctx)
    assert filters.known and not filters.restrict and filters.names == ()


def test_unreadable_branch_filters_are_not_known(sandbox_factory):
    sb = sandbox_factory()
    sb.inject("/tas/api/operators/id/*/filters/branch", Fault.status(403))
    with facts_context(sb) as ctx:
        filters = branch_filters(ctx)
    assert not filters.known and not filters.restrict
