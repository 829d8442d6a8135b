"""Ctrl-C that ends everything at once: the runs in flight, their requests, their waits.

Why: in fleet mode the tenants run in a thread pool, and a pool's exit (and the interpreter's,
which joins ``concurrent.futures`` workers) waits for every worker. A worker blocked in a run
until its deadline kept Ctrl-C waiting for minutes. So the command line's SIGINT handler first
calls :func:`interrupt_everything`: every request's wall clock fires (its socket is shut down),
every run's wait loop sees :func:`interrupted` within a fraction of a second and raises
:class:`RunInterrupted`, and only then the main thread gets its ``KeyboardInterrupt``. No report
is written for an interrupted run; the ones already written are complete (they are written
atomically).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Iterator

_stop = threading.Event()


class RunInterrupted(KeyboardInterrupt):
    """A run stopped because the user pressed Ctrl-C: handled wherever KeyboardInterrupt is."""


def interrupted() -> bool:
    """Whether Ctrl-C was pressed during this command."""
    return _stop.is_set()


def interrupt_everything() -> None:
    """Stop every run of this process: close the requests in flight and wake the waiting runs."""
    _stop.set()
    from topdesk_preflight.client.wall_clock import fire_all  # here: importing the client loads requests

    fire_all()


#: How often a waiting run looks whether Ctrl-C was pressed (seconds).
INTERRUPT_POLL_S = 0.2


def stop_if_interrupted() -> None:
    if _stop.is_set():
        raise RunInterrupted


@contextmanager
def ctrl_c_stops_everything() -> Iterator[None]:
    """For one command: Ctrl-C interrupts everything, then raises KeyboardInterrupt as usual.

    Outside the main thread (a library caller's worker) signals cannot be handled: nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _stop.clear()

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        interrupt_everything()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        # The flag stays set after a Ctrl-C: workers the main thread stopped waiting for must still see
        # it, or they would run on (and the interpreter waits for them at exit). The next command clears it.
        signal.signal(signal.SIGINT, previous)
