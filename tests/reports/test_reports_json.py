"""The JSON report: docs/design.md §2 exactly, validated by the shipped schema, written atomically."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta, timezone

import jsonschema
import pytest
from reports_fixtures import (
    FAKE_PASSWORD,
    HOSTILE_ROOM,
    LONG_NAME,
    ROOMS_UNTYPED,
    all_pass_report,
    all_reports,
    hostile_report,
    identify,
    mixed_report,
    public_settings,
)

from topdesk_preflight.model import CheckResult, Report, Target, evolve
from topdesk_preflight.reports import render_json, to_json_dict, validate_report_json, write_json
from topdesk_preflight.reports.json_report import load_schema
from topdesk_preflight.settings import Secret

SECTION_6_KEYS = {"schema_version", "tool", "generated_at", "target", "summary", "ticket", "checks"}
CHECK_KEYS = {"id", "title", "guide_section", "status", "summary", "details", "evidence", "remediation",
              "depends_on", "duration_s"}
ADDED_CHECK_KEYS = {"requests", "silenced", "remediation_steps", "blocked_by", "change", "enable_with"}


def test_top_level_holds_the_section_6_keys_plus_the_additions():
    data = to_json_dict(mixed_report())
    assert set(data) == SECTION_6_KEYS | {"settings", "warnings", "vantage", "compared_with", "detected"}
    assert data["schema_version"] == "1"
    assert data["tool"] == {"name": "topdesk-preflight", "version": "1.0.0"}
    assert data["generated_at"] == "2025-03-04T05:06:07Z"


def test_target_summary_and_ticket_carry_the_facts_of_the_run():
    data = to_json_dict(mixed_report())
    assert data["target"] == {"url": "https://acme.topdesk.net", "username": "hcp-svc", "email": "hcp@acme.com",
                              "branch": "HQ Stockholm", "product_version": "2024.3", "api_version": "3.7.2",
                              "topdesk_version": "3.7.2"}
    assert data["summary"] == {
        "ready": False, "readiness": "not_ready", "duration_s": 2.5,
        "root_causes": [
            {"id": "rooms.typed", "title": "Every room in the branch is typed Room or Desk", "status": "fail",
             "summary": "2 of 5 rooms in HQ Stockholm have no Room or Desk type.", "blocked": ["rooms.reservable"]},
            {"id": "permissions.reservations", "title": "Reservations are readable", "status": "error",
             "summary": "TOPdesk answered 503 Service Unavailable three times.", "blocked": []},
        ],
        "problems": [
            {"checks": ["rooms.typed"], "blocked": ["rooms.reservable"], "explains": [],
             "steps": [{"actor": "TOPdesk administrator", "text": "Open the room Aurora 2.08 in branch HQ Stockholm, "
                                                                 "set Type to Room or Desk, save."},
                       {"actor": None, "text": "Open the room Borealis 3.01 in branch HQ Stockholm, set Type to "
                                               "Room or Desk, save."}]},
            {"checks": ["permissions.reservations"], "blocked": [], "explains": [],
             "steps": [{"actor": None, "text": "Run the preflight again in a few minutes."}]},
        ],
        "counts": {"pass": 4, "warn": 1, "fail": 2, "error": 1, "skipped": 1, "silenced": 1, "not_checked": 0}}
    assert data["ticket"] == {
        "topdesk_version": "3.7.2",
        "failed_steps": ["Rooms do not appear in HCP import", "Registering a permission group"],
        "errors": ["rooms.typed: 2 of 5 rooms in HQ Stockholm have no Room or Desk type.",
                   "permissions.reservations: TOPdesk answered 503 Service Unavailable three times."],
        "operator_email": "hcp@acme.com",
        "permission_groups": ["HCP integration", "Reservations"],
    }


def test_the_product_and_rest_api_versions_have_their_own_keys_and_the_old_one_is_a_deprecated_alias():
    """One meaning per word: 'TOPdesk 2024.3 (REST API 3.7.2)' is product_version, then api_version."""
    data = to_json_dict(mixed_report())
    assert (data["target"]["product_version"], data["target"]["api_version"]) == ("2024.3", "3.7.2")
    assert data["target"]["topdesk_version"] == data["target"]["api_version"]
    described = load_schema()["properties"]["target"]["properties"]
    assert described["topdesk_version"]["deprecated"] is True and "api_version" in described
    validate_report_json(data)


def test_checks_are_in_catalogue_order_with_every_field():
    report = mixed_report()
    checks = to_json_dict(report)["checks"]
    assert [c["id"] for c in checks] == [r.id for r in report.results]
    for check in checks:
        assert set(check) == CHECK_KEYS | ADDED_CHECK_KEYS
    typed = next(c for c in checks if c["id"] == "rooms.typed")
    assert typed["status"] == "fail"
    assert typed["details"] == ["Aurora 2.08", "Borealis 3.01"]
    assert typed["evidence"]["rooms"] == ROOMS_UNTYPED
    assert typed["remediation"][1].startswith("Open the room Borealis 3.01")
    assert typed["depends_on"] == ["branch.exists"]
    assert typed["duration_s"] == 0.21
    assert typed["silenced"] is None


def test_each_check_lists_the_requests_it_made():
    checks = {c["id"]: c for c in to_json_dict(mixed_report())["checks"]}
    curl = ("curl -sS --fail-with-body -k -u \"hcp-svc:$TOPDESK_APP_PASSWORD\" -H 'Accept: application/json' "
            "'https://acme.topdesk.net/tas/api/reservations'")  # -k: the fixture ran with --insecure
    assert checks["permissions.reservations"]["requests"] == [
        {"method": "GET", "path": "/tas/api/reservations", "status": 503, "duration_s": 0.031, "bytes": 512,
         "error": None, "curl": curl},
        {"method": "GET", "path": "/tas/api/reservations", "status": None, "duration_s": 0.031, "bytes": 0,
         "error": "read timed out", "curl": curl},
    ]
    assert checks["network.dns"]["requests"] == []


def test_a_silenced_failure_keeps_its_status_and_says_why():
    check = next(c for c in to_json_dict(mixed_report())["checks"] if c["id"] == "operator.email_unique")
    assert check["status"] == "fail"
    assert check["silenced"].startswith("known duplicate")


def test_warnings_and_public_settings_are_included():
    data = to_json_dict(mixed_report())
    assert data["warnings"][0].startswith("TLS certificate verification was disabled with --insecure")
    assert data["settings"]["insecure"] is True
    assert data["settings"]["password_given"] is True


@pytest.mark.parametrize("name", sorted(all_reports()))
def test_every_fixture_validates_against_the_shipped_schema(name):
    validate_report_json(to_json_dict(all_reports()[name]))


@pytest.mark.parametrize("name", sorted(all_reports()))
def test_the_rendered_text_round_trips_to_the_same_dict(name):
    report = all_reports()[name]
    text = render_json(report)
    assert text.endswith("}\n")
    assert json.loads(text) == to_json_dict(report)


def test_non_ascii_stays_readable_and_long_values_stay_whole():
    text = render_json(hostile_report())
    assert LONG_NAME in text  # the JSON is the full record; only the HTML shortens
    assert HOSTILE_ROOM in json.loads(text)["target"]["branch"]
    swedish = evolve(all_pass_report(), target=Target(url="https://acme.topdesk.net", username="hcp-svc",
                                                      branch="Göteborg Södra"))
    assert "Göteborg Södra" in render_json(swedish)


def test_evidence_of_any_python_type_becomes_plain_json():
    odd = identify(CheckResult.passed("ok", evidence={
        "when": date(2025, 1, 2), "at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1))),
        "ratio": float("nan"), "ids": ("a", "b"), "tags": {"b", "a"}, "nested": {"n": [1, (2, 3)]},
        "held": Secret(FAKE_PASSWORD),
    }), "odd.evidence", "Odd evidence", "")
    report = evolve(all_pass_report(), results=[odd])
    evidence = json.loads(render_json(report))["checks"][0]["evidence"]
    assert evidence["when"] == "2025-01-02"
    assert evidence["at"] == "2025-01-02T02:04:05Z"
    assert evidence["ratio"] == "nan"
    assert evidence["ids"] == ["a", "b"] and evidence["tags"] == ["a", "b"]
    assert evidence["nested"] == {"n": [1, [2, 3]]}
    assert evidence["held"] == str(Secret(FAKE_PASSWORD)) != FAKE_PASSWORD  # unknown types print as str()
    validate_report_json(to_json_dict(report))


def test_a_lone_surrogate_from_a_broken_server_cannot_break_writing(tmp_path):
    broken = evolve(all_pass_report(), target=Target(url="https://acme.topdesk.net", username="hcp\ud800svc"))
    path = write_json(broken, tmp_path / "report.json")
    assert json.loads(path.read_text(encoding="utf-8"))["target"]["username"] == "hcp?svc"


def test_a_naive_generated_at_is_taken_as_utc():
    report = evolve(all_pass_report(), generated_at=datetime(2025, 3, 4, 5, 6, 7))
    assert to_json_dict(report)["generated_at"] == "2025-03-04T05:06:07Z"


def test_no_password_can_reach_the_json_even_if_a_caller_put_one_in_settings_or_evidence():
    leaky = evolve(mixed_report(), settings=public_settings(password=FAKE_PASSWORD, app_password=FAKE_PASSWORD))
    leaky = evolve(leaky, results=[evolve(leaky.results[0], evidence={"token": FAKE_PASSWORD,
                                                                      "Authorization": FAKE_PASSWORD})])
    text = render_json(leaky)
    assert FAKE_PASSWORD not in text
    settings = json.loads(text)["settings"]
    assert settings["password_given"] is True and settings["app_password_expires"] == "2027-03-31"
    assert "password" not in settings and "app_password" not in settings


def test_the_renderers_see_only_the_report_whose_settings_say_only_whether_a_password_was_given():
    report = mixed_report()
    assert report.settings["password_given"] is True
    assert not [key for key in report.settings if key in ("password", "app_password", "secret")]
    assert FAKE_PASSWORD not in render_json(report)


@pytest.mark.parametrize("break_it, where", [
    (lambda d: d.update(schema_version="2"), "schema_version"),
    (lambda d: d["checks"][0].update(status="ok"), "status"),
    (lambda d: d["checks"][0].pop("remediation"), "remediation"),
    (lambda d: d["summary"].update(ready="yes"), "ready"),
    (lambda d: d["ticket"].update(surprise=1), "surprise"),
    (lambda d: d["checks"][0]["requests"].append({"method": "GET"}), "requests"),
    (lambda d: d["settings"].update(password="x"), "password"),
    (lambda d: d.pop("ticket"), "ticket"),
])
def test_the_schema_rejects_what_breaks_the_contract(break_it, where):
    data = to_json_dict(mixed_report())
    break_it(data)
    with pytest.raises(jsonschema.ValidationError):
        validate_report_json(data)


def test_the_schema_lets_evidence_and_the_top_level_grow():
    data = to_json_dict(mixed_report())
    data["checks"][0]["evidence"]["anything"] = {"new": [1, 2]}
    data["added_in_a_later_minor_version"] = True
    validate_report_json(data)


def test_the_schema_is_a_valid_draft_2020_12_schema_loaded_as_package_data():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_write_json_replaces_the_file_atomically_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "out" / "report.json"
    assert write_json(all_pass_report(), path) == path
    write_json(mixed_report(), path)
    assert json.loads(path.read_text(encoding="utf-8"))["summary"]["ready"] is False
    assert os.listdir(path.parent) == ["report.json"]


def test_a_failed_write_keeps_the_old_report_and_removes_the_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "report.json"
    write_json(all_pass_report(), path)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        write_json(mixed_report(), path)
    assert os.listdir(tmp_path) == ["report.json"]
    assert json.loads(path.read_text(encoding="utf-8"))["summary"]["ready"] is True


def test_a_report_without_results_is_still_valid():
    empty = Report("topdesk-preflight", "1.0.0", datetime(2025, 1, 1, tzinfo=UTC),
                   Target(url="https://acme.topdesk.net", username="hcp-svc"), [])
    data = to_json_dict(empty)
    validate_report_json(data)
    assert data["checks"] == [] and data["summary"]["ready"] is True


# --- issue 11 additions ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["rooms", "unknown", "compared", "network_fail"])
def test_every_issue_11_fixture_validates(name):
    from reports_fixtures import issue_11_reports

    validate_report_json(json.loads(render_json(issue_11_reports()[name])))


def test_vantage_and_compare_are_in_the_json():
    from reports_fixtures import PREVIOUS_GENERATED_AT, compared_report, network_fail_report

    vantage = to_json_dict(network_fail_report())["vantage"]
    assert vantage["machine"] == "support-laptop-7"
    assert vantage["resolved_addresses"][0] == {"address": "10.20.30.40", "private": True, "loopback": False}
    assert "HCP server" in vantage["statement"]
    data = to_json_dict(compared_report())
    assert data["compared_with"]["generated_at"] == PREVIOUS_GENERATED_AT
    assert {c["id"]: c["change"] for c in data["checks"]}["permissions.reservations"] == "newly_broken"
    plain = to_json_dict(mixed_report())
    assert plain["compared_with"] is None and all(c["change"] is None for c in plain["checks"])


def test_silenced_results_are_counted_and_marked():
    data = to_json_dict(mixed_report())
    assert data["summary"]["counts"]["silenced"] == 1
    assert [c["id"] for c in data["checks"] if c["silenced"]] == ["operator.email_unique"]
    assert "operator.email_unique" not in [c["id"] for c in data["summary"]["root_causes"]]


@pytest.mark.parametrize("break_it", [
    lambda d: d["summary"]["root_causes"].append({"id": "x.y"}),
    lambda d: d["checks"][0]["remediation_steps"].append({"actor": "Janitor", "text": "mop"}),
    lambda d: d["checks"][0].update(change="better"),
    lambda d: d["checks"][1]["requests"][0].update(curl="rm -rf /"),
])
def test_the_schema_holds_the_additions_to_their_shape(break_it):
    data = to_json_dict(mixed_report())
    break_it(data)
    with pytest.raises(jsonschema.ValidationError):
        validate_report_json(data)


def test_json_sha256_is_the_digest_of_the_bytes_written(tmp_path):
    import hashlib

    from topdesk_preflight.reports.json_report import json_sha256

    text = render_json(hostile_report())
    path = write_json(hostile_report(), tmp_path / "r.json", json_text=text)
    assert json_sha256(text) == hashlib.sha256(path.read_bytes()).hexdigest()
