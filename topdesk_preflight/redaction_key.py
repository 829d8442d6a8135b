"""The private key file of a redacted run: which token stands for which real value.

A redacted report leaves the customer; the key must not. So it is its own file,
``<report>.redaction-map.json`` beside the JSON report (or the ``--redaction-map`` file a team
reuses so that ``person-1`` stays ``person-1`` from run to run), written readable by its owner only
(0600, created that way before any value is in it) and never referenced by anything but its name in
the report. The customer's admin turns tokens back into the cards to fix with
``python -m topdesk_preflight unredact REPORT.json --map FILE``.

A key file that cannot be used (unreadable, not JSON, not this shape) stops the run before its first
request with one line saying so (a :class:`~topdesk_preflight.settings.SettingsError`, exit 2): a
run that silently started a new numbering would give the same person two tokens. Messages name the
file and what is wrong with it, never a value from it.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from topdesk_preflight.pseudonyms import TOKEN_SHAPE, VALUE_KINDS, Pseudonymizer
from topdesk_preflight.settings import SettingsError

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import Report

KEY_SUFFIX = ".redaction-map.json"
KEY_FORMAT = "topdesk-preflight redaction key"
KEY_FORMAT_VERSION = 1
WARNING = ("PRIVATE: the real names, emails and logins behind the tokens of redacted topdesk-preflight reports. "
           "Keep this file with the customer; never attach it to a ticket.")


def _entries(values: Any) -> tuple[tuple[str, str, str], ...]:
    return tuple(values)


def _names(values: Any) -> tuple[str, ...]:
    return tuple(values)


@frozen
class KeyFile:
    """What a key file holds: the entries ``(token, value, kind)`` and the reports made with it."""

    entries: tuple[tuple[str, str, str], ...] = field(default=(), converter=_entries)
    reports: tuple[str, ...] = field(default=(), converter=_names)

    def pseudonymizer(self) -> Pseudonymizer:
        return Pseudonymizer.from_entries(self.entries)

    @property
    def values(self) -> dict[str, str]:
        """token -> real value."""
        return {token: value for token, value, _ in self.entries}


def key_path_for(json_path: str | os.PathLike[str]) -> Path:
    """``report.json`` -> ``report.redaction-map.json``, in the same folder."""
    path = Path(json_path)
    stem = path.name[:-len(".json")] if path.name.lower().endswith(".json") else path.name
    return path.with_name(stem + KEY_SUFFIX)


def load_key(path: str | os.PathLike[str], *, missing_ok: bool = True) -> KeyFile:
    """The key file at ``path`` (an empty one if it does not exist yet and ``missing_ok``)."""
    shown = repr(os.fspath(path))
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except FileNotFoundError:
        if missing_ok:
            return KeyFile()
        raise SettingsError(f"The redaction key file {shown} does not exist: pass the *{KEY_SUFFIX} file "
                            "written with the redacted report.") from None
    except IsADirectoryError:
        raise SettingsError(f"The redaction key file {shown} is a folder: pass a file, e.g. "
                            f"{os.path.join(os.fspath(path), 'acme' + KEY_SUFFIX)!r}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise SettingsError(f"Cannot read the redaction key file {shown}: {reason}.") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise SettingsError(f"The redaction key file {shown} is not JSON{where}: pass a *{KEY_SUFFIX} file "
                            "topdesk-preflight wrote, or a new path to start one.") from None
    return _parse(document, shown)


def _parse(document: Any, shown: str) -> KeyFile:
    """Check the shape strictly: a wrong entry would restore the wrong name in front of the admin."""
    def wrong(what: str) -> SettingsError:
        return SettingsError(f"The redaction key file {shown} is not a topdesk-preflight key file ({what}): pass "
                             f"a *{KEY_SUFFIX} file topdesk-preflight wrote, or a new path to start one.")

    if not isinstance(document, dict) or document.get("format") != KEY_FORMAT:
        raise wrong(f"no \"format\": \"{KEY_FORMAT}\"")
    if document.get("version") != KEY_FORMAT_VERSION:
        raise wrong(f"version {document.get('version')!r}, this tool reads version {KEY_FORMAT_VERSION}")
    raw_entries, raw_reports = document.get("entries"), document.get("reports", [])
    if not isinstance(raw_entries, list):
        raise wrong("\"entries\" is not a list")
    if not isinstance(raw_reports, list) or not all(isinstance(r, str) for r in raw_reports):
        raise wrong("\"reports\" is not a list of file names")
    entries: list[tuple[str, str, str]] = []
    tokens: set[str] = set()
    values: set[str] = set()
    for number, entry in enumerate(raw_entries, start=1):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("token", "value", "kind")):
            raise wrong(f"entry {number} is not an object with text \"token\", \"value\" and \"kind\"")
        token, value, kind = entry["token"], entry["value"], entry["kind"]
        if not TOKEN_SHAPE.match(token) or kind not in VALUE_KINDS or not value:
            raise wrong(f"entry {number} has no valid token, kind or value")
        if token in tokens or value in values:
            raise wrong(f"entry {number} repeats a token or a value")
        tokens.add(token)
        values.add(value)
        entries.append((token, value, kind))
    return KeyFile(entries=entries, reports=raw_reports)


def key_path_for_run(settings: Any, json_path: str | os.PathLike[str]) -> Path:
    """``--redaction-map`` if given, else beside the JSON report."""
    return Path(settings.redaction_map) if settings.redaction_map else key_path_for(json_path)


def check_key_path(path: str | os.PathLike[str] | None) -> None:
    """Refuse, before the run, a ``--redaction-map`` that could not be written after it."""
    if not path:
        return
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    existing = folder
    while not os.path.lexists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if os.path.isdir(os.fspath(path)) or not os.path.isdir(existing) \
            or not os.access(existing, os.W_OK | os.X_OK):
        raise SettingsError(f"--redaction-map {os.fspath(path)!r} cannot be written: pass a file in a folder "
                            "you can write to.")


def key_document(key: KeyFile) -> dict[str, Any]:
    return {
        "format": KEY_FORMAT, "version": KEY_FORMAT_VERSION, "warning": WARNING,
        "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "reports": list(key.reports),
        "entries": [{"token": token, "value": value, "kind": kind} for token, value, kind in key.entries],
    }


def write_key(report: "Report", path: str | os.PathLike[str], *, report_name: str | None = None) -> Path:
    """Write (or extend) the key file for ``report``'s tokens, atomically and readable by its owner only.

    The run was seeded from the same file, so its entries are a superset of what the file held;
    the list of reports made with the key grows by ``report_name``.
    """
    from topdesk_preflight.reports.paths import atomic_write_text  # 0600 from creation, renamed into place

    if report.pseudonyms is None:
        raise ValueError("the report is not redacted: it has no key to write")
    earlier: tuple[str, ...] = ()
    try:
        earlier = load_key(path).reports
    except SettingsError:  # it was readable when the run started; a file changed since is replaced
        pass
    reports = tuple(dict.fromkeys((*earlier, *([report_name] if report_name else []))))
    key = KeyFile(entries=report.pseudonyms.entries(), reports=reports)
    return atomic_write_text(path, json.dumps(key_document(key), indent=2, ensure_ascii=False) + "\n")


def key_lines(key_path: Path, *, created: bool, report_path: Path | None = None) -> list[str]:
    """What the terminal says after the summary: the reports are redacted, and the key stays here."""
    report = str(report_path) if report_path is not None else "REPORT.json"
    return ["Redacted: names, emails, logins and phone numbers from TOPdesk are tokens (person-1, ...) in every "
            "report; the HCP operator's email and login are kept.",
            f"Key file ({'new' if created else 'updated'}; PRIVATE: keep it, never attach it): {key_path}",
            f"  the real values: python -m topdesk_preflight unredact {report} --map {key_path}"]


def pseudonymizer_for(settings: Any) -> Pseudonymizer | None:
    """This run's pseudonymizer (None without ``redact``): seeded from the key file, keeping the settings' own.

    The login and email typed into HCP's wizard are the service account's and stay; with ``--debug``
    the log lines get the same tokens (the debug output goes into bug reports, outside too).
    """
    if not getattr(settings, "redact", False):
        return None
    from topdesk_preflight import redaction
    from topdesk_preflight.pseudonyms import Masker

    pseudonymizer = load_key(settings.redaction_map).pseudonymizer() if settings.redaction_map else Pseudonymizer()
    pseudonymizer.keep(settings.username, settings.email)
    if getattr(settings, "debug", False):
        redaction.remember(Masker(pseudonymizer=pseudonymizer))
    return pseudonymizer


def attach_key(report: "Report", settings: Any, json_path: Path) -> tuple["Report", Path | None]:
    """A redacted report with its key file's name (the name only: the folder may name a person), and the path.

    An unredacted report comes back unchanged, with None.
    """
    if report.pseudonyms is None:
        return report, None
    import attrs

    key_path = key_path_for_run(settings, json_path)
    return attrs.evolve(report, redaction={**(report.redaction or {}), "map_file": key_path.name}), key_path


def save_key(report: "Report", key_path: Path, *, json_path: Path | None) -> list[str]:
    """Write the key file (before the reports: without it their tokens cannot be turned back); the lines to print."""
    created = not key_path.exists()
    write_key(report, key_path, report_name=json_path.name if json_path is not None else None)
    return key_lines(key_path, created=created, report_path=json_path)
