"""What a running check can see: the settings, the client, and facts other checks already fetched.

Checks run concurrently, so shared facts (the current operator, the branch, the
room list) are computed once under a per-key lock with :meth:`Context.once`; a
second check asking for the same fact waits for the first fetch instead of
repeating it. A failure is cached too, so a broken endpoint is asked once.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator, TypeVar

from topdesk_preflight.model import CheckResult, RequestRecord

T = TypeVar("T")


class Context:
    def __init__(self, settings: Any, client: Any = None, *, deadline: float | None = None) -> None:
        self.settings = settings
        self.client = client
        self.deadline = deadline
        self._results: dict[str, CheckResult] = {}
        self._cache: dict[str, tuple[bool, Any, tuple[RequestRecord, ...]]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._local = threading.local()

    # -- results of finished checks -------------------------------------------------------------
    def result(self, check_id: str) -> CheckResult | None:
        """The result of a check that has finished (prerequisites always have)."""
        return self._results.get(check_id)

    def _set_result(self, result: CheckResult) -> None:
        self._results[result.id] = result

    # -- shared facts ---------------------------------------------------------------------------
    def once(self, key: str, factory: Callable[[], T]) -> T:
        """Compute ``factory()`` once per run, whoever asks first; re-raise its error to every asker.

        The requests made while computing it are credited to every check that uses
        the fact, so each check's replayable evidence is complete.
        """
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                with self._capture() as records:
                    try:
                        value: Any = factory()
                        ok = True
                    except Exception as exc:  # cached and re-raised to each asker
                        value, ok = exc, False
                self._cache[key] = (ok, value, tuple(records))
        ok, value, cached_records = self._cache[key]
        self._credit(list(cached_records))
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def peek(self, key: str) -> Any:
        """A fact if it was already computed successfully, else None (never fetches)."""
        entry = self._cache.get(key)
        return entry[1] if entry and entry[0] else None

    # -- request capture (replayable evidence) --------------------------------------------------
    @contextlib.contextmanager
    def capture_check(self) -> Iterator[list[RequestRecord]]:
        """Collect the requests a check's thread makes, plus those behind the shared facts it used."""
        self._local.records = []
        self._local.seen = set()
        try:
            with self._capture() as direct:
                yield self._local.records
        finally:
            self._credit(direct)
            self._local.records = sorted(self._local.records, key=lambda r: r.path)

    @contextlib.contextmanager
    def _capture(self) -> Iterator[list[RequestRecord]]:
        recording = getattr(self.client, "recording", None)
        if recording is None:
            yield []
            return
        with recording() as records:
            yield records

    def _credit(self, records: list[RequestRecord]) -> None:
        target = getattr(self._local, "records", None)
        if target is None:
            return
        seen = self._local.seen
        for record in records:
            key = id(record)
            if key in seen:
                continue
            seen.add(key)
            target.append(record)
