"""The HTML report: safe to open, self-contained, failures first, readable on screen and on paper."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from html_tree import parse
from reports_fixtures import (
    BIDI_OVERRIDE,
    ESCAPE_SEQUENCE,
    FAKE_PASSWORD,
    HOSTILE_ROOM,
    LONG_NAME,
    all_pass_report,
    all_reports,
    identify,
    mixed_report,
)

from topdesk_preflight.model import CheckResult, evolve
from topdesk_preflight.reports import render_html, write_html

RESOURCE_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "data", "background",
                       "xlink:href", "ping", "manifest", "cite", "longdesc", "icon"}


@pytest.fixture(scope="module")
def pages():
    return {name: render_html(report) for name, report in all_reports().items()}


def article_ids(page):
    return [a.attrs["id"] for a in parse(page).find_all("article")]


def test_the_verdict_banner_says_ready_or_how_many_steps_to_fix(pages):
    ready = parse(pages["all_pass"]).find("h1", id="verdict")
    assert "Ready for Humly Control Panel" in ready.text()
    assert "banner-ready" in ready.parent.classes()
    not_ready = parse(pages["mixed"]).find("h1", id="verdict")
    assert "Not ready: 2 problems, 3 steps to fix" in not_ready.text()
    assert "banner-not-ready" in not_ready.parent.classes()
    assert parse(pages["mixed"]).find("title").text().startswith("Not ready: 2 problems, 3 steps to fix")


def test_the_target_facts_are_listed(pages):
    facts = parse(pages["mixed"]).find("section", id="target").text()
    for fact in ("https://acme.topdesk.net", "hcp-svc", "hcp@acme.com", "HQ Stockholm", "3.7.2", "2024.3",
                 "topdesk-preflight 1.0.0", "2025-03-04 05:06:07 UTC", "2.50s"):
        assert fact in facts


def test_the_topdesk_version_is_one_fact_in_the_words_of_the_ticket_and_the_terminal(pages):
    section = parse(pages["mixed"]).find("section", id="target")
    facts = dict(zip((dt.text() for dt in section.find_all("dt")), (dd.text() for dd in section.find_all("dd"))))
    assert facts["TOPdesk version"] == "TOPdesk 2024.3 (REST API 3.7.2)"
    assert "Product version" not in facts


def test_under_fail_on_warn_the_banner_is_red_and_says_why_as_the_terminal_does():
    from reports_fixtures import public_settings

    from topdesk_preflight.exit_codes import ExitCode, exit_code_for

    warned = identify(CheckResult.warned("The application password expires in 12 days (2025-03-16).",
                                         remediation=["HCP administrator: enter a new password."]),
                      "auth.app_password_expiry", "The application password is not about to expire", "guide")
    ready = evolve(all_pass_report(), results=(*all_pass_report().results, warned))
    strict = evolve(ready, settings=public_settings(fail_on="warn"))
    assert exit_code_for(strict) is ExitCode.NOT_READY and exit_code_for(ready) is ExitCode.READY
    verdict = parse(render_html(strict)).find("h1", id="verdict")
    assert verdict.text().split() == "✗ Ready for Humly Control Panel, but --fail-on warn: 1 warning".split()
    assert "banner-not-ready" in verdict.parent.classes() and "banner-ready" not in verdict.parent.classes()
    lenient = parse(render_html(ready)).find("h1", id="verdict")
    assert lenient.text().split() == "✓ Ready for Humly Control Panel".split()
    assert "banner-ready" in lenient.parent.classes()


def test_run_warnings_are_loud(pages):
    block = parse(pages["mixed"]).find("section", id="run-warnings")
    assert block.attrs["role"] == "alert"
    assert "TLS certificate verification was disabled with --insecure" in block.text()
    assert 'id="run-warnings"' not in pages["all_pass"]


def test_the_ticket_block_holds_what_the_guide_asks_for_in_one_copyable_block(pages):
    ticket = parse(pages["mixed"]).find("pre", id="ticket-text").text()
    assert "TOPdesk version: TOPdesk 2024.3 (REST API 3.7.2)" in ticket
    assert "Guide steps where the issue occurred: Rooms do not appear in HCP import; Registering a permission group" in ticket
    assert "rooms.typed (fail): 2 of 5 rooms in HQ Stockholm have no Room or Desk type." in ticket
    assert "Operator email: hcp@acme.com" in ticket
    assert "Permission groups: HCP integration, Reservations" in ticket


def test_root_causes_come_first_then_warnings_and_silenced(pages):
    assert article_ids(pages["mixed"]) == ["check-rooms-typed", "check-permissions-reservations",
                                           "check-auth-app_password_expiry", "check-operator-email_unique"]
    page = pages["mixed"]
    assert page.index('id="check-rooms-typed"') < page.index('id="passed"') < page.index("check-network-dns")


def test_failing_checks_are_open_and_passes_are_collapsed(pages):
    tree = parse(pages["mixed"])
    for article in tree.find_all("article"):
        assert not any(a.tag == "details" for a in article.ancestors())
    details = tree.find("section", id="passed").find("details")
    assert "open" not in details.attrs
    assert {"network-dns", "api-reachable", "auth-credentials", "permissions-group"} <= {
        row.attrs["id"].removeprefix("check-") for row in details.find_all("tr") if "id" in row.attrs}


def test_passes_are_also_a_compact_table_for_print(pages):
    tree = parse(pages["mixed"])
    printed = tree.find("table", class_="print-only")
    assert not any(a.tag == "details" for a in printed.ancestors())
    assert "check-network-dns-print" in {row.attrs.get("id") for row in printed.find_all("tr")}


def test_a_check_shows_badge_guide_summary_details_steps_evidence_requests_and_time(pages):
    article = parse(pages["mixed"]).find("article", id="check-rooms-typed")
    badge = article.find("span", class_="badge")
    assert badge.text() == "FAIL" and "badge-fail" in badge.classes()  # colour and a text label
    assert article.find("code", class_="check-id").text() == "rooms.typed"
    assert "Every room in the branch is typed Room or Desk" in article.text()
    assert article.find("p", class_="guide").find("strong").text() == "Rooms do not appear in HCP import"
    assert article.find("p", class_="summary").text() == "2 of 5 rooms in HQ Stockholm have no Room or Desk type."
    assert [li.text() for li in article.find("ul", class_="details").find_all("li")] == ["Aurora 2.08",
                                                                                        "Borealis 3.01"]
    steps = article.find("ol", class_="steps").find_all("li")
    assert len(steps) == 2
    assert steps[0].find("span", class_="actor").text() == "TOPdesk administrator"
    assert steps[0].text() == ("TOPdesk administrator Open the room Aurora 2.08 in branch HQ Stockholm, "
                               "set Type to Room or Desk, save.")
    assert article.find("span", class_="duration").text() == "0.21s"
    assert "/tas/api/locations?query=branch.id==x&pageSize=100" in article.find("table", class_="requests").text()
    assert "rooms.reservable" in article.find("p", class_="blocks").text()


def test_a_list_of_records_in_evidence_is_a_table(pages):
    table = parse(pages["mixed"]).find("article", id="check-rooms-typed").find("table", class_="records")
    assert [th.text() for th in table.find("thead").find_all("th")] == ["id", "name", "type", "branch"]
    rows = [[td.text() for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")]
    assert rows == [["a1b2", "Aurora 2.08", "none", "HQ Stockholm"], ["c3d4", "Borealis 3.01", "none",
                                                                     "HQ Stockholm"]]


def test_other_evidence_is_key_value(pages):
    article = parse(pages["mixed"]).find("article", id="check-auth-app_password_expiry")
    pairs = {tr.find("th").text(): tr.find("td").text() for tr in article.find("table", class_="kv").find_all("tr")}
    assert pairs == {"expires": "2025-03-16", "days_left": "12"}


def test_a_huge_evidence_list_is_cut_with_a_pointer_to_the_json():
    many = [{"name": f"Room {i}", "type": None} for i in range(500)]
    report = evolve(all_pass_report(), results=[identify(
        CheckResult.failed("500 rooms untyped.", remediation=["Type them."], evidence={"rooms": many}),
        "rooms.typed", "Every room is typed", "Rooms do not appear in HCP import")])
    table = parse(render_html(report)).find("article", id="check-rooms-typed").find("table", class_="records")
    rows = table.find("tbody").find_all("tr")
    assert len(rows) == 201
    assert "… and 300 more rows (the JSON report lists all)" in rows[-1].text()


def test_a_silenced_failure_says_why_and_does_not_count(pages):
    article = parse(pages["mixed"]).find("article", id="check-operator-email_unique")
    assert "known duplicate, HR fixes it in April" in article.find("p", class_="silenced-note").text()
    assert "(1 silenced by the config file)" in parse(pages["mixed"]).find("header", class_="banner").text()


def test_a_ready_report_says_nothing_needs_attention(pages):
    findings = parse(pages["all_pass"]).find("section", id="findings")
    assert "Nothing needs attention" in findings.text()
    assert not findings.find_all("article")


# --- safety -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(all_reports()))
def test_no_script_and_no_resource_from_anywhere(name, pages):
    page = pages[name]
    assert "<script" not in page.lower()
    tree = parse(page)
    for element in tree.iter():
        assert not element.tag.startswith("on")
        for attribute, value in element.attrs.items():
            assert not attribute.startswith("on"), f"event handler {attribute} on <{element.tag}>"
            if attribute in RESOURCE_ATTRIBUTES:
                assert value.startswith(("#", "data:")), f"<{element.tag} {attribute}={value!r}>"
    style = "".join(s.text() for s in tree.find_all("style"))
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert not tree.find_all("link", rel="stylesheet") and not tree.find_all("iframe")
    assert not tree.find_all("img") and not tree.find_all("object") and not tree.find_all("embed")


def test_the_page_forbids_scripts_and_fetches_by_content_security_policy(pages):
    meta = parse(pages["mixed"]).find("meta", **{"http-equiv": "Content-Security-Policy"})
    assert meta.attrs["content"].startswith("default-src 'none'; style-src 'unsafe-inline'")


def test_hostile_content_from_topdesk_is_shown_as_text(pages):
    page = pages["hostile"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    tree = parse(page)
    assert HOSTILE_ROOM in tree.find("article", id="check-rooms-typed").find("table", class_="records").text()
    assert HOSTILE_ROOM in tree.find("section", id="target").text()
    assert "<b>bold</b>" not in page and not tree.find_all("b")
    assert "</style><script>" not in page
    assert len(tree.find_all("style")) == 1


def test_control_characters_and_bidi_overrides_are_stripped(pages):
    page = pages["hostile"]
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", page)
    assert ESCAPE_SEQUENCE not in page and BIDI_OVERRIDE not in page
    assert "Redroom" in page and "eviltxt.exe" in page


def test_very_long_values_are_cut_with_an_ellipsis(pages):
    page = pages["hostile"]
    assert LONG_NAME not in page
    assert LONG_NAME[:150] + "" in page
    assert re.search("Aurora x{100,}\u2026", page)
    shown = re.sub(r'href="data:[^"]*"', "", page)  # the attached JSON keeps every value whole, by design
    shown = re.sub(r"<style>.*?</style>", "", shown, flags=re.S)  # the stylesheet holds no value
    assert len(shown) < len(LONG_NAME) * 3  # the name appears several times but never in full


def test_the_password_is_never_in_the_page_and_settings_say_only_that_one_was_given():
    report = mixed_report()
    assert report.settings["password_given"] is True
    page = render_html(report)
    assert FAKE_PASSWORD not in page
    settings = parse(page).find("section", id="run")
    rows = {tr.find("th").text(): tr.find("td").text() for tr in settings.find("table", class_="kv").find_all("tr")}
    assert rows["password_given"] == "yes"
    assert "password" not in rows


# --- print and file ----------------------------------------------------------------------------

def print_rules(page: str) -> str:
    style = parse(page).find("style").text()
    return style[style.index("@media print"):]


def test_on_paper_a_finding_may_run_on_to_the_next_page_but_a_table_row_or_heading_is_kept_whole(pages):
    rules = print_rules(pages["mixed"])
    assert "break-before: page" not in rules  # forced breaks left most of a page blank
    assert ".check { padding: 8px 12px; margin-bottom: 8px; break-inside: auto; }" in rules
    assert "tr, .check-head { break-inside: avoid; page-break-inside: avoid; }" in rules
    assert ".screen-only { display: none !important; }" in rules


def test_on_paper_the_request_tables_and_curl_replays_are_left_out(pages):
    assert ".requests-block { display: none; }" in print_rules(pages["mixed"])
    article = parse(pages["mixed"]).find("article", id="check-rooms-typed")
    block = article.find("div", class_="requests-block")
    assert block.find("table", class_="requests") and block.find("details", class_="replay")


@pytest.mark.parametrize("name", ["mixed", "hostile"])
def test_every_table_of_records_sits_in_a_wrapper_that_scrolls_sideways(name, pages):
    for table in parse(pages[name]).find_all("table", class_="records"):
        assert any("table-wrap" in a.classes() for a in table.ancestors()), table.classes()
    assert ".table-wrap {\n  overflow-x: auto;" in pages[name]


def test_names_wrap_between_words_and_only_paths_digests_and_copyable_blocks_may_break_anywhere(pages):
    style = parse(pages["mixed"]).find("style").text()
    assert "body { overflow-wrap: break-word; }" in style
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", style, flags=re.S))
    anywhere = {selector.strip() for selector, body in rules if "overflow-wrap: anywhere" in body}
    assert anywhere == {"pre.ticket", "pre.curl", "code.sha256", "table.requests td.path code"}


def test_the_status_time_and_size_of_a_request_are_cells_that_never_wrap(pages):
    row = parse(pages["mixed"]).find("table", class_="requests").find("tbody").find("tr")
    cells = row.find_all("td")
    assert [("num" in td.classes()) for td in cells] == [False, False, True, True, True, False]
    assert "path" in cells[1].classes()
    assert ".badge, .cause-status, .chips li, .actor, td.num { white-space: nowrap; }" in pages["mixed"]


def test_the_page_uses_the_system_font_stack(pages):
    assert "font: 15px/1.55 system-ui" in pages["mixed"]


def test_write_html_is_atomic_and_utf8(tmp_path):
    path = write_html(evolve(mixed_report(), warnings=["Göteborg ✓"]), tmp_path / "r.html")
    assert os.listdir(tmp_path) == ["r.html"]
    assert "Göteborg ✓" in path.read_text(encoding="utf-8")


def test_importing_the_package_does_not_import_jinja2_or_jsonschema():
    code = ("import sys, topdesk_preflight.reports as r; r.result_line; r.default_paths; r.to_json_dict; "
            "print('jinja2' in sys.modules, 'jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False False"


# --- readiness unknown, silenced, vantage, the attached JSON, --compare ---------------------------

def test_readiness_unknown_has_its_own_words_and_colour():
    from reports_fixtures import unknown_report

    tree = parse(render_html(unknown_report()))
    verdict = tree.find("h1", id="verdict")
    assert "Readiness unknown: 1 check could not be assessed" in verdict.text()
    assert "banner-unknown" in verdict.parent.classes() and "banner-not-ready" not in verdict.parent.classes()
    style = tree.find("style").text()
    assert ".banner-unknown { background: var(--error); }" in style and ".banner-not-ready { background: var(--fail); }" in style


def test_silenced_results_are_shown_marked_and_counted(pages):
    tree = parse(pages["mixed"])
    chips = [li.text() for li in tree.find("ul", class_="chips").find_all("li")]
    assert "SILENCED: 1" in chips
    titles = [h.text() for h in tree.find("section", id="findings").find_all("h3", class_="group-title")]
    assert "Silenced by the config file (1 silenced, not counted)" in titles
    assert "SILENCED" not in "".join(li.text() for li in parse(pages["all_pass"]).find("ul", class_="chips").find_all("li"))


def test_where_it_ran_from_is_shown_and_loud_when_a_network_check_failed():
    from reports_fixtures import network_fail_report

    tree = parse(render_html(network_fail_report()))
    section = tree.find("section", id="vantage")
    assert "vantage-failed" in section.classes()
    text = section.text()
    for fact in ("support-laptop-7", "acme.topdesk.net", "10.20.30.40 (private)", "192.0.2.10 (public)",
                 "http://proxy.corp.example:3128", "run topdesk-preflight on the HCP server itself"):
        assert fact in text
    assert "A network check failed from support-laptop-7" in tree.find("header", class_="banner").text()
    calm = parse(render_html(evolve(network_fail_report(), results=network_fail_report().results[:1])))
    assert "vantage-failed" not in calm.find("section", id="vantage").classes()
    assert not calm.find("header", class_="banner").find_all("p", class_="vantage-note")


def test_the_page_carries_its_json_report_as_a_download_with_the_digest_of_the_written_file(tmp_path):
    import base64
    import hashlib

    from topdesk_preflight.reports import render_json, write_json

    report = mixed_report()
    json_path = write_json(report, tmp_path / "r.json")
    tree = parse(render_html(report))
    link = tree.find("a", class_="download")
    prefix = "data:application/json;base64,"
    assert link.attrs["href"].startswith(prefix)
    assert base64.b64decode(link.attrs["href"][len(prefix):]).decode("utf-8") == render_json(report)
    assert link.attrs["download"] == "topdesk-preflight-acme.topdesk.net-20250304T050607Z.json"
    digest = hashlib.sha256(json_path.read_bytes()).hexdigest()
    assert tree.find("code", class_="sha256").text() == digest
    assert f"SHA-256 {digest}" in tree.find("pre", id="ticket-text").text()


def test_the_caller_can_pass_the_json_text_and_name_it_wrote():
    import hashlib

    text = '{"schema_version": "1"}\n'
    tree = parse(render_html(mixed_report(), json_text=text, json_name="custom.json"))
    assert tree.find("a", class_="download").attrs["download"] == "custom.json"
    assert tree.find("code", class_="sha256").text() == hashlib.sha256(text.encode()).hexdigest()


def test_write_html_and_write_json_agree_on_the_digest(tmp_path):
    import hashlib

    from topdesk_preflight.reports import render_json, write_json

    report = mixed_report()
    text = render_json(report)
    json_path = write_json(report, tmp_path / "x.json", json_text=text)
    page = write_html(report, tmp_path / "x.html", json_text=text, json_name=json_path.name)
    shown = parse(page.read_text(encoding="utf-8")).find("code", class_="sha256").text()
    assert shown == hashlib.sha256(json_path.read_bytes()).hexdigest()


def test_compare_shows_each_change_as_a_badge_and_the_counts_in_the_banner():
    from reports_fixtures import PREVIOUS_GENERATED_AT, compared_report

    tree = parse(render_html(compared_report()))
    assert (f"2 fixed, 1 newly broken, 2 still broken since {PREVIOUS_GENERATED_AT}"
            in tree.find("p", id="changes").text())
    badge = tree.find("article", id="check-permissions-reservations").find("span", class_="change")
    assert badge.text() == "newly broken" and "change-newly_broken" in badge.classes()
    assert tree.find("article", id="check-rooms-typed").find("span", class_="change").text() == "still broken"
    fixed_row = tree.find("tr", id="check-auth-credentials")
    assert fixed_row.find("span", class_="change").text() == "fixed"
    assert "compared with old/topdesk-preflight-acme.json" in tree.find("footer").text()
    assert not parse(render_html(mixed_report())).find_all("span", class_="change")


@pytest.mark.parametrize("name", ["rooms", "unknown", "compared", "network_fail"])
def test_the_new_sections_keep_the_page_free_of_scripts_and_fetches(name):
    from reports_fixtures import issue_11_reports

    page = render_html(issue_11_reports()[name])
    tree = parse(page)
    assert "<script" not in page.lower()
    for element in tree.iter():
        for attribute, value in element.attrs.items():
            assert not attribute.startswith("on")
            if attribute in RESOURCE_ATTRIBUTES:
                assert value.startswith(("#", "data:")), f"<{element.tag} {attribute}={value!r}>"
    assert tree.find("meta", **{"http-equiv": "Content-Security-Policy"}).attrs["content"].startswith(
        "default-src 'none'")
