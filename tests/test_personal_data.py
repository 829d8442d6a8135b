"""Which values are personal: read off the person and operator cards TOPdesk returns, never guessed from text."""

from __future__ import annotations

import json

import pytest

from topdesk_preflight.client import TopdeskClient
from topdesk_preflight.client.response import ApiResponse
from topdesk_preflight.personal_data import card_kind, full_names, learn_card, observe, records, watch
from topdesk_preflight.pseudonyms import OPERATOR, PERSON, Pseudonymizer
from topdesk_preflight.sandbox import Sandbox


def answer(path: str, body: object, status: int = 200) -> ApiResponse:
    return ApiResponse(status=status, path=path, headers={}, body=json.dumps(body).encode(),
                       content_type="application/json", elapsed_s=0.0)


class TestWhichAnswersHoldCards:
    @pytest.mark.parametrize("path, expected", [
        ("/tas/api/operators/current?fields=id,email", (OPERATOR, True)),
        ("/tas/api/operators?query=email==%22x%22", (OPERATOR, False)),
        ("/tas/api/operators/id/0b5e", (OPERATOR, False)),
        ("/tas/api/persons/0b5e?fields=id", (PERSON, False)),
        ("/tas/api/persons/id/0b5e", (PERSON, False)),
        ("/tas/api/persons", (PERSON, False)),
    ])
    def test_the_person_and_operator_endpoints(self, path, expected):
        assert card_kind(path) == expected

    @pytest.mark.parametrize("path", [
        "/tas/api/operators/id/0b5e/filters/branch",  # branch filter cards: named things, not people
        "/tas/api/operators/id/0b5e/permissiongroups",  # the permission group name is kept
        "/tas/api/branches?query=name==%22HQ%22", "/tas/api/locations", "/tas/api/version",
    ])
    def test_not_the_branches_rooms_filters_or_permission_groups(self, path):
        assert card_kind(path) is None

    @pytest.mark.parametrize("data, count", [([{"id": 1}, {"id": 2}, "x"], 2), ({"id": 1}, 1),
                                             ({"results": [{"id": 1}]}, 1), (None, 0), ("text", 0)])
    def test_records_come_as_a_list_one_card_or_a_wrapped_list(self, data, count):
        assert len(records(data)) == count


class TestWhatACardGives:
    def test_the_display_name_and_first_prefix_surname(self):
        card = {"dynamicName": "Jan van Dijk", "firstName": "Jan", "prefixes": "van", "surName": "Dijk"}
        assert full_names(card) == ["Jan van Dijk", "Jan van Dijk", "Jan Dijk"]

    def test_the_hcp_operator_s_email_and_login_are_kept_and_its_name_is_not(self):
        tokens = Pseudonymizer()
        learn_card(tokens, OPERATOR, {"id": "o1", "dynamicName": "HCP Service", "email": "hcp@acme.example",
                                      "loginName": "hcp-svc"}, own=True)
        assert tokens.text("'HCP Service' (login hcp-svc) hcp@acme.example") == \
            "'operator-1' (login hcp-svc) hcp@acme.example"

    def test_the_operator_s_linked_person_is_a_person(self):
        tokens = Pseudonymizer()
        learn_card(tokens, OPERATOR, {"id": "o1", "dynamicName": "Bo Berg",
                                      "linkedPerson": {"id": "p1", "name": "Bo Person"}})
        assert tokens.text("Bo Person, Bo Berg") == "person-1, operator-1"

    def test_every_personal_field_of_a_whole_card_is_learned_even_those_no_check_shows(self):
        """A server that refused the field list (or persons v1) sends the whole card; none of it may leak."""
        tokens = Pseudonymizer()
        observe(tokens, answer("/tas/api/persons/id/p1", {
            "id": "p1", "firstName": "Carl", "surName": "Caller", "email": "carl@acme.example",
            "tasLoginName": "ccaller", "networkLoginName": "ACME\\ccaller", "phoneNumber": "+46 8 123 456",
            "mobileNumber": "070-123 45 67", "branch": {"id": "b1", "name": "HQ Stockholm"}}))
        text = "Carl Caller carl@acme.example ccaller ACME\\ccaller +46 8 123 456 070-123 45 67 HQ Stockholm"
        assert tokens.text(text) == ("person-1 person-1@acme.example person-1-login person-1-login-2 phone-1 "
                                     "phone-2 HQ Stockholm")

    @pytest.mark.parametrize("response", [
        answer("/tas/api/persons/p1", {"dynamicName": "Carl Caller"}, status=404),
        ApiResponse(status=200, path="/tas/api/persons/p1", headers={}, body=b"<html>Carl Caller</html>",
                    content_type="text/html", elapsed_s=0.0),
        answer("/tas/api/locations", [{"name": "Carl Caller"}]),
    ])
    def test_error_answers_non_json_and_other_endpoints_teach_nothing(self, response):
        tokens = Pseudonymizer()
        observe(tokens, response)
        assert tokens.text("Carl Caller") == "Carl Caller"


class TestTheClientHook:
    def test_the_run_s_client_shows_every_answer_to_the_pseudonymizer(self, sb: Sandbox):
        """Over the HTTPS sandbox: the cards the checks read are what the pseudonymizer knows."""
        tokens = Pseudonymizer()
        with TopdeskClient(sb.settings()) as client:
            assert watch(client, tokens)
            client.get_json("/operators/current")
            client.get_json("/operators", {"query": "email==\"anna.admin@acme.example\""})
        assert tokens.text("Anna Admin (login aadmin), HCP Service") == \
            "operator-1 (login operator-1-login), operator-2", "numbered as the outputs first show them"
        assert tokens.text("hcp-svc hcp@acme.example") == "hcp-svc hcp@acme.example"

    def test_a_client_without_the_hook_has_nothing_to_show(self):
        assert watch(object(), Pseudonymizer()) is False
