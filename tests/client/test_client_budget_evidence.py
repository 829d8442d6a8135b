"""The time budget and the evidence capture (topdesk_preflight.client.budget, .evidence)."""

from __future__ import annotations

import threading
import time

from topdesk_preflight.client.budget import TimeBudget
from topdesk_preflight.client.evidence import Evidence
from topdesk_preflight.errors import RequestTimeout
from topdesk_preflight.model import RequestRecord


class TestTimeBudget:
    def test_time_left_counts_down_and_goes_negative(self):
        assert 9 < TimeBudget.from_now(10).time_left() <= 10
        assert TimeBudget(time.monotonic() - 1).time_left() < 0

    def test_a_time_out_is_capped_by_the_time_left_but_never_zero(self):
        budget = TimeBudget.from_now(100)
        assert budget.cap(5, left=2) == 2
        assert budget.cap(5, left=50) == 5
        assert budget.cap(5, left=-1) == 0.001


def record(path: str) -> RequestRecord:
    return RequestRecord(method="GET", path=path, status=200, duration_s=0.0, bytes=0)


class TestEvidence:
    def test_nested_recordings_each_see_their_own_requests_and_the_log_sees_all(self):
        evidence = Evidence()
        with evidence.recording() as outer:
            evidence.record(record("/a"))
            with evidence.recording() as inner:
                evidence.record(record("/b"))
        evidence.record(record("/c"))
        assert [r.path for r in outer] == ["/a", "/b"]
        assert [r.path for r in inner] == ["/b"]
        assert [r.path for r in evidence.log] == ["/a", "/b", "/c"]

    def test_another_thread_s_requests_are_not_in_this_thread_s_recording(self):
        evidence = Evidence()
        with evidence.recording() as mine:
            worker = threading.Thread(target=evidence.record, args=(record("/other"),))
            worker.start()
            worker.join()
        assert mine == [] and [r.path for r in evidence.log] == ["/other"]

    def test_an_attempt_that_failed_records_the_error_type_and_message(self):
        evidence = Evidence()
        evidence.note("GET", "/version", None, 0.12345, 0, RequestTimeout("too slow", phase="read"), 1, 2,
                      accept="application/json")
        (only,) = evidence.log
        assert only.error == "RequestTimeout: too slow" and only.duration_s == 0.1235 and only.status is None
        assert only.accept == "application/json"
