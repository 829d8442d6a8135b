"""The two promises that must never break: the client only reads, and the password never shows."""

from __future__ import annotations

import base64
import logging
import socket
import traceback
from urllib.parse import quote, quote_plus

import pytest
import tenacity

from topdesk_preflight.client import Paging, TopdeskClient
from topdesk_preflight.errors import ReadOnlyViolation, TopdeskError
from topdesk_preflight.sandbox import Fault, Sandbox
from topdesk_preflight.settings import Settings

SECRET = "Xq7!pa55-w0rd;s3cr3t"


@pytest.fixture(scope="module")
def sandbox():
    """This module's sandbox hands out a distinctive password, so any trace of it can be found."""
    with Sandbox(scenario="healthy", tls=True, password=SECRET) as sb:
        yield sb


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "post", "TRACE"])
def test_a_non_read_method_never_leaves_the_client(sb, method):
    with TopdeskClient(sb.settings()) as client:
        with pytest.raises(ReadOnlyViolation) as caught:
            client.request(method, "/operators")
        assert client.request_log == []
    assert sb.requests == []
    assert isinstance(caught.value, TopdeskError)
    assert method.upper() in str(caught.value) and "only reads" in str(caught.value)


def test_the_sandbox_saw_only_gets_and_heads_in_a_busy_session(sb):
    with TopdeskClient(sb.settings(), retry_wait=tenacity.wait_none()) as client:
        client.get_json("/version")
        client.head("/version")
        list(client.iter_items("/operators", paging=Paging.START, page_size=2))
        with pytest.raises(ReadOnlyViolation):
            client.request("DELETE", "/operators/id/x")
    assert {e.method for e in sb.requests} == {"GET", "HEAD"}
    assert not any(e.flagged for e in sb.requests)


def _secret_forms(login: str) -> list[str]:
    pair = f"{login}:{SECRET}".encode()
    return [SECRET, base64.b64encode(pair).decode(), base64.b64encode(SECRET.encode()).decode(),
            quote(SECRET, safe=""), quote_plus(SECRET), quote(SECRET)]


def test_no_trace_of_the_password_in_logs_or_errors_during_a_run_full_of_faults(sb, caplog, capfd):
    caplog.set_level(logging.DEBUG)  # every logger, urllib3 included
    raised: list[BaseException] = []

    def attempt(client: TopdeskClient, call) -> None:
        try:
            call(client)
        except TopdeskError as error:
            raised.append(error)

    with TopdeskClient(sb.settings(retries=1, timeout=0.5), retry_wait=tenacity.wait_none()) as client:
        attempt(client, lambda c: c.get_json("/operators/current"))
        attempt(client, lambda c: list(c.iter_items("/persons", paging=Paging.PAGE_START, page_size=2)))
        for fault in (Fault.rate_limit("0", times=1), Fault.status(503), Fault.drop(), Fault.html(),
                      Fault.invalid_json(), Fault.empty_body(), Fault.latency(1.0), Fault.slow_body(0.2),
                      Fault.status(401, body="No valid authentication token provided")):
            sb.clear_faults()
            sb.inject("/tas/api/*", fault)
            attempt(client, lambda c: c.get_json("/version"))
        sb.clear_faults()
        attempt(client, lambda c: c.request("POST", "/operators"))
        records = list(client.request_log)
    sb.load("no_api_access")
    with TopdeskClient(sb.settings(retries=0)) as client:
        attempt(client, lambda c: c.get_json("/operators/current"))
    with TopdeskClient(sb.settings(ca_bundle=None, retries=0)) as client:
        attempt(client, lambda c: c.get_json("/version"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for url in (f"https://127.0.0.1:{port}", "https://nonexistent.invalid"):
        settings = Settings(url=url, username=sb.login, password=SECRET, retries=0)
        with TopdeskClient(settings) as client:
            attempt(client, lambda c: c.get_json("/version"))
            assert SECRET not in repr(client) and SECRET not in repr(settings)

    kinds = {type(e).__name__ for e in raised}
    assert kinds >= {"AuthenticationError", "ServerError", "ConnectError", "NotTopdeskError", "BadResponseError",
                     "RequestTimeout", "ReadOnlyViolation", "TLSError", "DNSError"}
    assert {r.name for r in caplog.records} >= {"topdesk_preflight.http", "urllib3.connectionpool"}

    texts = []
    for record in caplog.records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append("".join(traceback.format_exception(*record.exc_info)))
    for error in raised:
        texts += [str(error), repr(error), error.hint or "", "".join(traceback.format_exception(error))]
    texts += [repr(r) for r in records]
    out, err = capfd.readouterr()
    texts += [out, err]
    everything = "\n".join(texts)
    for form in _secret_forms(sb.login):
        assert form not in everything, f"the password leaked as {form!r}"
