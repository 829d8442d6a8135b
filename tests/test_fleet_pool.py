"""``fleet --workers N``: tenants checked in worker processes give the same verdicts, and no secret crosses a pipe."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import Iterator

import pytest
from fleet_fixtures import PASSWORD, Fleet, files_hold, fleet_environment

from topdesk_preflight import fleet_cli
from topdesk_preflight.fleet import load_targets, run_fleet
from topdesk_preflight.fleet_pool import portable, run_fleet_processes


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet_environment(monkeypatch)


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    with Fleet(["Acme", "Beta", "Gamma", "Delta", "Eps"],
               scenarios={"Beta": "rooms_untyped", "Delta": "app_password_expired"}) as started:
        yield started


def _verdicts(summary: dict) -> list[tuple]:  # type: ignore[type-arg]
    return [(r["name"], r["readiness"], r["counts"], [c["id"] for c in r["root_causes"]]) for r in summary["tenants"]]


def test_worker_processes_give_the_verdicts_threads_give_in_the_targets_files_order(fleet, tmp_path, capsys):
    targets = fleet.targets(tmp_path)
    summaries = {}
    for workers in ("0", "2"):
        out_dir = tmp_path / f"w{workers}"
        code = fleet_cli.main([str(targets), "--output-dir", str(out_dir), "--workers", workers, "--history",
                               str(out_dir / "history.sqlite")])
        out, err = capsys.readouterr()
        assert code == 1 and err == "" and out.count("NOT READY ") == 2  # a progress line per tenant, as it ends
        summaries[workers] = json.loads((out_dir / "fleet-summary.json").read_text(encoding="utf-8"))
        for row in summaries[workers]["tenants"]:
            assert (out_dir / row["reports"]["json"]).is_file()  # the worker wrote the tenant's own reports
    assert _verdicts(summaries["2"]) == _verdicts(summaries["0"])
    assert [r["name"] for r in summaries["2"]["tenants"]] == list(fleet.sandboxes)
    assert files_hold(tmp_path, PASSWORD) == []


def test_what_a_worker_sends_back_holds_no_password_and_no_settings(fleet, tmp_path):
    [outcome] = run_fleet(load_targets(fleet.targets(tmp_path, ["Beta"])), concurrency=1).outcomes
    with pytest.raises(TypeError, match="cannot be pickled"):  # as it is in the worker: its Settings hold the password
        pickle.dumps(outcome)
    sent = pickle.dumps(portable(outcome))
    assert PASSWORD.encode() not in sent
    back = pickle.loads(sent)
    assert back.tenant.settings is None and back.report.readiness == "not_ready"
    assert [c for c, _ in back.root_causes] == ["rooms.typed"] and back.requests == outcome.requests


def test_a_tenant_that_cannot_be_checked_needs_no_worker_and_every_outcome_arrives_once(fleet, tmp_path):
    path = fleet.targets(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + '[[tenant]]\nname = "Unset"\nurl = "https://127.0.0.1:9"\nusername = "u"\n'
                           'branch = "B"\npassword_env = "UNSET_FOR_POOL_APP_PASSWORD"\n', encoding="utf-8")
    seen: list[str] = []
    run = run_fleet_processes(load_targets(path), targets=path, workers=2, concurrency=4,
                              on_done=lambda o: seen.append(o.tenant.name))
    assert sorted(seen) == sorted([*fleet.sandboxes, "Unset"])
    assert [o.tenant.name for o in run.outcomes] == [*fleet.sandboxes, "Unset"]
    assert run.outcomes[-1].readiness == "unknown" and "UNSET_FOR_POOL_APP_PASSWORD" in run.outcomes[-1].error
    assert all(o.checked_at is not None and o.checked_at <= datetime.now(UTC) for o in run.outcomes)


@pytest.mark.parametrize("value", ["-1", "x", "65", ""])
def test_a_wrong_number_of_workers_exits_2_with_one_line(fleet, tmp_path, capsys, value):
    code = fleet_cli.main([str(fleet.targets(tmp_path)), "--output-dir", str(tmp_path), "--workers", value])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "--workers must be" in err


def test_auto_means_one_worker_per_core(fleet, tmp_path, capsys):
    assert fleet_cli.main([str(fleet.targets(tmp_path, ["Acme"])), "--output-dir", str(tmp_path / "o"),
                           "--workers", "auto", "--quiet"]) == 0
    capsys.readouterr()
    assert Path(tmp_path / "o" / "fleet-summary.json").is_file()
