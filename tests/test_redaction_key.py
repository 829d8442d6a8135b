"""The private key file: beside the report, 0600, never in it; a bad one stops the run with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from topdesk_preflight import cli
from topdesk_preflight.pseudonyms import PERSON, Pseudonymizer, pseudonymize
from topdesk_preflight.redaction_key import (
    KEY_FORMAT,
    KeyFile,
    check_key_path,
    key_path_for,
    load_key,
    pseudonymizer_for,
    write_key,
)
from topdesk_preflight.sandbox import Sandbox
from topdesk_preflight.settings import Settings, SettingsError


def key_text(entries: object, **changes: object) -> str:
    return json.dumps({"format": KEY_FORMAT, "version": 1, "reports": [], "entries": entries, **changes})


ANNA = {"token": "person-1", "value": "Anna Admin", "kind": "name"}


def test_the_key_file_sits_beside_the_json_report():
    assert key_path_for("out/topdesk-preflight-acme-20300101T000000Z.json") == \
        Path("out/topdesk-preflight-acme-20300101T000000Z.redaction-map.json")


class TestWriting:
    def test_it_is_written_readable_by_its_owner_only_and_lists_what_it_unlocks(self, tmp_path):
        tokens = Pseudonymizer()
        tokens.learn(PERSON, names=["Anna Admin"])
        report = pseudonymize(_empty_report("Anna Admin"), tokens)
        path = write_key(report, tmp_path / "new" / "acme.redaction-map.json", report_name="acme.json")
        assert path.stat().st_mode & 0o777 == 0o600
        document = json.loads(path.read_text("utf-8"))
        assert document["entries"] == [ANNA] and document["reports"] == ["acme.json"]
        assert "PRIVATE" in document["warning"] and "never attach it" in document["warning"]
        write_key(report, path, report_name="acme-2.json")
        assert json.loads(path.read_text("utf-8"))["reports"] == ["acme.json", "acme-2.json"]

    def test_a_report_that_is_not_redacted_has_no_key(self, tmp_path):
        with pytest.raises(ValueError):
            write_key(_empty_report("x"), tmp_path / "k.json")


class TestReading:
    def test_a_key_file_that_does_not_exist_yet_starts_an_empty_key(self, tmp_path):
        assert load_key(tmp_path / "first-run.json") == KeyFile()
        with pytest.raises(SettingsError, match="does not exist"):
            load_key(tmp_path / "first-run.json", missing_ok=False)

    def test_a_written_key_seeds_the_next_run(self, tmp_path):
        path = tmp_path / "acme.redaction-map.json"
        path.write_text(key_text([ANNA]), encoding="utf-8")
        tokens = load_key(path).pseudonymizer()
        assert tokens.text("Anna Admin") == "person-1"

    @pytest.mark.parametrize("text, message", [
        ("{not json", "is not JSON (line 1, column 2)"),
        ("[]", "no \"format\""),
        (key_text([ANNA], version=2), "version 2"),
        (key_text({"person-1": "Anna Admin"}), "\"entries\" is not a list"),
        (key_text([{"token": "person-1", "value": 3, "kind": "name"}]), "entry 1 is not an object"),
        (key_text([{**ANNA, "token": "Anna"}]), "entry 1 has no valid token"),
        (key_text([ANNA, {**ANNA, "value": "Bo Berg"}]), "entry 2 repeats a token"),
        (key_text([ANNA], reports="acme.json"), "\"reports\" is not a list"),
    ])
    def test_a_key_file_that_is_not_one_is_a_one_line_settings_error_without_its_values(
            self, tmp_path, text, message):
        path = tmp_path / "bad.redaction-map.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SettingsError, match="bad.redaction-map.json") as raised:
            load_key(path)
        assert message in str(raised.value) and "\n" not in str(raised.value)
        assert "Anna Admin" not in str(raised.value)

    def test_an_unreadable_key_or_a_folder_is_a_settings_error(self, tmp_path):
        binary = tmp_path / "binary.json"
        binary.write_bytes(b"\xff\xfe\x00garbage")
        with pytest.raises(SettingsError, match="Cannot read the redaction key file"):
            load_key(binary)
        with pytest.raises(SettingsError, match="is a folder"):
            load_key(tmp_path)

    def test_a_key_path_that_could_not_be_written_after_the_run_is_refused_before_it(self, tmp_path):
        check_key_path(tmp_path / "new" / "acme.json")  # created as needed
        with pytest.raises(SettingsError, match="cannot be written"):
            check_key_path(tmp_path)


class TestTheRun:
    def test_settings_without_redact_have_no_pseudonymizer(self):
        assert pseudonymizer_for(Settings(url="acme.topdesk.net", username="hcp-svc")) is None

    def test_the_settings_own_login_and_email_are_kept(self):
        tokens = pseudonymizer_for(Settings(url="acme.topdesk.net", username="hcp-svc", email="hcp@acme.example",
                                            redact=True))
        assert tokens is not None
        tokens.learn(PERSON, names=["Hanna Cederqvist"], emails=["hcp@acme.example"], logins=["hcp-svc"])
        assert tokens.text("Hanna Cederqvist hcp@acme.example hcp-svc") == "person-1 hcp@acme.example hcp-svc"

    def test_with_debug_the_log_lines_get_the_same_tokens(self, monkeypatch):
        """--debug output goes into bug reports, outside the customer too."""
        import logging

        from topdesk_preflight import redaction
        from topdesk_preflight.redaction import RedactingFilter

        monkeypatch.setattr(redaction, "_known", [])  # only this run's maskers, not other tests' runs

        tokens = pseudonymizer_for(Settings(url="acme.topdesk.net", username="hcp-svc", redact=True, debug=True))
        assert tokens is not None
        tokens.learn(PERSON, names=["Greta Gustafsson"])
        record = logging.LogRecord("topdesk_preflight.x", logging.DEBUG, __file__, 1, "card %s", ("Greta Gustafsson",),
                                   None)
        RedactingFilter().filter(record)
        assert record.getMessage() == f"card {tokens.text('Greta Gustafsson')}" == "card person-1"

    def test_a_bad_key_file_stops_the_cli_with_exit_2_before_any_request(self, sb: Sandbox, tmp_path, capsys,
                                                                         monkeypatch):
        _restore_logging_after(monkeypatch)
        monkeypatch.setenv("TOPDESK_APP_PASSWORD", sb.password)
        bad = tmp_path / "acme.redaction-map.json"
        bad.write_text("{not json", encoding="utf-8")
        out_dir = tmp_path / "reports"
        code = cli.main(_sandbox_args(sb, "--redact", "--redaction-map", str(bad), "--output-dir", str(out_dir)))
        err = capsys.readouterr().err
        assert code == cli.EXIT_USAGE
        assert err.strip().splitlines() == [err.strip()] and "is not JSON" in err and "Traceback" not in err
        assert sb.requests == [] and not out_dir.exists()

    def test_a_redaction_map_without_redact_is_a_settings_error(self):
        with pytest.raises(SettingsError, match="add --redact"):
            Settings(url="acme.topdesk.net", username="hcp-svc", redaction_map="acme.json")

    def test_by_default_the_key_goes_beside_the_reports_which_name_only_its_file(self, tmp_path):
        proc = subprocess.run([sys.executable, "-m", "topdesk_preflight", "--demo", "--redact", "--output-dir",
                               str(tmp_path / "out")], capture_output=True, text=True, timeout=120,
                              env={k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_")})
        assert proc.returncode == cli.EXIT_NOT_READY, proc.stderr
        report = next(p for p in (tmp_path / "out").glob("*.json") if not p.name.endswith(".redaction-map.json"))
        key = key_path_for(report)
        assert key.stat().st_mode & 0o777 == 0o600
        data = json.loads(report.read_text("utf-8"))
        assert data["redaction"]["map_file"] == key.name and str(tmp_path) not in report.read_text("utf-8")
        html = next((tmp_path / "out").glob("*.html")).read_text("utf-8")
        assert 'id="redaction"' in html and key.name in html
        assert "Hanna Cederqvist" in key.read_text("utf-8") and "Hanna Cederqvist" not in html
        assert f"Key file (new; PRIVATE: keep it, never attach it): {key}" in proc.stdout
        assert key.name not in proc.stdout.split("Reports:", 1)[1].split("Redacted:", 1)[0], \
            "the key is not one of the reports to attach"


def _restore_logging_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """cli.main in-process installs its log handler; leave the loggers as this test found them."""
    import logging

    monkeypatch.setattr(cli, "_log_handler", cli._log_handler)
    for name in ("topdesk_preflight", "urllib3"):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "handlers", list(logger.handlers))
        monkeypatch.setattr(logger, "level", logger.level)


def _sandbox_args(sb: Sandbox, *extra: str) -> list[str]:
    return ["--url", sb.url, "--username", sb.login, "--branch", sb.state.branch, "--ca-bundle", str(sb.ca_file),
            *extra]


def _empty_report(summary: str):  # noqa: ANN202 - a test's tiny builder
    from datetime import datetime, timezone

    from topdesk_preflight.model import CheckResult, Report, Target

    return Report(tool_name="topdesk-preflight", tool_version="0", generated_at=datetime.now(timezone.utc),
                  target=Target(url="https://acme.topdesk.net", username="hcp-svc"),
                  results=[CheckResult.passed(summary)])
