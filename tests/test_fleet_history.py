"""The fleet's run history in SQLite: schema and migrations, one writer, one transaction per tenant, no secrets,
and what it says changed over several nights of real fleet runs over HTTPS.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Iterator

import pytest
from fleet_fixtures import PASSWORD, PASSWORD_ENV, Fleet, files_hold, fleet_environment

from topdesk_preflight import fleet_history
from topdesk_preflight.fleet import Tenant, TenantOutcome, load_targets, run_fleet
from topdesk_preflight.fleet_history import SCHEMA_VERSION, History
from topdesk_preflight.model import CheckResult, Report, Target
from topdesk_preflight.settings import SettingsError

TODAY = date.today()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet_environment(monkeypatch, password=False)


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    with Fleet(["Acme", "Beta", "Gamma", "Delta"]) as started:
        yield started


@pytest.fixture
def nights(fleet: Fleet, tmp_path: Path) -> Iterator["Nights"]:
    fleet.heal()
    yield Nights(fleet, tmp_path)
    fleet.heal()


class Nights:
    """Run the fleet as a nightly job would, into one history; each call is one night."""

    def __init__(self, fleet: Fleet, folder: Path) -> None:
        self.fleet, self.folder = fleet, folder
        self.path = folder / "history.sqlite"

    def run(self, *, unset: tuple[str, ...] = (), on_done=None, concurrency: int = 2):  # type: ignore[no-untyped-def]
        """One night; a tenant in ``unset`` cannot be checked tonight (its password variable is missing)."""
        tenants = load_targets(self.fleet.targets(self.folder), environ={PASSWORD_ENV: PASSWORD})
        tenants = [t if t.name not in unset else Tenant(t.name, t.slug, t.url, problem="the variable is not set",
                                                        position=t.position) for t in tenants]
        with History.open(self.path) as history:
            uid = history.begin_run(tenants_planned=len(tenants))

            def done(outcome: TenantOutcome) -> None:
                history.record(uid, outcome, today=TODAY)
                if on_done is not None:
                    on_done(outcome)

            run = run_fleet(tenants, concurrency=concurrency, on_done=done, today=TODAY)
            changes = history.changes(run.outcomes, uid, today=TODAY, window_days=30)
            history.finish_run(uid)
        return run, changes


def listed(changes) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(c.kind, c.name) for c in changes.listed]


# --- the file itself ------------------------------------------------------------------------------------

def test_a_new_history_has_its_schema_a_version_table_wal_and_is_private(tmp_path):
    path = tmp_path / "nightly" / "history.sqlite"
    with History.open(path) as history:
        assert history.schema_version == SCHEMA_VERSION
    db = sqlite3.connect(path)
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"schema_version", "runs", "results", "checks", "texts"} <= tables
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0  # it names customers and their hosts


def test_an_older_history_is_migrated_in_place_and_keeps_its_runs(tmp_path, monkeypatch):
    path = tmp_path / "history.sqlite"
    with History.open(path) as history:
        uid = history.begin_run(tenants_planned=0)
    monkeypatch.setattr(fleet_history, "MIGRATIONS", [*fleet_history.MIGRATIONS,
                                                       "ALTER TABLE runs ADD COLUMN note TEXT"])
    with History.open(path) as history:
        assert history.schema_version == SCHEMA_VERSION + 1
        assert history.connection().execute("SELECT uid, note FROM runs").fetchall() == [(uid, None)]


def test_a_history_from_a_newer_tool_is_refused_not_guessed_at(tmp_path):
    path = tmp_path / "history.sqlite"
    History.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(SettingsError, match="written by a newer topdesk-preflight .*schema 99"):
        History.open(path)


@pytest.mark.parametrize("make, expected", [
    (lambda p: p.write_text("[[tenant]]\nname = 'A'\n", encoding="utf-8"), "is not a topdesk-preflight history"),
    (lambda p: p.write_bytes(os.urandom(4096)), "is not a topdesk-preflight history"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE invoices (id INTEGER)").connection.commit(),
     "an SQLite database, but not a topdesk-preflight history (it has the tables invoices)"),
    (lambda p: p.mkdir(), "is a directory"),
], ids=["a TOML file", "random bytes", "another application's database", "a directory"])
def test_a_file_that_is_not_a_history_is_one_clear_error_and_is_left_alone(tmp_path, make, expected):
    path = tmp_path / "history.sqlite"
    make(path)
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(SettingsError, match=re.escape(expected)) as caught:
        History.open(path)
    assert "\n" not in str(caught.value)
    assert (path.read_bytes() if path.is_file() else None) == before


def test_reading_a_history_that_does_not_exist_does_not_create_one(tmp_path):
    with pytest.raises(SettingsError, match="does not exist"):
        History.open(tmp_path / "nope.sqlite", write=False)
    assert not (tmp_path / "nope.sqlite").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_history_is_one_clear_error(tmp_path):
    path = tmp_path / "history.sqlite"
    History.open(path).close()
    path.chmod(0)
    with pytest.raises(SettingsError, match="cannot be written"):
        History.open(path)


def test_one_writer_a_second_run_on_the_same_history_is_refused_while_readers_still_read(tmp_path):
    path = tmp_path / "history.sqlite"
    with History.open(path) as first:
        first.begin_run(tenants_planned=0)
        with pytest.raises(SettingsError, match="being written by another fleet run"):
            History.open(path)
        with History.open(path, write=False) as reader:
            assert reader.connection().execute("SELECT COUNT(*) FROM runs").fetchone() == (1,)
    History.open(path).close()  # the lock goes with the writer


def _outcome(name: str, *results: CheckResult) -> TenantOutcome:
    report = Report("topdesk-preflight", "test", datetime.now(UTC), Target("https://a.example", "u"), results)
    return TenantOutcome(Tenant(name, name.lower(), "https://a.example"), report=report,
                         checked_at=datetime.now(UTC))


def test_one_transaction_per_tenant_a_result_that_cannot_be_written_leaves_nothing_of_itself(tmp_path):
    twice = CheckResult("pass", "ok", id="rooms.typed")  # the same check twice: its second row is refused
    with History.open(tmp_path / "history.sqlite") as history:
        uid = history.begin_run(tenants_planned=2)
        assert history.record(uid, _outcome("Good", CheckResult("pass", "ok", id="rooms.typed")), today=TODAY)
        assert not history.record(uid, _outcome("Bad", twice, twice), today=TODAY)
        assert history.failures and history.failures[0].startswith("Bad: ")
        db = history.connection()
        assert [r[0] for r in db.execute("SELECT name FROM results")] == ["Good"]
        assert db.execute("SELECT COUNT(*) FROM checks").fetchone() == (1,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_run_that_never_finished_is_marked_interrupted_by_the_next_writer(tmp_path):
    path = tmp_path / "history.sqlite"
    with History.open(path) as history:
        uid = history.begin_run(tenants_planned=3)  # and then the job was killed
    with History.open(path) as history:
        assert history.connection().execute("SELECT status FROM runs WHERE uid = ?", (uid,)).fetchone() == (
            "interrupted",)


# --- several nights of a real fleet -----------------------------------------------------------------------

def test_a_history_over_several_nights_reports_exactly_who_broke_who_recovered_and_since_when(nights):
    fleet = nights.fleet
    _, first = nights.run()
    assert listed(first) == [] and first.counts["new"] == 4 and not first.worse

    fleet.serve(Beta="rooms_untyped", Gamma="app_password_expired")
    run, second = nights.run(unset=("Delta",))
    assert listed(second) == [("newly_broken", "Beta"), ("newly_broken", "Gamma"), ("unknown", "Delta")]
    assert second.counts["unchanged"] == 1 and second.worse and second.exit_code == 1
    assert [c for c in second.listed if c.name == "Beta"][0].newly_broken_checks == ("rooms.typed",)
    gamma_broke = next(o.checked_at for o in run.outcomes if o.tenant.name == "Gamma")

    fleet.serve(Beta="healthy", Acme="rooms_untyped")
    _, third = nights.run()
    assert listed(third) == [("newly_broken", "Acme"), ("fixed", "Beta"), ("fixed", "Delta"),
                             ("still_broken", "Gamma")]
    gamma = next(c for c in third.listed if c.name == "Gamma")
    assert (gamma.streak_runs, gamma.since) == (2, gamma_broke)
    assert next(c for c in third.listed if c.name == "Beta").fixed_checks == ("rooms.typed",)

    fleet.heal()
    _, fourth = nights.run()
    assert listed(fourth) == [("fixed", "Acme"), ("fixed", "Gamma")]
    assert not fourth.worse and fourth.exit_code == 0

    _, fifth = nights.run()
    assert listed(fifth) == [] and fifth.counts["unchanged"] == 4


def test_the_history_never_holds_a_password_nor_the_requests_behind_a_verdict(nights):
    nights.fleet.serve(Beta="rooms_untyped", Gamma="app_password_expired")
    nights.run()
    nights.run()
    assert files_hold(nights.folder, PASSWORD) == []
    assert files_hold(nights.folder, "/tas/api/") == []  # no request record, no evidence: verdicts only
    db = sqlite3.connect(nights.path)
    assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (8,)
    statuses = dict(db.execute("SELECT check_id, status FROM checks JOIN results ON results.id = result_id "
                               "WHERE name = 'Beta' ORDER BY checked_at DESC LIMIT 40"))
    assert statuses["rooms.typed"] == "fail" and statuses["auth.credentials"] == "pass"


def test_what_each_tenant_row_records(nights):
    run, _ = nights.run()
    db = sqlite3.connect(nights.path)
    db.row_factory = sqlite3.Row
    row = db.execute("SELECT * FROM results WHERE name = 'Acme'").fetchone()
    acme = next(o for o in run.outcomes if o.tenant.name == "Acme")
    assert (row["readiness"], row["url"], row["slug"]) == ("ready", acme.tenant.url, "acme")
    assert row["topdesk_version"] == acme.report.target.api_version and row["topdesk_version"]
    assert row["requests"] == acme.requests > 0 and row["duration_s"] == acme.duration_s
    summaries = {r[0]: r[1] for r in db.execute(
        "SELECT check_id, text FROM checks JOIN texts ON texts.id = summary_id WHERE result_id = ?", (row["id"],))}
    assert summaries == {r.id: r.summary for r in acme.report.results}


def test_a_tenant_whose_server_dies_mid_run_is_recorded_unknown_and_the_next_run_goes_on(nights):
    fleet = nights.fleet
    nights.run()

    def kill_delta_when_beta_is_done(outcome: TenantOutcome) -> None:
        if outcome.tenant.name == "Beta":
            fleet.kill("Delta")

    try:
        run, changes = nights.run(on_done=kill_delta_when_beta_is_done, concurrency=1)
        assert listed(changes) == [("newly_broken", "Delta")]
        [delta] = [o for o in run.outcomes if o.tenant.name == "Delta"]
        assert [check_id for check_id, _ in delta.root_causes] == ["network.tcp"]
        db = sqlite3.connect(nights.path)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (8,)
        _, later = nights.run()
        [still] = later.listed
        assert (still.kind, still.name, still.streak_runs) == ("still_broken", "Delta", 2)
    finally:
        fleet.start("Delta")
