"""Ctrl-C ends everything at once (topdesk_preflight.interrupt).

The subprocess tests in tests/reliability/test_reliability_deadline.py send a real SIGINT; these
show the parts: a run blocked on a trickling answer stops within a poll interval once
:func:`interrupt_everything` is called, without writing anything, and the SIGINT handler is
installed only for the command and restored after it.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any, Iterator

import pytest

from topdesk_preflight import interrupt
from topdesk_preflight.interrupt import RunInterrupted, ctrl_c_stops_everything, interrupt_everything
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import Fault


@pytest.fixture
def clear_interrupt() -> Iterator[None]:
    interrupt._stop.clear()
    yield
    interrupt._stop.clear()


def test_an_interrupted_run_stops_at_once_instead_of_at_its_deadline(sb: Any, clear_interrupt: None) -> None:
    sb.inject("/tas/api/version", Fault.trickle_headers(60.0))
    raised: list[BaseException] = []

    def run() -> None:
        try:
            run_preflight(sb.settings(deadline=50, timeout=30, retries=0))
        except BaseException as exc:  # what the run raised is the finding
            raised.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    time.sleep(1.0)  # api.reachable now waits on the trickling answer
    stopped = time.monotonic()
    interrupt_everything()
    worker.join(timeout=5)
    assert not worker.is_alive(), "the run kept going after Ctrl-C"
    assert time.monotonic() - stopped < 1.0
    assert len(raised) == 1 and isinstance(raised[0], RunInterrupted)
    assert isinstance(raised[0], KeyboardInterrupt)  # handled wherever Ctrl-C already is


def test_the_sigint_handler_is_the_commands_only(clear_interrupt: None) -> None:
    before = signal.getsignal(signal.SIGINT)
    with ctrl_c_stops_everything():
        during = signal.getsignal(signal.SIGINT)
        assert during is not before
        with pytest.raises(KeyboardInterrupt):
            during(signal.SIGINT, None)  # what Ctrl-C does: stop everything, then interrupt the main thread
        assert interrupt.interrupted()
    assert signal.getsignal(signal.SIGINT) is before


def test_a_new_command_starts_uninterrupted(clear_interrupt: None) -> None:
    interrupt_everything()
    with ctrl_c_stops_everything():
        assert not interrupt.interrupted()


def test_outside_the_main_thread_nothing_is_installed(clear_interrupt: None) -> None:
    seen: list[Any] = []

    def command() -> None:
        with ctrl_c_stops_everything():
            seen.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=command)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGINT)]
