"""``fleet merge DIR...``: N shard jobs' summaries (and histories) joined into exactly what one unsharded run writes.

One fleet of real HTTPS sandboxes is checked two ways each night, whole and as three
shards (each with its own history inside its output folder, as a CI matrix keeps it);
the merged result must equal the whole one, up to times and file locations.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterator

import pytest
from fleet_fixtures import PASSWORD, Fleet, files_hold, fleet_environment
from prometheus_client.parser import text_string_to_metric_families

from topdesk_preflight import fleet_cli

SHARDS = 3
VOLATILE = {"generated_at", "duration_s", "history", "shard", "merged_from", "tool"}
VOLATILE_ROW = {"duration_s", "checked_at", "reports", "requests"}
VOLATILE_CHANGE = {"previous_checked_at", "since"}


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet_environment(monkeypatch)


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    with Fleet(["Acme", "Beta", "Gamma", "Delta", "Eps", "Zeta", "Eta"]) as started:
        yield started


class TwoWays:
    """Each night, the same fleet checked whole and as SHARDS shard jobs, each into its own folder and history."""

    def __init__(self, fleet: Fleet, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.fleet, self.folder, self.capsys = fleet, folder, capsys

    def shard_dir(self, index: int) -> Path:
        return self.folder / f"shard-{index}"

    def night(self, *args: str) -> int:
        targets = self.fleet.targets(self.folder)
        whole = fleet_cli.main([str(targets), "--output-dir", str(self.folder / "whole"), "--history",
                                str(self.folder / "whole" / "history.sqlite"), "--quiet", *args])
        for index in range(1, SHARDS + 1):
            fleet_cli.main([str(targets), "--output-dir", str(self.shard_dir(index)), "--history",
                            str(self.shard_dir(index) / "history.sqlite"), "--shard", f"{index}/{SHARDS}",
                            "--quiet", *args])
        self.capsys.readouterr()
        return whole

    def merge(self, *args: str, dirs: list[Path] | None = None) -> tuple[int, str, str]:
        chosen = dirs if dirs is not None else [self.shard_dir(i) for i in (3, 1, 2)]  # any order
        code = fleet_cli.main(["merge", *map(str, chosen), "--output-dir", str(self.folder / "merged"), *args])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in out + err and PASSWORD not in out + err
        return code, out, err

    def summary(self, name: str) -> dict[str, Any]:
        return json.loads((self.folder / name / "fleet-summary.json").read_text(encoding="utf-8"))


@pytest.fixture
def two_ways(fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[TwoWays]:
    fleet.heal()
    yield TwoWays(fleet, tmp_path, capsys)
    fleet.heal()


def comparable(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary without what must differ between two runs: times, file locations, run ids."""
    data = {k: v for k, v in summary.items() if k not in VOLATILE}
    data["tenants"] = [{k: v for k, v in row.items() if k not in VOLATILE_ROW} for row in summary["tenants"]]
    if data.get("changes"):
        data["changes"] = {**data["changes"], "tenants": [
            {k: (v is not None if k in VOLATILE_CHANGE else v) for k, v in entry.items()}
            for entry in data["changes"]["tenants"]]}
    return data


def test_merging_the_shards_reproduces_the_unsharded_summary_changes_included(two_ways):
    two_ways.night()
    two_ways.fleet.serve(Beta="rooms_untyped", Eps="app_password_expired", Zeta="three_root_causes")
    whole = two_ways.night()
    shard_names = [row["name"] for i in range(1, SHARDS + 1) for row in two_ways.summary(f"shard-{i}")["tenants"]]
    assert sorted(shard_names) == sorted(two_ways.fleet.sandboxes)  # every tenant, exactly once

    code, out, _ = two_ways.merge()
    merged, unsharded = two_ways.summary("merged"), two_ways.summary("whole")
    assert comparable(merged) == comparable(unsharded)
    assert [row["name"] for row in merged["tenants"]] == list(two_ways.fleet.sandboxes)  # the targets file's order
    assert code == whole == 1 and "3 newly broken" in out
    for row in merged["tenants"]:  # the links lead from the merged folder to each shard's reports
        assert (two_ways.folder / "merged" / row["reports"]["html"]).is_file()
    page = (two_ways.folder / "merged" / "fleet-summary.html").read_text(encoding="utf-8")
    assert page.index('id="changes"') < page.index('id="expiring"') and "<script" not in page


def test_a_merge_exits_as_the_unsharded_run_would_with_fail_on_change_too(two_ways):
    assert two_ways.night("--fail-on", "change") == 0
    assert two_ways.merge("--fail-on", "change")[0] == 0
    two_ways.fleet.serve(Gamma="rooms_untyped")
    assert two_ways.night("--fail-on", "change") == 1
    assert two_ways.merge("--fail-on", "change")[0] == 1
    assert two_ways.night("--fail-on", "change") == 0  # the same known problem the next night
    assert two_ways.merge("--fail-on", "change")[0] == 0
    assert two_ways.merge()[0] == 1  # without --fail-on change: Gamma is still not ready


def test_merging_histories_joins_every_shards_runs_once(two_ways):
    two_ways.night()
    two_ways.fleet.serve(Delta="rooms_untyped")
    two_ways.night()
    merged = two_ways.folder / "merged" / "history.sqlite"
    code, _, err = two_ways.merge("--history", str(merged))
    assert code == 1 and f"{SHARDS * 2} runs copied from {SHARDS} shard histories" in err
    db = sqlite3.connect(merged)
    assert db.execute("SELECT COUNT(*) FROM runs").fetchone() == (SHARDS * 2,)
    assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (2 * len(two_ways.fleet.sandboxes),)
    whole = sqlite3.connect(two_ways.folder / "whole" / "history.sqlite")
    query = ("SELECT name, readiness, check_id, status FROM results JOIN checks ON result_id = results.id "
             "ORDER BY name, checked_at, check_id")
    assert [r[:4] for r in db.execute(query)] == [r[:4] for r in whole.execute(query)]
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    assert "0 runs copied" in two_ways.merge("--history", str(merged))[2]  # merging again adds nothing
    assert files_hold(two_ways.folder, PASSWORD) == []


def test_a_merge_writes_metrics_for_the_whole_fleet(two_ways):
    two_ways.night()
    path = two_ways.folder / "fleet.prom"
    assert two_ways.merge("--metrics", str(path))[0] == 0
    families = {f.name: f for f in text_string_to_metric_families(path.read_text(encoding="utf-8"))}
    assert sorted(s.labels["tenant"] for s in families["topdesk_preflight_ready"].samples) == sorted(
        two_ways.fleet.sandboxes)
    assert all("shard" not in s.labels for s in families["topdesk_preflight_fleet_tenants"].samples)


# --- what cannot be merged ---------------------------------------------------------------------------------

def test_a_folder_without_a_summary_exits_2_with_one_line(two_ways, tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = two_ways.merge(dirs=[tmp_path / "empty"])
    assert code == 2 and out == "" and err.count("\n") == 1 and "has no fleet-summary.json" in err


def test_a_file_that_is_not_a_summary_exits_2(two_ways, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "fleet-summary.json").write_text('{"kind": "topdesk-preflight-report"}', encoding="utf-8")
    (tmp_path / "y").mkdir()
    (tmp_path / "y" / "fleet-summary.json").write_text("{not json", encoding="utf-8")
    for folder in ("x", "y"):
        code, _, err = two_ways.merge(dirs=[tmp_path / folder])
        assert code == 2 and err.count("\n") == 1 and "fleet summary" in err


def test_a_missing_shard_is_refused_unless_allowed_and_then_it_is_said(two_ways):
    two_ways.night()
    some = [two_ways.shard_dir(1), two_ways.shard_dir(3)]
    code, _, err = two_ways.merge(dirs=some)
    assert code == 2 and "shard 2/3 is missing" in err and err.count("\n") == 1
    code, _, err = two_ways.merge("--allow-missing", dirs=some)
    assert code == 4 and "merged without shard 2/3" in err  # its tenants were not assessed
    assert two_ways.summary("merged")["merged_from"] == {"parts": 2, "missing_shards": ["2/3"]}


def test_the_same_shard_twice_or_a_whole_run_among_shards_is_refused(two_ways):
    two_ways.night()
    code, _, err = two_ways.merge(dirs=[two_ways.shard_dir(1), two_ways.shard_dir(1), two_ways.shard_dir(2)])
    assert code == 2 and "shard 1/3 is given twice" in err
    code, _, err = two_ways.merge(dirs=[two_ways.shard_dir(1), two_ways.folder / "whole"])
    assert code == 2 and "sharded and unsharded" in err


def test_merging_histories_needs_each_shards_history(two_ways, tmp_path):
    targets = two_ways.fleet.targets(tmp_path)
    for index in (1, 2):
        fleet_cli.main([str(targets), "--output-dir", str(tmp_path / f"s{index}"), "--shard", f"{index}/2",
                        "--quiet"])
    code, _, err = two_ways.merge("--history", str(tmp_path / "m.sqlite"), dirs=[tmp_path / "s1", tmp_path / "s2"])
    assert code == 2 and "written without --history" in err and not (tmp_path / "m.sqlite").exists()
