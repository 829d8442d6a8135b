"""Retries: only where another try can help, Retry-After honoured, never past the deadline."""

from __future__ import annotations

import email.utils
import time
import uuid
from datetime import datetime, timedelta, UTC

import pytest
import tenacity

from topdesk_preflight.client import TopdeskClient
from topdesk_preflight.errors import (
    AuthenticationError,
    ConnectError,
    HTTPStatusError,
    NotFound,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ServerError,
)
from topdesk_preflight.sandbox import Fault

VERSION = "/tas/api/version"


def make_client(sb, *, deadline=None, wait=None, **settings):
    settings.setdefault("retries", 2)
    return TopdeskClient(sb.settings(**settings), deadline=deadline,
                         retry_wait=wait if wait is not None else tenacity.wait_none())


class TestRetriedStatuses:
    @pytest.mark.parametrize("status", [429, 502, 503, 504])
    def test_a_passing_failure_is_retried_away(self, sb, status):
        sb.inject(VERSION, Fault.status(status, times=1))
        with make_client(sb) as client:
            assert client.get_json("/version") == {"version": sb.state.version}
        assert [e.status for e in sb.requests] == [status, 200]

    def test_retries_are_bounded_then_the_typed_error_names_the_attempts(self, sb):
        sb.inject(VERSION, Fault.status(503))
        with make_client(sb, retries=2) as client:
            response = client.fetch("/version")
            assert response.status == 503  # fetch never raises for a status
            with pytest.raises(ServerError) as caught:
                client.get_json("/version")
        assert len(sb.requests) == 6
        assert caught.value.status == 503
        assert "gave up after 3 attempts" in str(caught.value)
        assert "An error occurred on the server" in str(caught.value)
        assert not isinstance(caught.value, tenacity.RetryError)

    def test_the_back_off_policy_is_used_between_attempts(self, sb):
        sb.inject(VERSION, Fault.status(503, times=2))
        with make_client(sb, wait=tenacity.wait_fixed(0.2)) as client:
            started = time.monotonic()
            client.get_json("/version")
        assert time.monotonic() - started >= 0.4
        assert len(sb.requests) == 3


class TestNeverRetried:
    def test_500_is_not_retried(self, sb):
        sb.inject(VERSION, Fault.status(500))
        with make_client(sb) as client, pytest.raises(ServerError):
            client.get_json("/version")
        assert len(sb.requests) == 1

    def test_401_is_not_retried(self, sb):
        sb.load("no_api_access")
        with make_client(sb) as client, pytest.raises(AuthenticationError):
            client.get_json("/operators/current")
        assert [e.status for e in sb.requests] == [401]

    def test_403_is_not_retried(self, sb):
        sb.load("person_login")
        with make_client(sb) as client, pytest.raises(PermissionDenied) as caught:
            client.get_json("/operators/current")
        assert [e.status for e in sb.requests] == [403]
        assert caught.value.messages == ["Operation not allowed for this log in"]

    def test_404_is_not_retried(self, sb):
        with make_client(sb) as client, pytest.raises(NotFound):
            client.get_json(f"/operators/id/{uuid.uuid4()}")
        assert [e.status for e in sb.requests] == [404]

    def test_400_is_not_retried(self, sb):
        with make_client(sb) as client, pytest.raises(HTTPStatusError) as caught:
            client.get_json("/operators", {"page_size": 101})
        assert caught.value.status == 400 and [e.status for e in sb.requests] == [400]


class TestRetryAfter:
    def test_delta_seconds_are_waited(self, sb):
        sb.inject(VERSION, Fault.rate_limit(retry_after="1", times=1))
        with make_client(sb) as client:
            started = time.monotonic()
            assert client.get_json("/version")
            waited = time.monotonic() - started
        assert 0.95 <= waited < 3
        assert [e.status for e in sb.requests] == [429, 200]

    def test_http_date_is_waited(self, sb):
        when = datetime.now(UTC) + timedelta(seconds=2)
        sb.inject(VERSION, Fault.rate_limit(retry_after=email.utils.format_datetime(when, usegmt=True), times=1))
        with make_client(sb) as client:
            started = time.monotonic()
            assert client.get_json("/version")
            waited = time.monotonic() - started
        assert 0.9 <= waited < 3.5  # the date has whole seconds: 1-2 s from now
        assert [e.status for e in sb.requests] == [429, 200]

    def test_longer_than_the_time_left_gives_up_at_once_and_says_why(self, sb):
        sb.inject(VERSION, Fault.rate_limit(retry_after="30"))
        with make_client(sb, deadline=time.monotonic() + 5) as client:
            started = time.monotonic()
            with pytest.raises(RateLimited) as caught:
                client.get_json("/version")
        assert time.monotonic() - started < 1
        assert len(sb.requests) == 1
        assert "Retry-After asked for 30 s" in str(caught.value) and "left before the deadline" in str(caught.value)

    def test_longer_than_the_wait_cap_gives_up_at_once(self, sb):
        sb.inject(VERSION, Fault.rate_limit(retry_after="600"))
        with make_client(sb, deadline=time.monotonic() + 3600) as client, pytest.raises(RateLimited) as caught:
            client.get_json("/version")
        assert len(sb.requests) == 1
        assert "Retry-After asked for 600 s, longer than the 10 s this tool waits" in str(caught.value)


class TestDeadline:
    def test_retries_stop_at_the_deadline(self, sb):
        sb.inject(VERSION, Fault.status(503))
        started = time.monotonic()
        with make_client(sb, retries=100, deadline=started + 1.0, wait=tenacity.wait_fixed(0.3)) as client:
            with pytest.raises(ServerError) as caught:
                client.get_json("/version")
        elapsed = time.monotonic() - started
        assert elapsed < 1.3
        assert 2 <= len(sb.requests) <= 5
        assert "no time left before the deadline" in str(caught.value)

    def test_nothing_is_sent_after_the_deadline(self, sb):
        with make_client(sb, deadline=time.monotonic() - 1) as client, pytest.raises(RequestTimeout) as caught:
            client.fetch("/version")
        assert caught.value.phase == "deadline"
        assert sb.requests == []

    def test_read_timeout_is_retried_then_reported(self, sb):
        sb.inject(VERSION, Fault.latency(1.0))
        with make_client(sb, retries=1, timeout=0.25) as client, pytest.raises(RequestTimeout) as caught:
            client.fetch("/version")
        assert caught.value.phase == "read"
        assert "sent no answer within 0.25 s" in str(caught.value)
        assert "gave up after 2 attempts" in str(caught.value)

    def test_a_trickling_body_cannot_outlast_the_deadline(self, sb):
        sb.inject(VERSION, Fault.slow_body(3.0))
        started = time.monotonic()
        with make_client(sb, retries=0, deadline=started + 0.8) as client, pytest.raises(RequestTimeout) as caught:
            client.fetch("/version")
        assert time.monotonic() - started < 2
        assert caught.value.phase == "deadline"  # the wall clock shut the socket at the deadline
        assert "before the run's deadline" in str(caught.value)


class TestDroppedConnections:
    def test_dropped_connection_becomes_connect_error_after_retries(self, sb):
        sb.inject(VERSION, Fault.drop())
        with make_client(sb, retries=2) as client, pytest.raises(ConnectError) as caught:
            client.fetch("/version")
        assert [e.status for e in sb.requests] == [None, None, None]
        assert "dropped" in str(caught.value) and "gave up after 3 attempts" in str(caught.value)
        assert caught.value.path == VERSION and caught.value.hint

    def test_one_drop_is_retried_away(self, sb):
        sb.inject(VERSION, Fault.drop(times=1))
        with make_client(sb) as client:
            assert client.fetch("/version").status == 200
        assert [e.status for e in sb.requests] == [None, 200]

    def test_failed_attempts_are_recorded_as_evidence(self, sb):
        sb.inject(VERSION, Fault.drop(times=1))
        with make_client(sb) as client, client.recording() as records:
            client.fetch("/version")
        assert [r.status for r in records] == [None, 200]
        assert records[0].error.startswith("ConnectError: GET /tas/api/version")
