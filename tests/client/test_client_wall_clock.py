"""The wall clock on every request (topdesk_preflight.client.wall_clock).

urllib3's time-outs bound each socket read; only a cap on the whole request stops a server that
trickles its status line a byte at a time. The cap is the connect and read time-outs together,
never past the run's deadline, and it is enforced by shutting the socket down, so the blocked
thread itself returns (a process whose worker still blocks cannot exit).
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import tenacity

from topdesk_preflight.client import TopdeskClient
from topdesk_preflight.client.wall_clock import Watch, wall_clock
from topdesk_preflight.errors import RequestTimeout
from topdesk_preflight.sandbox import Fault

VERSION = "/tas/api/version"


def make_client(sb, *, deadline=None, **settings):
    settings.setdefault("retries", 0)
    return TopdeskClient(sb.settings(**settings), deadline=deadline, retry_wait=tenacity.wait_none())


class _Connection:
    """Stands for a urllib3 connection: what a watch shuts down is its shutter descriptor."""

    def __init__(self, sock: socket.socket) -> None:
        self._wall_clock_shutter = sock.dup()


class TestAWatch:
    def test_a_watch_that_fires_wakes_the_thread_blocked_on_its_socket(self):
        ours, theirs = socket.socketpair()
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append(ours.recv(10)), daemon=True)
        reader.start()
        with wall_clock(0.2) as watch:
            watch.join(_Connection(ours))
            reader.join(timeout=3)
        assert not reader.is_alive() and got == [b""]  # end-of-file, at once
        assert watch.fired
        ours.close()
        theirs.close()

    def test_a_watch_disarmed_in_time_never_fires(self):
        ours, theirs = socket.socketpair()
        with wall_clock(0.2) as watch:
            watch.join(_Connection(ours))
        time.sleep(0.4)
        theirs.sendall(b"still open")
        assert ours.recv(10) == b"still open" and not watch.fired
        ours.close()
        theirs.close()

    def test_a_connection_that_joins_a_fired_watch_is_shut_at_once(self):
        ours, theirs = socket.socketpair()
        watch = Watch(expires=0.0)
        watch.fire()
        watch.join(_Connection(ours))
        assert ours.recv(10) == b""
        ours.close()
        theirs.close()

    def test_many_watches_fire_in_the_order_they_expire(self):
        watches = []
        with wall_clock(0.3) as late, wall_clock(0.1) as early:
            watches = [late, early]
            time.sleep(0.2)
            assert early.fired and not late.fired
            time.sleep(0.25)
        assert all(w.fired for w in watches)


class TestTheClientUnderAWallClock:
    def test_trickling_headers_end_at_the_two_time_outs_together_not_at_the_deadline(self, sb):
        sb.inject(VERSION, Fault.trickle_headers(30.0))
        started = time.monotonic()
        with make_client(sb, timeout=0.6, connect_timeout=0.4, deadline=started + 60) as client, \
                pytest.raises(RequestTimeout) as caught:
            client.fetch("/version")
        took = time.monotonic() - started
        assert 0.9 <= took < 2.5, took
        assert caught.value.phase == "read"
        assert "no complete answer within 1 s" in str(caught.value)
        assert "connection was closed" in str(caught.value)

    def test_trickling_headers_end_at_the_deadline_when_that_comes_first(self, sb):
        sb.inject(VERSION, Fault.trickle_headers(30.0))
        started = time.monotonic()
        with make_client(sb, timeout=10, deadline=started + 0.7) as client, pytest.raises(RequestTimeout) as caught:
            client.fetch("/version")
        assert time.monotonic() - started < 2.0
        assert caught.value.phase == "deadline"

    def test_headers_cut_short_by_the_shut_socket_are_never_taken_for_an_answer(self, sb):
        # Past the status line (17 bytes at 0.2 s each) the shut socket reads as the end of the headers:
        # http.client would hand over "200 OK" with an empty body. That is the cut, not TOPdesk's answer.
        sb.inject(VERSION, Fault.trickle_headers(30.0))
        with make_client(sb, timeout=3.0, connect_timeout=1.0) as client, pytest.raises(RequestTimeout) as caught:
            client.fetch("/version")
        assert caught.value.phase == "read" and "within 4 s" in str(caught.value)

    def test_a_kept_alive_connection_is_watched_by_the_next_request_too(self, sb):
        with make_client(sb, timeout=0.5, connect_timeout=0.3) as client:
            assert client.fetch("/version").status == 200
            sb.inject(VERSION, Fault.trickle_headers(30.0))
            started = time.monotonic()
            with pytest.raises(RequestTimeout):
                client.fetch("/version")
            assert time.monotonic() - started < 2.0
            sb.clear_faults()
            assert client.fetch("/version").status == 200  # a new connection replaces the shut one

    def test_an_answer_in_time_is_untouched_by_its_watch(self, sb):
        sb.inject(VERSION, Fault.latency(0.3))
        with make_client(sb, timeout=2, connect_timeout=1) as client:
            assert client.fetch("/version").status == 200
