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
import os
import sys
from pathlib import Path
from typing import Sequence, TextIO

from topdesk_preflight.cli import (
    EXIT_INTERRUPTED,
    EXIT_OUTPUT_CLOSED,
    ProgressStream,
    missing_dependency,
    output_closed,
)
from topdesk_preflight.fleet import DEFAULT_CONCURRENCY, DEFAULT_EXPIRY_WARNING_DAYS

EXIT_SETTINGS = 2
EXIT_TOOL_BROKE = 3
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
The application password is never written in the targets file.

exit codes:
  0  every tenant is ready
  1  at least one tenant is not ready
  2  the targets file or a flag is wrong (nothing was checked)
  3  topdesk-preflight itself broke
  4  no tenant is not ready, but at least one could not be assessed (unknown)
  130  interrupted (Ctrl-C)
  141  the output's reader went away (e.g. | head)
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
    parser.add_argument("--expiry-warning-days", type=int, metavar="DAYS", default=None,
                        help="list passwords expiring within this many days; also each tenant's "
                             f"auth.app_password_expiry window ({DEFAULT_EXPIRY_WARNING_DAYS})")
    parser.add_argument("--json", dest="json_path", metavar="PATH|-",
                        help="summary JSON path ('-' for stdout; default DIR/fleet-summary.json)")
    parser.add_argument("--quiet", action="store_true", help="no line per tenant; only the summary")
    parser.add_argument("--any-password-env", action="store_true",
                        help="allow password_env names that do not end in _APP_PASSWORD")
    parser.add_argument("--password-files-anywhere", action="store_true",
                        help="allow password_file paths outside the targets file's folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point the main CLI calls for ``topdesk-preflight fleet ...``; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (argparse printed it, code 2)
        return int(exc.code or 0)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return output_closed()
    except Exception as exc:
        from topdesk_preflight.settings import SettingsError

        missing = missing_dependency(exc)
        if missing is not None:
            print(f"{PROG}: {missing}", file=sys.stderr)
            return EXIT_SETTINGS
        if isinstance(exc, SettingsError):
            print(f"{PROG}: {exc}", file=sys.stderr)
            return EXIT_SETTINGS
        if isinstance(exc, OSError) and exc.filename is not None:
            print(f"{PROG}: cannot write {exc.filename!r}: {exc.strerror or exc}.", file=sys.stderr)
            return EXIT_SETTINGS
        logging.getLogger("topdesk_preflight").debug("unexpected failure", exc_info=True)
        print(f"{PROG} itself failed: {type(exc).__name__}. This is a bug; please report it.", file=sys.stderr)
        return EXIT_TOOL_BROKE


def _use_color(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _run(args: argparse.Namespace) -> int:
    from topdesk_preflight.fleet import SecretSources, TenantOutcome, load_targets, run_fleet
    from topdesk_preflight.reports import fleet_report
    from topdesk_preflight.settings import SettingsError

    if args.concurrency < 1:
        raise SettingsError("--concurrency must be at least 1.")
    if args.expiry_warning_days is not None and args.expiry_warning_days < 0:
        raise SettingsError("--expiry-warning-days must be 0 or more.")
    tenants = load_targets(args.targets, expiry_warning_days=args.expiry_warning_days,
                           sources=SecretSources(any_env=args.any_password_env,
                                                 files_anywhere=args.password_files_anywhere))
    output_dir = Path(args.output_dir)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(f"Cannot create the output directory {args.output_dir!r}: "
                            f"{exc.strerror or exc}.") from None
    json_to_stdout = args.json_path == "-"
    out = sys.stderr if json_to_stdout else sys.stdout
    progress = ProgressStream(out)
    color = _use_color(out)
    window = args.expiry_warning_days if args.expiry_warning_days is not None else DEFAULT_EXPIRY_WARNING_DAYS
    if not args.quiet:
        progress.write_line(f"Checking {len(tenants)} tenant{'' if len(tenants) == 1 else 's'}, "
                            f"{min(args.concurrency, len(tenants))} at a time...")

    def on_done(outcome: TenantOutcome) -> None:
        if not args.quiet:
            progress.write_line(fleet_report.tenant_line(outcome, color=color))

    run = run_fleet(tenants, output_dir=output_dir, concurrency=args.concurrency,
                    expiry_warning_days=window, on_done=on_done)
    written = []
    if json_to_stdout:
        sys.stdout.write(fleet_report.render_fleet_json(run, output_dir))
        sys.stdout.flush()
        written.append(fleet_report.write_fleet_html(run, output_dir / fleet_report.HTML_NAME))
    else:
        written += fleet_report.write_summary(run, output_dir, json_path=args.json_path)
    for line in fleet_report.summary_lines(run, color=color, paths=written):
        out.write(line + "\n")
    out.flush()
    return EXIT_OUTPUT_CLOSED if progress.reader_gone else run.exit_code
