"""The JUnit XML report: parseable by any JUnit consumer, one testcase per check, statuses mapped as CI expects."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from reports_fixtures import (
    BIDI_OVERRIDE,
    ESCAPE_SEQUENCE,
    FAKE_PASSWORD,
    HOSTILE_ROOM,
    all_pass_report,
    hostile_report,
    mixed_report,
)

from topdesk_preflight.model import evolve
from topdesk_preflight.reports.junit import render_junit, write_junit


def parse(report) -> ET.Element:
    """The one <testsuite>, parsed from the rendered text exactly as a CI server would."""
    root = ET.fromstring(render_junit(report).encode("utf-8"))
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    return suite


def case(suite: ET.Element, check_id: str) -> ET.Element:
    [found] = [c for c in suite.findall("testcase") if c.get("name").startswith(check_id + ": ")]
    return found


def test_the_suite_names_the_host_and_counts_like_junit():
    report = mixed_report()
    suite = parse(report)
    assert suite.get("name") == "topdesk-preflight acme.topdesk.net"
    assert len(suite.findall("testcase")) == int(suite.get("tests")) == len(report.results)
    # rooms.typed fails; permissions.reservations errors; rooms.reservable is skipped and
    # operator.email_unique is a silenced failure (skipped too); the warning passes.
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("1", "1", "2")
    assert len(suite.findall("testcase/failure")) == 1 and len(suite.findall("testcase/error")) == 1
    assert len(suite.findall("testcase/skipped")) == 2
    assert float(suite.get("time")) == pytest.approx(2.5)
    properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert properties["readiness"] == "not_ready" and properties["url"] == "https://acme.topdesk.net"


def test_the_properties_name_the_product_and_rest_api_versions_apart():
    properties = {p.get("name"): p.get("value") for p in parse(mixed_report()).findall("properties/property")}
    assert (properties["product_version"], properties["api_version"]) == ("2024.3", "3.7.2")
    assert properties["topdesk_version"] == properties["api_version"]  # deprecated, as in the JSON report


def test_a_testcase_is_named_by_area_id_and_title():
    rooms = case(parse(mixed_report()), "rooms.typed")
    assert rooms.get("classname") == "rooms"
    assert rooms.get("name") == "rooms.typed: Every room in the branch is typed Room or Desk"
    assert float(rooms.get("time")) == pytest.approx(0.21)


def test_a_failure_carries_the_summary_as_message_and_the_numbered_steps_in_its_body():
    failure = case(parse(mixed_report()), "rooms.typed").find("failure")
    assert failure.get("message") == "2 of 5 rooms in HQ Stockholm have no Room or Desk type."
    assert "1. TOPdesk administrator: Open the room Aurora 2.08" in failure.text
    assert "2. Open the room Borealis 3.01" in failure.text
    assert "Guide section: Rooms do not appear in HCP import" in failure.text


def test_an_error_is_an_error_not_a_failure():
    error = case(parse(mixed_report()), "permissions.reservations").find("error")
    assert error.get("message") == "TOPdesk answered 503 Service Unavailable three times."
    assert "Run the preflight again in a few minutes." in error.text


def test_a_warning_passes_with_the_warning_in_system_out():
    warned = case(parse(mixed_report()), "auth.app_password_expiry")
    assert warned.find("failure") is None and warned.find("skipped") is None
    assert warned.find("system-out").text.startswith("WARNING (does not block HCP): The application password "
                                                     "expires in 12 days")


def test_skipped_and_silenced_results_are_skipped_with_their_reason():
    suite = parse(mixed_report())
    assert case(suite, "rooms.reservable").find("skipped").get("message") == "skipped: rooms.typed fail"
    silenced = case(suite, "operator.email_unique").find("skipped").get("message")
    assert silenced.startswith("silenced by the config file: known duplicate, HR fixes it in April")
    assert "(was fail: Another person card uses hcp@acme.com" in silenced
    assert case(suite, "operator.email_unique").find("failure") is None


def test_a_passing_run_has_no_failures():
    suite = parse(all_pass_report())
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0")
    assert all(len(c) == 0 for c in suite.findall("testcase"))


def test_a_compared_run_says_what_changed():
    report = mixed_report()
    report = evolve(report, results=tuple(evolve(r, change="still_broken") if r.id == "rooms.typed" else r
                                          for r in report.results))
    assert "Change since the compared report: still_broken" in case(parse(report), "rooms.typed").find(
        "failure").text


def test_hostile_text_stays_text_and_never_breaks_the_xml():
    xml = render_junit(hostile_report())
    suite = parse(hostile_report())  # parsing at all proves no control character or stray markup got in
    assert "\x1b" not in xml and "\x00" not in xml and "\x07" not in xml and BIDI_OVERRIDE not in xml
    assert ESCAPE_SEQUENCE not in xml and "<script>" not in xml
    failure = case(suite, "rooms.typed").find("failure")
    assert HOSTILE_ROOM in failure.get("message") and HOSTILE_ROOM in failure.text  # shown, escaped, as text
    assert len(failure.get("message")) <= 1_000


def test_write_junit_writes_atomically_and_returns_the_path(tmp_path):
    path = write_junit(mixed_report(), tmp_path / "ci" / "preflight.xml")
    assert path == tmp_path / "ci" / "preflight.xml"
    assert ET.parse(path).getroot().find("testsuite").get("failures") == "1"
    assert [p.name for p in path.parent.iterdir()] == ["preflight.xml"]  # no temporary file left behind
    assert path.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_no_password_in_the_xml():
    assert FAKE_PASSWORD not in render_junit(mixed_report())


def test_a_real_run_over_https_gives_one_failure_per_failed_check(tmp_path, monkeypatch):
    from topdesk_preflight.runner import run_preflight
    from topdesk_preflight.sandbox import Sandbox

    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    password = "Junit-pw!unique-6610"
    with Sandbox(scenario="rooms_untyped", password=password) as sb:
        report = run_preflight(sb.settings())
        xml = write_junit(report, tmp_path / "junit.xml").read_text(encoding="utf-8")
    suite = ET.fromstring(xml.encode("utf-8")).find("testsuite")
    assert suite.get("name") == f"topdesk-preflight {report.target.url.removeprefix('https://')}"
    assert suite.get("name").startswith("topdesk-preflight 127.0.0.1:")
    failed = [c.get("name").split(":")[0] for c in suite.findall("testcase") if c.find("failure") is not None]
    assert failed == [r.id for r in report.results if r.status.value == "fail"] == ["rooms.typed"]
    assert password not in xml
