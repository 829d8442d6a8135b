"""fiql.py: values are always values; field names are validated; groups are bracketed."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topdesk_preflight import fiql


def test_strings_are_double_quoted():
    assert fiql.eq("name", "HQ Stockholm") == 'name=="HQ Stockholm"'


def test_quote_and_backslash_are_escaped():
    assert fiql.quote('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'


def test_injection_attempt_stays_inside_the_value():
    query = fiql.eq("name", 'HQ";archived==true;name=="x')
    assert query == 'name=="HQ\\";archived==true;name==\\"x"'
    assert _split_top_level(query) == [query]  # still one clause


def test_booleans_numbers_dates_uuids():
    some_id = uuid.UUID("a1b2c3d4-0000-4000-8000-000000000001")
    assert fiql.eq("archived", False) == "archived==false"
    assert fiql.eq("reservationManagement.reservable", True) == "reservationManagement.reservable==true"
    assert fiql.gt("capacity", 4) == "capacity=gt=4"
    assert fiql.ge("plannedStartDate", date(2026, 1, 2)) == "plannedStartDate=ge=2026-01-02"
    assert fiql.eq("branch.id", some_id) == "branch.id==a1b2c3d4-0000-4000-8000-000000000001"


def test_every_operator():
    assert fiql.ne("email", "a@b") == 'email!="a@b"'
    assert fiql.lt("capacity", 2) == "capacity=lt=2"
    assert fiql.le("capacity", 2) == "capacity=le=2"
    assert fiql.sw("name", "HQ") == 'name=sw="HQ"'
    assert fiql.is_null("linkedPerson") == "linkedPerson==null"
    assert fiql.not_null("linkedPerson") == "linkedPerson!=null"
    assert fiql.in_("type.name", ["Room", "Desk"]) == 'type.name=in=("Room","Desk")'
    assert fiql.out("type.name", ["Room"]) == 'type.name=out=("Room")'


def test_and_or_bracket_where_needed():
    room_or_desk = fiql.or_(fiql.eq("type.name", "Room"), fiql.eq("type.name", "Desk"))
    query = fiql.and_(fiql.eq("branch.name", "HQ"), room_or_desk)
    assert query == 'branch.name=="HQ";(type.name=="Room",type.name=="Desk")'
    nested_and = fiql.and_(query, fiql.eq("archived", False))  # flattened: AND in AND needs no brackets
    assert nested_and == 'branch.name=="HQ";(type.name=="Room",type.name=="Desk");archived==false'
    assert fiql.or_(fiql.and_(fiql.eq("a", 1), fiql.eq("b", 2)), fiql.eq("c", 3)) == "(a==1;b==2),c==3"


def test_plain_strings_are_bracketed_when_combined():
    assert fiql.and_("a==1,b==2", fiql.eq("c", 3)) == "(a==1,b==2);c==3"


def test_with_active_adds_archived_false():
    assert fiql.with_active(fiql.eq("name", "HQ")) == 'name=="HQ";archived==false'
    assert fiql.with_active(fiql.or_(fiql.eq("a", 1), fiql.eq("b", 2))) == "(a==1,b==2);archived==false"
    assert fiql.with_active() == "archived==false"


@pytest.mark.parametrize("bad", ["", "1name", "name;x", "name==", "na me", "name)", "_x", "name\n"])
def test_bad_field_names_are_refused(bad):
    with pytest.raises(ValueError):
        fiql.eq(bad, "x")


def test_empty_lists_and_groups_are_refused():
    with pytest.raises(ValueError):
        fiql.in_("name", [])
    with pytest.raises(ValueError):
        fiql.and_()


def test_none_is_not_a_value():
    with pytest.raises(ValueError):
        fiql.eq("name", None)  # type: ignore[arg-type]


@given(st.text())
def test_any_string_value_round_trips_and_cannot_end_the_quote(value):
    clause = fiql.eq("name", value)
    assert clause.startswith('name=="')
    literal = clause[len("name=="):]
    assert _unquote(literal) == value
    assert _split_top_level(fiql.and_(clause, fiql.eq("archived", False))) == [clause, "archived==false"]


def _unquote(literal: str) -> str:
    """Read one double-quoted FIQL literal the way an RSQL parser does; it must span the whole text."""
    assert literal[0] == '"'
    out, i = [], 1
    while i < len(literal):
        char = literal[i]
        if char == "\\":
            out.append(literal[i + 1])
            i += 2
            continue
        if char == '"':
            assert i == len(literal) - 1, "the quote ended before the value did"
            return "".join(out)
        out.append(char)
        i += 1
    raise AssertionError("unterminated literal")


def _split_top_level(query: str) -> list[str]:
    """Split on ';' outside quotes and brackets."""
    parts, depth, current, i, quoted = [], 0, [], 0, False
    while i < len(query):
        char = query[i]
        if quoted:
            current.append(char)
            if char == "\\":
                current.append(query[i + 1])
                i += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
            current.append(char)
        elif char == "(":
            depth += 1
            current.append(char)
        elif char == ")":
            depth -= 1
            current.append(char)
        elif char == ";" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts
