"""Evidence capture: every attempt becomes a :class:`~topdesk_preflight.model.RequestRecord`.

Why: the report shows (and ``reports/replay.py`` turns into curl commands) exactly which requests a
check made, so each check collects the records of its own thread inside :meth:`Evidence.recording`
while the whole run's log fills ``Evidence.log``. The records hold method, path, status, sizes and
the error's message, never headers, so the password cannot leak into a report. ``--debug`` logs the
same facts on the ``topdesk_preflight.http`` logger.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Iterator

from topdesk_preflight.errors import TopdeskError
from topdesk_preflight.model import RequestRecord

http_log = logging.getLogger("topdesk_preflight.http")


class Evidence:
    """The run's request log and each thread's open recordings (thread-safe)."""

    def __init__(self) -> None:
        self.log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[RequestRecord]]:
        """Collect the RequestRecords of requests made by this thread inside the block (blocks may nest)."""
        records: list[RequestRecord] = []
        stack = self._local.__dict__.setdefault("recordings", [])
        stack.append(records)
        try:
            yield records
        finally:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index] is records:
                    del stack[index]
                    break

    def record(self, record: RequestRecord) -> None:
        """Add to the run's log and to every recording open on this thread."""
        with self._lock:
            self.log.append(record)
        for records in getattr(self._local, "recordings", ()):
            records.append(record)

    def note(self, method: str, path: str, status: int | None, elapsed: float, size: int,
             error: TopdeskError | None, attempt: int, max_attempts: int, accept: str | None = None) -> None:
        """Record one attempt and log it at DEBUG."""
        self.record(RequestRecord(method=method, path=path, status=status, duration_s=round(elapsed, 4),
                                  bytes=size, error=f"{type(error).__name__}: {error.message}" if error else None,
                                  accept=accept))
        if error is None:
            http_log.debug("%s %s -> %s, %d B, %d ms, attempt %d/%d", method, path, status, size,
                           round(elapsed * 1000), attempt, max_attempts)
        else:
            http_log.debug("%s %s -> %s (%s), %d ms, attempt %d/%d", method, path, type(error).__name__,
                           error.message, round(elapsed * 1000), attempt, max_attempts)
