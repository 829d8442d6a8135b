"""The command line: parse flags, run the catalogue, print as checks finish, write reports, exit.

Imports are lazy on purpose: ``--help``, ``--version`` and ``--list-checks`` must
answer in a fraction of a second, so requests, jinja2 and the sandbox are only
imported when a run needs them.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TextIO

# Exit codes: a public contract, documented in the README and in --help.
EXIT_READY = 0
EXIT_NOT_READY = 1
EXIT_USAGE = 2
EXIT_TOOL_BROKE = 3
EXIT_UNKNOWN = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for a program stopped with Ctrl-C
# The reader of the output went away (``... | head -2``). A shell reports 128 + SIGPIPE = 141 for a
# program the broken pipe killed, and that is what we exit with, quietly, as Python's documentation
# advises (stdout pointed at os.devnull). Not 1, the recipe's example: here 1 means "not ready", and a
# script must not read a closed pipe as a verdict on TOPdesk; never 3, nothing is broken.
EXIT_OUTPUT_CLOSED = 141

#: The packages setup.cfg installs with the tool (import names, with the requests stack's own ones).
#: Without one of them the tool cannot run: a setup problem (exit 2), never a defect (exit 3).
REQUIRED_PACKAGES = {"requests": "requests", "attrs": "attrs", "attr": "attrs", "tenacity": "tenacity",
                     "jinja2": "Jinja2", "markupsafe": "MarkupSafe", "truststore": "truststore",
                     "urllib3": "urllib3", "charset_normalizer": "charset-normalizer", "idna": "idna",
                     "certifi": "certifi"}
#: What only ``--demo`` needs: setup.cfg's ``demo`` extra (trustme, and cryptography under it).
DEMO_EXTRA_PACKAGES = frozenset({"trustme", "cryptography"})

DEMO_DEFAULT_SCENARIO = "demo"

EPILOG = """\
statuses:
  PASS   verified: read from TOPdesk and right
  WARN   works, but worth a look (or could not be verified, and the line says why)
  FAIL   TOPdesk showed the fault; the steps say who fixes it
  ERROR  could not be assessed (TOPdesk or the network failed): readiness unknown
  SKIP   nothing verified: blocked by a prerequisite that did not pass, or not checked
         because a setting was not given (the line names the flag, e.g. --room)

fleet mode:
  topdesk-preflight fleet TARGETS.toml    check many tenants at once (see fleet --help)

redacted reports (--redact):
  topdesk-preflight unredact REPORT.json --map KEY.redaction-map.json
                                          the report with the real values, for the customer's admin

exit codes:
  0  ready: no check failed or errored (warnings allowed unless --fail-on warn)
  1  not ready: at least one check failed (or warned, with --fail-on warn)
  2  usage or settings error (the message says which flag or variable to fix)
  3  topdesk-preflight itself broke (please report it with the --debug output)
  4  readiness unknown: nothing failed, but at least one check could not be assessed (error)
  130  interrupted (Ctrl-C)
  141  the output's reader went away (e.g. | head); reports are still written if the run got that far
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
    what.add_argument("--branch", help="the branch configured in HCP, e.g. 'HQ Stockholm' (required unless "
                                       "--only/--skip narrows the run)")
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
    out.add_argument("--redact", action="store_true", default=None,
                     help="replace the names, emails, logins and phone numbers TOPdesk returned by tokens "
                          "(person-1) in every output; the key goes to a private *.redaction-map.json")
    out.add_argument("--redaction-map", metavar="PATH",
                     help="with --redact: the key file to reuse and extend, so tokens stay the same across runs")
    out.add_argument("--ticket-text", action="store_true",
                     help="print a short plain-text summary to paste into a support ticket")
    out.add_argument("--quiet", action="store_true", default=None, help="print only the summary")
    out.add_argument("-v", "--verbose", action="store_true",
                     help="show how long each check took on its line")
    out.add_argument("--debug", action="store_true", default=None,
                     help="log every request (method, path, status, time; never secrets) to stderr")
    modes = parser.add_argument_group("other modes")
    modes.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    modes.add_argument("--demo", nargs="?", const=DEMO_DEFAULT_SCENARIO, metavar="SCENARIO",
                       help="run against the built-in TOPdesk simulator (default scenario: a "
                            "realistic not-ready instance); needs the 'demo' extra (trustme)")
    modes.add_argument("--profile", metavar="NAME[+NAME]",
                       help="with --demo: simulate another kind of TOPdesk (e.g. pre_2024, french, "
                            "branch_filter; python -m topdesk_preflight.sandbox --list-profiles)")
    modes.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m topdesk_preflight`` and the ``topdesk-preflight`` script.

    Every ordinary way for a run to end gets one line and its exit code; only a
    real defect is called a bug (exit 3), and nothing prints a traceback.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    from topdesk_preflight.interrupt import ctrl_c_stops_everything

    try:
        try:
            with ctrl_c_stops_everything():
                return _main(argv)
        finally:
            sys.stdout.flush()  # so a closed pipe shows here, not in the interpreter's own flush at exit
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return output_closed()
    except Exception as exc:  # the last line of defence: a message, never a traceback
        return _report_failure(exc)


def _main(argv: list[str]) -> int:
    if argv[:1] == ["unredact"]:  # the key file's values back into a redacted report
        from topdesk_preflight import unredact_cli

        return unredact_cli.main(argv[1:])
    if argv[:1] == ["fleet"]:
        from topdesk_preflight import fleet_cli

        return fleet_cli.main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.version:
        from topdesk_preflight import __version__

        print(f"topdesk-preflight {__version__}")
        return EXIT_READY
    if args.list_checks:
        return list_checks(sys.stdout)
    return _run(args)


def _report_failure(exc: Exception) -> int:
    """Print one line for ``exc`` and return its exit code: 2 for a setup or settings problem, else 3.

    SettingsError is looked up in ``sys.modules`` rather than imported: when a
    dependency is missing, importing the settings module would fail all over again.
    An exception cannot be a SettingsError if that module was never imported.
    """
    settings = sys.modules.get("topdesk_preflight.settings")
    if settings is not None and isinstance(exc, settings.SettingsError):
        print(f"topdesk-preflight: {exc}", file=sys.stderr)
        return EXIT_USAGE
    missing = missing_dependency(exc)
    if missing is not None:
        print(f"topdesk-preflight: {missing}", file=sys.stderr)
        return EXIT_USAGE
    logging.getLogger("topdesk_preflight").debug("unexpected failure", exc_info=True)
    print(f"topdesk-preflight itself failed: {type(exc).__name__}: {exc}\n"
          "This is a bug; please report it with the output of --debug.", file=sys.stderr)
    return EXIT_TOOL_BROKE


def missing_dependency(exc: BaseException) -> str | None:
    """What to install, when ``exc`` (or what caused it) is a package of the tool's that is not installed.

    A bare virtual environment, or ``pip install --no-deps``, leaves the tool
    without requests or attrs: the user's setup is incomplete, so the answer is
    an install command, not a bug report.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ModuleNotFoundError) and current.name:
            package = REQUIRED_PACKAGES.get(current.name.partition(".")[0])
            if package is not None:
                return (f"the package {package!r} is not installed in this Python ({sys.executable}): install "
                        "topdesk-preflight with its dependencies: pip install topdesk-preflight "
                        "(in a clone of the project: pip install -e .)")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return None


def output_closed() -> int:
    """The reader of stdout went away: go quiet, as Python's documentation advises, and exit 141.

    Both streams are pointed at os.devnull so that nothing written later, nor the
    interpreter's flush at exit, raises BrokenPipeError again.
    """
    for stream in (sys.stdout, sys.stderr):
        silence_stream(stream)
    return EXIT_OUTPUT_CLOSED


def silence_stream(stream: TextIO) -> None:
    """Point ``stream``'s file descriptor at os.devnull (a stream with none, e.g. a test's capture, is left)."""
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


class ProgressStream:
    """Writes progress lines as checks finish, and goes quiet once the reader is gone (``| head``).

    The runner calls the progress callback from its loop and swallows what it
    raises, logging a traceback under --debug; so a closed pipe is handled here,
    once: the stream is silenced, the run goes on and still writes its reports,
    and :attr:`reader_gone` tells the caller to exit 141.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.reader_gone = False

    def write_line(self, text: str) -> None:
        if self.reader_gone:
            return
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except BrokenPipeError:
            self.reader_gone = True
            silence_stream(self.stream)


def _catalogue_order(settings: Any) -> list[Any]:
    """The selected checks in catalogue order, the order progress lines come in ([] if unknown yet).

    A selection that cannot be made (a typo in --only) is run_preflight's to report as a settings
    error; the progress lines then have nothing to order.
    """
    try:
        from topdesk_preflight.registry import load_catalogue

        return list(load_catalogue().select(settings.only, settings.skip))
    except Exception:
        return []


def _as_silenced(result: Any, settings: Any) -> Any:
    """``result`` marked as a config-file silence will mark it in the report, for its progress line."""
    silences = getattr(settings, "silences", ())
    if not silences:
        return result
    from datetime import datetime, timezone

    from topdesk_preflight.runner import apply_silences

    try:
        return apply_silences([result], silences, datetime.now(timezone.utc).date())[0][0]
    except Exception:  # a progress line is never worth a failed run
        return result


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
             "config", "redact", "redaction_map")
    return {name: getattr(args, name) for name in names}


_log_handler: logging.Handler | None = None


def _not_in_the_summary(record: logging.LogRecord) -> bool:
    """Drop a warning the run's summary says anyway (``extra={"in_summary": True}``), so it is said once."""
    return not getattr(record, "in_summary", False)


def _setup_logging(debug: bool) -> None:
    """The package's log lines on stderr, redacted; one handler however often main() runs.

    Without --debug only warnings show, as "WARNING: ..." (a warning the
    summary repeats is dropped); with --debug every request (method, path,
    status, time) and urllib3's connection lines too. Either way the handler's
    last pass removes secrets and terminal escapes.
    """
    global _log_handler
    from topdesk_preflight.redaction import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    levels: tuple[tuple[str, int], ...]
    if debug:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        levels = (("topdesk_preflight", logging.DEBUG), ("urllib3", logging.INFO))
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        handler.setLevel(logging.WARNING)
        handler.addFilter(_not_in_the_summary)
        levels = (("topdesk_preflight", logging.WARNING),)
    for name in ("topdesk_preflight", "urllib3"):
        if _log_handler is not None:
            logging.getLogger(name).removeHandler(_log_handler)
    for name, level in levels:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
    _log_handler = handler


def _use_color(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _run(args: argparse.Namespace) -> int:
    from topdesk_preflight.settings import load_settings

    flags = _flags(args)
    _setup_logging(bool(args.debug))
    extras = _extras(args)
    if args.demo:
        return _run_demo(args.demo, flags, extras, profile=args.profile)
    if args.profile:
        from topdesk_preflight.settings import SettingsError

        raise SettingsError("--profile only applies to --demo (the built-in simulator): a real TOPdesk is "
                            "what it is.")
    settings = load_settings(flags)
    return execute(settings, extras=extras)


def _extras(args: argparse.Namespace) -> dict[str, Any]:
    """The per-run output options that are not Settings: --compare, --junit, --ticket-text."""
    extras: dict[str, Any] = {"junit_path": args.junit_path, "ticket_text": bool(args.ticket_text),
                              "verbose": bool(args.verbose)}
    if args.compare:
        from topdesk_preflight.compare import load_previous

        extras["previous"] = load_previous(args.compare)  # a bad file is a settings error, before the run
        extras["previous_path"] = args.compare
    return extras


def _run_demo(scenario: str, flags: dict[str, Any], extras: dict[str, Any] | None = None, *,
              profile: str | None = None) -> int:
    from topdesk_preflight.settings import SettingsError

    with _demo_extra_needed():
        from topdesk_preflight.sandbox import SCENARIOS, Sandbox
        from topdesk_preflight.sandbox.profiles import parse_profile
    if scenario not in SCENARIOS:
        raise SettingsError(f"unknown demo scenario {scenario!r}; choose one of: "
                            f"{', '.join(sorted(SCENARIOS))}")
    try:
        chosen = parse_profile(profile or "saas")
    except (KeyError, ValueError) as exc:
        raise SettingsError(f"--profile: {exc.args[0] if exc.args else exc}") from None
    overrides = {k: v for k, v in flags.items()
                 if v is not None and k in ("output_dir", "json_path", "html_path", "no_html", "only",
                                            "skip", "fail_on", "quiet", "debug", "rooms",
                                            "app_password_expires", "concurrency", "timeout", "deadline",
                                            "redact", "redaction_map")}
    if "app_password_expires" in overrides:
        from topdesk_preflight.settings import _parse_date

        overrides["app_password_expires"] = _parse_date(overrides["app_password_expires"],
                                                        "--app-password-expires")
    overrides["silences"] = _demo_silences(scenario, flags.get("config"))
    check_output_paths(overrides.get("output_dir"), json_path=overrides.get("json_path"),
                       html_path=overrides.get("html_path"), no_html=bool(overrides.get("no_html")),
                       junit_path=(extras or {}).get("junit_path"))  # before the simulator starts
    with _demo_extra_needed():
        sandbox = Sandbox(scenario=scenario, tls=True, profile=chosen).start()  # TLS imports trustme only now
    with sandbox:
        banner_stream = sys.stderr if flags.get("json_path") == "-" else sys.stdout
        banner = ProgressStream(banner_stream)
        kind = f", profile {profile!r}" if profile else ""
        said = [f"Demo: the built-in TOPdesk simulator, scenario {scenario!r}{kind}, at {sandbox.url}"]
        said += [f"Demo: {silence.id} is silenced until {silence.until} (an example of a [[silence]] entry in "
                 "a --config file)" for silence in overrides["silences"]]
        for text in said:
            for line in _wrapped(text, banner_stream):
                banner.write_line(line)
        code = execute(sandbox.settings(**overrides), extras=extras)
        return EXIT_OUTPUT_CLOSED if banner.reader_gone else code


def _wrapped(text: str, stream: TextIO) -> list[str]:
    """``text`` wrapped to the terminal's width under its "Demo: " label; a URL is never broken."""
    import textwrap

    from topdesk_preflight.reports.text_report import terminal_width

    return textwrap.wrap(text, terminal_width(stream) - 1, subsequent_indent="      ", break_long_words=False,
                         break_on_hyphens=False) or [text]


@contextlib.contextmanager
def _demo_extra_needed() -> Iterator[None]:
    """Turn a missing package of the ``demo`` extra into the one line that says how to install it.

    The simulator imports trustme only when it starts over TLS, so both the
    import of the sandbox package and its start are guarded; any other missing
    module is left to :func:`main` (a missing dependency, or a real defect).
    """
    from topdesk_preflight.settings import SettingsError

    try:
        yield
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in DEMO_EXTRA_PACKAGES:
            raise
        raise SettingsError(f"--demo needs the 'demo' extra ({exc.name} is not installed): "
                            "pip install 'topdesk-preflight[demo]'") from None


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
    from topdesk_preflight.reports.progress_lines import ProgressLines
    from topdesk_preflight.activity import activity_line
    from topdesk_preflight.reports.text_report import ASCII_GLYPHS, marks_for, terminal_width
    from topdesk_preflight.reports.ticket_report import ticket_block
    from topdesk_preflight.runner import run_preflight

    check_output_paths(settings.output_dir, json_path=settings.json_path, html_path=settings.html_path,
                       no_html=settings.no_html, junit_path=extras.get("junit_path"))
    from topdesk_preflight import redaction_key

    redaction_key.check_key_path(getattr(settings, "redaction_map", None))
    json_to_stdout = settings.json_path == "-"
    out = sys.stderr if json_to_stdout else sys.stdout
    progress = ProgressStream(out)
    color = _use_color(out)
    width = terminal_width(out)
    # One line per check in catalogue order, fitted to the width; --insecure is said once, by the
    # summary's WARNING line (the report's warning), not here as well.
    # A glyph per status (ASCII where the terminal cannot show it), durations only with -v or --debug.
    marks = marks_for(out)
    order = _catalogue_order(settings)
    lines = ProgressLines(order, color=color, width=width, marks=marks,
                          timings=bool(extras.get("verbose") or settings.debug))

    with activity_line(sys.stderr, order, width=terminal_width(sys.stderr), enabled=not settings.debug,
                       ascii_only=marks_for(sys.stderr) is ASCII_GLYPHS) as activity:
        def on_result(result: Any) -> None:
            if activity is not None:
                activity.finished(result.id)
            if not settings.quiet:
                for line in lines.add(_as_silenced(result, settings)):
                    if activity is None:
                        progress.write_line(line)
                    else:
                        with activity.above():
                            progress.write_line(line)

        report = run_preflight(settings, on_result=on_result)
    if not settings.quiet:
        for line in lines.finish():
            progress.write_line(line)
    if extras.get("previous") is not None:
        from topdesk_preflight.compare import change_lines, compare

        report = compare(report, extras["previous"], previous_path=extras["previous_path"])
    json_default, html_default = reports.default_paths(report, settings.output_dir)
    json_path = Path(settings.json_path) if settings.json_path and not json_to_stdout else json_default
    report, key_path = redaction_key.attach_key(report, settings, json_path)  # --redact: the key's name
    written: list[Path] = []
    unwritten: list[tuple[str, BaseException]] = []
    key_note: list[str] = []
    if key_path is not None:  # first: without the key the reports' tokens cannot be turned back into cards
        try:
            with _report_writing():
                key_note = redaction_key.save_key(report, key_path, json_path=None if json_to_stdout else json_path)
        except Exception as exc:
            unwritten.append(("redaction key", exc))
    json_text: str | None = None
    try:
        json_text = reports.render_json(report)  # once, so the HTML's embedded copy and SHA-256 match the file
    except Exception as exc:  # a defect; the other reports are still written
        unwritten.append(("JSON", exc))
    if json_to_stdout and json_text is not None:
        sys.stdout.write(json_text)
        sys.stdout.flush()
    # Each report under its own guard: one renderer's failure still leaves the others on disk.
    outputs: list[tuple[str, Callable[[], Path]]] = []
    if not json_to_stdout and json_text is not None:
        outputs.append(("JSON", lambda: reports.write_json(report, json_path, json_text=json_text)))
    if not settings.no_html:
        outputs.append(("HTML", lambda: reports.write_html(report, settings.html_path or html_default,
                                                           json_text=json_text, json_name=json_path.name)))
    if extras.get("junit_path"):
        from topdesk_preflight.reports.junit import write_junit

        outputs.append(("JUnit", lambda: write_junit(report, extras["junit_path"])))
    for what, produce in outputs:
        try:
            with _report_writing():
                written.append(produce())
        except Exception as exc:
            unwritten.append((what, exc))
    for line in [*reports.summary_lines(report, color=color, paths=written, width=width, marks=marks), *key_note]:
        out.write(line + "\n")
    if extras.get("previous") is not None:
        for line in change_lines(report)[2:]:  # the counts are in the summary already; add the lists
            out.write(line + "\n")
    if extras.get("ticket_text"):  # last, between a start and an end line: exactly what to paste
        for line in ticket_block(report, files=written):
            out.write(line + "\n")
    out.flush()
    if unwritten:
        return _report_unwritten(unwritten)
    if progress.reader_gone:
        return EXIT_OUTPUT_CLOSED
    return exit_code(report, fail_on=settings.fail_on)


def _report_unwritten(unwritten: list[tuple[str, BaseException]]) -> int:
    """Say which report is missing and why: a full disk is the user's to fix (2), anything else is ours (3)."""
    from topdesk_preflight.settings import SettingsError

    for what, exc in unwritten:
        if isinstance(exc, SettingsError):
            print(f"topdesk-preflight: {exc}", file=sys.stderr)
        else:
            logging.getLogger("topdesk_preflight").debug("the %s report failed", what, exc_info=exc)
            print(f"topdesk-preflight could not write the {what} report ({type(exc).__name__}); the other "
                  "reports were written. This is a bug; please report it with the output of --debug.",
                  file=sys.stderr)
    return EXIT_USAGE if all(isinstance(exc, SettingsError) for _, exc in unwritten) else EXIT_TOOL_BROKE


# --- report paths: refused before the run, not after it ------------------------------------------

def check_output_paths(output_dir: str | None, *, json_path: str | None = None, html_path: str | None = None,
                       no_html: bool = False, junit_path: str | None = None) -> None:
    """Raise a one-line SettingsError for a report path that could only fail once the run is over.

    The reports are written after every check has run, so an ``--output-dir``
    that is a file, or a ``--json`` path inside a read-only folder, would
    otherwise cost the whole run (and its requests) and then end in an error. A
    folder that does not exist yet is fine: the reports' writer creates it
    (``reports/paths.atomic_write_text``), so only what would stop it is refused.
    """
    if json_path is None or (not no_html and not html_path):  # a report goes to the output folder
        _check_report_folder(output_dir or ".")
    named = {"--json": None if json_path == "-" else json_path, "--html": None if no_html else html_path,
             "--junit": junit_path}
    for flag, path in named.items():
        if path:
            _check_report_file(flag, str(path))
    given = {flag: os.path.realpath(path) for flag, path in named.items() if path}
    for flag, path in given.items():
        same = [other for other, other_path in given.items() if other != flag and other_path == path]
        if same:
            from topdesk_preflight.settings import SettingsError

            raise SettingsError(f"{flag} and {same[0]} name the same file: each report needs its own path.")


def _check_report_folder(folder: str) -> None:
    from topdesk_preflight.settings import SettingsError

    problem = _folder_problem(folder)
    if problem is not None:
        raise SettingsError(f"--output-dir {folder!r} cannot hold the reports: {problem}; pass a folder "
                            "you can write to (it is created if missing).")


def _check_report_file(flag: str, path: str) -> None:
    from topdesk_preflight.settings import SettingsError

    if os.path.isdir(path):
        raise SettingsError(f"{flag} {path!r} is a folder: pass a file name, e.g. "
                            f"{os.path.join(path, 'report' + _SUFFIXES[flag])!r}.")
    problem = _folder_problem(os.path.dirname(path) or ".")
    if problem is not None:
        raise SettingsError(f"{flag} {path!r} cannot be written: {problem}; pass a path in a folder "
                            "you can write to.")


_SUFFIXES = {"--json": ".json", "--html": ".html", "--junit": ".xml"}


def _folder_problem(folder: str) -> str | None:
    """Why no file could be written in ``folder`` (created as needed), or None when one can.

    The nearest part of the path that exists decides: it must be a folder this
    user may write into (and so create the rest below).
    """
    existing = os.path.abspath(folder)
    while not os.path.lexists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return f"{existing!r} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"the folder {existing!r} is not writable for this user"
    return None


@contextlib.contextmanager
def _report_writing() -> Iterator[None]:
    """A report that cannot be written after all (the disk filled up, a folder vanished): one line, exit 2."""
    from topdesk_preflight.settings import SettingsError

    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            raise
        raise SettingsError(f"Cannot write the report {exc.filename!r}: {exc.strerror or exc}; free some space "
                            "or pass another --output-dir (or --json/--html/--junit path).") from None


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
