"""The deadline is a wall clock: a server that trickles its answer cannot keep the process alive.

A hostile (or broken) server sends its status line and headers one byte every 0.2 s: each byte
arrives within the read time-out, so no per-read time-out ever fires. The run must still write
its report at ``--deadline`` and the process must exit within the deadline plus a small grace,
in a single run and in fleet mode, for every endpoint a check reads through ``Context.gather``.
"""

from __future__ import annotations

import json
import os
import signal
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


# --- Ctrl-C ends a run at once, whatever it waits for ---------------------------------------------

def _interrupt_after(args: list[str], tmp_path: Path, wait_s: float = 2.0) -> tuple[int | None, float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOPDESK_", "HTTP", "http"))}
    env.update(TOPDESK_APP_PASSWORD=PASSWORD, TOPDESK_RETRIES="0", NO_COLOR="1", ACME_APP_PASSWORD=PASSWORD)
    proc = subprocess.Popen([sys.executable, "-m", "topdesk_preflight", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, stdin=subprocess.DEVNULL, cwd=tmp_path)
    time.sleep(wait_s)  # the run is now blocked on the trickling answer
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        said, _ = proc.communicate(timeout=GRACE_S + 8)
    except subprocess.TimeoutExpired:
        proc.kill()
        said, _ = proc.communicate()
        return None, time.monotonic() - sent, said
    return proc.returncode, time.monotonic() - sent, said


@pytest.mark.parametrize("path", ["/tas/api/version", "/tas/api/operators"])
def test_ctrl_c_ends_a_blocked_run_at_once_with_130_and_no_file(trickling: Sandbox, tmp_path: Path, path: str,
                                                                 tally: Any) -> None:
    trickling.clear_faults()
    trickling.inject(path, Fault.trickle_headers(60.0))
    out = tmp_path / "reports"
    args = ["--url", trickling.url, "--username", trickling.login, "--branch", trickling.state.branch,
            "--ca-bundle", str(trickling.ca_file), "--timeout", "30", "--deadline", "50", "--output-dir", str(out)]
    code, took, said = _interrupt_after(args, tmp_path)
    trickling.clear_faults()
    tally["deadline cases"] += 1
    assert code == 130, f"exit {code} after {took:.1f} s: {said}"
    assert took < GRACE_S, f"Ctrl-C took {took:.1f} s"
    assert said.rstrip().endswith("Interrupted.") and "Traceback" not in said
    assert not out.exists() or list(out.rglob("*")) == []  # no report, whole or partial


def test_ctrl_c_ends_a_fleet_whose_tenant_is_blocked_at_once(trickling: Sandbox, tmp_path: Path, tally: Any) -> None:
    trickling.clear_faults()
    trickling.inject("/tas/api/operators", Fault.trickle_headers(60.0))
    targets = tmp_path / "targets.toml"
    tenant = (f'url = "{trickling.url}"\nusername = "{trickling.login}"\nbranch = "{trickling.state.branch}"\n'
              f'ca_bundle = "{trickling.ca_file}"\npassword_env = "ACME_APP_PASSWORD"\ndeadline = 50\ntimeout = 30\n')
    targets.write_text("".join(f'[[tenant]]\nname = "Blocked {n}"\n{tenant}' for n in (1, 2)), encoding="utf-8")
    out = tmp_path / "fleet"
    code, took, said = _interrupt_after(["fleet", str(targets), "--concurrency", "2", "--output-dir", str(out)],
                                        tmp_path)
    trickling.clear_faults()
    tally["deadline cases"] += 1
    assert code == 130, f"exit {code} after {took:.1f} s: {said}"
    assert took < GRACE_S, f"Ctrl-C took {took:.1f} s"
    assert "Interrupted." in said and "Traceback" not in said
    assert [p for p in out.rglob("*") if p.is_file()] == [] if out.exists() else True
