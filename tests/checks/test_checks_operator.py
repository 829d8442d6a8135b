"""operator.account, operator.email_unique, operator.branch: the HCP operator as "Creating an Operator" wants it."""

from __future__ import annotations

import pytest

from topdesk_preflight.model import Actor, EVIDENCE_OPERATOR_EMAIL, Status
from topdesk_preflight.sandbox.faults import Fault

CURRENT = "/tas/api/operators/current"


def operator_card(**changes: object) -> dict:
    """The service operator as /operators/current would return it, with some fields changed."""
    card = {"id": "0f1e2d3c-0000-4000-8000-000000000001", "status": "operator", "loginName": "hcp-svc",
            "email": "hcp@acme.example", "firstName": "HCP", "surName": "Service", "dynamicName": "HCP Service",
            "branch": {"id": "0f1e2d3c-0000-4000-8000-0000000000b1", "name": "HQ Stockholm"},
            "linkedPerson": None, "apiAccount": False, "loginPermission": True}
    card.update(changes)
    return card


# ---------------------------------------------------------------------------------- operator.account

def test_an_active_operator_with_email_passes_and_feeds_the_ticket(sandbox_factory, run):
    sb = sandbox_factory()
    result = run(sb, "operator.account").result("operator.account")
    assert result.status is Status.PASS
    assert result.evidence[EVIDENCE_OPERATOR_EMAIL] == "hcp@acme.example"
    assert result.evidence["login_name"] == "hcp-svc" and result.evidence["api_account"] is False
    assert result.evidence["operator_id"] == sb.state.service_operator.id
    assert not result.details  # --email was given and matches


def test_without_email_setting_it_passes_with_a_note(sandbox_factory, run):
    sb = sandbox_factory()
    result = run(sb, "operator.account", email=None).result("operator.account")
    assert result.status is Status.PASS
    assert "give --email" in result.details[0]


def test_an_email_in_hcp_that_is_not_the_operators_fails(sandbox_factory, run):
    sb = sandbox_factory()
    result = run(sb, "operator.account", email="someone.else@acme.example").result("operator.account")
    assert result.status is Status.FAIL
    assert "someone.else@acme.example" in result.summary and "hcp@acme.example" in result.summary
    assert result.remediation[0].startswith(Actor.HCP) and "hcp@acme.example" in result.remediation[0]


def test_the_email_comparison_ignores_case_and_spaces(sandbox_factory, run):
    sb = sandbox_factory()
    assert run(sb, "operator.account", email=" HCP@Acme.Example ").result("operator.account").status \
        is Status.PASS


def test_an_operator_without_email_fails_and_skips_the_uniqueness_check(sandbox_factory, run):
    sb = sandbox_factory("operator_no_email")
    report = run(sb, "operator.email_unique")
    result = report.result("operator.account")
    assert result.status is Status.FAIL
    assert "has no email" in result.summary
    assert result.remediation[0].startswith(Actor.TOPDESK) and "Operator settings" in result.remediation[0]
    assert report.result("operator.email_unique").summary == "skipped: operator.account fail"


@pytest.mark.parametrize("changes, words", [
    ({"status": "operatorArchived"}, "is archived"),
    ({"loginPermission": False}, "may not log in"),
])
def test_an_archived_or_login_less_operator_fails(sandbox_factory, run, changes, words):
    sb = sandbox_factory()
    sb.inject(CURRENT, Fault.status(200, body=operator_card(**changes)))
    result = run(sb, "operator.account").result("operator.account")
    assert result.status is Status.FAIL
    assert words in result.summary
    assert all(step.startswith(Actor.TOPDESK) for step in result.remediation)


def test_the_login_steps_come_from_the_guides_troubleshooting_entry(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject(CURRENT, Fault.status(200, body=operator_card(loginPermission=False)))
    steps = run(sb, "operator.account").result("operator.account").remediation
    assert "click the login icon again" in steps[0]
    assert "login status is set to active" in steps[1]


# ----------------------------------------------------------------------------- operator.email_unique

def test_a_unique_email_passes_counting_the_own_linked_person_and_archived_cards_out(sandbox_factory, run):
    sb = sandbox_factory()  # healthy has the linked person and an archived person with the same email
    result = run(sb, "operator.email_unique").result("operator.email_unique")
    assert result.status is Status.PASS
    assert result.evidence["duplicate_count"] == 0
    queries = [r.query for r in sb.requests if r.path in ("/tas/api/operators", "/tas/api/persons")]
    assert len(queries) == 2 and all("archived" in q and "email" in q for q in queries)


def test_duplicates_are_listed_by_card_type_and_name(sandbox_factory, run):
    sb = sandbox_factory("email_duplicate")
    result = run(sb, "operator.email_unique").result("operator.email_unique")
    assert result.status is Status.FAIL
    assert "2 other active cards share" in result.summary
    assert "operator card 'Shared Helpdesk' (login helpdesk)" in result.summary
    assert "person card 'Hanna Cederqvist'" in result.summary
    assert "Service (old)" not in result.summary  # archived: never a duplicate
    assert [d["card"] for d in result.evidence["duplicates"]] == ["operator", "person"]
    assert "Operator settings" in result.remediation[0] and "Shared Helpdesk" in result.remediation[0]
    assert "Person settings" in result.remediation[1] and "Hanna Cederqvist" in result.remediation[1]


def test_unreadable_lists_warn_that_uniqueness_cannot_be_verified(sandbox_factory, run):
    sb = sandbox_factory("no_supporting_files_read")
    result = run(sb, "operator.email_unique").result("operator.email_unique")
    assert result.status is Status.WARN
    assert result.summary.startswith("Cannot verify that hcp@acme.example is unique")
    assert result.evidence["status"] == 403


def test_a_failing_operator_list_is_an_error(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject("/tas/api/operators", Fault.status(500))
    result = run(sb, "operator.email_unique", retries=0).result("operator.email_unique")
    assert result.status is Status.ERROR


# ---------------------------------------------------------------------------------- operator.branch

def test_an_operator_in_the_configured_branch_passes(sandbox_factory, run):
    sb = sandbox_factory()
    result = run(sb, "operator.branch").result("operator.branch")
    assert result.status is Status.PASS
    assert result.evidence["operator_branch_id"] == result.evidence["configured_branch_id"]


def test_an_operator_in_another_branch_fails_naming_both(sandbox_factory, run):
    sb = sandbox_factory("operator_wrong_branch")
    result = run(sb, "operator.branch").result("operator.branch")
    assert result.status is Status.FAIL
    assert "'Branch Göteborg'" in result.summary and "'HQ Stockholm'" in result.summary
    assert result.remediation[0].startswith(Actor.TOPDESK)
    assert "Operator settings" in result.remediation[0] and "choose the branch 'HQ Stockholm'" in \
        result.remediation[0]


def test_without_a_branch_setting_it_is_not_checked_naming_the_flag(sandbox_factory, run):
    sb = sandbox_factory()
    result = run(sb, "operator.branch", branch=None).result("operator.branch")
    assert result.status is Status.SKIPPED and result.enable_with == "--branch"
    assert result.summary.startswith("Not checked")


def test_it_is_skipped_when_the_branch_does_not_exist(sandbox_factory, run):
    sb = sandbox_factory("branch_missing")
    result = run(sb, "operator.branch").result("operator.branch")
    assert result.status is Status.SKIPPED
    assert result.summary == "skipped: branch.exists fail"


def test_operator_checks_are_skipped_when_the_login_errors(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject(CURRENT, Fault.status(500))
    report = run(sb, "operator", retries=0)
    assert report.result("auth.credentials").status is Status.ERROR
    assert report.result("operator.account").summary == "skipped: auth.credentials error"


def test_a_unique_email_with_unread_branch_filters_passes_saying_what_it_could_not_search(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject("/tas/api/operators/id/*/filters/branch", Fault.status(403, [{"message": "No permission to see "
                                                                                   "filters."}]))
    result = run(sb, "operator.email_unique").result("operator.email_unique")
    assert result.status is Status.PASS
    assert any("branch filters could not be read (HTTP 403: No permission to see filters.)" in d
               for d in result.details)
