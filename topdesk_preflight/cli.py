"""The command line's front door: dispatch, the one line for every way a run ends, logging, --list-checks.

The rest lives beside it: the flags and ``--help`` (cli_parser), a run and its
reports (cli_execute), ``--demo`` (cli_demo), report paths refused before the
run (cli_paths), streams that survive a closed pipe (cli_streams) and the exit
codes (exit_codes). The names other modules and tests import from here
(``main``, ``execute``, ``build_parser``, ``EPILOG``, ``EXIT_*`` …) stay here.

Imports are lazy on purpose: ``--help``, ``--version`` and ``--list-checks`` must
answer in a fraction of a second, so requests, jinja2 and the sandbox are only
imported when a run needs them; every module imported below is standard library
underneath until a function of it runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any, Sequence, TextIO

from topdesk_preflight.cli_execute import exit_code, execute
from topdesk_preflight.cli_parser import DEMO_DEFAULT_SCENARIO, EPILOG, build_parser, flags_of
from topdesk_preflight.cli_paths import check_output_paths
from topdesk_preflight.cli_streams import ProgressStream, output_closed, silence_stream
from topdesk_preflight.exit_codes import ExitCode

__all__ = ["main", "execute", "exit_code", "build_parser", "EPILOG", "DEMO_DEFAULT_SCENARIO", "ExitCode",
           "check_output_paths", "ProgressStream", "output_closed", "silence_stream", "missing_dependency",
           "list_checks", "EXIT_READY", "EXIT_NOT_READY", "EXIT_USAGE", "EXIT_TOOL_BROKE", "EXIT_UNKNOWN",
           "EXIT_INTERRUPTED", "EXIT_OUTPUT_CLOSED"]

# The exit codes under their older names (tests, scripts and fleet_cli import them from here).
EXIT_READY = ExitCode.READY
EXIT_NOT_READY = ExitCode.NOT_READY
EXIT_USAGE = ExitCode.USAGE
EXIT_TOOL_BROKE = ExitCode.TOOL_BROKE
EXIT_UNKNOWN = ExitCode.UNKNOWN
EXIT_INTERRUPTED = ExitCode.INTERRUPTED
EXIT_OUTPUT_CLOSED = ExitCode.OUTPUT_CLOSED

#: The packages setup.cfg installs with the tool (import names, with the requests stack's own ones).
#: Without one of them the tool cannot run: a setup problem (exit 2), never a defect (exit 3).
REQUIRED_PACKAGES = {"requests": "requests", "attrs": "attrs", "attr": "attrs", "tenacity": "tenacity",
                     "jinja2": "Jinja2", "markupsafe": "MarkupSafe", "truststore": "truststore",
                     "urllib3": "urllib3", "charset_normalizer": "charset-normalizer", "idna": "idna",
                     "certifi": "certifi"}


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
        return ExitCode.INTERRUPTED
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
        return ExitCode.READY
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
        return ExitCode.USAGE
    missing = missing_dependency(exc)
    if missing is not None:
        print(f"topdesk-preflight: {missing}", file=sys.stderr)
        return ExitCode.USAGE
    logging.getLogger("topdesk_preflight").debug("unexpected failure", exc_info=True)
    print(f"topdesk-preflight itself failed: {type(exc).__name__}: {exc}\n"
          "This is a bug; please report it with the output of --debug.", file=sys.stderr)
    return ExitCode.TOOL_BROKE


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


def list_checks(stream: TextIO) -> int:
    """``--list-checks``: every check with its guide section and prerequisites (no request, no requests)."""
    from topdesk_preflight.registry import RegistryError, load_catalogue

    try:
        registry = load_catalogue()
    except RegistryError as exc:
        print(f"topdesk-preflight: the check catalogue is broken: {exc}", file=sys.stderr)
        return ExitCode.TOOL_BROKE
    width = max((len(s.id) for s in registry), default=10)
    stream.write(f"{'ID':<{width}}  TITLE / GUIDE SECTION / DEPENDS ON\n")
    for spec in registry:
        stream.write(f"{spec.id:<{width}}  {spec.title}\n")
        stream.write(f"{'':<{width}}    guide: {spec.guide}\n")
        if spec.depends_on:
            stream.write(f"{'':<{width}}    needs: {', '.join(spec.depends_on)}\n")
    stream.write(f"{len(registry)} checks\n")
    return ExitCode.READY


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
        # The loggers' own levels back to their defaults (an earlier --debug run in this process may
        # have lowered them): the handler's level decides what shows, and a caller's logging setup
        # (a library user's, pytest's caplog) still sees every record it asks for.
        levels = (("topdesk_preflight", logging.NOTSET), ("urllib3", logging.NOTSET))
    for name in ("topdesk_preflight", "urllib3"):
        if _log_handler is not None:
            logging.getLogger(name).removeHandler(_log_handler)
    for name, level in levels:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if name == "topdesk_preflight" or debug:
            logger.addHandler(handler)
    _log_handler = handler


def _run(args: argparse.Namespace) -> int:
    from topdesk_preflight.settings import load_settings

    flags = flags_of(args)
    _setup_logging(bool(args.debug))
    extras = _extras(args)
    if args.demo:
        from topdesk_preflight.cli_demo import run_demo

        return run_demo(args.demo, flags, extras, profile=args.profile, port=args.demo_port,
                        on_settings=_settings_loaded)
    for demo_only in ("profile", "demo_port"):
        if getattr(args, demo_only) is not None:
            from topdesk_preflight.settings import SettingsError

            raise SettingsError(f"--{demo_only.replace('_', '-')} only applies to --demo (the built-in "
                                "simulator): a real TOPdesk is what it is.")
    settings = load_settings(flags)
    _settings_loaded(settings)
    return execute(settings, extras=extras)


def _settings_loaded(settings: Any) -> None:
    """``TOPDESK_DEBUG=1`` (or ``debug = true`` in the config file) logs every request, as --debug does."""
    if settings.debug:
        _setup_logging(True)


def _extras(args: argparse.Namespace) -> dict[str, Any]:
    """The per-run output options that are not Settings: --compare, --junit, --ticket-text."""
    extras: dict[str, Any] = {"junit_path": args.junit_path, "ticket_text": bool(args.ticket_text),
                              "verbose": bool(args.verbose)}
    if args.compare:
        from topdesk_preflight.compare import load_previous

        extras["previous"] = load_previous(args.compare)  # a bad file is a settings error, before the run
        extras["previous_path"] = args.compare
    return extras
