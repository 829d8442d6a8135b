"""The values settings are made of, and the rules every source of them shares.

Why apart from :mod:`.settings`: the single run's loader (flags, environment, config file) and
fleet mode's targets file both build :class:`~topdesk_preflight.settings.Settings`, and both need
the same pieces: the :class:`Secret` that never shows the password, the URL normalised as HCP's
wizard accepts it, ISO dates without a time, the config file's silences, the rule that a TOML key
naming a secret is refused, and reading a password file. Here they are one place, with no
knowledge of where a value came from.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from attrs import frozen

REDACTED = "********"


class SettingsError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it (exit code 2)."""


class Secret:
    """Holds the application password so that no accidental print can show it.

    ``reveal()`` is the one deliberate way to read it, used only when building
    the Authorization header.
    """

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "_value", value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Secret is immutable")

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


_HOST_NAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$")


def _valid_host(host: str) -> bool:
    """A DNS name (IDNA-encodable), an IPv4 address, or an IPv6 literal."""
    if ":" in host:
        import ipaddress

        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return False
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(_HOST_NAME.match(ascii_host))


def _after_host(text: str) -> str:
    """What follows ``scheme://host[:port]``: a TOPdesk URL has no colon there (a path, if any)."""
    rest = text.split("://", 1)[1] if "://" in text else text
    if "/" not in rest:
        return ""
    return rest.split("/", 1)[1]


def normalize_url(raw: str) -> str:
    """Take the URL as people type it into HCP's wizard and return ``scheme://host[:port]``.

    ``acme.topdesk.net``, ``https://acme.topdesk.net/``, ``.../tas`` and
    ``.../tas/api`` all mean the same instance: https is assumed and the API
    prefix is added once, by the client.
    """
    text = (raw or "").strip()
    if not text:
        raise SettingsError("No TOPdesk URL given: pass --url https://<tenant>.topdesk.net "
                            "or set TOPDESK_URL.")
    if "@" in text or ":" in _after_host(text):
        # Never echoed: a login typed into the URL, even a mistyped one ("http:/login:PW@host",
        # "http//login:PW@host", "https://host/login:PW"), may carry the password.
        raise SettingsError("The TOPdesk URL contains a login or a password ('...@' or '...:...' after the "
                            "host; not shown here): remove it from --url and give the login name with "
                            "--username and the password with TOPDESK_APP_PASSWORD.")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        hostname, port = parts.hostname, parts.port
    except ValueError:  # brackets that are no IPv6 literal, look-alike characters, a port that is no number
        raise SettingsError(f"The TOPdesk URL {raw!r} is not a valid URL: fix --url or TOPDESK_URL "
                            "(e.g. https://acme.topdesk.net).") from None
    if "@" in parts.netloc:  # never echo it: what precedes the @ may be a password
        raise SettingsError("The TOPdesk URL contains a login ('...@'): remove it from --url and give the "
                            "login name with --username and the password with TOPDESK_APP_PASSWORD.")
    if parts.scheme not in ("http", "https"):
        raise SettingsError(f"The TOPdesk URL must start with https:// (or http://), not "
                            f"{parts.scheme}://: fix --url or TOPDESK_URL.")
    if not hostname:
        raise SettingsError(f"The TOPdesk URL {raw!r} has no host name: use e.g. "
                            "--url https://acme.topdesk.net")
    if any(c.isspace() for c in text):
        raise SettingsError(f"The TOPdesk URL {raw!r} contains spaces: fix --url or TOPDESK_URL.")
    if not _valid_host(hostname):
        raise SettingsError(f"The TOPdesk URL {raw!r} has no valid host name: use e.g. "
                            "--url https://acme.topdesk.net")
    path = re.sub(r"/+$", "", parts.path)
    path = re.sub(r"(/tas(/api)?)$", "", path, flags=re.IGNORECASE)
    host = hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}{path}"


#: Bounds that keep a run a run: an infinite deadline never ends, 100,000 threads do not start.
MAX_SECONDS = 3600
MAX_CONCURRENCY = 64


def _parse_date(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):  # a TOML datetime: a date is asked for, and the two never compare
        raise SettingsError(f"{what} must be a date like 2027-03-31, without a time.")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise SettingsError(f"{what} must be an ISO date like 2027-03-31, not {value!r}.") from None


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(str(v) for v in value)


def _optional_secret(value: Secret | str | None) -> Secret | None:
    if value is None or isinstance(value, Secret):
        return value
    return Secret(value)


@frozen
class Silence:
    """A check the team has decided to live with for now: why, and until when.

    An expired silence stops applying (the run says so), so a temporary
    exception can never quietly become permanent.
    """

    id: str
    reason: str
    until: date | None = None

    def applies(self, today: date) -> bool:
        return self.until is None or today <= self.until


def _parse_silences(raw: Any, source: str) -> tuple[Silence, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise SettingsError(f"silence in {source} must be a list of [[silence]] tables.")
    silences = []
    for entry in raw:
        if not isinstance(entry, dict) or not str(entry.get("id", "")).strip():
            raise SettingsError(f"every [[silence]] in {source} needs an id = \"check.id\".")
        reason = str(entry.get("reason", "")).strip()
        if not reason:
            raise SettingsError(f"the silence of {entry['id']!r} in {source} needs a reason = \"...\": "
                                "say why the team accepts this finding.")
        silences.append(Silence(id=str(entry["id"]).strip(), reason=reason,
                                until=_parse_date(entry.get("until"), f"until of the silence of {entry['id']!r}")))
    return tuple(silences)


#: A key whose normalised name contains one of these names a secret, wherever it sits in a TOML file.
SECRET_KEY_WORDS = ("password", "passwd", "secret", "token", "apikey", "api_key", "credential")
#: Keys that only say *where* a secret is, or when it expires: allowed although they contain a word above.
SECRET_POINTER_KEYS = frozenset({"app_password_file", "password_file", "password_env", "app_password_expires"})


def _normalised_key(key: object) -> str:
    return str(key).lower().replace("-", "_")


def is_secret_key(key: object) -> bool:
    """Whether a settings file key would hold a secret (``api-Token``, ``smtp_password``, ...).

    Files get copied, committed and attached to tickets; a password in one is
    leaked sooner or later. The pointer keys (``password_env``,
    ``app_password_file``, ...) are the safe way to say where the secret is.
    """
    name = _normalised_key(key)
    return name not in SECRET_POINTER_KEYS and any(word in name for word in SECRET_KEY_WORDS)


def find_secret_key(document: Any, prefix: str = "") -> str | None:
    """The dotted path of the first secret-looking key anywhere in a parsed TOML document, or None.

    Every table is searched, nested ones and arrays of tables (``[[silence]]``,
    ``[[tenant]]``) included; an array entry shows as ``name[n]``, counted from 1.
    Only keys are looked at: a value is never read, so it can never be repeated.
    """
    if isinstance(document, dict):
        for key, value in document.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if is_secret_key(key):
                return path
            found = find_secret_key(value, path)
            if found is not None:
                return found
    elif isinstance(document, list):
        for number, item in enumerate(document, start=1):
            found = find_secret_key(item, f"{prefix}[{number}]")
            if found is not None:
                return found
    return None


def refuse_secret_keys(document: Any, *, source: str, advice: str) -> None:
    """Raise a one-line SettingsError naming the file and the key when ``document`` holds a secret.

    The config file of a single run and fleet mode's targets file share this rule;
    ``advice`` says where the secret belongs instead. The value is never shown.
    """
    key = find_secret_key(document)
    if key is not None:
        raise SettingsError(f"{source} contains the key {key!r}, which looks like a secret: {advice}")


def read_password_file(path: str | os.PathLike[str]) -> Secret:
    """Read the application password from a file (first line, surrounding white space removed)."""
    shown = _shown_path(path)
    try:
        # utf-8-sig: Windows Notepad starts a UTF-8 file with a byte-order mark, never part of a password
        with open(path, encoding="utf-8-sig") as handle:
            value = handle.readline().strip()
    except FileNotFoundError:
        raise SettingsError(f"The application password file {shown} does not exist: "
                            "fix --app-password-file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise SettingsError(f"Cannot read the application password file {shown}: {reason}.") from None
    if not value:
        raise SettingsError(f"The application password file {shown} is empty.")
    return Secret(value)


def _shown_path(path: str | os.PathLike[str]) -> str:
    """The password file's name as a message may show it: not when it may be the password itself.

    A value pasted into ``TOPDESK_APP_PASSWORD_FILE`` instead of ``TOPDESK_APP_PASSWORD`` is
    a password, not a path; a real path almost always has a folder or an extension.
    """
    text = os.fspath(path)
    looks_like_a_path = any(mark in text for mark in ("/", "\\", "~")) or re.search(r"\.[A-Za-z0-9]{1,5}$", text)
    if looks_like_a_path and " " not in text.strip():
        return repr(text)
    return ("(name not shown: it does not look like a path; if it is the password itself, set "
            "TOPDESK_APP_PASSWORD instead)")


def basic_auth_problem(password: Secret | None) -> str | None:
    """Why HTTP Basic cannot carry this password (requests sends it as Latin-1), without showing it."""
    if password is None:
        return None
    try:
        password.reveal().encode("latin-1")
    except UnicodeEncodeError:
        return ("The application password holds a character HTTP Basic authentication cannot send (outside "
                "Latin-1; not shown here): copy it again from TOPdesk, or create a new one.")
    return None
