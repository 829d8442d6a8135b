"""The command line: flags, exit codes, no traceback ever, fast and lazy for --help/--version/--list-checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from topdesk_preflight import cli

PASSWORD = "Cli-Pa55word!unique"


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "topdesk_preflight", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, stdin=subprocess.DEVNULL)


def assert_no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == cli.EXIT_READY
    assert proc.stdout.startswith("topdesk-preflight ")


def test_help_documents_the_exit_codes():
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "exit codes:" in proc.stdout and "not ready" in proc.stdout
    assert "130  interrupted (Ctrl-C)" in proc.stdout and "141  the output's reader went away" in proc.stdout


def test_help_says_what_skipped_means_and_that_the_branch_is_required():
    proc = run_cli("--help")
    words = " ".join(proc.stdout.split())  # --help is wrapped to the terminal
    assert "SKIP   nothing verified" in proc.stdout and "not checked" in words
    assert "required unless" in words


def test_forgetting_the_branch_stops_with_exit_2_and_one_line(tmp_path):
    proc = run_cli("--url", "https://acme.topdesk.example", "--username", "hcp-svc",
                   "--output-dir", str(tmp_path), env={"TOPDESK_APP_PASSWORD": "not-used"})
    assert proc.returncode == cli.EXIT_USAGE
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "No branch given: pass --branch" in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_list_checks_prints_id_title_guide_and_dependencies():
    proc = run_cli("--list-checks")
    assert proc.returncode == 0
    assert "rooms.typed" in proc.stdout
    assert "guide: Rooms created in TOPdesk do not appear when importing into HCP" in proc.stdout
    assert "needs: branch.exists" in proc.stdout


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["--list-checks"]])
def test_quick_modes_do_not_import_the_heavy_parts(args):
    """--help, --version and --list-checks must answer at once: no requests, jinja2 or sandbox imported."""
    code = ("import sys, runpy\n"
            f"sys.argv = ['topdesk_preflight', *{args!r}]\n"
            "try:\n    runpy.run_module('topdesk_preflight', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "heavy = [m for m in ('requests', 'jinja2', 'urllib3', 'tenacity', 'topdesk_preflight.sandbox',"
            " 'cryptography') if m in sys.modules]\n"
            "print('HEAVY', heavy, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in proc.stderr


class TestSettingsErrorsExitTwoWithOneLine:
    @pytest.mark.parametrize("args, env, message", [
        ([], {}, "No TOPdesk URL given"),
        (["--url", "acme.topdesk.net"], {}, "No operator login name given"),
        (["--url", "acme.topdesk.net", "--username", "svc"], {}, "No application password"),
        (["--url", "ftp://acme", "--username", "svc"], {"TOPDESK_APP_PASSWORD": PASSWORD}, "must start with https://"),
        (["--url", "acme.topdesk.net", "--username", "svc", "--app-password-expires", "tomorrow"],
         {"TOPDESK_APP_PASSWORD": PASSWORD}, "ISO date"),
        (["--url", "acme.topdesk.net", "--username", "svc", "--app-password-file", "/nonexistent/pw"], {},
         "does not exist"),
        (["--url", "acme.topdesk.net", "--username", "svc", "--only", "rooms.typo"],
         {"TOPDESK_APP_PASSWORD": PASSWORD}, "unknown check or area 'rooms.typo'"),
        (["--demo", "no_such_scenario"], {}, "unknown demo scenario"),
    ])
    def test_message_and_exit_code(self, args, env, message):
        proc = run_cli(*args, env=env)
        assert proc.returncode == cli.EXIT_USAGE, proc.stderr
        assert message in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
        assert_no_traceback(proc)
        assert PASSWORD not in proc.stdout + proc.stderr

    def test_a_first_run_with_no_settings_at_all_points_to_the_demo_and_help(self):
        proc = run_cli()
        assert proc.returncode == cli.EXIT_USAGE
        assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
        assert "No TOPdesk URL given" in proc.stderr and "--demo" in proc.stderr and "--help" in proc.stderr

    def test_a_config_file_without_a_url_is_told_what_is_missing_not_where_to_start(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text('username = "hcp-svc"\n')
        proc = run_cli("--config", str(config))
        assert proc.returncode == cli.EXIT_USAGE and "No TOPdesk URL given" in proc.stderr
        assert "--demo" not in proc.stderr

    def test_unknown_flag_is_a_usage_error(self):
        proc = run_cli("--password", "x")
        assert proc.returncode == cli.EXIT_USAGE
        assert_no_traceback(proc)


def test_the_tool_breaking_exits_three_with_a_message_not_a_traceback(monkeypatch, capsys):
    import topdesk_preflight.runner as runner

    def broken(*args, **kwargs):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(runner, "run_preflight", broken)
    monkeypatch.setenv("TOPDESK_APP_PASSWORD", PASSWORD)
    code = cli.main(["--url", "https://127.0.0.1:9", "--username", "svc", "--no-html", "--json", "-"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_TOOL_BROKE
    assert "topdesk-preflight itself failed: RuntimeError: renderer exploded" in err
    assert "Traceback" not in err and PASSWORD not in out + err


class TestDemo:
    """End to end over real HTTPS: the simulator, the whole catalogue, both reports."""

    def test_default_demo_is_not_ready_and_writes_both_reports(self, tmp_path):
        proc = run_cli("--demo", "--output-dir", str(tmp_path))
        assert proc.returncode == cli.EXIT_NOT_READY, proc.stdout + proc.stderr
        assert_no_traceback(proc)
        files = sorted(p.suffix for p in tmp_path.iterdir())
        assert files == [".html", ".json"]
        assert "Not ready" in proc.stdout

    def test_healthy_demo_is_ready(self, tmp_path):
        proc = run_cli("--demo", "healthy", "--output-dir", str(tmp_path))
        assert proc.returncode == cli.EXIT_READY, proc.stdout + proc.stderr
        assert "Ready for Humly Control Panel" in proc.stdout

    def test_json_to_stdout_writes_nothing_else_there(self, tmp_path):
        proc = run_cli("--demo", "healthy", "--json", "-", "--no-html", "--output-dir", str(tmp_path))
        assert proc.returncode == cli.EXIT_READY, proc.stderr
        data = json.loads(proc.stdout)
        assert data["schema_version"] == "1"
        assert list(tmp_path.iterdir()) == []
        assert "api.reachable" in proc.stderr  # the progress lines went to stderr

    def test_fail_on_warn(self, tmp_path):
        proc = run_cli("--demo", "permission_groups_unreadable", "--fail-on", "warn", "--no-html",
                       "--output-dir", str(tmp_path))
        assert proc.returncode == cli.EXIT_NOT_READY
        assert "Ready for Humly Control Panel, but --fail-on warn: 1 warning" in " ".join(proc.stdout.split())
        proc = run_cli("--demo", "permission_groups_unreadable", "--no-html", "--output-dir", str(tmp_path))
        assert proc.returncode == cli.EXIT_READY

    def test_debug_logs_requests_without_the_password(self, tmp_path):
        import base64

        from topdesk_preflight.sandbox.scenarios import DEMO_PASSWORD

        proc = run_cli("--demo", "healthy", "--debug", "--output-dir", str(tmp_path))
        assert "GET /tas/api/operators/current" in proc.stderr
        assert_no_traceback(proc)
        basic = base64.b64encode(f"hcp-svc:{DEMO_PASSWORD}".encode()).decode()
        texts = [proc.stdout, proc.stderr] + [p.read_text() for p in tmp_path.iterdir()]
        for text in texts:
            assert DEMO_PASSWORD not in text and basic not in text


class TestBeyondOneRun:
    def test_compare_with_an_earlier_report_marks_what_changed(self, tmp_path):
        first = run_cli("--demo", "rooms_untyped", "--no-html", "--json", str(tmp_path / "old.json"))
        assert first.returncode == cli.EXIT_NOT_READY
        proc = run_cli("--demo", "healthy", "--no-html", "--output-dir", str(tmp_path / "new"),
                       "--compare", str(tmp_path / "old.json"))
        assert proc.returncode == cli.EXIT_READY, proc.stderr
        lines = proc.stdout.splitlines()
        progress = next(line for line in lines if "rooms.typed" in line)
        assert progress.startswith("\u2713 PASS  rooms.typed") and progress.endswith("[fixed]")  # as it finished
        block = next(n for n, line in enumerate(lines) if line.startswith("Compared with the earlier report:"))
        assert "1 fixed" in lines[block] and lines[block + 1] == "  Fixed since then: rooms.typed"  # one block
        assert sum("rooms.typed" in line for line in lines) == 2  # its progress line and the block
        data = json.loads(next((tmp_path / "new").glob("*.json")).read_text())
        assert {c["id"]: c["change"] for c in data["checks"]}["rooms.typed"] == "fixed"

    def test_compare_reads_the_html_report_as_well_and_refuses_an_edited_one(self, tmp_path):
        first = run_cli("--demo", "rooms_untyped", "--output-dir", str(tmp_path / "old"))
        assert first.returncode == cli.EXIT_NOT_READY
        page = next((tmp_path / "old").glob("*.html"))
        proc = run_cli("--demo", "healthy", "--no-html", "--output-dir", str(tmp_path / "new"), "--compare", str(page))
        assert proc.returncode == cli.EXIT_READY, proc.stderr
        assert "  Fixed since then: rooms.typed" in proc.stdout
        edited = tmp_path / "edited.html"
        edited.write_text(page.read_text("utf-8").replace("base64,", "base64,AAAA", 1), "utf-8")
        proc = run_cli("--demo", "healthy", "--output-dir", str(tmp_path / "never"), "--compare", str(edited))
        assert proc.returncode == cli.EXIT_USAGE and len(proc.stderr.strip().splitlines()) == 1
        assert "does not match the SHA-256" in proc.stderr and not (tmp_path / "never").exists()
        assert_no_traceback(proc)

    def test_compare_with_a_missing_file_is_a_settings_error_before_the_run(self, tmp_path):
        proc = run_cli("--demo", "healthy", "--compare", str(tmp_path / "nope.json"))
        assert proc.returncode == cli.EXIT_USAGE
        assert_no_traceback(proc)
        assert list(tmp_path.iterdir()) == []

    def test_junit_has_one_case_per_check(self, tmp_path):
        import xml.etree.ElementTree as ET

        proc = run_cli("--demo", "--no-html", "--output-dir", str(tmp_path), "--junit", str(tmp_path / "j.xml"))
        assert proc.returncode == cli.EXIT_NOT_READY
        cases = ET.parse(tmp_path / "j.xml").getroot().iter("testcase")
        failed = [c.get("name") for c in cases if c.find("failure") is not None]
        assert any(name.startswith("rooms.typed") for name in failed)

    def test_ticket_text_is_printed_for_pasting(self, tmp_path):
        proc = run_cli("--demo", "--no-html", "--output-dir", str(tmp_path), "--ticket-text")
        assert "TOPdesk version: TOPdesk 16.6.7 (REST API 3.7.4)" in proc.stdout
        assert "Operator email: hcp@acme.example" in proc.stdout

    def test_fleet_is_a_subcommand(self, tmp_path):
        proc = run_cli("fleet", str(tmp_path / "missing.toml"))
        assert proc.returncode == cli.EXIT_USAGE
        assert "missing.toml" in proc.stderr
        assert_no_traceback(proc)


def test_debug_logging_keeps_one_handler_however_often_main_runs(tmp_path, capsys):
    import logging

    for _ in range(3):
        cli.main(["--demo", "healthy", "--debug", "--quiet", "--no-html", "--output-dir", str(tmp_path)])
    handlers = [h for h in logging.getLogger("topdesk_preflight").handlers if isinstance(h, logging.StreamHandler)]
    try:
        assert len(handlers) == 1
    finally:
        for handler in handlers:
            logging.getLogger("topdesk_preflight").removeHandler(handler)
            logging.getLogger("urllib3").removeHandler(handler)
        logging.getLogger("topdesk_preflight").setLevel(logging.NOTSET)
        logging.getLogger("urllib3").setLevel(logging.NOTSET)


class TestDemoShowsSilences:
    def test_the_default_demo_silences_one_finding_as_an_example(self, tmp_path):
        proc = run_cli("--demo", "--no-html", "--output-dir", str(tmp_path))
        assert "rooms.reservable is silenced until" in proc.stdout
        data = json.loads(next(tmp_path.glob("*.json")).read_text())
        assert {c["id"]: c["silenced"] for c in data["checks"]}["rooms.reservable"].startswith(
            "The facility team makes Borealis 2.10 reservable")

    def test_a_config_file_replaces_the_example(self, tmp_path):
        config = tmp_path / "c.toml"
        config.write_text('[[silence]]\nid = "rooms.typed"\nreason = "known, fixing"\n')
        proc = run_cli("--demo", "--no-html", "--output-dir", str(tmp_path), "--config", str(config))
        data = json.loads(next(tmp_path.glob("*.json")).read_text())
        silenced = {c["id"] for c in data["checks"] if c.get("silenced")}
        assert silenced == {"rooms.typed"}
        assert proc.returncode == cli.EXIT_NOT_READY  # the other failures still count


def test_an_error_without_any_failure_exits_four_readiness_unknown(tmp_path, capsys):
    from topdesk_preflight.sandbox import Fault, Sandbox

    with Sandbox(scenario="healthy") as sb:
        sb.inject("/tas/api/locations/types", Fault.status(500))
        code = cli.execute(sb.settings(output_dir=str(tmp_path), no_html=True, retries=0))
    out = capsys.readouterr().out
    assert code == cli.EXIT_UNKNOWN
    assert "Readiness unknown" in out
    assert "rooms.types_defined" in out


class TestDemoProfiles:
    def test_the_demo_runs_any_scenario_as_another_kind_of_topdesk(self, tmp_path):
        proc = run_cli("--demo", "healthy", "--profile", "pre_2024+french", "--output-dir", str(tmp_path))
        assert proc.returncode == cli.EXIT_READY, proc.stdout + proc.stderr
        assert "profile 'pre_2024+french'" in " ".join(proc.stdout.split())  # the banner wraps at 80
        assert "person.linked" in proc.stdout and "Cannot verify" in proc.stdout  # no linkedPerson before 2024

    def test_an_unknown_profile_or_a_profile_without_the_demo_is_a_settings_error(self, tmp_path):
        proc = run_cli("--demo", "healthy", "--profile", "nope", "--output-dir", str(tmp_path))
        assert proc.returncode == cli.EXIT_USAGE and "unknown sandbox profile 'nope'" in proc.stderr
        proc = run_cli("--url", "acme.example", "--profile", "french", env={"TOPDESK_APP_PASSWORD": "x"})
        assert proc.returncode == cli.EXIT_USAGE and "only applies to --demo" in proc.stderr
        assert_no_traceback(proc)


@pytest.mark.parametrize("module", ["cli", "cli_parser", "cli_execute", "cli_demo", "cli_paths", "cli_streams",
                                    "exit_codes"])
def test_each_module_of_the_command_line_stays_under_400_lines(module):
    from pathlib import Path

    import topdesk_preflight

    path = Path(topdesk_preflight.__file__).parent / f"{module}.py"
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400
