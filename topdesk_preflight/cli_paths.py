"""Report paths that cannot work are refused before the run, not after it.

The reports are written after every check has run, so an ``--output-dir`` that
is a file, or a ``--json`` path inside a read-only folder, would otherwise cost
the whole run (and its requests) and then end in an error. Each problem is one
:class:`SettingsError` line (exit 2). Standard library only until a problem is found.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

_SUFFIXES = {"--json": ".json", "--html": ".html", "--junit": ".xml"}


def check_output_paths(output_dir: str | None, *, json_path: str | None = None, html_path: str | None = None,
                       no_html: bool = False, junit_path: str | None = None) -> None:
    """Raise a one-line SettingsError for a report path that could only fail once the run is over.

    A folder that does not exist yet is fine: the reports' writer creates it
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
def report_writing() -> Iterator[None]:
    """A report that cannot be written after all (the disk filled up, a folder vanished): one line, exit 2."""
    from topdesk_preflight.settings import SettingsError

    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            raise
        raise SettingsError(f"Cannot write the report {exc.filename!r}: {exc.strerror or exc}; free some space "
                            "or pass another --output-dir (or --json/--html/--junit path).") from None
