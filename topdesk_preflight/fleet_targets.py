"""The fleet's targets file: which tenants to check, and where each one's password comes from.

The file never holds a password, only *where* to find it (``password_env`` or
``password_file``), so it can live in version control. Two kinds of problems are
told apart on purpose:

- the targets file itself is wrong (bad TOML, a password in it, a tenant
  without a URL): :class:`SettingsError`, nothing runs (exit code 2);
- one tenant cannot be checked right now (its password variable is not set,
  its password file is missing): that tenant becomes an error row with
  readiness ``unknown`` and every other tenant is still checked.

Targets file (TOML)::

    [defaults]                      # optional; any tenant key but name, url, password_*, app_password_expires
    username = "hcp-svc"
    timeout = 15

    [[tenant]]
    name = "Acme"
    url = "https://acme.topdesk.net"
    branch = "HQ Stockholm"
    email = "hcp@acme.com"
    rooms = ["Aurora 2.08"]
    password_env = "ACME_APP_PASSWORD"   # or password_file = "secrets/acme.txt" (relative to this file)
    app_password_expires = 2027-03-31
    ca_bundle = "certs/acme-ca.pem"      # optional, relative to this file
    redact = true                        # optional (or in [defaults], or fleet --redact): tokens, no names
    redaction_map = "keys/acme.redaction-map.json"   # optional, this tenant's own key: the same tokens each run

``redact`` is a setting like any other, so a partner can redact the tenants whose
reports leave the customer and keep the others as they are. ``redaction_map`` is
per tenant only, never a default: a key file holds one tenant's staff, and two
tenants writing one file would mix them (and race).
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from attrs import field, frozen

from topdesk_preflight.settings import (
    Secret, Settings, SettingsError, basic_auth_problem, read_password_file, refuse_secret_keys,
)
from topdesk_preflight.settings_fields import FIELDS, Fleet, Kind, did_you_mean, fleet_fields
from topdesk_preflight.vocabulary import plural

#: The keys a targets file may give besides the settings of the table: the tenant's name and where its
#: password is (never the password itself).
_OWN_KEYS = frozenset({"name", "password_env", "password_file"})
#: Which settings a tenant may give, and which of them ``[defaults]`` may give for all: from the one table.
_SETTINGS_KEYS = tuple(f.name for f in fleet_fields(Fleet.TENANT, Fleet.ANYWHERE))
_TENANT_KEYS = _OWN_KEYS | frozenset(_SETTINGS_KEYS)
_DEFAULT_KEYS = frozenset(f.name for f in fleet_fields(Fleet.ANYWHERE))
#: Relative to the targets file, not the working directory.
_PATH_KEYS = tuple(f.name for f in fleet_fields(Fleet.TENANT, Fleet.ANYWHERE) if f.kind is Kind.PATH) \
    + ("password_file",)


@frozen
class Tenant:
    """One line of the targets file, ready to run: its Settings, or why it cannot run right now."""

    name: str
    slug: str  # the tenant's folder name for its reports
    url: str
    settings: Settings | None = field(default=None, repr=False)
    problem: str | None = None  # set when the tenant cannot be checked (e.g. its password is not available)
    app_password_expires: date | None = None
    #: Where the tenant stands in the targets file (1 = first): shards and merges keep the file's order by it.
    position: int = 0
    #: Its reports name no person (``redact``): the summary says so, and the key file is written beside them.
    redact: bool = False


# --- the targets file ---------------------------------------------------------------------------

def slugify(name: str) -> str:
    """``"Acme Corp (EU)"`` -> ``"acme-corp-eu"``: a folder name every file system accepts."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80].strip("-")
    return slug or "tenant"


def load_targets(path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None,
                 expiry_warning_days: int | None = None, sources: SecretSources | None = None,
                 redact: bool = False) -> list[Tenant]:
    """Read the targets file into :class:`Tenant` values, or raise a one-line :class:`SettingsError`.

    ``expiry_warning_days`` (the command line's) overrides every tenant's value, and
    ``redact`` (``fleet --redact``) redacts every tenant, whatever the file says.
    Passwords are read here, from each tenant's ``password_env`` or ``password_file``.
    """
    import tomllib

    env = os.environ if environ is None else environ
    source = os.fspath(path)
    try:
        with open(source, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"The targets file {source!r} does not exist.") from None
    except IsADirectoryError:
        raise SettingsError(f"The targets file {source!r} is a directory, not a TOML file.") from None
    except OSError as exc:
        raise SettingsError(f"Cannot read the targets file {source!r}: {exc.strerror or exc}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"The targets file {source!r} is not valid TOML: {exc}.") from None
    base = Path(source).resolve().parent

    refuse_secret_keys(data, source=f"The targets file {source!r}",
                       advice="never store an application password (or any other secret) in the targets "
                              "file; use password_env = \"NAME_OF_VARIABLE\" or password_file = \"PATH\" "
                              "instead.")
    raw_tenants = data.get("tenant")
    defaults = {k: v for k, v in data.items() if k not in ("tenant", "defaults")}
    table = data.get("defaults", {})
    if not isinstance(table, dict):
        raise SettingsError(f"[defaults] in {source!r} must be a table of settings.")
    defaults.update(table)
    unknown = sorted(set(defaults) - _DEFAULT_KEYS)
    if unknown:
        raise SettingsError(f"{source!r} has {plural(len(unknown), 'unknown or per-tenant-only default')}: "
                            f"{', '.join(unknown)}; defaults may set {', '.join(sorted(_DEFAULT_KEYS))}."
                            + did_you_mean(unknown, _DEFAULT_KEYS))
    if not isinstance(raw_tenants, list) or not raw_tenants:
        raise SettingsError(f"The targets file {source!r} lists no tenants: add [[tenant]] tables with "
                            "name, url, username and password_env (or password_file).")
    tenants: list[Tenant] = []
    slugs: dict[str, str] = {}
    for number, raw in enumerate(raw_tenants, start=1):
        if not isinstance(raw, dict):
            raise SettingsError(f"Tenant #{number} in {source!r} must be a [[tenant]] table.")
        label = f"tenant {raw.get('name')!r}" if isinstance(raw.get("name"), str) else f"tenant #{number}"
        merged = {**defaults, **raw, **({"redact": True} if redact else {})}
        tenant = _tenant(merged, label=f"{label} in {source!r}", base=base, env=env,
                         expiry_warning_days=expiry_warning_days, sources=sources or SecretSources(),
                         position=number)
        if tenant.slug in slugs:
            raise SettingsError(f"Two tenants in {source!r} share the name {slugs[tenant.slug]!r} / "
                                f"{tenant.name!r} (as a folder name): give each tenant a distinct name.")
        slugs[tenant.slug] = tenant.name
        tenants.append(tenant)
    _one_key_file_each(tenants, source)
    return tenants


def _one_key_file_each(tenants: list[Tenant], source: str) -> None:
    """Refuse two tenants sharing a ``redaction_map``: one file would hold both tenants' staff, written twice.

    A tenant that cannot run right now (its password is missing) writes no key, so it shares none.
    """
    owners: dict[str, str] = {}
    for tenant in tenants:
        key = tenant.settings.redaction_map if tenant.settings is not None else None
        if key is None:
            continue
        where = os.path.normcase(os.path.realpath(key))
        if where in owners:
            raise SettingsError(f"Tenants {owners[where]!r} and {tenant.name!r} in {source!r} share the "
                                f"redaction_map {key!r}: give each tenant its own key file.")
        owners[where] = tenant.name


def _check_key_file(path: str, label: str) -> None:
    """A tenant's ``redaction_map`` must be a key file (or a new one) that can be written after its run.

    Refused here, before any tenant is checked, as a single run refuses its ``--redaction-map``:
    a key that cannot be read would start a new numbering, one that cannot be written loses the tokens.
    """
    from topdesk_preflight.redaction_key import check_key_path, load_key

    try:
        check_key_path(path)
    except SettingsError:
        raise SettingsError(f"redaction_map of {label} ({path!r}) cannot be written: give a file in a folder "
                            "this job can write to.") from None
    try:
        load_key(path)
    except SettingsError as exc:
        raise SettingsError(f"redaction_map of {label}: {exc}") from None


def _tenant(raw: dict[str, Any], *, label: str, base: Path, env: Mapping[str, str],
            expiry_warning_days: int | None, sources: SecretSources, position: int = 0) -> Tenant:
    unknown = sorted(set(raw) - _TENANT_KEYS)
    if unknown:
        raise SettingsError(f"{label[0].upper()}{label[1:]} has {plural(len(unknown), 'unknown key')}: "
                            f"{', '.join(unknown)}; a tenant may set {', '.join(sorted(_TENANT_KEYS))}."
                            + did_you_mean(unknown, _TENANT_KEYS))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SettingsError(f"{label} needs a name = \"...\".")
    for key in ("url", "username"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise SettingsError(f"{label} needs {key} = \"...\"" + (
                " (the operator's login name, here or in [defaults])." if key == "username" else "."))
    values = {key: FIELDS[key].read(raw[key], FIELDS[key].of_tenant(label), typed=True)
              for key in _SETTINGS_KEYS if key in raw}
    for key in _PATH_KEYS:
        if key in values:
            values[key] = str(base / Path(values[key]).expanduser())
    if expiry_warning_days is not None:
        values["expiry_warning_days"] = expiry_warning_days
    if values.get("redaction_map"):
        if not values.get("redact"):
            raise SettingsError(f"{label} sets redaction_map, the key file of a redacted run, but is not redacted: "
                                "add redact = true (here or in [defaults]) or run fleet --redact, or drop "
                                "redaction_map.")
        _check_key_file(values["redaction_map"], label)
    password, problem = _password(raw, label=label, base=base, env=env, sources=sources)
    problem = problem or basic_auth_problem(password)
    try:
        settings = Settings(password=password or Secret(""), **values)
    except SettingsError as exc:
        raise SettingsError(f"{label}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{label} has an invalid value: {exc}.") from None
    if not str(values.get("branch") or "").strip() and not values.get("only") and not values.get("skip"):
        # as in HCP's wizard, and as the single-tenant run requires (report_assembly._require_branch)
        raise SettingsError(f"{label} needs branch = \"...\" (the branch configured in HCP), here or in "
                            "[defaults]; or narrow its run with only/skip.")
    return Tenant(name=name.strip(), slug=slugify(name), url=settings.url,
                  settings=None if problem else settings, problem=problem,
                  app_password_expires=settings.app_password_expires, position=position,
                  redact=settings.redact)


#: The documented convention for fleet password variables (README, fleet mode).
PASSWORD_ENV_CONVENTION = re.compile(r"[A-Za-z0-9_]*_APP_PASSWORD")


@frozen
class SecretSources:
    """Where a targets file may take passwords from: by default, only conventional variables and files
    beside it, so whoever can edit the file cannot collect the job's other secrets."""

    any_env: bool = False
    files_anywhere: bool = False


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _password(raw: Mapping[str, Any], *, label: str, base: Path, env: Mapping[str, str],
              sources: SecretSources = SecretSources()) -> tuple[Secret | None, str | None]:
    """The tenant's password, or the reason it is not available *right now* (an error row, not exit 2)."""
    variable, file_name = raw.get("password_env"), raw.get("password_file")
    if variable and file_name:
        raise SettingsError(f"{label} sets both password_env and password_file: keep one.")
    if variable:
        if not isinstance(variable, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable.strip()):
            raise SettingsError(f"password_env of {label} must be the name of an environment variable.")
        if not sources.any_env and not PASSWORD_ENV_CONVENTION.fullmatch(variable.strip()):
            # Whoever edits the targets file must not be able to send GITHUB_TOKEN to a URL of their choice.
            raise SettingsError(f"password_env of {label} is {variable.strip()!r}: by convention it must end in "
                                "_APP_PASSWORD (e.g. ACME_APP_PASSWORD), so no other secret of this job can be "
                                "sent; pass --any-password-env to allow other names.")
        value = env.get(variable.strip())
        if not value:
            return None, (f"the environment variable {variable.strip()} is not set (it should hold this "
                          "tenant's application password)")
        return Secret(value), None
    if file_name:
        if not isinstance(file_name, str):
            raise SettingsError(f"password_file of {label} must be a path.")
        path = base / Path(file_name.strip()).expanduser()
        if not sources.files_anywhere and not _inside(path, base):
            raise SettingsError(f"password_file of {label} points outside the targets file's folder ({base}): "
                                "keep the password files beside the targets file, or pass "
                                "--password-files-anywhere to allow other folders.")
        try:
            return read_password_file(path), None
        except SettingsError as exc:
            return None, str(exc)
    raise SettingsError(f"{label} needs password_env = \"NAME_OF_VARIABLE\" or password_file = \"PATH\": "
                        "the application password is never written in the targets file.")
