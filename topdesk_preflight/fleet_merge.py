"""``fleet merge DIR...``: join the summaries (and histories) of ``--shard I/N`` jobs into the one a single run writes.

N jobs of a CI matrix or a scheduler each check a stable part of the fleet and
leave ``DIR/fleet-summary.json``. The merge reads only those files (never a
report, never a password), checks that they are the N parts of one fleet (every
shard once, the same expiry window, no tenant twice), puts the tenants back in
the targets file's order, and writes the summary, page, metrics and exit code
an unsharded run would have. With ``--history OUT.sqlite`` it also copies every
run of the shards' histories (found where each summary says) into one history,
so ``fleet history`` shows the whole fleet; copying is by run id, so merging the
same shards again adds nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Sequence

from topdesk_preflight.exit_codes import ExitCode
from topdesk_preflight.settings import SettingsError
from topdesk_preflight.vocabulary import Readiness, plural

PROG = "topdesk-preflight fleet merge"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Join the fleet summaries of several --shard jobs (each DIR holds one "
                               "fleet-summary.json) into one, as an unsharded run would have written it.")
    parser.add_argument("dirs", nargs="+", metavar="DIR", help="a shard's output folder (or its summary JSON)")
    parser.add_argument("--output-dir", metavar="DIR", default=".",
                        help="where the merged fleet-summary.{json,html} go (.)")
    parser.add_argument("--json", dest="json_path", metavar="PATH|-", help="merged summary JSON path ('-': stdout)")
    parser.add_argument("--history", metavar="OUT.sqlite",
                        help="copy the shards' histories (where their summaries say they are) into this one")
    parser.add_argument("--metrics", metavar="PATH.prom", help="also write the merged run as Prometheus metrics")
    parser.add_argument("--fail-on", choices=("fail", "change"), default="fail",
                        help="exit code as for a fleet run: fail (any tenant not ready) or change (worse)")
    parser.add_argument("--allow-missing", action="store_true",
                        help="merge the shards there are, listing the missing ones, instead of refusing")
    parser.add_argument("--quiet", action="store_true", help="print only the closing block")
    return parser


# --- reading the parts -----------------------------------------------------------------------------

def _summary_path(given: str) -> Path:
    from topdesk_preflight.reports.fleet_report import JSON_NAME

    path = Path(given)
    return path / JSON_NAME if path.is_dir() else path


def read_part(given: str) -> tuple[Path, dict[str, Any]]:
    """One shard's summary and its folder, or a one-line SettingsError."""
    from topdesk_preflight.reports.fleet_report import JSON_NAME, SUMMARY_KIND

    path = _summary_path(given)
    if not path.exists():
        where = f"{given!r} has no {JSON_NAME}" if Path(given).is_dir() else f"{given!r} does not exist"
        raise SettingsError(f"Cannot merge: {where} (give each shard's --output-dir).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SettingsError(f"Cannot merge: {os.fspath(path)!r} is not a readable fleet summary ({exc}).") from None
    if not isinstance(data, dict) or data.get("kind") != SUMMARY_KIND or not isinstance(data.get("tenants"), list):
        raise SettingsError(f"Cannot merge: {os.fspath(path)!r} is not a fleet summary (kind {SUMMARY_KIND!r}).")
    return path.parent, data


def _check_parts(parts: list[tuple[Path, dict[str, Any]]], *, allow_missing: bool) -> list[str]:
    """Refuse parts that are not the shards of one fleet; returns the shards missing (with ``allow_missing``)."""
    shards = [data.get("shard") for _, data in parts]
    if any(shards) and not all(shards):
        raise SettingsError("Cannot merge sharded and unsharded summaries together: give the N summaries "
                            "of one --shard I/N fleet.")
    missing: list[str] = []
    if all(shards):
        counts = {s["count"] for s in shards if s}
        if len(counts) != 1:
            raise SettingsError(f"Cannot merge: the summaries come from different splits "
                                f"({', '.join(f'--shard I/{c}' for c in sorted(counts))}).")
        count = counts.pop()
        seen: dict[int, Path] = {}
        for (folder, _), shard in zip(parts, shards):
            assert shard is not None
            if shard["index"] in seen:
                raise SettingsError(f"Cannot merge: shard {shard['index']}/{count} is given twice "
                                    f"({os.fspath(seen[shard['index']])!r} and {os.fspath(folder)!r}).")
            seen[shard["index"]] = folder
        missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in seen]
        if missing and not allow_missing:
            raise SettingsError(f"Cannot merge: shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                                f"{'are' if len(missing) > 1 else 'is'} missing (pass --allow-missing to merge "
                                "the others anyway).")
    windows = {data["expiry_warning_days"] for _, data in parts}
    if len(windows) != 1:
        raise SettingsError("Cannot merge: the summaries used different --expiry-warning-days "
                            f"({', '.join(map(str, sorted(windows)))}).")
    owners: dict[str, Path] = {}
    for folder, data in parts:
        for row in data["tenants"]:
            if row["name"] in owners:
                raise SettingsError(f"Cannot merge: the tenant {row['name']!r} is in both "
                                    f"{os.fspath(owners[row['name']])!r} and {os.fspath(folder)!r}.")
            owners[row["name"]] = folder
    return missing


# --- joining -----------------------------------------------------------------------------------------

def _rebase(link: str | None, source: Path, target: Path) -> str | None:
    """A report link relative to ``source`` (a shard's folder), made relative to ``target``."""
    if link is None:
        return None
    return Path(os.path.relpath((source / link).resolve(), target.resolve())).as_posix()


def merge_summaries(parts: list[tuple[Path, dict[str, Any]]], *, base_dir: Path, fail_on: str = "fail",
                    missing: Sequence[str] = ()) -> dict[str, Any]:
    """The summary an unsharded run would have written; report links relative to ``base_dir``."""
    from topdesk_preflight import __version__
    from topdesk_preflight.reports.fleet_changes_report import merge_changes
    from topdesk_preflight.reports.fleet_report import SCHEMA_VERSION, SUMMARY_KIND

    rows = []
    for folder, data in parts:
        for row in data["tenants"]:
            rows.append({**row, "reports": {kind: _rebase(link, folder, base_dir)
                                            for kind, link in row["reports"].items()}})
    rows.sort(key=lambda row: (row.get("position") or 0, row["name"]))
    counts = {state.value: sum(data["counts"][state.value] for _, data in parts) for state in Readiness}
    changes = [data.get("changes") for _, data in parts]
    merged_changes = merge_changes([c for c in changes if c]) if changes and all(changes) else None
    expiring = sorted((n for _, data in parts for n in data["expiring_passwords"]),
                      key=lambda n: (n["days_left"], n["name"]))
    if fail_on == "change" and merged_changes is not None:
        exit_code = ExitCode(merged_changes["exit_code"])
    elif counts[Readiness.NOT_READY.value]:
        exit_code = ExitCode.NOT_READY
    else:
        exit_code = ExitCode.UNKNOWN if counts[Readiness.UNKNOWN.value] else ExitCode.READY
    if missing and exit_code == ExitCode.READY:
        exit_code = ExitCode.UNKNOWN  # a missing shard's tenants were not assessed
    runs = [data["history"]["run"] for _, data in parts if data.get("history")]
    return {
        "schema_version": SCHEMA_VERSION, "kind": SUMMARY_KIND,
        "tool": {"name": "topdesk-preflight", "version": __version__},
        "generated_at": min(data["generated_at"] for _, data in parts),
        "duration_s": max(data["duration_s"] for _, data in parts),  # the jobs ran side by side
        "exit_code": exit_code, "fail_on": fail_on, "counts": counts, "shard": None,
        "history": {"runs": runs} if runs else None,
        "merged_from": {"parts": len(parts), "missing_shards": list(missing)},
        "changes": merged_changes,
        "expiry_warning_days": parts[0][1]["expiry_warning_days"],
        "expiring_passwords": expiring,
        "tenants": rows,
    }


def _relinked(summary: dict[str, Any], source: Path, target: Path) -> dict[str, Any]:
    rows = [{**row, "reports": {k: _rebase(v, source, target) for k, v in row["reports"].items()}}
            for row in summary["tenants"]]
    return {**summary, "tenants": rows}


# --- histories ----------------------------------------------------------------------------------------

_COLUMNS = {
    "runs": ("uid", "started_at", "finished_at", "status", "tool_version", "shard", "tenants_planned"),
    "results": ("run_uid", "slug", "name", "url", "checked_at", "readiness", "error", "topdesk_version",
                "product_version", "app_password_expires", "password_days_left", "duration_s", "requests"),
}


def import_history(target: "sqlite3.Connection", source_path: Path) -> int:
    """Copy every run of ``source_path`` that ``target`` lacks, one transaction per run; returns how many."""
    from topdesk_preflight.fleet_history import History

    copied = 0
    with History.open(source_path, write=False) as source_history:
        source = source_history.connection()
        known = {row[0] for row in target.execute("SELECT uid FROM runs")}
        for run in source.execute(f"SELECT {', '.join(_COLUMNS['runs'])} FROM runs ORDER BY started_at").fetchall():
            if run[0] in known:
                continue
            target.execute("BEGIN IMMEDIATE")
            try:
                target.execute(f"INSERT INTO runs ({', '.join(_COLUMNS['runs'])}) VALUES "
                               f"({', '.join('?' * len(_COLUMNS['runs']))})", run)
                for result in source.execute(f"SELECT id, {', '.join(_COLUMNS['results'])} FROM results "
                                             "WHERE run_uid = ?", (run[0],)).fetchall():
                    new_id = target.execute(f"INSERT INTO results ({', '.join(_COLUMNS['results'])}) VALUES "
                                            f"({', '.join('?' * len(_COLUMNS['results']))})", result[1:]).lastrowid
                    checks = source.execute("SELECT check_id, status, silenced, text FROM checks JOIN texts ON "
                                            "texts.id = summary_id WHERE result_id = ?", (result[0],)).fetchall()
                    target.executemany("INSERT OR IGNORE INTO texts (text) VALUES (?)", [(c[3],) for c in checks])
                    target.executemany("INSERT INTO checks (result_id, check_id, status, silenced, summary_id) "
                                       "SELECT ?, ?, ?, ?, id FROM texts WHERE text = ?",
                                       [(new_id, *c) for c in checks])
                target.execute("COMMIT")
            except BaseException:
                target.execute("ROLLBACK")
                raise
            copied += 1
    return copied


def _history_sources(parts: list[tuple[Path, dict[str, Any]]]) -> list[Path]:
    sources = []
    for folder, data in parts:
        history = data.get("history") or {}
        if not history.get("file"):
            raise SettingsError(f"Cannot merge histories: the summary in {os.fspath(folder)!r} was written "
                                "without --history.")
        path = (folder / history["file"]).resolve()
        if not path.is_file():
            raise SettingsError(f"Cannot merge histories: {os.fspath(path)!r} (the history the summary in "
                                f"{os.fspath(folder)!r} names) does not exist; keep --history inside the shard's "
                                "--output-dir so it travels with it.")
        sources.append(path)
    return sources


# --- the command ------------------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    """``fleet merge``: read, check, join, write; the exit code an unsharded run would give."""
    import sys

    from topdesk_preflight.fleet_history import History
    from topdesk_preflight.fleet_metrics import check_metrics_path, write_metrics
    from topdesk_preflight.reports import fleet_report

    parts = [read_part(given) for given in args.dirs]
    missing = _check_parts(parts, allow_missing=args.allow_missing)
    sources = _history_sources(parts) if args.history else []
    if args.metrics:
        check_metrics_path(args.metrics)
    output_dir = Path(args.output_dir)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(f"Cannot create the output directory {args.output_dir!r}: {exc.strerror or exc}.") from None
    if sources:
        with History.open(args.history) as merged:
            copied = sum(import_history(merged.connection(), source) for source in sources)
        if not args.quiet:
            print(f"History {args.history}: {plural(copied, 'run')} copied from "
                  f"{plural(len(sources), 'shard history', 'shard histories')}.", file=sys.stderr)
    summary = merge_summaries(parts, base_dir=output_dir, fail_on=args.fail_on, missing=missing)
    out = sys.stderr if args.json_path == "-" else sys.stdout
    written: list[Path] = []
    if args.json_path == "-":
        sys.stdout.write(fleet_report.render_summary_json(summary))
        sys.stdout.flush()
    else:
        json_path = Path(args.json_path) if args.json_path else output_dir / fleet_report.JSON_NAME
        written.append(fleet_report.write_summary_json(_relinked(summary, output_dir, json_path.parent), json_path))
    written.append(fleet_report.write_fleet_html(summary, output_dir / fleet_report.HTML_NAME))
    if args.metrics:
        written.append(write_metrics(summary, args.metrics))
    if missing:
        print(f"{PROG}: merged without shard{'s' if len(missing) > 1 else ''} {', '.join(missing)}.", file=sys.stderr)
    for line in fleet_report.summary_lines(summary, paths=written):
        out.write(line + "\n")
    out.flush()
    return int(summary["exit_code"])
