"""The terminal: one line per finished check, then the verdict and the numbered steps to fix."""

from __future__ import annotations

import re

import pytest
from reports_fixtures import (
    BIDI_OVERRIDE,
    ESCAPE_SEQUENCE,
    FAKE_PASSWORD,
    all_pass_report,
    hostile_report,
    identify,
    mixed_report,
)

from topdesk_preflight.model import CheckResult, evolve
from topdesk_preflight.reports import result_line, summary_lines
from topdesk_preflight.reports.ticket_report import ticket_text

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ANY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def result_of(report, check_id):
    return report.result(check_id)


@pytest.mark.parametrize("check_id, tag", [
    ("network.dns", "PASS"), ("auth.app_password_expiry", "WARN"), ("rooms.typed", "FAIL"),
    ("permissions.reservations", "ERROR"), ("rooms.reservable", "SKIP"),
])
def test_a_result_line_shows_tag_id_and_what_was_found_without_a_sub_second_time(check_id, tag):
    result = result_of(mixed_report(), check_id)
    line = result_line(result, color=False)
    assert line.startswith(tag)
    assert f" {check_id} " in line and result.title not in line
    words = line.split(check_id, 1)[1].split()
    assert " ".join(words).rstrip("\u2026") in result.summary  # the summary, clipped at a word
    assert not re.search(r"\d\.\d\ds$", line) and len(line) <= 80


def test_a_duration_is_shown_only_with_timings_and_then_on_every_line():
    result = evolve(result_of(mixed_report(), "rooms.typed"), duration_s=2.34)
    assert not result_line(result, color=False).endswith("s")
    assert result_line(result, color=False, timings=True).endswith("  2.34s")
    assert result_line(evolve(result, duration_s=0.01), color=False, timings=True).endswith("  0.01s")


def test_result_lines_line_up_in_columns():
    lines = [result_line(r, color=False) for r in mixed_report().results]
    assert len({line.index(r.id) for line, r in zip(lines, mixed_report().results)}) == 1


def test_colour_only_when_asked():
    result = result_of(mixed_report(), "rooms.typed")
    plain, coloured = result_line(result, color=False), result_line(result, color=True)
    assert "\x1b" not in plain
    assert coloured.startswith("\x1b[") and ANSI.sub("", coloured) == plain


def test_no_colour_anywhere_in_the_summary_when_color_is_false():
    for report in (all_pass_report(), mixed_report(), hostile_report()):
        assert not any("\x1b" in line for line in summary_lines(report, color=False, paths=["r.json"]))


def test_text_from_topdesk_cannot_send_escape_sequences_to_the_terminal():
    report = hostile_report()
    lines = [result_line(r, color=True) for r in report.results] + summary_lines(report, color=True)
    for line in lines:
        assert not ANY_CONTROL.search(ANSI.sub("", line)), repr(line)
        assert BIDI_OVERRIDE not in line
    assert ESCAPE_SEQUENCE not in "".join(lines)


def test_a_newline_in_a_title_cannot_break_the_one_line_format():
    result = identify(CheckResult.passed("ok"), "a.b", "first\nsecond\tthird", "")
    assert result_line(result, color=False).count("\n") == 0


def test_very_long_text_is_shortened_in_the_terminal():
    lines = summary_lines(hostile_report(), color=False)
    assert max(len(line) for line in lines) < 1_100
    assert any(line.endswith("\u2026") for line in lines)
    wrapped = summary_lines(hostile_report(), color=False, width=80)
    assert max(len(line) for line in wrapped) <= 80 and len(wrapped) < 60
    assert any(line.endswith("\u2026") for line in wrapped)


def test_ready_summary_says_so_with_counts_and_paths():
    lines = summary_lines(all_pass_report(), color=False, paths=["a/r.json", "a/r.html"])
    assert "Ready for Humly Control Panel" in lines
    assert "4 checks: 4 passed, 0 warnings, 0 failed, 0 errors, 0 skipped in 1.23s" in lines
    assert lines[-3:] == ["Reports:", "  a/r.json", "  a/r.html"]
    assert "What to fix:" not in lines


def test_not_ready_summary_lists_each_root_cause_with_numbered_steps_and_what_it_blocks():
    lines = summary_lines(mixed_report(), color=False)
    assert "Not ready: 2 problems, 3 steps to fix" in lines
    start = lines.index("What to fix first (2 problems, 3 steps):")
    block = lines[start + 1:]
    assert block[0] == "FAIL  rooms.typed: 2 of 5 rooms in HQ Stockholm have no Room or Desk type."
    assert block[1] == "      Guide: Rooms do not appear in HCP import"
    assert block[2].startswith("      1. TOPdesk administrator: Open the room Aurora 2.08")
    assert block[3].startswith("      2. Open the room Borealis 3.01")
    assert block[4] == "      Blocks 1 check (skipped until fixed): rooms.reservable"
    assert block[5].startswith("ERROR permissions.reservations: TOPdesk answered 503")
    assert "      1. Run the preflight again in a few minutes." in block


def test_warnings_of_the_run_and_warned_checks_are_shown_but_not_as_steps():
    lines = summary_lines(mixed_report(), color=False)
    assert any(line.startswith("WARNING: TLS certificate verification was disabled") for line in lines)
    assert any(line.startswith("WARN  auth.app_password_expiry:") for line in lines)
    assert lines.index("Worth a look (does not block HCP):") > lines.index("What to fix first (2 problems, 3 steps):")


def test_a_silenced_failure_is_listed_apart_and_not_counted_as_a_step():
    lines = summary_lines(mixed_report(), color=False)
    silenced_at = lines.index("Silenced by the config file (1 silenced, not counted):")
    assert lines[silenced_at + 1].startswith("FAIL  operator.email_unique: known duplicate")
    assert not any(line.startswith("FAIL  operator.email_unique") for line in lines[:silenced_at])


def test_only_errors_means_readiness_unknown_and_the_summary_says_why():
    report = mixed_report()
    only_error = evolve(report, results=[r for r in report.results if r.status.value != "fail"])
    lines = summary_lines(only_error, color=False)
    assert "Readiness unknown: 1 check could not be assessed" in lines
    assert not any(line.startswith("Not ready") for line in lines)
    assert any("readiness is unknown" in line for line in lines)


def test_ticket_text_holds_what_the_guide_asks_for():
    text = ticket_text(mixed_report())
    assert "TOPdesk version: TOPdesk 2024.3 (REST API 3.7.2)" in text  # the product's, as the guide asks
    assert "Guide steps where the issue occurred: Rooms do not appear in HCP import; Registering a permission group" in text
    assert "  2. permissions.reservations (error): TOPdesk answered 503 Service Unavailable three times." in text
    assert "Operator email: hcp@acme.com" in text
    assert "Permission groups: HCP integration, Reservations" in text
    assert FAKE_PASSWORD not in text


def test_ticket_text_for_a_ready_instance_says_nothing_failed():
    text = ticket_text(all_pass_report())
    assert text.startswith("topdesk-preflight verdict: Ready for Humly Control Panel\n")
    assert "Root causes" not in text
    assert "(none: nothing failed)" in text
    assert "every check passed" not in text
    assert "Permission groups: HCP integration" in text


# --- issue 11 additions ----------------------------------------------------------------------------

def test_the_silenced_count_is_in_the_counts_line():
    lines = summary_lines(mixed_report(), color=False)
    assert any(line.endswith("(1 silenced by the config file)") and line.startswith("9 checks:") for line in lines)


def test_a_failed_network_check_says_where_the_tool_ran_and_to_run_it_on_the_hcp_server():
    from reports_fixtures import network_fail_report

    lines = summary_lines(network_fail_report(), color=False)
    note = next(line for line in lines if line.startswith("NOTE: "))
    assert ("Checked from support-laptop-7, which resolved acme.topdesk.net to 10.20.30.40 (private), "
            "192.0.2.10 (public), through the proxy http://proxy.corp.example:3128.") in note
    assert note.endswith("run topdesk-preflight on the HCP server itself.")
    assert not any(line.startswith("NOTE: ") for line in summary_lines(mixed_report(), color=False))


def test_compare_adds_a_line_and_tags_the_changed_checks():
    from reports_fixtures import PREVIOUS_GENERATED_AT, compared_report

    report = compared_report()
    lines = summary_lines(report, color=False)
    assert (f"Compared with the earlier report: 2 fixed, 1 newly broken, 2 still broken since "
            f"{PREVIOUS_GENERATED_AT}") in lines
    assert any(line.startswith("ERROR permissions.reservations:") and line.endswith("[newly broken]")
               for line in lines)
    assert result_line(report.result("auth.credentials"), color=False).endswith("[fixed]")
    assert "[" not in result_line(report.result("network.dns"), color=False)  # unchanged: no tag
    assert "Compared with" not in "\n".join(summary_lines(mixed_report(), color=False))


def test_a_silenced_result_line_says_so():
    assert result_line(mixed_report().result("operator.email_unique"), color=False).endswith("(silenced)")


def test_ticket_text_is_short_and_leads_with_the_verdict_and_the_causes_with_first_steps(tmp_path):
    import hashlib

    report = mixed_report()
    json_file = tmp_path / "r.json"
    json_file.write_text("{}\n", encoding="utf-8")
    text = ticket_text(report, files=[json_file, tmp_path / "not-written.html", ("other.json", "ab" * 32)])
    lines = text.splitlines()
    assert lines[0] == "topdesk-preflight verdict: Not ready: 2 problems, 3 steps to fix"
    assert lines[1].startswith("TOPdesk: https://acme.topdesk.net (operator login hcp-svc), checked 2025-03-04")
    assert lines[2] == "Root causes (fix these first):"
    assert lines[3] == "  1. rooms.typed (fail): 2 of 5 rooms in HQ Stockholm have no Room or Desk type."
    assert lines[4].startswith("     Step 1: TOPdesk administrator: Open the room Aurora 2.08")
    assert lines[5].startswith("     Step 2: Open the room Borealis 3.01")  # every step, not only the first
    assert lines[6] == "     Blocks: rooms.reservable"
    digest = hashlib.sha256(json_file.read_bytes()).hexdigest()
    assert f"  r.json  SHA-256 {digest}" in lines
    assert "  not-written.html" in lines and f"  other.json  SHA-256 {'ab' * 32}" in lines
    assert len(lines) < 25 and FAKE_PASSWORD not in text


def test_ticket_text_for_readiness_unknown_and_compare():
    from reports_fixtures import compared_report, unknown_report

    assert ticket_text(unknown_report()).startswith(
        "topdesk-preflight verdict: Readiness unknown: 1 check could not be assessed")
    assert "Compared with the earlier report: 2 fixed" in ticket_text(compared_report())
