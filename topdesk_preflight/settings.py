"""Settings: what to check and how to reach it, from flags, environment and a config file.

Priority is flags, then ``TOPDESK_<NAME>`` environment variables, then the TOML
config file, then defaults. The application password is the one value that is
different: it lives in a :class:`Secret` whose ``repr``, ``str`` and ``format``
never show it, and it can only come from ``TOPDESK_APP_PASSWORD``, a password
file or a hidden prompt. This module is the only place that reads it.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import date, datetime
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from attrs import field, frozen

PASSWORD_ENV = "TOPDESK_APP_PASSWORD"
ENV_PREFIX = "TOPDESK_"
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


@frozen
class Settings:
    """Everything one run needs. Build it with :meth:`load` (CLI) or directly (library use)."""

    url: str = field(converter=normalize_url)
    username: str = ""
    password: Secret | None = field(default=None, converter=_optional_secret, repr=False)
    branch: str | None = None
    email: str | None = None
    rooms: tuple[str, ...] = field(default=(), converter=_tuple)
    app_password_expires: date | None = field(default=None,
                                              converter=lambda v: _parse_date(v, "app_password_expires"))
    expiry_warning_days: int = 30
    ca_bundle: str | None = None
    insecure: bool = False
    timeout: float = 10.0  # read time-out per request, seconds
    connect_timeout: float = 5.0
    deadline: float = 60.0  # the whole run, seconds
    check_timeout: float = 30.0  # one check's time box, seconds
    retries: int = 3  # attempts after the first, for idempotent GETs
    concurrency: int = 8
    only: tuple[str, ...] = field(default=(), converter=_tuple)
    skip: tuple[str, ...] = field(default=(), converter=_tuple)
    fail_on: str = "fail"
    output_dir: str = "."
    json_path: str | None = None
    html_path: str | None = None
    no_html: bool = False
    quiet: bool = False
    debug: bool = False
    silences: tuple[Silence, ...] = field(default=(), converter=tuple)
    #: Replace the personal values TOPdesk returned by tokens in every output (topdesk_preflight.pseudonyms):
    #: the report can then leave the customer's organisation. ``redaction_map`` is the private key file
    #: to reuse (read if it exists, extended and rewritten), so tokens stay the same across runs.
    redact: bool = False
    redaction_map: str | None = None

    def __attrs_post_init__(self) -> None:
        """The same bounds as the command line, for library callers too: Settings(timeout=-5) is refused."""
        for name in ("timeout", "connect_timeout", "deadline", "check_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_SECONDS:
                raise SettingsError(f"{name} must be a positive number of seconds, at most {MAX_SECONDS}, "
                                    f"not {value!r}.")
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int) \
                or not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise SettingsError(f"concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, "
                                f"not {self.concurrency!r}.")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or not 0 <= self.retries <= 100:
            raise SettingsError(f"retries must be a whole number from 0 to 100, not {self.retries!r}.")
        if isinstance(self.expiry_warning_days, bool) or not isinstance(self.expiry_warning_days, int) \
                or self.expiry_warning_days < 0:
            raise SettingsError(f"expiry_warning_days must be 0 or more, not {self.expiry_warning_days!r}.")
        if self.fail_on not in ("warn", "fail"):
            raise SettingsError(f"fail_on must be 'warn' or 'fail', not {self.fail_on!r}.")
        if self.redaction_map and not self.redact:
            raise SettingsError("--redaction-map names the key file of a redacted run: add --redact (or "
                                "redact = true in the config file, TOPDESK_REDACT=1), or drop --redaction-map.")

    @property
    def api_url(self) -> str:
        """The REST API root: the instance URL plus ``/tas/api``, added exactly once."""
        return self.url + "/tas/api"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    def public(self) -> dict[str, Any]:
        """The settings as a report may show them: never the password, only whether one was given."""
        return {
            "url": self.url,
            "username": self.username,
            "branch": self.branch,
            "email": self.email,
            "rooms": list(self.rooms),
            "app_password_expires": self.app_password_expires.isoformat()
            if self.app_password_expires else None,
            "expiry_warning_days": self.expiry_warning_days,
            "password_given": bool(self.password),
            "ca_bundle": self.ca_bundle,
            "insecure": self.insecure,
            "timeout": self.timeout,
            "connect_timeout": self.connect_timeout,
            "deadline": self.deadline,
            "concurrency": self.concurrency,
            "only": list(self.only),
            "skip": list(self.skip),
            "fail_on": self.fail_on,
            "silences": [{"id": s.id, "reason": s.reason, "until": s.until.isoformat() if s.until else None}
                         for s in self.silences],
        }


# --- loading: flags > environment > config file > defaults ------------------------------------

#: Settings a flag, a TOPDESK_<NAME> variable or the config file may give, with their parsers.
_FIELDS: dict[str, Callable[[Any], Any]] = {
    "url": str,
    "username": str,
    "branch": str,
    "email": str,
    "rooms": _tuple,
    "app_password_expires": lambda v: _parse_date(v, "--app-password-expires"),
    "expiry_warning_days": int,
    "ca_bundle": str,
    "insecure": lambda v: _parse_bool(v, "insecure"),
    "timeout": float,
    "connect_timeout": float,
    "deadline": float,
    "check_timeout": float,
    "retries": int,
    "concurrency": int,
    "only": _tuple,
    "skip": _tuple,
    "fail_on": str,
    "output_dir": str,
    "json_path": str,
    "html_path": str,
    "no_html": lambda v: _parse_bool(v, "no_html"),
    "quiet": lambda v: _parse_bool(v, "quiet"),
    "debug": lambda v: _parse_bool(v, "debug"),
    "redact": lambda v: _parse_bool(v, "redact"),
    "redaction_map": str,
}
_ENV_NAMES = {name: ENV_PREFIX + name.upper() for name in _FIELDS}
_ENV_NAMES["json_path"] = "TOPDESK_JSON"
_ENV_NAMES["html_path"] = "TOPDESK_HTML"
_CONFIG_ALIASES = {"json": "json_path", "html": "html_path", "room": "rooms"}

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


def _parse_bool(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{what} must be true or false, not {value!r}.")


def _read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    import tomllib

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"The config file {os.fspath(path)!r} does not exist: fix --config "
                            "or TOPDESK_CONFIG.") from None
    except OSError as exc:
        raise SettingsError(f"Cannot read the config file {os.fspath(path)!r}: "
                            f"{exc.strerror or exc}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"The config file {os.fspath(path)!r} is not valid TOML: {exc}.") from None
    refuse_secret_keys(data, source=f"The config file {os.fspath(path)!r}",
                       advice="never store the application password (or any other secret) in a config "
                              "file; remove the key and use TOPDESK_APP_PASSWORD or app_password_file.")
    section = data.get("topdesk_preflight", data)
    if not isinstance(section, dict):
        raise SettingsError(f"The config file {os.fspath(path)!r} must hold key = value settings.")
    return {_CONFIG_ALIASES.get(k.replace("-", "_"), k.replace("-", "_")): v for k, v in section.items()}


def load_silences(config_path: str | os.PathLike[str]) -> tuple[Silence, ...]:
    """Only the ``[[silence]]`` entries of a config file (the demo takes them, nothing else)."""
    return _parse_silences(_read_config(config_path).get("silence"), os.fspath(config_path))


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


def _prompt_password(username: str) -> Secret | None:
    """Ask on the terminal, input hidden; Ctrl-D is a missing password, Ctrl-C stops the tool (exit 130)."""
    import getpass

    try:
        value = getpass.getpass(f"Application password for TOPdesk operator {username!r} (input hidden): ")
    except EOFError:  # Ctrl-D, or the terminal went away: the prompt's line is still open
        _end_prompt_line()
        raise SettingsError("No application password entered (the input ended): type it at the prompt, "
                            f"or set {PASSWORD_ENV} or pass --app-password-file PATH.") from None
    except KeyboardInterrupt:
        _end_prompt_line()
        raise
    if not value:  # they were prompted: "run in a terminal to be prompted" would be no help
        raise SettingsError("No application password entered (the answer was empty): type it at the prompt, "
                            f"or set {PASSWORD_ENV} or pass --app-password-file PATH.")
    return Secret(value)


def _end_prompt_line() -> None:
    """getpass leaves the cursor after its prompt when interrupted; the next message starts a new line."""
    if sys.stderr.isatty():
        sys.stderr.write("\n")


def load_settings(flags: Mapping[str, Any], environ: Mapping[str, str] | None = None, *,
                  config_path: str | None = None, interactive: bool | None = None,
                  prompt: Callable[[str], Secret | None] = _prompt_password) -> Settings:
    """Merge flags, environment and config file into :class:`Settings`, or raise SettingsError.

    ``flags`` holds only the values given on the command line (None = not given).
    The password comes from TOPDESK_APP_PASSWORD, then ``app_password_file`` (flag,
    TOPDESK_APP_PASSWORD_FILE or config), then a hidden prompt when stdin is a terminal.
    """
    env = os.environ if environ is None else environ
    config_path = config_path or flags.get("config") or env.get(ENV_PREFIX + "CONFIG")
    config = _read_config(config_path) if config_path else {}
    unknown = set(config) - set(_FIELDS) - {"app_password_file", "silence", "targets"}
    if unknown:
        raise SettingsError(f"Unknown setting{'' if len(unknown) == 1 else 's'} in {config_path!r}: "
                            f"{', '.join(sorted(unknown))}. "
                            "See --help for the names.")
    values: dict[str, Any] = {}
    for name, parse in _FIELDS.items():
        raw, source = flags.get(name), f"--{name.replace('_', '-')}"
        if raw is None or raw == () or raw == []:
            raw, source = env.get(_ENV_NAMES[name]), _ENV_NAMES[name]
        if raw is None or raw == "":
            raw, source = config.get(name), f"{name} in {config_path}"
        if raw is None:
            continue
        try:
            values[name] = parse(raw)
        except SettingsError:
            raise
        except (TypeError, ValueError):
            raise SettingsError(f"{source} has an invalid value {raw!r}.") from None
    if not values.get("url"):
        # Nothing given anywhere is a first run: say where to start, not only what is missing.
        first_run = "" if config_path else " New here? Try --demo (a run against a built-in simulator) or --help."
        raise SettingsError("No TOPdesk URL given: pass --url https://<tenant>.topdesk.net "
                            f"or set TOPDESK_URL.{first_run}")
    if not values.get("username"):
        raise SettingsError("No operator login name given: pass --username (the login name of the "
                            "operator HCP uses, not its email) or set TOPDESK_USERNAME.")
    if values.get("fail_on", "fail") not in ("warn", "fail"):
        raise SettingsError("--fail-on must be 'warn' or 'fail'.")
    for name in ("timeout", "connect_timeout", "deadline", "check_timeout"):
        if name in values and not 0 < values[name] <= MAX_SECONDS:
            raise SettingsError(f"--{name.replace('_', '-')} must be a positive number of seconds, at most "
                                f"{MAX_SECONDS} (an hour).")
    if values.get("ca_bundle") and not os.access(values["ca_bundle"], os.R_OK):
        raise SettingsError(f"The CA bundle {values['ca_bundle']!r} does not exist or cannot be read: "
                            "fix --ca-bundle or TOPDESK_CA_BUNDLE.")
    if "concurrency" in values and not 1 <= values["concurrency"] <= MAX_CONCURRENCY:
        raise SettingsError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}.")

    password: Secret | None = None
    if env.get(PASSWORD_ENV):
        password = Secret(env[PASSWORD_ENV])
    else:
        password_file = (flags.get("app_password_file") or env.get(ENV_PREFIX + "APP_PASSWORD_FILE")
                         or config.get("app_password_file"))
        if password_file:
            password = read_password_file(password_file)
        elif interactive if interactive is not None else sys.stdin.isatty():
            password = prompt(values["username"])
    if password is None:
        raise SettingsError("No application password: set TOPDESK_APP_PASSWORD, pass "
                            "--app-password-file PATH, or run in a terminal to be prompted.")
    problem = basic_auth_problem(password)
    if problem:
        raise SettingsError(problem)
    values["silences"] = _parse_silences(config.get("silence"), str(config_path))
    return Settings(password=password, **values)
