"""Report file names say which TOPdesk was checked and when, and are safe on every file system."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from reports_fixtures import all_pass_report

from topdesk_preflight.model import Target, evolve
from topdesk_preflight.reports import default_paths
from topdesk_preflight.reports.paths import atomic_write_text, host_for_file_name


def test_default_paths_name_the_host_and_the_utc_time_in_the_output_dir(tmp_path):
    json_path, html_path = default_paths(all_pass_report(), tmp_path)
    assert json_path == tmp_path / "topdesk-preflight-acme.topdesk.net-20250304T050607Z.json"
    assert html_path == tmp_path / "topdesk-preflight-acme.topdesk.net-20250304T050607Z.html"


def test_without_an_output_dir_the_reports_go_to_the_current_directory():
    json_path, html_path = default_paths(all_pass_report(), None)
    assert json_path.parent == Path(".") == html_path.parent


def test_a_local_time_is_converted_to_utc_for_the_name():
    stockholm = datetime(2025, 3, 4, 6, 6, 7, tzinfo=timezone(timedelta(hours=1)))
    json_path, _ = default_paths(evolve(all_pass_report(), generated_at=stockholm), ".")
    assert json_path.name.endswith("-20250304T050607Z.json")


@pytest.mark.parametrize("url, host", [
    ("https://acme.topdesk.net", "acme.topdesk.net"),
    ("https://ACME.TOPdesk.net:8443", "acme.topdesk.net-8443"),
    ("http://127.0.0.1:50123", "127.0.0.1-50123"),
    ("https://[fd00::1]:8443", "fd00-1-8443"),
    ("acme.topdesk.net", "acme.topdesk.net"),
    ("https://../../etc/passwd", "unknown-host"),
    ("https://a\x00b<c>*|\"d.example", "a-b-c-d.example"),
    ("", "unknown-host"),
])
def test_the_host_is_reduced_to_safe_file_name_characters(url, host):
    assert host_for_file_name(url) == host


def test_the_file_name_never_holds_a_path_separator_or_reserved_character():
    nasty = evolve(all_pass_report(), target=Target(url="https://x/../..\\con:1:2", username="u"))
    json_path, _ = default_paths(nasty, "reports")
    assert json_path.parent == Path("reports")
    assert re.fullmatch(r"topdesk-preflight-[a-z0-9.-]+-\d{8}T\d{6}Z\.json", json_path.name)


def test_atomic_write_creates_missing_folders_private_and_the_report_readable_only_by_its_owner(tmp_path):
    path = atomic_write_text(tmp_path / "a" / "b" / "r.txt", "hello\n")
    assert path.read_text(encoding="utf-8") == "hello\n"
    assert path.stat().st_mode & 0o777 == 0o600  # it holds staff names and emails: not for others
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o700 and (tmp_path / "a" / "b").stat().st_mode & 0o777 == 0o700
    existing = tmp_path / "kept"
    existing.mkdir(mode=0o755)
    atomic_write_text(existing / "r.txt", "x")
    assert existing.stat().st_mode & 0o777 == 0o755  # a folder that existed keeps its mode


# --- names that never collide ----------------------------------------------------------------------

def test_a_run_claims_its_names_by_creating_them_private_and_empty(tmp_path):
    from topdesk_preflight.reports.paths import claim_default_paths

    json_path, html_path = claim_default_paths(all_pass_report(), tmp_path)
    assert (json_path, html_path) == default_paths(all_pass_report(), tmp_path)
    for path in (json_path, html_path):
        assert path.read_bytes() == b"" and path.stat().st_mode & 0o777 == 0o600


def test_a_second_run_in_the_same_second_gets_a_suffix_its_json_and_html_share(tmp_path):
    from topdesk_preflight.reports.paths import claim_default_paths

    first = claim_default_paths(all_pass_report(), tmp_path)
    second = claim_default_paths(all_pass_report(), tmp_path)
    third = claim_default_paths(all_pass_report(), tmp_path)
    assert [p.name for p in second] == ["topdesk-preflight-acme.topdesk.net-20250304T050607Z-2.json",
                                        "topdesk-preflight-acme.topdesk.net-20250304T050607Z-2.html"]
    assert third[0].name.endswith("Z-3.json") and len({*first, *second, *third}) == 6


def test_one_taken_name_of_the_pair_moves_both_to_the_next_suffix(tmp_path):
    from topdesk_preflight.reports.paths import claim_default_paths

    json_path, html_path = default_paths(all_pass_report(), tmp_path)
    html_path.write_text("an earlier run's HTML")
    claimed = claim_default_paths(all_pass_report(), tmp_path, claim=(".json",))
    assert [p.name[-7:] for p in claimed] == ["-2.json", "-2.html"] and not json_path.exists()
    assert html_path.read_text() == "an earlier run's HTML"


def test_runs_claiming_at_the_same_moment_never_get_the_same_name(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from topdesk_preflight.reports.paths import claim_default_paths

    with ThreadPoolExecutor(max_workers=8) as pool:
        pairs = list(pool.map(lambda _: claim_default_paths(all_pass_report(), tmp_path), range(24)))
    assert len({path for pair in pairs for path in pair}) == 48


def test_a_claimed_name_left_empty_is_given_back_and_a_written_report_is_kept(tmp_path):
    from topdesk_preflight.reports.paths import claim_default_paths, release

    json_path, html_path = claim_default_paths(all_pass_report(), tmp_path)
    atomic_write_text(json_path, "{}\n")
    release(json_path)
    release(html_path)
    assert json_path.read_text() == "{}\n" and not html_path.exists()


def test_without_anything_to_claim_the_free_names_are_chosen_and_nothing_is_created(tmp_path):
    from topdesk_preflight.reports.paths import claim_default_paths

    taken = default_paths(all_pass_report(), tmp_path)[0]
    taken.write_text("{}")
    json_path, html_path = claim_default_paths(all_pass_report(), tmp_path, claim=())
    assert json_path.name.endswith("Z-2.json") and not json_path.exists() and not html_path.exists()
