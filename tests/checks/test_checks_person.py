"""person.linked: the operator's linked person exists, matches it by name and email, and is active."""

from __future__ import annotations

from topdesk_preflight.model import Actor, Status
from topdesk_preflight.sandbox.faults import Fault


def linked_person_path(sb) -> str:
    return f"/tas/api/persons/{sb.state.service_operator.linked_person.id}"


def test_a_matching_linked_person_passes(sandbox_factory, run):
    sb = sandbox_factory()
    result = run(sb, "person.linked").result("person.linked")
    assert result.status is Status.PASS
    assert "'HCP Service'" in result.summary and "hcp@acme.example" in result.summary
    assert result.evidence["person_id"] == sb.state.service_operator.linked_person.id
    person_reads = [r for r in sb.requests if r.path.startswith("/tas/api/persons")]
    assert [r.path for r in person_reads] == [linked_person_path(sb)]  # one read, v2, no list


def test_no_linked_person_fails_with_the_guides_steps(sandbox_factory, run):
    sb = sandbox_factory("person_missing")
    result = run(sb, "person.linked").result("person.linked")
    assert result.status is Status.FAIL
    assert "has no linked person" in result.summary
    assert all(step.startswith(Actor.TOPDESK) for step in result.remediation)
    assert "Person settings" in result.remediation[0] and "hcp@acme.example" in result.remediation[0]
    assert "'HQ Stockholm'" in result.remediation[0]
    assert "Linked Operator section" in result.remediation[1] and "hcp-svc" in result.remediation[1]


def test_an_api_account_without_a_person_only_warns(sandbox_factory, run):
    sb = sandbox_factory("api_account")
    result = run(sb, "person.linked").result("person.linked")
    assert result.status is Status.WARN
    assert "API account" in result.summary
    assert result.evidence["api_account"] is True


def test_another_email_and_name_fail_naming_both(sandbox_factory, run):
    sb = sandbox_factory("person_mismatch")
    result = run(sb, "person.linked").result("person.linked")
    assert result.status is Status.FAIL
    assert "hcp-service@acme.example" in result.summary and "hcp@acme.example" in result.summary
    assert "'HCP Servicedesk'" in result.summary and "'HCP Service'" in result.summary
    assert any("set the email to hcp@acme.example" in step for step in result.remediation)


def test_names_match_regardless_of_case_and_spaces(sandbox_factory, run):
    sb = sandbox_factory()
    person = sb.state.service_operator.linked_person
    person.first_name, person.email = " hcp ", "HCP@acme.example"
    assert run(sb, "person.linked").result("person.linked").status is Status.PASS


def test_an_archived_linked_person_fails(sandbox_factory, run):
    sb = sandbox_factory("person_archived")
    result = run(sb, "person.linked").result("person.linked")
    assert result.status is Status.FAIL
    assert "is archived" in result.summary
    assert result.evidence["person_archived"] is True


def test_a_linked_person_in_another_branch_warns(sandbox_factory, run):
    sb = sandbox_factory()
    sb.state.service_operator.linked_person.branch = sb.state.branch_named("Branch Göteborg")
    result = run(sb, "person.linked").result("person.linked")
    assert result.status is Status.WARN
    assert "'Branch Göteborg'" in result.summary and "'HQ Stockholm'" in result.summary
    assert "choose the branch 'HQ Stockholm'" in result.remediation[0]


def test_a_link_to_a_person_that_is_gone_fails(sandbox_factory, run):
    sb = sandbox_factory()
    person = sb.state.service_operator.linked_person
    sb.state.persons.remove(person)
    result = run(sb, "person.linked").result("person.linked")
    assert result.status is Status.FAIL
    assert "cannot find" in result.summary
    assert result.evidence["status"] == 404


def test_an_instance_without_persons_v2_is_read_through_v1(sandbox_factory, run):
    sb = sandbox_factory("person_archived")
    sb.inject(linked_person_path(sb), Fault.status(406, body=b""))
    result = run(sb, "person.linked").result("person.linked")
    assert result.status is Status.FAIL and "is archived" in result.summary  # v1 says so in "status"
    assert any(r.path.startswith("/tas/api/persons/id/") for r in sb.requests)


def test_unreadable_persons_warn_that_the_person_cannot_be_verified(sandbox_factory, run):
    sb = sandbox_factory("no_supporting_files_read")
    result = run(sb, "person.linked").result("person.linked")
    assert result.status is Status.WARN
    assert result.summary.startswith("Cannot verify the linked person 'HCP Service'")


def test_a_server_error_reading_the_person_is_an_error(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject(linked_person_path(sb), Fault.status(500))
    result = run(sb, "person.linked", retries=0).result("person.linked")
    assert result.status is Status.ERROR


def test_it_is_skipped_when_the_operator_account_fails(sandbox_factory, run):
    sb = sandbox_factory("operator_no_email")
    result = run(sb, "person.linked").result("person.linked")
    assert result.status is Status.SKIPPED
    assert result.summary == "skipped: operator.account fail"
