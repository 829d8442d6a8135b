"""Shared helpers for the sandbox tests: a running healthy sandbox and a requests session that trusts its CA.

The session ignores the environment (``trust_env = False``): a ``REQUESTS_CA_BUNDLE`` or proxy variable on
the developer's machine must neither replace the sandbox's CA nor route loopback traffic through a proxy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from topdesk_preflight.sandbox import Sandbox

TEST_PASSWORD = "Zq-7f!sandbox-test-secret-81"


class Api:
    """GETs against one sandbox with its credentials, CA and a short time-out."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.session = requests.Session()
        self.session.trust_env = False

    def get(self, path: str, auth: Any = "default", verify: Any = "default", **kw: Any) -> requests.Response:
        auth = (self.sb.login, self.sb.password) if auth == "default" else auth
        verify = (self.sb.ca_file or True) if verify == "default" else verify
        return self.session.get(f"{self.sb.url}/tas/api{path}", auth=auth, verify=verify, timeout=10, **kw)

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.session.request(method, f"{self.sb.url}/tas/api{path}", auth=(self.sb.login, self.sb.password),
                                    verify=self.sb.ca_file, timeout=10, **kw)


@pytest.fixture(scope="module")
def healthy() -> Iterator[Sandbox]:
    with Sandbox(scenario="healthy", password=TEST_PASSWORD) as sb:
        yield sb


@pytest.fixture
def api(healthy: Sandbox) -> Iterator[Api]:
    healthy.clear_faults()
    healthy.clear_requests()
    healthy.latency = 0.0
    client = Api(healthy)
    yield client
    client.session.close()
    healthy.clear_faults()


@pytest.fixture
def start() -> Iterator[Any]:
    """``start("scenario", tls=...)`` -> (Sandbox, Api); every sandbox started is stopped after the test."""
    started: list[tuple[Sandbox, Api]] = []

    def _start(scenario: str = "healthy", **kw: Any) -> tuple[Sandbox, Api]:
        kw.setdefault("password", TEST_PASSWORD)
        sb = Sandbox(scenario=scenario, **kw).start()
        started.append((sb, Api(sb)))
        return started[-1]

    yield _start
    for sb, client in started:
        client.session.close()
        sb.stop()
