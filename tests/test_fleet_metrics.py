"""``fleet --metrics PATH.prom``: a file node_exporter's textfile collector reads, parsed here by prometheus_client.

The file is read with the official parser (never a regex), from a real fleet run
over HTTPS and from hand-made summaries with hostile tenant names.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from datetime import date, timedelta
from typing import Iterator

import pytest
from fleet_fixtures import PASSWORD, Fleet, files_hold, fleet_environment
from prometheus_client.parser import text_string_to_metric_families

from topdesk_preflight import fleet_cli
from topdesk_preflight.fleet_metrics import render_metrics, write_metrics

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet_environment(monkeypatch)


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    soon = (date.today() + timedelta(days=9)).isoformat()
    with Fleet(["Acme", "Beta"], scenarios={"Beta": "rooms_untyped"}) as started:
        started.extra["Acme"] = f"app_password_expires = {soon}\n"
        yield started


def parse(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """{family: {sorted labels: value}}, as Prometheus would ingest it (the parser raises on any format error)."""
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge" and family.documentation, family.name
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_a_fleet_run_writes_a_metrics_file_prometheus_parses_with_a_series_per_tenant(fleet, tmp_path, capsys):
    path = tmp_path / "textfile" / "topdesk.prom"
    started = time.time()
    code = fleet_cli.main([str(fleet.targets(tmp_path)), "--output-dir", str(tmp_path / "out"), "--metrics",
                           str(path), "--history", str(tmp_path / "h.sqlite"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 1 and str(path) in out
    metrics = parse(path.read_text(encoding="utf-8"))

    def value(name: str, **labels: str) -> float:
        return metrics[f"topdesk_preflight_{name}"][tuple(sorted(labels.items()))]

    assert value("ready", tenant="Acme") == 1 and value("ready", tenant="Beta") == 0
    assert value("readiness", tenant="Beta", readiness="not_ready") == 1
    assert value("readiness", tenant="Beta", readiness="ready") == 0
    assert value("checks", tenant="Beta", status="fail") == 1
    [acme] = [row for row in json.loads((tmp_path / "out" / "fleet-summary.json").read_text(encoding="utf-8"))[
        "tenants"] if row["name"] == "Acme"]
    assert {s: value("checks", tenant="Acme", status=s) for s in acme["counts"]} == acme["counts"]
    assert value("app_password_expiry_days", tenant="Acme") == 9
    assert ("tenant", "Beta") not in {k[0] for k in metrics["topdesk_preflight_app_password_expiry_days"]}
    assert 0 < value("duration_seconds", tenant="Acme") < 60 and value("requests", tenant="Acme") > 5
    assert started - 5 < value("last_run_timestamp_seconds", tenant="Acme") <= time.time()
    assert value("fleet_tenants", readiness="ready") == 1 and value("fleet_changes", change="new") == 1
    info = metrics["topdesk_preflight_tenant_info"]
    assert all(dict(labels)["url"].startswith("https://127.0.0.1:") and dict(labels)["topdesk_version"]
               for labels in info)
    # TOPdesk's own version and its REST API's apart, as every other output says them ("TOPdesk 16.6.7
    # (REST API 3.7.4)"); topdesk_version stays, deprecated, for the dashboards that read it.
    for labels in map(dict, info):
        assert labels["product_version"] and labels["api_version"] == labels["topdesk_version"]
        assert labels["product_version"] != labels["api_version"]
    [acme_info] = [dict(labels) for labels in info if dict(labels)["tenant"] == "Acme"]
    assert (acme_info["product_version"], acme_info["api_version"]) == (acme["product_version"], acme["api_version"])

    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # the exporter runs as its own user
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o755 & ~umask  # ... and must enter the folder made for it
    assert [p.name for p in path.parent.iterdir()] == ["topdesk.prom"]  # no temporary file left behind
    assert files_hold(tmp_path, PASSWORD) == []


def test_names_and_labels_follow_the_prometheus_conventions(fleet, tmp_path, capsys):
    path = tmp_path / "fleet.prom"
    fleet_cli.main([str(fleet.targets(tmp_path)), "--output-dir", str(tmp_path / "out"), "--metrics", str(path),
                    "--quiet"])
    capsys.readouterr()
    for family in text_string_to_metric_families(path.read_text(encoding="utf-8")):
        assert NAME.fullmatch(family.name) and family.name.startswith("topdesk_preflight_")
        assert not family.name.endswith("_total")  # gauges: a value as of the last run, not a counter
        assert "_ms" not in family.name and "_minutes" not in family.name  # seconds are the base unit
        for sample in family.samples:
            assert all(LABEL.fullmatch(label) and not label.startswith("__") for label in sample.labels)


def _summary(*names: str, shard: dict | None = None) -> dict:  # type: ignore[type-arg]
    rows = [{"name": name, "url": "https://a.example", "readiness": "ready", "password_days_left": None,
             "app_password_expires": None, "duration_s": 1.5, "requests": 3, "checked_at": None,
             "topdesk_version": None, "counts": {"pass": 3}} for name in names]
    return {"tenants": rows, "counts": {"ready": len(rows), "not_ready": 0, "unknown": 0}, "duration_s": 2.0,
            "generated_at": "2025-03-04T05:06:07Z", "shard": shard, "changes": None}


def test_hostile_tenant_names_are_escaped_and_read_back_as_one_line():
    names = ['Acme "EU"', "Back\\slash", "Two\nlines", "Bell\x07\x1b[31m"]
    families = {f.name: f for f in text_string_to_metric_families(render_metrics(_summary(*names)))}
    assert [s.labels["tenant"] for s in families["topdesk_preflight_ready"].samples] == [
        'Acme "EU"', "Back\\slash", "Two lines", "Bell"]


def test_a_shard_labels_its_fleet_series_so_shards_can_share_one_collector_folder():
    one = parse(render_metrics(_summary("A", shard={"index": 1, "count": 2, "tenants_total": 2})))
    two = parse(render_metrics(_summary("B", shard={"index": 2, "count": 2, "tenants_total": 2})))
    for name in ("topdesk_preflight_fleet_tenants", "topdesk_preflight_fleet_duration_seconds"):
        assert not set(one[name]) & set(two[name])  # no series defined by two files
    assert not set(one["topdesk_preflight_ready"]) & set(two["topdesk_preflight_ready"])


def test_the_file_is_replaced_whole_so_a_collector_never_reads_half_of_it(tmp_path):
    path = tmp_path / "fleet.prom"
    path.write_text("# an older run\n", encoding="utf-8")
    inode = path.stat().st_ino
    write_metrics(_summary("A"), path)
    assert path.stat().st_ino != inode and path.read_text(encoding="utf-8").endswith("\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.prom"]


@pytest.mark.parametrize("target, said", [("folder", "is a directory"), ("file/x.prom", "cannot write in")])
def test_a_metrics_path_that_cannot_be_written_exits_2_before_checking_anything(fleet, tmp_path, capsys, target, said):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("", encoding="utf-8")
    before = sum(len(sb.requests) for sb in fleet.sandboxes.values())
    code = fleet_cli.main([str(fleet.targets(tmp_path)), "--output-dir", str(tmp_path / "out"), "--metrics",
                           os.fspath(tmp_path / target)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and said in err
    assert sum(len(sb.requests) for sb in fleet.sandboxes.values()) == before
