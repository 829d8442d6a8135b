"""The command line: parse flags, run the catalogue, print as checks finish, write reports, exit.

Imports are lazy on purpose: ``--help``, ``--version`` and ``--list-checks`` must
answer in a fraction of a second, so requests, jinja2 and the sandbox are only
imported when a run needs them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any, Sequence, TextIO

# Exit codes: a public contract, documented in the README and in --help.
EXIT_READY = 0
EXIT_NOT_READY = 1
EXIT_USAGE = 2
EXIT_TOOL_BROKE = 3
EXIT_UNKNOWN = 4

DEMO_DEFAULT_SCENARIO = "demo"

EPILOG = """\
fleet mode:
  topdesk-preflight fleet TARGETS.toml    check many tenants at once (see fleet --help)

exit codes:
  0  ready: no check failed or errored (warnings allowed unless --fail-on warn)
  1  not ready: at least one check failed (or warned, with --fail-on warn)
  2  usage or settings error (the message says which flag or variable to fix)
  3  topdesk-preflight itself broke (please report it with the --debug output)
  4  readiness unknown: nothing failed, but at least one check could not be assessed (error)
silenced checks (config file [[silence]] with id, reason, until) never change the exit code.

the application password is read from TOPDESK_APP_PASSWORD, from --app-password-file,
or from a hidden prompt on a terminal; it is never accepted as a flag value.
Every flag can also be set as TOPDESK_<NAME> (e.g. TOPDESK_URL, TOPDESK_BRANCH) or in
a TOML --config file (url = "...", branch = "...").
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="topdesk-preflight",
        description="Check whether a TOPdesk instance is ready to be connected to Humly Control "
                    "Panel, and say exactly what to fix. Read-only: it never changes TOPdesk.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_argument_group("what to check (as typed into HCP's TOPdesk wizard)")
    what.add_argument("--url", help="TOPdesk URL, e.g. https://acme.topdesk.net (https assumed)")
    what.add_argument("--username", help="the operator's login name (not its email)")
    what.add_argument("--branch", help="the branch configured in HCP, e.g. 'HQ Stockholm'")
    what.add_argument("--email", help="the operator email entered in HCP")
    what.add_argument("--room", dest="rooms", action="append", metavar="NAME",
                      help="a room HCP should import (repeatable)")
    what.add_argument("--app-password-expires", metavar="YYYY-MM-DD",
                      help="the application password's expiry date, as set in TOPdesk")
    what.add_argument("--expiry-warning-days", type=int, metavar="DAYS",
                      help="warn this many days before the application password expires (30)")
    what.add_argument("--app-password-file", metavar="PATH",
                      help="read the application password from this file (first line)")
    conn = parser.add_argument_group("connection")
    conn.add_argument("--ca-bundle", metavar="PATH", help="trust this CA bundle instead of the system store")
    conn.add_argument("--insecure", action="store_true", default=None,
                      help="do not verify TLS certificates (loudly reported)")
    conn.add_argument("--timeout", type=float, metavar="SECONDS", help="read time-out per request (10)")
    conn.add_argument("--deadline", type=float, metavar="SECONDS", help="deadline for the whole run (60)")
    conn.add_argument("--concurrency", type=int, metavar="N", help="checks run at once (8)")
    out = parser.add_argument_group("reports and output")
    out.add_argument("--output-dir", metavar="DIR", help="where reports are written (.)")
    out.add_argument("--json", dest="json_path", metavar="PATH|-", help="JSON report path, '-' for stdout")
    out.add_argument("--html", dest="html_path", metavar="PATH", help="HTML report path")
    out.add_argument("--no-html", action="store_true", default=None, help="do not write the HTML report")
    out.add_argument("--only", metavar="ID,...", help="run only these checks or areas (and prerequisites)")
    out.add_argument("--skip", metavar="ID,...", help="skip these checks or areas")
    out.add_argument("--fail-on", choices=("warn", "fail"), help="exit 1 on warnings too (fail)")
    out.add_argument("--config", metavar="FILE", help="TOML file with settings (and [[silence]] entries)")
    out.add_argument("--compare", metavar="OLD.json",
                     help="mark each check fixed / newly broken / still broken / unchanged against an "
                          "earlier JSON report")
    out.add_argument("--junit", dest="junit_path", metavar="PATH",
                     help="also write JUnit XML, one test case per check (for CI pipelines)")
    out.add_argument("--ticket-text", action="store_true",
                     help="print a short plain-text summary to paste into a support ticket")
    out.add_argument("--quiet", action="store_true", default=None, help="print only the summary")
    out.add_argument("--debug", action="store_true", default=None,
                     help="log every request (method, path, status, time; never secrets) to stderr")
    modes = parser.add_argument_group("other modes")
    modes.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    modes.add_argument("--demo", nargs="?", const=DEMO_DEFAULT_SCENARIO, metavar="SCENARIO",
                       help="run against the built-in TOPdesk simulator (default scenario: a "
                            "realistic not-ready instance); needs the 'demo' extra (trustme)")
    modes.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m topdesk_preflight`` and the ``topdesk-preflight`` script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["fleet"]:
        from topdesk_preflight import fleet_cli

        return fleet_cli.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.version:
            from topdesk_preflight import __version__

            print(f"topdesk-preflight {__version__}")
            return EXIT_READY
        if args.list_checks:
            return list_checks(sys.stdout)
        return _run(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_TOOL_BROKE
    except Exception as exc:  # the last line of defence: a message, never a traceback
        from topdesk_preflight.settings import SettingsError

        if isinstance(exc, SettingsError):
            print(f"topdesk-preflight: {exc}", file=sys.stderr)
            return EXIT_USAGE
        logging.getLogger("topdesk_preflight").debug("unexpected failure", exc_info=True)
        print(f"topdesk-preflight itself failed: {type(exc).__name__}: {exc}\n"
              "This is a bug; please report it with the output of --debug.", file=sys.stderr)
        return EXIT_TOOL_BROKE


def list_checks(stream: TextIO) -> int:
    from topdesk_preflight.registry import RegistryError, load_catalogue

    try:
        registry = load_catalogue()
    except RegistryError as exc:
        print(f"topdesk-preflight: the check catalogue is broken: {exc}", file=sys.stderr)
        return EXIT_TOOL_BROKE
    width = max((len(s.id) for s in registry), default=10)
    stream.write(f"{'ID':<{width}}  TITLE / GUIDE SECTION / DEPENDS ON\n")
    for spec in registry:
        stream.write(f"{spec.id:<{width}}  {spec.title}\n")
        stream.write(f"{'':<{width}}    guide: {spec.guide}\n")
        if spec.depends_on:
            stream.write(f"{'':<{width}}    needs: {', '.join(spec.depends_on)}\n")
    stream.write(f"{len(registry)} checks\n")
    return EXIT_READY


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    names = ("url", "username", "branch", "email", "rooms", "app_password_expires", "expiry_warning_days",
             "ca_bundle", "insecure", "timeout", "deadline", "concurrency", "output_dir", "json_path",
             "html_path", "no_html", "only", "skip", "fail_on", "quiet", "debug", "app_password_file",
             "config")
    return {name: getattr(args, name) for name in names}


_debug_handler: logging.Handler | None = None


def _setup_logging(debug: bool) -> None:
    """--debug: requests (method, path, status, time) to stderr; one handler however often main() runs."""
    global _debug_handler
    if not debug:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name, level in (("topdesk_preflight", logging.DEBUG), ("urllib3", logging.INFO)):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if _debug_handler is not None:
            logger.removeHandler(_debug_handler)
        logger.addHandler(handler)
    _debug_handler = handler


def _use_color(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _run(args: argparse.Namespace) -> int:
    from topdesk_preflight.settings import load_settings

    flags = _flags(args)
    _setup_logging(bool(args.debug))
    extras = _extras(args)
    if args.demo:
        return _run_demo(args.demo, flags, extras)
    settings = load_settings(flags)
    return execute(settings, extras=extras)


def _extras(args: argparse.Namespace) -> dict[str, Any]:
    """The per-run output options that are not Settings: --compare, --junit, --ticket-text."""
    extras: dict[str, Any] = {"junit_path": args.junit_path, "ticket_text": bool(args.ticket_text)}
    if args.compare:
        from topdesk_preflight.compare import load_previous

        extras["previous"] = load_previous(args.compare)  # a bad file is a settings error, before the run
        extras["previous_path"] = args.compare
    return extras


def _run_demo(scenario: str, flags: dict[str, Any], extras: dict[str, Any] | None = None) -> int:
    from topdesk_preflight.settings import SettingsError

    try:
        from topdesk_preflight.sandbox import SCENARIOS, Sandbox
    except ImportError as exc:
        raise SettingsError(f"--demo needs the simulator's extra packages ({exc.name}): "
                            "pip install 'topdesk-preflight[demo]'") from None
    if scenario not in SCENARIOS:
        raise SettingsError(f"unknown demo scenario {scenario!r}; choose one of: "
                            f"{', '.join(sorted(SCENARIOS))}")
    overrides = {k: v for k, v in flags.items()
                 if v is not None and k in ("output_dir", "json_path", "html_path", "no_html", "only",
                                            "skip", "fail_on", "quiet", "debug", "rooms",
                                            "app_password_expires", "concurrency", "timeout", "deadline")}
    if "app_password_expires" in overrides:
        from topdesk_preflight.settings import _parse_date

        overrides["app_password_expires"] = _parse_date(overrides["app_password_expires"],
                                                        "--app-password-expires")
    overrides["silences"] = _demo_silences(scenario, flags.get("config"))
    with Sandbox(scenario=scenario, tls=True) as sandbox:
        out = sys.stderr if flags.get("json_path") == "-" else sys.stdout
        out.write(f"Demo: the built-in TOPdesk simulator, scenario {scenario!r}, at {sandbox.url}\n")
        for silence in overrides["silences"]:
            out.write(f"Demo: {silence.id} is silenced until {silence.until} (an example of a [[silence]] "
                      "entry in a --config file)\n")
        return execute(sandbox.settings(**overrides), extras=extras)


def _demo_silences(scenario: str, config: str | None) -> tuple[Any, ...]:
    """The config file's silences; without one, the default demo shows what a silence looks like."""
    from datetime import date, timedelta

    from topdesk_preflight.settings import Silence, load_silences

    if config:
        return load_silences(config)
    if scenario != DEMO_DEFAULT_SCENARIO:
        return ()
    until = date.today() + timedelta(days=14)
    return (Silence("rooms.reservable", "The facility team makes Borealis 2.10 reservable this sprint "
                                        "(ticket FAC-2231)", until),)


def execute(settings: Any, *, extras: dict[str, Any] | None = None) -> int:
    """Run, print and write the reports for ``settings``; return the exit code."""
    extras = extras or {}
    from topdesk_preflight import reports
    from topdesk_preflight.runner import run_preflight

    json_to_stdout = settings.json_path == "-"
    out = sys.stderr if json_to_stdout else sys.stdout
    color = _use_color(out)
    if settings.insecure:
        out.write("WARNING: --insecure: TLS certificates are NOT verified; anyone on the path could "
                  "impersonate TOPdesk. The report says so too.\n")

    def on_result(result: Any) -> None:
        if not settings.quiet:
            out.write(reports.result_line(result, color=color) + "\n")
            out.flush()

    report = run_preflight(settings, on_result=on_result)
    if extras.get("previous") is not None:
        from topdesk_preflight.compare import change_lines, compare

        report = compare(report, extras["previous"], previous_path=extras["previous_path"])
    json_default, html_default = reports.default_paths(report, settings.output_dir)
    json_path = Path(settings.json_path) if settings.json_path and not json_to_stdout else json_default
    json_text = reports.render_json(report)  # once, so the HTML's embedded copy and SHA-256 match the file
    written = []
    if json_to_stdout:
        sys.stdout.write(json_text)
        sys.stdout.flush()
    else:
        written.append(reports.write_json(report, json_path, json_text=json_text))
    if not settings.no_html:
        written.append(reports.write_html(report, settings.html_path or html_default, json_text=json_text,
                                          json_name=json_path.name))
    if extras.get("junit_path"):
        from topdesk_preflight.reports.junit import write_junit

        written.append(write_junit(report, extras["junit_path"]))
    for line in reports.summary_lines(report, color=color, paths=written):
        out.write(line + "\n")
    if extras.get("previous") is not None:
        for line in change_lines(report)[2:]:  # the counts are in the summary already; add the lists
            out.write(line + "\n")
    if extras.get("ticket_text"):
        out.write("\n" + reports.ticket_text(report, files=written).rstrip("\n") + "\n")
    out.flush()
    return exit_code(report, fail_on=settings.fail_on)


def exit_code(report: Any, *, fail_on: str = "fail") -> int:
    """0 ready, 1 not ready, 4 unknown (an error but no failure); silenced results never count."""
    from topdesk_preflight.model import Status

    readiness = report.readiness
    if readiness == "not_ready":
        return EXIT_NOT_READY
    if readiness == "unknown":
        return EXIT_UNKNOWN
    if fail_on == "warn" and any(r.status is Status.WARN and r.silenced is None for r in report.results):
        return EXIT_NOT_READY
    return EXIT_READY
