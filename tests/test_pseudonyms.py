"""Pseudonyms for personal data (issue #16): stable tokens that keep the relationships a diagnosis needs.

A redacted report goes into a ticket outside the customer; the tokens must hide who is meant while
still telling support which cards are the same, which differ, and which email domain is wrong.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import attrs

from topdesk_preflight.model import CheckResult, Report, RequestRecord, Target
from topdesk_preflight.pseudonyms import (
    KEY_HINT,
    OPERATOR,
    PERSON,
    Masker,
    Pseudonymizer,
    pseudonymize,
    pseudonymize_result,
)
from topdesk_preflight.redaction import MASK, Redactor


def anna_and_bo() -> Pseudonymizer:
    made = Pseudonymizer()
    made.learn(PERSON, card_id="p1", names=["Anna Admin"], emails=["anna.admin@acme.example"], logins=["aadmin"])
    made.learn(OPERATOR, card_id="o1", names=["Bo Berg"], emails=["bo.berg@branch.example"], logins=["bberg"])
    return made


class TestTokens:
    def test_a_card_s_name_email_and_login_share_one_number_and_the_domain_stays(self):
        tokens = anna_and_bo()
        assert tokens.text("Anna Admin <anna.admin@acme.example> (login aadmin)") == \
            "person-1 <person-1@acme.example> (login person-1-login)"

    def test_persons_and_operators_are_counted_apart(self):
        tokens = anna_and_bo()
        assert tokens.text("Bo Berg, Anna Admin") == "operator-1, person-1"
        assert tokens.text("bo.berg@branch.example") == "operator-1@branch.example"

    def test_the_same_value_is_always_the_same_token(self):
        tokens = anna_and_bo()
        first = tokens.text("Anna Admin")
        assert [tokens.text("Anna Admin") for _ in range(3)] == [first] * 3

    def test_equal_values_on_two_cards_get_one_token_so_a_match_stays_visible(self):
        """The operator and its linked person are both 'HCP Service': the report must still show they match."""
        tokens = Pseudonymizer()
        tokens.learn(OPERATOR, card_id="o1", names=["HCP Service"])
        tokens.learn(PERSON, card_id="p1", names=["HCP Service"])
        assert tokens.text("operator 'HCP Service', person 'HCP Service'") == \
            "operator 'operator-1', person 'operator-1'"

    def test_a_card_read_twice_is_one_card(self):
        """The operator's linkedPerson reference names the person; the person card then adds its email."""
        tokens = Pseudonymizer()
        tokens.learn(PERSON, card_id="p1", names=["HCP Servicedesk"])
        tokens.learn(PERSON, card_id="p1", names=["HCP Servicedesk"], emails=["hcp-service@acme.example"])
        assert tokens.text("HCP Servicedesk hcp-service@acme.example") == "person-1 person-1@acme.example"

    def test_phone_numbers_get_their_own_tokens(self):
        tokens = Pseudonymizer()
        tokens.learn(PERSON, names=["Carl Caller"], phones=["+46 70 123 45 67"])
        assert tokens.text("call +46 70 123 45 67") == "call phone-1"

    def test_two_values_that_would_share_a_token_each_get_their_own(self):
        """One card, two spellings of its name: both hidden, and told apart, so unredact restores each."""
        tokens = Pseudonymizer()
        tokens.learn(PERSON, card_id="p1", names=["Anna Admin", "Admin, Anna"])
        assert tokens.text("Anna Admin / Admin, Anna") == "person-1 / person-1-2"

    def test_tokens_are_handed_out_only_for_what_an_output_shows(self):
        """The key file then holds only the values the report carries, not every card the run read."""
        tokens = anna_and_bo()
        assert tokens.entries() == []
        tokens.text("Bo Berg")
        assert tokens.entries() == [("operator-1", "Bo Berg", "name")]


class TestWhatIsReplaced:
    def test_the_hcp_operator_s_email_and_login_are_kept_in_any_case(self):
        tokens = anna_and_bo()
        tokens.keep("hcp@acme.example", "hcp-svc")
        assert tokens.text("HCP@acme.example, hcp-svc") == "HCP@acme.example, hcp-svc"

    def test_a_kept_value_is_not_eaten_by_a_shorter_personal_one(self):
        """Anna runs HCP on her own account: her login must not be cut out of the kept email."""
        tokens = Pseudonymizer()
        tokens.learn(PERSON, logins=["anna.admin"])
        tokens.keep("anna.admin@acme.example")
        assert tokens.text("anna.admin@acme.example and anna.admin") == "anna.admin@acme.example and person-1-login"

    def test_the_longest_value_goes_first(self):
        tokens = Pseudonymizer()
        tokens.learn(OPERATOR, card_id="o1", names=["HCP Service"])
        tokens.learn(PERSON, card_id="p1", names=["HCP Servicedesk"])
        assert tokens.text("'HCP Servicedesk', not 'HCP Service'") == "'person-1', not 'operator-1'"

    def test_only_whole_values_are_replaced(self):
        tokens = anna_and_bo()
        text = "Bo Bergström, xaadmin, aadmins, anna.admin@acme.example.org, bo.berg@branch.examples"
        assert tokens.text(text) == text

    def test_an_email_in_another_case_is_found_and_keeps_a_token_of_its_own(self):
        tokens = anna_and_bo()
        assert tokens.text("anna.admin@acme.example") == "person-1@acme.example"
        assert tokens.text("Anna.Admin@acme.example") == "person-1-2@acme.example"

    def test_a_value_in_a_recorded_request_path_is_found_percent_encoded(self):
        tokens = Pseudonymizer()
        tokens.learn(PERSON, names=["Anna Admin"], emails=["anna@acme.example"])
        path = "/tas/api/persons?query=email==%22anna@acme.example%22;dynamicName==%22Anna%20Admin%22"
        assert tokens.text(path) == "/tas/api/persons?query=email==%22person-1@acme.example%22;" \
                                    "dynamicName==%22person-1%22"

    def test_values_too_short_to_find_safely_are_left_alone(self):
        tokens = Pseudonymizer()
        tokens.learn(OPERATOR, names=["Li"], logins=["bo"])
        assert tokens.text("Li and bo both") == "Li and bo both"

    def test_text_without_any_known_value_comes_back_as_it_was(self):
        assert Pseudonymizer().text("Aurora 2.08 in HQ Stockholm") == "Aurora 2.08 in HQ Stockholm"


class TestAcrossRuns:
    def test_seeded_from_a_key_the_same_values_keep_their_tokens_and_new_ones_count_on(self):
        tokens = Pseudonymizer.from_entries([("person-7", "Anna Admin", "name")])
        tokens.learn(PERSON, card_id="p9", names=["Greta Gustafsson"])
        assert tokens.text("Greta Gustafsson, Anna Admin") == "person-8, person-7"

    def test_a_new_value_of_a_card_the_key_knows_gets_that_card_s_number(self):
        tokens = Pseudonymizer.from_entries([("person-3", "Anna Admin", "name")])
        tokens.learn(PERSON, card_id="p1", names=["Anna Admin"], emails=["anna.admin@acme.example"])
        assert tokens.text("anna.admin@acme.example") == "person-3@acme.example"

    def test_the_key_lists_tokens_as_a_person_counts(self):
        tokens = Pseudonymizer.from_entries([("person-10", "Ten", "name"), ("person-2", "Two", "name"),
                                             ("operator-1", "One", "name")])
        assert [token for token, _, _ in tokens.entries()] == ["operator-1", "person-2", "person-10"]

    def test_threads_finishing_at_once_share_one_set_of_tokens(self):
        tokens = Pseudonymizer()
        names = [f"Person Number{n}" for n in range(40)]
        for name in names:
            tokens.learn(PERSON, names=[name])
        seen: list[str] = []
        workers = [threading.Thread(target=lambda: seen.append(tokens.text(" / ".join(names)))) for _ in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(set(seen)) == 1 and len(tokens.entries()) == 40


class TestRemediation:
    def test_the_first_token_of_a_step_points_at_the_key_file_after_its_quote(self):
        tokens = anna_and_bo()
        step = "TOPdesk administrator: Open the person card 'Anna Admin' (Person settings), then Bo Berg."
        assert Masker(pseudonymizer=tokens).step(step) == \
            f"TOPdesk administrator: Open the person card 'person-1'{KEY_HINT} (Person settings), then operator-1."

    def test_a_step_without_a_personal_value_is_left_as_it_was(self):
        step = "HCP administrator: run topdesk-preflight again."
        assert Masker(pseudonymizer=anna_and_bo()).step(step) == step


def report_naming_anna(redactor: Redactor | None = None) -> Report:
    result = CheckResult.failed(
        "1 other active card shares the email: person card 'Anna Admin'.", details=["Anna Admin is a person"],
        evidence={"duplicates": [{"name": "Anna Admin", "login_name": "aadmin"}], "Anna Admin": True},
        remediation=["TOPdesk administrator: Open the person card 'Anna Admin' and change its email."])
    result = attrs.evolve(result, id="operator.email_unique", silenced="fixed by Anna Admin in May",
                          requests=[RequestRecord("GET", "/tas/api/persons?query=dynamicName==%22Anna%20Admin%22",
                                                  500, error="no Anna Admin")])
    return Report(tool_name="topdesk-preflight", tool_version="0", generated_at=datetime(2030, 1, 1, tzinfo=timezone.utc),
                  target=Target(url="https://acme.topdesk.net", username="hcp-svc", email="hcp@acme.example"),
                  results=[result], warnings=["Anna Admin was seen"], settings={"rooms": ["Anna Admin's room"]},
                  detected=["filters of Anna Admin"], redactor=redactor or Redactor())


class TestTheReport:
    def test_every_text_a_report_carries_is_pseudonymized(self):
        redacted = pseudonymize(report_naming_anna(), anna_and_bo())
        assert "Anna Admin" not in repr(attrs.asdict(redacted, recurse=True, filter=lambda a, v: a.name != "pseudonyms"))
        result = redacted.results[0]
        assert result.summary == "1 other active card shares the email: person card 'person-1'."
        assert result.evidence == {"duplicates": [{"name": "person-1", "login_name": "person-1-login"}],
                                   "person-1": True}
        assert result.remediation == (f"TOPdesk administrator: Open the person card 'person-1'{KEY_HINT} and "
                                      "change its email.",)
        assert result.requests[0].path.endswith("%22person-1%22") and result.requests[0].error == "no person-1"

    def test_the_report_says_it_is_redacted_and_what_was_kept(self):
        redacted = pseudonymize(report_naming_anna(), anna_and_bo(), map_file="acme.redaction-map.json")
        assert redacted.redaction is not None
        assert redacted.redaction["redacted"] is True and redacted.redaction["tokens"] == 2
        assert redacted.redaction["map_file"] == "acme.redaction-map.json"
        assert any("HCP operator's email and login" in kept for kept in redacted.redaction["kept"])
        assert report_naming_anna().redaction is None

    def test_the_secret_redactor_stays_the_renderers_last_pass(self):
        secrets = Redactor.for_run("Sup3r-secret!", "hcp-svc")
        redacted = pseudonymize(report_naming_anna(secrets), anna_and_bo())
        assert redacted.redactor is secrets and redacted.redact("Sup3r-secret!") == MASK
        assert redacted.pseudonyms is not None and "Anna" not in repr(redacted) + repr(redacted.pseudonyms)

    def test_a_progress_line_gets_the_same_tokens_as_the_report(self):
        tokens = anna_and_bo()
        line = pseudonymize_result(report_naming_anna().results[0], tokens)
        assert line.summary == pseudonymize(report_naming_anna(), tokens).results[0].summary
        assert pseudonymize_result(report_naming_anna().results[0], None).summary.endswith("'Anna Admin'.")
