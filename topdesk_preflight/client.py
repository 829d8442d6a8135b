"""TopdeskClient: careful, read-only, bounded access to one TOPdesk's REST API.

What it guarantees, and why:

* **Read-only by construction.** Every request goes through :meth:`TopdeskClient.request`,
  which refuses anything but GET and HEAD with :class:`ReadOnlyViolation` before a byte
  is sent. A readiness check must never change the customer's TOPdesk.
* **Bounded.** One pooled ``requests.Session``; every request has a (connect, read)
  time-out, capped to the time left before the run's deadline (and a check's
  :meth:`~TopdeskClient.time_box`). Retries (tenacity, the only retry layer: the
  adapter's own are 0) happen only for idempotent reads on transport errors, 429, 502,
  503 and 504, with jittered exponential back-off, ``Retry-After`` honoured, each wait
  capped at :data:`MAX_WAIT_S`, and never a sleep past the deadline.
* **Clear when things go wrong.** Only our own errors (:mod:`topdesk_preflight.errors`)
  come out, each naming the path, the status and TOPdesk's own message, with a hint.
* **The password stays secret.** It is handed to the session's Basic auth once and is
  never formatted: logs and errors are built from method, path, status and sizes only.
* **Same trust as the TLS check.** The ``ssl.SSLContext`` comes from
  :func:`topdesk_preflight.tls.ssl_context` (OS trust store via truststore, or
  ``--ca-bundle``, or ``--insecure``), injected into this client's adapter only, never
  into the process. ``HTTPS_PROXY``/``NO_PROXY`` are honoured (read once per client).

``--debug`` logs each attempt on the ``topdesk_preflight.http`` logger at DEBUG:
method, path with query, status, bytes, milliseconds, attempt number.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import http.cookiejar
import json
import logging
import math
import socket
import ssl
import threading
import time
import warnings
from datetime import datetime, UTC
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, Sequence
from urllib.parse import quote, urlencode, urlsplit

import attrs
import requests
import tenacity
import urllib3
from attrs import field, frozen
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from topdesk_preflight import errors
from topdesk_preflight.paging import Paging
from topdesk_preflight._version import __version__
from topdesk_preflight.errors import (
    BadResponseError,
    ConnectError,
    DNSError,
    HTTPStatusError,
    NotTopdeskError,
    ReadOnlyViolation,
    RequestTimeout,
    TLSError,
    TopdeskError,
    TransportError,
    error_for_status,
    parse_error_messages,
)
from topdesk_preflight.model import RequestRecord
from topdesk_preflight.settings import Settings
from topdesk_preflight.tls import ssl_context

log = logging.getLogger("topdesk_preflight.client")
http_log = logging.getLogger("topdesk_preflight.http")

USER_AGENT = f"topdesk-preflight/{__version__} (+HCP readiness check)"
READ_METHODS = frozenset({"GET", "HEAD"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_WAIT_S = 10.0  # no single back-off or Retry-After wait is longer than this
MAX_BODY_BYTES = 64 * 1024 * 1024  # a readiness check never needs more; protects memory
PERSON_V2_COLLECTION = "application/x.topdesk-collection-person-v2+json"  # §3.1

# Characters left readable in query strings so evidence shows FIQL as written
# (`query=name==%22HQ%22;archived==false`). `"`, `+`, `&`, `#`, `%` and spaces are
# still percent-encoded; Tomcat (which TOPdesk runs on) rejects a raw `"`.
# [C-peer §11] TOPdeskPy and topdesk-mcp send FIQL unencoded in the same way.
_QUERY_SAFE = "$,;=()!*:'/@"


START_MAX_PAGE_SIZE = 100  # [C §3.1] over the max → 400
PAGE_START_DEFAULT_SIZE = 1000  # [C §3.1] max 5000
TOP_DEFAULT = 1000  # [C §3.1] default 1000, max 10000

# §3.2: the field-selection parameter's name differs per endpoint; keyed by the first
# path segment after /tas/api (or the service under /services).
FIELDS_PARAM: dict[str, str] = {
    "/operators": "fields",
    "/persons": "fields",
    "/services/permissions": "fields",  # [C-spec access-roles] `fields`
    "/branches": "$fields",
    "/locations": "$fields",
    "/reservations": "$fields",
    "/reservableLocations": "$fields",
    "/facilityOccupancies": "$fields",
}


def fields_param(path: str) -> str:
    """``fields`` or ``$fields`` for this endpoint (§3.2); ``$fields`` for endpoints not listed.

    [I] Newer TOPdesk APIs use ``$fields``; only operators and persons are known to use ``fields``.
    """
    bare = path.split("?", 1)[0]
    if bare.startswith("/tas/api/"):
        bare = bare[len("/tas/api"):]
    for prefix, name in FIELDS_PARAM.items():
        if bare == prefix or bare.startswith(prefix + "/"):
            return name
    return "$fields"


@frozen
class ApiResponse:
    """One HTTP answer, fully read. ``path`` is relative to the instance root, with the query."""

    status: int
    path: str
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    content_type: str
    elapsed_s: float
    method: str = "GET"
    note: str | None = None  # why the client stopped retrying, when it gave up early

    @property
    def is_json(self) -> bool:
        """``application/json`` and TOPdesk's ``application/x.topdesk-…+json`` types."""
        return "json" in self.content_type.lower()

    @property
    def is_html(self) -> bool:
        ctype = self.content_type.lower()
        if "html" in ctype:
            return True
        if self.is_json:
            return False
        head = self.body[:512].lstrip().lower()
        return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))

    @property
    def messages(self) -> list[str]:
        """TOPdesk's own words from the body, whatever its shape (errors.parse_error_messages)."""
        return parse_error_messages(self.body, self.content_type)

    @property
    def retry_after_s(self) -> float | None:
        return parse_retry_after(self.headers.get("Retry-After"))

    def json(self) -> Any:
        """The body as JSON; BadResponseError when it is not valid JSON."""
        try:
            return json.loads(self.body.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise BadResponseError(f"{self.method} {self.path} answered {self.status} with a body that is "
                                   "not UTF-8 text.", path=self.path) from None
        except ValueError as exc:
            raise BadResponseError(f"{self.method} {self.path} answered {self.status} with invalid JSON "
                                   f"({_json_error_text(exc)}).", path=self.path) from None

    def error(self) -> HTTPStatusError | None:
        """The typed error for a status ≥ 400 (not raised), else None."""
        if self.status < 400:
            return None
        return error_for_status(self.status, self.path, self.messages, method=self.method, note=self.note)

    def raise_for_status(self) -> "ApiResponse":
        failure = self.error()
        if failure is not None:
            raise failure
        return self


def _json_error_text(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date; None if absent/bad."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():  # str.isdigit() also accepts "²", which int() refuses
        return float(int(text))
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:  # "nan" and "inf" parse as floats but are no wait a server could mean
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class ItemPages(Iterator[dict]):
    """The items of a list endpoint, fetched page by page while you iterate.

    Requests happen during iteration (inside :meth:`TopdeskClient.recording` if you
    want them recorded). After iterating, ``truncated`` is True when ``max_pages`` (or,
    for ``$top`` endpoints, TOPdesk's own cap signalled by 206) cut the list short;
    ``pages`` counts the requests made and ``count`` the items yielded.
    """

    def __init__(self, produce: Callable[["ItemPages"], Iterator[dict]]) -> None:
        self.truncated = False
        self.pages = 0
        self.count = 0
        self._items = produce(self)

    def __iter__(self) -> "ItemPages":
        return self

    def __next__(self) -> dict:
        item = next(self._items)
        self.count += 1
        return item

    def close(self) -> None:
        self._items.close()  # type: ignore[attr-defined]


class _TrustAdapter(HTTPAdapter):
    """Gives every HTTPS pool this client opens (direct or through a proxy) one SSLContext.

    requests would otherwise verify against certifi's bundle; the context from
    tls.ssl_context already carries the trust policy, so the ``ca_certs`` requests adds
    (also from REQUESTS_CA_BUNDLE) are dropped.
    """

    def __init__(self, context: ssl.SSLContext, *, verify: bool, pool_maxsize: int) -> None:
        self._context = context
        self._verify = verify
        super().__init__(pool_connections=4, pool_maxsize=pool_maxsize, max_retries=0)

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
        method = str(request.method or "").upper()
        if method not in READ_METHODS:
            raise ReadOnlyViolation(f"Refused to send {method} {urlsplit(request.url or '').path}: "
                                    "topdesk-preflight only reads (GET/HEAD) and never changes a TOPdesk.")
        return super().send(request, *args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if url.lower().startswith("https"):
            conn.cert_reqs = "CERT_REQUIRED" if self._verify else "CERT_NONE"
            conn.ca_certs = None
            conn.ca_cert_dir = None


FIELD_PARAMETERS = ("fields", "$fields")


def _pairs(params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return list(params.items()) if isinstance(params, Mapping) else list(params)


def _field_names(params: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> bool:
    return any(key in FIELD_PARAMETERS and value for key, value in _pairs(params))


class TopdeskClient:
    """Read-only access to one TOPdesk, shared by all checks of a run (thread-safe).

    ``deadline`` is an absolute ``time.monotonic()`` value after which no request is
    sent and no retry is waited for; by default, ``settings.deadline`` seconds from now.
    ``retry_wait`` replaces the back-off between retries (tests pass
    ``tenacity.wait_none()``); a server's ``Retry-After`` is honoured either way.
    """

    def __init__(self, settings: Settings, *, deadline: float | None = None,
                 retry_wait: tenacity.wait.wait_base | None = None) -> None:
        self.settings = settings
        self.api_url: str = settings.api_url
        self.deadline: float = deadline if deadline is not None else time.monotonic() + settings.deadline
        self._retry_wait = retry_wait if retry_wait is not None else \
            tenacity.wait_random_exponential(multiplier=0.5, max=MAX_WAIT_S)
        self.request_log: list[RequestRecord] = []
        #: What the client learned about this instance and how it adapted ("field selection refused on
        #: /operators/current; asked again without it"), for the report's "detected" list.
        self.detections: list[str] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._base_path = urlsplit(settings.url).path.rstrip("/")
        self._verify = not settings.insecure
        self._session = self._build_session(settings)
        self._closed = False

    # ------------------------------------------------------------------ set-up

    def _build_session(self, settings: Settings) -> requests.Session:
        context = ssl_context(settings)
        if settings.insecure:
            log.warning("TLS certificate verification is OFF (--insecure): the connection to %s is "
                        "encrypted but not authenticated. Use --ca-bundle instead where you can.",
                        settings.host)
            warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
        session = requests.Session()
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
        # Stateless Basic auth (§1.1): never keep cookies, so concurrent checks cannot interfere.
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        session.max_redirects = 5
        # A check may overlap a few reads of its own (Context.gather), so keep room beyond one per worker.
        adapter = _TrustAdapter(context, verify=self._verify, pool_maxsize=max(4, 4 * settings.concurrency))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def __enter__(self) -> "TopdeskClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        self._session.close()

    def __repr__(self) -> str:
        return f"TopdeskClient({self.api_url!r}, username={self.settings.username!r})"

    # ------------------------------------------------------------------ time

    def time_left(self) -> float:
        """Seconds until the run's deadline, or this thread's :meth:`time_box`, whichever is sooner."""
        limit = self.deadline
        for box in getattr(self._local, "boxes", ()):
            limit = min(limit, box)
        return limit - time.monotonic()

    @contextlib.contextmanager
    def time_box(self, seconds: float) -> Iterator[None]:
        """Within the block, this thread's requests and retries end ``seconds`` from now at the latest."""
        boxes = self._local.__dict__.setdefault("boxes", [])
        boxes.append(time.monotonic() + seconds)
        try:
            yield
        finally:
            boxes.pop()

    # ------------------------------------------------------------------ evidence

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[RequestRecord]]:
        """Collect the RequestRecords of requests made by this thread inside the block."""
        records: list[RequestRecord] = []
        stack = self._local.__dict__.setdefault("recordings", [])
        stack.append(records)
        try:
            yield records
        finally:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index] is records:
                    del stack[index]
                    break

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.request_log.append(record)
        for records in getattr(self._local, "recordings", ()):
            records.append(record)

    # ------------------------------------------------------------------ requests

    def fetch(self, path: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None, *,
              headers: Mapping[str, str] | None = None) -> ApiResponse:
        """GET ``api_url + path``. Returns any HTTP status; raises only TransportError subclasses.

        A 400 to a request that names its fields is asked once more without the field list:
        an older TOPdesk refuses the whole request for one name it does not know (Tools4ever
        drops ``gender`` from persons v2 for that reason; fidelity audit P6), and the full
        record still answers the question. The retry is recorded in :attr:`detections`.
        """
        response = self.request("GET", path, params, headers=headers)
        if response.status == 400 and params is not None and _field_names(params):
            plain = [(k, v) for k, v in _pairs(params) if k not in FIELD_PARAMETERS]
            self.detect(f"This TOPdesk refused the field list on {path.split('?', 1)[0]} (400); the tool asked "
                        "again without it.")
            return self.request("GET", path, plain, headers=headers)
        return response

    def detect(self, text: str) -> None:
        """Remember something learned about the instance, once."""
        with self._lock:
            if text not in self.detections:
                self.detections.append(text)

    def head(self, path: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None, *,
             headers: Mapping[str, str] | None = None) -> ApiResponse:
        return self.request("HEAD", path, params, headers=headers)

    def get_json(self, path: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None, *,
                 headers: Mapping[str, str] | None = None, allow_statuses: Sequence[int] = ()) -> Any:
        """GET and decode JSON; the typed HTTPStatusError for a status ≥ 400.

        204 → None. A status in ``allow_statuses`` is returned as its JSON body (None if it
        has none). An HTML page or a non-JSON body → NotTopdeskError; broken JSON →
        BadResponseError. Use :meth:`fetch` when you need the status itself.
        """
        return self.decode(self.fetch(path, params, headers=headers), allow_statuses=allow_statuses)

    def decode(self, response: ApiResponse, *, allow_statuses: Sequence[int] = ()) -> Any:
        """What :meth:`get_json` does with a response, for callers that fetched it themselves."""
        if response.status >= 400:
            if response.status not in allow_statuses:
                raise response.error()  # type: ignore[misc]
            if not response.body.strip() or not response.is_json:
                return None
            return response.json()
        if response.status == 204 or response.method == "HEAD":
            return None
        return _decode_json_body(response)

    def request(self, method: str, path: str,
                params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None, *,
                headers: Mapping[str, str] | None = None) -> ApiResponse:
        """The single choke point every request passes: GET/HEAD only, retried, recorded, logged.

        ``path`` is relative to ``api_url`` (``/operators/current``); a path under
        ``/services/`` is relative to the instance root (the access-roles API lives there,
        §0). Absolute URLs are refused so the credentials only ever go to this instance.
        """
        verb = str(method).upper()
        if verb not in READ_METHODS:
            raise ReadOnlyViolation(f"Refused to send {verb} {path}: topdesk-preflight only reads "
                                    "(GET/HEAD) and never changes a TOPdesk.", path=path)
        if self._closed:
            raise RuntimeError("this TopdeskClient is closed")
        url = self._url(path, params)
        relative = self._relative(url)
        prepared = self._session.prepare_request(requests.Request(verb, url, headers=dict(headers or {})))
        return self._with_retries(verb, relative, prepared)

    def _url(self, path: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None) -> str:
        if not path.startswith("/") or "://" in path.split("?", 1)[0]:
            raise ValueError(f"path must start with '/' and be relative to the API, not {path!r}")
        base = self.settings.url if path.startswith("/services/") else self.api_url
        url = base + path
        pairs = _param_pairs(params)
        if pairs:
            url += ("&" if "?" in path else "?") + urlencode(pairs, quote_via=quote, safe=_QUERY_SAFE)
        return url

    def _relative(self, url: str) -> str:
        parts = urlsplit(url)
        path = parts.path
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path):] or "/"
        return path + (f"?{parts.query}" if parts.query else "")

    # ------------------------------------------------------------------ retries

    def _with_retries(self, method: str, path: str, prepared: requests.PreparedRequest) -> ApiResponse:
        max_attempts = max(1, int(self.settings.retries) + 1)
        attempt = 0
        gave_up: dict[str, str] = {}

        def once() -> ApiResponse:
            nonlocal attempt
            attempt += 1
            return self._send_once(method, path, prepared, attempt, max_attempts)

        def wait(state: tenacity.RetryCallState) -> float:
            asked = _retry_after_of(state)
            if asked is not None:
                return asked
            return max(0.0, min(float(self._retry_wait(state)), MAX_WAIT_S, self.time_left()))

        def stop(state: tenacity.RetryCallState) -> bool:
            if state.attempt_number >= max_attempts:
                gave_up["note"] = f"gave up after {state.attempt_number} attempts"
                return True
            asked = _retry_after_of(state)
            left = self.time_left()
            if asked is not None and asked >= left:
                gave_up["note"] = (f"Retry-After asked for {asked:g} s but only {max(left, 0):.1f} s were "
                                   "left before the deadline")
                return True
            if asked is not None and asked > MAX_WAIT_S:
                gave_up["note"] = (f"Retry-After asked for {asked:g} s, longer than the {MAX_WAIT_S:g} s "
                                   "this tool waits")
                return True
            if state.upcoming_sleep >= left - 0.05:
                gave_up["note"] = "no time left before the deadline to retry"
                return True
            return False

        def finish(state: tenacity.RetryCallState) -> ApiResponse:
            outcome = state.outcome
            assert outcome is not None
            if outcome.failed:
                exc = outcome.exception()
                if isinstance(exc, TopdeskError) and state.attempt_number > 1:
                    exc.message = f"{exc.message} ({gave_up.get('note', 'gave up')})"
                    exc.args = (exc.message,)
                raise exc  # type: ignore[misc]
            response: ApiResponse = outcome.result()
            return attrs.evolve(response, note=gave_up.get("note"))

        def before_sleep(state: tenacity.RetryCallState) -> None:
            http_log.debug("retrying %s %s in %.2f s (attempt %d failed)", method, path,
                           state.upcoming_sleep, state.attempt_number)

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(_retryable_error)
            | tenacity.retry_if_result(lambda r: r.status in RETRY_STATUSES),
            wait=wait, stop=stop, before_sleep=before_sleep,
            retry_error_callback=finish, reraise=True)
        return retrying(once)

    # ------------------------------------------------------------------ one attempt

    def _send_once(self, method: str, path: str, prepared: requests.PreparedRequest,
                   attempt: int, max_attempts: int) -> ApiResponse:
        left = self.time_left()
        accept = prepared.headers.get("Accept")
        if left <= 0:
            error = RequestTimeout(f"{method} {path} was not sent: the run's time limit had run out.",
                                   path=path, phase="deadline")
            self._note(method, path, None, 0.0, 0, error, attempt, max_attempts, accept)
            raise error
        connect_s = max(0.001, min(self.settings.connect_timeout, left))
        read_s = max(0.001, min(self.settings.timeout, left))
        started = time.monotonic()
        try:
            env = self._session.merge_environment_settings(prepared.url, {}, True, self._verify, None)
            raw = self._session.send(prepared.copy(), timeout=(connect_s, read_s),
                                     allow_redirects=(method == "GET"), **env)
            try:
                body = self._read_body(raw, method, path)
            finally:
                raw.close()
        except TopdeskError as failure:
            self._note(method, path, None, time.monotonic() - started, 0, failure, attempt, max_attempts, accept)
            raise
        except (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException,
                OSError) as exc:
            translated = _transport_error(exc, method, path, self.settings, connect_s, read_s)
            self._note(method, path, None, time.monotonic() - started, 0, translated, attempt, max_attempts,
                       accept)
            raise translated from None
        elapsed = time.monotonic() - started
        headers = MappingProxyType(CaseInsensitiveDict(raw.headers))
        response = ApiResponse(status=raw.status_code, path=path, headers=headers, body=body,
                               content_type=raw.headers.get("Content-Type", ""), elapsed_s=elapsed,
                               method=method)
        self._note(method, path, response.status, elapsed, len(body), None, attempt, max_attempts, accept)
        return response

    def _read_body(self, raw: requests.Response, method: str, path: str) -> bytes:
        """Read the whole body, but never past the deadline: a trickling body is a read time-out.

        ``read1`` returns as soon as some bytes arrived (``iter_content`` would block until
        64 KiB or the end), so the deadline is checked while the body trickles in; each
        socket read is already bounded by the read time-out, itself capped to the time left.
        """
        stream = raw.raw
        read1 = getattr(stream, "read1", None)
        pieces: Iterator[bytes] = iter(lambda: read1(64 * 1024, decode_content=True), b"") \
            if read1 is not None else raw.iter_content(64 * 1024)
        chunks: list[bytes] = []
        size = 0
        for chunk in pieces:
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise BadResponseError(f"{method} {path} answered with more than {MAX_BODY_BYTES // 2**20} MiB; "
                                       "stopped reading.", path=path)
            if self.time_left() <= 0:
                raise RequestTimeout(f"{method} {path}: the answer was still arriving when the time limit "
                                     "ran out.", path=path, phase="read")
        return b"".join(chunks)

    def _note(self, method: str, path: str, status: int | None, elapsed: float, size: int,
              error: TopdeskError | None, attempt: int, max_attempts: int, accept: str | None = None) -> None:
        self._record(RequestRecord(method=method, path=path, status=status, duration_s=round(elapsed, 4),
                                   bytes=size, error=f"{type(error).__name__}: {error.message}" if error else None,
                                   accept=accept))
        if error is None:
            http_log.debug("%s %s -> %s, %d B, %d ms, attempt %d/%d", method, path, status, size,
                           round(elapsed * 1000), attempt, max_attempts)
        else:
            http_log.debug("%s %s -> %s (%s), %d ms, attempt %d/%d", method, path, type(error).__name__,
                           error.message, round(elapsed * 1000), attempt, max_attempts)

    # ------------------------------------------------------------------ lists

    def iter_items(self, path: str, *, paging: Paging,
                   params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
                   page_size: int | None = None, max_pages: int = 50,
                   headers: Mapping[str, str] | None = None) -> ItemPages:
        """Every item of a list endpoint, following its own paging style (§3.1), lazily.

        Stops after ``max_pages`` requests, logs a warning and sets ``.truncated`` on the
        returned :class:`ItemPages`. Error statuses raise the typed HTTPStatusError.
        """
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        base = [(k, v) for k, v in _param_pairs(params)
                if k not in ("start", "page_size", "pageStart", "pageSize", "$top")]
        request_headers = dict(headers or {})
        if paging is Paging.PAGE_START and path.split("?")[0].rstrip("/") == "/persons" \
                and not any(k.lower() == "accept" for k in request_headers):
            request_headers["Accept"] = PERSON_V2_COLLECTION

        def produce(pages: ItemPages) -> Iterator[dict]:
            if paging is Paging.START:
                yield from self._pages_start(pages, path, base, page_size, max_pages, request_headers)
            elif paging is Paging.PAGE_START:
                yield from self._pages_page_start(pages, path, base, page_size, max_pages, request_headers)
            elif paging is Paging.TOP:
                size = page_size or TOP_DEFAULT
                response = self.fetch(path, base + [("$top", size)], headers=request_headers)
                pages.pages += 1
                items = self._items_of(response, keys=("results",))
                if response.status == 206:  # [C-spec §7] "larger than could be shown"
                    pages.truncated = True
                    log.warning("%s: TOPdesk returned only the first %d items (206).", response.path, len(items))
                yield from items
            elif paging is Paging.WHOLE:
                response = self.fetch(path, base or None, headers=request_headers)
                pages.pages += 1
                yield from self._items_of(response, keys=("results", "item"))
            else:  # pragma: no cover - enum is closed
                raise ValueError(f"unknown paging {paging!r}")

        return ItemPages(produce)

    def _pages_start(self, pages: ItemPages, path: str, base: list[tuple[str, Any]], page_size: int | None,
                     max_pages: int, headers: dict[str, str]) -> Iterator[dict]:
        size = min(page_size or START_MAX_PAGE_SIZE, START_MAX_PAGE_SIZE)
        start = 0
        while True:
            if pages.pages >= max_pages:
                self._truncate(pages, path, max_pages)
                return
            response = self.fetch(path, base + [("start", start), ("page_size", size)], headers=headers)
            pages.pages += 1
            if response.status == 204:  # [C §3.1] none (left)
                return
            items = self._items_of(response, keys=())
            yield from items
            if response.status != 206 or len(items) < size:
                return
            start += len(items)

    def _pages_page_start(self, pages: ItemPages, path: str, base: list[tuple[str, Any]],
                          page_size: int | None, max_pages: int, headers: dict[str, str]) -> Iterator[dict]:
        size = page_size or PAGE_START_DEFAULT_SIZE
        start = 0
        while True:
            if pages.pages >= max_pages:
                self._truncate(pages, path, max_pages)
                return
            response = self.fetch(path, base + [("pageStart", start), ("pageSize", size)], headers=headers)
            pages.pages += 1
            if response.status == 204:
                return
            data = self.decode(response)
            items = self._items_of(response, keys=("item",), data=data)
            yield from items
            more = response.status == 206 or (isinstance(data, dict) and bool(data.get("next")))
            if not more or not items or len(items) < size:
                return
            start += len(items)

    def _truncate(self, pages: ItemPages, path: str, max_pages: int) -> None:
        pages.truncated = True
        log.warning("%s: stopped after %d pages (%d items); the list may be longer.", path, max_pages,
                    pages.count)

    _MISSING = object()

    def _items_of(self, response: ApiResponse, *, keys: tuple[str, ...], data: Any = _MISSING) -> list[dict]:
        """The list inside a list endpoint's answer: a bare array, or the array under one of ``keys``."""
        if data is self._MISSING:
            data = self.decode(response)
        if data is None:
            return []
        if isinstance(data, dict):
            for key in keys:
                if isinstance(data.get(key), list):
                    data = data[key]
                    break
            else:
                expected = "a JSON array" + "".join(f" or {{\"{k}\": [...]}}" for k in keys)
                raise BadResponseError(f"{response.method} {response.path} answered {response.status} with a "
                                       f"JSON object where {expected} was expected.", path=response.path)
        if not isinstance(data, list):
            raise BadResponseError(f"{response.method} {response.path} answered {response.status} with "
                                   f"JSON {type(data).__name__} where a list was expected.", path=response.path)
        bad = next((item for item in data if not isinstance(item, dict)), None)
        if bad is not None:
            raise BadResponseError(f"{response.method} {response.path} answered {response.status} with a list "
                                   f"holding a {type(bad).__name__} where objects were expected.",
                                   path=response.path)
        return data


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _param_pairs(params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None) -> list[tuple[str, Any]]:
    if not params:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, Any]] = []
    for key, value in items:
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, (list, tuple)):
            pairs.extend((key, v) for v in value)
        else:
            pairs.append((key, value))
    return pairs


def _decode_json_body(response: ApiResponse) -> Any:
    if response.is_html:
        title = parse_error_messages(response.body, "text/html")
        seen = f" ({title[0]})" if title else ""
        raise NotTopdeskError(f"{response.method} {response.path} answered {response.status} with an HTML "
                              f"page{seen} where TOPdesk's API answers JSON.", path=response.path)
    if not response.body.strip():
        if response.is_json:
            raise BadResponseError(f"{response.method} {response.path} answered {response.status} with an "
                                   "empty body where JSON was expected.", path=response.path)
        raise NotTopdeskError(f"{response.method} {response.path} answered {response.status} with an empty "
                              "body and no JSON content type.", path=response.path)
    if response.is_json:
        return response.json()
    try:
        return json.loads(response.body.decode("utf-8-sig"))
    except ValueError:
        ctype = response.content_type or "no content type"
        raise NotTopdeskError(f"{response.method} {response.path} answered {response.status} with {ctype}, "
                              "not JSON.", path=response.path) from None


def _retry_after_of(state: tenacity.RetryCallState) -> float | None:
    outcome = state.outcome
    if outcome is None or outcome.failed:
        return None
    response = outcome.result()
    if isinstance(response, ApiResponse) and response.status in RETRY_STATUSES:
        return response.retry_after_s
    return None


def _retryable_error(exc: BaseException) -> bool:
    """Transport hiccups are worth another try; verdicts (TLS, DNS, the deadline) are not."""
    if isinstance(exc, RequestTimeout):
        return exc.phase in ("connect", "read")
    if isinstance(exc, DNSError):
        return getattr(exc, "temporary", False)
    return isinstance(exc, ConnectError)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (requests → urllib3 → socket/ssl), breadth first."""
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
    return seen


def _innermost_text(chain: list[BaseException], kinds: tuple[type[BaseException], ...]) -> str:
    for exc in reversed(chain):
        if isinstance(exc, kinds):
            text = str(exc)
            if text:
                return text
    return ""


_TLS_CODES = {10: errors.TLS_EXPIRED, 9: errors.TLS_NOT_YET_VALID, 62: errors.TLS_WRONG_HOST,
              64: errors.TLS_WRONG_HOST, 18: errors.TLS_UNTRUSTED, 19: errors.TLS_UNTRUSTED,
              20: errors.TLS_UNTRUSTED, 21: errors.TLS_UNTRUSTED, 2: errors.TLS_UNTRUSTED}


def _tls_reason(chain: list[BaseException]) -> tuple[str, str]:
    for exc in chain:
        code = getattr(exc, "verify_code", None)
        if code in _TLS_CODES:
            return _TLS_CODES[code], getattr(exc, "verify_message", "") or str(exc)
    text = " ".join(str(e) for e in chain).lower()
    detail = _innermost_text(chain, (ssl.SSLError, ssl.CertificateError)) or _innermost_text(chain, (Exception,))
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


_TLS_WORDS = {errors.TLS_UNTRUSTED: "the certificate is not trusted",
              errors.TLS_EXPIRED: "the certificate has expired",
              errors.TLS_NOT_YET_VALID: "the certificate is not valid yet",
              errors.TLS_WRONG_HOST: "the certificate is for another host name",
              errors.TLS_HANDSHAKE_FAILED: "the TLS handshake failed"}


def _transport_error(exc: BaseException, method: str, path: str, settings: Settings,
                     connect_s: float, read_s: float) -> TopdeskError:
    """Turn what requests/urllib3/ssl raised into one of our errors, without the request's headers."""
    chain = _causes(exc)
    where = f"{method} {path}"
    target = f"{settings.host}:{settings.port}"
    kinds = tuple(type(e) for e in chain)

    def has(*types: type[BaseException]) -> bool:
        return any(issubclass(k, types) for k in kinds)

    if has(ssl.SSLEOFError, ssl.SSLZeroReturnError) and not has(ssl.SSLCertVerificationError):
        # The peer closed the connection mid-TLS (a proxy or firewall hanging up): a drop, worth a retry.
        detail = _innermost_text(chain, (ssl.SSLError,)) or "connection closed"
        return ConnectError(f"{where}: the connection to {target} was closed during TLS ({detail}).", path=path)
    if has(requests.exceptions.SSLError, ssl.SSLError, ssl.CertificateError,
           urllib3.exceptions.SSLError):
        reason, detail = _tls_reason(chain)
        return TLSError(f"{where}: {_TLS_WORDS[reason]} for {target} ({detail}).", path=path, reason=reason)
    if has(urllib3.exceptions.NameResolutionError, socket.gaierror):
        gai = next((e for e in chain if isinstance(e, socket.gaierror)), None)
        detail = str(gai) if gai else _innermost_text(chain, (Exception,))
        error = DNSError(f"{where}: the host name {settings.host} does not resolve ({detail}).", path=path)
        error.temporary = bool(gai is not None and gai.errno == socket.EAI_AGAIN)  # type: ignore[attr-defined]
        return error
    if has(ConnectionRefusedError):
        return ConnectError(f"{where}: {target} refused the connection (nothing listens on that port).",
                            path=path)
    if has(requests.exceptions.ProxyError, urllib3.exceptions.ProxyError):
        detail = _innermost_text(chain, (OSError,)) or "the proxy refused or failed"
        return ConnectError(f"{where}: could not reach {target} through the proxy ({detail}).", path=path,
                            hint="Check HTTPS_PROXY/NO_PROXY: the proxy from the environment did not "
                                 "connect to TOPdesk.")
    # urllib3's NewConnectionError (refused, unreachable, DNS) subclasses ConnectTimeoutError: exclude it.
    if has(requests.exceptions.ConnectTimeout) or any(
            isinstance(e, urllib3.exceptions.ConnectTimeoutError)
            and not isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain):
        return RequestTimeout(f"{where}: no connection to {target} within {connect_s:g} s.", path=path,
                              phase="connect")
    if has(requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        return RequestTimeout(f"{where}: {target} sent no answer within {read_s:g} s.", path=path, phase="read")
    if has(requests.exceptions.TooManyRedirects):
        return NotTopdeskError(f"{where}: too many redirects; a login or single-sign-on page is probably "
                               "answering instead of TOPdesk's API.", path=path)
    if has(requests.exceptions.ContentDecodingError):
        return BadResponseError(f"{where}: the answer's compressed body could not be decoded.", path=path)
    if has(requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema):
        return TransportError(f"{where}: the URL {settings.url} cannot be used ({type(exc).__name__}).",
                              path=path, hint="Fix --url, e.g. https://acme.topdesk.net")
    if has(ConnectionError, requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError,
           http.client.HTTPException):
        detail = _innermost_text(chain, (OSError, urllib3.exceptions.ProtocolError)) or "connection closed"
        return ConnectError(f"{where}: the connection to {target} was dropped before a complete answer "
                            f"({detail}).", path=path)
    detail = _innermost_text(chain, (OSError,)) or type(exc).__name__
    return ConnectError(f"{where}: could not connect to {target} ({detail}).", path=path)
