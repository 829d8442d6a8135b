"""A Context over a running sandbox, for the tests of the facts modules (``checks/_*_facts.py``).

A facts function needs what a check gets: the settings and a real client. These tests
call the function directly, over real HTTPS to the sandbox on 127.0.0.1, and look at
the typed value it returns and at the requests the sandbox logged.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import tenacity

from topdesk_preflight.client import TopdeskClient
from topdesk_preflight.context import Context
from topdesk_preflight.sandbox import Sandbox


@contextlib.contextmanager
def facts_context(sb: Sandbox, **overrides: Any) -> Iterator[Context]:
    """A Context for ``sb`` (no retries, so an injected fault is answered once); closed after the block."""
    settings = sb.settings(**{"retries": 0, **overrides})
    with TopdeskClient(settings, retry_wait=tenacity.wait_none()) as client:
        yield Context(settings, client)


def paths(sb: Sandbox, prefix: str = "/tas/api/") -> list[str]:
    """The paths the sandbox was asked for, in order, those under ``prefix`` only."""
    return [r.path for r in sb.requests if r.path.startswith(prefix)]
