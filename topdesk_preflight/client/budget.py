"""The run's time budget: one absolute deadline that every request and every retry wait respects.

Why a value of its own: the deadline caps three different things (the connect and read time-outs of
each attempt, the wait before a retry, and how long a trickling body may keep arriving), and they
must all read the same clock the same way.
"""

from __future__ import annotations

import time

MIN_TIMEOUT_S = 0.001  # requests refuses a time-out of 0; this one fails at once instead


class TimeBudget:
    """Seconds left until ``deadline``, an absolute ``time.monotonic()`` value."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    @classmethod
    def from_now(cls, seconds: float) -> "TimeBudget":
        return cls(time.monotonic() + seconds)

    def time_left(self) -> float:
        """Negative once the deadline has passed."""
        return self.deadline - time.monotonic()

    def cap(self, timeout: float, left: float | None = None) -> float:
        """``timeout``, but no longer than the time left (and never zero, which requests refuses)."""
        remaining = self.time_left() if left is None else left
        return max(MIN_TIMEOUT_S, min(timeout, remaining))
