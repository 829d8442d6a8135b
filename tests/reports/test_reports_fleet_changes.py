"""The "what changed" block of the fleet summary, in the terminal, the JSON and the page; and joining shards' blocks.

Built from hand-made snapshots and reports (no sandbox): test_fleet_cli_history.py
covers the same block end to end over several real nights.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from reports_fixtures import ESCAPE_SEQUENCE, HOSTILE_ROOM, all_pass_report, mixed_report

from topdesk_preflight.fleet import FleetRun, Tenant, TenantOutcome
from topdesk_preflight.fleet_changes import FleetChanges, Snapshot, classify
from topdesk_preflight.reports.fleet_changes_report import change_lines, changes_to_json, merge_changes, when
from topdesk_preflight.reports.fleet_report import fleet_to_json_dict, render_fleet_html, summary_lines

NIGHT = datetime(2025, 3, 4, 2, 0, tzinfo=UTC)
HOSTILE = f"Beta {HOSTILE_ROOM}{ESCAPE_SEQUENCE}"


def snap(name: str, readiness: str, *broken: str, night: int = 0, days_left: int | None = None) -> Snapshot:
    return Snapshot(slug=name.lower()[:4], name=name, checked_at=NIGHT + timedelta(days=night), readiness=readiness,
                    broken=broken, password_days_left=days_left)


def fleet_with_changes() -> FleetRun:
    """Acme fixed; Beta (a hostile name) newly broken; Gamma still broken since night 1; Delta unknown; Eps's
    password newly within the window; Zeta ready as before."""
    changes = FleetChanges([
        classify(snap("Acme", "ready", night=3), snap("Acme", "not_ready", "rooms.typed", night=2), position=1),
        classify(snap(HOSTILE, "not_ready", "rooms.typed", night=3), snap(HOSTILE, "ready", night=2), position=2),
        classify(snap("Gamma", "not_ready", "permissions.reservations", "rooms.typed", night=3),
                 snap("Gamma", "not_ready", "permissions.reservations", night=2), position=3,
                 streak=[snap("Gamma", "not_ready", night=2), snap("Gamma", "not_ready", night=1)]),
        classify(snap("Delta", "unknown", night=3), snap("Delta", "ready", night=2), position=4),
        classify(snap("Eps", "ready", night=3, days_left=6), snap("Eps", "ready", night=2, days_left=31), position=5),
        classify(snap("Zeta", "ready", night=3), snap("Zeta", "ready", night=2), position=6),
    ])
    reports = {"Acme": all_pass_report(), HOSTILE: mixed_report(), "Gamma": mixed_report(),
               "Eps": all_pass_report(), "Zeta": all_pass_report()}
    outcomes = [TenantOutcome(Tenant(name, name.lower()[:4], f"https://{i}.example", position=i,
                                     app_password_expires=date(2025, 3, 13) if name == "Eps" else None),
                              report=reports.get(name), error=None if name in reports else "not checked: no password")
                for i, name in enumerate(["Acme", HOSTILE, "Gamma", "Delta", "Eps", "Zeta"], start=1)]
    return FleetRun(outcomes, generated_at=NIGHT + timedelta(days=3), duration_s=2.0, expiry_warning_days=30,
                    today=date(2025, 3, 7), changes=changes, history_run="abc", fail_on="change")


def test_the_json_block_counts_every_tenant_and_lists_only_those_that_need_a_person():
    data = changes_to_json(fleet_with_changes().changes)
    assert [(e["kind"], e["name"][:5]) for e in data["tenants"]] == [
        ("newly_broken", "Beta "), ("fixed", "Acme"), ("still_broken", "Gamma"), ("unknown", "Delta"),
        ("password", "Eps")]
    assert data["counts"]["unchanged"] == 1 and data["counts"]["worse"] == 4 and data["exit_code"] == 1
    gamma = data["tenants"][2]
    assert gamma["since"] == "2025-03-05T02:00:00Z" and gamma["streak_runs"] == 3
    assert gamma["newly_broken_checks"] == ["rooms.typed"]


def test_the_summary_json_carries_the_block_and_the_exit_code_fail_on_change_gives():
    data = fleet_to_json_dict(fleet_with_changes())
    assert data["changes"]["worse"] is True and data["fail_on"] == "change" and data["exit_code"] == 1
    assert data["history"] == {"run": "abc", "file": None, "cpu_s": 0.0}


def test_the_terminal_block_says_what_changed_with_since_when_and_what_to_fix():
    lines = change_lines(fleet_to_json_dict(fleet_with_changes()))
    assert lines[0] == ("Changes since each tenant's previous run: 1 newly broken, 1 fixed, 1 still broken, "
                        "1 unknown, 1 password (4 worse).")
    assert lines[1].startswith("  NEWLY BROKEN  Beta <script>") and "\x1b" not in "".join(lines)
    assert lines[1].split(": ", 1)[1] == "rooms.typed, permissions.reservations (was ready at 2025-03-06 02:00 UTC)"
    assert lines[2] == "  FIXED         Acme: ready (was not ready at 2025-03-06 02:00 UTC); fixed: rooms.typed"
    assert lines[3] == ("  STILL BROKEN  Gamma: since 2025-03-05 02:00 UTC (3 runs): rooms.typed, "
                        "permissions.reservations; newly broken: rooms.typed")
    assert lines[4] == "  UNKNOWN       Delta: since 2025-03-07 02:00 UTC (1 run): not checked: no password"
    assert lines[5] == ("  PASSWORD      Eps: the application password expires in 6 days (newly within 30 days)")
    assert lines[6] == "  1 ready as before."


def test_with_a_history_the_closing_block_leads_with_the_changes_then_the_expiry_calendar():
    lines = summary_lines(fleet_with_changes())
    text = "\n".join(lines)
    assert text.index("Changes since") < text.index("Application passwords expiring") < text.index("TENANT")
    assert lines[-1].startswith("6 tenants: 3 ready, 2 not ready, 1 unknown")


def test_the_page_puts_the_changes_right_after_the_headline_escaped_and_without_script():
    page = render_fleet_html(fleet_with_changes())
    assert page.index("tenants ready for Humly Control Panel") < page.index('id="changes"') < page.index(
        'id="expiring"')
    section = page[page.index('id="changes"'):page.index('id="expiring"')]
    assert "newly broken" in section and "still broken" in section and "since 2025-03-05 02:00 UTC" in section
    assert HOSTILE_ROOM not in page and "&lt;script&gt;" in section and "\x1b" not in page
    assert "<script" not in page
    # drawn in the template's changes_html slot, once, and escaped once (the slot takes it as markup)
    assert page.count('id="changes"') == 1 and "&amp;lt;" not in section and "</section>\n<section" in page


def test_a_summary_without_a_history_has_no_changes_block():
    run = fleet_with_changes()
    from attrs import evolve

    plain = evolve(run, changes=None, history_run=None, fail_on="fail")
    assert fleet_to_json_dict(plain)["changes"] is None and 'id="changes"' not in render_fleet_html(plain)
    assert not any("Changes since" in line for line in summary_lines(plain))


def test_shards_blocks_join_into_the_block_one_unsharded_run_writes():
    whole = changes_to_json(fleet_with_changes().changes)
    changes = fleet_with_changes().changes.changes
    odd = changes_to_json(FleetChanges([c for c in changes if c.position % 2]))
    even = changes_to_json(FleetChanges([c for c in changes if not c.position % 2]))
    assert merge_changes([even, odd]) == whole


def test_times_read_to_the_minute_in_utc():
    assert when("2025-03-04T05:06:07Z") == "2025-03-04 05:06 UTC" and when(None) == "-"
