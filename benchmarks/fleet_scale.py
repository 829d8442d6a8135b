"""The fleet at scale: 500 tenants, 100 ms per request, the tool run as a fresh ``fleet`` command.

    python benchmarks/fleet.py --scale [--tenants 500] [--latency 0.1] [--concurrency 64]
                                       [--workers 0,2] [--servers 2] [--json PATH]

Not part of the test suite (timings never are). The simulators run in processes of
their own (``--servers``), as the tenants would on their own servers, so the tool's
CPU time is its own. Each case runs ``python -m topdesk_preflight fleet`` in a child
and measures:

* ``wall``: from start to exit;
* ``cpu``: the tool's user + system CPU seconds (its worker processes included);
* ``floor``: ``cpu`` divided by the cores this machine lets it use: no run can be
  faster than that, however it is parallelised;
* ``rss``: the peak resident memory of the tool's process tree (sampled every 50 ms);
* the target: wall within 1.5x of the larger of the slowest tenant's time (measured
  alone) and the CPU floor; RSS under 300 MB; the history adding under 5 % (measured as
  the CPU seconds the run spent recording and comparing, which the summary reports,
  against the run's CPU: the run is CPU-bound, and run-to-run noise cannot hide or fake it).

On a small machine the simulators share the cores with the tool: their CPU during
each case is printed too, since it competes with the tool for the same cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
PASSWORD = "bench-fleet-password-not-secret"
RSS_LIMIT_MB = 300
TARGET_RATIO = 1.5
HISTORY_BUDGET = 0.05


def start_simulators(count: int, latency: float, servers: int) -> tuple[list[SimpleNamespace], list[Any]]:
    """``count`` sandboxes spread over ``servers`` child processes (benchmarks/fleet.py --serve)."""
    per = -(-count // servers)
    hosts, sandboxes = [], []
    for first in range(0, count, per):
        hosts.append(subprocess.Popen([sys.executable, str(HERE / "fleet.py"), "--serve", str(min(per, count - first)),
                                       "--latency", str(latency), "--first", str(first)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for host in hosts:
        for line in iter(host.stdout.readline, ""):
            if line.startswith("READY"):
                break
            sandboxes.append(SimpleNamespace(**json.loads(line)))
    return sandboxes, hosts


def write_targets(folder: Path, sandboxes: list[SimpleNamespace]) -> Path:
    targets = folder / "targets.toml"
    targets.write_text("[defaults]\ntimeout = 30\n" + "".join(
        f'[[tenant]]\nname = "T{i:03d} {sb.scenario}"\nurl = "{sb.url}"\nusername = "{sb.login}"\n'
        f'branch = "{sb.branch}"\nemail = "{sb.email}"\nca_bundle = "{sb.ca_file}"\n'
        f'password_env = "BENCH_FLEET_APP_PASSWORD"\napp_password_expires = 2030-01-01\n'
        for i, sb in enumerate(sandboxes)), encoding="utf-8")
    return targets


def slowest_alone(sandboxes: list[SimpleNamespace]) -> tuple[float, str]:
    """Each scenario once, on its own (the best any fleet can do is its slowest tenant)."""
    from topdesk_preflight.runner import run_preflight
    from topdesk_preflight.settings import Settings

    alone = {}
    for sb in sandboxes:
        if sb.scenario in alone:
            continue
        times = []
        for _ in range(3):
            t0 = time.monotonic()
            run_preflight(Settings(url=sb.url, username=sb.login, password=PASSWORD, branch=sb.branch,
                                   email=sb.email, ca_bundle=sb.ca_file))
            times.append(time.monotonic() - t0)
        alone[sb.scenario] = statistics.median(times)
    scenario = max(alone, key=alone.__getitem__)
    return alone[scenario], scenario


def _cpu(processes: list[Any]) -> float:
    total = 0.0
    for proc in processes:
        try:
            times = psutil.Process(proc.pid).cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def measure(command: list[str], env: dict[str, str], simulators: list[Any]) -> dict[str, float]:
    """Run one case in a child; wall, CPU of its whole tree, peak RSS of its tree, the simulators' CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sims_before = _cpu(simulators)
    peak = 0
    t0 = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.monotonic() - t0
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1, 4):
        raise SystemExit(f"the fleet run failed ({proc.returncode}): {err[-2000:]}")
    return {"wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "rss_mb": peak / 2**20, "simulators_cpu_s": _cpu(simulators) - sims_before, "exit": proc.returncode}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=64, help="the fleet's --concurrency")
    parser.add_argument("--workers", default="0", help="--workers values to try, comma-separated (0: threads only)")
    parser.add_argument("--servers", type=int, default=2, help="simulator processes")
    parser.add_argument("--runs", type=int, default=2, help="runs per case (the median is shown)")
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args(argv)
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        os.environ.pop(name, None)
    os.environ["BENCH_FLEET_APP_PASSWORD"] = PASSWORD
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

    t0 = time.monotonic()
    sandboxes, hosts = start_simulators(args.tenants, args.latency, args.servers)
    print(f"{len(sandboxes)} simulators in {len(hosts)} processes, {args.latency:g}s per request, started in "
          f"{time.monotonic() - t0:.1f}s; the tool may use {cores} core{'s' if cores != 1 else ''}", flush=True)
    results: dict[str, Any] = {"tenants": len(sandboxes), "latency_s": args.latency, "cores": cores,
                               "concurrency": args.concurrency, "cases": {}}
    try:
        with tempfile.TemporaryDirectory(prefix="fleet-scale-") as folder_name:
            folder = Path(folder_name)
            targets = write_targets(folder, sandboxes)
            slowest, scenario = slowest_alone(sandboxes)
            results["slowest_alone_s"] = slowest
            print(f"slowest tenant alone: {slowest:.2f}s ({scenario})", flush=True)
            cases: list[tuple[str, list[str]]] = []
            for workers in (int(w) for w in args.workers.split(",")):
                extra = ["--workers", str(workers)] if workers else []
                label = f"{workers} processes" if workers else "threads"
                cases.append((label, extra))
                cases.append((f"{label} + history", [*extra, "--history", str(folder / f"h-{workers}.sqlite")]))
            print(f"{'case':<24} {'wall':>7} {'cpu':>7} {'floor':>7} {'wall/floor':>10} {'target':>7} "
                  f"{'rss':>7} {'sims cpu':>8} {'floor on cores left':>9} {'load':>5}")
            for label, extra in cases:
                runs = []
                for n in range(args.runs + (1 if "history" in label else 0)):
                    command = [sys.executable, "-m", "topdesk_preflight", "fleet", str(targets), "--output-dir",
                               str(folder / "out"), "--concurrency", str(args.concurrency), "--quiet", *extra]
                    figures = measure(command, dict(os.environ), hosts)
                    summary = json.loads((folder / "out" / "fleet-summary.json").read_text(encoding="utf-8"))
                    figures["history_s"] = (summary.get("history") or {}).get("cpu_s", 0.0)
                    if "history" in label and n == 0:
                        continue  # the first run creates the history; a nightly run has one to compare with
                    runs.append(figures)
                case = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                case["load_average"] = os.getloadavg()[0]  # other work on this machine skews every figure
                floor = case["cpu_s"] / cores
                case["floor_s"] = floor
                # the simulators share this machine's cores: what was left for the tool, on average
                case["cores_left"] = max(0.5, cores - case["simulators_cpu_s"] / case["wall_s"])
                case["target_s"] = TARGET_RATIO * max(slowest, floor)
                results["cases"][label] = case
                print(f"{label:<24} {case['wall_s']:>6.1f}s {case['cpu_s']:>6.1f}s {floor:>6.1f}s "
                      f"{case['wall_s'] / floor:>9.2f}x {case['target_s']:>6.1f}s {case['rss_mb']:>5.0f}MB "
                      f"{case['simulators_cpu_s']:>7.1f}s {case['cpu_s'] / case['cores_left']:>18.1f}s "
                      f"{case['load_average']:>5.1f}", flush=True)
            for label, case in results["cases"].items():
                if label.endswith(" + history"):
                    base = results["cases"][label[:-len(" + history")]]
                    case["history_wall_change"] = case["wall_s"] / base["wall_s"] - 1
                    case["history_share"] = case["history_s"] / case["cpu_s"]
                    print(f"history on {label[:-len(' + history')]}: {case['history_s']:.2f} CPU s recording and "
                          f"comparing = {case['history_share']:.1%} of the run's CPU (budget {HISTORY_BUDGET:.0%}); "
                          f"wall {case['history_wall_change']:+.1%} against the run without (run-to-run noise "
                          "included)")
            for label, case in results["cases"].items():
                verdict = ("meets" if case["wall_s"] <= case["target_s"] and case["rss_mb"] < RSS_LIMIT_MB
                           else "misses")
                print(f"{label}: {verdict} the target (wall {case['wall_s']:.1f}s <= {case['target_s']:.1f}s, "
                      f"rss {case['rss_mb']:.0f}MB < {RSS_LIMIT_MB}MB)")
    finally:
        for host in hosts:
            host.stdin.close()
        for host in hosts:
            host.wait(timeout=60)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
