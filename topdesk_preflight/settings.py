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
from topdesk_preflight.settings_fields import CONFIG_ALIASES, ENV_PREFIX, FIELDS, check_all, did_you_mean
from topdesk_preflight.settings_values import (
    _optional_secret,
    _parse_date,
    _parse_silences,
    _tuple,
)

PASSWORD_ENV = "TOPDESK_APP_PASSWORD"


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
        """The same rules as every other source, for library callers too: Settings(timeout=-5) is refused."""
        check_all((name, getattr(self, name)) for name in FIELDS)
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
    return {CONFIG_ALIASES.get(k.replace("-", "_"), k.replace("-", "_")): v for k, v in section.items()}


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


def _merged(flags: Mapping[str, Any], env: Mapping[str, str], config: Mapping[str, Any],
            config_path: str) -> dict[str, Any]:
    """Each setting from the first source that gives it, read and checked by its row of the table.

    A message names the source to fix: the flag, the variable, or the key in the config file.
    """
    values: dict[str, Any] = {}
    for setting in FIELDS.values():
        raw = flags.get(setting.name)
        if raw is not None and raw != () and raw != []:
            values[setting.name] = setting.read(raw, setting.in_flags(), typed=False)
        elif env.get(setting.variable, "") != "":
            values[setting.name] = setting.read(env[setting.variable], setting.variable, typed=False)
        elif config.get(setting.name) is not None:
            values[setting.name] = setting.read(config[setting.name], setting.in_config(config_path), typed=True)
    return values


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
    allowed = {*FIELDS, *CONFIG_ALIASES, "app_password_file", "silence", "targets"}
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise SettingsError(f"Unknown setting{'' if len(unknown) == 1 else 's'} in {config_path!r}: "
                            f"{', '.join(unknown)}.{did_you_mean(unknown, allowed)} "
                            "See --help for the names.")
    values = _merged(flags, env, config, str(config_path))
    if not values.get("url"):
        # Nothing given anywhere is a first run: say where to start, not only what is missing.
        first_run = "" if config_path else " New here? Try --demo (a run against a built-in simulator) or --help."
        raise SettingsError("No TOPdesk URL given: pass --url https://<tenant>.topdesk.net "
                            f"or set TOPDESK_URL.{first_run}")
    if not values.get("username"):
        raise SettingsError("No operator login name given: pass --username (the login name of the "
                            "operator HCP uses, not its email) or set TOPDESK_USERNAME.")
    if values.get("ca_bundle") and not os.access(values["ca_bundle"], os.R_OK):
        raise SettingsError(f"The CA bundle {values['ca_bundle']!r} does not exist or cannot be read: "
                            "fix --ca-bundle or TOPDESK_CA_BUNDLE.")

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
