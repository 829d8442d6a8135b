"""``topdesk-preflight fleet TARGETS.toml``: what a scheduled job and a person see, and the exit codes.

Every test runs ``fleet_cli.main`` in-process against sandboxes over real HTTPS
and scans stdout, stderr and every written file for the application password.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

import pytest

from topdesk_preflight import fleet_cli
from topdesk_preflight.sandbox import Sandbox

PASSWORD = "Fl33tCli-pw!unique-5520-q"
TODAY = date.today()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy",
                 "TOPDESK_APP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HEALTHY_APP_PASSWORD", "UNTYPED_APP_PASSWORD", "EXPIRED_APP_PASSWORD"):
        monkeypatch.setenv(name, PASSWORD)


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, Sandbox]]:
    started = {name: Sandbox(scenario=name, password=PASSWORD).start()
               for name in ("healthy", "rooms_untyped", "app_password_expired")}
    try:
        yield started
    finally:
        for sb in started.values():
            sb.stop()


def tenant(name: str, sb: Sandbox, env: str, expires_in_days: int | None = None) -> str:
    text = (f'[[tenant]]\nname = "{name}"\nurl = "{sb.url}"\nusername = "{sb.login}"\n'
            f'branch = "{sb.state.branch}"\nemail = "{sb.state.email}"\nca_bundle = "{sb.ca_file}"\n'
            f'password_env = "{env}"\n')
    if expires_in_days is not None:
        text += f"app_password_expires = {(TODAY + timedelta(days=expires_in_days)).isoformat()}\n"
    return text


MISSING_SECRET = '[[tenant]]\nname = "Forgotten"\nurl = "https://127.0.0.1:9"\nusername = "u"\nbranch = "B"\n' \
                 'password_env = "FORGOTTEN_NOT_SET_APP_PASSWORD"\n'


def run(tmp_path: Path, targets: str, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    path = tmp_path / "targets.toml"
    path.write_text("[defaults]\ntimeout = 5\n" + targets, encoding="utf-8")
    code = fleet_cli.main([str(path), "--output-dir", str(tmp_path / "out"), *args])
    out, err = capsys.readouterr()
    for text in (out, err, *(p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*") if p.is_file())):
        assert PASSWORD not in text
    assert "Traceback" not in out + err
    return code, out, err


def test_a_mixed_fleet_prints_the_table_and_the_expiry_warning_and_exits_not_ready(tmp_path, sandboxes, capsys):
    targets = (tenant("Healthy", sandboxes["healthy"], "HEALTHY_APP_PASSWORD", 200)
               + tenant("Untyped", sandboxes["rooms_untyped"], "UNTYPED_APP_PASSWORD", 12)
               + tenant("Expired", sandboxes["app_password_expired"], "EXPIRED_APP_PASSWORD", -10)
               + MISSING_SECRET)
    code, out, err = run(tmp_path, targets, capsys=capsys)
    assert code == 1 and err == ""

    table = out[out.index("TENANT"):].splitlines()
    assert table[0].split()[:6] == ["TENANT", "READINESS", "FAIL", "ERROR", "WARN", "PW"]
    rows = {line.split()[0]: line for line in table[1:5]}
    assert re.match(r"Healthy\s+ready\s+0\s+0\s+0\s+200\s+-$", rows["Healthy"])
    assert re.match(r"Untyped\s+not ready\s+1\s+0\s+1\s+12\s+rooms\.typed$", rows["Untyped"])
    assert re.match(r"Expired\s+not ready\s+\d+\s+0\s+0\s+expired\s+auth\.credentials", rows["Expired"])
    assert re.match(r"Forgotten\s+unknown\s+0\s+1\s+0\s+-\s+not checked: the environment variable "
                    r"FORGOTTEN_NOT_SET_APP_PASSWORD is not set", rows["Forgotten"])
    assert "4 tenants: 1 ready, 2 not ready, 1 unknown" in out

    warning = out[out.index("Application passwords expiring within 30 days (2):"):].splitlines()
    assert warning[1].startswith("  Expired: expired 10 days ago")
    assert warning[2].startswith("  Untyped: expires in 12 days")

    summary = json.loads((tmp_path / "out" / "fleet-summary.json").read_text(encoding="utf-8"))
    assert summary["counts"] == {"ready": 1, "not_ready": 2, "unknown": 1} and summary["exit_code"] == 1
    assert [e["name"] for e in summary["expiring_passwords"]] == ["Expired", "Untyped"]
    index = (tmp_path / "out" / "fleet-summary.html").read_text(encoding="utf-8")
    for row in summary["tenants"]:
        if row["name"] == "Forgotten":
            assert row["reports"] == {"json": None, "html": None}
            continue
        assert (tmp_path / "out" / row["reports"]["html"]).is_file()
        assert f'href="{row["reports"]["html"]}"' in index


def test_an_all_ready_fleet_exits_0(tmp_path, sandboxes, capsys):
    code, out, _ = run(tmp_path, tenant("A", sandboxes["healthy"], "HEALTHY_APP_PASSWORD", 365)
                       + tenant("B", sandboxes["healthy"], "HEALTHY_APP_PASSWORD"), capsys=capsys)
    assert code == 0
    assert "No application password expires within 30 days." in out


def test_a_fleet_with_nothing_failed_but_a_tenant_unchecked_exits_4(tmp_path, sandboxes, capsys):
    code, _, _ = run(tmp_path, tenant("A", sandboxes["healthy"], "HEALTHY_APP_PASSWORD") + MISSING_SECRET, capsys=capsys)
    assert code == 4


def test_the_expiry_window_flag_narrows_the_list_and_reaches_each_tenants_check(tmp_path, sandboxes, capsys):
    code, out, _ = run(tmp_path, tenant("Soon", sandboxes["healthy"], "HEALTHY_APP_PASSWORD", 12),
                       "--expiry-warning-days", "5", capsys=capsys)
    assert code == 0
    assert "No application password expires within 5 days." in out
    [report_path] = (tmp_path / "out" / "soon").glob("*.json")
    checks = {c["id"]: c for c in json.loads(report_path.read_text(encoding="utf-8"))["checks"]}
    assert checks["auth.app_password_expiry"]["status"] == "pass"


def test_json_dash_puts_the_summary_alone_on_stdout(tmp_path, sandboxes, capsys):
    code, out, err = run(tmp_path, tenant("A", sandboxes["rooms_untyped"], "UNTYPED_APP_PASSWORD"), "--json", "-",
                         capsys=capsys)
    assert code == 1
    assert json.loads(out)["tenants"][0]["readiness"] == "not_ready"
    assert "TENANT" in err and not (tmp_path / "out" / "fleet-summary.json").exists()
    assert (tmp_path / "out" / "fleet-summary.html").exists()


def test_quiet_drops_the_line_per_tenant_but_keeps_the_summary(tmp_path, sandboxes, capsys):
    _, loud, _ = run(tmp_path, tenant("A", sandboxes["healthy"], "HEALTHY_APP_PASSWORD"), capsys=capsys)
    _, quiet, _ = run(tmp_path, tenant("A", sandboxes["healthy"], "HEALTHY_APP_PASSWORD"), "--quiet", capsys=capsys)
    assert "Checking 1 tenant" in loud and "Checking 1 tenant" not in quiet
    assert len([line for line in loud.splitlines() if line.startswith("READY")]) == 1
    assert not [line for line in quiet.splitlines() if line.startswith("READY")]
    assert "1 tenant: 1 ready" in quiet


@pytest.mark.parametrize("added, said", [
    (f'app_password = "{PASSWORD}"\n', "never store an application password"),
    (f'[tenant.proxy]\napi_token = "{PASSWORD}"\n', "contains the key 'tenant[1].proxy.api_token'"),
], ids=["password in a tenant", "a token nested in a tenant's table"])
def test_a_secret_anywhere_in_the_targets_file_exits_2_with_one_line_and_checks_nothing(
        tmp_path, sandboxes, capsys, added, said):
    targets = tenant("A", sandboxes["healthy"], "HEALTHY_APP_PASSWORD") + added
    before = len(sandboxes["healthy"].requests)
    code, out, err = run(tmp_path, targets, capsys=capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and said in err and PASSWORD not in err
    assert "password_env" in err and len(sandboxes["healthy"].requests) == before


@pytest.mark.parametrize("args, expected", [
    (("--concurrency", "0"), "--concurrency must be at least 1"),
    (("--expiry-warning-days", "-1"), "--expiry-warning-days must be 0 or more"),
])
def test_wrong_flags_exit_2(tmp_path, sandboxes, capsys, args, expected):
    code, _, err = run(tmp_path, tenant("A", sandboxes["healthy"], "HEALTHY_APP_PASSWORD"), *args, capsys=capsys)
    assert code == 2 and expected in err


def test_a_missing_targets_file_exits_2(tmp_path, capsys):
    assert fleet_cli.main([str(tmp_path / "nope.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err




def test_ctrl_c_during_a_fleet_run_says_interrupted_and_exits_130(tmp_path, sandboxes, capsys, monkeypatch):
    import topdesk_preflight.fleet as fleet

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fleet, "run_fleet", interrupted)
    code, out, err = run(tmp_path, tenant("A", sandboxes["healthy"], "HEALTHY_APP_PASSWORD"), capsys=capsys)
    assert code == 130 and err == "Interrupted.\n"


def test_a_closed_output_pipe_exits_141_quietly_and_still_writes_the_summary(tmp_path, sandboxes):
    import os
    import subprocess
    import sys

    path = tmp_path / "targets.toml"
    path.write_text(tenant("A", sandboxes["healthy"], "HEALTHY_APP_PASSWORD"), encoding="utf-8")
    reader, writer = os.pipe()
    os.close(reader)  # the reader went away before the first line, like "| head -0"
    try:
        proc = subprocess.run([sys.executable, "-m", "topdesk_preflight", "fleet", str(path),
                               "--output-dir", str(tmp_path / "out")], stdout=writer, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True, timeout=120)
    finally:
        os.close(writer)
    assert proc.returncode == 141 and proc.stderr == ""
    assert (tmp_path / "out" / "fleet-summary.json").is_file()
