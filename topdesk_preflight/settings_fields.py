"""The one table of settings: each one's name, kind, flag, variable, and whether a fleet tenant may set it.

Four places take settings: the command line's flags, the ``TOPDESK_*`` environment
variables, a single run's TOML config file, and fleet mode's targets file; and
library callers build :class:`~topdesk_preflight.settings.Settings` directly.
Before this table each place had its own list of names and its own rules, and
they drifted (a fleet tenant could set 10,000 retries the class then refused,
``--deadline`` was named in the message when the value came from
``TOPDESK_DEADLINE``). Here every setting is one :class:`SettingField`, read and
checked by the same code whatever the source, and the message names the source
the user has to fix: ``--timeout``, ``TOPDESK_TIMEOUT``, ``timeout in 'c.toml'``,
``timeout of tenant 'Acme' in 'targets.toml'`` or, for library callers, ``timeout``.

Text sources (flags, variables) are parsed from text; TOML sources keep TOML's
types: ``insecure = "yes"`` in a file is refused, as ``insecure = true`` is meant.
"""

from __future__ import annotations

import enum
import math
from typing import Any, Iterable

from attrs import frozen

from topdesk_preflight.settings_values import MAX_CONCURRENCY, MAX_SECONDS, SettingsError
from topdesk_preflight.settings_values import _parse_date as parse_date
from topdesk_preflight.settings_values import _tuple as names  # "A, B,,C " -> ("A", "B", "C")

ENV_PREFIX = "TOPDESK_"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


class Kind(enum.Enum):
    """What a setting holds; each kind reads and checks its values one way."""

    TEXT = "text"
    PATH = "path"  # text; in a targets file, relative to that file
    SECONDS = "seconds"
    COUNT = "count"
    SWITCH = "switch"
    DATE = "date"
    NAMES = "names"  # a list, or one comma-separated text
    CHOICE = "choice"


class Fleet(enum.Enum):
    """Where a targets file may set it: nowhere, per tenant only, or also in ``[defaults]``."""

    NO = "no"
    TENANT = "tenant"  # one tenant's own value (its URL, its key file): never a default for all
    ANYWHERE = "anywhere"


@frozen
class SettingField:
    """One setting: how it is written in each source, and what a valid value is."""

    name: str
    kind: Kind
    flag: str | None = None  # None: no flag (the variable and the files still work)
    env: str = ""  # default: TOPDESK_<NAME>
    fleet: Fleet = Fleet.ANYWHERE
    least: int = 0  # COUNT: the smallest whole number
    most: int | None = None  # COUNT: the largest, or None
    choices: tuple[str, ...] = ()  # CHOICE

    @property
    def variable(self) -> str:
        return self.env or ENV_PREFIX + self.name.upper()

    @property
    def expected(self) -> str:
        """What a valid value is, in the words of a message: "must be <expected>, not …"."""
        if self.kind is Kind.SECONDS:
            return f"a positive number of seconds, at most {MAX_SECONDS}"
        if self.kind is Kind.COUNT:
            return (f"a whole number from {self.least} to {self.most}" if self.most is not None
                    else f"{self.least} or more (a whole number)")
        if self.kind is Kind.SWITCH:
            return "true or false"
        if self.kind is Kind.DATE:
            return "an ISO date like 2027-03-31"
        if self.kind is Kind.NAMES:
            return "a list of strings"
        if self.kind is Kind.CHOICE:
            return " or ".join(repr(c) for c in self.choices)
        return "a string"

    # -- reading a value from a source -------------------------------------------------------------
    def read(self, raw: Any, source: str, *, typed: bool) -> Any:
        """The value of ``raw`` (a flag's or variable's text, or a TOML value when ``typed``), or raise.

        The SettingsError names ``source`` and says what a valid value is; the value
        itself is shown (no setting here is a secret: the password is never one of them).
        """
        value = self._typed(raw, source) if typed else self._from_text(raw, source)
        if not self.valid(value):
            raise self.wrong(source, raw)  # as written (-1, '0'), not as converted (-1.0, 0.0)
        return value

    def _from_text(self, raw: Any, source: str) -> Any:
        """Flags and variables: text (argparse may already have made a number or True of it)."""
        if not isinstance(raw, str):
            return self._typed(raw, source)
        text = raw.strip()
        try:
            if self.kind is Kind.SECONDS:
                return float(text)
            if self.kind is Kind.COUNT:
                return int(text)
        except ValueError:
            raise self.wrong(source, raw, invalid=True) from None
        if self.kind is Kind.SWITCH:
            if text.lower() in _TRUE + _FALSE:
                return text.lower() in _TRUE
            raise self.wrong(source, raw)
        if self.kind is Kind.DATE:
            return parse_date(text, source)
        if self.kind is Kind.NAMES:
            return names(text)
        return text

    def _typed(self, raw: Any, source: str) -> Any:
        """TOML values (and library values): the kind's own type, or a text where the kind is text."""
        kind = self.kind
        if kind in (Kind.TEXT, Kind.PATH, Kind.CHOICE):
            if not isinstance(raw, str):
                raise self.wrong(source, raw)
            return raw.strip()
        if kind is Kind.SECONDS:
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise self.wrong(source, raw)
            return float(raw)
        if kind is Kind.COUNT:
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise self.wrong(source, raw)
            return raw
        if kind is Kind.SWITCH:
            if not isinstance(raw, bool):
                raise self.wrong(source, raw)
            return raw
        if kind is Kind.DATE:
            return parse_date(raw, source)  # a datetime is refused: a day is asked for
        if isinstance(raw, str):  # NAMES: "A, B" as well as ["A", "B"]
            return names(raw)
        if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
            raise self.wrong(source, raw)
        return tuple(v.strip() for v in raw if v.strip())

    # -- checking a value, wherever it came from -------------------------------------------------
    def check(self, value: Any, source: str) -> None:
        """Refuse a value outside the setting's bounds (also for library callers: ``Settings(timeout=-5)``)."""
        if not self.valid(value):
            raise self.wrong(source, value)

    def valid(self, value: Any) -> bool:
        """Whether a value of this setting's type is within its bounds."""
        kind = self.kind
        if kind is Kind.SECONDS:
            ok = not isinstance(value, bool) and isinstance(value, int | float) and not math.isnan(value) \
                and 0 < value <= MAX_SECONDS
        elif kind is Kind.COUNT:
            ok = not isinstance(value, bool) and isinstance(value, int) and value >= self.least \
                and (self.most is None or value <= self.most)
        elif kind is Kind.SWITCH:
            ok = isinstance(value, bool)
        elif kind is Kind.CHOICE:
            ok = value in self.choices
        else:
            ok = True  # text, paths, names and dates are whole by construction
        return ok

    def wrong(self, source: str, value: Any, *, invalid: bool = False) -> SettingsError:
        """``TOPDESK_TIMEOUT has an invalid value 'soon'.`` (not a number at all) or ``… must be …, not …``."""
        if invalid:
            return SettingsError(f"{source} has an invalid value {value!r}: it must be {self.expected}.")
        return SettingsError(f"{source} must be {self.expected}, not {value!r}.")

    # -- how the sources name it -------------------------------------------------------------------
    def in_flags(self) -> str:
        return self.flag or self.variable

    def in_config(self, path: str) -> str:
        return f"{self.name} in {path!r}"

    def of_tenant(self, label: str) -> str:
        return f"{self.name} of {label}"


def _fields(*fields: SettingField) -> dict[str, SettingField]:
    return {f.name: f for f in fields}


#: Every setting a flag, a variable, a config file or a targets file may give (the password is none of
#: them: it comes from TOPDESK_APP_PASSWORD, a password file or a prompt). Order = ``--help``'s.
FIELDS: dict[str, SettingField] = _fields(
    SettingField("url", Kind.TEXT, "--url", fleet=Fleet.TENANT),
    SettingField("username", Kind.TEXT, "--username"),
    SettingField("branch", Kind.TEXT, "--branch"),
    SettingField("email", Kind.TEXT, "--email"),
    SettingField("rooms", Kind.NAMES, "--room"),
    SettingField("app_password_expires", Kind.DATE, "--app-password-expires", fleet=Fleet.TENANT),
    SettingField("expiry_warning_days", Kind.COUNT, "--expiry-warning-days"),
    SettingField("ca_bundle", Kind.PATH, "--ca-bundle"),
    SettingField("insecure", Kind.SWITCH, "--insecure"),
    SettingField("timeout", Kind.SECONDS, "--timeout"),
    SettingField("connect_timeout", Kind.SECONDS),
    SettingField("deadline", Kind.SECONDS, "--deadline"),
    SettingField("check_timeout", Kind.SECONDS),
    SettingField("retries", Kind.COUNT, least=0, most=100),
    SettingField("concurrency", Kind.COUNT, "--concurrency", least=1, most=MAX_CONCURRENCY),
    SettingField("only", Kind.NAMES, "--only"),
    SettingField("skip", Kind.NAMES, "--skip"),
    SettingField("fail_on", Kind.CHOICE, "--fail-on", fleet=Fleet.NO, choices=("warn", "fail")),
    SettingField("output_dir", Kind.PATH, "--output-dir", fleet=Fleet.NO),
    SettingField("json_path", Kind.PATH, "--json", env="TOPDESK_JSON", fleet=Fleet.NO),
    SettingField("html_path", Kind.PATH, "--html", env="TOPDESK_HTML", fleet=Fleet.NO),
    SettingField("no_html", Kind.SWITCH, "--no-html", fleet=Fleet.NO),
    SettingField("quiet", Kind.SWITCH, "--quiet", fleet=Fleet.NO),
    SettingField("debug", Kind.SWITCH, "--debug", fleet=Fleet.NO),
    SettingField("redact", Kind.SWITCH, "--redact"),
    # one tenant's own key file: two tenants writing one file would mix their staff (fleet_targets)
    SettingField("redaction_map", Kind.PATH, "--redaction-map", fleet=Fleet.TENANT),
)

#: Config-file spellings of a few names (``json = "-"`` reads better than ``json_path``).
CONFIG_ALIASES = {"json": "json_path", "html": "html_path", "room": "rooms"}


def fleet_fields(*scopes: Fleet) -> tuple[SettingField, ...]:
    """The settings a targets file may set in the given places (``Fleet.TENANT``, ``Fleet.ANYWHERE``)."""
    return tuple(f for f in FIELDS.values() if f.fleet in scopes)


def did_you_mean(unknown: Iterable[str], known: Iterable[str]) -> str:
    """`` Did you mean branch for brnach?`` for the unknown keys that look like a known one; else ``""``.

    A file's key with a typo is the likeliest mistake in it, and the list of every valid name
    that follows does not point at the one that was meant.
    """
    import difflib

    names = sorted(known)
    guesses = [f"{match[0]} for {key}" for key in unknown
               for match in [difflib.get_close_matches(key, names, n=1, cutoff=0.75)] if match]
    return f" Did you mean {', '.join(guesses)}?" if guesses else ""


def check_all(values: Iterable[tuple[str, Any]]) -> None:
    """Check ``(name, value)`` pairs of settings against the table, named as a library caller wrote them."""
    for name, value in values:
        FIELDS[name].check(value, name)
