"""rooms.*: the rooms HCP imports exist in the branch, typed Room or Desk, and are reservable."""

from __future__ import annotations

import pytest

from topdesk_preflight.guide import MENU_ROOM_TYPE
from topdesk_preflight.model import Actor, Status
from topdesk_preflight.sandbox import Fault
from topdesk_preflight.sandbox.model import Location, stable_id

TYPES = "rooms.types_defined"
PRESENT = "rooms.present"
TYPED = "rooms.typed"
MISMATCH = "rooms.branch_mismatch"
RESERVABLE = "rooms.reservable"
HQ = "HQ Stockholm"
GOTEBORG = "Branch Göteborg"
ROW_KEYS = {"name", "roomNumber", "branch", "type", "reservable", "hcp_imports", "problem"}


def topdesk_steps(result) -> list[str]:
    return [step for step in result.remediation if step.startswith(Actor.TOPDESK + ": ")]


def add_room(sb, name: str, number: str, branch: str = HQ, type_: str | None = "Room", *,
             reservable: bool = True, archived: bool = False) -> Location:
    state = sb.state
    kind = state.type_named(type_) if type_ else None
    room = Location(stable_id("location", name), name, number, state.branch_named(branch), kind, 4,
                    reservable=reservable, archived=archived)
    state.locations.append(room)
    return room


def location_requests(sb) -> list:
    return [r for r in sb.requests if r.path == "/tas/api/locations"]


# ------------------------------------------------------------------------------------------ types_defined

def test_room_and_desk_types_pass(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, TYPES).result(TYPES)
    assert result.status is Status.PASS
    assert result.summary == "Room types defined: Room and Desk"
    assert result.evidence["types"] == ["Room", "Desk", "Storage"]


def test_only_room_passes_and_notes_desk_is_for_desks(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    sb.state.location_types = [t for t in sb.state.location_types if t.name != "Desk"]
    result = run(sb, TYPES).result(TYPES)
    assert result.status is Status.PASS
    assert any("Desk is not defined" in d for d in result.details)


def test_an_empty_type_dropdown_fails_in_the_guides_words(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    sb.state.location_types = []
    result = run(sb, TYPES).result(TYPES)
    assert result.status is Status.FAIL
    assert result.summary.startswith("The Type dropdown is empty")
    step, = topdesk_steps(result)
    assert MENU_ROOM_TYPE in step and "New" in step and "Room" in step and "Desk" in step


def test_types_without_room_or_desk_fail_listing_what_exists(sandbox_factory, run):
    sb = sandbox_factory("types_missing")
    result = run(sb, TYPES).result(TYPES)
    assert result.status is Status.FAIL
    assert "Neither Room or Desk exists" in result.summary and "Storage" in result.summary
    assert MENU_ROOM_TYPE in topdesk_steps(result)[0]


def test_a_type_spelled_in_another_case_warns(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    sb.state.type_named("Room").name = "room"
    result = run(sb, TYPES).result(TYPES)
    assert result.status is Status.WARN
    assert "'room'" in result.summary
    assert "rename 'room' to 'Room'" in topdesk_steps(result)[0]


def test_unreadable_types_fail_naming_the_permission(sandbox_factory, run):
    sb = sandbox_factory("no_supporting_files_read")
    result = run(sb, TYPES).result(TYPES)
    assert result.status is Status.FAIL
    assert "Supporting Files" in topdesk_steps(result)[0]


@pytest.mark.parametrize("fault", [Fault.status(500), Fault.html()], ids=["500", "html"])
def test_a_misbehaving_types_endpoint_is_an_error(sandbox_factory, run, fault):
    sb = sandbox_factory("healthy")
    sb.inject("/tas/api/locations/types", fault)
    result = run(sb, TYPES).result(TYPES)
    assert result.status is Status.ERROR
    assert "/tas/api/locations/types" in result.summary


def test_types_are_skipped_when_the_login_is_refused(sandbox_factory, run):
    sb = sandbox_factory("no_api_access")
    assert run(sb, TYPES).result(TYPES).status is Status.SKIPPED


# ------------------------------------------------------------------------------------------------ present

def test_typed_rooms_in_the_branch_pass_with_a_table_of_them(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, PRESENT).result(PRESENT)
    assert result.status is Status.PASS
    assert result.summary == "4 rooms of type Room or Desk in branch 'HQ Stockholm'"
    assert result.evidence["total"] == 4
    rows = {row["name"]: row for row in result.evidence["rooms"]}
    # the archived "Old Aurora 2.07" is not a room any more
    assert set(rows) == {"Aurora 2.08", "Borealis 2.10", "Hot desk 3.01", "Cirrus 4.02"}
    assert rows["Hot desk 3.01"] == {"name": "Hot desk 3.01", "roomNumber": "3.01", "branch": HQ,
                                     "type": "Desk", "reservable": True, "hcp_imports": True, "problem": None}


def test_a_branch_without_locations_fails_with_the_new_room_steps(sandbox_factory, run):
    sb = sandbox_factory("no_rooms")
    result = run(sb, PRESENT).result(PRESENT)
    assert result.status is Status.FAIL
    assert result.summary == "The branch 'HQ Stockholm' has no rooms of type Room or Desk"
    assert "no active locations at all" in result.details[0]
    step, = topdesk_steps(result)
    assert "Rooms tab" in step and "New Room" in step and "'HQ Stockholm'" in step


def test_a_branch_with_only_untyped_and_other_rooms_fails_counting_them(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    for location in sb.state.locations:
        if location.branch.name == HQ:
            location.type = None
    add_room(sb, "Store 0.01", "0.01", type_="Storage")
    result = run(sb, PRESENT).result(PRESENT)
    assert result.status is Status.FAIL
    assert "4 without a type, 1 of other types (Storage)" in result.details[0]
    assert any("Aurora 2.08" in s and "Store 0.01" in s for s in topdesk_steps(result))
    assert result.evidence["total"] == 5


def test_present_is_skipped_when_the_branch_is_missing(sandbox_factory, run):
    sb = sandbox_factory("branch_missing")
    result = run(sb, PRESENT).result(PRESENT)
    assert result.status is Status.SKIPPED
    assert "branch.exists" in result.summary


def test_present_is_skipped_when_no_room_types_exist(sandbox_factory, run):
    sb = sandbox_factory("types_missing")
    result = run(sb, PRESENT).result(PRESENT)
    assert result.status is Status.SKIPPED
    assert "rooms.types_defined" in result.summary


@pytest.mark.parametrize("fault", [Fault.status(500), Fault.html()], ids=["500", "html"])
def test_a_misbehaving_locations_endpoint_is_an_error_for_every_room_check(sandbox_factory, run, fault):
    sb = sandbox_factory("healthy")
    sb.inject("/tas/api/locations", fault)
    report = run(sb, PRESENT, TYPED, RESERVABLE)
    for check_id in (PRESENT, TYPED):
        assert report.result(check_id).status is Status.ERROR
        assert "/tas/api/locations" in report.result(check_id).summary
    assert report.result(RESERVABLE).status is Status.SKIPPED
    assert len(location_requests(sb)) == 1  # the failure is shared, not retried per check


# -------------------------------------------------------------------------------------------------- typed

def test_all_rooms_typed_passes(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, TYPED).result(TYPED)
    assert result.status is Status.PASS
    assert result.summary == "All 4 rooms in branch 'HQ Stockholm' have type Room or Desk"


def test_untyped_rooms_fail_with_one_step_per_room(sandbox_factory, run):
    sb = sandbox_factory("rooms_untyped")
    result = run(sb, TYPED).result(TYPED)
    assert result.status is Status.FAIL
    assert "2 rooms in branch 'HQ Stockholm' have no type" in result.summary
    assert "Aurora 2.08" in result.summary and "Nebula 5.01" in result.summary
    assert f"{Actor.TOPDESK}: Open the room Aurora 2.08 in branch HQ Stockholm, set Type to Room or Desk, " \
           "save." in result.remediation
    rows = {row["name"]: row for row in result.evidence["rooms"]}
    assert set(rows) == {"Aurora 2.08", "Nebula 5.01"}
    assert rows["Nebula 5.01"]["type"] is None and rows["Nebula 5.01"]["hcp_imports"] is False
    assert rows["Nebula 5.01"]["problem"] == "no type"
    assert set(rows["Aurora 2.08"]) == ROW_KEYS
    assert result.evidence["total"] == 2


def test_rooms_of_another_type_only_warn(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    sb.state.location_named("Cirrus 4.02").type = sb.state.type_named("Storage")
    result = run(sb, TYPED).result(TYPED)
    assert result.status is Status.WARN
    assert "Cirrus 4.02 (Storage)" in result.summary
    assert result.evidence["rooms"][0]["problem"] == "type Storage is not imported by HCP"


def test_the_offending_rooms_are_capped_with_the_total(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    for n in range(60):
        add_room(sb, f"Pod {n:02d}", f"7.{n:02d}", type_=None)
    result = run(sb, TYPED).result(TYPED)
    assert result.status is Status.FAIL
    assert result.evidence["total"] == 60
    assert len(result.evidence["rooms"]) == 50
    assert len(result.remediation) == 11 and "50 other rooms" in result.remediation[-1]
    assert "and 50 more" in result.summary


def test_typed_is_skipped_when_the_branch_is_archived(sandbox_factory, run):
    sb = sandbox_factory("branch_archived")
    assert run(sb, TYPED).result(TYPED).status is Status.SKIPPED


# ---------------------------------------------------------------------------------------- branch_mismatch

def test_some_rooms_not_reservable_warn_and_name_them(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    sb.state.location_named("Borealis 2.10").reservable = False
    result = run(sb, RESERVABLE).result(RESERVABLE)
    assert result.status is Status.WARN
    assert result.summary.endswith("in branch 'HQ Stockholm' is not reservable: Borealis 2.10")
    assert result.evidence["reservable_total"] >= 1


def test_a_room_whose_answer_has_no_reservable_box_is_unknown_not_a_verdict():
    from topdesk_preflight.checks._room_facts import Room
    from topdesk_preflight.checks._unknown import Unknown

    def reservable_flag(record):
        return Room.from_api(record).reservable

    assert reservable_flag({"reservationManagement": {"reservable": False}}) is False
    assert reservable_flag({"reservationManagement": {"reservable": True}}) is True
    assert isinstance(reservable_flag({}), Unknown)  # the field was not returned: nothing is known
    assert isinstance(reservable_flag({"reservationManagement": None}), Unknown)


def test_no_expected_rooms_given_is_not_checked_and_names_the_flag(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, MISMATCH, rooms=()).result(MISMATCH)
    assert result.status is Status.SKIPPED and result.enable_with == "--room"
    assert result.summary == "Not checked: give --room (the rooms you expect HCP to import)."


def test_expected_rooms_in_the_branch_pass_without_extra_requests(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, MISMATCH, rooms=("Aurora 2.08", "hot desk 3.01")).result(MISMATCH)
    assert result.status is Status.PASS
    assert result.evidence["in_branch"] == ["Aurora 2.08", "hot desk 3.01"]
    assert len(location_requests(sb)) == 1  # the shared branch list answered it


def test_rooms_under_another_branch_fail_naming_that_branch(sandbox_factory, run):
    sb = sandbox_factory("rooms_wrong_branch")
    result = run(sb, MISMATCH, rooms=("Aurora 2.08", "Borealis 2.10")).result(MISMATCH)
    assert result.status is Status.FAIL
    assert result.summary == ("2 of 2 expected rooms are not in branch 'HQ Stockholm': "
                              "Aurora 2.08 (in Branch Göteborg) and Borealis 2.10 (in Branch Göteborg)")
    assert f"{Actor.TOPDESK}: Open the room Aurora 2.08 (now in branch Branch Göteborg) and set its branch " \
           "to HQ Stockholm, save." in result.remediation
    assert any(s.startswith(Actor.HCP) and "'Branch Göteborg'" in s for s in result.remediation)
    assert result.evidence["other_branch"] == {"Aurora 2.08": GOTEBORG, "Borealis 2.10": GOTEBORG}
    row = result.evidence["rooms"][0]
    assert row["branch"] == GOTEBORG and row["problem"] == "in branch Branch Göteborg, not HQ Stockholm"


def test_rooms_that_do_not_exist_fail_as_not_found(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, MISMATCH, rooms=("Aurora 2.08", "Zenith 9.99")).result(MISMATCH)
    assert result.status is Status.FAIL
    assert result.summary == "1 of 2 expected rooms is not in branch 'HQ Stockholm': Zenith 9.99 (not found)"
    assert result.evidence["not_found"] == ["Zenith 9.99"]
    assert any("New Room" in s and "Zenith 9.99" in s for s in topdesk_steps(result))


def test_an_archived_room_does_not_count(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, MISMATCH, rooms=("Old Aurora 2.07",)).result(MISMATCH)
    assert result.status is Status.FAIL
    assert result.evidence["not_found"] == ["Old Aurora 2.07"]
    assert any("only as an archived room" in d for d in result.details)


def test_a_room_name_with_quotes_commas_and_semicolons_is_looked_up_safely(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    add_room(sb, 'Room "A", B; C', "9.01", branch=GOTEBORG)
    add_room(sb, "Room", "9.02", branch=GOTEBORG)  # what a broken quote would match instead
    result = run(sb, MISMATCH, rooms=('Room "A", B; C',)).result(MISMATCH)
    assert result.status is Status.FAIL
    assert result.evidence["other_branch"] == {'Room "A", B; C': GOTEBORG}
    assert [row["name"] for row in result.evidence["rooms"]] == ['Room "A", B; C']


def test_a_hostile_room_name_in_the_branch_is_found_there(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    add_room(sb, 'Room "A", B; C', "9.01")
    result = run(sb, MISMATCH, rooms=('Room "A", B; C',)).result(MISMATCH)
    assert result.status is Status.PASS


def test_without_a_branch_the_expected_rooms_are_not_checked(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, MISMATCH, branch=None, rooms=("Fjord 1.01",)).result(MISMATCH)
    assert result.status is Status.SKIPPED and result.enable_with == "--branch"
    assert "give --branch" in result.summary


def test_a_misbehaving_room_lookup_is_an_error(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    sb.inject("/tas/api/locations", Fault.status(500))
    result = run(sb, MISMATCH, rooms=("Aurora 2.08",)).result(MISMATCH)
    assert result.status is Status.ERROR


def test_mismatch_is_skipped_when_the_branch_is_missing(sandbox_factory, run):
    sb = sandbox_factory("branch_missing")
    assert run(sb, MISMATCH, rooms=("Aurora 2.08",)).result(MISMATCH).status is Status.SKIPPED


# --------------------------------------------------------------------------------------------- reservable

def test_reservable_rooms_pass(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    result = run(sb, RESERVABLE).result(RESERVABLE)
    assert result.status is Status.PASS
    assert result.evidence["typed_total"] == 4 and result.evidence["total"] == 0


def test_no_reservable_room_at_all_fails_because_hcp_could_never_book_one(sandbox_factory, run):
    sb = sandbox_factory("rooms_not_reservable")
    report = run(sb, RESERVABLE)
    result = report.result(RESERVABLE)
    assert result.status is Status.FAIL
    assert result.summary == ("None of the 4 rooms of type Room or Desk in branch 'HQ Stockholm' are reservable: "
                              "HCP can import them but never book one")
    assert report.readiness == "not_ready"
    assert any("/reservableLocations" in d for d in result.details)
    assert f"{Actor.TOPDESK}: Open the room card Aurora 2.08 in branch HQ Stockholm, expand Reservation " \
           "management, check Reservable, save." in result.remediation
    assert all(row["reservable"] is False and row["problem"] == "not reservable"
               for row in result.evidence["rooms"])


def test_reservable_is_skipped_when_the_branch_has_no_rooms(sandbox_factory, run):
    sb = sandbox_factory("no_rooms")
    result = run(sb, RESERVABLE).result(RESERVABLE)
    assert result.status is Status.SKIPPED
    assert "rooms.present" in result.summary


# ------------------------------------------------------------------------------------------ efficiency

def test_the_room_checks_share_one_fetch_of_the_branchs_rooms(sandbox_factory, run):
    sb = sandbox_factory("healthy")
    report = run(sb, "rooms", "branch")
    assert all(r.status is Status.PASS for r in report.results if r.id.startswith(("rooms.", "branch.")))
    fetches = location_requests(sb)
    assert len(fetches) == 1
    assert "pageSize=" in fetches[0].query and "branch.id" in fetches[0].query


def test_a_large_tenant_costs_the_same_number_of_requests_as_a_small_one(sandbox_factory, run):
    def requests_made(scenario: str) -> list[tuple[str, str]]:
        sb = sandbox_factory(scenario)
        locations[scenario] = len(sb.state.locations)
        report = run(sb, "rooms", "branch", rooms=("Aurora 2.08",))
        assert report.result(PRESENT).status is Status.PASS
        return sorted((r.method, r.path) for r in sb.requests)

    locations: dict[str, int] = {}
    assert requests_made("large") == requests_made("healthy")
    assert locations["large"] >= 100_000 > 100 * locations["healthy"]


def test_a_branch_with_more_rooms_than_the_cap_is_checked_up_to_the_cap_and_says_so(
        sandbox_factory, run, monkeypatch):
    from topdesk_preflight.checks import _room_facts

    monkeypatch.setattr(_room_facts, "ROOM_FETCH_CAP", 3)
    sb = sandbox_factory("healthy")
    report = run(sb, PRESENT, TYPED)
    present = report.result(PRESENT)
    assert present.status is Status.PASS
    assert present.summary.startswith("3+ rooms")
    assert present.evidence["locations_in_branch"] == "more than 3"
    assert any("only the first 3 were checked" in d for d in report.result(TYPED).details)
    assert "pageSize=4" in location_requests(sb)[0].query
