"""``unredact``: the customer's admin turns person-1 back into the card to fix, exactly as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from topdesk_preflight import cli
from topdesk_preflight.client import TopdeskClient
from topdesk_preflight.personal_data import watch
from topdesk_preflight.pseudonyms import Pseudonymizer, pseudonymize
from topdesk_preflight.redaction_key import KEY_FORMAT
from topdesk_preflight.reports import render_json, validate_report_json
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox import Sandbox
from topdesk_preflight.unredact_cli import unredact


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOPDESK_")}
    return subprocess.run([sys.executable, "-m", "topdesk_preflight", *args], capture_output=True, text=True,
                          env=env, timeout=120, stdin=subprocess.DEVNULL)


def plain_and_redacted(sb: Sandbox, scenario: str) -> tuple[str, str, dict[str, str]]:
    """One run, rendered as it is and redacted: the JSON texts and the key's token -> value."""
    sb.load(scenario)
    settings = sb.settings()
    tokens = Pseudonymizer()
    tokens.keep(settings.username, settings.email)
    with TopdeskClient(settings) as client:
        watch(client, tokens)
        report = run_preflight(settings, client=client)
    redacted = pseudonymize(report, tokens, map_file="acme.redaction-map.json")
    return render_json(report), render_json(redacted), {token: value for token, value, _ in tokens.entries()}


@pytest.mark.parametrize("scenario", ["demo", "email_duplicate", "person_mismatch", "healthy"])
def test_unredact_restores_the_report_exactly(sb: Sandbox, scenario: str):
    plain, redacted, values = plain_and_redacted(sb, scenario)
    assert plain != redacted
    validate_report_json(json.loads(redacted))  # additions only: a redacted report is a valid v1 report
    restored, unknown = unredact(json.loads(redacted), values)
    assert unknown == set()
    assert json.dumps(restored, indent=2, ensure_ascii=False) + "\n" == plain


@pytest.fixture(scope="module")
def redacted_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A redacted demo run with duplicate cards: its JSON report and its key file."""
    folder = tmp_path_factory.mktemp("redacted")
    proc = run_cli("--demo", "email_duplicate", "--redact", "--no-html", "--output-dir", str(folder))
    assert proc.returncode == cli.EXIT_NOT_READY, proc.stderr
    report = next(p for p in folder.glob("*.json") if not p.name.endswith(".redaction-map.json"))
    return report, next(folder.glob("*.redaction-map.json"))


class TestTheCommand:
    def test_it_prints_the_report_with_the_real_values(self, redacted_run):
        report, key = redacted_run
        proc = run_cli("unredact", str(report), "--map", str(key))
        assert proc.returncode == 0, proc.stderr
        restored = json.loads(proc.stdout)
        summary = {c["id"]: c for c in restored["checks"]}["operator.email_unique"]["summary"]
        assert "operator card 'Shared Helpdesk' (login helpdesk), person card 'Hanna Cederqvist'" in summary
        assert "redaction" not in restored and "see the key file" not in proc.stdout
        validate_report_json(restored)

    def test_output_writes_a_private_file_instead(self, redacted_run, tmp_path):
        report, key = redacted_run
        proc = run_cli("unredact", str(report), "--map", str(key), "--output", str(tmp_path / "real.json"))
        assert proc.returncode == 0 and proc.stdout == ""
        assert (tmp_path / "real.json").stat().st_mode & 0o777 == 0o600
        assert "Hanna Cederqvist" in (tmp_path / "real.json").read_text("utf-8")

    def test_tokens_the_key_does_not_know_are_left_and_said_exit_1(self, redacted_run, tmp_path):
        report, key = redacted_run
        document = json.loads(key.read_text("utf-8"))
        document["entries"] = [e for e in document["entries"] if e["token"] != "person-1"]
        other = tmp_path / "other.redaction-map.json"
        other.write_text(json.dumps(document), encoding="utf-8")
        proc = run_cli("unredact", str(report), "--map", str(other))
        assert proc.returncode == 1
        assert "person card 'person-1'" in proc.stdout and "Shared Helpdesk" in proc.stdout
        assert proc.stderr.count("\n") == 1 and "person-1" in proc.stderr
        assert "1 token in" in proc.stderr and "is not in the key file" in proc.stderr  # one, said as one

    @pytest.mark.parametrize("make, message", [
        (lambda d, r, k: (d / "missing.json", k), "does not exist"),
        (lambda d, r, k: (_write(d / "x.json", "not json"), k), "is not JSON"),
        (lambda d, r, k: (_write(d / "x.json", '{"schema_version": "1"}'), k), "is not a topdesk-preflight JSON"),
        (lambda d, r, k: (_write(d / "x.json", '{"checks": []}'), k), "is not redacted"),
        (lambda d, r, k: (r, d / "no-key.json"), "does not exist"),
        (lambda d, r, k: (r, _write(d / "k.json", json.dumps({"format": KEY_FORMAT}))), "version None"),
    ])
    def test_a_wrong_file_is_one_line_and_exit_2(self, redacted_run, tmp_path, make, message):
        report, key = redacted_run
        given_report, given_key = make(tmp_path, report, key)
        proc = run_cli("unredact", str(given_report), "--map", str(given_key))
        assert proc.returncode == cli.EXIT_USAGE, proc.stderr
        assert message in proc.stderr and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr

    def test_the_map_is_required(self, redacted_run):
        proc = run_cli("unredact", str(redacted_run[0]))
        assert proc.returncode == cli.EXIT_USAGE and "--map" in proc.stderr


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
