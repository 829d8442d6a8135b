"""One cause, one step: root causes that share one fix are one problem, with its steps once.

A real run over HTTPS against the sandbox scenario ``no_supporting_files_read``: one missing
Supporting Files permission makes three checks fail (the branch, the Type dropdown and the
permission probe) and three more warn that they cannot verify. The administrator has one
thing to do, and every output must say so.
"""

from __future__ import annotations

import json

import pytest
from html_tree import parse

from topdesk_preflight import run_preflight
from topdesk_preflight.guide import SUPPORTING_FILES_STEP
from topdesk_preflight.model import Actor, CheckResult, Report, Step, Target, evolve
from topdesk_preflight.reports import render_html, render_json, summary_lines, ticket_text, validate_report_json
from topdesk_preflight.reports.diagnosis import problems, step_count, steps_by_actor, unexplained_warnings
from topdesk_preflight.reports.text_report import verdict_text
from topdesk_preflight.sandbox import Sandbox

SAME_FIX = ["branch.exists", "permissions.supporting_files", "rooms.types_defined"]
EXPLAINED = ["operator.email_unique", "person.linked"]


@pytest.fixture(scope="module")
def refused():
    with Sandbox(scenario="no_supporting_files_read", tls=True) as sb:
        return run_preflight(sb.settings())


def test_three_causes_with_the_same_fix_are_one_problem_with_one_step(refused):
    [problem] = problems(refused)
    assert sorted(problem.check_ids) == SAME_FIX
    assert problem.steps == (SUPPORTING_FILES_STEP,)
    assert {b.id for b in problem.blocked} >= {"rooms.present", "rooms.typed", "operator.branch"}
    assert [w.id for w in problem.explains] == EXPLAINED  # "cannot verify" warnings from the same refusal
    assert step_count(refused) == 1
    assert verdict_text(refused) == "Not ready: 1 problem, 1 step to fix"


def test_who_does_what_lists_the_shared_step_once_naming_every_check_it_fixes(refused):
    [(actor, [step])] = steps_by_actor(refused)
    assert actor == Actor.TOPDESK and step.text == Step.parse(SUPPORTING_FILES_STEP).text
    assert sorted(step.check_ids) == SAME_FIX


def test_the_terminal_shows_one_problem_its_step_once_and_the_warnings_it_explains(refused):
    lines = summary_lines(refused, color=False)
    start = lines.index("What to fix first (1 problem, 1 step):")
    block = lines[start + 1:lines.index("", start + 1)]
    assert sum(1 for line in block if line.startswith("      1. ")) == 1
    assert not any(line.startswith("      2. ") for line in block)
    assert sum(1 for line in block if line.startswith("      Same fix: ")) == 2
    assert any(line.startswith("      WARN  operator.email_unique:") for line in block)
    worth_a_look = [w.id for w in unexplained_warnings(refused)]
    assert worth_a_look == ["permissions.group"] and not set(EXPLAINED) & set(worth_a_look)
    skipped = [line.split()[1] for line in block if line.strip().startswith("SKIP")]
    assert len(skipped) == len(set(skipped))  # each blocked check once, naming all its blockers


def test_the_ticket_text_has_one_numbered_problem_with_every_check(refused):
    text = ticket_text(refused)
    assert text.startswith("topdesk-preflight verdict: Not ready: 1 problem, 1 step to fix\n")
    assert "  1. branch.exists, permissions.supporting_files, rooms.types_defined (fail): " in text
    assert "  2. " not in text and text.count(Step.parse(SUPPORTING_FILES_STEP).text) == 1


def test_the_json_has_the_problem_and_still_every_root_cause(refused):
    data = json.loads(render_json(refused))
    validate_report_json(data)
    [problem] = data["summary"]["problems"]
    assert sorted(problem["checks"]) == SAME_FIX and problem["explains"] == EXPLAINED
    assert problem["steps"] == [{"actor": Actor.TOPDESK, "text": Step.parse(SUPPORTING_FILES_STEP).text}]
    assert sorted(c["id"] for c in data["summary"]["root_causes"]) == SAME_FIX


def test_the_html_shows_the_step_once_in_who_does_what_and_in_the_findings(refused):
    page = render_html(refused)
    dom = parse(page)
    who = dom.find("section", id="who-does-what")
    assert len(who.find_all("li")) == 1
    assert len([p for p in dom.find_all("p") if "same-fix" in p.classes()]) == 4  # 2 causes, 2 warnings
    assert "1 problem, 1 step" in page
    findings = dom.find("section", id="findings")
    assert findings.text().count(Step.parse(SUPPORTING_FILES_STEP).text) == 1


def _result(check_id: str, status: str, steps: tuple[str, ...]) -> CheckResult:
    return evolve(CheckResult(status, f"{check_id} is wrong", remediation=steps), id=check_id, title=check_id)


def test_causes_with_different_steps_stay_apart_and_a_cause_without_steps_is_never_merged():
    from datetime import datetime, timezone

    report = Report("topdesk-preflight", "1", datetime(2026, 1, 1, tzinfo=timezone.utc),
                    Target("https://x.example", "u"),
                    [_result("a.one", "fail", ("step A",)), _result("a.two", "fail", ("step B",)),
                     _result("a.three", "error", ()), _result("a.four", "error", ()),
                     _result("a.five", "fail", ("step A",))])
    assert [p.check_ids for p in problems(report)] == [("a.one", "a.five"), ("a.two",), ("a.three",),
                                                       ("a.four",)]
    assert step_count(report) == 2
    assert verdict_text(report) == "Not ready: 4 problems, 2 steps to fix"
