"""The retry policy, as tenacity strategy objects that can be tested one by one.

Why this shape: a retry decision depends on the outcome (a transport hiccup or a 429/502/503/504),
on ``Retry-After``, on how many attempts were made and on the time left before the run's deadline.
Each of those is one small ``stop_base`` or ``wait_base`` object here, so each can be checked with a
hand-made :class:`tenacity.RetryCallState`, no server and no sleep. When a stop strategy ends the
retries it also says why ("gave up after 3 attempts"), and :class:`GiveUp` puts that note on what
the caller gets: the last response's ``note``, or the end of the last error's message.

Only idempotent reads are ever retried (the client sends nothing else), and the adapter's own
retries are 0: this is the only retry layer. No module here imports ``requests``.
"""

from __future__ import annotations

import email.utils
import logging
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Callable

import attrs
import tenacity

from topdesk_preflight.errors import ConnectError, DNSError, RequestTimeout, TopdeskError

if TYPE_CHECKING:
    from topdesk_preflight.client.response import ApiResponse

http_log = logging.getLogger("topdesk_preflight.http")

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_WAIT_S = 10.0  # no single back-off or Retry-After wait is longer than this
DEADLINE_MARGIN_S = 0.05  # a retry that would start this close to the deadline is not worth sending

TimeLeft = Callable[[], float]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date; None if absent/bad."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():  # str.isdigit() also accepts "²", which int() refuses
        return float(int(text))
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:  # "nan" and "inf" parse as floats but are no wait a server could mean
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_retryable(exc: BaseException) -> bool:
    """Transport hiccups are worth another try; verdicts (TLS, DNS, the deadline) are not."""
    if isinstance(exc, RequestTimeout):
        return exc.phase in ("connect", "read")
    if isinstance(exc, DNSError):
        return getattr(exc, "temporary", False)
    return isinstance(exc, ConnectError)


def is_retry_status(response: ApiResponse) -> bool:
    """429 (too many requests) and the gateway statuses a proxy or load balancer answers while busy."""
    return response.status in RETRY_STATUSES


def retry_after_of(state: tenacity.RetryCallState) -> float | None:
    """The ``Retry-After`` of the last outcome when it is a retryable status, else None."""
    outcome = state.outcome
    if outcome is None or outcome.failed:
        return None
    response = outcome.result()
    if getattr(response, "status", None) in RETRY_STATUSES:  # an ApiResponse; anything else has no say
        return response.retry_after_s  # type: ignore[no-any-return]
    return None


#: Retry a transport hiccup or a busy status; everything else is an answer to report.
retry_transient = tenacity.retry_if_exception(is_retryable) | tenacity.retry_if_result(is_retry_status)


# ------------------------------------------------------------------------------------------ stop


class stop_with_reason(tenacity.stop.stop_base):
    """A stop strategy that can say why it stopped: :meth:`reason` is None to go on."""

    def reason(self, state: tenacity.RetryCallState) -> str | None:
        raise NotImplementedError

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        return self.reason(state) is not None


class stop_after_attempts(stop_with_reason):
    """The ``--retries`` setting: ``max_attempts`` is retries + 1."""

    def __init__(self, max_attempts: int) -> None:
        self.max_attempts = max_attempts

    def reason(self, state: tenacity.RetryCallState) -> str | None:
        if state.attempt_number >= self.max_attempts:
            return f"gave up after {state.attempt_number} attempts"
        return None


class stop_if_retry_after_past_deadline(stop_with_reason):
    """A server that asks us to come back after the deadline will not be asked again."""

    def __init__(self, time_left: TimeLeft) -> None:
        self.time_left = time_left

    def reason(self, state: tenacity.RetryCallState) -> str | None:
        asked = retry_after_of(state)
        left = self.time_left()
        if asked is not None and asked >= left:
            return (f"Retry-After asked for {asked:g} s but only {max(left, 0):.1f} s were left before the "
                    "deadline")
        return None


class stop_if_retry_after_too_long(stop_with_reason):
    """A ``Retry-After`` longer than ``longest`` is a server that is not coming back soon."""

    def __init__(self, longest: float = MAX_WAIT_S) -> None:
        self.longest = longest

    def reason(self, state: tenacity.RetryCallState) -> str | None:
        asked = retry_after_of(state)
        if asked is not None and asked > self.longest:
            return f"Retry-After asked for {asked:g} s, longer than the {self.longest:g} s this tool waits"
        return None


class stop_before_deadline(stop_with_reason):
    """Never sleep into the deadline: the next attempt must start before it (tenacity's wait runs first)."""

    def __init__(self, time_left: TimeLeft, margin: float = DEADLINE_MARGIN_S) -> None:
        self.time_left = time_left
        self.margin = margin

    def reason(self, state: tenacity.RetryCallState) -> str | None:
        if state.upcoming_sleep >= self.time_left() - self.margin:
            return "no time left before the deadline to retry"
        return None


class stop_first(stop_with_reason):
    """Stop at the first strategy that gives a reason, in order, and remember that reason for :class:`GiveUp`.

    One instance serves one request (the client builds a policy per request), so ``note`` is not shared
    between threads.
    """

    def __init__(self, *stops: stop_with_reason) -> None:
        self.stops = stops
        self.note: str | None = None

    def reason(self, state: tenacity.RetryCallState) -> str | None:
        for stop in self.stops:
            why = stop.reason(state)
            if why is not None:
                self.note = why
                return why
        return None


# ------------------------------------------------------------------------------------------ wait


class wait_retry_after_or(tenacity.wait.wait_base):
    """The server's ``Retry-After`` when it gave one (the stops refuse the overlong ones), else
    ``fallback`` capped at ``cap`` and at the time left."""

    def __init__(self, fallback: tenacity.wait.wait_base, *, cap: float = MAX_WAIT_S,
                 time_left: TimeLeft) -> None:
        self.fallback = fallback
        self.cap = cap
        self.time_left = time_left

    def __call__(self, state: tenacity.RetryCallState) -> float:
        asked = retry_after_of(state)
        if asked is not None:
            return asked
        return max(0.0, min(float(self.fallback(state)), self.cap, self.time_left()))


def default_backoff() -> tenacity.wait.wait_base:
    """Jittered exponential back-off: many clients behind one proxy do not retry in step."""
    return tenacity.wait_random_exponential(multiplier=0.5, max=MAX_WAIT_S)


# ------------------------------------------------------------------------------------------ giving up


class GiveUp:
    """``retry_error_callback``: hand back the last outcome, with why the retries ended.

    A response gets the note as ``ApiResponse.note`` (its ``error()`` quotes it); an error that was
    retried gets it appended to its message, so "sent no answer within 5 s (gave up after 3 attempts)".
    """

    def __init__(self, stop: stop_first) -> None:
        self.stop = stop

    def __call__(self, state: tenacity.RetryCallState) -> Any:
        outcome = state.outcome
        assert outcome is not None
        if outcome.failed:
            exc = outcome.exception()
            if isinstance(exc, TopdeskError) and state.attempt_number > 1:
                exc.message = f"{exc.message} ({self.stop.note or 'gave up'})"
                exc.args = (exc.message,)
            raise exc  # type: ignore[misc]
        return attrs.evolve(outcome.result(), note=self.stop.note)


def log_retry(method: str, path: str) -> Callable[[tenacity.RetryCallState], None]:
    """``before_sleep``: one DEBUG line per retry on the ``topdesk_preflight.http`` logger (``--debug``)."""

    def before_sleep(state: tenacity.RetryCallState) -> None:
        http_log.debug("retrying %s %s in %.2f s (attempt %d failed)", method, path, state.upcoming_sleep,
                       state.attempt_number)

    return before_sleep


def retrying(*, max_attempts: int, time_left: TimeLeft, backoff: tenacity.wait.wait_base, method: str,
             path: str) -> tenacity.Retrying:
    """The policy for one request: retried on :data:`retry_transient`, never past the deadline."""
    stop = stop_first(stop_after_attempts(max_attempts), stop_if_retry_after_past_deadline(time_left),
                      stop_if_retry_after_too_long(MAX_WAIT_S), stop_before_deadline(time_left))
    return tenacity.Retrying(retry=retry_transient, stop=stop,
                             wait=wait_retry_after_or(backoff, cap=MAX_WAIT_S, time_left=time_left),
                             before_sleep=log_retry(method, path), retry_error_callback=GiveUp(stop),
                             reraise=True)
