"""``topdesk-preflight fleet TARGETS.toml``: check every tenant in a targets file, for people and schedulers.

Prints a line per tenant as it finishes, then the summary table and the
application passwords about to expire, and writes each tenant's reports plus
``fleet-summary.json`` and ``fleet-summary.html``. The exit code is made for a
scheduled job: 0 all ready, 1 any not ready, 4 none not ready but some
unknown, 2 the targets file or a flag is wrong, 3 the tool itself broke; 130 after Ctrl-C and
141 when the output's reader went away (``| head``), as for a single run (see cli.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from topdesk_preflight.cli import (
    EXIT_INTERRUPTED,
    EXIT_OUTPUT_CLOSED,
    ProgressStream,
    missing_dependency,
    output_closed,
)
from topdesk_preflight.exit_codes import ExitCode
from topdesk_preflight.fleet import DEFAULT_CONCURRENCY, DEFAULT_EXPIRY_WARNING_DAYS
from topdesk_preflight.vocabulary import plural

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.fleet import FleetRun, Tenant, TenantOutcome
    from topdesk_preflight.fleet_history import History
    from topdesk_preflight.fleet_shard import Shard

EXIT_SETTINGS = ExitCode.USAGE
EXIT_TOOL_BROKE = ExitCode.TOOL_BROKE
PROG = "topdesk-preflight fleet"

EPILOG = """\
targets file (TOML): one [[tenant]] table per TOPdesk, e.g.
  [defaults]
  username = "hcp-svc"
  [[tenant]]
  name = "Acme"
  url = "https://acme.topdesk.net"
  branch = "HQ Stockholm"
  password_env = "ACME_APP_PASSWORD"     # or password_file = "secrets/acme.txt"
  app_password_expires = 2027-03-31
  redact = true                          # optional: tokens, not staff names (or --redact for all)
The application password is never written in the targets file.

exit codes:
  0  every tenant is ready (with --fail-on change: nothing got worse since the previous run)
  1  at least one tenant is not ready (with --fail-on change: something got worse)
  2  the targets file, the history file or a flag is wrong (nothing was checked)
  3  topdesk-preflight itself broke
  4  no tenant is not ready, but at least one could not be assessed (unknown)
     (with --fail-on change: the only news is a tenant that can no longer be assessed)
  130  interrupted (Ctrl-C); the tenants already finished are in the history
  141  the output's reader went away (e.g. | head)

more:
  topdesk-preflight fleet history PATH.sqlite [--tenant NAME] [--html PATH]   a tenant's timeline
  topdesk-preflight fleet merge DIR... [--output-dir DIR]   join the summaries of --shard jobs
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check many TOPdesk tenants at once and warn about application passwords that "
                    "are about to expire. Read-only: it never changes TOPdesk.")
    parser.add_argument("targets", metavar="TARGETS.toml", help="the targets file")
    parser.add_argument("--output-dir", metavar="DIR", default=".",
                        help="where the reports go: DIR/<tenant>/ and DIR/fleet-summary.{json,html} (.)")
    parser.add_argument("--concurrency", type=int, metavar="N", default=DEFAULT_CONCURRENCY,
                        help=f"tenants checked at once ({DEFAULT_CONCURRENCY})")
    parser.add_argument("--workers", metavar="N|auto", default="0",
                        help="check tenants in N worker processes (auto: one per core), for fleets of hundreds; "
                             "0 (default): in this process")
    parser.add_argument("--expiry-warning-days", type=int, metavar="DAYS", default=None,
                        help="list passwords expiring within this many days; also each tenant's "
                             f"auth.app_password_expiry window ({DEFAULT_EXPIRY_WARNING_DAYS})")
    parser.add_argument("--json", dest="json_path", metavar="PATH|-",
                        help="summary JSON path ('-' for stdout; default DIR/fleet-summary.json)")
    parser.add_argument("--quiet", action="store_true", help="no line per tenant; only the summary")
    parser.add_argument("--history", metavar="PATH.sqlite",
                        help="record this run in an SQLite history (created if missing) and lead the summary "
                             "with what changed since each tenant's previous run")
    parser.add_argument("--history-keep", type=int, metavar="DAYS",
                        help="with --history: after the run, forget results older than DAYS days (each "
                             "tenant's latest is always kept), so a nightly job's file stops growing")
    parser.add_argument("--metrics", metavar="PATH.prom",
                        help="also write the run as Prometheus metrics (text format, for node_exporter's "
                             "textfile collector), atomically")
    parser.add_argument("--shard", metavar="I/N",
                        help="check only shard I of N (a stable split by a hash of each tenant's name), so N "
                             "jobs share a fleet; join their summaries with 'fleet merge'")
    parser.add_argument("--fail-on", choices=("fail", "change"), default="fail",
                        help="fail (default): exit 1 when any tenant is not ready; change: exit 1 only when "
                             "something got worse since the previous run (needs --history)")
    parser.add_argument("--redact", action="store_true",
                        help="every tenant's reports, the summary, the history and the metrics name no person: "
                             "tokens (person-1, ...) instead (as redact = true in the targets file); each "
                             "tenant's private key file goes beside its JSON report")
    parser.add_argument("--any-password-env", action="store_true",
                        help="allow password_env names that do not end in _APP_PASSWORD")
    parser.add_argument("--password-files-anywhere", action="store_true",
                        help="allow password_file paths outside the targets file's folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point the main CLI calls for ``topdesk-preflight fleet ...``; returns the exit code.

    ``fleet history ...`` and ``fleet merge ...`` are subcommands; a targets file
    named ``history`` or ``merge`` is given as ``./history``.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["merge"]:
        from topdesk_preflight import fleet_merge

        return guarded(fleet_merge.build_parser(), fleet_merge.run, words[1:])
    if words[:1] == ["history"]:
        from topdesk_preflight import fleet_timeline

        return guarded(fleet_timeline.build_parser(), fleet_timeline.run, words[1:])
    return guarded(build_parser(), _run, words)


def guarded(parser: argparse.ArgumentParser, command: Callable[[argparse.Namespace], int],
            argv: Sequence[str]) -> int:
    """Parse and run ``command``; bad input is one line and exit 2, never a traceback; 3 only for a real defect."""
    prog = parser.prog
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (argparse printed it, code 2)
        return int(exc.code or 0)
    try:
        return command(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return output_closed()
    except Exception as exc:
        from topdesk_preflight.settings import SettingsError

        missing = missing_dependency(exc)
        if missing is not None:
            print(f"{prog}: {missing}", file=sys.stderr)
            return EXIT_SETTINGS
        if isinstance(exc, SettingsError):
            print(f"{prog}: {exc}", file=sys.stderr)
            return EXIT_SETTINGS
        if isinstance(exc, OSError) and exc.filename is not None:
            print(f"{prog}: cannot write {exc.filename!r}: {exc.strerror or exc}.", file=sys.stderr)
            return EXIT_SETTINGS
        logging.getLogger("topdesk_preflight").debug("unexpected failure", exc_info=True)
        print(f"{prog} itself failed: {type(exc).__name__}. This is a bug; please report it.", file=sys.stderr)
        return EXIT_TOOL_BROKE


def _run(args: argparse.Namespace) -> int:
    from topdesk_preflight.fleet import SecretSources, load_targets
    from topdesk_preflight.fleet_history import History
    from topdesk_preflight.fleet_metrics import check_metrics_path, write_metrics
    from topdesk_preflight.fleet_shard import parse_shard
    from topdesk_preflight.reports import fleet_report
    from topdesk_preflight.settings import SettingsError

    if args.concurrency < 1:
        raise SettingsError("--concurrency must be at least 1.")
    if args.expiry_warning_days is not None and args.expiry_warning_days < 0:
        raise SettingsError("--expiry-warning-days must be 0 or more.")
    if args.fail_on == "change" and not args.history:
        raise SettingsError("--fail-on change needs --history PATH.sqlite: without a history there is no "
                            "previous run to compare with.")
    if args.history_keep is not None and not args.history:
        raise SettingsError("--history-keep needs --history PATH.sqlite: it says how long that file keeps results.")
    if args.history_keep is not None and not 1 <= args.history_keep <= 36_500:
        raise SettingsError(f"--history-keep must be a number of days from 1 to 36500, not {args.history_keep}.")
    shard = parse_shard(args.shard) if args.shard is not None else None
    args.workers = _workers(args.workers)
    tenants = load_targets(args.targets, expiry_warning_days=args.expiry_warning_days, redact=args.redact,
                           sources=SecretSources(any_env=args.any_password_env,
                                                 files_anywhere=args.password_files_anywhere))
    total = len(tenants)
    if shard is not None:
        tenants = shard.select(tenants, lambda tenant: tenant.name)
    output_dir = Path(args.output_dir)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(f"Cannot create the output directory {args.output_dir!r}: "
                            f"{exc.strerror or exc}.") from None
    if args.metrics:
        check_metrics_path(args.metrics)
    history = History.open(args.history) if args.history else None  # a bad file: exit 2 before any check
    json_to_stdout = args.json_path == "-"
    out = sys.stderr if json_to_stdout else sys.stdout
    progress = ProgressStream(out)
    from topdesk_preflight.cli_streams import use_color  # the one colour rule (NO_COLOR, TERM=dumb)

    color = use_color(out)
    window = args.expiry_warning_days if args.expiry_warning_days is not None else DEFAULT_EXPIRY_WARNING_DAYS
    if not args.quiet:
        scope = f" (shard {shard} of {total})" if shard is not None else ""
        progress.write_line(f"Checking {plural(len(tenants), 'tenant')}{scope}, "
                            f"{max(1, min(args.concurrency, len(tenants)))} at a time...")

    def on_done(outcome: TenantOutcome) -> None:
        if not args.quiet:
            progress.write_line(fleet_report.tenant_line(outcome, color=color))

    run = _checked(tenants, args, history=history, output_dir=output_dir, window=window, on_done=on_done,
                   shard=shard, total=total)
    written = []
    if json_to_stdout:
        sys.stdout.write(fleet_report.render_fleet_json(run, output_dir))
        sys.stdout.flush()
        written.append(fleet_report.write_fleet_html(run, output_dir / fleet_report.HTML_NAME))
    else:
        written += fleet_report.write_summary(run, output_dir, json_path=args.json_path)
    if args.metrics:
        written.append(write_metrics(fleet_report.fleet_to_json_dict(run), args.metrics))
    for line in fleet_report.summary_lines(run, color=color, paths=written):
        out.write(line + "\n")
    out.flush()
    if history is not None and history.failures:
        print(f"{PROG}: {plural(len(history.failures), 'tenant result')} could not be recorded in the history "
              f"{args.history!r}: {history.failures[0]}", file=sys.stderr)
        return EXIT_SETTINGS
    return EXIT_OUTPUT_CLOSED if progress.reader_gone else run.exit_code_for()


def _checked(tenants: "list[Tenant]", args: argparse.Namespace, *, history: "History | None", output_dir: Path,
             window: int, on_done: "Callable[[TenantOutcome], None]", shard: "Shard | None",
             total: int) -> "FleetRun":
    """Run the fleet; with a history, record each tenant as it finishes and compare each with its previous run.

    The history is written from the run loop, one transaction per tenant, before the
    progress line: a tenant finished before Ctrl-C (or a killed job) is recorded.
    """
    import attrs

    from topdesk_preflight.fleet import SecretSources, run_fleet

    today = date.today()
    run_uid = history.begin_run(tenants_planned=len(tenants), shard=None if shard is None else str(shard)) \
        if history is not None else None

    def done(outcome: "TenantOutcome") -> None:
        if history is not None and run_uid is not None:
            history.record(run_uid, outcome, today=today)
        on_done(outcome)

    try:
        if args.workers:
            from topdesk_preflight.fleet_pool import run_fleet_processes

            run = run_fleet_processes(
                tenants, targets=args.targets, workers=args.workers, output_dir=output_dir,
                sources=SecretSources(any_env=args.any_password_env, files_anywhere=args.password_files_anywhere),
                expiry_override=args.expiry_warning_days, redact=args.redact, concurrency=args.concurrency,
                expiry_warning_days=window, on_done=done, today=today)
        else:
            run = run_fleet(tenants, output_dir=output_dir, concurrency=args.concurrency,
                            expiry_warning_days=window, on_done=done, today=today)
        run = attrs.evolve(run, shard=shard, tenants_total=total if shard is not None else None)
        if history is not None and run_uid is not None:
            changes = history.changes(run.outcomes, run_uid, today=today, window_days=window)
            history.finish_run(run_uid)
            forgotten = None
            if args.history_keep is not None:
                results, runs = history.forget_before(datetime.now(UTC) - timedelta(days=args.history_keep))
                forgotten = (args.history_keep, results, runs)
            run = attrs.evolve(run, history_run=run_uid, history_path=Path(args.history), fail_on=args.fail_on,
                               changes=changes, history_cpu_s=round(history.cpu_seconds, 3),
                               history_forgotten=forgotten)
    except BaseException:
        if history is not None and run_uid is not None:
            _finish_quietly(history, run_uid)
        raise
    finally:
        if history is not None:
            history.close()
    return run


def _workers(text: str) -> int:
    """``--workers``: a number from 0 (in this process) up, or ``auto`` (one per core)."""
    from topdesk_preflight.fleet_pool import MAX_WORKERS, default_workers
    from topdesk_preflight.settings import SettingsError

    if text.strip().lower() == "auto":
        return default_workers()
    if not text.strip().isdigit() or int(text) > MAX_WORKERS:
        raise SettingsError(f"--workers must be a number from 0 to {MAX_WORKERS}, or auto, not {text!r}.")
    return int(text)


def _finish_quietly(history: "History", run_uid: str) -> None:
    """Mark an interrupted run as such; the tenants it finished are already recorded, one transaction each."""
    try:
        history.finish_run(run_uid, status="interrupted")
    except Exception:  # the next run marks it interrupted anyway
        pass
