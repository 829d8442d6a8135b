"""What a running check can see: the settings, the client, and facts other checks already fetched.

Checks run concurrently, so shared facts (the current operator, the branch, the
room list) are computed once under a per-key lock with :meth:`Context.once`; a
second check asking for the same fact waits for the first fetch instead of
repeating it. A failure is cached too, so a broken endpoint is asked once.

Facts can also be fetched *speculatively*: a facts function decorated with
:func:`prefetch` is started by the runner the moment the run begins, in parallel
with the network checks and with each other, instead of when the first check that
needs it gets its turn along the dependency chain (network.tls, api.reachable,
auth.credentials, branch.exists, ...). Checks keep their logical dependencies, so
skip semantics do not change; they simply find the fact already cached. A failed
prefetch is just a cached error that the owning check reports as before.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

from attrs import frozen

from topdesk_preflight.errors import ReadOnlyViolation, TopdeskError
from topdesk_preflight.model import CheckResult, RequestRecord

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger("topdesk_preflight.context")


@frozen
class Prefetch:
    """A facts function worth starting when the run starts, and the checks that read its fact.

    ``fetch(ctx)`` must cache what it fetches with :meth:`Context.once`, so the
    checks that ask later get the same value (or the same error) without a request.
    ``used_by`` decides whether it runs at all: only when one of those checks is
    selected, so ``--only network`` never sends an API request.
    """

    name: str
    fetch: Callable[["Context"], Any]
    used_by: tuple[str, ...]


#: Every registered prefetch, in registration (= catalogue import) order.
PREFETCHES: dict[str, Prefetch] = {}


def prefetch(*, used_by: Iterable[str]) -> Callable[[F], F]:
    """Register a facts function ``(ctx) -> fact`` to be started as soon as the run begins.

    Use it only for facts whose request does not depend on a check's verdict beyond
    what the function itself fetches (it may call other facts functions, e.g. the
    rooms after the branch), and that are cheap to ask for even when they end up unused.
    """
    checks = tuple(used_by)
    if not checks:
        raise ValueError("a prefetch needs the ids of the checks that use its fact")

    def register(func: F) -> F:
        name = f"{func.__module__}.{func.__qualname__}"
        PREFETCHES[name] = Prefetch(name=name, fetch=func, used_by=checks)
        return func

    return register


def prefetches_for(check_ids: Iterable[str],
                   registered: Iterable[Prefetch] | None = None) -> list[Prefetch]:
    """The prefetches that feed at least one of ``check_ids``, in registration order."""
    wanted = set(check_ids)
    pool = PREFETCHES.values() if registered is None else registered
    return [p for p in pool if wanted.intersection(p.used_by)]


@frozen
class Outcome:
    """The result of one call run by :meth:`Context.gather`: a value, or the exception it raised."""

    value: Any = None
    error: Exception | None = None

    def get(self) -> Any:
        """The value, or raise the error as if the call had been made here."""
        if self.error is not None:
            raise self.error
        return self.value


def _unique(records: Iterable[RequestRecord]) -> tuple[RequestRecord, ...]:
    """Each request once, in the order first seen (a nested fact's requests may also be captured directly)."""
    seen: set[int] = set()
    kept = []
    for record in records:
        if id(record) not in seen:
            seen.add(id(record))
            kept.append(record)
    return tuple(kept)


def _deadline_error() -> Exception:
    from topdesk_preflight.errors import RequestTimeout

    return RequestTimeout("no answer before the run's deadline (the server kept the request open)", phase="deadline")


def _log_warm_up_failure(name: str, exc: Exception) -> None:
    """--debug: a prefetch that met what TOPdesk or the network did is one line; a defect gets a traceback.

    A wrong password or an unreachable host makes every prefetch fail, and the
    check that owns the fact reports it properly; a traceback per prefetch would
    only bury that report and make an ordinary outcome look like a crash. Refusing
    a write (:class:`ReadOnlyViolation`) is a TopdeskError too, but it means the
    calling code is wrong, so it keeps its traceback.
    """
    if isinstance(exc, TopdeskError) and not isinstance(exc, ReadOnlyViolation):
        log.debug("prefetch %s failed (%s: %s); the check that needs it reports why",
                  name, type(exc).__name__, exc)
    else:
        log.debug("prefetch %s failed; the check that needs it reports why", name, exc_info=True)


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
                # The facts this factory asks for are credited to it too, also when another thread
                # fetched them first: its evidence must not depend on which thread won the race.
                nested: list[RequestRecord] = []
                facts = self._local.__dict__.setdefault("open_facts", [])
                facts.append(nested)
                try:
                    with self._capture() as records:
                        try:
                            value: Any = factory()
                            ok = True
                        except Exception as exc:  # cached and re-raised to each asker
                            value, ok = exc, False
                finally:
                    facts.pop()
                self._cache[key] = (ok, value, _unique([*records, *nested]))
        ok, value, cached_records = self._cache[key]
        open_facts = self._local.__dict__.get("open_facts")
        if open_facts:  # asked for while computing another fact: that fact rests on this one's requests
            open_facts[-1].extend(cached_records)
        self._credit(list(cached_records))
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def warm(self, item: Prefetch) -> None:
        """Run a prefetch for its side effect on the cache; its errors stay cached for the owning check.

        Nothing is credited to a check here: the checks that use the fact are credited
        when they ask for it, exactly as if they had fetched it themselves.
        """
        previous = getattr(self._local, "records", None)
        self._local.records = None
        try:
            item.fetch(self)
        except Exception as exc:  # cached by once(), or re-raised when the owning check asks again
            _log_warm_up_failure(item.name, exc)
        finally:
            self._local.records = previous

    def gather(self, calls: Mapping[str, Callable[[], Any]]) -> dict[str, Outcome]:
        """Run independent reads of one check at once and return each one's value or error, by name.

        A check that probes several endpoints (four Supporting Files lists, say)
        would otherwise spend one round trip per probe; here they overlap. The
        requests made in the helper threads are credited to the calling check, so
        its replayable evidence stays complete.
        """
        if len(calls) <= 1:
            return {name: self._outcome(call) for name, call in calls.items()}
        # Daemon threads, waited for only until the run's deadline: a server that trickles its answer
        # a byte at a time (each within the read time-out) can hold a thread, never the process or the
        # report. concurrent.futures' pool would be joined at interpreter exit, keeping it alive.
        finished: dict[str, tuple[Outcome, list[RequestRecord]]] = {}

        def run(name: str, call: Callable[[], Any]) -> None:
            finished[name] = self._recorded_outcome(call)

        threads = [threading.Thread(target=run, args=(name, call), daemon=True, name=f"preflight-gather-{name}")
                   for name, call in calls.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self._time_left())
        late = Outcome(error=_deadline_error())
        results = {name: finished.get(name, (late, [])) for name in calls}
        for _, records in results.values():
            self._credit(records)
        return {name: outcome for name, (outcome, _) in results.items()}

    def _time_left(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def _recorded_outcome(self, call: Callable[[], Any]) -> tuple["Outcome", list[RequestRecord]]:
        self._local.records, self._local.seen = [], set()  # facts used in this thread credit here
        with self._capture() as direct:
            outcome = self._outcome(call)
        return outcome, list(direct) + list(self._local.records)

    @staticmethod
    def _outcome(call: Callable[[], Any]) -> "Outcome":
        try:
            return Outcome(value=call())
        except Exception as exc:  # handed back to the check, which decides what it means
            return Outcome(error=exc)

    def peek(self, key: str) -> Any:
        """A fact if it was already computed successfully, else None (never fetches)."""
        entry = self._cache.get(key)
        return entry[1] if entry and entry[0] else None

    # -- request capture (replayable evidence) --------------------------------------------------
    @contextlib.contextmanager
    def capture_check(self) -> Iterator[list[RequestRecord]]:
        """Collect the requests a check's thread makes, plus those behind the shared facts it used.

        The list handed out is sorted by path when the block ends (in place: the caller holds
        it), so a check's evidence reads the same whichever thread fetched a shared fact first.
        """
        records: list[RequestRecord] = []
        self._local.records = records
        self._local.seen = set()
        try:
            with self._capture() as direct:
                yield records
        finally:
            self._credit(direct)
            records.sort(key=lambda r: r.path)

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
