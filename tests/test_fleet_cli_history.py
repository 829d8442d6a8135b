"""``fleet TARGETS.toml --history PATH.sqlite [--fail-on change]``: what a nightly job prints, writes and exits with.

Real HTTPS sandboxes whose scenarios change between runs, as customers' TOPdesks
change between nights; every output and the history file are scanned for the password.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from fleet_fixtures import PASSWORD, PASSWORD_ENV, PROXY_VARIABLES, Fleet, files_hold, fleet_environment

from topdesk_preflight import fleet_cli


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet_environment(monkeypatch)


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    with Fleet(["Acme", "Beta", "Gamma"]) as started:
        yield started


class Job:
    """The nightly job: the same command line each night, into one output folder and one history."""

    def __init__(self, fleet: Fleet, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.fleet, self.folder, self.capsys = fleet, folder, capsys
        self.history = folder / "state" / "history.sqlite"

    def night(self, *args: str) -> tuple[int, str, str]:
        targets = self.fleet.targets(self.folder)
        code = fleet_cli.main([str(targets), "--output-dir", str(self.folder / "out"), "--history",
                               str(self.history), "--quiet", *args])
        out, err = self.capsys.readouterr()
        assert PASSWORD not in out + err and "Traceback" not in out + err
        assert files_hold(self.folder, PASSWORD) == []
        return code, out, err

    def summary(self) -> dict:  # type: ignore[type-arg]
        return json.loads((self.folder / "out" / "fleet-summary.json").read_text(encoding="utf-8"))


@pytest.fixture
def job(fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Job]:
    fleet.heal()
    yield Job(fleet, tmp_path, capsys)
    fleet.heal()


def test_with_a_history_the_summary_leads_with_what_changed_then_the_expiry_calendar(job):
    code, out, _ = job.night()
    assert code == 0 and "First run of these tenants in the history" in out
    job.fleet.serve(Beta="rooms_untyped")
    code, out, _ = job.night()
    assert code == 1
    lines = out.splitlines()
    start = lines.index("Changes since each tenant's previous run: 1 newly broken (1 worse).")
    assert lines[start + 1].split()[:4] == ["NEWLY", "BROKEN", "Beta:", "rooms.typed"]
    assert "(was ready at " in lines[start + 1] and lines[start + 2] == "  2 ready as before."
    assert out.index("Changes since") < out.index("No application password") < out.index("TENANT  READINESS")

    changes = job.summary()["changes"]
    assert changes["counts"]["newly_broken"] == 1 and changes["worse"] is True
    assert [(e["kind"], e["name"], e["newly_broken_checks"]) for e in changes["tenants"]] == [
        ("newly_broken", "Beta", ["rooms.typed"])]
    page = (job.folder / "out" / "fleet-summary.html").read_text(encoding="utf-8")
    assert page.index('id="changes"') < page.index('id="expiring"') < page.index('id="tenants"')
    assert "<script" not in page and "newly broken" in page


def test_fail_on_change_alerts_the_night_something_gets_worse_not_every_night_after(job, fleet):
    assert job.night("--fail-on", "change")[0] == 0            # the first night: nothing to compare with
    fleet.serve(Beta="rooms_untyped")
    assert job.night("--fail-on", "change")[0] == 1            # Beta broke: alert
    code, out, _ = job.night("--fail-on", "change")
    assert code == 0 and "STILL BROKEN  Beta: since " in out     # the same known problem: quiet
    fleet.serve(Beta="three_root_causes")
    code, out, _ = job.night("--fail-on", "change")
    assert code == 1 and "newly broken: " in out                 # still broken, but with a new problem
    fleet.heal()
    code, out, _ = job.night("--fail-on", "change")
    assert code == 0 and "FIXED         Beta: ready" in out
    assert job.summary()["exit_code"] == 0 and job.summary()["fail_on"] == "change"


def test_without_fail_on_change_a_known_problem_still_exits_1_every_night(job, fleet):
    fleet.serve(Gamma="rooms_untyped")
    assert job.night()[0] == 1
    assert job.night()[0] == 1


def test_fail_on_change_without_a_history_is_a_usage_error(job, capsys):
    code = fleet_cli.main([str(job.fleet.targets(job.folder)), "--fail-on", "change"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--fail-on change needs --history" in err


@pytest.mark.parametrize("make, said", [
    (lambda p: p.write_text("not a database, a note\n" * 50, encoding="utf-8"), "is not a topdesk-preflight history"),
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)").connection.commit(), "not a topdesk-preflight history"),
], ids=["a text file", "a directory", "another database"])
def test_a_history_that_is_not_one_exits_2_with_one_line_before_checking_anything(job, capsys, make, said):
    path = job.folder / "history.sqlite"
    make(path)
    before = sum(len(sb.requests) for sb in job.fleet.sandboxes.values())
    code = fleet_cli.main([str(job.fleet.targets(job.folder)), "--output-dir", str(job.folder / "out"),
                           "--history", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and said in err and "Traceback" not in err
    assert sum(len(sb.requests) for sb in job.fleet.sandboxes.values()) == before


# --- Ctrl-C in the middle of a night ------------------------------------------------------------------------

@pytest.fixture
def slow_fleet() -> Iterator[Fleet]:
    """Eight tenants at 0.3 s a request, checked one at a time: a run long enough to interrupt."""
    with Fleet([f"T{i}" for i in range(8)], latency=0.3) as started:
        yield started


def _results(path: Path) -> int:
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
    except sqlite3.Error:  # not created yet
        return 0


@pytest.mark.parametrize("workers", ["0", "2"], ids=["threads", "worker processes"])
def test_sigint_mid_run_leaves_a_consistent_history_that_a_later_run_appends_to(slow_fleet, tmp_path, capsys,
                                                                               workers):
    targets, history = slow_fleet.targets(tmp_path), tmp_path / "history.sqlite"
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES} | {PASSWORD_ENV: PASSWORD}
    proc = subprocess.Popen([sys.executable, "-m", "topdesk_preflight", "fleet", str(targets), "--output-dir",
                             str(tmp_path / "out"), "--history", str(history), "--concurrency", "1", "--quiet",
                             "--workers", workers],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while _results(history) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and err.strip() == "Interrupted." and "Traceback" not in out + err

    db = sqlite3.connect(history)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    recorded = db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert 2 <= recorded < 8
    assert db.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    orphans = db.execute("SELECT COUNT(*) FROM checks WHERE result_id NOT IN (SELECT id FROM results)").fetchone()
    assert orphans == (0,) and db.execute("SELECT COUNT(DISTINCT result_id) FROM checks").fetchone() == (recorded,)
    db.close()

    code = fleet_cli.main([str(targets), "--output-dir", str(tmp_path / "out"), "--history", str(history),
                           "--quiet", "--concurrency", "8"])
    out = capsys.readouterr().out
    assert code == 0 and "No change since each tenant's previous run." in out
    db = sqlite3.connect(history)
    assert db.execute("SELECT status FROM runs ORDER BY started_at").fetchall() == [("interrupted",), ("complete",)]
    assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (recorded + 8,)
    assert files_hold(tmp_path, PASSWORD) == []
