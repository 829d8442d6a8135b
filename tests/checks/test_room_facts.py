"""The branch's rooms as typed values: what a location record says, what it leaves unknown, and the reads."""

from __future__ import annotations

import pytest
from facts_context import facts_context, paths

from topdesk_preflight.checks import _room_facts
from topdesk_preflight.checks._branch_facts import Branch
from topdesk_preflight.checks._room_facts import (
    NAMES_PER_LOOKUP, NO_RESERVABLE, Room, RoomBranch, RoomList, branch_rooms, room_rows, room_type_names,
    rooms_named,
)
from topdesk_preflight.checks._unknown import Unknown
from topdesk_preflight.errors import BadResponseError, PermissionDenied
from topdesk_preflight.sandbox.faults import Fault
from topdesk_preflight.sandbox.model import Location, stable_id

HQ = "HQ Stockholm"
HQ_ID = stable_id("branch", HQ)
HQ_REF = {"id": HQ_ID, "name": HQ}
LOCATIONS = "/tas/api/locations"
HEALTHY_ROOMS = {"Aurora 2.08", "Borealis 2.10", "Hot desk 3.01", "Cirrus 4.02"}


def spec_record(**changes: object) -> dict:
    """An ExtendedLocationDto with the fields the branch's room list asks for (``ROOM_FIELDS``, §5)."""
    record = {"name": "Aurora 2.08", "roomNumber": "2.08", "branch": dict(HQ_REF),
              "type": {"id": stable_id("type", "Room"), "name": "Room"},
              "reservationManagement": {"reservable": True, "issuable": False}}
    record.update(changes)
    return record


# ------------------------------------------------------------------------------------------ from_api

def test_a_spec_record_gives_every_field_the_room_checks_read():
    room = Room.from_api(spec_record())
    assert room == Room(name="Aurora 2.08", room_number="2.08", type_name="Room", reservable=True,
                        branch=RoomBranch(id=HQ_ID, name=HQ), archived=False, id=None)
    assert room.has_hcp_type and room.branch_name == HQ


def test_a_spec_dto_record_without_an_archived_key_is_archived_by_its_status():
    looked_up = spec_record(id="loc-1", status="locationArchived")  # LOOKUP_FIELDS: id and status, no archived
    assert Room.from_api(looked_up).archived is True
    assert Room.from_api(spec_record(status="location")).archived is False
    assert Room.from_api(spec_record(archived=True)).archived is True


def test_a_missing_reservable_box_is_unknown_with_its_reason_not_false():
    for record in (spec_record(reservationManagement=None), {k: v for k, v in spec_record().items()
                                                              if k != "reservationManagement"},
                   spec_record(reservationManagement={"reservable": "yes"})):
        reservable = Room.from_api(record).reservable
        assert reservable == Unknown(NO_RESERVABLE)
        with pytest.raises(TypeError):
            bool(reservable)
    assert Room.from_api(spec_record(reservationManagement={"reservable": False})).reservable is False


@pytest.mark.parametrize("kind", [None, {}, {"name": "  "}, {"name": None}, "Room", {"id": "t"}])
def test_an_empty_or_odd_type_field_is_no_type(kind):
    room = Room.from_api(spec_record(type=kind))
    assert room.type_name is None and not room.has_hcp_type


def test_the_type_is_trimmed_and_matched_to_room_or_desk_ignoring_case():
    assert Room.from_api(spec_record(type={"name": " desk "})).type_name == "desk"
    assert Room.from_api(spec_record(type={"name": " desk "})).has_hcp_type
    storage = Room.from_api(spec_record(type={"name": "Storage"}))
    assert storage.type_name == "Storage" and not storage.has_hcp_type


def test_a_name_that_is_not_text_is_absent_and_labelled_by_id_or_a_question_mark():
    listed = Room.from_api(spec_record(name=["Aurora"], roomNumber=208))
    assert (listed.name, listed.room_number, listed.label) == (None, None, "?")
    assert Room.from_api(spec_record(name=None, id="loc-9", roomNumber=None)).label == "loc-9"
    assert Room.from_api(spec_record(name="", id="loc-9", roomNumber=None)).label == "?"


def test_the_label_adds_the_room_number_only_when_the_name_lacks_it():
    assert Room.from_api(spec_record()).label == "Aurora 2.08"
    assert Room.from_api(spec_record(name="Aurora", roomNumber=" 2.08 ")).label == "Aurora (room number 2.08)"
    assert Room.from_api(spec_record(name="Aurora", roomNumber="  ")).label == "Aurora"


def test_a_branch_that_is_missing_or_no_object_is_none():
    for branch in (None, {}, "HQ Stockholm"):
        room = Room.from_api(spec_record(branch=branch))
        assert room.branch is None and room.branch_name is None
    assert Room.from_api(spec_record(branch={"name": HQ})).branch == RoomBranch(id=None, name=HQ)


# ------------------------------------------------------------------------------------------ evidence

def test_a_row_is_the_rooms_table_line_with_an_unknown_reservable_as_null():
    assert Room.from_api(spec_record()).row("no type") == {
        "name": "Aurora 2.08", "roomNumber": "2.08", "branch": HQ, "type": "Room", "reservable": True,
        "hcp_imports": True, "problem": "no type"}
    assert Room.from_api(spec_record(reservationManagement={})).row()["reservable"] is None


def test_room_rows_are_capped_with_the_total_and_take_a_problem_per_room():
    rooms = [Room.from_api(spec_record(name=f"Pod {n:02d}")) for n in range(60)]
    rows = room_rows(rooms, lambda r: f"problem of {r.label}")
    assert rows["total"] == 60 and len(rows["rooms"]) == _room_facts.EVIDENCE_CAP
    assert rows["rooms"][0]["problem"] == "problem of Pod 00 (room number 2.08)"  # type: ignore[index]


def test_the_room_list_sorts_its_rooms_by_type():
    rooms = [Room.from_api(spec_record(name=n, type=t)) for n, t in
             (("A", {"name": "Room"}), ("B", None), ("C", {"name": "Storage"}), ("D", {"name": "Desk"}))]
    listed = RoomList(branch=Branch(id=HQ_ID, name=HQ), rooms=rooms)
    assert [r.name for r in listed.typed] == ["A", "D"]
    assert [r.name for r in listed.untyped] == ["B"]
    assert [r.name for r in listed.other_typed] == ["C"]
    cut_off = RoomList(branch=listed.branch, rooms=rooms, complete=False, cap=3)
    assert (listed.total_text, cut_off.total_text) == ("4", "more than 3")


# ------------------------------------------------------------------------------------ over the sandbox

def test_the_branchs_active_rooms_are_one_capped_request(sandbox_factory):
    sb = sandbox_factory("healthy")
    with facts_context(sb) as ctx:
        rooms = branch_rooms(ctx)
        assert branch_rooms(ctx) is rooms  # once per run
    assert rooms is not None and rooms.complete and not rooms.query_ignored
    assert {r.name for r in rooms.rooms} == HEALTHY_ROOMS  # the archived Old Aurora 2.07 is left out
    assert all(isinstance(r, Room) and r.branch == RoomBranch(id=HQ_ID, name=HQ) for r in rooms.rooms)
    [request] = [r for r in sb.requests if r.path == LOCATIONS]
    assert f"pageSize={_room_facts.ROOM_FETCH_CAP + 1}" in request.query and "branch.id" in request.query


def test_the_spec_dto_profile_gives_the_same_rooms(sandbox_factory):
    sb = sandbox_factory("healthy", profile="spec_dto")
    with facts_context(sb) as ctx:
        rooms = branch_rooms(ctx)
    assert rooms is not None and {r.name for r in rooms.rooms} == HEALTHY_ROOMS
    assert all(r.reservable is True for r in rooms.rooms)


def test_a_room_answered_without_its_branch_is_pinned_to_the_configured_one(sandbox_factory):
    sb = sandbox_factory("healthy")
    sb.inject(LOCATIONS, Fault.status(200, [spec_record(branch=None)]))
    with facts_context(sb) as ctx:
        rooms = branch_rooms(ctx)
    assert rooms is not None and [r.branch for r in rooms.rooms] == [RoomBranch(id=HQ_ID, name=HQ)]


def test_other_branches_rooms_in_an_unfiltered_answer_are_left_out_and_detected(sandbox_factory):
    sb = sandbox_factory("healthy")
    stranger = spec_record(name="Fjord 1.01", branch={"id": "elsewhere", "name": "Branch Göteborg"})
    sb.inject(LOCATIONS, Fault.status(200, [spec_record(), stranger, spec_record(name="Gone", archived=True)]))
    with facts_context(sb) as ctx:
        rooms = branch_rooms(ctx)
        detected = ctx.client.detections
    assert rooms is not None and rooms.query_ignored
    assert [r.name for r in rooms.rooms] == ["Aurora 2.08"]
    assert any("ignored the search filter (query) on /locations" in d for d in detected)


def test_more_rooms_than_the_cap_are_cut_off_and_say_so(sandbox_factory, monkeypatch):
    monkeypatch.setattr(_room_facts, "ROOM_FETCH_CAP", 3)
    sb = sandbox_factory("healthy")
    with facts_context(sb) as ctx:
        rooms = branch_rooms(ctx)
    assert rooms is not None and rooms.total == 3 and not rooms.complete and rooms.total_text == "more than 3"


def test_an_older_topdesk_that_pages_with_206_is_read_page_by_page(sandbox_factory):
    sb = sandbox_factory("healthy", profile="legacy_location_paging")
    hq, room = sb.state.branch_named(HQ), sb.state.type_named("Room")
    pods = [Location(stable_id("location", f"Pod {n}"), f"Pod {n}", f"7.{n}", hq, room, 4) for n in range(150)]
    sb.state.locations.extend(pods)
    with facts_context(sb) as ctx:
        rooms = branch_rooms(ctx)
        detected = ctx.client.detections
    assert rooms is not None and {r.name for r in rooms.rooms} == HEALTHY_ROOMS | {p.name for p in pods}
    assert any("pages /locations the older way" in d for d in detected)
    assert paths(sb).count(LOCATIONS) > 2  # the first answer (206) and then every page


def test_without_an_active_branch_no_room_is_asked_for(sandbox_factory):
    sb = sandbox_factory("branch_archived")
    with facts_context(sb) as ctx:
        assert branch_rooms(ctx) is None
    assert LOCATIONS not in paths(sb)


def test_an_answer_that_is_not_a_list_of_records_is_a_bad_response(sandbox_factory):
    sb = sandbox_factory("healthy")
    sb.inject(LOCATIONS, Fault.wrong_shape())
    with facts_context(sb) as ctx, pytest.raises(BadResponseError, match="did not return a list of records"):
        branch_rooms(ctx)


def test_rooms_are_looked_up_by_name_a_batch_per_request_archived_ones_too(sandbox_factory):
    sb = sandbox_factory("healthy")
    wanted = ["fjord 1.01", "Old Aurora 2.07", "Zenith 9.99"] + [f"Pod {n}" for n in range(NAMES_PER_LOOKUP)]
    with facts_context(sb) as ctx:
        found = rooms_named(ctx, wanted)
    assert list(found) == wanted
    [fjord] = found["fjord 1.01"]
    assert fjord.name == "Fjord 1.01" and fjord.branch_name == "Branch Göteborg" and not fjord.archived
    [old] = found["Old Aurora 2.07"]
    assert old.archived and old.id == stable_id("location", "Old Aurora 2.07")
    assert found["Zenith 9.99"] == []
    assert paths(sb).count(LOCATIONS) == 2  # 23 names, 20 per request


def test_no_names_asks_nothing(sandbox_factory):
    sb = sandbox_factory("healthy")
    with facts_context(sb) as ctx:
        assert rooms_named(ctx, []) == {}
    assert LOCATIONS not in paths(sb)


# ------------------------------------------------------------------------------------------ room types

def test_the_type_dropdown_is_its_names(sandbox_factory):
    sb = sandbox_factory("healthy")
    with facts_context(sb) as ctx:
        assert room_type_names(ctx) == ("Room", "Desk", "Storage")


def test_an_empty_dropdown_is_known_to_be_empty(sandbox_factory):
    sb = sandbox_factory("healthy")
    sb.state.location_types = []
    with facts_context(sb) as ctx:
        assert room_type_names(ctx) == ()


def test_a_topdesk_without_the_types_endpoint_leaves_the_types_unknown_not_empty(sandbox_factory):
    sb = sandbox_factory("healthy", profile="no_location_types")
    with facts_context(sb) as ctx:
        types = room_type_names(ctx)
    assert isinstance(types, Unknown) and "404" in types.reason


def test_an_account_that_may_not_read_locations_is_refused_the_types(sandbox_factory):
    sb = sandbox_factory("no_supporting_files_read")
    with facts_context(sb) as ctx, pytest.raises(PermissionDenied):
        room_type_names(ctx)
