"""Root causes first: each failure whose prerequisites passed, the checks it blocks under it, and who acts.

The same grouping must reach the JSON, the terminal and the HTML; the sandbox
scenario ``three_root_causes`` (branch missing, person missing, no reservations
permission) is run over HTTPS to prove it on a real run.
"""

from __future__ import annotations

import json

import pytest
from html_tree import parse
from reports_fixtures import (
    GENERATED_AT,
    PREVIOUS_GENERATED_AT,
    compared_report,
    identify,
    mixed_report,
    network_fail_report,
    public_settings,
    rooms_report,
)

from topdesk_preflight import run_preflight
from topdesk_preflight.model import Actor, CheckResult, Report, Target, evolve
from topdesk_preflight.reports import render_html, render_json, summary_lines, validate_report_json
from topdesk_preflight.reports.diagnosis import (
    ANYONE,
    blockers_of_skipped,
    change_text,
    network_failed,
    root_causes,
    steps_by_actor,
)
from topdesk_preflight.sandbox import Sandbox

THREE_CAUSES = ["branch.exists", "person.linked", "permissions.reservations"]
BEHIND_BRANCH = ["operator.branch", "rooms.present", "rooms.typed", "rooms.branch_mismatch", "rooms.reservable"]


@pytest.fixture(scope="module")
def three():
    with Sandbox(scenario="three_root_causes", tls=True) as sb:
        assert sb.url.startswith("https://127.0.0.1:")
        report = run_preflight(sb.settings())
    return report


def test_the_three_independent_causes_are_the_root_causes_and_the_rest_waits_on_one(three):
    causes = root_causes(three)
    assert [c.result.id for c in causes] == THREE_CAUSES
    assert {c.result.id: [b.id for b in c.blocked] for c in causes} == {
        "branch.exists": BEHIND_BRANCH, "person.linked": [], "permissions.reservations": []}
    # rooms.reservable waits on rooms.present, which is skipped: it is traced back to the branch
    assert blockers_of_skipped(three)["rooms.reservable"] == ["branch.exists"]


def test_the_json_summary_leads_with_the_root_causes_and_skipped_checks_name_their_cause(three):
    data = json.loads(render_json(three))
    validate_report_json(data)
    assert list(data["summary"])[:3] == ["ready", "readiness", "root_causes"]
    assert [(c["id"], c["status"], c["blocked"]) for c in data["summary"]["root_causes"]] == [
        ("branch.exists", "fail", BEHIND_BRANCH), ("person.linked", "fail", []),
        ("permissions.reservations", "fail", [])]
    assert data["summary"]["root_causes"][0]["title"] == three.result("branch.exists").title
    checks = {c["id"]: c for c in data["checks"]}
    for check_id in BEHIND_BRANCH:
        assert checks[check_id]["status"] == "skipped" and checks[check_id]["blocked_by"] == ["branch.exists"]
    assert all(checks[c]["blocked_by"] == [] for c in THREE_CAUSES)


def test_the_terminal_lists_only_the_causes_with_their_blocked_checks_under_each(three):
    lines = summary_lines(three, color=False)
    assert "Not ready: 3 problems, 5 steps to fix" in lines
    block = lines[lines.index("What to fix first (3 problems, 5 steps):") + 1:]
    heads = [line.split(":")[0] for line in block if line.startswith(("FAIL", "ERROR"))]
    assert heads == [f"FAIL  {c}" for c in THREE_CAUSES]
    branch_at, person_at = block.index(next(x for x in block if x.startswith("FAIL  branch.exists"))), \
        block.index(next(x for x in block if x.startswith("FAIL  person.linked")))
    # the blocked checks are named once, under their cause, as one wrapped sentence
    under_branch = " ".join(line.strip() for line in block[branch_at + 1:person_at])
    assert "Blocks 5 checks (skipped until fixed): " + ", ".join(BEHIND_BRANCH) in under_branch
    assert not any("Blocks" in line for line in block[person_at:])


def test_the_html_banner_and_findings_group_the_blocked_checks_under_their_cause(three):
    tree = parse(render_html(three))
    banner = tree.find("ol", id="root-causes")
    assert [li.find("code").text() for li in banner.find_all("li")] == THREE_CAUSES
    assert "(blocks 5 checks)" in banner.find_all("li")[0].text()
    findings = tree.find("section", id="findings")
    causes = findings.find_all("div", class_="cause")
    assert [c.find("article").attrs["id"] for c in causes] == [
        "check-branch-exists", "check-person-linked", "check-permissions-reservations"]
    blocked = causes[0].find("ul", class_="blocked-list").find_all("li")
    assert [li.find("code").text() for li in blocked] == BEHIND_BRANCH
    assert all("blocked by branch.exists" in li.text() for li in blocked)
    assert blocked[0].attrs["id"] == "check-operator-branch"  # the banner and JSON ids still link somewhere
    assert not causes[1].find_all("ul", class_="blocked-list")
    # skipped checks are not repeated as problems of their own
    assert not [a for a in findings.find_all("article") if "check-skipped" in a.classes()]


def _chain_report() -> Report:
    """Three independent causes built by hand; one blocks a chain two deep."""
    def fail(check_id, depends=()):
        return identify(CheckResult.failed(f"{check_id} is broken.", remediation=[
            f"TOPdesk administrator: Fix {check_id}.", f"HCP administrator: Re-enter {check_id} in HCP.",
            f"Restart {check_id}."]), check_id, f"Title of {check_id}", "Guide", depends_on=depends)

    def skip(check_id, blocker):
        return identify(CheckResult.skipped(f"skipped: {blocker} fail", evidence={"blocked_by": [blocker]}),
                        check_id, f"Title of {check_id}", "Guide", depends_on=(blocker,))

    results = [fail("a.one"), fail("b.two"), identify(CheckResult.errored("c.three errored."), "c.three", "C",
                                                      "Guide"),
               skip("a.child", "a.one"), skip("a.grandchild", "a.child"), skip("b.child", "b.two"),
               identify(CheckResult.passed("fine"), "d.fine", "D", "")]
    return Report("topdesk-preflight", "1.0.0", GENERATED_AT, Target(url="https://acme.topdesk.net",
                                                                     username="hcp-svc"), results,
                  settings=public_settings())


def test_a_chain_of_skipped_checks_is_traced_to_its_cause_everywhere():
    report = _chain_report()
    data = json.loads(render_json(report))
    assert {c["id"]: c["blocked"] for c in data["summary"]["root_causes"]} == {
        "a.one": ["a.child", "a.grandchild"], "b.two": ["b.child"], "c.three": []}
    assert {c["id"]: c["blocked_by"] for c in data["checks"] if c["status"] == "skipped"} == {
        "a.child": ["a.one"], "a.grandchild": ["a.one"], "b.child": ["b.two"]}
    lines = summary_lines(report, color=False)
    assert "      Blocks 2 checks (skipped until fixed): a.child, a.grandchild" in lines
    assert "      Blocks 1 check (skipped until fixed): b.child" in lines


def test_a_check_skipped_behind_a_silenced_failure_is_still_shown_as_blocked_by_it():
    report = _chain_report()
    silenced = evolve(report, results=[evolve(r, silenced="known") if r.id == "b.two" else r
                                       for r in report.results])
    assert "b.two" not in [c.result.id for c in root_causes(silenced)]
    assert blockers_of_skipped(silenced)["b.child"] == ["b.two"]
    article = parse(render_html(silenced)).find("article", id="check-b-child")
    assert "Blocked by b.two" in article.find("p", class_="blocked-by").text()
    assert article.find("p", class_="blocked-by").find("a").attrs["href"] == "#check-b-two"


def test_steps_are_grouped_by_who_acts_across_all_root_causes():
    groups = dict(steps_by_actor(_chain_report()))
    assert list(groups) == [Actor.TOPDESK, Actor.HCP, ANYONE]
    assert [(s.text, s.check_id) for s in groups[Actor.TOPDESK]] == [("Fix a.one.", "a.one"),
                                                                   ("Fix b.two.", "b.two")]
    assert [s.check_id for s in groups[ANYONE]] == ["a.one", "b.two"]


def test_the_html_says_who_does_what_with_numbered_steps_naming_their_check():
    section = parse(render_html(_chain_report())).find("section", id="who-does-what")
    groups = section.find_all("div", class_="actor-group")
    assert [g.find("span", class_="actor").text() for g in groups] == [Actor.TOPDESK, Actor.HCP, ANYONE]
    steps = groups[1].find("ol", class_="steps").find_all("li")
    assert [li.text() for li in steps] == ["Re-enter a.one in HCP. a.one", "Re-enter b.two in HCP. b.two"]
    assert steps[0].find("a", class_="step-check").attrs["href"] == "#check-a-one"


def test_the_json_splits_each_step_into_actor_and_text_beside_the_plain_strings():
    check = next(c for c in json.loads(render_json(_chain_report()))["checks"] if c["id"] == "a.one")
    assert check["remediation"][0] == "TOPdesk administrator: Fix a.one."
    assert check["remediation_steps"] == [
        {"actor": "TOPdesk administrator", "text": "Fix a.one."},
        {"actor": "HCP administrator", "text": "Re-enter a.one in HCP."},
        {"actor": None, "text": "Restart a.one."}]


def test_a_ready_report_has_no_root_causes_and_no_who_does_what():
    report = rooms_report()
    assert [c.result.id for c in root_causes(report)] == ["rooms.typed", "rooms.branch_mismatch"]
    ready = Report("t", "1", GENERATED_AT, Target(url="https://a", username="u"), [])
    assert root_causes(ready) == [] and steps_by_actor(ready) == []
    assert 'id="who-does-what"' not in render_html(ready)
    assert json.loads(render_json(ready))["summary"]["root_causes"] == []


def test_change_text_names_what_was_fixed_and_what_broke_since_the_earlier_report():
    assert change_text(compared_report()) == (f"2 fixed, 1 newly broken, 2 still broken since "
                                              f"{PREVIOUS_GENERATED_AT}")
    assert change_text(mixed_report()) is None


def test_only_a_failed_network_check_makes_the_vantage_point_matter():
    assert network_failed(network_fail_report())
    assert not network_failed(mixed_report())
