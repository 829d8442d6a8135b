"""How a raw card's shared fields become typed values: text, flags, names, references."""

from __future__ import annotations

import pytest

from topdesk_preflight.checks._card_fields import (
    BranchRef, CardName, PersonRef, flag_field, or_none, ref_record, same_text, text_field,
)
from topdesk_preflight.checks._unknown import Unknown


def test_a_text_field_is_text_or_none_never_another_type():
    record = {"name": "HQ", "number": 5, "none": None, "list": ["a"]}
    assert text_field(record, "name") == "HQ"
    assert [text_field(record, k) for k in ("number", "none", "list", "absent")] == [None] * 4


def test_a_flag_is_the_boolean_or_unknown_saying_why():
    assert flag_field({"on": True}, "on", absent="not said") is True
    assert flag_field({"on": False}, "on", absent="not said") is False
    assert flag_field({}, "on", absent="not said") == Unknown("not said")
    odd = flag_field({"on": "yes"}, "on", absent="not said")
    assert isinstance(odd, Unknown) and "'yes'" in odd.reason and "neither true nor false" in odd.reason
    assert isinstance(flag_field({"on": None}, "on", absent="not said"), Unknown)


def test_an_unknown_shows_as_null_in_evidence_and_a_value_as_itself():
    assert or_none(Unknown("x")) is None
    assert or_none(False) is False and or_none("a") == "a"


def test_same_text_ignores_case_and_spacing_but_not_letters():
    assert same_text(" HCP@Acme.Example ", "hcp@acme.example")
    assert same_text("HCP  Service", "hcp service")
    assert same_text(None, "") and not same_text(None, "x")
    assert not same_text("hcp@acme.example", "hcp@acme.exampl")


def test_a_name_is_read_from_its_four_fields():
    name = CardName.from_api({"firstName": "Jan", "prefixes": "van", "surName": "Dijk", "dynamicName": "Jan van Dijk"})
    assert name == CardName(first="Jan", prefixes="van", sur="Dijk", dynamic="Jan van Dijk")
    assert name.full == "Jan van Dijk" and name.shown == "Jan van Dijk"


def test_a_name_is_shown_by_its_display_name_else_first_and_surname():
    assert CardName(first="HCP", sur="Service").shown == "HCP Service"
    assert CardName(sur="Service").shown == "Service"
    assert CardName().shown == ""


def test_a_full_name_needs_a_first_name_and_a_surname():
    assert CardName(first="HCP", sur="").full is not None
    assert CardName(first="HCP", dynamic="HCP Service").full is None


def test_a_dutch_prefix_in_prefixes_on_one_card_and_in_surname_on_the_other_is_the_same_name():
    operator = CardName(first="Jan", prefixes="van", sur="Dijk", dynamic="Jan van Dijk")
    person = CardName(first="Jan", sur="van Dijk", dynamic="Jan van Dijk")
    assert operator.matches(person) and person.matches(operator)
    assert not operator.matches(CardName(first="Jan", sur="Dijkstra"))


def test_without_name_parts_on_both_cards_the_display_names_are_compared():
    assert CardName(dynamic="HCP Service").matches(CardName(first="Other", sur="Name", dynamic="hcp  service"))
    assert not CardName(dynamic="HCP Service").matches(CardName(dynamic="HCP Servicedesk"))


@pytest.mark.parametrize("ref", [BranchRef, PersonRef])
def test_a_reference_needs_an_id_and_keeps_its_name_if_it_has_one(ref):
    assert ref.from_api({"id": "b1", "name": "HQ Stockholm"}) == ref(id="b1", name="HQ Stockholm")
    assert ref.from_api({"id": "b1", "name": 7}) == ref(id="b1", name=None)
    assert ref.from_api({"name": "HQ Stockholm"}) is None
    assert ref.from_api({"id": ""}) is None and ref.from_api({"id": None}) is None and ref.from_api({}) is None


def test_a_reference_record_is_the_object_under_its_key_or_empty():
    assert ref_record({"branch": {"id": "b1"}}, "branch") == {"id": "b1"}
    assert ref_record({"branch": None}, "branch") == {} and ref_record({"branch": "HQ"}, "branch") == {}
    assert ref_record({}, "branch") == {}
