"""Headless Chromium driven over the DevTools protocol on a pipe, for the layout tests.

Why not the command line's ``--screenshot`` and ``--window-size``: headless Chromium never lays a
window out narrower than 500 px, so a "420 px" screenshot is a 500 px page cut off at 420 (it hides
exactly the overflow the tests look for). Device-metrics emulation lays the page out at any width,
as a phone would, and the same session measures the layout, prints the PDF and takes the screenshots.

``--remote-debugging-pipe`` talks over file descriptors 3 and 4 (NUL-terminated JSON), so there is
no debugging port to open and no client library to install. Page scripts stay blocked by the
report's CSP; ``Runtime.evaluate`` is the debugger's, not the page's.
"""

from __future__ import annotations

import base64
import fcntl
import itertools
import json
import os
import select
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

TIMEOUT_S = 60
PAPER_INCHES = {"letter": (8.5, 11.0), "a4": (8.27, 11.69)}  # letter is Chromium's default

#: What every test browser runs with: no background services, no name resolution, every request to a
#: loopback port that refuses it. The page cannot reach anything even if it tried.
QUIET_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def _pipe() -> tuple[int, int]:
    """A pipe whose ends are numbered 10 or more, so moving them to 3 and 4 cannot overwrite one with the other."""
    ends = []
    for end in os.pipe():
        ends.append(fcntl.fcntl(end, fcntl.F_DUPFD, 10))
        os.close(end)
    return ends[0], ends[1]


class DevToolsError(RuntimeError):
    """Chromium answered a command with an error, closed the pipe, or did not answer in time."""


class Browser:
    """One headless Chromium with one page, controlled over the DevTools pipe."""

    def __init__(self, chromium: str, profile: Path, refusing_port: int) -> None:
        to_browser_r, self._to_browser = _pipe()
        self._from_browser, from_browser_w = _pipe()
        self.log = profile / "chromium.log"
        flags = [*QUIET_FLAGS, f"--proxy-server=http://127.0.0.1:{refusing_port}",
                 f"--user-data-dir={profile / 'data'}", "--remote-debugging-pipe", "about:blank"]
        # bash (not dash, which knows only descriptors 0-9) moves the pipe ends to 3 and 4, then becomes Chromium.
        command = f"exec {shlex.join([chromium, *flags])} 3<&{to_browser_r} 4>&{from_browser_w}"
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(["bash", "-c", command], pass_fds=(to_browser_r, from_browser_w),
                                             stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                             start_new_session=True)  # its renderers go with it on kill
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._ids = itertools.count(1)
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        try:
            self._session = self._attach()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the protocol --------------------------------------------------------------------------

    def _write(self, message: dict[str, Any]) -> None:
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")

    def _next_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_browser], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise DevToolsError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise DevToolsError(f"Chromium closed the DevTools pipe; its log ends:\n{tail}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None, *, browser_level: bool = False) -> Any:
        """Run one command and return its result; events that arrive meanwhile are kept for ``wait_for``."""
        message: dict[str, Any] = {"id": next(self._ids), "method": method, "params": params or {}}
        if not browser_level:
            message["sessionId"] = self._session
        self._write(message)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            answer = self._next_message(deadline)
            if answer.get("id") != message["id"]:
                self._events.append(answer)
                continue
            if "error" in answer:
                raise DevToolsError(f"{method}: {answer['error']}")
            return answer.get("result", {})

    def wait_for(self, event: str) -> dict[str, Any]:
        """The first ``event`` not yet consumed, waiting for it if it has not arrived."""
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            for index, message in enumerate(self._events):
                if message.get("method") == event:
                    return self._events.pop(index)
            self._events.append(self._next_message(deadline))

    def _attach(self) -> str:
        """Attach to the page Chromium opened (about:blank); later commands go to it."""
        targets = self.send("Target.getTargets", browser_level=True)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        session = self.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True},
                            browser_level=True)["sessionId"]
        self._session = session
        self.send("Page.enable")
        return session

    # --- what the tests use -------------------------------------------------------------------

    def open(self, page: Path, *, width: int, height: int = 900, mobile: bool = False,
             media: str = "") -> None:
        """Load ``page`` laid out ``width`` CSS px wide (as a phone when ``mobile``), for ``media``."""
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        self.send("Emulation.setEmulatedMedia", {"media": media})
        self._events.clear()
        self.send("Page.navigate", {"url": page.as_uri()})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (a debugger evaluation, not a page script)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise DevToolsError(f"evaluation failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, *, width: int, mobile: bool = False) -> Path:
        """A PNG of the whole page at ``width`` px: the viewport is made as tall as the page."""
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def print_to_pdf(self, path: Path, *, paper: str = "letter") -> Path:
        """The page printed as the print dialog would on ``paper`` (letter or a4), without header or footer."""
        width, height = PAPER_INCHES[paper]
        self.send("Emulation.setEmulatedMedia", {"media": ""})
        data = self.send("Page.printToPDF", {"displayHeaderFooter": False, "paperWidth": width,
                                             "paperHeight": height})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        """Ask Chromium to quit; end this process (only this one) if it does not."""
        try:
            self._write({"id": next(self._ids), "method": "Browser.close"})
        except OSError:
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)  # the group this Browser started, and only it
            self._process.wait(timeout=10)
        os.close(self._to_browser)
        os.close(self._from_browser)
