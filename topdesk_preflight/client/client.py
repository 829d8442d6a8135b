"""TopdeskClient: careful, read-only, bounded access to one TOPdesk's REST API.

What it guarantees, and why:

* **Read-only by construction.** Every request goes through :meth:`TopdeskClient.request`,
  which refuses anything but GET and HEAD with :class:`ReadOnlyViolation` before a byte
  is sent (and the session's adapter refuses them again). A readiness check must never
  change the customer's TOPdesk.
* **Bounded.** One pooled ``requests.Session``; every request has a (connect, read)
  time-out, capped to the time left before the run's deadline (:mod:`.budget`), and a
  wall-clock cap on the whole request that shuts its socket down (:mod:`.wall_clock`). Retries
  (:mod:`.retry`, the only retry layer: the adapter's own are 0) happen only for idempotent
  reads on transport errors, 429, 502, 503 and 504, with jittered exponential back-off,
  ``Retry-After`` honoured, each wait capped at ``MAX_WAIT_S``, and never a sleep past the
  deadline.
* **Clear when things go wrong.** Only our own errors (:mod:`topdesk_preflight.errors`)
  come out (:mod:`.transport` translates the libraries' ones), each naming the path, the
  status and TOPdesk's own message, with a hint.
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

import itertools
import logging
import threading
import time
from types import MappingProxyType
from typing import Any, Callable, ContextManager, Iterator, Mapping, Sequence
from urllib.parse import quote, urlencode, urlsplit

import requests
import tenacity
from requests.structures import CaseInsensitiveDict

from topdesk_preflight.client.budget import TimeBudget
from topdesk_preflight.client.evidence import Evidence
from topdesk_preflight.client.paging import PAGING_PARAMETERS, PERSON_V2_COLLECTION, STYLES, ItemPages, follow
from topdesk_preflight.client.response import ApiResponse, decode as decode_response
from topdesk_preflight.client.retry import default_backoff, retrying
from topdesk_preflight.client.transport import LIBRARY_ERRORS, Attempt, build_session, refuse_unless_read, translate
from topdesk_preflight.client.wall_clock import wall_clock
from topdesk_preflight.errors import BadResponseError, RequestTimeout, TopdeskError
from topdesk_preflight.model import RequestRecord
from topdesk_preflight.paging import Paging
from topdesk_preflight.settings import Settings
from topdesk_preflight.tls import ssl_context

Params = Mapping[str, Any] | Sequence[tuple[str, Any]]

MAX_BODY_BYTES = 64 * 1024 * 1024  # a readiness check never needs more; protects memory
FIELD_PARAMETERS = ("fields", "$fields")

# Characters left readable in query strings so evidence shows FIQL as written
# (`query=name==%22HQ%22;archived==false`). `"`, `+`, `&`, `#`, `%` and spaces are
# still percent-encoded; Tomcat (which TOPdesk runs on) rejects a raw `"`.
# [C-peer docs/topdesk-api.md §3.3] TOPdeskPy and topdesk-mcp send FIQL unencoded in the same way.
_QUERY_SAFE = "$,;=()!*:'/@"


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
        self.budget = TimeBudget(deadline) if deadline is not None else TimeBudget.from_now(settings.deadline)
        self._retry_wait = retry_wait if retry_wait is not None else default_backoff()
        self._evidence = Evidence()
        self.request_log: list[RequestRecord] = self._evidence.log
        #: What the client learned about this instance and how it adapted ("field selection refused on
        #: /operators/current; asked again without it"), for the report's "detected" list.
        self.detections: list[str] = []
        #: Called with every GET answer (``--redact`` learns the personal values of person and operator
        #: cards here, topdesk_preflight.personal_data); an observer's failure never fails the request.
        self.observers: list[Callable[[ApiResponse], None]] = []
        self._lock = threading.Lock()
        self._base_path = urlsplit(settings.url).path.rstrip("/")
        self._verify = not settings.insecure
        self._session = build_session(settings, ssl_context(settings))
        self._closed = False

    def __enter__(self) -> "TopdeskClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        self._session.close()

    def __repr__(self) -> str:
        return f"TopdeskClient({self.api_url!r}, username={self.settings.username!r})"

    @property
    def deadline(self) -> float:
        """The run's deadline, an absolute ``time.monotonic()`` value."""
        return self.budget.deadline

    def time_left(self) -> float:
        """Seconds until the run's deadline."""
        return self.budget.time_left()

    def recording(self) -> ContextManager[list[RequestRecord]]:
        """Collect the RequestRecords of requests made by this thread inside the block."""
        return self._evidence.recording()

    # ------------------------------------------------------------------ requests

    def fetch(self, path: str, params: Params | None = None, *,
              headers: Mapping[str, str] | None = None) -> ApiResponse:
        """GET ``api_url + path``. Returns any HTTP status; raises only TransportError subclasses.

        A 400 to a request that names its fields is asked once more without the field list:
        an older TOPdesk refuses the whole request for one name it does not know (Tools4ever
        drops ``gender`` from persons v2 for that reason; fidelity audit P6), and the full
        record still answers the question. The retry is recorded in :attr:`detections`.
        """
        response = self.request("GET", path, params, headers=headers)
        if response.status == 400 and params is not None and _names_fields(params):
            plain = [(k, v) for k, v in _pairs(params) if k not in FIELD_PARAMETERS]
            self.detect(f"This TOPdesk refused the field list on {path.split('?', 1)[0]} (400); the tool asked "
                        "again without it.")
            response = self.request("GET", path, plain, headers=headers)
        for observe in self.observers:
            try:
                observe(response)
            except Exception:  # pragma: no cover - a defect in an observer; the answer still counts
                logging.getLogger(__name__).debug("a response observer failed", exc_info=True)
        return response

    def detect(self, text: str) -> None:
        """Remember something learned about the instance, once."""
        with self._lock:
            if text not in self.detections:
                self.detections.append(text)

    def head(self, path: str, params: Params | None = None, *,
             headers: Mapping[str, str] | None = None) -> ApiResponse:
        return self.request("HEAD", path, params, headers=headers)

    def get_json(self, path: str, params: Params | None = None, *,
                 headers: Mapping[str, str] | None = None, allow_statuses: Sequence[int] = ()) -> Any:
        """GET and decode JSON; the typed HTTPStatusError for a status ≥ 400.

        204 → None. A status in ``allow_statuses`` is returned as its JSON body (None if it
        has none). An HTML page or a non-JSON body → NotTopdeskError; broken JSON →
        BadResponseError. Use :meth:`fetch` when you need the status itself.
        """
        return self.decode(self.fetch(path, params, headers=headers), allow_statuses=allow_statuses)

    def decode(self, response: ApiResponse, *, allow_statuses: Sequence[int] = ()) -> Any:
        """What :meth:`get_json` does with a response, for callers that fetched it themselves."""
        return decode_response(response, allow_statuses=allow_statuses)

    def request(self, method: str, path: str, params: Params | None = None, *,
                headers: Mapping[str, str] | None = None) -> ApiResponse:
        """The single choke point every request passes: GET/HEAD only, retried, recorded, logged.

        ``path`` is relative to ``api_url`` (``/operators/current``); a path under
        ``/services/`` is relative to the instance root (the access-roles API lives there,
        docs/topdesk-api.md §2.1). Absolute URLs are refused so the credentials only go to this instance.
        """
        verb = str(method).upper()
        refuse_unless_read(verb, path, path=path)
        if self._closed:
            raise RuntimeError("this TopdeskClient is closed")
        url = self._url(path, params)
        relative = self._relative(url)
        prepared = self._session.prepare_request(requests.Request(verb, url, headers=dict(headers or {})))
        max_attempts = max(1, int(self.settings.retries) + 1)
        attempts = itertools.count(1)
        policy = retrying(max_attempts=max_attempts, time_left=self.time_left, backoff=self._retry_wait,
                          method=verb, path=relative)
        return policy(lambda: self._send_once(verb, relative, prepared, next(attempts), max_attempts))

    def _url(self, path: str, params: Params | None) -> str:
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

    # ------------------------------------------------------------------ one attempt

    def _send_once(self, method: str, path: str, prepared: requests.PreparedRequest,
                   attempt: int, max_attempts: int) -> ApiResponse:
        left = self.time_left()
        accept = prepared.headers.get("Accept")

        def note(status: int | None, elapsed: float, size: int, error: TopdeskError | None) -> None:
            self._evidence.note(method, path, status, elapsed, size, error, attempt, max_attempts, accept)

        if left <= 0:
            error = RequestTimeout(f"{method} {path} was not sent: the run's time limit had run out.",
                                   path=path, phase="deadline")
            note(None, 0.0, 0, error)
            raise error
        connect_s = self.budget.cap(self.settings.connect_timeout, left)
        read_s = self.budget.cap(self.settings.timeout, left)
        # The whole request (connect, headers, body) may take its two time-outs together, never past
        # the deadline: per-read time-outs alone let a server trickle bytes for ever (.wall_clock).
        wall_s = min(left, connect_s + read_s)
        started = time.monotonic()
        try:
            with wall_clock(wall_s) as watch:
                try:
                    env = self._session.merge_environment_settings(prepared.url, {}, True, self._verify, None)
                    # Never followed: a redirect on an API call is a proxy or single sign-on answering instead
                    # of TOPdesk, and following it would blame the configured host for the other one's faults.
                    raw = self._session.send(prepared.copy(), timeout=(connect_s, read_s), allow_redirects=False,
                                             **env)
                    try:
                        body = self._read_body(raw, method, path)
                    finally:
                        raw.close()
                    if watch.fired:  # the shut socket read as end-of-file: what arrived is not the answer
                        raise self._cut_off(method, path, wall_s, deadline=wall_s >= left)
                except LIBRARY_ERRORS:
                    if watch.fired:
                        raise self._cut_off(method, path, wall_s, deadline=wall_s >= left) from None
                    raise
        except TopdeskError as failure:
            note(None, time.monotonic() - started, 0, failure)
            raise
        except LIBRARY_ERRORS as exc:
            translated = translate(exc, Attempt(method, path, self.settings.host, self.settings.port,
                                                self.settings.url, connect_s, read_s))
            note(None, time.monotonic() - started, 0, translated)
            raise translated from None
        elapsed = time.monotonic() - started
        headers = MappingProxyType(CaseInsensitiveDict(raw.headers))
        response = ApiResponse(status=raw.status_code, path=path, headers=headers, body=body,
                               content_type=raw.headers.get("Content-Type", ""), elapsed_s=elapsed,
                               method=method)
        note(response.status, elapsed, len(body), None)
        return response

    @staticmethod
    def _cut_off(method: str, path: str, wall_s: float, *, deadline: bool) -> RequestTimeout:
        """The error for a request its wall clock ended: the server kept it open, bytes or not."""
        if deadline:
            return RequestTimeout(f"{method} {path}: no complete answer before the run's deadline (the server "
                                  "kept the request open); the connection was closed.", path=path, phase="deadline")
        return RequestTimeout(f"{method} {path}: no complete answer within {wall_s:.3g} s (the connect and read "
                              "time-outs together; the server kept the request open); the connection was closed.",
                              path=path, phase="read")

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

    # ------------------------------------------------------------------ lists

    def iter_items(self, path: str, *, paging: Paging, params: Params | None = None,
                   page_size: int | None = None, max_pages: int = 50,
                   headers: Mapping[str, str] | None = None) -> ItemPages:
        """Every item of a list endpoint, following its own paging style (docs/topdesk-api.md §3.1), lazily.

        Stops after ``max_pages`` requests, logs a warning and sets ``.truncated`` on the
        returned :class:`ItemPages`. Error statuses raise the typed HTTPStatusError.
        """
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        base = [(k, v) for k, v in _param_pairs(params) if k not in PAGING_PARAMETERS]
        request_headers = dict(headers or {})
        if paging is Paging.PAGE_START and path.split("?")[0].rstrip("/") == "/persons" \
                and not any(k.lower() == "accept" for k in request_headers):
            request_headers["Accept"] = PERSON_V2_COLLECTION
        style = STYLES[paging]

        def fetch(page_path: str, page_params: list[tuple[str, Any]], page_headers: dict[str, str]) -> ApiResponse:
            return self.fetch(page_path, page_params, headers=page_headers)

        return ItemPages(lambda pages: follow(pages, fetch, path, style, base=base, page_size=page_size,
                                              max_pages=max_pages, headers=request_headers))


# ---------------------------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------------------------

def _pairs(params: Params) -> list[tuple[str, Any]]:
    return list(params.items()) if isinstance(params, Mapping) else list(params)


def _names_fields(params: Params) -> bool:
    return any(key in FIELD_PARAMETERS and value for key, value in _pairs(params))


def _param_pairs(params: Params | None) -> list[tuple[str, Any]]:
    """Query pairs as TOPdesk reads them: None dropped, booleans as ``true``/``false``, lists repeated."""
    if not params:
        return []
    pairs: list[tuple[str, Any]] = []
    for key, value in _pairs(params):
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, (list, tuple)):
            pairs.extend((key, v) for v in value)
        else:
            pairs.append((key, value))
    return pairs
