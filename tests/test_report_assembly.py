"""What a run is checked against before it starts, and what its report adds (topdesk_preflight.report_assembly).

The scheduler's side (threads, time boxes, the deadline) is tests/test_runner.py's; here: settings
the catalogue cannot honour are refused before any request, and the report of a finished run
carries its silences, its run-wide warnings, its target's versions and its vantage point.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest
from attrs import evolve

from topdesk_preflight.model import CheckResult, Status
from topdesk_preflight.registry import load_catalogue
from topdesk_preflight.report_assembly import (
    INSECURE_WARNING, apply_silences, assemble_report, check_against_catalogue,
)
from topdesk_preflight.settings import Settings, SettingsError, Silence

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def settings(**changes) -> Settings:
    base = Settings(url="https://acme.topdesk.net", username="hcp-svc", branch="HQ Stockholm")
    return evolve(base, **changes)


def result(check_id: str, status: Status, **evidence) -> CheckResult:
    return evolve(CheckResult(status, f"{check_id} {status.value}", evidence=evidence), id=check_id, title="title",
                  guide_section="guide")


class TestBeforeTheRun:
    def test_a_silence_of_an_unknown_check_is_refused_naming_it(self):
        with pytest.raises(SettingsError, match="silences 'rooms.typo', which is not a check id"):
            check_against_catalogue(settings(silences=(Silence("rooms.typo", "why"),)), load_catalogue())

    def test_the_branch_is_required_unless_the_run_is_narrowed(self):
        with pytest.raises(SettingsError, match="No branch given"):
            check_against_catalogue(settings(branch=None), load_catalogue())
        check_against_catalogue(settings(branch=None, only=("network",)), load_catalogue())


class TestTheReport:
    def test_a_live_silence_marks_a_finding_and_an_expired_one_is_a_warning(self):
        today = date(2026, 12, 3)
        results = [result("rooms.typed", Status.FAIL), result("rooms.reservable", Status.WARN),
                   result("network.dns", Status.PASS)]
        silences = [Silence("rooms.typed", "known", today + timedelta(days=1)),
                    Silence("rooms.reservable", "old", today - timedelta(days=1)),
                    Silence("network.dns", "passing", None)]
        marked, warnings = apply_silences(results, silences, today)
        assert marked[0].silenced == "known (until 2026-12-04)"
        assert marked[1].silenced is None and marked[2].silenced is None  # expired; a pass is never silenced
        assert warnings == ["The silence of rooms.reservable expired on 2026-12-02 (reason was: old); it no "
                            "longer applies."]

    def test_the_target_takes_both_versions_from_the_evidence_and_insecure_is_said(self):
        results = [result("api.reachable", Status.PASS, topdesk_version="3.7.4", product_version="16.6.7")]
        report = assemble_report(settings(insecure=True), results, started=time.monotonic() - 1.5,
                                 generated_at=NOW, detections=["refused $fields"])
        assert (report.target.api_version, report.target.product_version) == ("3.7.4", "16.6.7")
        assert INSECURE_WARNING in report.warnings
        assert report.detected == ("refused $fields",) and report.duration_s >= 1.5
        assert report.generated_at == NOW and report.results == tuple(results)
