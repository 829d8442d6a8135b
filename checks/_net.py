"""The network path to TOPdesk as the API calls really take it: direct, or through a proxy.

The network checks must test the same path ``requests`` uses, or they would fail a
direct TCP connection that the company proxy routes around (docs/design.md §1.3). requests
takes its proxy from the environment (``HTTPS_PROXY``/``HTTP_PROXY``, minus
``NO_PROXY``); :func:`route_to` reads the same variables through ``urllib.request``,
so both agree. Only sockets here, no HTTP stack.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from attrs import field, frozen

from topdesk_preflight.context import Context


@frozen
class Route:
    """Where the first hop goes: TOPdesk itself, or the proxy that talks to TOPdesk for us."""

    target_host: str  # TOPdesk's host name, from the URL
    target_port: int
    scheme: str
    proxy_url: str | None = None  # as given in the environment, credentials removed
    proxy_host: str | None = None
    proxy_port: int | None = None
    #: The ``Proxy-Authorization`` value requests would send (from the proxy URL's login); never shown.
    proxy_authorization: str | None = field(default=None, repr=False)
    #: Why the proxy the environment names cannot be used (its URL does not parse, its port is no port).
    #: requests would still send every API call to it and fail, so the network checks must not go direct.
    proxy_problem: str | None = None

    @property
    def via_proxy(self) -> bool:
        return self.proxy_host is not None

    @property
    def hop_host(self) -> str:
        """The host this machine connects to first."""
        return self.proxy_host if self.proxy_host is not None else self.target_host

    @property
    def hop_port(self) -> int:
        return self.proxy_port if self.proxy_port is not None else self.target_port

    @property
    def hop_label(self) -> str:
        if self.via_proxy:
            return f"the proxy {self.proxy_host}:{self.proxy_port}"
        return f"{self.target_host}:{self.target_port}"

    def evidence(self) -> dict[str, Any]:
        return {"host": self.target_host, "port": self.target_port, "via_proxy": self.proxy_url}


def route_to(url: str, scheme: str, host: str, port: int) -> Route:
    """The route ``requests`` would take to ``url``, decided by requests' own functions.

    ``get_environ_proxies`` applies ``NO_PROXY`` as the API calls do (CIDR ranges such as
    ``10.0.0.0/8`` included, which ``urllib.request.proxy_bypass`` does not know), and
    ``select_proxy`` picks the same entry, so the network checks test the path the API takes.
    """
    import requests.utils  # lazily: --list-checks imports this module and must stay light

    proxy = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))
    if not proxy:
        return Route(host, port, scheme)
    if "://" not in proxy:
        proxy = "http://" + proxy
    unusable = Route(host, port, scheme, proxy_problem="it is not a valid URL")
    try:
        parts = urlsplit(proxy)
        hostname = parts.hostname
    except ValueError:  # a bracket that opens no IPv6 address: requests refuses it too (InvalidURL)
        return unusable
    if not hostname:
        return unusable
    default_port = 443 if parts.scheme == "https" else 1080 if parts.scheme.startswith("socks") else 80
    try:
        given_port = parts.port
    except ValueError:  # ":99999" or ":http": never "port 80", which is not what the variable says
        given_port = 0
    if given_port == 0:
        return Route(host, port, scheme, proxy_problem="its port is not a number from 1 to 65535")
    proxy_port = given_port or default_port
    shown = f"{parts.scheme}://{parts.hostname}:{proxy_port}"  # never the proxy's user:password
    user, password = requests.utils.get_auth_from_url(proxy)
    authorization = _basic(user, password) if user else None
    return Route(host, port, scheme, proxy_url=shown, proxy_host=parts.hostname, proxy_port=proxy_port,
                 proxy_authorization=authorization)


def _basic(user: str, password: str) -> str:
    """The Basic credentials value, encoded as requests encodes a proxy login (Latin-1)."""
    import base64

    pair = f"{user}:{password}".encode("latin-1", errors="replace")
    return "Basic " + base64.b64encode(pair).decode("ascii")


def proxy_variables(scheme: str, environ: Any = None) -> list[str]:
    """The environment variables that may have named the proxy for ``scheme`` (those set), as requests reads them."""
    import os

    env = os.environ if environ is None else environ
    names = [f"{scheme.upper()}_PROXY", f"{scheme}_proxy", "ALL_PROXY", "all_proxy"]
    return [n for n in names if env.get(n)] or [f"{scheme.upper()}_PROXY"]


def current_route(ctx: Context) -> Route:
    """The route for this run's URL, computed once so all network checks agree on it."""
    settings = ctx.settings
    scheme = urlsplit(settings.url).scheme
    return ctx.once("network.route", lambda: route_to(settings.url, scheme, settings.host, settings.port))


@frozen
class Resolved:
    host: str
    addresses: tuple[str, ...]
    seconds: float

    @property
    def all_loopback(self) -> bool:
        return bool(self.addresses) and all(_ip(a).is_loopback for a in self.addresses)

    @property
    def all_private(self) -> bool:
        return bool(self.addresses) and all(_ip(a).is_private for a in self.addresses)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text.split("%", 1)[0])


def resolve(host: str, port: int) -> Resolved:
    """``getaddrinfo`` for TCP; raises ``socket.gaierror`` when the name does not resolve."""
    started = time.monotonic()
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return Resolved(host, tuple(addresses), round(time.monotonic() - started, 3))


def connect(host: str, port: int, timeout: float) -> tuple[socket.socket, float]:
    """Open a TCP connection (every resolved address in turn) and time it."""
    started = time.monotonic()
    sock = socket.create_connection((host.strip("[]"), port), timeout=timeout)
    return sock, round(time.monotonic() - started, 3)


class TunnelRefused(Exception):
    """The proxy answered CONNECT with something other than 200."""

    def __init__(self, status_line: str) -> None:
        super().__init__(status_line)
        parts = status_line.split(" ", 2)
        self.status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


def open_tunnel(sock: socket.socket, host: str, port: int, timeout: float,
                proxy_authorization: str | None = None) -> None:
    """Ask the HTTP proxy on ``sock`` for a CONNECT tunnel to ``host:port``, as requests does.

    With the proxy's login, if its URL carries one, as requests sends it for the API calls:
    without it an authenticating proxy answers 407 to the check while the API gets through.
    """
    sock.settimeout(timeout)
    authority = f"{host}:{port}"
    login = f"Proxy-Authorization: {proxy_authorization}\r\n" if proxy_authorization else ""
    sock.sendall(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{login}\r\n".encode("latin-1"))
    answer = b""
    while b"\r\n\r\n" not in answer and len(answer) < 16384:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1", errors="replace").strip()
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or parts[1] != "200":
        raise TunnelRefused(status_line or "the proxy closed the connection")


def handshake(sock: socket.socket, context: ssl.SSLContext, host: str, timeout: float) -> ssl.SSLSocket:
    """A TLS handshake on an open socket, with SNI and host-name checking by ``context``."""
    sock.settimeout(timeout)
    return context.wrap_socket(sock, server_hostname=host.strip("[]"))
