"""A wall-clock cap on every request (connect, headers and body together), enforced by shutting
its socket down.

Why: urllib3's time-outs bound each socket operation, not the request. A server (or a proxy) that
sends its status line one byte per second, each byte within the read time-out, keeps a request
and the thread it runs in alive for as long as it likes; the run's deadline could then only be
honoured by abandoning the thread, and a process does not exit while a worker thread of
``concurrent.futures`` still blocks. So each request runs under a :class:`Watch`: one watchdog
thread shuts down the sockets of every watch whose time is up, the blocked read returns at once,
and the client reports a time-out instead of a dropped connection.

How the sockets are found: the pools of our adapter make :class:`WatchedHTTPConnection` /
:class:`WatchedHTTPSConnection`, which keep a duplicate descriptor of their TCP socket (so a
shutdown reaches the connection during the TLS handshake too, and a descriptor number reused by
another connection is never touched); the pools hand each connection, new or kept alive, to the
watch of the thread that takes it.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

from attrs import define, field
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


@define(eq=False)
class Watch:
    """One request's cap: when it passes, every connection the request used is shut down."""

    expires: float
    fired: bool = False
    _connections: list[Any] = field(factory=list)
    _lock: threading.Lock = field(factory=threading.Lock)

    def join(self, connection: Any) -> None:
        """``connection`` serves this request: shut it down with the others when time is up."""
        with self._lock:
            if connection not in self._connections:
                self._connections.append(connection)
            fired = self.fired
        if fired:
            _shut(connection)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)


def _shut(connection: Any) -> None:
    """Shut the connection's socket down; the thread blocked on it gets end-of-file at once."""
    shutter = getattr(connection, "_wall_clock_shutter", None)
    if shutter is None:
        return
    try:
        shutter.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed or never connected: nothing left to stop
        pass


class _Watchdog:
    """One daemon thread for the whole process, sleeping until the next watch expires."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Watch]] = []
        self._done: set[int] = set()
        self._ids = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, watch: Watch) -> int:
        with self._wake:
            ticket = next(self._ids)
            heapq.heappush(self._heap, (watch.expires, ticket, watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="topdesk-preflight-wall-clock",
                                                daemon=True)
                self._thread.start()
            self._wake.notify()
            return ticket

    def disarm(self, ticket: int) -> None:
        with self._wake:
            self._done.add(ticket)

    def fire_all(self) -> None:
        """Fire every armed watch now (Ctrl-C): each request in flight has its socket shut down."""
        with self._wake:
            armed = [watch for _, ticket, watch in self._heap if ticket not in self._done]
        for watch in armed:
            watch.fire()

    def _run(self) -> None:
        while True:
            due: list[Watch] = []
            with self._wake:
                while self._heap and self._heap[0][1] in self._done:
                    self._done.discard(heapq.heappop(self._heap)[1])
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    _, ticket, watch = heapq.heappop(self._heap)
                    if ticket in self._done:
                        self._done.discard(ticket)
                    else:
                        due.append(watch)
                if not due:
                    self._wake.wait(None if not self._heap else self._heap[0][0] - now)
            for watch in due:
                watch.fire()


_WATCHDOG = _Watchdog()
_current = threading.local()


@contextmanager
def wall_clock(seconds: float) -> Iterator[Watch]:
    """Run the block (one request) under a cap of ``seconds``; the watch says whether it fired."""
    watch = Watch(expires=time.monotonic() + max(0.0, seconds))
    ticket = _WATCHDOG.arm(watch)
    previous = getattr(_current, "watch", None)
    _current.watch = watch
    try:
        yield watch
    finally:
        _current.watch = previous
        _WATCHDOG.disarm(ticket)


def fire_all() -> None:
    """Shut down the sockets of every request in flight, in every thread (see :mod:`..interrupt`)."""
    _WATCHDOG.fire_all()


def _join_current(connection: Any) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.join(connection)


class WatchedHTTPConnection(HTTPConnection):
    """A connection that keeps a shutter descriptor of its socket and joins the thread's watch.

    :class:`WatchedHTTPSConnection` adds nothing: it puts these methods before urllib3's HTTPS
    connection in its method order, and the shutter works the same under TLS.
    """

    _wall_clock_shutter: socket.socket | None = None

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._drop_shutter()
        try:
            self._wall_clock_shutter = sock.dup()
        except OSError:
            self._wall_clock_shutter = None
        _join_current(self)
        return sock

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._drop_shutter()

    def _drop_shutter(self) -> None:
        shutter, self._wall_clock_shutter = self._wall_clock_shutter, None
        if shutter is not None:
            shutter.close()


class WatchedHTTPSConnection(WatchedHTTPConnection, HTTPSConnection):
    pass


class WatchedHTTPConnectionPool(HTTPConnectionPool):
    """A pool whose every connection, new or kept alive, joins the watch of the thread that takes it."""

    ConnectionCls = WatchedHTTPConnection

    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)
        _join_current(connection)
        return connection


class WatchedHTTPSConnectionPool(WatchedHTTPConnectionPool, HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


#: What a PoolManager (direct or proxy) makes, so every connection a client opens is watched.
WATCHED_POOLS: dict[str, type[HTTPConnectionPool]] = {"http": WatchedHTTPConnectionPool,
                                                      "https": WatchedHTTPSConnectionPool}
