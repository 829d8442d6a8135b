"""The live line while checks run (topdesk_preflight.activity).

Its words and its slow warning are pure functions of what finished when, so a clock the test
moves shows them without waiting; the pty tests in tests/test_cli_terminal.py show it on a
real terminal and that it leaves nothing behind.
"""

from __future__ import annotations

import io

from attrs import frozen

from topdesk_preflight.activity import SLOW_WARNING_S, Activity, activity_line, wanted


@frozen
class Spec:
    id: str
    depends_on: tuple[str, ...] = ()


SPECS = [Spec("network.dns"), Spec("api.reachable", ("network.dns",)), Spec("rooms.present", ("api.reachable",)),
         Spec("rooms.typed", ("api.reachable",))]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def activity(width: int = 100) -> tuple[Activity, Clock]:
    clock = Clock()
    return Activity(io.StringIO(), SPECS, width=width, ascii_only=True, clock=clock), clock


def test_the_line_counts_the_checks_done_and_the_seconds_so_far():
    live, clock = activity()
    live.finished("network.dns")
    clock.now += 3
    assert live.text() == "| 1 of 4 checks done (3 s)"


def test_after_ten_quiet_seconds_it_says_what_the_run_waits_for():
    live, clock = activity()
    live.finished("network.dns")
    live.finished("api.reachable")
    clock.now += SLOW_WARNING_S + 2
    assert live.waiting_for() == ["rooms.present", "rooms.typed"]
    assert live.text() == "| 2 of 4 checks done; this is taking long: 12 s waiting for rooms.present, rooms.typed"


def test_a_check_finishing_restarts_the_quiet_time():
    live, clock = activity()
    clock.now += SLOW_WARNING_S + 1
    live.finished("network.dns")
    clock.now += 1
    assert "taking long" not in live.text()


def test_the_line_never_takes_the_last_column():
    live, clock = activity(width=60)
    clock.now += SLOW_WARNING_S + 5
    assert len(live.text()) <= 59
    assert live.text().startswith("| 0 of 4 checks done; this is taking long: 15 s")  # names go first


def test_printing_above_the_line_erases_it_first_and_draws_it_again():
    live, _ = activity()
    live._draw()
    with live.above():
        live.stream.write("PASS  network.dns\n")
    written = live.stream.getvalue()
    assert written.index("\r\x1b[K", 1) < written.index("PASS") < written.rindex("checks done")


def test_no_line_unless_standard_error_is_a_terminal():
    assert not wanted(io.StringIO())
    with activity_line(io.StringIO(), SPECS, width=80, enabled=True) as live:
        assert live is None
