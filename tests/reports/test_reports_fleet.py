"""The fleet summary renderers: terminal table, fleet-summary.json and the fleet-summary.html index.

Built from hand-made reports (reports_fixtures), so these tests need neither the
runner nor a sandbox; the CLI tests cover the same files end to end.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from reports_fixtures import ESCAPE_SEQUENCE, FAKE_PASSWORD, HOSTILE_ROOM, all_pass_report, mixed_report

from topdesk_preflight.fleet import FleetRun, Tenant, TenantOutcome
from topdesk_preflight.reports.fleet_report import (
    HTML_NAME,
    JSON_NAME,
    expiry_lines,
    expiry_text,
    fleet_to_json_dict,
    render_fleet_html,
    summary_lines,
    table_lines,
    tenant_line,
    write_summary,
)

TODAY = date(2025, 3, 4)


def fleet(tmp_path: Path) -> FleetRun:
    """Three tenants: ready (expires in 12 days), not ready (expired), and one that could not be checked."""
    out = tmp_path / "out"
    ready = TenantOutcome(
        Tenant("Acme", "acme", "https://acme.topdesk.net", app_password_expires=date(2025, 3, 16)),
        report=all_pass_report(), json_path=out / "acme" / "a.json", html_path=out / "acme" / "a.html",
        duration_s=1.25)
    not_ready = TenantOutcome(
        Tenant(f"Beta {HOSTILE_ROOM}{ESCAPE_SEQUENCE}", "beta-script-alert-1-script", "https://beta.topdesk.net",
               app_password_expires=date(2025, 3, 1)),
        report=mixed_report(), json_path=out / "beta" / "b b.json", html_path=out / "beta" / "b b.html")
    unchecked = TenantOutcome(
        Tenant("Gamma", "gamma", "https://gamma.topdesk.net", app_password_expires=date(2026, 1, 1)),
        error="not checked: the environment variable GAMMA_APP_PASSWORD is not set")
    return FleetRun([ready, not_ready, unchecked], generated_at=datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
                    duration_s=3.5, expiry_warning_days=30, today=TODAY)


def test_the_json_summary_has_one_row_per_tenant_with_relative_report_links(tmp_path):
    data = fleet_to_json_dict(fleet(tmp_path), tmp_path / "out")
    assert data["kind"] == "fleet-summary" and data["schema_version"] == "1"
    assert data["counts"] == {"ready": 1, "not_ready": 1, "unknown": 1} and data["exit_code"] == 1
    acme, beta, gamma = data["tenants"]
    assert acme["readiness"] == "ready" and acme["root_causes"] == [] and acme["password_days_left"] == 12
    assert acme["reports"] == {"json": "acme/a.json", "html": "acme/a.html"}
    assert beta["readiness"] == "not_ready" and beta["counts"]["fail"] == 1 and beta["counts"]["error"] == 1
    assert [c["id"] for c in beta["root_causes"]] == ["rooms.typed", "permissions.reservations"]
    assert gamma["readiness"] == "unknown" and gamma["error"].endswith("GAMMA_APP_PASSWORD is not set")
    assert gamma["reports"] == {"json": None, "html": None} and gamma["counts"]["error"] == 1
    json.dumps(data, allow_nan=False)


def test_the_json_summary_lists_expiring_passwords_soonest_first(tmp_path):
    data = fleet_to_json_dict(fleet(tmp_path), tmp_path / "out")
    assert data["expiry_warning_days"] == 30
    assert [(e["name"][:4], e["days_left"], e["expired"]) for e in data["expiring_passwords"]] == [
        ("Beta", -3, True), ("Acme", 12, False)]


def test_the_terminal_table_has_a_row_per_tenant_and_no_escape_sequences(tmp_path):
    lines = table_lines(fleet(tmp_path))
    assert lines[0].split() == ["TENANT", "READINESS", "FAIL", "ERROR", "WARN", "PW", "DAYS", "ROOT", "CAUSES"]
    assert lines[1].split() == ["Acme", "ready", "0", "0", "0", "12", "-"]
    assert "not ready" in lines[2] and lines[2].endswith("rooms.typed, permissions.reservations")
    assert " expired " in lines[2]
    assert "unknown" in lines[3] and lines[3].endswith("not checked: the environment variable GAMMA_APP_PASSWORD is not set")
    assert all("\x1b" not in line for line in lines)
    column = lines[0].index("READINESS")
    assert [lines[1].index("ready"), lines[2].index("not ready"), lines[3].index("unknown")] == [column] * 3


def test_colour_is_added_only_when_asked(tmp_path):
    assert any("\x1b[32m" in line for line in table_lines(fleet(tmp_path), color=True))
    assert not any("\x1b[" in line for line in summary_lines(fleet(tmp_path)))


@pytest.mark.parametrize("days_left, expected", [
    (-1, "expired 1 day ago"), (-10, "expired 10 days ago"), (0, "expires today"), (1, "expires in 1 day"),
    (12, "expires in 12 days")])
def test_expiry_wording(days_left, expected):
    from topdesk_preflight.fleet import ExpiryNotice

    assert expiry_text(ExpiryNotice("A", "https://a", date(2025, 1, 1), days_left)) == expected


def test_the_expiry_block_names_each_tenant_and_date(tmp_path):
    lines = expiry_lines(fleet(tmp_path))
    assert lines[0] == "Application passwords expiring within 30 days (2):"
    assert "expired 3 days ago (2025-03-01), https://beta.topdesk.net" in lines[1]
    assert lines[2] == "  Acme: expires in 12 days (2025-03-16), https://acme.topdesk.net"


def test_a_progress_line_says_readiness_and_counts_or_why_nothing_ran(tmp_path):
    acme, beta, gamma = fleet(tmp_path).outcomes
    assert tenant_line(acme).split() == ["READY", "Acme", "0", "failed,", "0", "errors,", "0", "warnings", "1.25s"]
    assert (beta.counts["error"], beta.counts["warn"]) == (1, 1)
    assert " 1 failed, 1 error, 1 warning " in tenant_line(beta)  # never "1 errors" or "1 warnings"
    assert tenant_line(gamma).startswith("UNKNOWN   Gamma") and "GAMMA_APP_PASSWORD is not set" in tenant_line(gamma)


def test_the_html_index_links_each_report_relatively_and_escapes_names(tmp_path):
    page = render_fleet_html(fleet(tmp_path), tmp_path / "out")
    assert "1 of 3 tenants ready for Humly Control Panel" in page
    assert 'href="acme/a.html"' in page and 'href="acme/a.json"' in page
    assert 'href="beta/b%20b.html"' in page  # quoted for a URL
    assert HOSTILE_ROOM not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page and "\x1b" not in page
    assert "default-src 'none'" in page and "http://" not in page and "https://evil" not in page
    assert "expired 3 days ago" in page and "GAMMA_APP_PASSWORD is not set" in page


def test_write_summary_writes_both_files_with_links_relative_to_their_own_folder(tmp_path):
    run = fleet(tmp_path)
    json_path, html_path = write_summary(run, tmp_path / "out")
    assert (json_path.name, html_path.name) == (JSON_NAME, HTML_NAME) and json_path.parent == tmp_path / "out"
    assert json.loads(json_path.read_text(encoding="utf-8"))["tenants"][0]["reports"]["html"] == "acme/a.html"
    elsewhere, _ = write_summary(run, tmp_path / "out", json_path=tmp_path / "ci" / "summary.json")
    assert json.loads(elsewhere.read_text(encoding="utf-8"))["tenants"][0]["reports"]["html"] == "../out/acme/a.html"
    for path in (json_path, html_path, elsewhere):
        assert FAKE_PASSWORD not in path.read_text(encoding="utf-8")
