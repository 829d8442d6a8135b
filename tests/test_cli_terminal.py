"""The terminal, as a person sees it: the demo in a real pseudo-terminal at 80 and 120 columns.

What the screen ends up showing is rebuilt from the raw bytes (carriage returns, "erase line",
colour codes), so these tests see what a person would: every line fits the terminal, each check
has its glyph and its line in catalogue order, the live counter on standard error was there
while the checks ran and is gone afterwards, and colour changes nothing but colour.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from topdesk_preflight.registry import load_catalogue
from topdesk_preflight.reports.sanitize import columns
from topdesk_preflight.reports.text_report import GLYPHS

pytestmark = pytest.mark.skipif(not sys.platform.startswith(("linux", "darwin")), reason="needs a POSIX pty")

_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def run_in_a_terminal(args: list[str], *, cols: int, cwd: Path, color: bool) -> bytes:
    """Run the tool on a pseudo-terminal ``cols`` wide; return every byte it wrote to the screen."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TOPDESK_") and k not in ("COLUMNS", "LINES", "NO_COLOR", "TERM")}
    env.update(TERM="xterm-256color", PYTHONIOENCODING="utf-8")
    if not color:
        env["NO_COLOR"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "topdesk_preflight", *args], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=cwd, close_fds=True)
    os.close(slave)
    raw = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        raw += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 1, raw.decode("utf-8", "replace")  # the demo is not ready, on purpose
    return bytes(raw)


def screen(raw: bytes) -> list[str]:
    """The lines left on the screen: a carriage return goes back to column 0, ESC[K erases to the end."""
    lines: list[str] = []
    line: list[str] = []
    cursor = 0
    for token in re.split(r"(\r\n|\n|\r|\x1b\[K)", _COLOUR.sub("", raw.decode("utf-8"))):
        if token in ("\r\n", "\n"):
            lines.append("".join(line))
            line, cursor = [], 0
        elif token == "\r":
            cursor = 0
        elif token == "\x1b[K":
            del line[cursor:]
        else:
            for char in token:
                if cursor < len(line):
                    line[cursor] = char
                else:
                    line.append(char)
                cursor += 1
    if line:
        lines.append("".join(line))
    return lines


@pytest.fixture(scope="module")
def catalogue_ids() -> list[str]:
    return [spec.id for spec in load_catalogue()]


@pytest.mark.parametrize("cols", [80, 120])
@pytest.mark.parametrize("color", [False, True])
def test_the_demo_fits_the_terminal_with_a_glyph_per_check_in_catalogue_order(tmp_path: Path, cols: int,
                                                                               color: bool,
                                                                               catalogue_ids: list[str]) -> None:
    raw = run_in_a_terminal(["--demo", "--output-dir", str(tmp_path)], cols=cols, cwd=tmp_path, color=color)
    assert (b"\x1b[" in _without_erase(raw)) is color  # colour codes only when colour is on
    shown = screen(raw)
    # a report's path is never wrapped (it must stay copyable); everything else fits
    too_wide = [line for line in shown if columns(line) > cols and not line.startswith(f"  {tmp_path}")]
    assert too_wide == [], too_wide
    check_lines = [line for line in shown if line[:1] in GLYPHS.values() and line[2:6] in ("PASS", "FAIL", "WARN",
                                                                                          "SKIP", "ERRO")]
    ids = [line.split()[2] for line in check_lines if line.split()[2] in catalogue_ids]
    assert ids == [i for i in catalogue_ids if i in ids] and len(ids) >= 18
    assert any(line.startswith("\u2717 FAIL  rooms.typed") for line in shown)
    assert not any(re.search(r"\d\.\d\ds$", line) for line in check_lines)  # no timings without -v
    assert "checks done" in raw.decode("utf-8")  # the live line was there while checks ran ...
    assert not any("checks done" in line for line in shown)  # ... and left nothing behind


def test_minus_v_adds_each_checks_duration(tmp_path: Path) -> None:
    shown = screen(run_in_a_terminal(["--demo", "-v", "--output-dir", str(tmp_path)], cols=100, cwd=tmp_path,
                                     color=False))
    timed = [line for line in shown if line.startswith("\u2713 PASS") and re.search(r"\d\.\d\ds$", line)]
    assert len(timed) >= 10


def test_piped_output_has_no_live_line_and_the_same_check_lines(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_") and k != "COLUMNS"}
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run([sys.executable, "-m", "topdesk_preflight", "--demo", "--output-dir", str(tmp_path)],
                          capture_output=True, env=env, cwd=tmp_path, timeout=60)
    assert b"checks done" not in proc.stderr + proc.stdout and b"\r" not in proc.stdout
    lines = proc.stdout.decode("utf-8").splitlines()
    assert all(columns(line) <= 80 for line in lines if not line.startswith(f"  {tmp_path}"))
    assert any(line.startswith("\u2717 FAIL  rooms.typed") for line in lines)


def _without_erase(raw: bytes) -> bytes:
    return raw.replace(b"\x1b[K", b"")
