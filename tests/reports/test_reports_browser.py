"""The HTML report in a real browser: it draws, it prints, it shows the failures, and it stays offline.

Debian's Chromium renders the page headless. To keep the ground rule that
nothing connects beyond 127.0.0.1 even for the browser's own background
services, every run resolves no host name and sends every request to a
loopback port that refuses connections. Chromium's net log then shows which
requests the *page* tried; a control page that does fetch and does run a
script proves the test would notice.

The layout tests lay the two demo reports out at 1280 px (a laptop), at 420 px (a phone) and for paper,
and assert what a person would notice: nothing wider than the screen, no name broken inside a word, no
wrapped badge, key/value evidence stacked on the phone, wide tables scrolling visibly inside their card,
requests left off paper, at most five printed pages. The screenshots and PDFs stay in the test's
temporary folder for a person to look at; the test that checks them prints where they are.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from devtools import Browser
from html_tree import parse
from layout_probe import measure, pdf_page_count
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


def test_chromium_prints_the_report_as_a_pdf(browse, not_ready_page):
    done, work = browse(not_ready_page, "--no-pdf-header-footer", "--print-to-pdf=report.pdf")
    pdf = work / "report.pdf"
    assert pdf.exists(), done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 30_000
    assert 2 <= pdf_page_count(data) <= 5


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


# --- layout: a laptop, a phone, paper -----------------------------------------------------------

LAYOUT_TIMEOUT_S = 300  # two demo runs and a browser session that lays each report out four times
DEMOS = {"demo": (), "three_root_causes": ("three_root_causes",)}  # name: the --demo arguments
SCREENS = {"1280": {"width": 1280}, "420": {"width": 420, "mobile": True}}
#: The text area of A4 paper with the print margins (10 mm each side): the narrower of A4 and letter.
PRINT_WIDTH_PX = 718
MAX_PRINTED_PAGES = 5

layout_test = pytest.mark.timeout(LAYOUT_TIMEOUT_S)


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory) -> dict[str, Path]:
    """The HTML report of each demo scenario, made as a user makes it: ``--demo`` on the command line."""
    pages = {}
    for name, arguments in DEMOS.items():
        folder = tmp_path_factory.mktemp(f"demo-{name}")
        done = subprocess.run([sys.executable, "-m", "topdesk_preflight", "--demo", *arguments,
                               "--output-dir", str(folder), "--quiet"],
                              capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_S, check=False)
        assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]  # the demos are not ready
        [pages[name]] = folder.glob("*.html")
    return pages


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("layout-artefacts")


@pytest.fixture(scope="module")
def layout(chromium, refusing_port, demo_reports, artefacts, tmp_path_factory) -> dict[tuple[str, str], Any]:
    """Layout facts per (demo, view) for the views 1280, 420 and print; screenshots and PDFs into ``artefacts``."""
    facts: dict[tuple[str, str], Any] = {}
    with Browser(chromium, tmp_path_factory.mktemp("devtools-profile"), refusing_port) as browser:
        for name, page in demo_reports.items():
            for view, screen in SCREENS.items():
                browser.open(page, **screen)
                facts[name, view] = measure(browser)
                browser.screenshot(artefacts / f"{name}-{view}px.png", **screen)
            browser.open(page, width=PRINT_WIDTH_PX, media="print")
            facts[name, "print"] = measure(browser)
            for paper in ("a4", "letter"):
                pdf = browser.print_to_pdf(artefacts / f"{name}-{paper}.pdf", paper=paper)
                facts[name, paper] = pdf_page_count(pdf.read_bytes())
    return facts


VIEWS = [(name, view) for name in DEMOS for view in (*SCREENS, "print")]


@layout_test
@pytest.mark.parametrize(("name", "view"), VIEWS)
def test_nothing_is_wider_than_the_screen_or_the_paper_or_sticks_out_of_its_card(layout, name, view):
    facts = layout[name, view]
    assert facts["scroll_width"] <= facts["viewport"], facts["widest"]
    assert facts["overflowing"] == []
    assert facts["escaping"] == []  # e.g. a finding card wider than its panel


@layout_test
@pytest.mark.parametrize(("name", "view"), VIEWS)
def test_no_name_is_broken_inside_a_word(layout, name, view):
    """No "Boreali s 2.10", "Roo m" or "0.01 / s", no evidence key one letter a line: on screen or on paper."""
    assert layout[name, view]["broken"] == []


@layout_test
@pytest.mark.parametrize(("name", "view"), VIEWS)
def test_badges_times_and_status_words_never_wrap(layout, name, view):
    assert layout[name, view]["wrapped"] == []


@layout_test
@pytest.mark.parametrize("name", DEMOS)
def test_key_value_evidence_is_beside_its_key_on_a_laptop_and_under_it_on_a_phone(layout, name):
    wide, phone, paper = layout[name, "1280"]["kv"], layout[name, "420"]["kv"], layout[name, "print"]["kv"]
    assert wide["beside"] > 0 and wide["stacked"] == 0
    assert phone["stacked"] == wide["beside"] and phone["beside"] == 0
    assert paper == wide


@layout_test
@pytest.mark.parametrize("name", DEMOS)
def test_a_table_too_wide_for_a_phone_scrolls_inside_its_card_and_shows_that_it_does(layout, name):
    scrolling = [s for s in layout[name, "420"]["scrollers"] if s["scrolls"]]
    assert scrolling, "at 420 px some table should be wider than its card"
    for scroller in scrolling:
        assert scroller["overflow_x"] == "auto" and scroller["cue"], scroller  # a shadow on the side with more
    assert not [s for s in layout[name, "1280"]["scrollers"] if s["scrolls"] and "room-table" in s["table"]]


@layout_test
def test_the_rooms_table_of_the_default_demo_scrolls_on_a_phone(layout):
    """The issue's example: Reservable and HCP imports it were off the edge with no sign."""
    [rooms] = [s for s in layout["demo", "420"]["scrollers"] if "room-table" in s["table"]]
    assert rooms["scrolls"] and rooms["cue"]


@layout_test
@pytest.mark.parametrize("name", DEMOS)
def test_paper_leaves_out_the_request_tables_and_lets_a_finding_run_on_to_the_next_page(layout, name):
    assert layout[name, "1280"]["requests_shown"] > 0
    assert layout[name, "print"]["requests_shown"] == 0
    assert layout[name, "print"]["break_inside"] == ["auto"]  # no card or evidence block jumps whole


@layout_test
@pytest.mark.parametrize("name", DEMOS)
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_demo_report_prints_on_at_most_five_pages(layout, name, paper):
    assert 1 <= layout[name, paper] <= MAX_PRINTED_PAGES


@layout_test
def test_the_screenshots_and_pdfs_are_kept_for_a_person_to_look_at(layout, artefacts, capsys):
    for name in DEMOS:
        for view, screen in SCREENS.items():
            png = (artefacts / f"{name}-{view}px.png").read_bytes()
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            assert struct.unpack(">I", png[16:20])[0] == screen["width"]
        for paper in ("a4", "letter"):
            assert (artefacts / f"{name}-{paper}.pdf").read_bytes().startswith(b"%PDF-")
    with capsys.disabled():
        print(f"\nlayout artefacts (screenshots at 1280 and 420 px, PDFs on A4 and letter): {artefacts}")
        for path in sorted(artefacts.iterdir()):
            print(f"  {path}")
