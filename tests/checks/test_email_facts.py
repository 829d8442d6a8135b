"""The cards that carry the operator's email: typed cards, read filtered by email, persons v2 or v1."""

from __future__ import annotations

import pytest
from facts_context import facts_context, paths

from topdesk_preflight.checks._email_facts import (
    OperatorCard, PersonCard, email_query, operators_with_email, persons_with_email,
)
from topdesk_preflight.errors import PermissionDenied

EMAIL = "hcp@acme.example"


# ------------------------------------------------------------------------------------------- cards

def test_an_operator_card_is_named_with_its_login():
    card = OperatorCard.from_api({"id": "o-1", "dynamicName": "Shared Helpdesk", "loginName": "helpdesk",
                                  "email": EMAIL, "status": "operator"})
    assert card.kind == "operator" and card.active and card.email == EMAIL
    assert card.text == "operator card 'Shared Helpdesk' (login helpdesk)"
    assert card.brief == {"card": "operator", "id": "o-1", "name": "Shared Helpdesk", "login_name": "helpdesk"}


def test_a_person_card_is_named_without_a_login_and_by_its_id_when_it_has_no_name():
    card = PersonCard.from_api({"id": "p-1", "dynamicName": "Hanna Cederqvist", "email": EMAIL, "archived": False})
    assert card.kind == "person" and card.text == "person card 'Hanna Cederqvist'"
    assert card.brief == {"card": "person", "id": "p-1", "name": "Hanna Cederqvist", "login_name": None}
    assert PersonCard.from_api({"id": "p-2"}).text == "person card 'p-2'"
    assert OperatorCard.from_api({"id": "o-2"}).text == "operator card 'o-2'"


@pytest.mark.parametrize("card, record", [
    (OperatorCard, {"status": "operatorArchived"}),
    (PersonCard, {"status": "personArchived"}),  # v1
    (PersonCard, {"archived": True}),  # v2
])
def test_an_archived_card_is_not_active_whichever_way_it_says_so(card, record):
    assert not card.from_api({"id": "x", **record}).active


def test_odd_typed_fields_are_read_as_absent():
    card = OperatorCard.from_api({"id": 1, "dynamicName": ["x"], "loginName": 2, "email": None, "archived": "yes"})
    assert (card.id, card.name, card.login_name, card.email) == (None, None, None, None) and card.active


def test_the_query_asks_for_the_email_among_active_cards():
    query = email_query(EMAIL)
    assert f'email=="{EMAIL}"' in query and "archived==false" in query


# ---------------------------------------------------------------------------------- over the sandbox

def test_each_list_is_read_once_filtered_by_the_email(sandbox_factory):
    sb = sandbox_factory()
    with facts_context(sb) as ctx:
        operators, persons = operators_with_email(ctx, EMAIL), persons_with_email(ctx, EMAIL)
    service = sb.state.service_operator
    assert [(type(c), c.id) for c in operators] == [(OperatorCard, service.id)]
    assert [(type(c), c.id) for c in persons] == [(PersonCard, service.linked_person.id)]
    assert paths(sb) == ["/tas/api/operators", "/tas/api/persons"]
    assert all("email" in r.query and "archived" in r.query for r in sb.requests)


def test_other_cards_with_the_email_are_found(sandbox_factory):
    sb = sandbox_factory("email_duplicate")
    with facts_context(sb) as ctx:
        operators, persons = operators_with_email(ctx, EMAIL), persons_with_email(ctx, EMAIL)
    assert "Shared Helpdesk" in [c.name for c in operators]
    assert "Hanna Cederqvist" in [c.name for c in persons]


def test_an_instance_without_persons_v2_is_read_through_v1_and_says_so(sandbox_factory):
    sb = sandbox_factory(profile="no_persons_v2")
    with facts_context(sb) as ctx:
        persons = persons_with_email(ctx, EMAIL)
        detections = list(ctx.client.detections)
    assert [c.id for c in persons] == [sb.state.service_operator.linked_person.id]
    assert detections == ["This TOPdesk does not serve persons v2 (406); persons v1 was read instead."]
    v2, v1 = sb.requests
    assert v2.status == 406 and "pageStart=0" in v2.query and "&fields=" in v2.query
    assert v1.status == 200 and "&start=0&page_size=100" in v1.query and "$fields=" in v1.query
    assert {k.lower(): v for k, v in v1.headers.items()}["accept"] == "application/json"


def test_a_topdesk_that_ignores_the_query_still_gives_only_cards_with_the_email(sandbox_factory):
    sb = sandbox_factory(profile="no_fiql")
    with facts_context(sb) as ctx:
        operators, persons = operators_with_email(ctx, EMAIL), persons_with_email(ctx, EMAIL)
    assert [c.email for c in operators] == [EMAIL]
    assert persons and all(c.email == EMAIL for c in persons)
    assert any(not c.active for c in persons)  # the archived card came back too: the check leaves it out


def test_an_unreadable_list_raises_permission_denied(sandbox_factory):
    sb = sandbox_factory("no_supporting_files_read")
    with facts_context(sb) as ctx, pytest.raises(PermissionDenied) as refused:
        persons_with_email(ctx, EMAIL)
    assert refused.value.status == 403 and "/persons" in (refused.value.path or "")
