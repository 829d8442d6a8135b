"""The deadline is a wall clock: a server that trickles its answer cannot keep the process alive.

A hostile (or broken) server sends its status line and headers one byte every 0.2 s: each byte
arrives within the read time-out, so no per-read time-out ever fires. The run must still write
its report at ``--deadline`` and the process must exit within the deadline plus a small grace,
in a single run and in fleet mode, for every endpoint a check reads through ``Context.gather``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from topdesk_preflight.sandbox import Fault, Sandbox

DEADLINE_S = 3.0
GRACE_S = 2.0
#: Endpoints read inside Context.gather (operator.email_unique, permissions.*): their threads are the
#: ones a process used to wait for at exit.
GATHERED = ["/tas/api/operators", "/tas/api/persons", "/tas/api/locations", "/tas/api/reservations"]
PASSWORD = "Dl7-deadline-Secret"


@pytest.fixture(scope="module")
def trickling() -> Iterator[Sandbox]:
    with Sandbox(scenario="healthy", password=PASSWORD, tls=True) as sb:
        yield sb


def _run(args: list[str], tmp_path: Path) -> tuple[int, float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOPDESK_", "HTTP", "http"))}
    env.update(TOPDESK_APP_PASSWORD=PASSWORD, TOPDESK_RETRIES="0", NO_COLOR="1", ACME_APP_PASSWORD=PASSWORD)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "topdesk_preflight", *args], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=DEADLINE_S + 30, cwd=tmp_path)
    return proc.returncode, time.monotonic() - started, proc.stderr + proc.stdout


def _single_args(sb: Sandbox, out: Path) -> list[str]:
    return ["--url", sb.url, "--username", sb.login, "--branch", sb.state.branch, "--ca-bundle", str(sb.ca_file),
            "--timeout", "2", "--deadline", str(DEADLINE_S), "--output-dir", str(out)]


@pytest.mark.parametrize("path", GATHERED)
def test_a_trickling_endpoint_ends_the_process_at_the_deadline_with_the_report_written(
        trickling: Sandbox, tmp_path: Path, path: str, tally: Any) -> None:
    trickling.clear_faults()
    trickling.inject(path, Fault.trickle_headers(60.0))
    out = tmp_path / "reports"
    code, elapsed, said = _run(_single_args(trickling, out), tmp_path)
    trickling.clear_faults()
    tally["deadline cases"] += 1
    assert elapsed < DEADLINE_S + GRACE_S + 1.5, f"the process lived {elapsed:.1f} s"  # + interpreter start
    assert code in (1, 4), said
    assert "Traceback" not in said
    [report] = out.glob("*.json")
    data = json.loads(report.read_text(encoding="utf-8"))
    assert any(c["status"] == "error" and "deadline" in c["summary"] for c in data["checks"]), path


def test_a_trickling_tenant_does_not_keep_a_fleet_alive(trickling: Sandbox, tmp_path: Path, tally: Any) -> None:
    trickling.clear_faults()
    trickling.inject("/tas/api/operators", Fault.trickle_headers(60.0))
    targets = tmp_path / "targets.toml"
    targets.write_text(
        f'[[tenant]]\nname = "Trickle"\nurl = "{trickling.url}"\nusername = "{trickling.login}"\n'
        f'branch = "{trickling.state.branch}"\nca_bundle = "{trickling.ca_file}"\npassword_env = "ACME_APP_PASSWORD"\n'
        f'deadline = {DEADLINE_S}\ntimeout = 2\n', encoding="utf-8")
    code, elapsed, said = _run(["fleet", str(targets), "--output-dir", str(tmp_path / "fleet")], tmp_path)
    trickling.clear_faults()
    tally["deadline cases"] += 1
    assert elapsed < DEADLINE_S + GRACE_S + 1.5, f"the fleet lived {elapsed:.1f} s"
    assert code in (1, 4) and "Traceback" not in said, said
    assert (tmp_path / "fleet" / "fleet-summary.json").exists()
