"""Network checks: can this machine reach TOPdesk at all (DNS, TCP, TLS)?

The guide's last troubleshooting entry ("HCP cannot connect to TOPdesk after
completing preparation") lists a wrong URL and a firewall blocking TCP/443 among its
causes. An API call that fails only says "connection error"; these three checks find
the exact layer that breaks, so the right person (HCP admin, network admin, TOPdesk
admin) gets the ticket. They test the path the API calls really take: behind a proxy
from the environment, the first hop is the proxy (docs/design.md §1.3).
"""

from __future__ import annotations

import socket
import ssl
from typing import Any

from topdesk_preflight.guide import TS_HCP_CANNOT_CONNECT, hcp_admin, network_admin, topdesk_admin
from topdesk_preflight.checks._net import (
    Route, TunnelRefused, connect, current_route, handshake, open_tunnel, proxy_variables, resolve,
)
from topdesk_preflight.context import Context
from topdesk_preflight.errors import (
    TLS_EXPIRED, TLS_HANDSHAKE_FAILED, TLS_NOT_YET_VALID, TLS_UNTRUSTED, TLS_WRONG_HOST, TLSError,
)
from topdesk_preflight.model import CheckResult
from topdesk_preflight.registry import check
from topdesk_preflight.tls import describe_certificate, ssl_context
from topdesk_preflight.vocabulary import plural

#: A certificate this close to expiry gets a warning: enough time to renew before HCP stops syncing.
CERT_WARNING_DAYS = 30

_RUN_ON_HCP_SERVER = network_admin(
    "Run topdesk-preflight on the HCP server itself: a firewall or proxy may treat this machine and "
    "the HCP server differently.")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _url_step(ctx: Context) -> str:
    return hcp_admin(
        f"Check the TOPdesk URL entered in the HCP connection wizard (tested: {ctx.settings.url}): use "
        "the address you open TOPdesk with, e.g. https://<tenant>.topdesk.net, without /tas/...")


def _proxy_note(route: Route) -> list[str]:
    if not route.via_proxy:
        return []
    return [f"API calls go through {route.proxy_url} (proxy from the environment: HTTPS_PROXY/HTTP_PROXY, "
            f"NO_PROXY); this check tested the proxy, which reaches {route.target_host} itself."]


def _path_failed(route: Route, evidence: dict[str, Any], error: str, summary: str, *,
                 remediation: list[str]) -> CheckResult:
    """A network check that failed: what broke goes into ``evidence["error"]``, the proxy note beside it."""
    evidence["error"] = error
    return CheckResult.failed(summary, details=_proxy_note(route), evidence=evidence, remediation=remediation)


# --------------------------------------------------------------------------------------------- DNS

@check(id="network.dns", title="The TOPdesk host name resolves", guide=TS_HCP_CANNOT_CONNECT)
def dns(ctx: Context) -> CheckResult:
    """A typo in the URL or a DNS that only knows internal names stops HCP before any request is sent."""
    route = current_route(ctx)
    if route.proxy_problem:
        return _unusable_proxy(route)
    host, port = route.hop_host, route.hop_port
    evidence: dict[str, Any] = {**route.evidence(), "resolved_host": host}
    try:
        found = resolve(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        evidence["error"] = reason
        if route.via_proxy:
            return CheckResult.failed(
                f"The proxy host {host} does not resolve ({reason}).",
                details=_proxy_note(route),
                evidence=evidence,
                remediation=[
                    network_admin(f"Fix the proxy in HTTPS_PROXY/HTTP_PROXY ({route.proxy_url}): its host "
                                  "name must resolve on the HCP server, or remove the variable if no proxy "
                                  "is needed."),
                    _RUN_ON_HCP_SERVER,
                ])
        return CheckResult.failed(
            f"The host name {host} does not resolve ({reason}).",
            evidence=evidence,
            remediation=[
                _url_step(ctx),
                network_admin(f"Make sure the DNS used by the HCP server resolves {host}."),
                _RUN_ON_HCP_SERVER,
            ])
    evidence.update(addresses=list(found.addresses), private=found.all_private, loopback=found.all_loopback,
                    resolve_s=found.seconds)
    details = _proxy_note(route)
    if found.all_loopback:
        details.append(f"{host} resolves to this machine (loopback): HCP would reach its own server, not "
                       "TOPdesk, unless TOPdesk runs there.")
    elif found.all_private:
        details.append(f"{host} resolves to private addresses only: TOPdesk is on an internal network, so "
                       "HCP must run inside that network.")
    shown = ", ".join(found.addresses[:5]) + (" …" if len(found.addresses) > 5 else "")
    what = f"The proxy host {host}" if route.via_proxy else host
    return CheckResult.passed(f"{what} resolves to {shown} ({_ms(found.seconds)}).",
                              details=details, evidence=evidence)


def _unusable_proxy(route: Route) -> CheckResult:
    """The environment names a proxy whose URL cannot be used: every API call would fail on it.

    The URL is not shown: it may hold the proxy's login and password, and a URL that does
    not parse cannot be stripped of them safely. The variable's name is enough to find it.
    """
    names = "/".join(proxy_variables(route.scheme))
    return CheckResult.failed(
        f"The proxy in {names} cannot be used: {route.proxy_problem} (not shown: it may hold a login). "
        "The API calls go through it, so none would reach TOPdesk.",
        evidence={**route.evidence(), "proxy_problem": route.proxy_problem, "proxy_variables": names},
        remediation=[
            network_admin(f"Fix the proxy in {names} (http://host:port, with a port from 1 to 65535), or remove "
                          "the variable if no proxy is needed."),
            _RUN_ON_HCP_SERVER,
        ])


# --------------------------------------------------------------------------------------------- TCP

@check(id="network.tcp", title="A TCP connection to TOPdesk opens", guide=TS_HCP_CANNOT_CONNECT,
       depends_on=("network.dns",))
def tcp(ctx: Context) -> CheckResult:
    """A firewall that drops TCP/443 looks like a slow or dead TOPdesk; this names the port and the host."""
    route = current_route(ctx)
    host, port = route.hop_host, route.hop_port
    timeout = ctx.settings.connect_timeout
    evidence: dict[str, Any] = {**route.evidence(), "connect_to": f"{host}:{port}", "connect_timeout_s": timeout}
    try:
        sock, seconds = connect(host, port, timeout)
    except ConnectionRefusedError:
        return _path_failed(
            route, evidence, "refused",
            f"{route.hop_label} refused the connection: nothing accepts connections on port {port}.",
            remediation=_tcp_steps(ctx, route, refused=True))
    except TimeoutError:
        return _path_failed(
            route, evidence, "timeout",
            f"No answer from {route.hop_label} within {timeout:g} s: port {port} blocked or filtered "
            "(firewall).",
            remediation=_tcp_steps(ctx, route, refused=False))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return _path_failed(
            route, evidence, reason,
            f"Cannot open a TCP connection to {route.hop_label}: {reason}.",
            remediation=_tcp_steps(ctx, route, refused=False))
    with sock:
        peer = sock.getpeername()
    evidence.update(address=str(peer[0]), connect_s=seconds)
    return CheckResult.passed(
        f"TCP connection to {route.hop_label} ({peer[0]}) opened in {_ms(seconds)}.",
        details=_proxy_note(route), evidence=evidence)


def _tcp_steps(ctx: Context, route: Route, *, refused: bool) -> list[str]:
    if route.via_proxy:
        return [
            network_admin(f"Check that the proxy {route.proxy_host}:{route.proxy_port} is running and reachable "
                          "from the HCP server, or correct HTTPS_PROXY/HTTP_PROXY."),
            _RUN_ON_HCP_SERVER,
        ]
    port = route.target_port
    steps = [network_admin(f"Open TCP/{port} between the HCP server and the TOPdesk server "
                           f"({route.target_host}), in every firewall on the way."),
             _RUN_ON_HCP_SERVER]
    if refused or port not in (443, 80):
        steps.insert(0, _url_step(ctx))
    return steps


# --------------------------------------------------------------------------------------------- TLS

@check(id="network.tls", title="TOPdesk's TLS certificate is valid and trusted", guide=TS_HCP_CANNOT_CONNECT,
       depends_on=("network.tcp",))
def tls(ctx: Context) -> CheckResult:
    """HCP refuses an untrusted, expired or wrong-host certificate; naming the reason saves a support round."""
    settings = ctx.settings
    route = current_route(ctx)
    evidence: dict[str, Any] = route.evidence()
    if route.scheme != "https":
        return CheckResult.warned(
            "Plain HTTP: no TLS to check; the application password would cross the network unencrypted.",
            evidence=evidence,
            remediation=[hcp_admin(f"Use https:// in the TOPdesk URL in HCP (https://{route.target_host})."),
                         topdesk_admin("If this TOPdesk serves only HTTP, enable HTTPS on it.")])
    try:
        context = ssl_context(settings)
    except TLSError as exc:
        return CheckResult.failed(exc.message, evidence={**evidence, "reason": exc.reason},
                                  remediation=[hcp_admin(exc.hint)])
    timeout = settings.timeout
    try:
        tls_sock = _handshake(route, context, settings)
    except TunnelRefused as exc:
        evidence["error"] = str(exc)
        if exc.status == 407:
            given = route.proxy_authorization is not None
            return CheckResult.failed(
                f"The proxy {route.proxy_host}:{route.proxy_port} asks for a login (407) and "
                + ("refused the one in its URL." if given else "its URL carries none."),
                details=_proxy_note(route), evidence={**evidence, "proxy_login_given": given},
                remediation=[network_admin(
                    "Give the HCP server's proxy login in HTTPS_PROXY as http://USER:PASSWORD@proxy:port (the API "
                    "calls use the same), or let the proxy allow the HCP server without a login."),
                    _RUN_ON_HCP_SERVER])
        return CheckResult.failed(
            f"The proxy {route.proxy_host}:{route.proxy_port} refused a tunnel to "
            f"{route.target_host}:{route.target_port}: {exc}.",
            details=_proxy_note(route), evidence=evidence,
            remediation=[network_admin(f"Allow CONNECT to {route.target_host}:{route.target_port} on the "
                                       "proxy for the HCP server."), _RUN_ON_HCP_SERVER])
    except ssl.SSLCertVerificationError as exc:
        return _certificate_refused(ctx, route, exc, evidence)
    except TimeoutError:
        return _path_failed(
            route, evidence, "timeout",
            f"No TLS answer from {route.target_host}:{route.target_port} within {timeout:g} s: the port "
            "accepts connections but does not complete a TLS handshake.",
            remediation=[_url_step(ctx),
                         network_admin(f"Check that nothing between the HCP server and TOPdesk holds or "
                                       f"inspects TLS on port {route.target_port}."),
                         _RUN_ON_HCP_SERVER])
    except ssl.SSLError as exc:
        reason = exc.reason or exc.strerror or str(exc)
        evidence.update(error=str(reason), reason=TLS_HANDSHAKE_FAILED)
        hint = (" The port may speak plain HTTP, not HTTPS." if "WRONG_VERSION" in str(reason).upper() else "")
        return CheckResult.failed(
            f"The TLS handshake with {route.target_host}:{route.target_port} failed: {reason}.{hint}",
            details=_proxy_note(route), evidence=evidence,
            remediation=[_url_step(ctx), network_admin(
                "Check that no proxy or firewall intercepts HTTPS to TOPdesk."), _RUN_ON_HCP_SERVER])
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return _path_failed(
            route, evidence, reason,
            f"The connection to {route.hop_label} broke during the TLS handshake: {reason}.",
            remediation=[network_admin("Check that no proxy or firewall cuts HTTPS connections to TOPdesk."),
                         _RUN_ON_HCP_SERVER])
    with tls_sock:
        der = tls_sock.getpeercert(binary_form=True)
        version = tls_sock.version()
        cipher = tls_sock.cipher()
    cert = describe_certificate(der) if der else {}
    evidence.update(certificate=cert, tls_version=version, cipher=cipher[0] if cipher else None,
                    verified=not settings.insecure)
    what = (f"certificate for {cert.get('subject_cn') or ', '.join(cert.get('sans') or []) or '?'} "
            f"issued by {cert.get('issuer_cn') or cert.get('issuer')}")
    details = _proxy_note(route) + [f"{version}; {what}; SAN: {', '.join(cert.get('sans') or []) or 'none'}; "
                                    f"valid until {cert.get('not_after')}."]
    days_left = cert.get("days_left")
    if settings.insecure:
        return CheckResult.warned(
            f"TLS works ({version}), but the certificate was not verified (--insecure).",
            details=details, evidence=evidence,
            remediation=[hcp_admin("Run again without --insecure (use --ca-bundle for a company CA): HCP "
                                   "verifies the certificate, so this run cannot tell whether HCP will "
                                   "trust it.")])
    if isinstance(days_left, int) and days_left < CERT_WARNING_DAYS:
        return CheckResult.warned(
            f"TOPdesk's certificate expires in {plural(days_left, 'day')} ({cert.get('not_after')}); HCP will "
            "stop connecting when it does.",
            details=details, evidence=evidence,
            remediation=[topdesk_admin(f"Renew the TLS certificate of {route.target_host} before "
                                       f"{cert.get('not_after')} (TOPdesk's hosting does this for "
                                       "*.topdesk.net; on-premises it is the TOPdesk server's administrator).")])
    valid = f", valid for {plural(days_left, 'more day')}" if isinstance(days_left, int) else ""
    return CheckResult.passed(f"TLS {version} with a trusted certificate for {route.target_host}{valid}.",
                              details=details, evidence=evidence)


def _handshake(route: Route, context: ssl.SSLContext, settings: Any) -> ssl.SSLSocket:
    """Open the first hop, tunnel through the proxy if there is one, and shake hands with TOPdesk."""
    sock, _ = connect(route.hop_host, route.hop_port, settings.connect_timeout)
    try:
        if route.via_proxy:
            open_tunnel(sock, route.target_host, route.target_port, settings.timeout,
                        proxy_authorization=route.proxy_authorization)
        return handshake(sock, context, route.target_host, settings.timeout)
    except BaseException:
        sock.close()
        raise


# OpenSSL verify codes (x509_vfy.h): what went wrong with the certificate.
_VERIFY_REASONS = {9: TLS_NOT_YET_VALID, 10: TLS_EXPIRED, 62: TLS_WRONG_HOST, 64: TLS_WRONG_HOST,
                   18: TLS_UNTRUSTED, 19: TLS_UNTRUSTED, 20: TLS_UNTRUSTED, 21: TLS_UNTRUSTED,
                   2: TLS_UNTRUSTED, 27: TLS_UNTRUSTED}


def _verify_reason(exc: ssl.SSLCertVerificationError) -> str:
    reason = _VERIFY_REASONS.get(getattr(exc, "verify_code", None) or -1)
    if reason:
        return reason
    text = f"{getattr(exc, 'verify_message', '')} {exc}".lower()
    if "expired" in text:
        return TLS_EXPIRED
    if "not yet valid" in text:
        return TLS_NOT_YET_VALID
    if any(word in text for word in ("hostname", "host name", "doesn't match", "mismatch")):
        return TLS_WRONG_HOST
    return TLS_UNTRUSTED


def _certificate_refused(ctx: Context, route: Route, exc: ssl.SSLCertVerificationError,
                         evidence: dict[str, Any]) -> CheckResult:
    reason = _verify_reason(exc)
    message = (getattr(exc, "verify_message", None) or str(exc)).rstrip(".")
    cert = _unverified_certificate(route, ctx.settings)
    evidence.update(reason=reason, error=message, certificate=cert, verified=False)
    host = route.target_host
    sans = ", ".join(cert.get("sans") or []) or "none"
    details = _proxy_note(route) + ([f"Certificate: {cert.get('subject_cn') or sans} issued by "
                                     f"{cert.get('issuer_cn') or cert.get('issuer')}; SAN: {sans}; valid "
                                     f"{cert.get('not_before')} to {cert.get('not_after')}."] if cert else [])
    if reason == TLS_EXPIRED:
        summary = f"TOPdesk's certificate for {host} has expired ({cert.get('not_after', message)})."
        steps = [topdesk_admin(f"Renew the TLS certificate of {host}: HCP refuses an expired certificate.")]
    elif reason == TLS_NOT_YET_VALID:
        summary = f"TOPdesk's certificate for {host} is not valid yet (from {cert.get('not_before', '?')})."
        steps = [network_admin("Check the clock of the HCP server (and this machine)."),
                 topdesk_admin(f"Check the start date of the certificate of {host}.")]
    elif reason == TLS_WRONG_HOST:
        summary = f"TOPdesk's certificate is not valid for {host} (it names: {sans})."
        steps = [hcp_admin(f"Use a host name the certificate names ({sans}) in the TOPdesk URL in HCP."),
                 topdesk_admin(f"Or have the certificate reissued to include {host}.")]
    else:
        summary = f"TOPdesk's certificate for {host} is not trusted: {message}."
        steps = [network_admin("If TOPdesk (or a TLS-inspecting proxy) uses a company CA, install that CA on "
                               "the HCP server, and give it to topdesk-preflight with --ca-bundle."),
                 topdesk_admin(f"Or give {host} a certificate from a public certificate authority.")]
    return CheckResult.failed(summary, details=details, evidence=evidence, remediation=steps)


def _unverified_certificate(route: Route, settings: Any) -> dict[str, Any]:
    """Fetch the refused certificate without verifying it, only to describe it in the report."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with _handshake(route, context, settings) as tls_sock:
            der = tls_sock.getpeercert(binary_form=True)
        return describe_certificate(der) if der else {}
    except (OSError, TunnelRefused, ValueError):
        return {}
