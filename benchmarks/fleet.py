"""Fleet benchmark: does checking 50 tenants take about as long as the slowest one, not fifty times as long?

Starts N sandboxes (mixed scenarios, each answering with a fixed latency, as a
far-away TOPdesk would), writes a targets file for them, runs the fleet at a few
pool sizes, and prints the wall time beside the slowest single tenant's time
and the sum of all tenants' times (what a one-by-one loop would cost). Not part
of the test suite::

    python benchmarks/fleet.py [--tenants 50] [--latency 0.05] [--concurrency 4,16,50]

``--scale`` is the 500-tenant case (``benchmarks/fleet_scale.py``): the tool run as a
fresh ``fleet`` command against 500 simulators in their own processes at 100 ms per
request, measured for wall time, CPU seconds, peak memory and the history's cost::

    python benchmarks/fleet.py --scale [--tenants 500] [--latency 0.1] [--concurrency 64] [--workers 0,2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from topdesk_preflight.fleet import load_targets, run_fleet
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import Sandbox
from topdesk_preflight.settings import Settings

SCENARIOS = ("healthy", "rooms_untyped", "demo", "app_password_expired", "no_permission_group",
             "rooms_not_reservable", "branch_missing", "three_root_causes")
PASSWORD = "bench-fleet-password-not-secret"


def main(argv: list[str] | None = None) -> int:
    if "--scale" in (sys.argv[1:] if argv is None else argv):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from fleet_scale import main as scale_main

        return scale_main([a for a in (sys.argv[1:] if argv is None else argv) if a != "--scale"])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every sandbox answer")
    parser.add_argument("--concurrency", default="4,16,50", help="fleet pool sizes to try, comma-separated")
    args = parser.parse_args(argv)
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        os.environ.pop(name, None)
    os.environ["BENCH_FLEET_APP_PASSWORD"] = PASSWORD

    started = time.monotonic()
    # The sandboxes live in a child process of their own, as the tenants would on their own servers:
    # the fleet's CPU time is then the tool's alone, not shared with fifty simulated TOPdesks.
    host = subprocess.Popen([sys.executable, __file__, "--serve", str(args.tenants), "--latency",
                             str(args.latency)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert host.stdout is not None
    sandboxes = []
    for line in iter(host.stdout.readline, ""):
        if line.startswith("READY"):
            break
        sandboxes.append(SimpleNamespace(**json.loads(line)))
    print(f"{args.tenants} sandboxes ({len(SCENARIOS)} scenarios, latency {args.latency:g}s per request) "
          f"started in a separate process in {time.monotonic() - started:.1f}s", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="fleet-bench-") as folder:
            targets = Path(folder) / "targets.toml"
            targets.write_text("".join(
                f'[[tenant]]\nname = "T{i:02d} {sb.scenario}"\nurl = "{sb.url}"\nusername = "{sb.login}"\n'
                f'branch = "{sb.branch}"\nemail = "{sb.email}"\nca_bundle = "{sb.ca_file}"\n'
                f'password_env = "BENCH_FLEET_APP_PASSWORD"\napp_password_expires = 2030-01-01\n'
                for i, sb in enumerate(sandboxes)), encoding="utf-8")
            tenants = load_targets(targets)

            alone = {}
            for scenario in SCENARIOS:  # each scenario once, on its own: the baseline
                sb = next(s for s in sandboxes if s.scenario == scenario)
                t0 = time.monotonic()
                run_preflight(Settings(url=sb.url, username=sb.login, password=PASSWORD, branch=sb.branch,
                                       email=sb.email, ca_bundle=sb.ca_file))
                alone[scenario] = time.monotonic() - t0
            slowest_scenario = max(alone, key=alone.__getitem__)
            print(f"slowest tenant alone: {alone[slowest_scenario]:.2f}s ({slowest_scenario}); "
                  f"one-by-one estimate for {args.tenants}: "
                  f"{sum(alone[s.scenario] for s in sandboxes):.1f}s", flush=True)

            print(f"{'pool':>5}  {'wall':>7}  {'slowest tenant in run':>22}  {'median tenant':>13}  "
                  f"{'sum of tenants':>14}  {'wall / slowest alone':>20}")
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                t0 = time.monotonic()
                run = run_fleet(tenants, output_dir=Path(folder) / f"out-{concurrency}", concurrency=concurrency)
                wall = time.monotonic() - t0
                durations = [o.duration_s for o in run.outcomes]
                print(f"{concurrency:>5}  {wall:>6.2f}s  {max(durations):>21.2f}s  "
                      f"{statistics.median(durations):>12.2f}s  {sum(durations):>13.1f}s  "
                      f"{wall / alone[slowest_scenario]:>19.1f}x", flush=True)
                counts = run.readiness_counts
                assert counts["ready"] + counts["not_ready"] + counts["unknown"] == args.tenants
    finally:
        assert host.stdin is not None
        host.stdin.close()
        host.wait(timeout=30)
    return 0


def serve(count: int, latency: float, first: int = 0) -> int:
    """Child process: start ``count`` sandboxes, print one JSON line each, serve until stdin closes."""
    sandboxes = [Sandbox(scenario=SCENARIOS[i % len(SCENARIOS)], password=PASSWORD, latency=latency).start()
                 for i in range(first, first + count)]
    for sb in sandboxes:
        print(json.dumps({"scenario": sb.scenario, "url": sb.url, "login": sb.login, "ca_file": sb.ca_file,
                          "branch": sb.state.branch, "email": sb.state.email}), flush=True)
    print("READY", flush=True)
    sys.stdin.read()
    for sb in sandboxes:
        sb.stop()
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        sys.exit(serve(int(sys.argv[2]), float(sys.argv[4]), int(sys.argv[6]) if len(sys.argv) > 6 else 0))
    sys.exit(main())
