"""network.dns, network.tcp, network.tls: each layer of the path to TOPdesk fails with its own reason.

Every failure is produced for real on 127.0.0.1: a closed port, a listener whose
backlog is full (SYNs are dropped, as a firewall does), a listener that never speaks
TLS, and the sandbox's deliberately bad certificates. A tiny CONNECT proxy shows the
checks test the path through a proxy from the environment.
"""

from __future__ import annotations

import base64
import contextlib
import select
import re
import socket
import threading
from typing import Iterator

import pytest

from topdesk_preflight.model import Actor, Status
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.settings import Settings

NETWORK = ("network.dns", "network.tcp", "network.tls")


def offline_settings(url: str, **overrides: object) -> Settings:
    values: dict = dict(url=url, username="hcp-svc", password="not-used", only=("network",), timeout=1.0,
                        connect_timeout=1.0, retries=0)
    values.update(overrides)
    return Settings(**values)


def statuses(report) -> dict[str, Status]:
    return {r.id: r.status for r in report.results}


# ------------------------------------------------------------------------------------------ pass

def test_a_healthy_instance_passes_dns_tcp_and_tls_with_evidence(sandbox_factory, run):
    sb = sandbox_factory()
    report = run(sb, "network")
    dns, tcp, tls = (report.result(i) for i in NETWORK)
    assert statuses(report) == {i: Status.PASS for i in NETWORK}
    assert dns.evidence["addresses"] == ["127.0.0.1"]
    assert dns.evidence["loopback"] is True and dns.evidence["via_proxy"] is None
    assert tcp.evidence["address"] == "127.0.0.1" and tcp.evidence["port"] == sb.port
    assert tcp.evidence["connect_s"] >= 0
    assert tls.evidence["tls_version"].startswith("TLS")
    assert "127.0.0.1" in tls.evidence["certificate"]["sans"]
    assert tls.evidence["certificate"]["days_left"] > 30
    assert tls.summary.endswith(f", valid for {tls.evidence['certificate']['days_left']} more days.")
    assert sb.requests == []  # the network checks send no HTTP request at all


# ------------------------------------------------------------------------------------------- DNS

def test_an_unresolvable_host_fails_dns_and_skips_the_rest():
    report = run_preflight(offline_settings("https://nonexistent.invalid"))
    dns = report.result("network.dns")
    assert dns.status is Status.FAIL
    assert "nonexistent.invalid does not resolve" in dns.summary
    assert dns.remediation[0].startswith(Actor.HCP) and "https://<tenant>.topdesk.net" in dns.remediation[0]
    assert any(step.startswith(Actor.NETWORK) for step in dns.remediation)
    assert report.result("network.tcp").status is Status.SKIPPED
    assert report.result("network.tls").summary == "skipped: network.tcp skipped"


# ------------------------------------------------------------------------------------------- TCP

def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_a_refused_port_fails_tcp_and_names_the_port():
    port = closed_port()
    report = run_preflight(offline_settings(f"https://127.0.0.1:{port}"))
    tcp = report.result("network.tcp")
    assert report.result("network.dns").status is Status.PASS
    assert tcp.status is Status.FAIL
    assert "refused" in tcp.summary and f"port {port}" in tcp.summary
    assert tcp.evidence["error"] == "refused"
    assert any(f"TCP/{port}" in step and step.startswith(Actor.NETWORK) for step in tcp.remediation)
    assert any("on the HCP server" in step for step in tcp.remediation)
    assert report.result("network.tls").status is Status.SKIPPED


@contextlib.contextmanager
def full_backlog() -> Iterator[int]:
    """A listener whose accept queue is full: new SYNs are dropped, like a filtering firewall."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    held = []
    try:
        for _ in range(3):
            client = socket.socket()
            client.settimeout(0.2)
            try:
                client.connect(("127.0.0.1", port))
                held.append(client)
            except OSError:
                client.close()
                break
        yield port
    finally:
        for client in held:
            client.close()
        server.close()


def test_a_silent_port_fails_tcp_as_blocked_or_filtered():
    with full_backlog() as port:
        report = run_preflight(offline_settings(f"https://127.0.0.1:{port}", connect_timeout=0.5))
    tcp = report.result("network.tcp")
    assert tcp.status is Status.FAIL
    assert f"port {port} blocked or filtered (firewall)" in tcp.summary
    assert tcp.evidence["error"] == "timeout"
    assert tcp.remediation[0].startswith(Actor.HCP)  # an unusual port: the URL may be wrong too
    assert any("between the HCP server and the TOPdesk server" in step for step in tcp.remediation)


# ------------------------------------------------------------------------------------------- TLS

def test_a_port_that_never_answers_tls_fails_with_a_timeout():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)  # the kernel completes the TCP handshake; nobody ever speaks TLS
    try:
        port = server.getsockname()[1]
        report = run_preflight(offline_settings(f"https://127.0.0.1:{port}", timeout=0.5))
    finally:
        server.close()
    tls = report.result("network.tls")
    assert report.result("network.tcp").status is Status.PASS
    assert tls.status is Status.FAIL
    assert "does not complete a TLS handshake" in tls.summary
    assert tls.evidence["error"] == "timeout"


def test_an_expired_certificate_fails_tls_and_skips_the_api(sandbox_factory, run):
    sb = sandbox_factory(tls="expired")
    report = run(sb, "api.reachable")
    tls = report.result("network.tls")
    assert tls.status is Status.FAIL
    assert "has expired" in tls.summary
    assert tls.evidence["reason"] == "expired" and tls.evidence["certificate"]["days_left"] < 0
    assert tls.remediation[0].startswith(Actor.TOPDESK) and "Renew" in tls.remediation[0]
    assert report.result("api.reachable").status is Status.SKIPPED


def test_a_certificate_for_another_host_fails_and_names_the_host_it_is_for(sandbox_factory, run):
    from topdesk_preflight.sandbox.tls import WRONG_HOST

    sb = sandbox_factory(tls="wrong_host")
    tls = run(sb, "network.tls").result("network.tls")
    assert tls.status is Status.FAIL
    assert tls.evidence["reason"] == "wrong_host"
    assert "not valid for 127.0.0.1" in tls.summary and WRONG_HOST in tls.summary
    assert WRONG_HOST in tls.remediation[0]


def test_a_certificate_from_an_unknown_ca_fails_as_untrusted(sandbox_factory, run):
    sb = sandbox_factory()
    tls = run(sb, "network.tls", ca_bundle=None).result("network.tls")  # the OS store lacks the sandbox CA
    assert tls.status is Status.FAIL
    assert tls.evidence["reason"] == "untrusted"
    assert "not trusted" in tls.summary
    assert any("--ca-bundle" in step for step in tls.remediation)


def test_a_certificate_expiring_within_30_days_warns(sandbox_factory, run):
    sb = sandbox_factory(tls="expiring")
    tls = run(sb, "network.tls").result("network.tls")
    assert tls.status is Status.WARN
    days_left = tls.evidence["certificate"]["days_left"]
    assert f"expires in {days_left} days (" in tls.summary and days_left < 30
    assert tls.remediation[0].startswith(Actor.TOPDESK)


def test_plain_http_warns_that_there_is_no_tls(sandbox_factory, run):
    sb = sandbox_factory(tls=False)
    tls = run(sb, "network.tls").result("network.tls")
    assert tls.status is Status.WARN
    assert tls.summary.startswith("Plain HTTP: no TLS to check")
    assert tls.remediation[0].startswith(Actor.HCP) and "https://" in tls.remediation[0]


def test_insecure_mode_warns_that_the_certificate_was_not_verified(sandbox_factory, run):
    sb = sandbox_factory(tls="wrong_host")
    tls = run(sb, "network.tls", ca_bundle=None, insecure=True).result("network.tls")
    assert tls.status is Status.WARN
    assert "not verified (--insecure)" in tls.summary
    assert tls.evidence["verified"] is False


# ----------------------------------------------------------------------------------------- proxy

class ConnectProxy:
    """A minimal HTTP CONNECT proxy on 127.0.0.1 that tunnels to 127.0.0.1 only (or refuses).

    With ``login`` ("user:password") it asks for Proxy-Authorization and answers 407 without it.
    """

    def __init__(self, refuse: bool = False, login: str | None = None) -> None:
        self.refuse = refuse
        self.login = login
        self.requests: list[str] = []
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode()
            self.requests.append(line)
            method, target, _ = line.split(" ", 2)
            host, _, port = target.rpartition(":")
            if self.login is not None:
                wanted = "Proxy-Authorization: Basic " + base64.b64encode(self.login.encode()).decode()
                if wanted.encode() not in head:
                    client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                                   b"Proxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n")
                    return
            if self.refuse or method != "CONNECT" or host != "127.0.0.1":
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                pair = {client: upstream, upstream: client}
                while True:
                    ready, _, _ = select.select(list(pair), [], [], 5)
                    if not ready:
                        return
                    for sock in ready:
                        try:
                            data = sock.recv(65536)
                            if data:
                                pair[sock].sendall(data)
                        except OSError:  # either side hung up: the tunnel ends, as a real proxy's would
                            data = b""
                        if not data:
                            return

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def proxy(monkeypatch):
    made: list[ConnectProxy] = []

    def start(refuse: bool = False, login: str | None = None, given: str | None = None) -> ConnectProxy:
        p = ConnectProxy(refuse, login=login)
        made.append(p)
        monkeypatch.setenv("HTTPS_PROXY", f"http://{given + '@' if given else ''}127.0.0.1:{p.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        return p

    yield start
    for p in made:
        p.close()


def test_behind_a_proxy_the_checks_test_the_path_through_it(sandbox_factory, run, proxy):
    p = proxy()
    sb = sandbox_factory()
    report = run(sb, "api.reachable")
    assert all(report.result(i).status is Status.PASS for i in (*NETWORK, "api.reachable"))
    tcp = report.result("network.tcp")
    assert tcp.evidence["via_proxy"] == f"http://127.0.0.1:{p.port}"
    assert tcp.evidence["connect_to"] == f"127.0.0.1:{p.port}"
    assert any("proxy" in d for d in report.result("network.tls").details)
    assert f"CONNECT 127.0.0.1:{sb.port} HTTP/1.1" in p.requests  # the TLS check tunnelled through it


def test_a_proxy_that_refuses_the_tunnel_fails_tls_with_the_proxy_named(sandbox_factory, run, proxy):
    p = proxy(refuse=True)
    sb = sandbox_factory()
    tls = run(sb, "network.tls").result("network.tls")
    assert tls.status is Status.FAIL
    assert f"127.0.0.1:{p.port} refused a tunnel" in tls.summary and "403" in tls.summary
    assert tls.remediation[0].startswith(Actor.NETWORK) and "CONNECT" in tls.remediation[0]


def test_a_dead_proxy_fails_tcp_even_though_topdesk_itself_is_reachable(sandbox_factory, run, monkeypatch):
    port = closed_port()
    monkeypatch.setenv("HTTPS_PROXY", f"http://user:secret@127.0.0.1:{port}")
    sb = sandbox_factory()
    tcp = run(sb, "network.tcp", connect_timeout=1.0).result("network.tcp")
    assert tcp.status is Status.FAIL
    assert f"the proxy 127.0.0.1:{port} refused" in tcp.summary
    assert "secret" not in repr(tcp)  # the proxy's credentials never reach the report
    assert "HTTPS_PROXY" in tcp.remediation[0]


@pytest.mark.parametrize("proxy_url, problem", [
    ("http://user:secret@127.0.0.1:99999", "its port is not a number from 1 to 65535"),
    ("http://user:secret@[bad", "it is not a valid URL"),
    ("http://user:secret@127.0.0.1:0", "its port is not a number from 1 to 65535"),
])
def test_a_proxy_url_that_cannot_be_used_fails_the_path_and_never_goes_direct_or_to_port_80(
        sandbox_factory, run, monkeypatch, proxy_url, problem):
    """requests would send every API call to that proxy and fail: a direct pass, or "port 80 refused",
    would be a verdict about a path no API call takes."""
    monkeypatch.setenv("HTTPS_PROXY", proxy_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    sb = sandbox_factory()
    report = run(sb, "network.tls")
    dns = report.result("network.dns")
    assert dns.status is Status.FAIL
    assert dns.summary.startswith(f"The proxy in HTTPS_PROXY cannot be used: {problem}")
    assert dns.evidence["proxy_problem"] == problem and dns.remediation[0].startswith(Actor.NETWORK)
    assert [report.result(c).status for c in ("network.tcp", "network.tls")] == [Status.SKIPPED] * 2
    assert "secret" not in repr(report) and "[bad" not in repr(report) and not re.search(r":80\b", repr(report))
    assert sb.requests == []


def test_the_api_calls_name_an_unusable_proxy_not_the_topdesk_url(sandbox_factory, monkeypatch):
    from topdesk_preflight.client import TopdeskClient
    from topdesk_preflight.errors import TransportError

    sb = sandbox_factory()
    monkeypatch.setenv("HTTPS_PROXY", "http://user:secret@[bad")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with TopdeskClient(sb.settings(retries=0)) as client, pytest.raises(TransportError) as caught:
        client.get_json("/version")
    text = f"{caught.value} {caught.value.hint}"
    assert "the proxy from the environment cannot be used" in text and "HTTPS_PROXY" in text
    assert "secret" not in text and "[bad" not in text and sb.url not in text


def test_no_proxy_sends_the_checks_direct(sandbox_factory, run, proxy, monkeypatch):
    p = proxy()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    sb = sandbox_factory()
    tcp = run(sb, "network.tcp").result("network.tcp")
    assert tcp.status is Status.PASS and tcp.evidence["via_proxy"] is None
    assert p.requests == []


def test_the_api_calls_take_the_proxy_from_the_environment_too(sandbox_factory, proxy, monkeypatch):
    from topdesk_preflight.client import TopdeskClient

    p = proxy()
    sb = sandbox_factory()
    with TopdeskClient(sb.settings()) as client:
        assert client.get_json("/version")["version"]
    assert [r.rsplit(" ", 1)[0] for r in p.requests] == [f"CONNECT 127.0.0.1:{sb.port}"]

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with TopdeskClient(sb.settings()) as client:
        client.get_json("/version")
    assert len(p.requests) == 1  # NO_PROXY: straight to TOPdesk


def test_an_authenticating_proxy_gets_the_login_the_api_calls_send(sandbox_factory, run, proxy):
    p = proxy(login="svc:Pr0xy-pass", given="svc:Pr0xy-pass")
    sb = sandbox_factory()
    report = run(sb, "api.reachable")
    assert report.result("network.tls").status is Status.PASS, report.result("network.tls").summary
    assert f"CONNECT 127.0.0.1:{sb.port} HTTP/1.1" in p.requests
    assert report.result("api.reachable").status is Status.PASS
    assert "Pr0xy-pass" not in repr(report.result("network.tls"))


def test_a_proxy_that_asks_for_a_login_the_url_lacks_is_its_own_verdict(sandbox_factory, run, proxy):
    proxy(login="svc:Pr0xy-pass")
    sb = sandbox_factory()
    tls = run(sb, "network.tls").result("network.tls")
    assert tls.status is Status.FAIL and "asks for a login (407)" in tls.summary and "carries none" in tls.summary
    assert "HTTPS_PROXY" in tls.remediation[0]


def test_a_cidr_in_no_proxy_sends_the_checks_direct_as_it_sends_the_api_calls(sandbox_factory, run, proxy,
                                                                              monkeypatch):
    p = proxy()
    monkeypatch.setenv("NO_PROXY", "intranet.example,127.0.0.0/8")  # a list; the loopback CIDR matches
    sb = sandbox_factory()
    report = run(sb, "api.reachable")
    tcp = report.result("network.tcp")
    assert tcp.evidence["via_proxy"] is None and tcp.evidence["connect_to"] == f"127.0.0.1:{sb.port}"
    assert p.requests == []  # neither the checks nor the API calls went through the proxy
