"""The performance harness: how long a verdict takes, and what it costs, as the tenant grows.

    python benchmarks/run.py [--json PATH] [--runs N]

One file on purpose (just over 400 lines): it is run as a script from a clone (``python benchmarks/run.py``),
next to no package of its own, and its cases, measurements and table read best together.

Not part of the test suite (timings never are). It drives the public API,
``run_preflight(sb.settings(...))``, against the TOPdesk simulator with an injected
per-request latency, and prints one table. All cases run in the same invocation, so
their ratios hold even on a noisy machine:

1. ``healthy``     100 ms per request, default concurrency (speculative prefetch on)
2. ``sequential``  the same with ``concurrency=1``: one request after another, as a
                   TOPdeskPy-style script would do it (the baseline)
3. ``large``       100,000 locations, 20,000 operators, 50,000 persons, 100 ms
4. ``overhead``    ``healthy`` at 0 ms: the tool's own cost (the run, plus rendering both
                   reports, plus importing the package in a fresh interpreter)
5. ``flaky``       100 ms, and the first call of every endpoint answers 503 or 429 with
                   ``Retry-After: 1`` (alternately)

Columns, per case:

* ``wall``: the median of ``--runs`` runs (after one warm-up run that is not counted);
* ``requests`` and ``bytes``: as the simulator logged them (response bodies);
* ``rss``: the peak resident memory of a *fresh* interpreter that runs the case once and
  renders both reports, so each case's number is its own (the simulator lives in another
  process, so its 100,000 locations are not counted against the tool);
* ``path``: the critical path in round trips. Each logged request is an interval on the
  simulator's clock (from when it started handling the request to when it answered). The
  critical path is the longest chain of requests in which each one started only after the
  previous one had answered: the most round trips that really happened one after another.
  Greedily taking the request that answers first, then the first that starts after it, and
  so on, finds the longest such chain (interval scheduling). At 0 ms the requests are too
  short to overlap, so the number means nothing there and is not shown.

The simulator runs in a child process: its own CPU (FIQL over 100,000 records) then does
not hold the tool's interpreter lock, as it would not on a real TOPdesk. Its time per
request beyond the injected latency is shown as ``server ms`` (on the critical path it
adds to the wall time exactly as a slow TOPdesk would).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")
LATENCY_S = 0.1
CLI_RUNS = 5


# ------------------------------------------------------------------------------------- the simulator

def _serve(conn: Any, scenario: str, latency: float) -> None:
    """Child process: serve a scenario, answer the parent's commands about its request log."""
    from topdesk_preflight.sandbox import Sandbox

    stamps: list[tuple[float, float, Any]] = []

    class TimedSandbox(Sandbox):
        """Stamps each log entry with the time it was recorded (the answer's start) on this clock."""

        def record(self, entry: Any) -> None:
            end = time.perf_counter()
            stamps.append((end - entry.duration_s, end, entry))
            super().record(entry)

        def clear_requests(self) -> None:
            stamps.clear()
            super().clear_requests()

    with TimedSandbox(scenario=scenario, latency=latency) as sb:
        values = dict(url=sb.url, username=sb.login, password=sb.password, branch=sb.state.branch,
                      email=sb.state.email, ca_bundle=sb.ca_file)
        if sb.state.rooms:
            values["rooms"] = tuple(sb.state.rooms)
        conn.send(values)
        while True:
            command, *args = conn.recv()
            if command == "stop":
                conn.send(None)
                return
            if command == "clear":
                sb.clear_requests()
                sb.clear_faults()
                conn.send(None)
            elif command == "latency":
                sb.latency = args[0]
                conn.send(None)
            elif command == "inject":
                sb.inject(*args)
                conn.send(None)
            elif command == "log":
                conn.send([{"path": e.path, "query": e.query, "method": e.method, "status": e.status,
                            "bytes": e.bytes_sent, "start": start, "end": end, "server_s": e.duration_s}
                           for start, end, e in sorted(stamps, key=lambda s: s[0])])


class SandboxProcess:
    """A :class:`~topdesk_preflight.sandbox.Sandbox` in a child process, with the same ``settings()``."""

    def __init__(self, scenario: str, latency: float) -> None:
        self.scenario, self._latency = scenario, latency
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, scenario, latency), daemon=True)

    def __enter__(self) -> "SandboxProcess":
        self._process.start()
        self.values: dict[str, Any] = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._call("stop")
        self._process.join(timeout=10)

    def _call(self, *command: Any) -> Any:
        self._conn.send(command)
        return self._conn.recv()

    def settings(self, **overrides: Any) -> Any:
        """Settings for this sandbox as a user would type them into HCP's wizard (as Sandbox.settings)."""
        from topdesk_preflight.settings import Settings

        return Settings(**{**self.values, **overrides})

    @property
    def latency(self) -> float:
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._latency = seconds
        self._call("latency", seconds)

    def clear(self) -> None:
        """Forget the request log and every fault."""
        self._call("clear")

    def inject(self, pattern: str, fault: Any) -> None:
        self._call("inject", pattern, fault)

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self._call("log")


# ----------------------------------------------------------------------------------------- measures

def critical_path(log: list[dict[str, Any]]) -> int:
    """The longest chain of logged requests that ran strictly one after another (see the module doc)."""
    chain, free_from = 0, float("-inf")
    for entry in sorted(log, key=lambda e: e["end"]):
        if entry["start"] >= free_from:
            chain += 1
            free_from = entry["end"]
    return chain


def measure_runs(sb: SandboxProcess, runs: int, arm: Any = None, **overrides: Any) -> dict[str, Any]:
    """Run the catalogue ``runs`` times (after a warm-up) and keep the medians and the last log."""
    from topdesk_preflight import run_preflight

    walls, counts, sizes, paths, server, rooms = [], [], [], [], [], []
    report = None
    for attempt in range(runs + 1):
        sb.clear()
        if arm is not None:
            arm(sb)
        started = time.perf_counter()
        report = run_preflight(sb.settings(**overrides))
        wall = time.perf_counter() - started
        log = sb.requests
        if attempt == 0:
            continue  # warm-up: first TLS contexts, first imports of the check modules
        walls.append(wall)
        counts.append(len(log))
        sizes.append(sum(e["bytes"] for e in log))
        rooms.append(sum(e["bytes"] for e in log if e["path"] == "/tas/api/locations" and "branch.id" in e["query"]))
        paths.append(critical_path(log))
        server.append(sum(max(0.0, e["server_s"] - sb.latency) for e in log))
    assert report is not None
    return {
        "wall_s": statistics.median(walls), "walls_s": [round(w, 4) for w in walls],
        "requests": statistics.median(counts), "bytes": statistics.median(sizes),
        "branch_rooms_bytes": statistics.median(rooms),
        "critical_path": statistics.median(paths), "server_s": statistics.median(server),
        "statuses": {s: sum(1 for r in report.results if r.status.value == s)
                     for s in ("pass", "warn", "fail", "error", "skipped")},
        "endpoints": _by_endpoint(log),
        "report": report,
    }


def _by_endpoint(log: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for entry in log:
        row = table.setdefault(entry["path"], {"requests": 0, "bytes": 0})
        row["requests"] += 1
        row["bytes"] += entry["bytes"]
    return dict(sorted(table.items()))


def rss_in_fresh_process(sb: SandboxProcess, arm: Any = None, **overrides: Any) -> float:
    """Peak RSS (MB) of a new interpreter that runs the case once and renders both reports."""
    sb.clear()
    if arm is not None:
        arm(sb)
    settings = {**sb.values, **overrides}
    if "rooms" in settings:
        settings["rooms"] = list(settings["rooms"])
    done = subprocess.run([sys.executable, __file__, "--probe"], input=json.dumps(settings), text=True,
                          capture_output=True, check=True, timeout=300)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["rss_mb"])


def probe() -> None:
    """``--probe``: the fresh-interpreter side of :func:`rss_in_fresh_process` (settings on stdin)."""
    from topdesk_preflight import run_preflight
    from topdesk_preflight.reports import render_html, render_json
    from topdesk_preflight.settings import Settings

    values = json.loads(sys.stdin.read())
    if "rooms" in values:
        values["rooms"] = tuple(values["rooms"])
    report = run_preflight(Settings(**values))
    json_text = render_json(report)
    render_html(report, json_text=json_text)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"rss_mb": round(peak_kb / 1024, 1)}))


def fresh_seconds(args: list[str], runs: int = CLI_RUNS) -> float:
    """Median wall time of a new interpreter running ``args``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, check=True, timeout=60)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


IMPORT_SNIPPET = ("import time; t = time.perf_counter(); "
                  "import topdesk_preflight.runner, topdesk_preflight.client.client, topdesk_preflight.registry; "
                  "topdesk_preflight.registry.load_catalogue(); "
                  "import topdesk_preflight.reports.json_report, topdesk_preflight.reports.html_report; "
                  "print(time.perf_counter() - t)")


def import_seconds(runs: int = CLI_RUNS) -> float:
    """Median time to import what a run needs (engine, client, catalogue, renderers) in a new interpreter."""
    times = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", IMPORT_SNIPPET], capture_output=True, text=True,
                              check=True, timeout=60)
        times.append(float(done.stdout.strip()))
    return statistics.median(times)


def render_seconds(report: Any, runs: int) -> tuple[float, float]:
    """(the first render, which compiles the template, as a CLI run pays it; the median of later ones)."""
    from topdesk_preflight.reports import render_html, render_json

    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        json_text = render_json(report)
        render_html(report, json_text=json_text)
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times[1:])


# -------------------------------------------------------------------------------------------- cases

def flaky_faults(paths: list[str]) -> Any:
    """Arm: the first call of each endpoint answers 503, or 429 with ``Retry-After: 1``, alternately."""
    from topdesk_preflight.sandbox import Fault

    def arm(sb: SandboxProcess) -> None:
        for index, path in enumerate(paths):
            fault = Fault.status(503, times=1) if index % 2 == 0 else Fault.rate_limit(retry_after="1", times=1)
            sb.inject(path, fault)

    return arm


def run_cases(runs: int) -> dict[str, Any]:
    cases: dict[str, dict[str, Any]] = {}
    with SandboxProcess("healthy", LATENCY_S) as sb:
        cases["healthy"] = measure_runs(sb, runs)
        cases["healthy"]["rss_mb"] = rss_in_fresh_process(sb)
        cases["sequential"] = measure_runs(sb, runs, concurrency=1)
        cases["sequential"]["rss_mb"] = rss_in_fresh_process(sb, concurrency=1)
        endpoints = sorted(cases["healthy"]["endpoints"])
        arm = flaky_faults(endpoints)
        cases["flaky"] = measure_runs(sb, runs, arm=arm)
        cases["flaky"]["rss_mb"] = rss_in_fresh_process(sb, arm=arm)
        sb.latency = 0.0
        cases["overhead"] = measure_runs(sb, runs)
        cases["overhead"]["rss_mb"] = rss_in_fresh_process(sb)
        cases["overhead"]["render_s"], cases["overhead"]["render_warm_s"] = render_seconds(
            cases["overhead"]["report"], runs)
        cases["overhead"]["import_s"] = import_seconds()
    with SandboxProcess("large", LATENCY_S) as sb:
        cases["large"] = measure_runs(sb, runs)
        cases["large"]["rss_mb"] = rss_in_fresh_process(sb)
    order = ["healthy", "sequential", "large", "overhead", "flaky"]
    return {name: cases[name] for name in order}


# ------------------------------------------------------------------------------------------- output

LABELS = {
    "healthy": "healthy, 100 ms",
    "sequential": "healthy, 100 ms, concurrency 1",
    "large": "large, 100 ms",
    "overhead": "healthy, 0 ms (tool overhead)",
    "flaky": "healthy, 100 ms, 503/429 once",
}


def summarise(cases: dict[str, Any], cli: dict[str, float], runs: int) -> dict[str, Any]:
    healthy, sequential, large, overhead = (cases[n] for n in ("healthy", "sequential", "large", "overhead"))
    ratios = {
        "parallel_speedup": sequential["wall_s"] / healthy["wall_s"],
        "large_vs_healthy_time": large["wall_s"] / healthy["wall_s"],
        "large_vs_healthy_bytes": large["bytes"] / healthy["bytes"],
        "large_vs_healthy_bytes_besides_branch_rooms": (large["bytes"] - large["branch_rooms_bytes"])
        / (healthy["bytes"] - healthy["branch_rooms_bytes"]),
        "large_vs_healthy_requests": large["requests"] - healthy["requests"],
        "wall_vs_critical_path": healthy["wall_s"] / (healthy["critical_path"] * LATENCY_S),
    }
    own_overhead = overhead["import_s"] + overhead["wall_s"] + overhead["render_s"]
    targets = {
        "healthy wall <= 1.3 x critical path x 100 ms": ratios["wall_vs_critical_path"] <= 1.3,
        "healthy >= 3x faster than sequential": ratios["parallel_speedup"] >= 3,
        "large: same requests (+-2)": abs(ratios["large_vs_healthy_requests"]) <= 2,
        "large: bytes <= 2x healthy": ratios["large_vs_healthy_bytes"] <= 2,
        "large: wall <= 1.2x healthy": ratios["large_vs_healthy_time"] <= 1.2,
        "large: peak RSS <= 80 MB": large["rss_mb"] <= 80,
        "tool overhead < 0.5 s": own_overhead < 0.5,
        "--version < 0.3 s": cli["--version"] < 0.3,
        "--list-checks < 0.3 s": cli["--list-checks"] < 0.3,
    }
    return {
        "runs": runs, "latency_s": LATENCY_S,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "cases": {name: {k: v for k, v in case.items() if k != "report"} | {"label": LABELS[name]}
                  for name, case in cases.items()},
        "cli_s": cli, "tool_overhead_s": own_overhead, "ratios": ratios, "targets": targets,
    }


def print_table(summary: dict[str, Any]) -> None:
    header = (f"{'case':<32} {'wall s':>7} {'requests':>8} {'bytes':>7} {'rss MB':>7} {'path':>5} "
              f"{'path x lat s':>12} {'server ms':>9}  statuses")
    print(header)
    print("-" * len(header))
    for name, case in summary["cases"].items():
        zero = name == "overhead"
        path = "-" if zero else f"{case['critical_path']:g}"
        floor = "-" if zero else f"{case['critical_path'] * LATENCY_S:.2f}"
        counts = ", ".join(f"{n} {s}" for s, n in case["statuses"].items() if n)
        print(f"{case['label']:<32} {case['wall_s']:>7.3f} {case['requests']:>8g} {case['bytes']:>7g} "
              f"{case['rss_mb']:>7.1f} {path:>5} {floor:>12} {case['server_s'] * 1000:>9.0f}  {counts}")
    overhead = summary["cases"]["overhead"]
    print()
    print(f"tool overhead: import {overhead['import_s']:.3f} s + run at 0 ms {overhead['wall_s']:.3f} s "
          f"+ first render of JSON and HTML {overhead['render_s']:.3f} s (later ones "
          f"{overhead['render_warm_s']:.3f} s) = {summary['tool_overhead_s']:.3f} s")
    print("fresh interpreter, median of 5: " + ", ".join(
        f"python -m topdesk_preflight {flag} {seconds:.3f} s" for flag, seconds in summary["cli_s"].items()))
    r = summary["ratios"]
    print(f"ratios: parallel vs sequential {r['parallel_speedup']:.2f}x faster; large vs healthy: time "
          f"{r['large_vs_healthy_time']:.2f}x, bytes {r['large_vs_healthy_bytes']:.2f}x (besides the branch's own "
          f"room list {r['large_vs_healthy_bytes_besides_branch_rooms']:.2f}x), requests "
          f"{r['large_vs_healthy_requests']:+g}; wall vs critical path x latency {r['wall_vs_critical_path']:.2f}x")
    print("targets: " + "; ".join(f"{'ok' if ok else 'MISSED'} {name}" for name, ok in summary["targets"].items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--runs", type=int, default=5, metavar="N", help="timed runs per case (median); default 5")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in PROXY_VARIABLES:  # loopback only: never through a developer's proxy
        os.environ.pop(name, None)
    if args.probe:
        probe()
        return 0
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    cases = run_cases(args.runs)
    cli = {flag: fresh_seconds(["-m", "topdesk_preflight", flag]) for flag in ("--version", "--list-checks")}
    summary = summarise(cases, cli, args.runs)
    print_table(summary)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
