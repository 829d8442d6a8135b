"""What the client raises when the network, TLS or the answer is wrong, and that it names the problem."""

from __future__ import annotations

import logging
import socket

import pytest
import tenacity

from topdesk_preflight.client import TopdeskClient
from topdesk_preflight.errors import (
    AuthenticationError,
    BadResponseError,
    ConnectError,
    DNSError,
    HTTPStatusError,
    NotFound,
    NotTopdeskError,
    PermissionDenied,
    TLSError,
)
from topdesk_preflight.sandbox import Fault, Sandbox
from topdesk_preflight.settings import Settings

VERSION = "/tas/api/version"
PAGE_401 = ("<!DOCTYPE html><html><head><title>401 - Unauthorized</title></head><body><h1>Unauthorized</h1>"
            "<p>The request has not been applied because it lacks valid authentication credentials.</p>"
            "</body></html>")


def make_client(settings, **kw):
    return TopdeskClient(settings, retry_wait=tenacity.wait_none(), **kw)


class TestTls:
    def test_the_ca_bundle_makes_the_throwaway_ca_trusted(self, sb):
        with make_client(sb.settings()) as client:
            assert client.fetch("/version").status == 200

    def test_without_the_ca_bundle_the_os_trust_store_does_not_know_it(self, sb):
        with make_client(sb.settings(ca_bundle=None)) as client, pytest.raises(TLSError) as caught:
            client.fetch("/version")
        assert caught.value.reason == "untrusted"
        assert "not trusted" in str(caught.value) and f"127.0.0.1:{sb.port}" in str(caught.value)
        assert "--ca-bundle" in caught.value.hint
        assert sb.requests == []  # no request got through, and TLS errors are not retried

    def test_expired_certificate(self):
        with Sandbox(tls="expired") as sb, make_client(sb.settings()) as client:
            with pytest.raises(TLSError) as caught:
                client.fetch("/version")
            assert caught.value.reason == "expired" and "expired" in str(caught.value)
            assert sb.requests == []

    def test_certificate_for_another_host(self):
        with Sandbox(tls="wrong_host") as sb, make_client(sb.settings()) as client:
            with pytest.raises(TLSError) as caught:
                client.fetch("/version")
            assert caught.value.reason == "wrong_host" and "another host name" in str(caught.value)

    def test_insecure_skips_verification_and_warns_once(self, caplog):
        caplog.set_level(logging.WARNING)
        with Sandbox(tls="expired") as sb, make_client(sb.settings(ca_bundle=None, insecure=True)) as client:
            assert client.fetch("/version").status == 200
            assert client.fetch("/version").status == 200
        warnings = [r for r in caplog.records if "verification is OFF" in r.getMessage()]
        assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING

    def test_an_unreadable_ca_bundle_is_named(self, sb, tmp_path):
        bad = tmp_path / "not-a-ca.pem"
        bad.write_text("hello")
        with pytest.raises(TLSError) as caught:
            make_client(sb.settings(ca_bundle=str(bad)))
        assert str(bad) in str(caught.value) and "--ca-bundle" in caught.value.hint

    def test_plain_http_works_too(self):
        with Sandbox(tls=False) as sb, make_client(sb.settings()) as client:
            assert client.get_json("/version") == {"version": sb.state.version}


class TestNoAnswer:
    def test_refused_port_is_a_connect_error(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings = Settings(url=f"https://127.0.0.1:{port}", username="u", password="p", retries=1)
        with make_client(settings) as client, pytest.raises(ConnectError) as caught:
            client.fetch("/version")
        assert "refused" in str(caught.value) and f"127.0.0.1:{port}" in str(caught.value)
        assert caught.value.path == VERSION

    def test_unresolvable_host_is_a_dns_error(self):
        settings = Settings(url="https://nonexistent.invalid", username="u", password="p", retries=0)
        with make_client(settings) as client, pytest.raises(DNSError) as caught:
            client.fetch("/version")
        assert "nonexistent.invalid does not resolve" in str(caught.value)
        assert "DNS" in caught.value.hint


class TestNotTopdesksAnswer:
    def test_html_page_instead_of_json_is_not_topdesk(self, sb):
        sb.inject(VERSION, Fault.html())
        with make_client(sb.settings()) as client:
            with pytest.raises(NotTopdeskError) as caught:
                client.get_json("/version")
            assert client.fetch("/version").is_html
        assert "HTML page (TOPdesk)" in str(caught.value) and "--url" in caught.value.hint

    def test_invalid_json_is_a_bad_response(self, sb):
        sb.inject(VERSION, Fault.invalid_json())
        with make_client(sb.settings()) as client, pytest.raises(BadResponseError) as caught:
            client.get_json("/version")
        assert "invalid JSON" in str(caught.value) and caught.value.path == VERSION

    def test_empty_json_body_is_a_bad_response(self, sb):
        sb.inject(VERSION, Fault.empty_body())
        with make_client(sb.settings()) as client, pytest.raises(BadResponseError, match="empty body"):
            client.get_json("/version")

    def test_plain_text_where_json_belongs_is_not_topdesk(self, sb):
        sb.inject(VERSION, Fault.status(200, body="hello from a proxy"))
        with make_client(sb.settings()) as client, pytest.raises(NotTopdeskError, match="text/plain"):
            client.get_json("/version")

    def test_wrong_prefix_gives_not_found(self, sb):
        with make_client(sb.settings(url=sb.url + "/topdesk")) as client, pytest.raises(NotFound) as caught:
            client.get_json("/version")
        assert caught.value.path == "/tas/api/version"


class TestErrorBodies:
    @pytest.mark.parametrize("fault, cls, messages", [
        (Fault.status(403, body=[{"message": "No permission to access the data"}]),
         PermissionDenied, ["No permission to access the data"]),
        (Fault.status(400, body={"errors": [{"errorCode": "badRequest", "appliesTo": [],
                                             "errorMessage": "Input parameters malformed"}]}),
         HTTPStatusError, ["Input parameters malformed [badRequest]"]),
        (Fault.status(400, body=[{"errorCode": "E7", "errorMessage": "Cannot sort by size"}]),
         HTTPStatusError, ["Cannot sort by size [E7]"]),
        (Fault.status(401, body="No valid authentication token provided"),
         AuthenticationError, ["No valid authentication token provided"]),
        (Fault.status(401, body=PAGE_401, headers={"Content-Type": "text/html;charset=UTF-8"}),
         AuthenticationError, ["401 - Unauthorized", "Unauthorized",
                               "The request has not been applied because it lacks valid authentication "
                               "credentials."]),
    ], ids=["message-array", "errors-object", "error-description-array", "plain-text", "html-page"])
    def test_every_body_shape_becomes_the_message(self, sb, fault, cls, messages):
        sb.inject("/tas/api/operators/current", fault)
        with make_client(sb.settings()) as client, pytest.raises(HTTPStatusError) as caught:
            client.get_json("/operators/current")
        assert type(caught.value) is cls and caught.value.messages == messages
        assert str(caught.value).startswith(f"GET /tas/api/operators/current answered {caught.value.status} ")
        assert messages[-1] in str(caught.value)

    def test_sandbox_html_401_for_missing_api_permission(self, sb):
        sb.load("no_api_access")
        with make_client(sb.settings()) as client, pytest.raises(AuthenticationError) as caught:
            client.get_json("/operators/current")
        assert any("lacks valid authentication credentials" in m for m in caught.value.messages)
        assert "REST API" in caught.value.hint
