"""The terminal streams of a run: lines that survive a closed pipe, and whether to colour them.

Shared by a single run (cli_execute, cli_demo) and fleet mode (fleet_cli), so a
reader that goes away (``... | head``) ends every kind of run the same way: quietly, exit 141.
Standard library only, so ``--help`` and ``--list-checks`` pay nothing for it.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from topdesk_preflight.exit_codes import ExitCode


def output_closed() -> int:
    """The reader of stdout went away: go quiet, as Python's documentation advises, and exit 141.

    Both streams are pointed at os.devnull so that nothing written later, nor the
    interpreter's flush at exit, raises BrokenPipeError again.
    """
    for stream in (sys.stdout, sys.stderr):
        silence_stream(stream)
    return ExitCode.OUTPUT_CLOSED


def silence_stream(stream: TextIO) -> None:
    """Point ``stream``'s file descriptor at os.devnull (a stream with none, e.g. a test's capture, is left)."""
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


class ProgressStream:
    """Writes progress lines as checks finish, and goes quiet once the reader is gone (``| head``).

    The runner calls the progress callback from its loop and swallows what it
    raises, logging a traceback under --debug; so a closed pipe is handled here,
    once: the stream is silenced, the run goes on and still writes its reports,
    and :attr:`reader_gone` tells the caller to exit 141.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.reader_gone = False

    def write_line(self, text: str) -> None:
        if self.reader_gone:
            return
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except BrokenPipeError:
            self.reader_gone = True
            silence_stream(self.stream)


def use_color(stream: TextIO) -> bool:
    """Colour only for a terminal, and never with ``NO_COLOR`` set or ``TERM=dumb`` (no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
