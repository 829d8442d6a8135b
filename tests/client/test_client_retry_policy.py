"""The retry policy (topdesk_preflight.client.retry), one strategy at a time: no server, no sleep.

Each strategy is called with a hand-made tenacity.RetryCallState, in tenacity's own test style.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import tenacity

from topdesk_preflight.client.response import ApiResponse
from topdesk_preflight.client.retry import (
    MAX_WAIT_S,
    GiveUp,
    is_retryable,
    parse_retry_after,
    retry_after_of,
    retry_transient,
    retrying,
    stop_after_attempts,
    stop_before_deadline,
    stop_first,
    stop_if_retry_after_past_deadline,
    stop_if_retry_after_too_long,
    wait_retry_after_or,
)
from topdesk_preflight.errors import ConnectError, DNSError, RequestTimeout, TLSError


def answer(status: int = 200, retry_after: str | None = None) -> ApiResponse:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return ApiResponse(status=status, path="/version", headers=headers, body=b"{}",
                       content_type="application/json", elapsed_s=0.01)


def state(attempt: int = 1, *, result: Any = None, error: BaseException | None = None,
          upcoming_sleep: float = 0.0) -> tenacity.RetryCallState:
    """A RetryCallState after ``attempt`` attempts whose last outcome is ``result`` or ``error``."""
    call = tenacity.RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    call.attempt_number = attempt
    failed = error is not None
    call.outcome = tenacity.Future.construct(attempt, error if failed else result, failed)
    call.upcoming_sleep = upcoming_sleep
    return call


def left(seconds: float):
    return lambda: seconds


class TestWhatIsWorthAnotherTry:
    @pytest.mark.parametrize("error, retry", [
        (RequestTimeout("t", phase="connect"), True),
        (RequestTimeout("t", phase="read"), True),
        (RequestTimeout("t", phase="deadline"), False),
        (ConnectError("dropped"), True),
        (TLSError("untrusted", reason="untrusted"), False),
        (DNSError("does not resolve"), False),
    ])
    def test_transport_hiccups_yes_verdicts_no(self, error, retry):
        assert is_retryable(error) is retry

    def test_a_temporary_dns_failure_is_a_hiccup(self):
        error = DNSError("try again")
        error.temporary = True  # type: ignore[attr-defined]
        assert is_retryable(error)

    @pytest.mark.parametrize("status, retry", [(429, True), (502, True), (503, True), (504, True),
                                               (500, False), (401, False), (200, False), (206, False)])
    def test_busy_statuses_are_retried_and_answers_are_not(self, status, retry):
        assert retry_transient(state(result=answer(status))) is retry

    def test_a_retryable_error_outcome_is_retried(self):
        assert retry_transient(state(error=ConnectError("dropped")))
        assert not retry_transient(state(error=TLSError("expired", reason="expired")))


class TestRetryAfter:
    def test_only_a_busy_answer_s_retry_after_counts(self):
        assert retry_after_of(state(result=answer(503, "4"))) == 4.0
        assert retry_after_of(state(result=answer(200, "4"))) is None
        assert retry_after_of(state(error=ConnectError("x"))) is None

    def test_delta_seconds_and_http_dates(self):
        now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
        assert parse_retry_after(" 7 ") == 7.0
        assert parse_retry_after("1.5") == 1.5
        assert parse_retry_after("-3") == 0.0
        assert parse_retry_after("Thu, 01 Jan 2026 12:00:07 GMT", now=now) == 7.0

    @pytest.mark.parametrize("value", [None, "", "  ", "nan", "inf", "²", "soon"])
    def test_no_usable_wait_is_none(self, value):
        assert parse_retry_after(value) is None


class TestStopping:
    def test_after_the_attempts_the_settings_allow(self):
        stop = stop_after_attempts(3)
        assert not stop(state(2))
        assert stop(state(3))
        assert stop.reason(state(3)) == "gave up after 3 attempts"

    def test_when_retry_after_reaches_past_the_deadline(self):
        stop = stop_if_retry_after_past_deadline(left(3.0))
        assert stop.reason(state(result=answer(503, "5"))) == \
            "Retry-After asked for 5 s but only 3.0 s were left before the deadline"
        assert not stop(state(result=answer(503, "2")))
        assert not stop(state(result=answer(503)))

    def test_a_deadline_already_passed_is_shown_as_zero_seconds_left(self):
        stop = stop_if_retry_after_past_deadline(left(-2.0))
        assert stop.reason(state(result=answer(429, "1"))) == \
            "Retry-After asked for 1 s but only 0.0 s were left before the deadline"

    def test_when_retry_after_is_longer_than_this_tool_waits(self):
        stop = stop_if_retry_after_too_long(MAX_WAIT_S)
        assert stop.reason(state(result=answer(429, "30"))) == \
            "Retry-After asked for 30 s, longer than the 10 s this tool waits"
        assert not stop(state(result=answer(429, "10")))

    def test_before_a_sleep_that_would_end_at_the_deadline(self):
        stop = stop_before_deadline(left(1.02))
        assert stop.reason(state(upcoming_sleep=1.0)) == "no time left before the deadline to retry"
        assert not stop(state(upcoming_sleep=1.0 - 0.1))

    def test_the_first_reason_in_order_wins_and_is_remembered(self):
        stop = stop_first(stop_after_attempts(2), stop_if_retry_after_too_long(MAX_WAIT_S))
        assert not stop(state(1, result=answer(503, "1")))
        assert stop.note is None
        assert stop(state(2, result=answer(503, "60")))
        assert stop.note == "gave up after 2 attempts"

    def test_the_strategies_compose_with_tenacity_s_operators(self):
        either = stop_after_attempts(5) | stop_if_retry_after_too_long(MAX_WAIT_S)
        assert either(state(1, result=answer(429, "60")))


class TestWaiting:
    def test_the_server_s_retry_after_is_honoured(self):
        wait = wait_retry_after_or(tenacity.wait_fixed(9), time_left=left(100))
        assert wait(state(result=answer(503, "2"))) == 2.0

    def test_otherwise_the_back_off_capped_by_the_cap_and_the_time_left(self):
        assert wait_retry_after_or(tenacity.wait_fixed(3), time_left=left(100))(state(result=answer(503))) == 3
        assert wait_retry_after_or(tenacity.wait_fixed(30), time_left=left(100))(state()) == MAX_WAIT_S
        assert wait_retry_after_or(tenacity.wait_fixed(3), cap=1.5, time_left=left(100))(state()) == 1.5
        assert wait_retry_after_or(tenacity.wait_fixed(3), time_left=left(0.5))(state()) == 0.5

    def test_never_a_negative_wait_after_the_deadline(self):
        assert wait_retry_after_or(tenacity.wait_fixed(3), time_left=left(-1))(state()) == 0.0


class TestGivingUp:
    def test_a_response_carries_the_reason_as_its_note(self):
        stop = stop_first(stop_after_attempts(2))
        final = state(2, result=answer(503))
        stop(final)
        response = GiveUp(stop)(final)
        assert response.status == 503 and response.note == "gave up after 2 attempts"

    def test_a_retried_error_ends_with_the_reason(self):
        stop = stop_first(stop_after_attempts(2))
        final = state(2, error=RequestTimeout("GET /version: sent no answer within 1 s.", phase="read"))
        stop(final)
        with pytest.raises(RequestTimeout) as caught:
            GiveUp(stop)(final)
        assert str(caught.value) == "GET /version: sent no answer within 1 s. (gave up after 2 attempts)"
        assert caught.value.args == (caught.value.message,)

    def test_an_error_of_the_first_attempt_is_left_as_it_was(self):
        stop = stop_first(stop_before_deadline(left(0)))
        final = state(1, error=ConnectError("GET /version: dropped."))
        stop(final)
        with pytest.raises(ConnectError, match=r"^GET /version: dropped\.$"):
            GiveUp(stop)(final)


class TestOnePolicyPerRequest:
    def policy(self, attempts: int = 3):
        return retrying(max_attempts=attempts, time_left=left(60), backoff=tenacity.wait_none(), method="GET",
                        path="/version")

    def test_a_busy_server_that_recovers_gives_its_answer_without_a_note(self):
        answers = iter([answer(503), answer(502), answer(200)])
        response = self.policy()(lambda: next(answers))
        assert response.status == 200 and response.note is None

    def test_a_server_that_stays_busy_gives_its_last_answer_with_the_reason(self):
        calls = []
        response = self.policy()(lambda: calls.append(1) or answer(503))
        assert len(calls) == 3
        assert response.status == 503 and response.note == "gave up after 3 attempts"

    def test_a_verdict_is_not_retried(self):
        calls = []

        def untrusted():
            calls.append(1)
            raise TLSError("GET /version: the certificate is not trusted.", reason="untrusted")

        with pytest.raises(TLSError, match=r"not trusted\.$"):
            self.policy()(untrusted)
        assert len(calls) == 1
