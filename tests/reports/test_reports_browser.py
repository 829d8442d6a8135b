"""The HTML report in a real browser: it draws, it prints, it shows the failures, and it stays offline.

Debian's Chromium renders the page headless. To keep the ground rule that
nothing connects beyond 127.0.0.1 even for the browser's own background
services, every run resolves no host name and sends every request to a
loopback port that refuses connections. Chromium's net log then shows which
requests the *page* tried; a control page that does fetch and does run a
script proves the test would notice.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import struct
import subprocess
from pathlib import Path

import pytest
from html_tree import parse
from reports_fixtures import hostile_report, mixed_report

from topdesk_preflight.reports import write_html

pytestmark = pytest.mark.browser

CHROMIUM_TIMEOUT_S = 60
BROWSER_INTERNAL = "not an origin"  # the net log's initiator for the browser's own requests


def _chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _chromium()
    if path is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium): cannot render the HTML report")
    return path


@pytest.fixture(scope="module")
def refusing_port():
    """A loopback port that is bound but never listens: every connection to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def browse(chromium, refusing_port, tmp_path_factory):
    """Run headless Chromium on a page with extra flags; returns (completed process, work dir)."""
    counter = iter(range(1_000))

    def run(page: Path, *flags: str) -> tuple[subprocess.CompletedProcess[str], Path]:
        work = tmp_path_factory.mktemp(f"chromium-{next(counter)}")
        command = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--proxy-server=http://127.0.0.1:{refusing_port}",
            f"--user-data-dir={work / 'profile'}", *flags, page.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_S, check=False,
                              cwd=work)
        return done, work

    return run


@pytest.fixture(scope="module")
def not_ready_page(tmp_path_factory) -> Path:
    return write_html(mixed_report(), tmp_path_factory.mktemp("page") / "not-ready.html")


def page_requests(net_log: Path) -> list[str]:
    """URLs that the page (not the browser's own services) asked for, other than file: and data:."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        url = params.get("url", "")
        if event["type"] != start_job or not url or url.startswith(("file:", "data:")):
            continue
        if params.get("initiator") != BROWSER_INTERNAL:
            urls.append(url)
    return urls


def dump_dom_with_net_log(browse, page: Path):
    done, work = browse(page, "--dump-dom", "--log-net-log=net-log.json")
    assert done.returncode == 0, done.stderr[-2000:]
    return parse(done.stdout), done.stdout, work / "net-log.json"


def test_chromium_draws_the_not_ready_report(browse, not_ready_page):
    done, work = browse(not_ready_page, "--screenshot=shot.png", "--window-size=1280,2000")
    png = work / "shot.png"
    assert png.exists(), done.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2000)
    assert len(data) > 30_000  # a drawn page, not a blank one


def test_chromium_prints_the_report_with_page_breaks_between_sections(browse, not_ready_page):
    done, work = browse(not_ready_page, "--no-pdf-header-footer", "--print-to-pdf=report.pdf")
    pdf = work / "report.pdf"
    assert pdf.exists(), done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 30_000
    pages = max(int(n) for n in re.findall(rb"/Count (\d+)", data))
    assert pages >= 4  # overview, findings, passed checks, settings each start a page


def test_the_rendered_page_shows_the_verdict_and_every_failing_check_openly(browse, not_ready_page):
    dom, text, _ = dump_dom_with_net_log(browse, not_ready_page)
    assert "Not ready: 2 problems, 3 steps to fix" in dom.find("h1", id="verdict").text()
    assert dom.find("title").text().startswith("Not ready: 2 problems, 3 steps to fix")  # no script rewrote anything
    assert not dom.find_all("script") and "<script" not in text.lower()
    report = mixed_report()
    failing = [r.id for r in report.results if r.status.value in ("fail", "error")]
    shown = {a.find("code", class_="check-id").text(): a for a in dom.find_all("article")}
    for check_id in failing:
        article = shown[check_id]
        assert not any(ancestor.tag == "details" for ancestor in article.ancestors())
        assert report.result(check_id).summary in article.text()


def test_opening_a_hostile_report_fetches_nothing_and_runs_nothing(browse, tmp_path):
    page = write_html(hostile_report(), tmp_path / "hostile.html")
    dom, text, net_log = dump_dom_with_net_log(browse, page)
    assert page_requests(net_log) == []
    assert "evil.example" not in net_log.read_text(encoding="utf-8")
    assert not dom.find_all("script") and not dom.find_all("img")
    assert "<script>alert(1)</script>" in dom.find("section", id="target").text()


def test_the_checks_above_would_notice_a_page_that_fetches_and_runs_a_script(browse, tmp_path):
    """The negative control: the same method must flag a page that does what the report must not."""
    page = tmp_path / "control.html"
    page.write_text('<!DOCTYPE html><title>untouched</title><img src="http://192.0.2.1/canary.png">'
                    "<script>document.title = 'script ran'</script>", encoding="utf-8")
    dom, _, net_log = dump_dom_with_net_log(browse, page)
    assert page_requests(net_log) == ["http://192.0.2.1/canary.png"]
    assert dom.find("title").text() == "script ran"
