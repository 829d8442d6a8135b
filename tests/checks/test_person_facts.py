"""The linked person read by id: persons v2 and v1 as one typed Person, and what TOPdesk answered."""

from __future__ import annotations

import pytest
from facts_context import facts_context, paths

from topdesk_preflight.checks._card_fields import BranchRef, CardName
from topdesk_preflight.checks._person_facts import (
    PERSON_V2, Person, PersonFound, PersonNotFound, PersonRefused, read_person,
)
from topdesk_preflight.errors import BadResponseError, HTTPStatusError
from topdesk_preflight.sandbox.faults import Fault

BRANCH = {"id": "0f1e2d3c-0000-4000-8000-0000000000b1", "name": "HQ Stockholm"}


def v2_record(**changes: object) -> dict:
    """A PersonV2Dto with the fields the tool asks for: ``archived``, no ``status`` (§6.2)."""
    record = {"id": "p-1", "firstName": "HCP", "surName": "Service", "prefixes": "", "dynamicName": "HCP Service",
              "email": "hcp@acme.example", "archived": False, "branch": dict(BRANCH)}
    record.update(changes)
    return record


def v1_record(**changes: object) -> dict:
    """A v1 person: its ``status`` says whether it is archived, and it has no ``archived`` key (§6.2, F13)."""
    record = {"id": "p-1", "status": "person", "firstName": "HCP", "surName": "Service",
              "dynamicName": "HCP Service", "email": "hcp@acme.example", "branch": dict(BRANCH)}
    record.update(changes)
    return record


def person_path(sb) -> str:
    return f"/tas/api/persons/{sb.state.service_operator.linked_person.id}"


# ------------------------------------------------------------------------------------------ from_api

def test_a_v2_record_becomes_a_typed_person():
    person = Person.from_api(v2_record())
    assert person.id == "p-1" and person.email == "hcp@acme.example" and not person.archived
    assert person.name == CardName(first="HCP", prefixes="", sur="Service", dynamic="HCP Service")
    assert person.branch == BranchRef(id=BRANCH["id"], name="HQ Stockholm") and person.branch_name == "HQ Stockholm"


def test_v2_says_archived_with_its_flag():
    assert Person.from_api(v2_record(archived=True)).archived


def test_v1_says_archived_in_its_status():
    assert Person.from_api(v1_record(status="personArchived")).archived
    assert not Person.from_api(v1_record()).archived


def test_missing_or_odd_typed_fields_are_read_as_absent():
    person = Person.from_api({"id": 5, "email": ["hcp@acme.example"], "branch": "HQ", "archived": "true"})
    assert person.id is None and person.email is None and person.branch is None and person.branch_name is None
    assert not person.archived  # only a real true archives
    assert person.name == CardName()


# ---------------------------------------------------------------------------------- over the sandbox

def test_the_linked_person_is_read_once_through_v2_with_its_field_list(sandbox_factory):
    sb = sandbox_factory()
    with facts_context(sb) as ctx:
        answer = read_person(ctx, sb.state.service_operator.linked_person.id)
    assert isinstance(answer, PersonFound) and answer.status == 200
    assert answer.person.email == "hcp@acme.example" and answer.person.name.shown == "HCP Service"
    assert answer.person.branch_name == "HQ Stockholm" and not answer.person.archived
    request, = sb.requests
    assert request.path == person_path(sb) and "fields=" in request.query
    assert {k.lower(): v for k, v in request.headers.items()}["accept"] == PERSON_V2


def test_a_person_that_is_gone_is_not_found_after_asking_v1_too(sandbox_factory):
    sb = sandbox_factory()
    person = sb.state.service_operator.linked_person
    sb.state.persons.remove(person)
    with facts_context(sb) as ctx:
        answer = read_person(ctx, person.id)
    assert answer == PersonNotFound(status=404)
    assert paths(sb) == [f"/tas/api/persons/{person.id}", f"/tas/api/persons/id/{person.id}"]


def test_an_instance_without_persons_v2_is_read_through_v1_which_says_archived_in_its_status(sandbox_factory):
    sb = sandbox_factory("person_archived", profile="no_persons_v2")
    with facts_context(sb) as ctx:
        answer = read_person(ctx, sb.state.service_operator.linked_person.id)
    assert isinstance(answer, PersonFound) and answer.person.archived
    assert paths(sb)[-1].startswith("/tas/api/persons/id/")


def test_a_refusal_is_an_answer_with_topdesks_words(sandbox_factory):
    sb = sandbox_factory("no_supporting_files_read")
    with facts_context(sb) as ctx:
        answer = read_person(ctx, sb.state.service_operator.linked_person.id)
    assert isinstance(answer, PersonRefused) and answer.status == 403
    assert answer.messages and all(isinstance(m, str) and m for m in answer.messages)
    assert paths(sb) == [person_path(sb)]  # a 403 is not a reason to ask v1


def test_a_server_error_raises_the_clients_error(sandbox_factory):
    sb = sandbox_factory()
    sb.inject(person_path(sb), Fault.status(500))
    with facts_context(sb) as ctx, pytest.raises(HTTPStatusError) as raised:
        read_person(ctx, sb.state.service_operator.linked_person.id)
    assert raised.value.status == 500


def test_an_answer_that_is_no_person_object_is_a_bad_response(sandbox_factory):
    sb = sandbox_factory()
    sb.inject(person_path(sb), Fault.status(200, body=["not", "a", "person"]))
    with facts_context(sb) as ctx, pytest.raises(BadResponseError, match="person object"):
        read_person(ctx, sb.state.service_operator.linked_person.id)
