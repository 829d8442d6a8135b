"""Fleet mode, the library part: reading the targets file, running tenants on a bounded pool, expiry warnings.

Integration tests drive three sandboxes over real HTTPS at once; the pool tests
use a stand-in ``run`` so they can measure concurrency without timing luck.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest

from topdesk_preflight import reports
from topdesk_preflight.exit_codes import ExitCode
from topdesk_preflight.fleet import (
    FleetRun,
    SecretSources,
    Tenant,
    TenantOutcome,
    load_targets,
    run_fleet,
    slugify,
)
from topdesk_preflight.model import CheckResult, Report, Target
from topdesk_preflight.sandbox import Sandbox
from topdesk_preflight.settings import SettingsError

PASSWORD = "Fl33t-pw!unique-7431-xyz"
TODAY = date.today()


def write(tmp_path: Path, text: str, name: str = "targets.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def tenant_toml(name: str, sb: Sandbox, *, env: str, expires: date | None = None, **extra: str) -> str:
    """One [[tenant]] table for a running sandbox, as a partner would write it."""
    lines = ["[[tenant]]", f'name = "{name}"', f'url = "{sb.url}"', f'username = "{sb.login}"',
             f'branch = "{sb.state.branch}"', f'email = "{sb.state.email}"', f'ca_bundle = "{sb.ca_file}"',
             f'password_env = "{env}"']
    if expires is not None:
        lines.append(f"app_password_expires = {expires.isoformat()}")
    lines += [f"{key} = {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def three() -> Iterator[dict[str, Sandbox]]:
    """Three tenants at once: ready, rooms without a type, and an expired application password."""
    sandboxes = {name: Sandbox(scenario=name, password=PASSWORD).start()
                 for name in ("healthy", "rooms_untyped", "app_password_expired")}
    try:
        yield sandboxes
    finally:
        for sb in sandboxes.values():
            sb.stop()
        for sb in sandboxes.values():
            assert {r.method for r in sb.requests} <= {"GET", "HEAD"}, "fleet mode must stay read-only"


# --- the targets file ------------------------------------------------------------------------------

def test_a_tenant_takes_defaults_and_reads_its_password_from_the_environment(tmp_path):
    (tmp_path / "certs").mkdir()
    path = write(tmp_path, """
[defaults]
username = "hcp-svc"
timeout = 15
branch = "HQ Stockholm"

[[tenant]]
name = "Acme Corp"
url = "acme.topdesk.net/tas/api"
email = "hcp@acme.com"
rooms = ["Aurora 2.08", "Nebula 5.01"]
password_env = "ACME_APP_PASSWORD"
app_password_expires = 2027-03-31
ca_bundle = "certs/acme.pem"
concurrency = 2
""")
    [tenant] = load_targets(path, environ={"ACME_APP_PASSWORD": PASSWORD})
    settings = tenant.settings
    assert (tenant.name, tenant.slug, tenant.url) == ("Acme Corp", "acme-corp", "https://acme.topdesk.net")
    assert settings.username == "hcp-svc" and settings.branch == "HQ Stockholm" and settings.timeout == 15.0
    assert settings.rooms == ("Aurora 2.08", "Nebula 5.01") and settings.concurrency == 2
    assert settings.app_password_expires == date(2027, 3, 31) == tenant.app_password_expires
    assert settings.ca_bundle == str((tmp_path / "certs" / "acme.pem").resolve())
    assert settings.password.reveal() == PASSWORD
    assert PASSWORD not in repr(tenant)


def test_a_tenant_overrides_a_default(tmp_path):
    path = write(tmp_path, '[defaults]\nusername = "hcp-svc"\ntimeout = 15\n'
                           '[[tenant]]\nname = "A"\nurl = "a.example"\nusername = "other"\nbranch = "B"\ntimeout = 3\n'
                           'password_env = "P_APP_PASSWORD"\n')
    [tenant] = load_targets(path, environ={"P_APP_PASSWORD": "x"})
    assert (tenant.settings.username, tenant.settings.timeout) == ("other", 3.0)


def test_the_command_line_expiry_window_overrides_every_tenant(tmp_path):
    path = write(tmp_path, '[[tenant]]\nname = "A"\nurl = "a.example"\nusername = "u"\nbranch = "B"\npassword_env = "P_APP_PASSWORD"\n'
                           'expiry_warning_days = 60\n')
    assert load_targets(path, environ={"P_APP_PASSWORD": "x"})[0].settings.expiry_warning_days == 60
    assert load_targets(path, environ={"P_APP_PASSWORD": "x"}, expiry_warning_days=7)[0].settings.expiry_warning_days == 7


def test_a_password_file_is_found_relative_to_the_targets_file(tmp_path):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "a.txt").write_text(PASSWORD + "\n", encoding="utf-8")
    path = write(tmp_path, '[[tenant]]\nname = "A"\nurl = "a.example"\nusername = "u"\nbranch = "B"\n'
                           'password_file = "secrets/a.txt"\n')
    assert load_targets(path, environ={})[0].settings.password.reveal() == PASSWORD


@pytest.mark.parametrize("where", ["top", "defaults", "tenant"])
@pytest.mark.parametrize("key", ["password", "app_password", "application-password"])
def test_a_password_in_the_targets_file_is_refused_without_repeating_it(tmp_path, where, key):
    secret = f'{key} = "{PASSWORD}"\n'
    top = secret if where == "top" else ""
    defaults = "[defaults]\n" + (secret if where == "defaults" else "")
    tenant = '[[tenant]]\nname = "A"\nurl = "a.example"\nusername = "u"\nbranch = "B"\npassword_env = "P_APP_PASSWORD"\n' + (
        secret if where == "tenant" else "")
    path = write(tmp_path, top + defaults + tenant)
    with pytest.raises(SettingsError) as caught:
        load_targets(path, environ={"P_APP_PASSWORD": "x"})
    message = str(caught.value)
    assert "never store an application password" in message and "password_env" in message
    assert PASSWORD not in message and "\n" not in message


def test_a_missing_password_variable_makes_that_tenant_unable_to_run_not_the_whole_fleet(tmp_path):
    path = write(tmp_path, '[[tenant]]\nname = "A"\nurl = "a.example"\nusername = "u"\nbranch = "B"\npassword_env = "A_APP_PASSWORD"\n'
                           '[[tenant]]\nname = "B"\nurl = "b.example"\nusername = "u"\nbranch = "B"\npassword_env = "B_APP_PASSWORD"\n')
    a, b = load_targets(path, environ={"B_APP_PASSWORD": "x"})
    assert a.settings is None and "A_APP_PASSWORD is not set" in a.problem
    assert b.settings is not None and b.problem is None


def test_a_missing_password_file_makes_that_tenant_unable_to_run(tmp_path):
    path = write(tmp_path, '[[tenant]]\nname = "A"\nurl = "a.example"\nusername = "u"\nbranch = "B"\npassword_file = "nope"\n')
    [tenant] = load_targets(path, environ={})
    assert tenant.settings is None and "does not exist" in tenant.problem


@pytest.mark.parametrize("text, expected", [
    ("", "lists no tenants"),
    ("[[tenant]]\nurl = 'a.example'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\n", "needs a name"),
    ("[[tenant]]\nname = 'A'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\n", "needs url"),
    ("[[tenant]]\nname = 'A'\nurl = 'a.example'\npassword_env = 'P_APP_PASSWORD'\n", "needs username"),
    ("[[tenant]]\nname = 'A'\nurl = 'a.example'\nusername = 'u'\nbranch = 'B'\n", "needs password_env"),
    ("[[tenant]]\nname = 'A'\nurl = 'a.example'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\npassword_file = 'f'\n",
     "both password_env and password_file"),
    ("[[tenant]]\nname = 'A'\nurl = 'a.example'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\nbrnach = 'x'\n",
     "Tenant 'A' in"),
    ("[[tenant]]\nname = 'A'\nurl = 'a.example'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\nbrnach = 'x'\n",
     "has 1 unknown key: brnach;"),
    ("[[tenant]]\nname = 'A'\nurl = 'a.example'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\nbrnach = 'x'\n"
     "colour = 'red'\n", "has 2 unknown keys: brnach, colour;"),
    ("[defaults]\nurl = 'a.example'\n", "has 1 unknown or per-tenant-only default: url;"),
    ("[[tenant]]\nname = 'A'\nurl = 'ftp://a.example'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\n",
     "tenant 'A' in"),
    ("[[tenant]]\nname = 'A'\nurl = 'a.example'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\ntimeout = -1\n",
     "timeout of tenant 'A'"),
    ("[[tenant]]\nname = 'A'\nurl = 'a.example'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\n"
     "app_password_expires = 'soon'\n", "must be an ISO date like 2027-03-31, not 'soon'"),
    ("[[tenant]]\nname = 'Acme Corp'\nurl = 'a.example'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\n"
     "[[tenant]]\nname = 'acme-corp'\nurl = 'b.example'\nusername = 'u'\nbranch = 'B'\npassword_env = 'P_APP_PASSWORD'\n",
     "distinct name"),
    ("[[tenant]\n", "not valid TOML"),
])
def test_a_wrong_targets_file_is_one_clear_settings_error(tmp_path, text, expected):
    with pytest.raises(SettingsError) as caught:
        load_targets(write(tmp_path, text), environ={"P_APP_PASSWORD": "x"})
    assert expected in str(caught.value)


def test_a_missing_targets_file_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="does not exist"):
        load_targets(tmp_path / "nope.toml")


def test_slugs_are_safe_folder_names():
    assert slugify("Acme Corp (EU)") == "acme-corp-eu"
    assert slugify("../../etc") == "etc"
    assert slugify("Åäö") == "tenant"


# --- the pool ---------------------------------------------------------------------------------------

def _report(url: str, *statuses: str) -> Report:
    results = [CheckResult(s, f"{s} result", id=f"area.check{i}", title="A check")
               for i, s in enumerate(statuses)]
    return Report("topdesk-preflight", "test", datetime.now(UTC), Target(url, "u"), results)


def _tenants(tmp_path: Path, count: int, environ: dict[str, str] | None = None) -> list[Tenant]:
    text = "".join(f'[[tenant]]\nname = "T{i}"\nurl = "t{i}.example"\nusername = "u"\nbranch = "B"\npassword_env = "P_APP_PASSWORD"\n'
                   for i in range(count))
    return load_targets(write(tmp_path, text), environ={"P_APP_PASSWORD": PASSWORD} if environ is None else environ)


def test_the_pool_never_runs_more_tenants_at_once_than_asked(tmp_path):
    in_flight, peak, lock = 0, 0, threading.Lock()

    def slow_run(settings):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return _report(settings.url, "pass")

    run = run_fleet(_tenants(tmp_path, 7), concurrency=3, run=slow_run)
    assert peak == 3
    assert [o.tenant.name for o in run.outcomes] == [f"T{i}" for i in range(7)]  # file order, not finish order


def test_a_tenant_whose_run_raises_becomes_an_error_row(tmp_path):
    def broken_run(settings):
        if settings.url.startswith("https://t1."):
            raise RuntimeError(f"boom {settings.password.reveal()}")
        return _report(settings.url, "pass")

    run = run_fleet(_tenants(tmp_path, 3), run=broken_run)
    broken = run.outcomes[1]
    assert broken.report is None and broken.readiness == "unknown"
    assert "RuntimeError" in broken.error
    assert "boom" not in broken.error and PASSWORD not in broken.error  # a message might hold anything
    assert [o.readiness for o in run.outcomes] == ["ready", "unknown", "ready"]
    assert run.exit_code == ExitCode.UNKNOWN


@pytest.mark.parametrize("statuses, expected", [
    ((("pass",), ("warn",)), ExitCode.READY),
    ((("pass",), ("fail",), ("error",)), ExitCode.NOT_READY),
    ((("pass",), ("error",)), ExitCode.UNKNOWN),
])
def test_the_exit_code_is_the_worst_readiness(tmp_path, statuses, expected):
    tenants = _tenants(tmp_path, len(statuses))
    by_url = {t.url: s for t, s in zip(tenants, statuses)}
    run = run_fleet(tenants, run=lambda settings: _report(settings.url, *by_url[settings.url]))
    assert run.exit_code == expected


def _run_with_expiry(*expiries: date | None, window: int = 30) -> FleetRun:
    outcomes = [TenantOutcome(Tenant(f"T{i}", f"t{i}", f"https://t{i}.example", app_password_expires=e),
                              report=_report(f"https://t{i}.example", "pass"))
                for i, e in enumerate(expiries)]
    return FleetRun(outcomes, generated_at=datetime.now(UTC), duration_s=1.0, expiry_warning_days=window,
                    today=date(2026, 6, 1))


def test_the_expiry_warning_lists_passwords_within_the_window_soonest_first_expired_ones_included():
    run = _run_with_expiry(date(2026, 6, 20), None, date(2026, 5, 1), date(2026, 12, 1), date(2026, 7, 1),
                           date(2026, 6, 1))
    assert [(n.name, n.days_left, n.expired) for n in run.expiring] == [
        ("T2", -31, True), ("T5", 0, False), ("T0", 19, False), ("T4", 30, False)]


def test_the_expiry_window_is_adjustable():
    run = _run_with_expiry(date(2026, 6, 20), date(2026, 5, 31), window=7)
    assert [n.name for n in run.expiring] == ["T1"]


# --- three real tenants over HTTPS at once ------------------------------------------------------------

def test_three_sandboxes_are_checked_at_once_and_each_gets_its_own_reports(tmp_path, three):
    text = (tenant_toml("Healthy", three["healthy"], env="H_APP_PASSWORD", expires=TODAY + timedelta(days=200))
            + tenant_toml("Untyped", three["rooms_untyped"], env="U_APP_PASSWORD", expires=TODAY + timedelta(days=12))
            + tenant_toml("Expired", three["app_password_expired"], env="E_APP_PASSWORD",
                          expires=TODAY - timedelta(days=10))
            + '[[tenant]]\nname = "No secret"\nurl = "https://127.0.0.1:9"\nusername = "u"\nbranch = "B"\n'
              'password_env = "UNSET_APP_PASSWORD"\n')
    tenants = load_targets(write(tmp_path, text), environ={"H_APP_PASSWORD": PASSWORD, "U_APP_PASSWORD": PASSWORD, "E_APP_PASSWORD": PASSWORD})
    finished: list[str] = []
    run = run_fleet(tenants, output_dir=tmp_path / "out", concurrency=3,
                    on_done=lambda outcome: finished.append(outcome.tenant.name))

    by_name = {o.tenant.name: o for o in run.outcomes}
    assert sorted(finished) == sorted(by_name)
    assert {name: o.readiness for name, o in by_name.items()} == {
        "Healthy": "ready", "Untyped": "not_ready", "Expired": "not_ready", "No secret": "unknown"}
    assert [c for c, _ in by_name["Untyped"].root_causes] == ["rooms.typed"]
    assert "auth.credentials" in [c for c, _ in by_name["Expired"].root_causes]
    assert by_name["Untyped"].report.result("auth.app_password_expiry").status.value == "warn"
    assert "UNSET_APP_PASSWORD is not set" in by_name["No secret"].error
    assert run.exit_code == ExitCode.NOT_READY
    assert [(n.name, n.days_left) for n in run.expiring] == [("Expired", -10), ("Untyped", 12)]

    for name, slug in (("Healthy", "healthy"), ("Untyped", "untyped"), ("Expired", "expired")):
        outcome = by_name[name]
        assert outcome.json_path.parent == tmp_path / "out" / slug and outcome.html_path.exists()
        reports.validate_report_json(json.loads(outcome.json_path.read_text(encoding="utf-8")))
    assert not (tmp_path / "out" / "no-secret").exists()
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert PASSWORD not in path.read_text(encoding="utf-8"), path


def test_two_runs_in_the_same_second_never_overwrite_a_tenants_reports(tmp_path, three):
    """A tenant's report names are claimed, as a single run's are: the second run's get ``-2``."""
    from topdesk_preflight.runner import run_preflight

    tenants = load_targets(write(tmp_path, tenant_toml("Healthy", three["healthy"], env="H_APP_PASSWORD")),
                           environ={"H_APP_PASSWORD": PASSWORD})
    report = run_preflight(tenants[0].settings)  # one real run, written twice: the same timestamp both times
    first, second = (run_fleet(tenants, output_dir=tmp_path / "out", run=lambda _: report).outcomes[0]
                     for _ in range(2))
    assert second.json_path.name == first.json_path.name.replace(".json", "-2.json")
    assert second.html_path.name == first.html_path.name.replace(".html", "-2.html")
    assert sorted(p.name for p in (tmp_path / "out" / "healthy").iterdir()) == sorted(
        p.name for p in (first.json_path, first.html_path, second.json_path, second.html_path))
    assert first.json_path.read_bytes() == second.json_path.read_bytes()  # both whole, neither overwritten
    without_html = run_fleet(tenants, output_dir=tmp_path / "out", run=lambda _: report, html=False).outcomes[0]
    assert without_html.html_path is None and not without_html.json_path.with_suffix(".html").exists()


def test_a_tenant_without_a_branch_is_refused_as_in_hcps_wizard_unless_its_run_is_narrowed(tmp_path):
    tenant = '[[tenant]]\nname = "A"\nurl = "a.example"\nusername = "u"\npassword_env = "P_APP_PASSWORD"\n'
    with pytest.raises(SettingsError, match="tenant 'A' in .* needs branch = "):
        load_targets(write(tmp_path, tenant), environ={"P_APP_PASSWORD": "x"})
    [narrowed] = load_targets(write(tmp_path, tenant + 'only = ["network"]\n'), environ={"P_APP_PASSWORD": "x"})
    assert narrowed.settings is not None and narrowed.settings.branch is None


def test_a_targets_file_cannot_send_another_secret_of_the_job_as_a_password(tmp_path):
    tenant = '[[tenant]]\nname = "A"\nurl = "evil.example"\nusername = "u"\nbranch = "B"\n'
    with pytest.raises(SettingsError, match="must end in _APP_PASSWORD") as caught:
        load_targets(write(tmp_path, tenant + 'password_env = "GITHUB_TOKEN"\n'), environ={"GITHUB_TOKEN": "ghp_x"})
    assert "ghp_x" not in str(caught.value)
    [allowed] = load_targets(write(tmp_path, tenant + 'password_env = "GITHUB_TOKEN"\n'),
                             environ={"GITHUB_TOKEN": "ghp_x"}, sources=SecretSources(any_env=True))
    assert allowed.settings is not None


def test_a_password_file_outside_the_targets_folder_is_refused_unless_allowed(tmp_path):
    outside = tmp_path / "elsewhere" / "credentials"
    outside.parent.mkdir()
    outside.write_text("https://user:token@github.com\n", encoding="utf-8")
    folder = tmp_path / "targets"
    folder.mkdir()
    text = ('[[tenant]]\nname = "A"\nurl = "evil.example"\nusername = "u"\nbranch = "B"\n'
            'password_file = "../elsewhere/credentials"\n')
    with pytest.raises(SettingsError, match="outside the targets file's folder"):
        load_targets(write(folder, text), environ={})
    [allowed] = load_targets(write(folder, text), environ={}, sources=SecretSources(files_anywhere=True))
    assert allowed.settings is not None
