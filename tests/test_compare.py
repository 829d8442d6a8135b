"""``--compare OLD.json``: did the customer's fix work? Each check is fixed, newly broken, still broken or unchanged.

The end-to-end tests run one sandbox scenario, save its JSON report the way the
CLI does, switch the same sandbox to another scenario, run again and compare.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Iterator

import pytest

from topdesk_preflight import reports
from topdesk_preflight.compare import change_between, change_lists, compare, load_previous, marked
from topdesk_preflight.model import Change, Status
from topdesk_preflight.reports.diagnosis import change_counts
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import Sandbox
from topdesk_preflight.settings import SettingsError

PASSWORD = "Cmp-pw!unique-3391-zz"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(scenario="demo", password=PASSWORD) as sandbox:
        yield sandbox
    assert {r.method for r in sandbox.requests} <= {"GET", "HEAD"}


@pytest.fixture(scope="module")
def demo_json(sb: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Scenario A, "demo": untyped rooms, no permission group, a duplicate email; saved as the CLI saves it."""
    sb.load("demo")
    path = tmp_path_factory.mktemp("previous") / "before.json"
    reports.write_json(run_preflight(sb.settings()), path)
    return str(path)


# --- the four words ----------------------------------------------------------------------------------

@pytest.mark.parametrize("before, now, expected", [
    ("fail", Status.PASS, Change.FIXED),
    ("error", Status.WARN, Change.FIXED),
    ("fail", Status.FAIL, Change.STILL_BROKEN),
    ("fail", Status.ERROR, Change.STILL_BROKEN),
    ("error", Status.FAIL, Change.STILL_BROKEN),
    ("fail", Status.SKIPPED, Change.STILL_BROKEN),  # not assessed now, so not proven fixed
    ("pass", Status.FAIL, Change.NEWLY_BROKEN),
    ("warn", Status.ERROR, Change.NEWLY_BROKEN),
    ("skipped", Status.FAIL, Change.NEWLY_BROKEN),
    (None, Status.FAIL, Change.NEWLY_BROKEN),  # a check the earlier report did not have
    ("pass", Status.WARN, Change.UNCHANGED),  # a warning never blocks HCP
    ("warn", Status.PASS, Change.UNCHANGED),
    ("skipped", Status.PASS, Change.UNCHANGED),
    ("pass", Status.SKIPPED, Change.UNCHANGED),
    (None, Status.PASS, Change.UNCHANGED),
])
def test_each_pair_of_statuses_maps_to_the_word_a_support_agent_expects(before, now, expected):
    assert change_between(before, now) == expected


# --- end to end -----------------------------------------------------------------------------------

def test_fixing_some_things_and_breaking_another_shows_all_four_words(sb, demo_json):
    sb.load("rooms_untyped")  # permission group and duplicate email fixed, rooms still untyped
    after = run_preflight(sb.settings(app_password_expires=date(2020, 1, 1)))  # and now the password expired
    previous = load_previous(demo_json)
    compared = compare(after, previous, previous_path=demo_json)

    changes = {r.id: r.change for r in compared.results}
    assert changes["permissions.group"] == changes["operator.email_unique"] == Change.FIXED
    assert changes["rooms.typed"] == Change.STILL_BROKEN
    assert changes["auth.app_password_expiry"] == Change.NEWLY_BROKEN
    assert changes["rooms.reservable"] == Change.UNCHANGED  # warn before, pass now
    assert set(changes.values()) == {Change.FIXED, Change.STILL_BROKEN, Change.NEWLY_BROKEN, Change.UNCHANGED}
    assert change_counts(compared) == {Change.FIXED: 2, Change.NEWLY_BROKEN: 1, Change.STILL_BROKEN: 1,
                                       Change.UNCHANGED: len(compared.results) - 4}

    assert compared.compared_with["path"] == demo_json
    assert compared.compared_with["generated_at"] == previous["generated_at"]
    assert compared.compared_with["counts"] == previous["summary"]["counts"]
    assert compared.compared_with["statuses"]["rooms.reservable"] == "warn"
    assert [r.status for r in compared.results] == [r.status for r in after.results]  # only `change` is added
    assert after.compared_with is None and all(r.change is None for r in after.results)
    assert not compared.warnings  # same instance, same URL

    assert change_lists(compared) == ["Fixed since then: operator.email_unique, permissions.group",
                                      "Newly broken: auth.app_password_expiry", "Still broken: rooms.typed"]


def test_a_result_is_marked_as_it_arrives_the_same_as_in_the_compared_report(sb, demo_json):
    sb.load("rooms_untyped")
    after = run_preflight(sb.settings())
    previous = load_previous(demo_json)
    compared = compare(after, previous, previous_path=demo_json)
    assert [marked(r, previous).change for r in after.results] == [r.change for r in compared.results]
    assert marked(after.results[0], None) is after.results[0]  # without --compare nothing is added


def test_the_summary_says_the_comparison_in_one_block_and_tags_every_line_it_concerns(sb, demo_json):
    from topdesk_preflight.reports.text_report import summary_lines

    sb.load("rooms_untyped")
    compared = compare(run_preflight(sb.settings()), load_previous(demo_json), previous_path=demo_json)
    lines = summary_lines(compared, color=False, width=100)
    start = next(n for n, line in enumerate(lines) if line.startswith("Compared with the earlier report: 2 fixed"))
    assert lines[start + 1:start + 3] == ["  Fixed since then: operator.email_unique, permissions.group",
                                          "  Still broken: rooms.typed"]
    fix_first = " ".join(" ".join(lines[start + 3:]).split())
    assert "FAIL rooms.typed: 2 rooms in branch 'HQ Stockholm' have no type" in fix_first
    assert "Nebula 5.01 [still broken]" in fix_first  # the cause's own line carries its tag


def test_a_check_that_cannot_run_now_is_not_called_fixed(sb, demo_json):
    sb.load("app_password_expired")  # everything behind the login is skipped
    compared = compare(run_preflight(sb.settings()), load_previous(demo_json), previous_path=demo_json)
    changes = {r.id: r.change for r in compared.results}
    assert changes["auth.credentials"] == Change.NEWLY_BROKEN
    assert changes["rooms.typed"] == changes["permissions.group"] == Change.STILL_BROKEN
    assert Change.FIXED not in changes.values()


def test_checks_missing_from_either_report_are_handled(sb, demo_json):
    previous = load_previous(demo_json)
    previous["checks"] = [c for c in previous["checks"] if c["id"] not in ("rooms.typed", "network.dns")]
    sb.load("demo")
    compared = compare(run_preflight(sb.settings(only=("rooms",))), previous, previous_path=demo_json)
    changes = {r.id: r.change for r in compared.results}
    assert changes["rooms.typed"] == Change.NEWLY_BROKEN  # new since the old report, and bad
    assert changes["rooms.present"] == Change.UNCHANGED
    assert "permissions.group" in compared.compared_with["not_run_now"]


def test_comparing_two_different_instances_is_allowed_but_warned_about(sb, demo_json):
    previous = load_previous(demo_json)
    previous["target"]["url"] = "https://other.topdesk.net"
    sb.load("healthy")
    compared = compare(run_preflight(sb.settings()), previous, previous_path=demo_json)
    assert any("https://other.topdesk.net" in w and "two different TOPdesk instances" in w
               for w in compared.warnings)


def test_the_compared_report_still_renders(sb, demo_json, tmp_path):
    sb.load("healthy")
    compared = compare(run_preflight(sb.settings()), load_previous(demo_json), previous_path=demo_json)
    data = json.loads(reports.render_json(compared))
    reports.validate_report_json(data)
    assert PASSWORD not in reports.render_json(compared) + reports.render_html(compared)


# --- loading the earlier report ------------------------------------------------------------------

@pytest.mark.parametrize("content, expected", [
    ("<!DOCTYPE html><html></html>", "is an HTML page without the JSON report"),
    ("[1, 2]", "has no schema_version"),
    ('{"schema_version": "2", "checks": []}', "schema_version '2'"),
    ('{"schema_version": "1", "checks": [{"id": "x"}]}', "each with an id and a status"),
    ('{"schema_version": "1"}', "each with an id and a status"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper than any report"),
    ('{"schema_version": "1", "checks": [' + ",".join(f'{{"id": "x.c{i}", "status": "pass"}}' for i in range(1_001))
     + "]}", "each with an id and a status"),
    ('{"schema_version": "1", "checks": [{"id": "Not An Id", "status": "pass"}]}', "each with an id and a status"),
])
def test_a_file_that_is_not_a_report_of_ours_is_a_clear_settings_error(tmp_path, content, expected):
    path = tmp_path / "old.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_previous(path)
    assert expected in str(caught.value) and str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_file_or_a_folder_is_a_clear_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="does not exist: fix --compare"):
        load_previous(tmp_path / "nope.json")
    with pytest.raises(SettingsError, match="is a directory"):
        load_previous(tmp_path)


def test_a_report_written_by_the_tool_loads(demo_json):
    previous = load_previous(demo_json)
    assert previous["schema_version"] == "1" and previous["checks"]


def test_a_crafted_earlier_report_cannot_crash_or_grow_the_new_one(sb, demo_json, tmp_path):
    with open(demo_json, encoding="utf-8") as handle:
        crafted = json.load(handle)
    crafted["summary"]["counts"] = ["not", "a", "dict"]
    crafted["generated_at"] = "x" * 10_000
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(crafted), encoding="utf-8")
    report = compare(run_preflight(sb.settings()), load_previous(path), previous_path=str(path))
    counts = report.compared_with["counts"]  # counted from the earlier checks instead
    assert sum(counts.values()) == len(crafted["checks"]) and all(isinstance(v, int) for v in counts.values())
    assert report.compared_with["generated_at"] is None


# --- the HTML report as the earlier report ---------------------------------------------------------

@pytest.fixture(scope="module")
def demo_html(sb: Sandbox, demo_json: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The HTML report of the same run as ``demo_json``, written as the CLI writes it (the JSON embedded)."""
    sb.load("demo")
    report = run_preflight(sb.settings())
    json_text = reports.render_json(report)
    path = tmp_path_factory.mktemp("previous-html") / "before.html"
    reports.write_html(report, path, json_text=json_text, json_name="before.json")
    return str(path)


def test_the_html_report_compares_like_its_json_once_its_sha256_matches(demo_html):
    previous = load_previous(demo_html)
    assert previous["schema_version"] == "1"
    assert {c["id"]: c["status"] for c in previous["checks"]}["rooms.typed"] == "fail"


@pytest.mark.parametrize("tamper, expected", [
    (lambda page: page.replace("base64,", "base64,eyJ4Ijog", 1), "does not match the SHA-256 the page shows"),
    (lambda page: page.replace('<code class="sha256">', "<code>", 1), "shows no SHA-256"),
    (lambda page: page.replace("data:application/json;base64,", "data:text/plain,", 1),
     "without the JSON report"),
], ids=["edited-json", "no-digest", "no-embedded-json"])
def test_an_html_page_whose_embedded_json_cannot_be_trusted_is_one_clear_line(demo_html, tmp_path, tamper,
                                                                               expected):
    with open(demo_html, encoding="utf-8") as handle:
        page = handle.read()
    path = tmp_path / "edited.html"
    path.write_text(tamper(page), encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_previous(path)
    assert expected in str(caught.value) and str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_a_fix_that_still_warns_carries_its_tag_in_worth_a_look(sb, demo_json):
    from topdesk_preflight.reports.text_report import summary_lines

    sb.load("permission_groups_unreadable")  # the group was missing (fail); now it cannot be read (warn)
    compared = compare(run_preflight(sb.settings()), load_previous(demo_json), previous_path=demo_json)
    lines = summary_lines(compared, color=False, width=200)
    worth = lines[lines.index("Worth a look (does not block HCP):") + 1]
    assert worth.startswith("WARN  permissions.group:") and worth.endswith("[fixed]")
