"""The sandbox server: real HTTP/1.1 (optionally TLS) on 127.0.0.1, serving a State, recording every request.

One ThreadingHTTPServer in a daemon thread; each connection gets its own thread, and the TLS handshake
happens there (not in the accept loop), so a client that stalls or refuses the certificate cannot block
others. Every request is logged *before* its answer is written, so a test that has its response can
already read the log entry. The log never holds the Authorization header.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from attrs import field, frozen

from topdesk_preflight.sandbox.endpoints import Request, handle
from topdesk_preflight.sandbox.faults import LATENCY, SLOW_BODY, TRICKLE_HEADERS, Fault, FaultTable
from topdesk_preflight.sandbox.model import State
from topdesk_preflight.sandbox.profiles import Profile, parse_profile, prepare
from topdesk_preflight.sandbox.responses import JSON, Response, json_response
from topdesk_preflight.sandbox.scenarios import DEMO_PASSWORD, build_scenario
from topdesk_preflight.sandbox.tls import TlsSetup, make_tls

HOST = "127.0.0.1"
READ_ONLY_METHODS = ("GET", "HEAD")
LOGGED_HEADERS = ("accept", "accept-encoding", "accept-language", "user-agent", "content-type", "content-length",
                  "connection")


@frozen
class RequestLogEntry:
    """One request the sandbox received. ``flagged`` marks anything but GET/HEAD: the tool must never send one."""

    method: str
    path: str
    query: str
    headers: dict[str, str] = field(factory=dict)
    status: int | None = None  # None when the connection was dropped on purpose
    bytes_sent: int = 0
    duration_s: float = 0.0
    flagged: bool = False


class Sandbox:
    """A fake TOPdesk on 127.0.0.1, as a context manager. See the package docstring for a tour."""

    def __init__(self, scenario: str = "healthy", tls: bool | str = True, password: str | None = None,
                 latency: float = 0.0, port: int = 0, state: State | None = None,
                 profile: str | Profile | None = None) -> None:
        self.scenario = scenario
        #: Which TOPdesk serves the scenario (profiles.py): "saas" (the default), "pre_2024+french", …
        self.profile: Profile = parse_profile(profile)
        self.state: State = state if state is not None else build_scenario(scenario, password or DEMO_PASSWORD)
        prepare(self.profile, self.state)
        self.latency = latency
        self._tls_variant = tls
        self._port = port
        self._faults = FaultTable()
        self._log: list[RequestLogEntry] = []
        self._log_lock = threading.Lock()
        self._tls: TlsSetup | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --
    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._tls = make_tls(self._tls_variant) if self._tls_variant else None
        try:
            self._server = _Server((HOST, self._port), self)
        except BaseException:  # the port is taken (or not ours): leave no temporary CA folder behind
            if self._tls is not None:
                self._tls.remove()
                self._tls = None
            raise
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"topdesk-sandbox-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tls is not None:
            self._tls.remove()
            self._tls = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a client needs --
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running: use it as a context manager or call start()")
        return self._server.server_address[1]

    @property
    def scheme(self) -> str:
        return "https" if self._tls_variant else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{HOST}:{self.port}"

    @property
    def ca_file(self) -> str | None:
        return self._tls.ca_file if self._tls is not None else None

    @property
    def login(self) -> str:
        return self.state.login

    @property
    def password(self) -> str:
        return self.state.password

    def settings(self, **overrides: Any) -> Any:
        """Settings for this sandbox as a user would type them into HCP's wizard; overrides win."""
        from topdesk_preflight.settings import Settings

        values: dict[str, Any] = dict(url=self.url, username=self.login, password=self.password,
                                      branch=self.state.branch, email=self.state.email, ca_bundle=self.ca_file)
        if self.state.rooms:
            values["rooms"] = self.state.rooms
        if self.state.app_password_expires is not None:
            values["app_password_expires"] = self.state.app_password_expires
        values.update(overrides)
        return Settings(**values)

    def load(self, scenario: str) -> None:
        """Serve another scenario from now on (same URL, same CA, same password)."""
        self.state = build_scenario(scenario, self.state.password)
        prepare(self.profile, self.state)
        self.scenario = scenario

    # -- the request log --
    @property
    def requests(self) -> list[RequestLogEntry]:
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def record(self, entry: RequestLogEntry) -> None:
        with self._log_lock:
            self._log.append(entry)

    # -- faults --
    def inject(self, pattern: str, fault: Fault) -> None:
        """Make requests whose path matches ``pattern`` (exact or glob) misbehave; see faults.py."""
        self._faults.add(pattern, fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def take_faults(self, path: str) -> list[Fault]:
        return self._faults.take(path)

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        profile = f", profile={self.profile.name!r}" if self.profile.names else ""
        return f"Sandbox(scenario={self.scenario!r}{profile}, {where})"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        tls = self.sandbox._tls
        if tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(10)
        try:
            wrapped = tls.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate (expired, wrong host, unknown CA): its business
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client hanging up mid-answer is normal here (slow bodies, time-outs)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK stall every answer by ~40 ms on loopback, which real servers avoid.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return None

    def do_GET(self) -> None:  # noqa: N802 - the base class's naming
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        started = time.perf_counter()
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        method = self.command
        flagged = method not in READ_ONLY_METHODS
        slow: Fault | None = None
        if flagged:
            response = json_response([{"message": f"Method {method} is not allowed"}], 405)
            response = Response(405, response.body, response.content_type, (("Allow", "GET, HEAD"),))
        else:
            faults = sandbox.take_faults(parts.path)
            delay = sandbox.latency + sum(f.seconds for f in faults if f.kind == LATENCY)
            if delay > 0:
                time.sleep(delay)
            slow = next((f for f in faults if f.kind == SLOW_BODY), None)
            replacement = next((f for f in faults if f.kind not in (LATENCY, SLOW_BODY)), None)
            if replacement is not None and replacement.kind == "drop":
                self._record(method, parts, None, 0, started, flagged)
                self._drop()
                return
            if replacement is not None and replacement.kind == TRICKLE_HEADERS:
                self._record(method, parts, None, 0, started, flagged)
                self._trickle(replacement.seconds)
                return
            if replacement is not None:
                response = _fault_response(replacement)
            else:
                base = f"{sandbox.scheme}://{self.headers.get('Host') or f'{HOST}:{sandbox.port}'}"
                request = Request(method, parts.path, parts.query,
                                  {k.lower(): v for k, v in self.headers.items()}, base)
                response = handle(sandbox.state, request, sandbox.profile)
        body = b"" if method == "HEAD" else response.body
        self._record(method, parts, response.status, len(body), started, flagged)
        self._send(response, body, slow)

    def _record(self, method: str, parts: Any, status: int | None, size: int, started: float,
                flagged: bool) -> None:
        headers = {name: self.headers[name] for name in LOGGED_HEADERS if self.headers.get(name) is not None}
        self.server.sandbox.record(RequestLogEntry(method, parts.path, parts.query, headers, status, size,
                                                   time.perf_counter() - started, flagged))

    def _send(self, response: Response, body: bytes, slow: Fault | None) -> None:
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        if response.content_type and "content-type" not in names:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if not body:
            return
        if slow is None:
            self.wfile.write(body)
            return
        self.wfile.flush()
        pieces = min(len(body), 10)
        step = -(-len(body) // pieces)
        for offset in range(0, len(body), step):
            time.sleep(slow.seconds / pieces)
            self.wfile.write(body[offset:offset + step])
            self.wfile.flush()

    def _trickle(self, seconds: float) -> None:
        """A status line and headers that never finish: one byte every 0.2 s until ``seconds`` are up."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Trickle: " + b"x" * 10_000
        until = time.monotonic() + seconds
        try:
            for byte in head:
                if time.monotonic() >= until:
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass
        self._drop()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _fault_response(fault: Fault) -> Response:
    """The answer a replacing fault sends: its body as given (str, bytes or JSON-able) or TOPdesk's error array."""
    body = fault.body
    if body is None:
        reason = "An error occurred on the server" if fault.status_code >= 500 else "Injected fault"
        body = [{"message": reason}]
    if isinstance(body, bytes):
        data, default_type = body, "application/octet-stream"
    elif isinstance(body, str):
        data, default_type = body.encode("utf-8"), "text/plain;charset=UTF-8"
    else:
        data, default_type = json_response(body).body, JSON
    has_type = any(name.lower() == "content-type" for name, _ in fault.headers)
    return Response(fault.status_code, data, None if has_type else default_type, fault.headers)
