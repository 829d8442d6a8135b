"""With --redact, no output names a person: every scenario, every output, every name, email and login.

The report goes into a ticket outside the customer's organisation (issue #16). Each run here is the
real CLI against the HTTPS sandbox with ``--redact --debug --ticket-text --junit``, and everything it
left is searched for every name, email and login of the sandbox's persons and operators, except the
ones the vendor's ticket list asks for (the HCP operator's email and login, as configured and as
TOPdesk has them): stdout (progress lines, summary, ticket text), stderr (every --debug log line),
the JSON report, the HTML report (unescaped, and the JSON copy embedded in it), the JUnit file. The
search ignores case and joins lines, so neither a capital letter nor a wrapped line hides a name.
``run_cli`` (conftest.py) scans the same run for the application password.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from reliability_support import SECRET, Outcome, sandbox_args

from topdesk_preflight.cli import EXIT_TOOL_BROKE
from topdesk_preflight.sandbox import SCENARIOS, Sandbox
from topdesk_preflight.sandbox.profiles import parse_profile

#: Profiles that change what TOPdesk sends back about people: no linkedPerson (the person card is told
#: by its name), a query the server ignores (every card comes back), persons v1 (whole records),
#: field lists refused (whole records again), Dutch name prefixes (names spelled two ways).
PEOPLE_PROFILES = ("pre_2024", "no_fiql", "no_persons_v2", "strict_fields", "dutch_prefixes")
PEOPLE_SCENARIOS = ("demo", "email_duplicate", "person_mismatch")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """Over HTTPS, handing out the distinctive password the secret scan looks for."""
    with Sandbox(scenario="healthy", tls=True, password=SECRET) as started:
        yield started


@pytest.fixture
def people_sb(sb: Sandbox) -> Iterator[Sandbox]:
    yield sb
    sb.profile = parse_profile("saas")
    sb.load("healthy")


def personal_values(sb: Sandbox) -> dict[str, str]:
    """Every name, email and login of the scenario's persons and operators that must not appear."""
    state = sb.state
    kept = {v.casefold() for v in (state.login, state.email, state.service_operator.email,
                                   state.service_operator.login_name) if v}
    values: dict[str, str] = {}
    for kind, cards in (("person", state.persons), ("operator", state.operators)):
        for card in cards:
            for what, value in (("name", card.dynamic_name), ("email", card.email),
                                ("login", card.login_name), ("name", f"{card.first_name} {card.sur_name}")):
                if value and value.casefold() not in kept:
                    values[value] = f"{kind} {what}"
    return values


def outputs(outcome: Outcome, junit: Path) -> dict[str, str]:
    """Every text the run left for a reader, in the form a reader (or a program) would see it."""
    texts = {"stdout": outcome.out, "stderr": outcome.err, "json report": outcome.json_text,
             "html report": html.unescape(outcome.html_text), "junit": html.unescape(junit.read_text("utf-8"))}
    for number, embedded in enumerate(re.findall(r"data:application/json;base64,([A-Za-z0-9+/=]+)",
                                                 outcome.html_text)):
        texts[f"json inside the html #{number}"] = base64.b64decode(embedded).decode("utf-8")
    return texts


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def assert_nobody_named(texts: dict[str, str], values: dict[str, str]) -> None:
    """No value starts at any word start of any text (case and line breaks ignored).

    Looked up by length at each word start rather than searched one by one: ``large`` has 70,000 cards.
    """
    wanted = {_folded(value): (value, what) for value, what in values.items()}
    lengths = sorted({len(v) for v in wanted})
    for where, text in texts.items():
        folded = _folded(text)
        for start in (m.start() for m in re.finditer(r"(?<!\w)\w", folded)):
            for length in lengths:
                found = wanted.get(folded[start:start + length])
                assert found is None, f"the {found[1]} {found[0]!r} leaked into {where}"


def run_redacted(sb: Sandbox, run_cli: Callable[..., Outcome], tmp_path: Path, name: str,
                 tally: Any) -> tuple[Outcome, dict[str, str]]:
    values = personal_values(sb)
    junit, key = tmp_path / f"{name}.xml", tmp_path / "keys" / f"{name}.redaction-map.json"
    outcome = run_cli(sandbox_args(sb, "--redact", "--redaction-map", str(key), "--debug", "--ticket-text",
                                   "--junit", str(junit), "--timeout", "5", "--app-password-expires",
                                   "2030-01-01"))
    assert outcome.code != EXIT_TOOL_BROKE, outcome.err
    texts = outputs(outcome, junit)
    assert_nobody_named(texts, values)
    assert outcome.report["redaction"]["map_file"] == key.name
    assert key.stat().st_mode & 0o777 == 0o600
    tally["personal-data scans"] += 1
    tally["personal values scanned for"] += len(values) * len(texts)
    return outcome, values


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_scenario_names_a_person_with_redact(sb: Sandbox, scenario: str, run_cli: Callable[..., Outcome],
                                                tmp_path: Path, tally: Any) -> None:
    sb.load(scenario)
    outcome, values = run_redacted(sb, run_cli, tmp_path, scenario, tally)
    assert values, "the scan must have something to look for"
    # What the vendor's ticket list asks for is still there: the HCP operator's login and email, the branch.
    assert outcome.report["target"]["username"] == sb.login and outcome.report["target"]["email"] == sb.state.email
    assert outcome.report["target"]["branch"] == sb.state.branch


@pytest.mark.parametrize("profile", PEOPLE_PROFILES)
@pytest.mark.parametrize("scenario", PEOPLE_SCENARIOS)
def test_no_kind_of_topdesk_names_a_person_with_redact(people_sb: Sandbox, scenario: str, profile: str,
                                                       run_cli: Callable[..., Outcome], tmp_path: Path,
                                                       tally: Any) -> None:
    people_sb.profile = parse_profile(profile)
    people_sb.load(scenario)
    run_redacted(people_sb, run_cli, tmp_path, f"{scenario}-{profile}", tally)


def test_the_tokens_keep_the_diagnosis(sb: Sandbox, run_cli: Callable[..., Outcome], tmp_path: Path,
                                       tally: Any) -> None:
    """The duplicate cards are still two cards, each named by its token, and the steps say where to look."""
    sb.load("email_duplicate")
    outcome, _ = run_redacted(sb, run_cli, tmp_path, "diagnosis", tally)
    check = outcome.check("operator.email_unique")
    assert check["status"] == "fail"
    assert "operator card 'operator-2' (login operator-2-login), person card 'person-1'" in check["summary"]
    assert "hcp@acme.example" in check["summary"], "the HCP operator's email is kept"
    assert check["remediation"][1].startswith("TOPdesk administrator: Open the person card 'person-1' "
                                              "(see the key file)")
    assert check["evidence"]["duplicates"][1]["name"] == "person-1"
    assert "person-1" in outcome.out and "Key file (new; PRIVATE" in outcome.out


def test_the_scan_finds_a_name_wherever_it_hides(tmp_path: Path) -> None:
    """The scan itself must be able to fail, or the tests above prove nothing."""
    values = {"Hanna Cederqvist": "person name"}
    for text in ("… hanna cederqvist …", "Hanna\n   Cederqvist", "HANNA CEDERQVIST"):
        with pytest.raises(AssertionError, match="leaked"):
            assert_nobody_named({"probe": text}, values)
    assert_nobody_named({"probe": "person card 'person-1'"}, values)
    junit = tmp_path / "empty.xml"
    junit.write_text("<testsuites/>", encoding="utf-8")
    hidden = base64.b64encode(json.dumps({"name": "Hanna Cederqvist"}).encode()).decode()
    outcome = Outcome(0, "", "", 0.0, "", f'<a href="data:application/json;base64,{hidden}">', {})
    with pytest.raises(AssertionError, match="json inside the html"):
        assert_nobody_named(outputs(outcome, junit), values)


def test_without_redact_the_same_scan_finds_the_staff(sb: Sandbox, run_cli: Callable[..., Outcome],
                                                      tmp_path: Path) -> None:
    """The control: the very outputs the scan passes with --redact name the staff without it."""
    sb.load("email_duplicate")
    junit = tmp_path / "plain.xml"
    outcome = run_cli(sandbox_args(sb, "--ticket-text", "--junit", str(junit)))
    assert "redaction" not in outcome.report
    with pytest.raises(AssertionError, match="leaked"):
        assert_nobody_named(outputs(outcome, junit), personal_values(sb))


def test_one_key_file_gives_the_same_card_the_same_token_run_after_run(
        sb: Sandbox, run_cli: Callable[..., Outcome], tmp_path: Path) -> None:
    key = tmp_path / "acme.redaction-map.json"
    args = ("--redact", "--redaction-map", str(key))
    sb.load("email_duplicate")
    first = run_cli(sandbox_args(sb, *args))
    entries = json.loads(key.read_text("utf-8"))["entries"]
    second = run_cli(sandbox_args(sb, *args))
    assert first.check("operator.email_unique")["summary"] == second.check("operator.email_unique")["summary"]
    assert json.loads(key.read_text("utf-8"))["entries"] == entries, "nothing new to add"
    assert "Key file (new;" in first.out and "Key file (updated;" in second.out
    sb.load("person_mismatch")  # a new card joins the key; the ones it knew keep their tokens
    third = run_cli(sandbox_args(sb, *args))
    document = json.loads(key.read_text("utf-8"))
    assert {e["token"]: e["value"] for e in entries}.items() <= {e["token"]: e["value"]
                                                                 for e in document["entries"]}.items()
    assert "'person-2', not 'operator-1' like the operator" in third.check("person.linked")["summary"]
    assert document["reports"] and all(name.endswith(".json") for name in document["reports"]), \
        "the key says which reports it unlocks"
