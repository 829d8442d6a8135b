"""``fleet history``'s renderers, from hand-made timelines: the terminal block, the strip, escaping, no script."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reports_fixtures import ESCAPE_SEQUENCE, HOSTILE_ROOM

from topdesk_preflight.fleet_timeline import Entry, TenantTimeline, change_points
from topdesk_preflight.reports.fleet_history_report import STRIP_RUNS, render_history_html, timeline_lines

NIGHT = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def entries(*states: str, error: str | None = None) -> tuple[Entry, ...]:
    return tuple(Entry(NIGHT + timedelta(days=i), state, ("rooms.typed",) if state == "not_ready" else (), "3.7.2",
                       error if state == "unknown" else None, "complete") for i, state in enumerate(states))


def test_the_terminal_block_names_the_span_and_the_runs_that_changed():
    timeline = TenantTimeline("Acme", "acme", "https://acme.topdesk.net",
                              entries("ready", "ready", "not_ready", "not_ready", "unknown", "ready", error="no route"))
    lines = timeline_lines([timeline], runs=6, source="h.sqlite")
    assert lines[0] == "h.sqlite: 6 runs, 1 tenant."
    assert lines[2] == ("Acme (https://acme.topdesk.net): 6 runs from 2025-03-01 02:00 UTC to 2025-03-06 02:00 UTC, "
                        "now ready")
    assert lines[3:] == [
        "  2025-03-01 02:00 UTC  ready      first run in the history, unknown (REST API 3.7.2)",
        "  2025-03-03 02:00 UTC  NOT READY  ready -> not ready; broke: rooms.typed",
        "  2025-03-05 02:00 UTC  UNKNOWN    not ready -> unknown; no route",
        "  2025-03-06 02:00 UTC  ready      unknown -> ready",
    ]


def test_a_hostile_tenant_name_is_inert_in_the_terminal_and_escaped_on_the_page():
    timeline = TenantTimeline(f"Beta {HOSTILE_ROOM}{ESCAPE_SEQUENCE}", "beta", "https://b.example",
                              entries("ready", "not_ready"))
    assert "\x1b" not in "\n".join(timeline_lines([timeline], runs=2, source="h.sqlite"))
    page = render_history_html([timeline], runs=2, source="h.sqlite")
    assert HOSTILE_ROOM not in page and "&lt;script&gt;" in page and "\x1b" not in page
    assert "<script" not in page and "default-src 'none'" in page


def test_the_strip_is_one_bar_per_stretch_of_runs_in_the_same_state():
    timeline = TenantTimeline("Acme", "acme", "https://a", entries("ready", "ready", "ready", "not_ready", "ready"))
    page = render_history_html([timeline], runs=5, source="h.sqlite")
    bars = page.split('<rect class="')[1:]
    assert [bar.split('"')[0] for bar in bars] == ["ready", "not_ready", "ready"]
    assert 'x="0" y="0" width="20"' in bars[0]  # three runs of 6 px with 1 px between
    assert "2025-03-01 02:00 UTC to 2025-03-03 02:00 UTC: ready (3 runs)" in bars[0]
    assert "2025-03-04 02:00 UTC: not ready: rooms.typed" in bars[1]


def test_the_strip_draws_the_latest_runs_when_there_are_very_many():
    timeline = TenantTimeline("Acme", "acme", "https://a", entries(*(["ready"] * (STRIP_RUNS + 30))))
    page = render_history_html([timeline], runs=STRIP_RUNS + 30, source="h.sqlite")
    assert f"the strip shows the last {STRIP_RUNS}" in page and page.count("<rect ") == 1


def test_counts_on_the_page_and_in_the_terminal_say_1_run_and_1_tenant_never_1_runs():
    timeline = TenantTimeline("Acme", "acme", "https://a", entries("ready"))
    page = render_history_html([timeline], runs=1, source="h.sqlite")
    assert "<title>TOPdesk preflight fleet history: 1 tenant, 1 run</title>" in page
    assert "Fleet history: 1 tenant over 1 run</h1>" in page and "· 1 run</span>" in page
    assert timeline_lines([timeline], runs=1, source="h.sqlite")[0] == "h.sqlite: 1 run, 1 tenant."
    two = render_history_html([timeline, TenantTimeline("Beta", "beta", "https://b", entries("ready", "ready"))],
                              runs=2, source="h.sqlite")
    assert "Fleet history: 2 tenants over 2 runs</h1>" in two and "· 2 runs</span>" in two


def test_an_upgrade_is_said_in_the_same_words_as_every_other_output():
    before = Entry(NIGHT, "ready", (), "3.7.4", None, "complete", "16.6.7")
    after = Entry(NIGHT + timedelta(days=1), "ready", (), "3.8.0", None, "complete", "16.7.1")
    moments = change_points([before, after])
    assert moments[0].what == ("first run in the history, TOPdesk 16.6.7 (REST API 3.7.4)",)
    assert moments[1].what == ("TOPdesk 16.6.7 (REST API 3.7.4) -> TOPdesk 16.7.1 (REST API 3.8.0)",)
