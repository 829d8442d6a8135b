"""The report's vocabulary as types: who acts, a step, readiness and the --compare change words.

Each type keeps today's words as its values, so the JSON report and every reader of
it see exactly what they saw when these were plain strings; and a step written by
a check reads back, actor and text, in every renderer.
"""

from __future__ import annotations

import json
from typing import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import SCENARIOS, Sandbox
from topdesk_preflight.model import Status
from topdesk_preflight.vocabulary import Actor, Change, Readiness, Step, Word, plural, topdesk_version_words

#: Healthy's instance at a scale that takes long to build; its remediation is healthy's.
SLOW_SCENARIOS = {"large"}


# --- Actor --------------------------------------------------------------------------------------

def test_the_three_actors_are_named_in_the_words_every_output_shows_in_who_does_what_order():
    assert [actor.value for actor in Actor] == ["TOPdesk administrator", "HCP administrator",
                                                "Network administrator"]
    assert str(Actor.HCP) == f"{Actor.HCP}" == "HCP administrator"


def test_an_actor_is_its_words_wherever_a_plain_string_was_expected():
    assert Actor.TOPDESK == "TOPdesk administrator"
    assert "TOPdesk administrator: Open the room".startswith(Actor.TOPDESK)
    assert {"Network administrator": 1}[Actor.NETWORK] == 1
    assert json.dumps({"actor": Actor.NETWORK}) == '{"actor": "Network administrator"}'


# --- Step ---------------------------------------------------------------------------------------

def test_a_step_is_written_as_its_actor_a_colon_and_its_text():
    step = Step(Actor.TOPDESK, "Open the room Aurora 2.08 in branch HQ Stockholm, set Type to Room or Desk, save.")
    assert str(step) == ("TOPdesk administrator: Open the room Aurora 2.08 in branch HQ Stockholm, set Type to "
                         "Room or Desk, save.")


def test_a_step_without_an_actor_is_written_as_its_text_alone():
    assert str(Step(None, "Run the preflight again in a few minutes.")) == "Run the preflight again in a few minutes."


def test_parse_reads_the_actor_back_and_leaves_the_text_as_written():
    assert Step.parse("HCP administrator: enter the new password") == Step(Actor.HCP, "enter the new password")
    assert Step.parse("Network administrator: Allow TCP 443: outbound") == Step(Actor.NETWORK,
                                                                                 "Allow TCP 443: outbound")


def test_parse_knows_only_the_three_actors_and_only_with_the_separator():
    assert Step.parse("Janitor: mop the floor") == Step(None, "Janitor: mop the floor")
    assert Step.parse("HCP administrators must re-enter it") == Step(None, "HCP administrators must re-enter it")
    assert Step.parse("hcp administrator: lower case is not the actor") == Step(
        None, "hcp administrator: lower case is not the actor")


@given(st.text())
def test_parsing_any_text_and_writing_it_again_gives_the_same_text(text):
    assert str(Step.parse(text)) == text


@given(st.sampled_from(list(Actor)), st.text())
def test_a_written_step_parses_back_to_the_same_step(actor, text):
    assert Step.parse(str(Step(actor, text))) == Step(actor, text)


@pytest.fixture(scope="module")
def every_scenarios_steps() -> Iterator[list[tuple[str, str, str]]]:
    """(scenario, check id, step) for every remediation step a full run over each sandbox scenario gives."""
    found: list[tuple[str, str, str]] = []
    with Sandbox(scenario="healthy") as sandbox:
        for name in SCENARIOS:
            if name in SLOW_SCENARIOS:
                continue
            sandbox.load(name)
            report = run_preflight(sandbox.settings())
            found += [(name, r.id, step) for r in report.results for step in r.remediation]
    yield found


def test_every_step_the_sandbox_scenarios_produce_names_its_actor_and_round_trips(every_scenarios_steps):
    assert len(every_scenarios_steps) > 50  # the scenarios break enough to say many things
    for scenario, check_id, step in every_scenarios_steps:
        parsed = Step.parse(step)
        assert parsed.actor is not None, f"{scenario} {check_id}: every step says who acts: {step!r}"
        assert str(parsed) == step and parsed.text and not parsed.text.startswith(" ")


# --- Readiness ----------------------------------------------------------------------------------

def test_readiness_keeps_the_json_reports_words():
    assert [r.value for r in Readiness] == ["ready", "not_ready", "unknown"]
    assert json.dumps({"readiness": Readiness.NOT_READY}) == '{"readiness": "not_ready"}'
    assert Readiness.UNKNOWN == "unknown" and f"{Readiness.UNKNOWN}" == "unknown"


def test_each_readiness_opens_the_verdict_line_with_its_headline():
    assert Readiness.READY.headline == "Ready for Humly Control Panel"
    assert Readiness.NOT_READY.headline == "Not ready"
    assert Readiness.UNKNOWN.headline == "Readiness unknown"


def test_each_readiness_reads_as_prose_in_tables():
    assert [r.label for r in Readiness] == ["ready", "not ready", "unknown"]


def test_each_readiness_has_the_mark_of_the_status_that_decides_it():
    assert [r.mark for r in Readiness] == ["\u2713", "\u2717", "?"]


# --- Change -------------------------------------------------------------------------------------

def test_the_change_words_keep_the_json_reports_values_in_counting_order():
    assert [c.value for c in Change] == ["fixed", "newly_broken", "still_broken", "unchanged"]
    assert Change("still_broken") is Change.STILL_BROKEN
    assert json.dumps([Change.FIXED]) == '["fixed"]' and f"{Change.NEWLY_BROKEN}" == "newly_broken"


def test_each_change_reads_as_prose_and_only_unchanged_is_not_worth_naming():
    assert [c.label for c in Change] == ["fixed", "newly broken", "still broken", "unchanged"]
    assert [c for c in Change if c.noteworthy] == [Change.FIXED, Change.NEWLY_BROKEN, Change.STILL_BROKEN]


def test_a_word_that_is_not_a_change_is_refused():
    with pytest.raises(ValueError):
        Change("better")


# --- one base for the words, and the phrases every output words alike ---------------------------

@pytest.mark.parametrize("kind", [Actor, Readiness, Change, Status])
def test_every_word_is_a_str_that_prints_as_its_value(kind):
    assert issubclass(kind, Word) and issubclass(kind, str)
    for member in kind:
        assert str(member) == f"{member}" == member.value and member.label == member.value.replace("_", " ")


@pytest.mark.parametrize(("count", "word", "expected"), [
    (1, "day", "1 day"), (2, "day", "2 days"), (0, "day", "0 days"),
    (1, "more row", "1 more row"), (3, "more row", "3 more rows"), (2, "person", "2 people"),
])
def test_plural_says_one_of_a_thing_in_the_singular(count, word, expected):
    assert plural(count, word, "people" if word == "person" else None) == expected


@pytest.mark.parametrize(("product", "api", "expected"), [
    ("16.6.7", "3.7.4", "TOPdesk 16.6.7 (REST API 3.7.4)"),
    ("16.6.7", None, "TOPdesk 16.6.7"),
    (None, "3.7.4", "unknown (REST API 3.7.4)"),
    (None, None, "(unknown)"),
])
def test_the_topdesk_version_names_the_product_and_the_rest_api_apart(product, api, expected):
    assert topdesk_version_words(product, api) == expected
