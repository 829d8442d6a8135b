"""One run and its outputs: the progress lines as checks finish, the reports, the summary, the exit code.

Every report is written under its own guard, so one renderer's failure still
leaves the others on disk, and a full disk is the user's to fix (exit 2) while
a renderer's defect is ours (exit 3). Imports are lazy: ``cli`` imports this
module for ``cli.execute``, and ``--list-checks`` must not pay for requests.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Callable

from topdesk_preflight.cli_paths import check_output_paths, report_writing
from topdesk_preflight.cli_streams import ProgressStream, use_color
from topdesk_preflight.exit_codes import ExitCode, exit_code_for


def execute(settings: Any, *, extras: dict[str, Any] | None = None) -> int:
    """Run, print and write the reports for ``settings``; return the exit code.

    ``extras`` holds the per-run output options that are not Settings:
    ``junit_path``, ``ticket_text``, ``verbose``, and with --compare ``previous``
    (the earlier report, already read) and ``previous_path``.
    """
    extras = extras or {}
    from topdesk_preflight import redaction_key, reports
    from topdesk_preflight.activity import activity_line
    from topdesk_preflight.compare import compare, marked
    from topdesk_preflight.reports.progress_lines import ProgressLines
    from topdesk_preflight.reports.text_report import ASCII_GLYPHS, marks_for, terminal_width
    from topdesk_preflight.reports.ticket_report import ticket_block
    from topdesk_preflight.runner import run_preflight

    check_output_paths(settings.output_dir, json_path=settings.json_path, html_path=settings.html_path,
                       no_html=settings.no_html, junit_path=extras.get("junit_path"))
    redaction_key.check_key_path(getattr(settings, "redaction_map", None))
    json_to_stdout = settings.json_path == "-"
    out = sys.stderr if json_to_stdout else sys.stdout
    progress = ProgressStream(out)
    color = use_color(out)
    width = terminal_width(out)
    # One line per check in catalogue order, fitted to the width; --insecure is said once, by the
    # summary's WARNING line (the report's warning), not here as well.
    # A glyph per status (ASCII where the terminal cannot show it), durations only with -v or --debug.
    marks = marks_for(out)
    order = catalogue_order(settings)
    lines = ProgressLines(order, color=color, width=width, marks=marks,
                          timings=bool(extras.get("verbose") or settings.debug))
    previous = extras.get("previous")  # --compare: the earlier report, already read

    with activity_line(sys.stderr, order, width=terminal_width(sys.stderr), enabled=not settings.debug,
                       ascii_only=marks_for(sys.stderr) is ASCII_GLYPHS) as activity:
        def on_result(result: Any) -> None:
            if activity is not None:
                activity.finished(result.id)
            if not settings.quiet:
                # Each line carries its --compare tag ([fixed], [newly broken]) as the check finishes.
                for line in lines.add(marked(as_silenced(result, settings), previous)):
                    if activity is None:
                        progress.write_line(line)
                    else:
                        with activity.above():
                            progress.write_line(line)

        report = run_preflight(settings, on_result=on_result)
    if not settings.quiet:
        for line in lines.finish():
            progress.write_line(line)
    if previous is not None:
        report = compare(report, previous, previous_path=extras["previous_path"])
    report, written, unwritten, key_note = write_reports(report, settings, junit_path=extras.get("junit_path"))
    for line in [*reports.summary_lines(report, color=color, paths=written, width=width, marks=marks), *key_note]:
        out.write(line + "\n")
    if extras.get("ticket_text"):  # last, between a start and an end line: exactly what to paste
        for line in ticket_block(report, files=written):
            out.write(line + "\n")
    out.flush()
    if unwritten:
        return report_unwritten(unwritten)
    if progress.reader_gone:
        return ExitCode.OUTPUT_CLOSED
    return exit_code(report, fail_on=settings.fail_on)


def write_reports(report: Any, settings: Any, *, junit_path: str | None = None
                  ) -> tuple[Any, list[Path], list[tuple[str, BaseException]], list[str]]:
    """Write the --redact key, the JSON (to its file or stdout), the HTML and the JUnit XML of ``report``.

    Returns the report as written (with its key file named), the paths written, what
    could not be written and why, and the key file's note for the summary. Each output
    has its own guard, and a default name claimed for an output that was not written
    is given back whatever happens (an error, Ctrl-C).
    """
    from topdesk_preflight import redaction_key, reports
    from topdesk_preflight.reports.paths import release

    json_to_stdout = settings.json_path == "-"
    json_path, html_path, claimed = report_paths(report, settings)
    written: list[Path] = []
    unwritten: list[tuple[str, BaseException]] = []
    key_note: list[str] = []
    try:
        report, key_path = redaction_key.attach_key(report, settings, json_path)  # --redact: the key's name
        if key_path is not None:  # first: without the key the reports' tokens cannot be turned back into cards
            try:
                with report_writing():
                    key_note = redaction_key.save_key(report, key_path,
                                                      json_path=None if json_to_stdout else json_path)
            except Exception as exc:
                unwritten.append(("redaction key", exc))
        json_text: str | None = None
        try:
            json_text = reports.render_json(report)  # once: the HTML's embedded copy and SHA-256 match the file
        except Exception as exc:  # a defect; the other reports are still written
            unwritten.append(("JSON", exc))
        if json_to_stdout and json_text is not None:
            sys.stdout.write(json_text)
            sys.stdout.flush()
        outputs: list[tuple[str, Callable[[], Path]]] = []
        if not json_to_stdout and json_text is not None:
            outputs.append(("JSON", lambda: reports.write_json(report, json_path, json_text=json_text)))
        if not settings.no_html:
            outputs.append(("HTML", lambda: reports.write_html(report, html_path, json_text=json_text,
                                                               json_name=json_path.name)))
        if junit_path:
            from topdesk_preflight.reports.junit import write_junit

            outputs.append(("JUnit", lambda: write_junit(report, junit_path)))
        for what, produce in outputs:
            try:
                with report_writing():
                    written.append(produce())
            except Exception as exc:
                unwritten.append((what, exc))
    finally:
        for path in claimed:  # a name claimed for a report that was not written is given back
            if path not in written:
                release(path)
    return report, written, unwritten, key_note


def report_paths(report: Any, settings: Any) -> tuple[Path, Path, list[Path]]:
    """Where this run's JSON and HTML go, and the default names it claimed (created empty) for them.

    A name given with --json/--html is used as it is; the default names are claimed
    (reports.paths.claim_default_paths), so a run in the same second gets its own suffix
    instead of overwriting this one. With ``--json -`` the JSON's name is still chosen:
    the HTML names it, and a --redact key file goes beside it.
    """
    from topdesk_preflight.reports.paths import claim_default_paths

    json_to_stdout = settings.json_path == "-"
    wanted = [suffix for suffix, default in ((".json", not settings.json_path),
                                            (".html", not settings.no_html and not settings.html_path)) if default]
    with report_writing():
        json_default, html_default = claim_default_paths(report, settings.output_dir, claim=tuple(wanted))
    json_path = Path(settings.json_path) if settings.json_path and not json_to_stdout else json_default
    html_path = Path(settings.html_path) if settings.html_path else html_default
    claimed = [path for suffix, path in ((".json", json_default), (".html", html_default)) if suffix in wanted]
    return json_path, html_path, claimed


def report_unwritten(unwritten: list[tuple[str, BaseException]]) -> int:
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
    return ExitCode.USAGE if all(isinstance(exc, SettingsError) for _, exc in unwritten) else ExitCode.TOOL_BROKE


def catalogue_order(settings: Any) -> list[Any]:
    """The selected checks in catalogue order, the order progress lines come in ([] if unknown yet).

    A selection that cannot be made (a typo in --only) is run_preflight's to report as a settings
    error; the progress lines then have nothing to order.
    """
    try:
        from topdesk_preflight.registry import load_catalogue

        return list(load_catalogue().select(settings.only, settings.skip))
    except Exception:
        return []


def as_silenced(result: Any, settings: Any) -> Any:
    """``result`` marked as a config-file silence will mark it in the report, for its progress line."""
    silences = getattr(settings, "silences", ())
    if not silences:
        return result
    from datetime import datetime, timezone

    from topdesk_preflight.report_assembly import apply_silences

    try:
        return apply_silences([result], silences, datetime.now(timezone.utc).date())[0][0]
    except Exception:  # a progress line is never worth a failed run
        return result


def exit_code(report: Any, *, fail_on: str = "fail") -> int:
    """0 ready, 1 not ready, 4 unknown (an error but no failure); silenced results never count."""
    return exit_code_for(report, fail_on=fail_on)
