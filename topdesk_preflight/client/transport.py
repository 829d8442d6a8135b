"""The transport: one pooled ``requests.Session`` per client, and the table that turns what
requests, urllib3 and ssl raise into our own errors.

Why here: these are the only places that know the libraries underneath. The session is built once
(trust, proxies, auth, headers, cookie policy, pool size); :data:`EXCEPTION_TABLE` is read top to
bottom and the first row whose test matches the exception's cause chain builds the error, the way
httpx maps httpcore's exceptions. Order matters: the most specific cause wins (a TLS EOF is a
dropped connection, not a certificate problem; urllib3's NewConnectionError subclasses
ConnectTimeoutError but is not a time-out).
"""

from __future__ import annotations

import http.client
import http.cookiejar
import logging
import socket
import ssl
import warnings
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

import requests
import urllib3
from attrs import frozen
from requests.adapters import HTTPAdapter

from topdesk_preflight import errors
from topdesk_preflight.client.wall_clock import WATCHED_POOLS
from topdesk_preflight._version import __version__
from topdesk_preflight.errors import (
    BadResponseError,
    ConnectError,
    DNSError,
    NotTopdeskError,
    ReadOnlyViolation,
    RequestTimeout,
    TLSError,
    TopdeskError,
    TransportError,
)
from topdesk_preflight.settings import Settings

log = logging.getLogger("topdesk_preflight.client")

USER_AGENT = f"topdesk-preflight/{__version__} (+HCP readiness check)"
READ_METHODS = frozenset({"GET", "HEAD"})

#: What a failed send can raise from below; anything else is a bug and is not translated.
LIBRARY_ERRORS: tuple[type[BaseException], ...] = (requests.RequestException, urllib3.exceptions.HTTPError,
                                                   http.client.HTTPException, OSError)


def refuse_unless_read(method: str, shown: str, *, path: str | None = None) -> None:
    """The read-only rule, in one place: anything but GET or HEAD is a ReadOnlyViolation naming ``shown``."""
    if method not in READ_METHODS:
        raise ReadOnlyViolation(f"Refused to send {method} {shown}: topdesk-preflight only reads "
                                "(GET/HEAD) and never changes a TOPdesk.", path=path)


class _TrustAdapter(HTTPAdapter):
    """Gives every HTTPS pool this client opens (direct or through a proxy) one SSLContext, and
    makes every pool's connections watched by the request's wall clock (:mod:`.wall_clock`).

    requests would otherwise verify against certifi's bundle; the context from
    tls.ssl_context already carries the trust policy, so the ``ca_certs`` requests adds
    (also from REQUESTS_CA_BUNDLE) are dropped.
    """

    def __init__(self, context: ssl.SSLContext, *, verify: bool, pool_maxsize: int) -> None:
        self._context = context
        self._verify = verify
        super().__init__(pool_connections=4, pool_maxsize=pool_maxsize, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = WATCHED_POOLS  # every request under a wall clock

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = WATCHED_POOLS
        return manager

    def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None) -> Any:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        pool_kwargs.pop("ca_certs", None)
        pool_kwargs.pop("ca_cert_dir", None)
        pool_kwargs["cert_reqs"] = "CERT_REQUIRED" if self._verify else "CERT_NONE"
        if host_params.get("scheme") == "https":
            pool_kwargs["ssl_context"] = self._context
        return host_params, pool_kwargs

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        """The last gate before the socket: even code that reaches past :meth:`TopdeskClient.request` to
        the session directly cannot send anything but GET or HEAD."""
        refuse_unless_read(str(request.method or "").upper(), urlsplit(request.url or "").path)
        return super().send(request, *args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if url.lower().startswith("https"):
            conn.cert_reqs = "CERT_REQUIRED" if self._verify else "CERT_NONE"
            conn.ca_certs = None
            conn.ca_cert_dir = None


class _NeverFollowingSession(requests.Session):
    """A session that never follows a redirect, so it never needs a ``Location`` as text.

    ``Session.send`` works out a redirect's next request even with ``allow_redirects=False`` (for
    ``Response.next``), and reads ``Location`` as UTF-8 to do it: a server answering 301 with
    ``Location: é`` in Latin-1 made requests raise UnicodeDecodeError, which is no answer at all
    (the fuzz test found it). Here that header means "no next request", and the checks still see
    the 3xx it is.
    """

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        try:
            return super().get_redirect_target(resp)
        except UnicodeDecodeError:
            return None


def build_session(settings: Settings, context: ssl.SSLContext) -> requests.Session:
    """The one session of a client: our trust, proxies read once, Basic auth, no cookies kept."""
    verify = not settings.insecure
    if settings.insecure:
        log.warning("TLS certificate verification is OFF (--insecure): the connection to %s is "
                    "encrypted but not authenticated. Use --ca-bundle instead where you can.",
                    settings.host, extra={"in_summary": True})  # the report's warnings say it too
        warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    session = _NeverFollowingSession()
    # HTTPS_PROXY / NO_PROXY are honoured, as HCP's host would use them, but read once here: with
    # trust_env on, requests rescans the whole environment on every request (a third of the
    # client's CPU time in fleet mode), and REQUESTS_CA_BUNDLE would override our verification.
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(settings.api_url))
    if settings.username or settings.password:
        password = settings.password.reveal() if settings.password else ""
        session.auth = requests.auth.HTTPBasicAuth(settings.username, password)
    # English error pages and messages: Tomcat localises its 401 page by the request's locale
    # (ErrorReportValve), and the checks quote TOPdesk's words to the reader.
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Language": "en"})
    # Stateless Basic auth (docs/topdesk-api.md §1.1): no cookies, so concurrent checks cannot interfere.
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    session.max_redirects = 5
    # A check may overlap a few reads of its own (Context.gather), so keep room beyond one per worker.
    adapter = _TrustAdapter(context, verify=verify, pool_maxsize=max(4, 4 * settings.concurrency))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# ------------------------------------------------------------------------------------------ errors


class Chain:
    """An exception and everything it wraps (requests → urllib3 → socket/ssl), breadth first."""

    def __init__(self, exc: BaseException) -> None:
        self.top = exc
        seen: list[BaseException] = []
        queue: list[BaseException] = [exc]
        while queue and len(seen) < 20:
            current = queue.pop(0)
            if any(current is s for s in seen):
                continue
            seen.append(current)
            nested = [current.__cause__, current.__context__, getattr(current, "reason", None),
                      *[a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]]
            queue.extend(n for n in nested if isinstance(n, BaseException))
        self.exceptions = seen

    def has(self, *types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in self.exceptions)

    def first(self, kind: type[BaseException]) -> BaseException | None:
        return next((e for e in self.exceptions if isinstance(e, kind)), None)

    def innermost_text(self, *kinds: type[BaseException]) -> str:
        """The text of the deepest wrapped exception of ``kinds`` that has any."""
        for exc in reversed(self.exceptions):
            if isinstance(exc, kinds):
                text = str(exc)
                if text:
                    return text
        return ""


@frozen
class Attempt:
    """What a translated error names: the request, the server and the time-outs it was given."""

    method: str
    path: str
    host: str
    port: int
    url: str
    connect_s: float
    read_s: float

    @property
    def where(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"


_TLS_CODES = {10: errors.TLS_EXPIRED, 9: errors.TLS_NOT_YET_VALID, 62: errors.TLS_WRONG_HOST,
              64: errors.TLS_WRONG_HOST, 18: errors.TLS_UNTRUSTED, 19: errors.TLS_UNTRUSTED,
              20: errors.TLS_UNTRUSTED, 21: errors.TLS_UNTRUSTED, 2: errors.TLS_UNTRUSTED}

_TLS_WORDS = {errors.TLS_UNTRUSTED: "the certificate is not trusted",
              errors.TLS_EXPIRED: "the certificate has expired",
              errors.TLS_NOT_YET_VALID: "the certificate is not valid yet",
              errors.TLS_WRONG_HOST: "the certificate is for another host name",
              errors.TLS_HANDSHAKE_FAILED: "the TLS handshake failed"}


def tls_reason(chain: Chain) -> tuple[str, str]:
    """The TLS verdict (errors.TLS_*) and its detail: OpenSSL's verify code first, then its words."""
    for exc in chain.exceptions:
        code = getattr(exc, "verify_code", None)
        if code in _TLS_CODES:
            return _TLS_CODES[code], getattr(exc, "verify_message", "") or str(exc)
    text = " ".join(str(e) for e in chain.exceptions).lower()
    detail = chain.innermost_text(ssl.SSLError, ssl.CertificateError) or chain.innermost_text(Exception)
    if "expired" in text:
        return errors.TLS_EXPIRED, detail
    if "not yet valid" in text:
        return errors.TLS_NOT_YET_VALID, detail
    if "hostname mismatch" in text or "doesn't match" in text or "ip address mismatch" in text:
        return errors.TLS_WRONG_HOST, detail
    if any(s in text for s in ("self-signed", "self signed", "unable to get local issuer",
                               "unable to get issuer", "unknown ca", "certificate verify failed")):
        return errors.TLS_UNTRUSTED, detail
    return errors.TLS_HANDSHAKE_FAILED, detail


def _any_of(*types: type[BaseException]) -> Callable[[Chain], bool]:
    return lambda chain: chain.has(*types)


def _tls_closed(chain: Chain) -> bool:
    return chain.has(ssl.SSLEOFError, ssl.SSLZeroReturnError) and not chain.has(ssl.SSLCertVerificationError)


def _connect_timeout(chain: Chain) -> bool:
    return chain.has(requests.exceptions.ConnectTimeout) or any(
        isinstance(e, urllib3.exceptions.ConnectTimeoutError)
        and not isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain.exceptions)


def _closed_during_tls(chain: Chain, at: Attempt) -> TopdeskError:
    # The peer closed the connection mid-TLS (a proxy or firewall hanging up): a drop, worth a retry.
    detail = chain.innermost_text(ssl.SSLError) or "connection closed"
    return ConnectError(f"{at.where}: the connection to {at.target} was closed during TLS ({detail}).",
                        path=at.path)


def _tls_failed(chain: Chain, at: Attempt) -> TopdeskError:
    reason, detail = tls_reason(chain)
    return TLSError(f"{at.where}: {_TLS_WORDS[reason]} for {at.target} ({detail}).", path=at.path, reason=reason)


def _does_not_resolve(chain: Chain, at: Attempt) -> TopdeskError:
    gai = chain.first(socket.gaierror)
    detail = str(gai) if gai else chain.innermost_text(Exception)
    error = DNSError(f"{at.where}: the host name {at.host} does not resolve ({detail}).", path=at.path)
    error.temporary = bool(isinstance(gai, socket.gaierror) and gai.errno == socket.EAI_AGAIN)  # type: ignore[attr-defined]
    return error


def _refused(chain: Chain, at: Attempt) -> TopdeskError:
    return ConnectError(f"{at.where}: {at.target} refused the connection (nothing listens on that port).",
                        path=at.path)


def _proxy_failed(chain: Chain, at: Attempt) -> TopdeskError:
    detail = chain.innermost_text(OSError) or "the proxy refused or failed"
    return ConnectError(f"{at.where}: could not reach {at.target} through the proxy ({detail}).", path=at.path,
                        hint="Check HTTPS_PROXY/NO_PROXY: the proxy from the environment did not "
                             "connect to TOPdesk.")


def _no_connection_in_time(chain: Chain, at: Attempt) -> TopdeskError:
    return RequestTimeout(f"{at.where}: no connection to {at.target} within {at.connect_s:g} s.", path=at.path,
                          phase="connect")


def _no_answer_in_time(chain: Chain, at: Attempt) -> TopdeskError:
    return RequestTimeout(f"{at.where}: {at.target} sent no answer within {at.read_s:g} s.", path=at.path,
                          phase="read")


def _redirect_loop(chain: Chain, at: Attempt) -> TopdeskError:
    return NotTopdeskError(f"{at.where}: too many redirects; a login or single-sign-on page is probably "
                           "answering instead of TOPdesk's API.", path=at.path)


def _undecodable(chain: Chain, at: Attempt) -> TopdeskError:
    return BadResponseError(f"{at.where}: the answer's compressed body could not be decoded.", path=at.path)


def _unusable_url(chain: Chain, at: Attempt) -> TopdeskError:
    if _environment_proxy(at.url):
        # --url was checked when the settings were read; a URL requests refuses now is the proxy's
        # (HTTPS_PROXY=http://[bad, a port of 99999). Its text is not repeated: it may hold a login.
        return TransportError(f"{at.where}: the proxy from the environment cannot be used "
                              f"({type(chain.top).__name__}; its URL is not shown: it may hold a login).",
                              path=at.path, hint="Fix HTTPS_PROXY/HTTP_PROXY (http://host:port), or remove it "
                                                 "if no proxy is needed.")
    return TransportError(f"{at.where}: the URL {at.url} cannot be used ({type(chain.top).__name__}).",
                          path=at.path, hint="Fix --url, e.g. https://acme.topdesk.net")


def _environment_proxy(url: str) -> bool:
    """Whether requests takes a proxy from the environment for ``url`` (NO_PROXY applied)."""
    try:
        return bool(requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url)))
    except ValueError:
        return True  # the proxy settings themselves do not parse


def _dropped(chain: Chain, at: Attempt) -> TopdeskError:
    detail = chain.innermost_text(OSError, urllib3.exceptions.ProtocolError) or "connection closed"
    return ConnectError(f"{at.where}: the connection to {at.target} was dropped before a complete answer "
                        f"({detail}).", path=at.path)


def _could_not_connect(chain: Chain, at: Attempt) -> TopdeskError:
    detail = chain.innermost_text(OSError) or type(chain.top).__name__
    return ConnectError(f"{at.where}: could not connect to {at.target} ({detail}).", path=at.path)


Rule = tuple[Callable[[Chain], bool], Callable[[Chain, Attempt], TopdeskError]]

#: (does the cause chain match?, build our error), first match wins; :func:`_could_not_connect` if none.
EXCEPTION_TABLE: Sequence[Rule] = (
    (_tls_closed, _closed_during_tls),
    (_any_of(requests.exceptions.SSLError, ssl.SSLError, ssl.CertificateError, urllib3.exceptions.SSLError),
     _tls_failed),
    (_any_of(urllib3.exceptions.NameResolutionError, socket.gaierror), _does_not_resolve),
    (_any_of(ConnectionRefusedError), _refused),
    (_any_of(requests.exceptions.ProxyError, urllib3.exceptions.ProxyError), _proxy_failed),
    (_connect_timeout, _no_connection_in_time),
    (_any_of(requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError, TimeoutError),
     _no_answer_in_time),
    (_any_of(requests.exceptions.TooManyRedirects), _redirect_loop),
    (_any_of(requests.exceptions.ContentDecodingError), _undecodable),
    (_any_of(requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
             requests.exceptions.InvalidSchema), _unusable_url),
    (_any_of(ConnectionError, requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError,
             http.client.HTTPException), _dropped),
)


def translate(exc: BaseException, at: Attempt) -> TopdeskError:
    """Our error for what requests/urllib3/ssl raised; built from ``at``, never from the request's headers."""
    chain = Chain(exc)
    for matches, build in EXCEPTION_TABLE:
        if matches(chain):
            return build(chain, at)
    return _could_not_connect(chain, at)
