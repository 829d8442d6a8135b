"""Replayable evidence: every recorded request as a curl command that names the password only as a variable."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess

import pytest
import requests
from html_tree import parse
from reports_fixtures import GENERATED_AT, identify, mixed_report, public_settings

from topdesk_preflight import run_preflight
from topdesk_preflight.model import CheckResult, Report, RequestRecord, Target, evolve
from topdesk_preflight.reports import render_html, render_json
from topdesk_preflight.reports.replay import (
    JSON_ACCEPT,
    PERSON_V2_ACCEPT,
    CurlBuilder,
    accept_header,
    accept_is_inferred,
    curl_command,
)
from topdesk_preflight.sandbox import Sandbox

SANDBOX_PASSWORD = "replay-Secret-4u!$(not)'shown'"
BASE = "https://acme.topdesk.net"


def record(path: str, method: str = "GET", status: int | None = 200) -> RequestRecord:
    return RequestRecord(method, path, status)


def options(command: str) -> tuple[list[str], dict[str, str]]:
    """The words of ``command`` as the shell splits them, and the value after each option that takes one."""
    words = shlex.split(command)
    values = {word: words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-u", "-H", "--cacert")}
    return words, values


def test_a_get_becomes_a_curl_command_that_reads_the_password_from_the_environment():
    command = curl_command(record("/tas/api/version"), base_url=BASE, username="hcp-svc")
    assert command == ("curl -sS --fail-with-body -u \"hcp-svc:$TOPDESK_APP_PASSWORD\" "
                       "-H 'Accept: application/json' 'https://acme.topdesk.net/tas/api/version'")


def test_the_query_string_is_kept_exactly_and_quoted():
    path = "/tas/api/operators?query=email==%22hcp@acme.com%22;archived==false&fields=id,email&start=0"
    words, _ = options(curl_command(record(path), base_url=BASE, username="hcp-svc"))
    assert words[-1] == BASE + path


def test_a_trusted_ca_bundle_and_insecure_mode_are_carried_over():
    words, values = options(curl_command(record("/tas/api/version"), base_url=BASE, username="u",
                                         ca_bundle="/etc/ssl/our CA.pem"))
    assert values["--cacert"] == "/etc/ssl/our CA.pem" and "-k" not in words
    words, _ = options(curl_command(record("/tas/api/version"), base_url=BASE, username="u", insecure=True))
    assert "-k" in words and "--cacert" not in words


def test_head_requests_and_glob_characters_are_replayed_faithfully():
    words, _ = options(curl_command(record("/tas/api/version", method="HEAD"), base_url=BASE, username="u"))
    assert "-I" in words
    words, _ = options(curl_command(record("/tas/api/locations?name=[a]{b}"), base_url=BASE, username="u"))
    assert "--globoff" in words


@pytest.mark.parametrize("login", ["hcp-svc", "it's me", "a$(touch /tmp/x)`id`\"b", "svc user;rm -rf ~"])
def test_any_login_reaches_curl_as_typed_and_only_the_password_variable_expands(login):
    command = curl_command(record("/tas/api/version"), base_url=BASE, username=login)
    _, values = options(command)
    assert values["-u"] == f"{login}:$TOPDESK_APP_PASSWORD"  # shlex: quoted right, variable left for the shell
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash to expand the command")
    # The shell itself: replace curl by printf and see what the -u argument becomes.
    echoed = subprocess.run([bash, "-c", "printf '%s\\n' " + command.removeprefix("curl ")],
                            env={"TOPDESK_APP_PASSWORD": "pw 'with' $quotes"}, capture_output=True, text=True,
                            check=True, timeout=10).stdout.splitlines()
    assert echoed[echoed.index("-u") + 1] == f"{login}:pw 'with' $quotes"


@pytest.mark.parametrize("path, accept", [
    ("/tas/api/persons/0b3c0f6e-1f5a-4c1e-9d7e-2f0e6c1d2a3b?fields=id,email", PERSON_V2_ACCEPT),
    ("/tas/api/persons/id/0b3c0f6e-1f5a-4c1e-9d7e-2f0e6c1d2a3b", JSON_ACCEPT),
    ("/tas/api/persons?query=email==%22a@b%22", JSON_ACCEPT),
    ("/tas/api/operators/current", JSON_ACCEPT),
])
def test_the_persons_v2_request_gets_its_media_type_back(path, accept):
    assert accept_header(record(path)) == accept
    assert accept_is_inferred(record(path)) == (accept == PERSON_V2_ACCEPT)
    _, values = options(curl_command(record(path), base_url=BASE, username="u"))
    assert values["-H"] == f"Accept: {accept}"


def test_the_builder_takes_url_login_and_trust_from_the_report():
    report = evolve(mixed_report(), settings=public_settings(ca_bundle="/ca.pem", insecure=False))
    builder = CurlBuilder.from_report(report)
    assert (builder.base_url, builder.username, builder.ca_bundle, builder.insecure) == (BASE, "hcp-svc",
                                                                                          "/ca.pem", False)


def test_the_json_and_the_html_carry_a_curl_command_per_request():
    report = mixed_report()
    data = json.loads(render_json(report))
    reservations = next(c for c in data["checks"] if c["id"] == "permissions.reservations")
    assert [r["curl"].split()[-1] for r in reservations["requests"]] == [
        "'https://acme.topdesk.net/tas/api/reservations'"] * 2
    article = parse(render_html(report)).find("article", id="check-permissions-reservations")
    details = article.find("details", class_="replay")
    assert "open" not in details.attrs
    assert [pre.text() for pre in details.find_all("pre", class_="curl")] == [r["curl"] for r in
                                                                            reservations["requests"]]
    assert "TOPDESK_APP_PASSWORD" in details.find("p", class_="hint").text()


@pytest.fixture(scope="module")
def sandbox_run():
    """The demo scenario over HTTPS, with the sandbox still serving so the commands can be replayed."""
    with Sandbox(scenario="demo", tls=True, password=SANDBOX_PASSWORD) as sb:
        report = run_preflight(sb.settings())
        yield sb, report


def test_no_command_ever_contains_the_password(sandbox_run):
    _, report = sandbox_run
    commands = [c["curl"] for c in json.loads(render_json(report))["checks"] for c in c["requests"]]
    assert len(commands) >= 10
    for command in commands:
        assert SANDBOX_PASSWORD not in command
        assert "$TOPDESK_APP_PASSWORD" in command
    assert SANDBOX_PASSWORD not in render_html(report)


def test_replaying_each_command_against_the_sandbox_gives_the_recorded_status(sandbox_run):
    sb, report = sandbox_run
    replayed = 0
    for result in report.results:
        for request_record in result.requests:
            words, values = options(CurlBuilder.from_report(report)(request_record))
            assert values["--cacert"] == sb.ca_file
            login = values["-u"].removesuffix(":$TOPDESK_APP_PASSWORD")
            name, _, value = values["-H"].partition(": ")
            method = requests.head if "-I" in words else requests.get
            answer = method(words[-1], auth=(login, SANDBOX_PASSWORD), headers={name: value},
                            verify=values["--cacert"], timeout=10, allow_redirects=False)
            assert answer.status_code == request_record.status, (result.id, request_record.path)
            replayed += 1
    assert replayed >= 10
    # persons v2 too, with the Accept header the client recorded rather than one guessed from the path
    v2 = [r for result in report.results for r in result.requests if "person-v2" in accept_header(r)]
    assert v2 and not any(accept_is_inferred(r) for r in v2)


def test_a_report_without_settings_falls_back_to_its_target():
    result = identify(CheckResult.passed("ok"), "api.reachable", "The API answers", "",
                      requests=(record("/tas/api/version"),))
    report = Report("topdesk-preflight", "1.0.0", GENERATED_AT, Target(url=BASE, username="ops"), [result])
    command = json.loads(render_json(report))["checks"][0]["requests"][0]["curl"]
    assert options(command)[1]["-u"] == "ops:$TOPDESK_APP_PASSWORD"
    assert command.endswith("'https://acme.topdesk.net/tas/api/version'")


def test_the_client_records_the_accept_header_so_a_persons_v2_list_replays_exactly():
    """The email check asks the persons v2 list with its own media type; the curl command must too."""
    from topdesk_preflight.runner import run_preflight

    with Sandbox(scenario="healthy") as sb:
        report = run_preflight(sb.settings(only=("operator.email_unique",)))
    persons = [r for r in report.result("operator.email_unique").requests if r.path.startswith("/tas/api/persons?")]
    assert persons and accept_header(persons[0]) == "application/x.topdesk-collection-person-v2+json"
    assert not accept_is_inferred(persons[0])
