"""``fleet --history PATH --history-keep DAYS``: a nightly job's history stops growing, and never loses a tenant.

Old results go, with their check rows and the runs left empty; each tenant's latest
result stays however old, so the next night still has something to compare with.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from fleet_fixtures import Fleet, fleet_environment

from topdesk_preflight import fleet_cli
from topdesk_preflight.fleet import Tenant, TenantOutcome
from topdesk_preflight.fleet_history import History
from topdesk_preflight.model import CheckResult, Report, Target

NOW = datetime.now(UTC)
TODAY = date.today()


def outcome(name: str, days_ago: int, status: str = "pass") -> TenantOutcome:
    when = NOW - timedelta(days=days_ago)
    results = (CheckResult(status, f"{name} {days_ago} days ago", id="rooms.typed"),
               CheckResult("pass", "same words every night", id="branch.exists"))
    report = Report("topdesk-preflight", "test", when, Target("https://a.example", "u"), results)
    return TenantOutcome(Tenant(name, name.lower(), "https://a.example"), report=report, checked_at=when)


def night(history: History, *outcomes: TenantOutcome) -> str:
    uid = history.begin_run(tenants_planned=len(outcomes))
    for item in outcomes:
        assert history.record(uid, item, today=TODAY)
    history.finish_run(uid)
    return uid


def backdate_runs(path: Path, days_ago: dict[str, int]) -> None:
    """Runs finish now in a test; give each the age of the results it holds, as a year of nights would."""
    with sqlite3.connect(path) as db:
        for uid, days in days_ago.items():
            when = (NOW - timedelta(days=days)).isoformat(timespec="microseconds")
            db.execute("UPDATE runs SET started_at = ?, finished_at = ? WHERE uid = ?", (when, when, uid))


def test_old_results_go_with_their_checks_and_empty_runs_but_each_tenants_latest_stays(tmp_path):
    path = tmp_path / "history.sqlite"
    with History.open(path) as history:
        oldest = night(history, outcome("Acme", 500), outcome("Beta", 500))  # Beta was never checked again
        older = night(history, outcome("Acme", 300, "fail"))
        recent = night(history, outcome("Acme", 10))
        backdate_runs(path, {oldest: 500, older: 300, recent: 10})
        assert history.forget_before(NOW - timedelta(days=400)) == (1, 0)  # Acme's 500-day-old result only
        assert history.forget_before(NOW - timedelta(days=100)) == (1, 1)  # then Acme's 300: its run is empty
        db = history.connection()
        assert sorted(db.execute("SELECT name, run_uid FROM results")) == [("Acme", recent), ("Beta", oldest)]
        assert {uid for (uid,) in db.execute("SELECT uid FROM runs")} == {oldest, recent}
        assert db.execute("SELECT COUNT(*) FROM checks").fetchone() == (4,)  # 2 results x 2 checks
        texts = {t for (t,) in db.execute("SELECT text FROM texts")}
        assert texts == {"Acme 10 days ago", "Beta 500 days ago", "same words every night"}
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_run_still_running_is_never_forgotten_and_nothing_recent_is_touched(tmp_path):
    path = tmp_path / "history.sqlite"
    with History.open(path) as history:
        night(history, outcome("Acme", 2))
        running = history.begin_run(tenants_planned=1)
        assert history.forget_before(NOW - timedelta(days=1)) == (0, 0)
        assert history.forget_before(NOW + timedelta(days=1)) == (0, 0)  # the latest result stays, however old
        statuses = dict(history.connection().execute("SELECT uid, status FROM runs"))
        assert statuses[running] == "running" and len(statuses) == 2


def test_the_next_night_still_compares_with_a_kept_latest_result(tmp_path):
    path = tmp_path / "history.sqlite"
    with History.open(path) as history:
        first = night(history, outcome("Acme", 50, "fail"))
        backdate_runs(path, {first: 50})
        history.forget_before(NOW - timedelta(days=7))
        uid = history.begin_run(tenants_planned=1)
        today = outcome("Acme", 0)
        history.record(uid, today, today=TODAY)
        changes = history.changes([today], uid, today=TODAY, window_days=30)
    assert [(c.kind, c.name) for c in changes.listed] == [("fixed", "Acme")]


# --- the command line -------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet_environment(monkeypatch)


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    with Fleet(["Acme", "Beta"]) as started:
        yield started


def run(fleet: Fleet, folder: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = fleet_cli.main([str(fleet.targets(folder)), "--output-dir", str(folder / "out"), "--history",
                           str(folder / "history.sqlite"), "--quiet", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_each_night_says_what_it_forgot_in_the_terminal_and_the_summary(fleet, tmp_path, capsys):
    code, out, _ = run(fleet, tmp_path, capsys, "--history-keep", "30")
    assert code == 0 and ("History: kept the last 30 days and each tenant's latest result; nothing was older."
                          in out)
    with sqlite3.connect(tmp_path / "history.sqlite") as db:  # a month and a half passes
        old = (NOW - timedelta(days=45)).isoformat(timespec="microseconds")
        db.execute("UPDATE results SET checked_at = ?", (old,))
        db.execute("UPDATE runs SET started_at = ?, finished_at = ?", (old, old))
    code, out, _ = run(fleet, tmp_path, capsys, "--history-keep", "30")
    assert code == 0 and "forgot 2 tenant results of 1 run older than that." in out
    history = json.loads((tmp_path / "out" / "fleet-summary.json").read_text(encoding="utf-8"))["history"]
    assert (history["keep_days"], history["forgotten"]) == (30, {"results": 2, "runs": 1})
    with sqlite3.connect(tmp_path / "history.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (2,)


def test_without_history_keep_nothing_is_forgotten_and_the_summary_does_not_mention_it(fleet, tmp_path, capsys):
    code, out, _ = run(fleet, tmp_path, capsys)
    history = json.loads((tmp_path / "out" / "fleet-summary.json").read_text(encoding="utf-8"))["history"]
    assert code == 0 and "History: kept" not in out and "keep_days" not in history


@pytest.mark.parametrize("args, said", [
    (("--history-keep", "30"), "--history-keep needs --history PATH.sqlite"),
    (("--history", "h.sqlite", "--history-keep", "0"), "--history-keep must be a number of days from 1 to 36500"),
])
def test_a_wrong_history_keep_is_one_line_and_exit_2_before_any_check(fleet, tmp_path, capsys, args, said):
    code = fleet_cli.main([str(fleet.targets(tmp_path)), "--output-dir", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and said in err and not (tmp_path / "out").exists()
