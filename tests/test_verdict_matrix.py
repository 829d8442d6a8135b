"""The verdict matrix: every scenario of the catalogue under every profile of a real TOPdesk.

A profile (``topdesk_preflight/sandbox/profiles.py``) changes *how* the simulated TOPdesk answers
(an older version, strict field lists, no FIQL, a French server, branch filters ...), never *what*
is set up. So each check's verdict under a profile must be the one the data implies, the verdict of
the same scenario on today's SaaS, or an explicit "cannot verify" that says what is missing. A
definite verdict that differs (a pass where the setup is wrong, a fail where it is right), or a
crash, is a wrong verdict and fails the test. The tallies are printed at the end of the run.
"""

from __future__ import annotations

from functools import cache

import pytest

from topdesk_preflight.model import CheckResult, Report, Status
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import SCENARIOS, Sandbox
from topdesk_preflight.sandbox.profiles import PROFILES

#: ``large`` is healthy plus bulk data: slow to build and nothing new for a verdict.
MATRIX_SCENARIOS = sorted(set(SCENARIOS) - {"large"})
MATRIX_PROFILES = sorted(set(PROFILES) - {"saas"})
#: Exceptions that mean the tool itself broke: never an honest "cannot verify".
DEFECTS = ("KeyError", "TypeError", "AttributeError", "IndexError", "ValueError", "RuntimeError",
           "RecursionError", "AssertionError")


def _run(scenario: str, profile: str) -> Report:
    with Sandbox(scenario=scenario, profile=profile, tls=True) as sb:
        return run_preflight(sb.settings(retries=0, timeout=5.0))


@cache
def baseline(scenario: str) -> dict[str, Status]:
    return {r.id: r.status for r in _run(scenario, "saas").results}


def judge(result: CheckResult, expected: Status) -> str:
    """``right``, ``cannot verify`` or ``wrong`` for one check's verdict against the data's."""
    if result.evidence.get("exception") in DEFECTS:
        return "wrong"
    if result.status is expected:
        return "right"
    if expected is Status.SKIPPED:  # on SaaS a prerequisite held it back: there is no verdict to compare
        return "not comparable"
    text = result.summary.lower()
    if result.status is Status.SKIPPED and (result.evidence.get("blocked_by") or "cannot verify" in text):
        return "cannot verify"
    if result.status in (Status.WARN, Status.ERROR) and ("cannot verify" in text or "could not" in text
                                                        or result.status is Status.ERROR):
        return "cannot verify"
    return "wrong"


def test_the_judge_can_say_wrong():
    """The matrix proves nothing unless a definite wrong verdict is caught."""
    assert judge(CheckResult.passed("ok"), Status.FAIL) == "wrong"
    assert judge(CheckResult.failed("no", remediation=["x"]), Status.PASS) == "wrong"
    assert judge(CheckResult.warned("hm", remediation=["x"]), Status.PASS) == "wrong"
    assert judge(CheckResult.errored("Could not complete the check: KeyError: 'x'",
                                     evidence={"exception": "KeyError"}), Status.PASS) == "wrong"
    assert judge(CheckResult.warned("Cannot verify X: Y", remediation=["z"]), Status.FAIL) == "cannot verify"
    assert judge(CheckResult.passed("ok"), Status.PASS) == "right"
    assert judge(CheckResult.failed("no", remediation=["x"]), Status.SKIPPED) == "not comparable"


@pytest.mark.slow
@pytest.mark.parametrize("profile", MATRIX_PROFILES)
def test_every_scenario_under_the_profile_gets_the_right_verdict_or_says_it_cannot_verify(profile, tally):
    wrong: list[str] = []
    for scenario in MATRIX_SCENARIOS:
        expected = baseline(scenario)
        report = _run(scenario, profile)
        tally["verdict matrix cells (scenario x profile)"] += 1
        for result in report.results:
            verdict = judge(result, expected[result.id])
            tally[f"verdict matrix: {verdict}"] += 1
            if verdict == "wrong":
                wrong.append(f"{scenario}: {result.id} {expected[result.id].value} -> {result.status.value} "
                             f"({result.summary[:160]})")
    assert not wrong, f"{len(wrong)} wrong verdict(s) under {profile!r}:\n" + "\n".join(wrong)
