"""``fleet --shard I/N``: a stable split of the fleet, every tenant in exactly one shard, bad splits refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from fleet_fixtures import Fleet, fleet_environment

from topdesk_preflight import fleet_cli
from topdesk_preflight.fleet_shard import Shard, parse_shard, shard_of
from topdesk_preflight.settings import SettingsError

NAMES = [f"Customer {i:03d}" for i in range(300)] + ["Acme", "Beta", "Åkesson AB", "株式会社"]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 16])
def test_every_tenant_is_in_exactly_one_of_n_shards(count):
    shards = [Shard(i, count).select(NAMES, str) for i in range(1, count + 1)]
    assert sorted(name for shard in shards for name in shard) == sorted(NAMES)
    assert sum(len(shard) for shard in shards) == len(NAMES)
    if count > 1:  # a fair split: no shard gets most of the fleet
        assert max(map(len, shards)) < 2 * len(NAMES) / count


def test_a_shard_keeps_the_targets_file_order():
    picked = Shard(2, 3).select(NAMES, str)
    assert picked == [name for name in NAMES if name in picked]


def test_the_split_is_the_same_on_every_machine_and_every_night():
    """SHA-256 of the name, not Python's salted hash(): pinned values, and the same under another hash seed."""
    assert [shard_of(name, 4) for name in ("Acme", "Beta", "Gamma", "Delta", "Eps", "Zeta")] == [4, 4, 4, 1, 3, 1]
    code = "from topdesk_preflight.fleet_shard import shard_of; print([shard_of(f'T{i}', 5) for i in range(40)])"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("0", "1", "12345")}
    assert len(runs) == 1 and runs.pop().strip() == str([shard_of(f"T{i}", 5) for i in range(40)])


def test_adding_a_tenant_moves_no_other_tenant():
    before = {name: shard_of(name, 5) for name in NAMES}
    assert {name: shard_of(name, 5) for name in [*NAMES, "New customer"] if name in before} == before


@pytest.mark.parametrize("text, said", [
    ("3/2", "the shard must be from 1 to 2"), ("0/3", "the shard must be from 1 to 3"),
    ("0/0", "the number of shards must be from 1"), ("1/0", "the number of shards must be from 1"),
    ("2/1001", "the number of shards must be from 1 to 1000"), ("2", "--shard must be I/N"),
    ("a/b", "--shard must be I/N"), ("", "--shard must be I/N"), ("-1/2", "--shard must be I/N"),
])
def test_a_wrong_shard_is_one_clear_error(text, said):
    with pytest.raises(SettingsError) as caught:
        parse_shard(text)
    assert said in str(caught.value) and "\n" not in str(caught.value)


def test_a_shard_reads_as_typed():
    assert parse_shard(" 2 / 4 ") == Shard(2, 4) and str(Shard(2, 4)) == "2/4"


# --- the command line --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    with Fleet(["Acme", "Beta", "Gamma", "Delta", "Eps"]) as started:
        yield started


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet_environment(monkeypatch)


def _shard_run(fleet: Fleet, folder: Path, shard: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = fleet_cli.main([str(fleet.targets(folder)), "--output-dir", str(folder / shard.replace("/", "-")),
                           "--shard", shard])
    out, err = capsys.readouterr()
    return code, out, err


def test_n_shard_jobs_check_every_tenant_once_and_say_which_part_they_are(fleet, tmp_path, capsys):
    import json

    checked: list[str] = []
    for i in (1, 2, 3):
        code, out, _ = _shard_run(fleet, tmp_path, f"{i}/3", capsys)
        summary = json.loads((tmp_path / f"{i}-3" / "fleet-summary.json").read_text(encoding="utf-8"))
        assert summary["shard"] == {"index": i, "count": 3, "tenants_total": 5}
        assert f"(shard {i}/3 of 5)" in out and code == 0
        checked += [row["name"] for row in summary["tenants"]]
    assert sorted(checked) == sorted(fleet.sandboxes)


@pytest.mark.parametrize("shard", ["3/2", "0/0", "x"])
def test_a_wrong_shard_exits_2_with_one_line_before_checking_anything(fleet, tmp_path, capsys, shard):
    before = sum(len(sb.requests) for sb in fleet.sandboxes.values())
    code, out, err = _shard_run(fleet, tmp_path, shard, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--shard" in err and "Traceback" not in err
    assert sum(len(sb.requests) for sb in fleet.sandboxes.values()) == before
