"""Hostile content from TOPdesk: names with HTML, terminal escapes, NULs, bidi overrides, 10,000 characters.

Anyone who can rename a room in TOPdesk writes into the support engineer's terminal and
into the HTML report a customer's admin opens. Both must show such names escaped and
shortened: no markup that runs, no escape sequence that recolours or rewrites the
terminal, no right-to-left override that reverses what follows, no page-long names.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

import pytest
from reliability_support import SECRET, Outcome, sandbox_args

from topdesk_preflight.sandbox import Sandbox

LONG = "A" * 10_000
EVIL = f"<script>alert(1)</script>\x1b[31mRED\x00NUL\u202eRTL<img src=x onerror=alert(2)>{LONG}"
RAW_CONTROLS = ("\x1b", "\x00", "\u202e", "\x07", "\r")


@pytest.fixture
def hostile() -> Iterator[Sandbox]:
    """rooms_untyped, with a hostile room name, branch name and operator name."""
    with Sandbox(scenario="rooms_untyped", password=SECRET) as sb:
        sb.state.location_named("Aurora 2.08").name = "Room " + EVIL
        branch = sb.state.branch_named("HQ Stockholm")
        branch.name = "HQ " + EVIL
        sb.state.branch = branch.name
        sb.state.operator("hcp-svc").first_name = "Op " + EVIL
        yield sb


@pytest.fixture
def outcome(hostile: Sandbox, run_cli: Callable[..., Outcome]) -> Outcome:
    return run_cli(sandbox_args(hostile, "--room", "Room " + EVIL))


def test_the_hostile_names_really_reached_the_report(outcome: Outcome) -> None:
    """Otherwise the tests below would pass for the wrong reason."""
    assert outcome.status("rooms.typed") == "fail" and outcome.status("branch.exists") == "pass"
    assert outcome.status("person.linked") == "fail"  # the operator's hostile name differs from its person's
    assert "alert(1)" in outcome.out and "alert(1)" in outcome.html_text


def test_the_terminal_gets_no_control_characters_and_no_page_long_names(outcome: Outcome) -> None:
    for stream in (outcome.out, outcome.err):
        for control in RAW_CONTROLS:
            assert control not in stream, repr(control)
    assert "A" * 1000 not in outcome.out
    assert max(len(line) for line in outcome.out.splitlines()) < 2000


def test_the_html_report_runs_no_markup_from_topdesk(outcome: Outcome) -> None:
    page = outcome.html_text
    assert not re.search(r"<\s*script", page, re.IGNORECASE)
    assert not re.search(r"<\s*img", page, re.IGNORECASE)  # shown as text (&lt;img ...), never a tag
    assert "&lt;script&gt;" in page
    for control in RAW_CONTROLS:
        assert control not in page, repr(control)


def test_the_html_report_shows_long_names_shortened(outcome: Outcome) -> None:
    """A long name appears in full only inside the replayable request URLs, percent-encoded, where it must be."""
    for run in re.finditer(r"(?<!A)A{1000,}", outcome.html_text):
        before = outcome.html_text[max(0, run.start() - 80):run.start()]
        assert before.endswith("%3E"), before  # percent-encoded '>' of the name's <img ...>: a URL


@pytest.mark.parametrize("depth", [700, 5_000])
def test_a_deeply_nested_room_name_still_gets_every_report_written(
        run_cli: Callable[..., Outcome], tmp_path, depth: int) -> None:
    from topdesk_preflight.sandbox import Fault

    nested: object = "x"
    for _ in range(depth):
        nested = [nested]
    with Sandbox(scenario="healthy", password=SECRET, tls=True) as sb:
        hq = sb.state.branch_named("HQ Stockholm")
        room = {"name": nested, "roomNumber": "1", "branch": {"id": hq.id, "name": hq.name}, "type": None,
                "reservationManagement": {"reservable": True}}
        sb.inject("/tas/api/locations", Fault.status(200, [room]))
        junit = tmp_path / "junit.xml"
        outcome = run_cli(sandbox_args(sb, "--junit", str(junit), "--ticket-text"))  # asserts JSON, HTML exist
    assert outcome.code in (1, 4) and junit.exists()  # 5,000 levels: the simulator itself cannot send it
    assert outcome.status("rooms.typed") in ("fail", "error")
    assert "RecursionError" not in outcome.err
