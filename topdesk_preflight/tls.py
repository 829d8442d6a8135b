"""One TLS trust policy for the whole tool, and a readable summary of a certificate.

The HTTP client and the ``network.tls`` check must trust exactly the same CAs, or the
check would pass while every API call fails (or the reverse). Both take their
``ssl.SSLContext`` from :func:`ssl_context`:

* by default, the operating system's trust store through ``truststore`` (what a browser
  on this machine trusts, including a company CA rolled out by IT), not certifi's list;
* ``settings.ca_bundle``: only the CAs in that file (or directory);
* ``settings.insecure``: no verification at all (the client logs a warning).

No ``import requests`` here: the network checks use this without the HTTP stack.
"""

from __future__ import annotations

import os
import ssl
from datetime import datetime, UTC
from typing import Any, Mapping

from topdesk_preflight.errors import TLSError

CA_BUNDLE_UNREADABLE = "ca_bundle_unreadable"


def ssl_context(settings: Any) -> ssl.SSLContext:
    """A client-side context with the trust ``settings`` asks for (see the module docstring)."""
    if getattr(settings, "insecure", False):
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    bundle = getattr(settings, "ca_bundle", None)
    if bundle:
        path = os.path.expanduser(str(bundle))
        try:
            if os.path.isdir(path):
                return ssl.create_default_context(ssl.Purpose.SERVER_AUTH, capath=path)
            return ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise TLSError(f"The CA bundle {path} cannot be read as PEM certificates ({exc.__class__.__name__}: "
                           f"{exc}).", reason=CA_BUNDLE_UNREADABLE,
                           hint="Fix --ca-bundle (or TOPDESK_CA_BUNDLE): give a PEM file with the CA "
                                "certificates that signed TOPdesk's certificate.") from None
    import truststore  # imported here: only the default policy needs it

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def describe_certificate(cert: bytes | Mapping[str, Any]) -> dict[str, Any]:
    """Subject CN, issuer, SANs, expiry and days left, for a report.

    ``cert`` is either DER bytes (``getpeercert(binary_form=True)``, which also works
    when verification was off) or the dict ``ssl`` returns for a verified peer.
    """
    if isinstance(cert, (bytes, bytearray)):
        try:
            return _describe_der(bytes(cert))
        except ImportError:  # pragma: no cover - cryptography is normally installed
            from ssl import DER_cert_to_PEM_cert

            return {"pem": DER_cert_to_PEM_cert(bytes(cert))}
    return _describe_dict(cert)


def _describe_der(der: bytes) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID, NameOID

    certificate = x509.load_der_x509_certificate(der)

    def name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
        values = name.get_attributes_for_oid(oid)
        return str(values[0].value) if values else None

    try:
        ext = certificate.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
        san = ext.value
        assert isinstance(san, x509.SubjectAlternativeName)
        sans = [*san.get_values_for_type(x509.DNSName),
                *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]
    except x509.ExtensionNotFound:
        sans = []
    not_after = certificate.not_valid_after_utc
    not_before = certificate.not_valid_before_utc
    return {
        "subject_cn": name_attr(certificate.subject, NameOID.COMMON_NAME),
        "issuer": certificate.issuer.rfc4514_string(),
        "issuer_cn": name_attr(certificate.issuer, NameOID.COMMON_NAME),
        "sans": sans,
        "not_before": not_before.isoformat(),
        "not_after": not_after.isoformat(),
        "days_left": _days_left(not_after),
        "self_signed": certificate.issuer == certificate.subject,
    }


def _describe_dict(cert: Mapping[str, Any]) -> dict[str, Any]:
    def flatten(rdns: Any) -> list[tuple[str, str]]:
        return [(key, value) for rdn in rdns or () for key, value in rdn]

    subject = flatten(cert.get("subject"))
    issuer = flatten(cert.get("issuer"))
    not_after = _parse_ssl_time(cert.get("notAfter"))
    not_before = _parse_ssl_time(cert.get("notBefore"))
    return {
        "subject_cn": next((v for k, v in subject if k == "commonName"), None),
        "issuer": ",".join(f"{_SHORT.get(k, k)}={v}" for k, v in reversed(issuer)),
        "issuer_cn": next((v for k, v in issuer if k == "commonName"), None),
        "sans": [value for kind, value in cert.get("subjectAltName", ()) if kind in ("DNS", "IP Address")],
        "not_before": not_before.isoformat() if not_before else None,
        "not_after": not_after.isoformat() if not_after else None,
        "days_left": _days_left(not_after) if not_after else None,
        "self_signed": bool(subject) and subject == issuer,
    }


_SHORT = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU",
          "countryName": "C", "localityName": "L", "stateOrProvinceName": "ST"}


def _parse_ssl_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(value), tz=UTC)


def _days_left(not_after: datetime) -> int:
    """Whole days until expiry; negative once expired."""
    seconds = (not_after - datetime.now(UTC)).total_seconds()
    return int(seconds // 86400)
