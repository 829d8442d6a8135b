"""The sandbox's FIQL parser and evaluator: the query language TOPdesk filters lists with (docs/topdesk-api.md §3.3)."""

from __future__ import annotations

from datetime import datetime

import pytest
from attrs import define

from topdesk_preflight.sandbox.fiql import And, Comparison, Field, FiqlError, Or, compile_query, parse


@define
class Room:
    name: str
    capacity: int | None
    reservable: bool
    branch_id: str
    type_name: str | None
    created: datetime


FIELDS = {
    "name": Field(lambda r: r.name), "capacity": Field(lambda r: r.capacity, "int"),
    "reservationManagement.reservable": Field(lambda r: r.reservable, "bool"),
    "branch.id": Field(lambda r: r.branch_id, "uuid"), "type.name": Field(lambda r: r.type_name),
    "creationDate": Field(lambda r: r.created, "datetime"), "linkedPerson": Field(lambda r: r.type_name, "ref"),
}
HQ = "a1b2c3d4-0000-4000-8000-000000000001"
OTHER = "a1b2c3d4-0000-4000-8000-000000000002"
ROOMS = [
    Room("Aurora 2.08", 8, True, HQ, "Room", datetime(2021, 1, 1)),
    Room("Borealis 2.10", 6, False, HQ, "Room", datetime(2022, 1, 1)),
    Room("Hot desk 3.01", 1, True, HQ, "Desk", datetime(2023, 1, 1)),
    Room("Fjord 1.01", None, True, OTHER, None, datetime(2024, 1, 1)),
]


def names(query: str) -> list[str]:
    predicate = compile_query(query, FIELDS)
    return [r.name for r in ROOMS if predicate(r)]


class TestParser:
    def test_and_binds_tighter_than_or(self) -> None:
        tree = parse("a==1,b==2;c==3")
        assert tree == Or((Comparison("a", "==", ("1",)),
                           And((Comparison("b", "==", ("2",)), Comparison("c", "==", ("3",))))))

    def test_brackets_group(self) -> None:
        assert parse("(a==1,b==2);c==3") == And((Or((Comparison("a", "==", ("1",)), Comparison("b", "==", ("2",)))),
                                                 Comparison("c", "==", ("3",))))

    def test_quoted_values_keep_spaces_and_reserved_characters_and_unescape(self) -> None:
        assert parse("name=='HQ; Stockholm, (main)'") == Comparison("name", "==", ("HQ; Stockholm, (main)",))
        assert parse('name=="it\\"s"') == Comparison("name", "==", ('it"s',))
        assert parse("name=='O\\'Brien'") == Comparison("name", "==", ("O'Brien",))

    def test_unquoted_null_is_null_but_quoted_null_is_text(self) -> None:
        assert parse("type==null") == Comparison("type", "==", (None,))
        assert parse("type=='null'") == Comparison("type", "==", ("null",))

    def test_value_lists(self) -> None:
        assert parse("type.name=in=(Room,'Hot Desk')") == Comparison("type.name", "=in=", ("Room", "Hot Desk"))

    @pytest.mark.parametrize("bad", ["", "name", "name==", "name=='open", "(name==a", "name==a)", "name=xx=a",
                                     "name==a;", ";name==a", "type.name=in=(Room"])
    def test_syntax_errors_raise_fiql_error(self, bad: str) -> None:
        with pytest.raises(FiqlError):
            parse(bad)


class TestEvaluator:
    def test_equality_on_names_ignores_case(self) -> None:  # a guess [I], see fiql.py
        assert names("name=='aurora 2.08'") == ["Aurora 2.08"]

    def test_not_equal(self) -> None:
        assert names("type.name!=Room") == ["Hot desk 3.01", "Fjord 1.01"]

    def test_null_and_not_null(self) -> None:
        assert names("type.name==null") == ["Fjord 1.01"]
        assert names("capacity!=null;type.name==Desk") == ["Hot desk 3.01"]

    def test_ordering_operators_on_numbers_skip_nulls(self) -> None:
        assert names("capacity=gt=6") == ["Aurora 2.08"]
        assert names("capacity=ge=6") == ["Aurora 2.08", "Borealis 2.10"]
        assert names("capacity=lt=6") == ["Hot desk 3.01"]
        assert names("capacity=le=6") == ["Borealis 2.10", "Hot desk 3.01"]

    def test_ordering_on_dates(self) -> None:
        assert names("creationDate=ge=2023-01-01T00:00:00Z") == ["Hot desk 3.01", "Fjord 1.01"]

    def test_starts_with(self) -> None:
        assert names("name=sw=bo") == ["Borealis 2.10"]

    def test_in_and_out(self) -> None:
        assert names("type.name=in=(Room,Desk)") == ["Aurora 2.08", "Borealis 2.10", "Hot desk 3.01"]
        assert names("type.name=out=(Room)") == ["Hot desk 3.01", "Fjord 1.01"]

    def test_booleans_and_dotted_fields(self) -> None:
        assert names(f"branch.id=={HQ};reservationManagement.reservable==true") == ["Aurora 2.08", "Hot desk 3.01"]

    def test_or_and_brackets(self) -> None:
        assert names("(type.name==Desk,capacity=gt=7);branch.id==" + HQ) == ["Aurora 2.08", "Hot desk 3.01"]

    def test_uuid_compare_ignores_case(self) -> None:
        assert names(f"branch.id=={OTHER.upper()}") == ["Fjord 1.01"]

    def test_reference_fields_only_support_null_tests(self) -> None:
        assert names("linkedPerson!=null") == ["Aurora 2.08", "Borealis 2.10", "Hot desk 3.01"]
        with pytest.raises(FiqlError):
            compile_query("linkedPerson==abc", FIELDS)

    @pytest.mark.parametrize("bad", ["floor==2", "capacity==many", "reservationManagement.reservable==yes",
                                     "branch.id==not-a-uuid", "capacity=sw=1", "capacity=gt=null"])
    def test_unknown_fields_and_bad_literals_are_refused(self, bad: str) -> None:
        with pytest.raises(FiqlError):
            compile_query(bad, FIELDS)


def test_equality_tests_every_match_must_pass_are_found_for_indexes():
    from topdesk_preflight.sandbox.fiql import equalities, parse

    assert equalities(parse('branch.id==abc;archived==false')) == [("branch.id", "abc"), ("archived", "false")]
    assert equalities(parse('email=="a@b.c"')) == [("email", "a@b.c")]
    assert equalities(parse("email==a,email==b")) == []  # an OR: no single value every match shares
    assert equalities(parse("linkedPerson==null")) == []
