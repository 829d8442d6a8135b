"""tls.py: one trust policy (truststore / --ca-bundle / --insecure) and a readable certificate summary."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys

import pytest
import truststore

from topdesk_preflight.sandbox import Sandbox
from topdesk_preflight.tls import describe_certificate, ssl_context


def handshake(context: ssl.SSLContext, port: int, server_hostname: str = "127.0.0.1") -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    return context.wrap_socket(raw, server_hostname=server_hostname)


@pytest.fixture(scope="module")
def sb():
    with Sandbox(scenario="healthy", tls=True) as sandbox:
        yield sandbox


def test_default_is_the_os_trust_store_which_does_not_know_a_throwaway_ca(sb):
    context = ssl_context(sb.settings(ca_bundle=None))
    assert isinstance(context, truststore.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(context, sb.port).close()


def test_ca_bundle_trusts_exactly_that_ca(sb):
    context = ssl_context(sb.settings())
    assert not isinstance(context, truststore.SSLContext)
    with handshake(context, sb.port) as tls:
        assert tls.version() is not None
    with pytest.raises(ssl.SSLCertVerificationError):  # the hostname is still checked
        handshake(context, sb.port, server_hostname="other.example").close()


def test_insecure_turns_verification_off():
    with Sandbox(tls="expired") as sandbox:
        context = ssl_context(sandbox.settings(ca_bundle=None, insecure=True))
        assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname
        with handshake(context, sandbox.port) as tls:
            assert tls.getpeercert(binary_form=True)


def test_describe_certificate_from_der(sb):
    with handshake(ssl_context(sb.settings()), sb.port) as tls:
        info = describe_certificate(tls.getpeercert(binary_form=True))
    assert {"127.0.0.1", "localhost"} <= set(info["sans"])
    assert "topdesk-preflight sandbox" in info["issuer"]
    assert info["days_left"] > 30 and info["not_after"] > info["not_before"]
    assert info["self_signed"] is False


def test_describe_certificate_from_ssl_dict_agrees_with_der(sb):
    with handshake(ssl_context(sb.settings()), sb.port) as tls:
        from_dict = describe_certificate(tls.getpeercert())
        from_der = describe_certificate(tls.getpeercert(binary_form=True))
    assert set(from_dict["sans"]) == set(from_der["sans"])
    assert from_dict["not_after"] == from_der["not_after"]
    assert from_dict["days_left"] == from_der["days_left"]
    assert "topdesk-preflight sandbox" in from_dict["issuer"]


def test_expired_certificate_has_negative_days_left():
    with Sandbox(tls="expired") as sandbox:
        context = ssl_context(sandbox.settings(ca_bundle=None, insecure=True))
        with handshake(context, sandbox.port) as tls:
            info = describe_certificate(tls.getpeercert(binary_form=True))
    assert info["days_left"] < 0


def test_importing_tls_does_not_import_requests():
    code = "import sys, topdesk_preflight.tls; print('requests' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
