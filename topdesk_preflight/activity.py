"""While the checks run on a terminal: one live line on standard error, and flutter's slow warning.

Why: the progress lines come in catalogue order, so while TOPdesk is slow to answer one check
the screen can stay still for seconds, and a still screen looks like a hung tool. ``flutter
doctor`` shows a spinner and, after ten seconds, says the check is taking long; this does the
same: "⠹ 7 of 19 checks done (2 s)", then "⠹ 7 of 19 checks done; this is taking long: 12 s
waiting for rooms.present". The line is drawn only when standard error is a terminal (never into a pipe, a file or a
CI log), is erased before each progress line is printed and at the end, so what stays on the
screen, and what a pipe receives, is exactly what it would be without it.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, Protocol, Sequence, TextIO

from topdesk_preflight.reports.sanitize import clip_words

#: As flutter doctor's ``slowWarningDuration``: after this long without a check finishing, say so.
SLOW_WARNING_S = 10.0
FRAMES = "\u280b\u2819\u2839\u2838\u283c\u2834\u2826\u2827\u2807\u280f"
ASCII_FRAMES = "|/-\\"
TICK_S = 0.1
_ERASE = "\r\x1b[K"


class _Spec(Protocol):
    id: str
    depends_on: tuple[str, ...]


def wanted(stream: TextIO) -> bool:
    """Whether a live line belongs on ``stream``: a terminal that can erase a line."""
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError, OSError):
        return False


class Activity:
    """The live line: how many checks are done, and what the run waits for when that takes long."""

    def __init__(self, stream: TextIO, specs: Sequence[_Spec], *, width: int, ascii_only: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.width = width
        self._specs = list(specs)
        self._frames = ASCII_FRAMES if ascii_only else FRAMES
        self._clock = clock
        self._started = self._last_change = clock()
        self._done: set[str] = set()
        self._lock = threading.Lock()
        self._shown = False
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._frame = 0

    # ------------------------------------------------------------------ what the line says

    def waiting_for(self) -> list[str]:
        """The checks that could be running now: not done, every prerequisite done (catalogue order)."""
        return [spec.id for spec in self._specs
                if spec.id not in self._done and all(dep in self._done for dep in spec.depends_on)]

    def text(self, now: float | None = None) -> str:
        """The line for ``now``: the counter, and after SLOW_WARNING_S without progress, the slow warning."""
        now = self._clock() if now is None else now
        frame = self._frames[self._frame % len(self._frames)]
        done = f"{frame} {len(self._done)} of {len(self._specs)} checks done"
        quiet_for = now - self._last_change
        if quiet_for >= SLOW_WARNING_S and self.waiting_for():
            names = ", ".join(self.waiting_for()[:3])
            text = f"{done}; this is taking long: {quiet_for:.0f} s waiting for {names}"  # clipped: names last
        else:
            text = f"{done} ({now - self._started:.0f} s)"
        return clip_words(text, max(10, self.width - 1))  # never the last column: no terminal wrap

    # ------------------------------------------------------------------ drawing

    def finished(self, check_id: str) -> None:
        with self._lock:
            self._done.add(check_id)
            self._last_change = self._clock()

    @contextmanager
    def above(self) -> Iterator[None]:
        """Print something above the live line: erase it, let the caller write, draw it again."""
        with self._lock:
            self._erase()
            try:
                yield
            finally:
                self._draw()

    def start(self) -> "Activity":
        self._draw_locked()
        self._thread = threading.Thread(target=self._tick, name="preflight-activity", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        with self._lock:
            self._erase()

    def _tick(self) -> None:
        while not self._stopped.wait(TICK_S):
            self._frame += 1
            self._draw_locked()

    def _draw_locked(self) -> None:
        with self._lock:
            self._draw()

    def _draw(self) -> None:
        if self._stopped.is_set():
            return
        self._write(_ERASE + self.text())
        self._shown = True

    def _erase(self) -> None:
        if self._shown:
            self._write(_ERASE)
            self._shown = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the run goes on without the line
            self._stopped.set()


@contextmanager
def activity_line(stream: TextIO, specs: Sequence[_Spec], *, width: int, enabled: bool,
                  ascii_only: bool = False) -> Iterator[Activity | None]:
    """The live line for the duration of a run, or ``None`` when it does not belong (see :func:`wanted`)."""
    if not enabled or not specs or not wanted(stream):
        yield None
        return
    activity = Activity(stream, specs, width=width, ascii_only=ascii_only).start()
    try:
        yield activity
    finally:
        activity.stop()
