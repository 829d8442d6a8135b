"""Expected versus actual, per room: one table of the branch's locations, each wrong cell with its fix."""

from __future__ import annotations

import json

from html_tree import parse
from reports_fixtures import all_pass_report, identify, mixed_report, room, rooms_report

from topdesk_preflight.guide import MENU_ROOM_TYPE
from topdesk_preflight.model import CheckResult, evolve
from topdesk_preflight.reports import render_html, render_json
from topdesk_preflight.reports.rooms_table import COLUMNS, FIX_RESERVABLE, FIX_TYPE, room_table


def rows_by_name(table):
    return {str(row.name.value): row for row in table.rows}


def test_the_rows_of_all_rooms_checks_merge_into_one_row_per_room():
    table = room_table(rooms_report())
    assert table.branch == "HQ Stockholm"
    assert sorted(rows_by_name(table)) == ["Aurora 2.08", "Borealis 2.10", "Cirrus 4.02", "Hot desk 3.01",
                                           "Nebula 5.01", "Storage 0.01", "Zenith 9.99 (not found)"]
    assert table.shown == 5 and table.total == "5" and table.complete
    assert table.caption == "All 5 locations in branch HQ Stockholm, and 2 expected rooms not in it"


def test_wrong_cells_are_marked_with_what_hcp_expects_and_a_fix():
    table = room_table(rooms_report())
    rows = rows_by_name(table)
    aurora = rows["Aurora 2.08"]
    assert (aurora.type.problem, aurora.type.expected) == ("fail", "Room or Desk")
    assert table.fixes[aurora.type.fix - 1] == FIX_TYPE and MENU_ROOM_TYPE in FIX_TYPE
    assert aurora.hcp_imports.value is False and aurora.hcp_imports.problem == "fail"
    borealis = rows["Borealis 2.10"]
    assert (borealis.reservable.value, borealis.reservable.problem) == (False, "warn")
    assert table.fixes[borealis.reservable.fix - 1] == FIX_RESERVABLE
    assert "Reservation management" in FIX_RESERVABLE and "room card" in FIX_RESERVABLE
    storage = rows["Storage 0.01"]
    assert storage.type.problem == "warn"  # maybe deliberate: a warning, like rooms.typed says
    assert storage.reservable.problem is None  # not an HCP room, so not being reservable is fine
    nebula = rows["Nebula 5.01"]
    assert (nebula.branch.value, nebula.branch.problem, nebula.branch.expected) == ("HQ Göteborg", "fail",
                                                                                   "HQ Stockholm")
    assert nebula.hcp_imports.value is False and not nebula.in_branch
    assert rows["Zenith 9.99 (not found)"].name.problem == "fail"
    assert not rows["Cirrus 4.02"].wrong and not rows["Hot desk 3.01"].wrong


def test_wrong_rows_come_first_and_fix_notes_are_numbered_in_reading_order():
    table = room_table(rooms_report())
    assert [row.wrong for row in table.rows] == [True] * 5 + [False] * 2
    numbers = [cell.fix for row in table.rows for cell in row.cells if cell.fix is not None]
    assert numbers[0] == 1 and sorted(set(numbers)) == list(range(1, len(table.fixes) + 1))


def test_a_capped_list_says_how_many_of_how_many_it_shows():
    typed = [room(f"Room {i}", str(i)) for i in range(50)]
    capped = identify(CheckResult.passed("many", evidence={"rooms": typed, "total": 2400,
                                                           "branch": "HQ", "locations_in_branch": "more than 2000"}),
                      "rooms.present", "Rooms exist", "")
    table = room_table(evolve(all_pass_report(), results=[capped]))
    assert table.caption == "Showing 50 of more than 2000 locations in branch HQ"
    assert not table.complete


def test_no_table_without_room_rows():
    assert room_table(all_pass_report()) is None
    assert 'id="rooms"' not in render_html(all_pass_report())


def test_the_html_table_highlights_each_wrong_cell_with_expected_value_and_fix_link():
    section = parse(render_html(rooms_report())).find("section", id="rooms")
    table = section.find("table", class_="room-table")
    assert [th.text() for th in table.find("thead").find_all("th")] == list(COLUMNS)
    rows = {tr.find_all("td")[0].text(): tr.find_all("td") for tr in table.find("tbody").find_all("tr")}
    type_cell = rows["Aurora 2.08"][3]
    assert "cell-fail" in type_cell.classes()
    assert type_cell.find("span", class_="expected").text().startswith("expected: Room or Desk")
    link = type_cell.find("a", class_="fix-ref").attrs["href"]
    note = section.find("li", id=link.removeprefix("#")).text()
    assert MENU_ROOM_TYPE in note and "set Type to Room or Desk" in note
    reservable = rows["Borealis 2.10"][4]
    assert "cell-warn" in reservable.classes() and reservable.text().startswith("no")
    assert not rows["Cirrus 4.02"][3].classes()  # right cells are plain
    assert "All 5 locations in branch HQ Stockholm" in section.find("p", class_="hint").text()


def test_the_same_rows_stay_in_the_json_under_the_rooms_checks_evidence():
    checks = {c["id"]: c for c in json.loads(render_json(rooms_report()))["checks"]}
    assert [r["name"] for r in checks["rooms.typed"]["evidence"]["rooms"]] == ["Aurora 2.08", "Storage 0.01"]
    assert checks["rooms.present"]["evidence"]["locations_in_branch"] == "5"


def test_old_style_room_evidence_still_draws_a_table():
    table = room_table(mixed_report())  # rows without roomNumber or reservable
    assert sorted(rows_by_name(table)) == ["Aurora 2.08", "Borealis 3.01"]
    assert all(row.type.problem == "fail" for row in table.rows)


def test_the_fix_notes_name_who_follows_them_in_the_vocabularys_words():
    from topdesk_preflight.model import Actor

    rooms = parse(render_html(rooms_report())).find("section", id="rooms")
    assert [h.text() for h in rooms.find_all("h4")] == [f"How to fix the highlighted cells ({Actor.TOPDESK.value})"]
