"""TLS for the sandbox: a throwaway CA (trustme) and a server certificate, good or deliberately bad.

Variants, so every passing TLS test has a twin that must fail (style.md §7):
``True`` a valid certificate for 127.0.0.1 and localhost; ``"expired"`` one that expired yesterday;
``"wrong_host"`` a valid certificate for another host name; ``"expiring"`` valid, but only for 10 more
days (``network.tls`` warns under 30). The CA's PEM is written to a temporary file for ``verify=``.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from datetime import datetime, timedelta, UTC

from attrs import frozen

VARIANTS = (True, "expired", "wrong_host", "expiring")
WRONG_HOST = "topdesk.wrong-host.example"


@frozen
class TlsSetup:
    context: ssl.SSLContext
    ca_file: str
    directory: str

    def remove(self) -> None:
        for name in os.listdir(self.directory):
            os.unlink(os.path.join(self.directory, name))
        os.rmdir(self.directory)


def make_tls(variant: bool | str) -> TlsSetup:
    """A server-side SSL context for the variant, and the CA file a client must trust."""
    if variant not in VARIANTS:
        raise ValueError(f"tls must be one of {VARIANTS!r} (or False for plain HTTP), not {variant!r}")
    import trustme  # a test/demo extra: imported only when TLS is asked for

    ca = trustme.CA(organization_name="topdesk-preflight sandbox")
    now = datetime.now(UTC)
    if variant == "expired":
        cert = ca.issue_cert("127.0.0.1", "localhost", not_before=now - timedelta(days=60),
                             not_after=now - timedelta(days=1))
    elif variant == "wrong_host":
        cert = ca.issue_cert(WRONG_HOST)
    elif variant == "expiring":
        cert = ca.issue_cert("127.0.0.1", "localhost", not_before=now - timedelta(days=1),
                             not_after=now + timedelta(days=10))
    else:
        cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    directory = tempfile.mkdtemp(prefix="topdesk-sandbox-")
    ca_file = os.path.join(directory, "sandbox-ca.pem")
    ca.cert_pem.write_to_path(ca_file)
    return TlsSetup(context, ca_file, directory)
