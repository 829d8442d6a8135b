"""The transport's exception table (topdesk_preflight.client.transport): what requests, urllib3 and ssl
raise becomes one of our errors with the words a reader can act on. Pure: exceptions built by hand.
"""

from __future__ import annotations

import socket
import ssl

import pytest
import requests
import urllib3

from topdesk_preflight import errors
from topdesk_preflight.client.transport import EXCEPTION_TABLE, Attempt, Chain, tls_reason, translate
from topdesk_preflight.errors import (
    BadResponseError,
    ConnectError,
    DNSError,
    NotTopdeskError,
    RequestTimeout,
    TLSError,
    TransportError,
)

AT = Attempt(method="GET", path="/version", host="acme.topdesk.net", port=443, url="https://acme.topdesk.net",
             connect_s=3.0, read_s=0.25)


def wrapped(inner: BaseException, outer: type[Exception] = requests.exceptions.ConnectionError) -> Exception:
    """``inner`` as requests hands it over: raised from, and carried in the args of, ``outer``."""
    error = outer(inner)
    error.__cause__ = inner
    return error


def verify_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
    error.verify_code = code
    error.verify_message = message
    return error


class TestTheCauseChain:
    def test_follows_cause_context_reason_and_args(self):
        deepest = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        middle = urllib3.exceptions.MaxRetryError(None, "/version", reason=deepest)  # type: ignore[arg-type]
        chain = Chain(wrapped(middle))
        assert chain.has(socket.gaierror) and chain.first(socket.gaierror) is deepest
        assert chain.innermost_text(OSError) == str(deepest)

    def test_a_cycle_is_walked_once(self):
        first, second = ValueError("a"), ValueError("b")
        first.__context__, second.__context__ = second, first
        assert Chain(first).exceptions == [first, second]


class TestTLS:
    @pytest.mark.parametrize("code, reason, words", [
        (10, errors.TLS_EXPIRED, "the certificate has expired"),
        (9, errors.TLS_NOT_YET_VALID, "the certificate is not valid yet"),
        (62, errors.TLS_WRONG_HOST, "the certificate is for another host name"),
        (19, errors.TLS_UNTRUSTED, "the certificate is not trusted"),
    ])
    def test_openssl_s_verify_code_names_the_reason(self, code, reason, words):
        error = translate(wrapped(verify_error(code, "some words"), requests.exceptions.SSLError), AT)
        assert isinstance(error, TLSError) and error.reason == reason
        assert error.message == f"GET /version: {words} for acme.topdesk.net:443 (some words)."

    def test_without_a_code_the_words_decide(self):
        chain = Chain(wrapped(ssl.SSLError(1, "self-signed certificate in chain"), requests.exceptions.SSLError))
        assert tls_reason(chain)[0] == errors.TLS_UNTRUSTED
        assert tls_reason(Chain(ssl.SSLError(1, "sslv3 alert handshake failure")))[0] == errors.TLS_HANDSHAKE_FAILED

    def test_a_connection_closed_mid_handshake_is_a_drop_not_a_certificate_verdict(self):
        error = translate(wrapped(ssl.SSLEOFError(8, "EOF occurred in violation of protocol"),
                                  requests.exceptions.SSLError), AT)
        assert type(error) is ConnectError
        assert error.message == ("GET /version: the connection to acme.topdesk.net:443 was closed during TLS "
                                 "(EOF occurred in violation of protocol).")

    def test_but_a_failed_verification_beside_it_is_still_tls(self):
        outer = wrapped(verify_error(10, "certificate has expired"), requests.exceptions.SSLError)
        outer.__context__ = ssl.SSLEOFError(8, "EOF")
        assert isinstance(translate(outer, AT), TLSError)


class TestDNS:
    def test_a_name_that_does_not_resolve(self):
        error = translate(wrapped(socket.gaierror(socket.EAI_NONAME, "Name or service not known")), AT)
        assert isinstance(error, DNSError) and error.temporary is False  # type: ignore[attr-defined]
        assert error.message == ("GET /version: the host name acme.topdesk.net does not resolve "
                                 "([Errno -2] Name or service not known).")

    def test_try_again_is_temporary(self):
        error = translate(wrapped(socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")), AT)
        assert isinstance(error, DNSError) and error.temporary is True  # type: ignore[attr-defined]


class TestConnecting:
    def test_refused(self):
        error = translate(wrapped(ConnectionRefusedError(111, "Connection refused")), AT)
        assert type(error) is ConnectError
        assert error.message == ("GET /version: acme.topdesk.net:443 refused the connection (nothing listens "
                                 "on that port).")

    def test_through_a_proxy_the_hint_names_the_proxy_variables(self):
        error = translate(requests.exceptions.ProxyError(OSError("Tunnel connection failed: 403 Forbidden")), AT)
        assert type(error) is ConnectError
        assert error.message == ("GET /version: could not reach acme.topdesk.net:443 through the proxy (Tunnel "
                                 "connection failed: 403 Forbidden).")
        assert "HTTPS_PROXY/NO_PROXY" in error.hint

    def test_no_connection_in_time(self):
        error = translate(requests.exceptions.ConnectTimeout("timed out"), AT)
        assert isinstance(error, RequestTimeout) and error.phase == "connect"
        assert error.message == "GET /version: no connection to acme.topdesk.net:443 within 3 s."

    def test_urllib3_s_new_connection_error_is_not_a_time_out_although_it_subclasses_one(self):
        inner = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: unreachable")  # type: ignore[arg-type]
        error = translate(wrapped(inner), AT)
        assert type(error) is ConnectError
        assert error.message.startswith("GET /version: could not connect to acme.topdesk.net:443 (")

    def test_nothing_recognisable_is_could_not_connect_with_the_type_s_name(self):
        assert translate(requests.exceptions.RequestException(), AT).message == \
            "GET /version: could not connect to acme.topdesk.net:443 (RequestException)."


class TestAnswering:
    def test_no_answer_in_time(self):
        error = translate(requests.exceptions.ReadTimeout("read timed out"), AT)
        assert isinstance(error, RequestTimeout) and error.phase == "read"
        assert error.message == "GET /version: acme.topdesk.net:443 sent no answer within 0.25 s."

    def test_a_redirect_loop_is_a_login_page_not_topdesk(self):
        error = translate(requests.exceptions.TooManyRedirects("Exceeded 5 redirects."), AT)
        assert isinstance(error, NotTopdeskError)
        assert error.message == ("GET /version: too many redirects; a login or single-sign-on page is probably "
                                 "answering instead of TOPdesk's API.")

    def test_a_body_that_cannot_be_decompressed(self):
        error = translate(requests.exceptions.ContentDecodingError("bad gzip"), AT)
        assert isinstance(error, BadResponseError)
        assert error.message == "GET /version: the answer's compressed body could not be decoded."

    def test_an_unusable_url_says_how_to_fix_it(self):
        error = translate(requests.exceptions.MissingSchema("No scheme supplied"), AT)
        assert type(error) is TransportError
        assert error.message == "GET /version: the URL https://acme.topdesk.net cannot be used (MissingSchema)."
        assert error.hint == "Fix --url, e.g. https://acme.topdesk.net"

    @pytest.mark.parametrize("inner", [ConnectionResetError(104, "Connection reset by peer"),
                                       requests.exceptions.ChunkedEncodingError("incomplete chunk"),
                                       urllib3.exceptions.ProtocolError("Connection aborted.")])
    def test_a_connection_dropped_mid_answer(self, inner):
        error = translate(wrapped(inner) if isinstance(inner, OSError) else inner, AT)
        assert type(error) is ConnectError
        assert "was dropped before a complete answer (" in error.message


def test_the_table_is_read_in_order_and_every_row_builds_one_of_our_errors():
    assert len(EXCEPTION_TABLE) == 11
    for _, build in EXCEPTION_TABLE:
        assert isinstance(build(Chain(OSError("x")), AT), errors.TopdeskError)
