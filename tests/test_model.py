"""The report model: readiness, root causes before symptoms, the support-ticket block, silences."""

from __future__ import annotations

from datetime import date, datetime, timezone

import attrs
import pytest

from topdesk_preflight.model import (
    Actor,
    Change,
    CheckResult,
    Readiness,
    Report,
    Status,
    Step,
    Target,
)
from topdesk_preflight.report_assembly import apply_silences
from topdesk_preflight.settings import Silence


def result(check_id, status, deps=(), **kwargs):
    kwargs.setdefault("summary", f"{check_id} {status}")
    return CheckResult(Status(status), id=check_id, depends_on=deps, guide_section=f"guide of {check_id}",
                       **kwargs)


def report(*results, **kwargs):
    return Report(tool_name="topdesk-preflight", tool_version="0", generated_at=datetime.now(timezone.utc),
                  target=Target(url="https://acme.topdesk.net", username="hcp-svc", email="hcp@acme.example",
                                api_version="3.7.4"), results=results, **kwargs)


THREE_CAUSES = report(
    result("auth.credentials", "pass"),
    result("branch.exists", "fail", ("auth.credentials",)),
    result("operator.account", "pass", ("auth.credentials",)),
    result("operator.branch", "skipped", ("operator.account", "branch.exists"),
           evidence={"blocked_by": ["branch.exists"]}),
    result("person.linked", "fail", ("operator.account",)),
    result("permissions.reservations", "error", ("auth.credentials",)),
    result("rooms.present", "skipped", ("branch.exists",), evidence={"blocked_by": ["branch.exists"]}),
    result("rooms.reservable", "skipped", ("rooms.present",), evidence={"blocked_by": ["rooms.present"]}),
)


def test_results_are_frozen():
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        THREE_CAUSES.results[0].status = Status.FAIL


def test_named_constructors_set_the_status():
    assert CheckResult.passed("ok").status is Status.PASS
    assert CheckResult.warned("hm", remediation=["x"]).remediation == ("x",)
    assert CheckResult.failed("no", remediation="one step").remediation == ("one step",)
    assert CheckResult.errored("boom").status is Status.ERROR
    assert CheckResult.skipped("later").status is Status.SKIPPED


def test_counts_and_readiness():
    assert THREE_CAUSES.counts == {"pass": 2, "warn": 0, "fail": 2, "error": 1, "skipped": 3, "silenced": 0,
                                  "not_checked": 0}
    assert not THREE_CAUSES.ready and THREE_CAUSES.readiness == "not_ready"
    only_error = report(result("a.one", "pass"), result("a.two", "error"), result("a.three", "warn"))
    assert only_error.readiness == "unknown" and not only_error.ready
    assert report(result("a.one", "pass"), result("a.two", "warn")).readiness == "ready"


def test_root_causes_are_failures_whose_prerequisites_passed():
    assert [r.id for r in THREE_CAUSES.root_causes] == ["branch.exists", "person.linked",
                                                        "permissions.reservations"]


def test_symptoms_are_grouped_under_their_cause_transitively():
    assert [r.id for r in THREE_CAUSES.blocked_by("branch.exists")] == ["operator.branch", "rooms.present",
                                                                        "rooms.reservable"]
    assert THREE_CAUSES.blocked_by("person.linked") == []


def test_failures_come_first_in_catalogue_order():
    assert [r.status.value for r in THREE_CAUSES.sorted_results()] == [
        "fail", "fail", "error", "skipped", "skipped", "skipped", "pass", "pass"]


def test_ticket_holds_what_the_guide_asks_for():
    rep = report(result("operator.account", "pass", evidence={"operator_email": "svc@acme.example"}),
                 result("permissions.group", "pass", evidence={"permission_groups": ["HCP integration"]}),
                 result("rooms.typed", "fail"), result("rooms.present", "fail"))
    ticket = rep.ticket
    assert ticket.api_version == "3.7.4"
    assert ticket.failed_steps == ("guide of rooms.typed", "guide of rooms.present")
    assert ticket.errors == ("rooms.typed: rooms.typed fail", "rooms.present: rooms.present fail")
    assert ticket.operator_email == "svc@acme.example"
    assert ticket.permission_groups == ("HCP integration",)


def test_ticket_falls_back_to_the_email_given_in_settings():
    assert report(result("a.one", "pass")).ticket.operator_email == "hcp@acme.example"


def test_a_check_may_hand_over_steps_and_the_result_keeps_their_text():
    step = Step(Actor.HCP, "enter the new password")
    assert CheckResult.failed("no", remediation=[step, "Run again."]).remediation == (
        "HCP administrator: enter the new password", "Run again.")
    assert CheckResult.warned("hm", remediation=step).remediation == ("HCP administrator: enter the new password",)


def test_a_results_steps_say_who_acts_on_each():
    failed = CheckResult.failed("no", remediation=["TOPdesk administrator: Open the room.", "Run again."])
    assert failed.steps == (Step(Actor.TOPDESK, "Open the room."), Step(None, "Run again."))


def test_the_change_of_a_result_is_a_change_word_or_nothing():
    assert attrs.evolve(CheckResult.passed("ok"), change="fixed").change is Change.FIXED
    assert CheckResult.passed("ok").change is None
    with pytest.raises(ValueError):
        attrs.evolve(CheckResult.passed("ok"), change="better")


def test_readiness_is_one_of_the_three_words():
    assert THREE_CAUSES.readiness is Readiness.NOT_READY
    assert report(result("a.one", "error")).readiness is Readiness.UNKNOWN
    assert report(result("a.one", "pass")).readiness is Readiness.READY


class TestSilences:
    today = date(2026, 11, 24)

    def test_a_live_silence_marks_the_result_and_keeps_it_out_of_readiness(self):
        results, warnings = apply_silences(
            [result("rooms.reservable", "warn"), result("rooms.typed", "fail"), result("a.ok", "pass")],
            [Silence("rooms.typed", "facility team fixes in January", date(2027, 1, 31))], self.today)
        rep = report(*results)
        assert warnings == []
        assert rep.result("rooms.typed").silenced == "facility team fixes in January (until 2027-01-31)"
        assert rep.result("rooms.typed").status is Status.FAIL  # still shown as what it is
        assert rep.ready and rep.readiness == "ready"
        assert rep.counts["silenced"] == 1
        assert rep.ticket.errors == ()

    def test_an_expired_silence_stops_applying_with_a_warning(self):
        results, warnings = apply_silences([result("rooms.typed", "fail")],
                                           [Silence("rooms.typed", "temporary", date(2026, 11, 1))], self.today)
        assert results[0].silenced is None
        assert warnings == ["The silence of rooms.typed expired on 2026-11-01 (reason was: temporary); "
                            "it no longer applies."]

    def test_a_silence_without_end_date_applies_and_a_pass_is_never_marked(self):
        results, _ = apply_silences([result("a.one", "pass"), result("a.two", "error")],
                                    [Silence("a.one", "r"), Silence("a.two", "r")], self.today)
        assert results[0].silenced is None and results[1].silenced == "r"
