"""Text from TOPdesk loses terminal escapes, control and bidi-override characters, and excess length."""

from __future__ import annotations

import pytest

from topdesk_preflight.reports.sanitize import clean_text, clip, display, encodable


@pytest.mark.parametrize("raw, shown", [
    ("Red\x1b[2J\x1b[31mroom", "Redroom"),  # clear screen + colour (CSI)
    ("a\x1b]0;pwned\x07b", "ab"),  # window title (OSC ended by BEL)
    ("a\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # terminal hyperlink
    ("x\x9b31my", "xy"),  # 8-bit CSI
    ("nul\x00bell\x07del\x7f", "nulbelldel"),
    ("evil\u202etxt.exe", "eviltxt.exe"),  # right-to-left override
    ("Göteborg Södra 2.08 ✓", "Göteborg Södra 2.08 ✓"),  # real text is untouched
])
def test_clean_text_removes_what_could_rewrite_a_screen(raw, shown):
    assert clean_text(raw) == shown


def test_newlines_and_tabs_survive_unless_one_line_is_wanted():
    assert clean_text("a\nb\tc") == "a\nb\tc"
    assert clean_text("a\n\nb\tc", single_line=True) == "a b c"


def test_clip_keeps_short_text_and_ends_long_text_in_an_ellipsis():
    assert clip("short", 10) == "short"
    assert clip("x" * 11, 10) == "x" * 9 + "\u2026"
    assert len(display("y" * 10_000, 300)) == 300


def test_non_text_values_are_shown_by_their_string():
    assert display(12, 10) == "12" and display(None, 10) == "None"


def test_lone_surrogates_are_replaced_so_the_text_can_be_written():
    assert encodable("a\ud800b") == "a?b"
    assert encodable("fine") == "fine"


def test_line_and_paragraph_separators_and_invisible_formatters_cannot_forge_lines():
    from topdesk_preflight.reports.sanitize import display

    assert display("Room\u2028FAIL fake line\u2029x", 100, single_line=True) == "Room FAIL fake line x"
    assert display("a\u200bb\ufeffc\u2060d", 100) == "abcd"


def test_text_for_a_markdown_ticket_is_inert_but_ids_and_menu_paths_stay_readable():
    from topdesk_preflight.reports.sanitize import markdown_inert

    assert markdown_inert("[click](http://evil.example) **bold** _it_ <b>") == \
        "\\[click\\](http://evil.example) \\*\\*bold\\*\\* \\_it\\_ \\<b>"
    assert markdown_inert("# heading") == "\\# heading" and markdown_inert("1. item") == "1\\. item"
    assert markdown_inert("auth.app_password_expiry: Supporting Files -> Permission Group") == \
        "auth.app_password_expiry: Supporting Files -> Permission Group"


def test_the_ticket_text_escapes_a_hostile_room_name():
    from reports_fixtures import mixed_report

    from topdesk_preflight.model import evolve
    from topdesk_preflight.reports import ticket_text

    report = mixed_report()
    hostile = [evolve(r, summary="[click](http://evil.example) **now**") if r.id == "rooms.typed" else r
               for r in report.results]
    text = ticket_text(evolve(report, results=tuple(hostile)))
    assert "\\[click\\](http://evil.example) \\*\\*now\\*\\*" in text and "[click](" not in text
