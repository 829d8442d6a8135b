"""Settings: what to check and how to reach it, from flags, environment and a config file.

Priority is flags, then ``TOPDESK_<NAME>`` environment variables, then the TOML
config file, then defaults. The application password is the one value that is
different: it lives in a :class:`Secret` whose ``repr``, ``str`` and ``format``
never show it, and it can only come from ``TOPDESK_APP_PASSWORD``, a password
file or a hidden prompt. This module is the only place that reads it; the values
settings are made of (the Secret, the URL, dates, silences, the secret-key rule,
password files) are :mod:`.settings_values`', shared with fleet mode's targets file,
and importable from here as before.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from attrs import field, frozen

from topdesk_preflight.settings_values import MAX_CONCURRENCY as MAX_CONCURRENCY
from topdesk_preflight.settings_values import MAX_SECONDS as MAX_SECONDS
from topdesk_preflight.settings_values import REDACTED as REDACTED
from topdesk_preflight.settings_values import SECRET_KEY_WORDS as SECRET_KEY_WORDS
from topdesk_preflight.settings_values import SECRET_POINTER_KEYS as SECRET_POINTER_KEYS
from topdesk_preflight.settings_values import Secret as Secret
from topdesk_preflight.settings_values import SettingsError as SettingsError
from topdesk_preflight.settings_values import Silence as Silence
from topdesk_preflight.settings_values import basic_auth_problem as basic_auth_problem
from topdesk_preflight.settings_values import find_secret_key as find_secret_key
from topdesk_preflight.settings_values import is_secret_key as is_secret_key
from topdesk_preflight.settings_values import normalize_url as normalize_url
from topdesk_preflight.settings_values import read_password_file as read_password_file
from topdesk_preflight.settings_values import refuse_secret_keys as refuse_secret_keys
from topdesk_preflight.settings_values import (
    _optional_secret,
    _parse_date,
    _parse_silences,
    _tuple,
)

PASSWORD_ENV = "TOPDESK_APP_PASSWORD"
ENV_PREFIX = "TOPDESK_"


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
