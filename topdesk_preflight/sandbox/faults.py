"""Faults: the ways a real TOPdesk (or what sits in front of it) misbehaves, injectable per path.

``sb.inject("/tas/api/locations", Fault.status(503, times=1))`` makes the first call to that path fail
and later ones succeed: a flaky endpoint. ``times=None`` means every call. Patterns are an exact path
or a glob (``/tas/api/operators*``) matched against the path without its query string.

Three families, applied in this order to a request that matches:
* ``latency`` waits, then the request is served normally (several latencies add up);
* a *replacement* (status, rate_limit, drop, html, invalid_json, wrong_shape, empty_body) answers
  instead of the API; the first matching one wins;
* ``slow_body`` serves the real answer but trickles its body.
429 and ``Retry-After`` are not documented TOPdesk behaviour (docs/topdesk-api.md §3.5): opt-in only.
"""

from __future__ import annotations

import fnmatch
import threading

from attrs import define, frozen

LATENCY = "latency"
SLOW_BODY = "slow_body"
TRICKLE_HEADERS = "trickle_headers"

LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>TOPdesk</title></head><body>"
    "<form method=\"post\" action=\"/tas/secure/login/form\"><h1>Log in to TOPdesk</h1>"
    "<input name=\"j_username\"><input name=\"j_password\" type=\"password\"></form></body></html>"
)


@frozen
class Fault:
    """One misbehaviour. Build it with the named constructors, not directly."""

    kind: str
    times: int | None = None
    status_code: int = 200
    body: object = None
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0

    @classmethod
    def status(cls, code: int, body: object = None, headers: dict[str, str] | None = None,
               times: int | None = None) -> Fault:
        """Answer with this status; ``body`` may be str, bytes or JSON-able (default TOPdesk's error array)."""
        return cls("status", times, status_code=code, body=body, headers=tuple((headers or {}).items()))

    @classmethod
    def rate_limit(cls, retry_after: str | int = "1", times: int | None = None) -> Fault:
        """429 Too Many Requests with ``Retry-After`` (seconds, or an HTTP-date string)."""
        return cls("status", times, status_code=429, body=[{"message": "Too many requests"}],
                   headers=(("Retry-After", str(retry_after)),))

    @classmethod
    def latency(cls, seconds: float, times: int | None = None) -> Fault:
        """Wait this long before answering normally."""
        return cls(LATENCY, times, seconds=seconds)

    @classmethod
    def drop(cls, times: int | None = None) -> Fault:
        """Close the connection without sending a byte of answer."""
        return cls("drop", times)

    @classmethod
    def html(cls, times: int | None = None) -> Fault:
        """200 with TOPdesk's HTML login page: what a wrong URL or a proxy's portal looks like."""
        return cls("status", times, status_code=200, body=LOGIN_PAGE,
                   headers=(("Content-Type", "text/html;charset=UTF-8"),))

    @classmethod
    def invalid_json(cls, times: int | None = None) -> Fault:
        """200 labelled JSON whose body is cut off mid-document."""
        return cls("status", times, status_code=200, body=b'[{"id": "4a6c", "name": "Auro',
                   headers=(("Content-Type", "application/json;charset=UTF-8"),))

    @classmethod
    def wrong_shape(cls, times: int | None = None) -> Fault:
        """200 with valid JSON of the wrong shape: a string where an array or object is expected."""
        return cls("status", times, status_code=200, body=b'"unexpected"',
                   headers=(("Content-Type", "application/json;charset=UTF-8"),))

    @classmethod
    def empty_body(cls, times: int | None = None) -> Fault:
        """200 labelled JSON with no body at all."""
        return cls("status", times, status_code=200, body=b"",
                   headers=(("Content-Type", "application/json;charset=UTF-8"),))

    @classmethod
    def trickle_headers(cls, seconds: float, times: int | None = None) -> Fault:
        """Send the status line and headers one byte at a time, 0.2 s apart, for ``seconds``, then hang up.

        Each byte arrives well within any read time-out, so only a wall clock on the whole
        request (or the run's deadline) ends it: the hostile server a deadline must survive.
        """
        return cls(TRICKLE_HEADERS, times, seconds=seconds)

    @classmethod
    def slow_body(cls, seconds: float, times: int | None = None) -> Fault:
        """Send the real answer's headers at once, then trickle its body over ``seconds``."""
        return cls(SLOW_BODY, times, seconds=seconds)


@define
class _Armed:
    pattern: str
    fault: Fault
    remaining: int | None


class FaultTable:
    """The faults injected into one sandbox, consumed thread-safely as requests arrive."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []

    def add(self, pattern: str, fault: Fault) -> None:
        with self._lock:
            self._armed.append(_Armed(pattern, fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self, path: str) -> list[Fault]:
        """The faults that fire for this request (each use counts against its ``times``)."""
        fired: list[Fault] = []
        replaced = False
        with self._lock:
            for armed in self._armed:
                if armed.remaining == 0 or not _matches(armed.pattern, path):
                    continue
                is_replacement = armed.fault.kind not in (LATENCY, SLOW_BODY)
                if is_replacement and replaced:
                    continue
                replaced = replaced or is_replacement
                fired.append(armed.fault)
                if armed.remaining is not None:
                    armed.remaining -= 1
        return fired


def _matches(pattern: str, path: str) -> bool:
    return pattern == path or fnmatch.fnmatchcase(path, pattern)
