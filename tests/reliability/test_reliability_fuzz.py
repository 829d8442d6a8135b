"""Bad input, generated: whatever TOPdesk answers and whatever a user types, nothing crashes or hangs.

Hypothesis plays both sides. As the server (one live sandbox, re-armed per example) it
answers with random statuses, headers and bodies, including random JSON where TOPdesk's
records belong; the client must raise only its own typed errors and every check must end
with a valid status. As the user it types random URLs, branch, room and email names
full of quotes, ``;``, ``,`` and unicode; FIQL built from them must mean exactly what
was typed, which the sandbox's own FIQL parser confirms.
"""

from __future__ import annotations

import json
import string
import time
from typing import Any, Iterator

import pytest
import tenacity
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from reliability_support import SECRET

from topdesk_preflight import fiql
from topdesk_preflight.client import TopdeskClient, parse_retry_after
from topdesk_preflight.context import Context
from topdesk_preflight.errors import TopdeskError
from topdesk_preflight.model import Status
from topdesk_preflight.paging import Paging
from topdesk_preflight.registry import load_catalogue
from topdesk_preflight.runner import run_checks
from topdesk_preflight.sandbox import Fault, Sandbox
from topdesk_preflight.sandbox import fiql as server_fiql
from topdesk_preflight.settings import Settings, SettingsError

pytestmark = pytest.mark.slow



def examples(n: int) -> settings:
    """``n`` examples, no per-example deadline (a live server answers), fixtures shared across examples."""
    return settings(max_examples=n, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
#: The checks that read TOPdesk's API (the network checks open sockets only, fuzzed elsewhere).
API_CHECKS = [s for s in load_catalogue() if not s.id.startswith(("network.", "auth.app_password"))]

user_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60) | st.sampled_from([
    'HQ";archived==true', "HQ'", "a;b,c", "(x)", "\\", '\\"', "name==x", "HQ Stockholm", "Göteborg",
    "\u202e\u0000\x1b[31m", "x" * 3000, "  ", "", '"', "=in=(a,b)", "null"])
field_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_.]{0,20}", fullmatch=True)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "name", "email", "branch", "type", "status", "archived", "results", "item",
                         "loginName", "linkedPerson", "version", "reservationManagement", "x"]),
        inner, max_size=6),
    max_leaves=15)


@pytest.fixture(scope="module")
def fuzz_sandbox() -> Iterator[Sandbox]:
    with Sandbox(scenario="healthy", tls=False, password=SECRET) as sb:
        yield sb


@pytest.fixture
def counted(tally: Any) -> Any:
    return tally


# ------------------------------------------------------------------------------------------- FIQL

@examples(600)
@given(field=field_names, value=user_text)
def test_eq_of_user_input_is_one_comparison_of_that_field_with_exactly_that_value(
        field: str, value: str, counted: Any) -> None:
    counted["fuzz examples"] += 1
    query = fiql.eq(field, value)
    assert server_fiql.parse(query) == server_fiql.Comparison(field, "==", (value,))


@examples(400)
@given(pairs=st.lists(st.tuples(field_names, user_text), min_size=2, max_size=5), kind=st.sampled_from(["and", "or"]))
def test_and_or_of_user_input_keep_their_structure(pairs: list[tuple[str, str]], kind: str,
                                                   counted: Any) -> None:
    counted["fuzz examples"] += 1
    combine, node = (fiql.and_, server_fiql.And) if kind == "and" else (fiql.or_, server_fiql.Or)
    atoms = [fiql.eq(f, v) for f, v in pairs]
    assert server_fiql.parse(combine(*atoms)) == node(tuple(server_fiql.Comparison(f, "==", (v,)) for f, v in pairs))
    # nested the other way, each group stays a group
    other, other_node = (fiql.or_, server_fiql.Or) if kind == "and" else (fiql.and_, server_fiql.And)
    nested = combine(other(atoms[0], atoms[1]), *atoms[2:]) if len(atoms) > 2 else combine(other(*atoms))
    parsed = server_fiql.parse(nested)
    if len(atoms) > 2:
        assert isinstance(parsed, node) and isinstance(parsed.parts[0], other_node)
        assert len(parsed.parts) == len(atoms) - 1


# ----------------------------------------------------------------------------------- user settings

@examples(300)
@given(url=st.text(max_size=80) | st.builds(lambda host, tail: f"{host}{tail}", st.sampled_from(
    ["acme.topdesk.net", "https://acme.topdesk.net", "http://[::1]", "https://a:99999", "ftp://x", "https://"]),
    st.text(string.printable, max_size=30)))
def test_any_typed_url_is_a_usable_url_or_a_settings_error(url: str, counted: Any) -> None:
    counted["fuzz examples"] += 1
    try:
        built = Settings(url=url, username="u", password="p")
    except SettingsError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert built.url.startswith(("https://", "http://")) and not built.url.endswith("/tas/api")
    assert built.api_url == built.url + "/tas/api" and built.host
    assert not any(c.isspace() for c in built.url)


@pytest.mark.parametrize("url", ["https://[", "http://]x", "https://a\uff03b.example"])
def test_a_url_urlsplit_cannot_read_is_a_settings_error(url: str) -> None:
    with pytest.raises(SettingsError):
        Settings(url=url, username="u", password="p")


@examples(200)
@given(branch=user_text, rooms=st.lists(user_text, max_size=3), email=user_text)
def test_any_branch_room_or_email_name_gives_valid_verdicts_and_never_a_crash(
        fuzz_sandbox: Sandbox, branch: str, rooms: list[str], email: str, counted: Any) -> None:
    counted["fuzz examples"] += 1
    fuzz_sandbox.clear_faults()
    try:
        chosen = fuzz_sandbox.settings(branch=branch, rooms=tuple(rooms), email=email, timeout=5.0, retries=0)
    except SettingsError:
        return
    specs = [s for s in API_CHECKS if s.id.startswith(("branch.", "rooms.", "operator.email", "person."))]
    results = _run(chosen, specs)
    if branch.strip() and "\x00" not in branch:
        # the branch name reached TOPdesk as a value: the sandbox understood the query (no 400 = no error)
        known = {b.name.casefold() for b in fuzz_sandbox.state.branches}
        assert results["branch.exists"].status is (Status.PASS if branch.strip().casefold() in known
                                                   else Status.FAIL), results["branch.exists"].summary


# --------------------------------------------------------------------------------- server answers

statuses = st.integers(200, 599)
headers = st.dictionaries(
    st.sampled_from(["Content-Type", "Retry-After", "Content-Encoding", "X-Custom", "Location", "Cache-Control"]),
    st.sampled_from(["application/json", "text/html", "text/plain", "application/x.topdesk-collection-"
                     "person-v2+json", "gzip", "", "1", "-1", "nan", "Wed, 21 Oct 2015 07:28:00 GMT", "é"])
    | st.text(string.ascii_letters + string.digits + " ;=/,.-", max_size=40), max_size=3)
bodies = (st.binary(max_size=300) | st.text(max_size=300) | json_values.map(json.dumps)
          | st.sampled_from(["<html><title>x</title><script>alert(1)</script></html>", "[{", "null", '"x"',
                             '{"errors": [{"errorMessage": 5}]}', "[1, 2]", "\ufeff[]"]))


@examples(400)
@given(status=statuses, body=bodies, extra=headers, paging=st.sampled_from(list(Paging)))
# found by this test: a Location that is not UTF-8 made requests itself raise UnicodeDecodeError
@example(status=301, body=b"", extra={"Content-Type": "application/json", "Location": "\u00e9"}, paging=Paging.START)
def test_the_client_turns_any_answer_into_data_or_its_own_typed_error(
        fuzz_sandbox: Sandbox, status: int, body: Any, extra: dict[str, str], paging: Paging,
        counted: Any) -> None:
    counted["fuzz examples"] += 1
    if status == 304:  # no body may follow a 304 (RFC 9110): a server that sends one breaks HTTP itself
        body = b""
    fuzz_sandbox.clear_faults()
    fuzz_sandbox.inject("/tas/api/*", Fault.status(status, body=body, headers=extra))
    with TopdeskClient(fuzz_sandbox.settings(timeout=2.0, retries=0),
                       retry_wait=tenacity.wait_none()) as client:
        started = time.monotonic()
        for call in (lambda: client.get_json("/operators/current"),
                     lambda: list(client.iter_items("/locations", paging=paging, max_pages=3))):
            try:
                call()
            except TopdeskError as error:
                assert str(error) and error.message
        assert time.monotonic() - started < 5.0


@examples(300)
@given(data=json_values, status=st.sampled_from([200, 200, 200, 206, 400, 401, 403, 404]),
       spec=st.sampled_from(API_CHECKS))
def test_every_check_ends_with_a_valid_status_whatever_json_topdesk_returns(
        fuzz_sandbox: Sandbox, data: Any, status: int, spec: Any, counted: Any) -> None:
    counted["fuzz examples"] += 1
    fuzz_sandbox.clear_faults()
    fuzz_sandbox.inject("/tas/api/*", Fault.status(status, body=json.dumps(data).encode(),
                                                   headers={"Content-Type": "application/json"}))
    results = _run(fuzz_sandbox.settings(timeout=2.0, retries=0), [spec])
    result = results[spec.id]
    assert result.status in set(Status) and result.summary
    if result.status is not Status.PASS:
        assert result.status is Status.ERROR or result.remediation or result.status is Status.SKIPPED


@examples(300)
@given(value=st.text(max_size=40) | st.sampled_from(["nan", "inf", "-inf", "1e309", "-5", "0", "10",
                                                     "Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"]))
def test_any_retry_after_header_parses_to_a_finite_wait_or_none(value: str, counted: Any) -> None:
    counted["fuzz examples"] += 1
    seconds = parse_retry_after(value)
    assert seconds is None or (seconds >= 0 and seconds == seconds)


def _run(chosen: Settings, specs: list[Any]) -> dict[str, Any]:
    with TopdeskClient(chosen, retry_wait=tenacity.wait_none()) as client:
        ctx = Context(chosen, client, deadline=time.monotonic() + 10)
        results = run_checks(specs, ctx, concurrency=2, check_timeout=10, deadline_s=10)
    return {r.id: r for r in results}
