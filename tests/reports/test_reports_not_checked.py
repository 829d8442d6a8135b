"""PASS means verified: a check that verified nothing is "not checked", in every output, never a pass.

A real run over HTTPS against the healthy sandbox, with the two optional settings left out
(``--room`` and ``--app-password-expires``): nothing is wrong with the instance, but two checks
could verify nothing. Every medium a support engineer might read (terminal, HTML, JSON, JUnit,
ticket text) must say which and name the flag, and none may say "every check passed".
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from html_tree import parse

from topdesk_preflight import run_preflight
from topdesk_preflight.model import Status
from topdesk_preflight.reports import render_html, render_json, summary_lines, ticket_text, validate_report_json
from topdesk_preflight.reports.junit import render_junit
from topdesk_preflight.reports.text_report import result_line, verdict_text
from topdesk_preflight.sandbox import Sandbox

UNCHECKED = {"auth.app_password_expiry": "--app-password-expires", "rooms.branch_mismatch": "--room"}


@pytest.fixture(scope="module")
def partial():
    """Healthy TOPdesk, but no expected rooms and no expiry date given."""
    with Sandbox(scenario="healthy", tls=True) as sb:
        return run_preflight(sb.settings(rooms=(), app_password_expires=None))


@pytest.fixture(scope="module")
def complete():
    with Sandbox(scenario="healthy", tls=True) as sb:
        return run_preflight(sb.settings())


def test_the_healthy_sandbox_with_every_setting_verifies_every_check(complete):
    assert {r.status for r in complete.results} == {Status.PASS}
    assert complete.fully_checked and not complete.not_checked
    assert verdict_text(complete) == "Ready for Humly Control Panel"


def test_a_missing_optional_setting_makes_its_check_skipped_naming_the_flag(partial):
    for check_id, flag in UNCHECKED.items():
        result = partial.result(check_id)
        assert result.status is Status.SKIPPED, check_id
        assert result.enable_with == flag and flag in result.summary
    assert [r.id for r in partial.not_checked] == list(UNCHECKED)
    assert partial.counts["not_checked"] == 2 and partial.counts["skipped"] == 2
    assert partial.ready  # nothing was found wrong, so the exit code stays 0 ...


def test_the_verdict_and_the_terminal_say_what_was_not_checked(partial):
    # ... but the verdict never hides the unchecked steps
    assert verdict_text(partial) == ("Ready for Humly Control Panel, but 2 checks not checked "
                                     "(give --app-password-expires, --room)")
    line = result_line(partial.result("auth.app_password_expiry"), color=False)
    assert line.startswith("SKIP ") and line.endswith("(not checked: give --app-password-expires)")
    lines = summary_lines(partial, color=False)
    assert any("2 skipped (2 not checked: give --app-password-expires, --room)" in line for line in lines)
    at = lines.index("Not checked, because a setting was not given (2):")
    assert lines[at + 1:at + 3] == ["SKIP  auth.app_password_expiry: give --app-password-expires",
                                    "SKIP  rooms.branch_mismatch: give --room"]
    assert not any(line.startswith("PASS") for line in lines)


def test_the_json_counts_them_and_names_the_flag_per_check(partial):
    data = json.loads(render_json(partial))
    validate_report_json(data)
    assert data["summary"]["counts"]["not_checked"] == 2
    checks = {c["id"]: c for c in data["checks"]}
    for check_id, flag in UNCHECKED.items():
        assert checks[check_id]["status"] == "skipped" and checks[check_id]["enable_with"] == flag
    assert all(c["enable_with"] is None for c in data["checks"] if c["id"] not in UNCHECKED)


def test_the_html_lists_them_apart_and_never_says_every_check_passed(partial, complete):
    page = render_html(partial)
    assert "every check passed" not in page
    dom = parse(page)
    heading = next(h for h in dom.find_all("h3") if h.text().startswith("Not checked: a setting was not given"))
    assert heading.text().endswith("(2)")
    notes = [p.text() for p in dom.find_all("p") if "not-checked" in p.classes()]
    assert len(notes) == 2 and any("--app-password-expires" in n for n in notes)
    assert "every check passed" in render_html(complete)  # the all-clear is kept for a truly complete run


def test_junit_and_the_ticket_text_say_not_checked(partial):
    suite = ET.fromstring(render_junit(partial).encode("utf-8")).find("testsuite")
    assert suite is not None
    skipped = {case.get("name", "").split(":")[0]: case.find("skipped") for case in suite.iter("testcase")}
    for check_id, flag in UNCHECKED.items():
        element = skipped[check_id]
        assert element is not None and flag in element.get("message", "")
    text = ticket_text(partial)
    assert text.startswith("topdesk-preflight verdict: Ready for Humly Control Panel, but 2 checks not checked")
    assert ("Not checked (a setting was not given): auth.app_password_expiry, rooms.branch_mismatch; "
            "give --app-password-expires, --room") in text
