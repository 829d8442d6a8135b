"""``--demo``: the simulator gives the URL, login, password, branch, email and CA; every other setting applies.

A demo run reads its settings as a real run does (flags, then ``TOPDESK_*``,
then the config file), so it shows what they do, and ``--demo-port`` pins the
simulator's address so two demo runs can be compared like two runs of one TOPdesk.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from topdesk_preflight import cli


def demo(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "topdesk_preflight", "--demo", *args], capture_output=True,
                          text=True, env=full_env, timeout=120, stdin=subprocess.DEVNULL, cwd=cwd)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- every TOPDESK_* setting applies -------------------------------------------------------------

def test_quiet_no_html_and_fail_on_from_the_environment_apply_to_the_demo(tmp_path):
    proc = demo("permission_groups_unreadable", "--output-dir", str(tmp_path),
                env={"TOPDESK_QUIET": "1", "TOPDESK_NO_HTML": "true", "TOPDESK_FAIL_ON": "warn"})
    assert proc.returncode == cli.EXIT_NOT_READY, proc.stderr  # TOPDESK_FAIL_ON=warn: the warning fails
    assert "PASS  api.reachable" not in proc.stdout  # TOPDESK_QUIET: the summary only
    assert "but --fail-on warn: 1 warning" in " ".join(proc.stdout.split())
    assert [p.suffix for p in tmp_path.iterdir()] == [".json"]  # TOPDESK_NO_HTML


def test_debug_and_the_output_folder_from_the_environment_apply_to_the_demo(tmp_path):
    proc = demo("healthy", env={"TOPDESK_DEBUG": "1", "TOPDESK_OUTPUT_DIR": str(tmp_path / "out")}, cwd=tmp_path)
    assert proc.returncode == cli.EXIT_READY, proc.stderr
    assert "GET /tas/api/operators/current" in proc.stderr  # every request logged, as with --debug
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".html", ".json"]


def test_a_config_file_named_in_the_environment_replaces_the_example_silence(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('no_html = true\n[[silence]]\nid = "rooms.typed"\nreason = "known, fixing"\n')
    proc = demo("--output-dir", str(tmp_path / "out"), env={"TOPDESK_CONFIG": str(config)})
    assert proc.returncode == cli.EXIT_NOT_READY, proc.stderr
    assert "rooms.reservable is silenced" not in proc.stdout and "rooms.typed: known, fixing" in proc.stdout
    assert [p.suffix for p in (tmp_path / "out").iterdir()] == [".json"]  # the config's no_html too


def test_the_simulators_own_settings_win_over_the_environment(tmp_path):
    proc = demo("healthy", "--output-dir", str(tmp_path),
                env={"TOPDESK_URL": "https://acme.topdesk.net", "TOPDESK_USERNAME": "someone-else",
                     "TOPDESK_BRANCH": "Nowhere", "TOPDESK_APP_PASSWORD": "not-the-demo-one"})
    assert proc.returncode == cli.EXIT_READY, proc.stdout + proc.stderr
    assert "acme.topdesk.net" not in proc.stdout and "not-the-demo-one" not in proc.stdout + proc.stderr


def test_a_bad_setting_in_the_environment_stops_the_demo_before_the_simulator_starts(tmp_path):
    proc = demo("--output-dir", str(tmp_path), env={"TOPDESK_TIMEOUT": "soon"})
    assert proc.returncode == cli.EXIT_USAGE
    assert proc.stderr.strip().splitlines() == [
        "topdesk-preflight: TOPDESK_TIMEOUT has an invalid value 'soon': it must be a positive number of seconds, "
        "at most 3600."]
    assert proc.stdout == "" and list(tmp_path.iterdir()) == []


# --- --demo-port: one address for runs to compare -------------------------------------------------

def test_two_demo_runs_on_one_port_compare_as_one_topdesk(tmp_path):
    port = str(free_port())
    before = demo("rooms_untyped", "--demo-port", port, "--no-html", "--json", str(tmp_path / "before.json"))
    assert before.returncode == cli.EXIT_NOT_READY, before.stderr
    assert f"at https://127.0.0.1:{port}" in " ".join(before.stdout.split())  # the banner wraps at 80
    after = demo("healthy", "--demo-port", port, "--no-html", "--output-dir", str(tmp_path / "after"),
                 "--compare", str(tmp_path / "before.json"))
    assert after.returncode == cli.EXIT_READY, after.stderr
    assert "  Fixed since then: rooms.typed" in after.stdout
    assert "two different TOPdesk instances" not in " ".join(after.stdout.split())


def test_a_demo_port_in_use_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = demo("--demo-port", str(port), "--output-dir", str(tmp_path))
    assert proc.returncode == cli.EXIT_USAGE and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"topdesk-preflight: --demo-port {port}: cannot listen on 127.0.0.1:{port} (Address already in use): "
        "choose another port, or leave --demo-port out for any free one."]
    assert proc.stdout == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["--demo", "--demo-port", "70000"], "--demo-port must be a port number from 1 to 65535, not 70000."),
    (["--url", "acme.topdesk.net", "--demo-port", "8443"], "--demo-port only applies to --demo"),
])
def test_a_demo_port_that_cannot_be_is_a_settings_error(args, message):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_")}
    env["TOPDESK_APP_PASSWORD"] = "x"
    proc = subprocess.run([sys.executable, "-m", "topdesk_preflight", *args], capture_output=True, text=True,
                          env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == cli.EXIT_USAGE and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_insecure_applies_to_the_demo_and_is_said_once(tmp_path):
    proc = demo("healthy", "--insecure", "--no-html", "--output-dir", str(tmp_path))
    assert proc.returncode == cli.EXIT_READY, proc.stderr
    said = proc.stdout + proc.stderr
    assert said.count("--insecure") == 1 and "WARNING: TLS certificate verification was disabled" in said
    assert "Worth a look" not in proc.stdout  # network.tls's warning is that WARNING line, not a second one
