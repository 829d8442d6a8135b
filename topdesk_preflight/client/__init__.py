"""Read-only access to one TOPdesk's REST API: ``from topdesk_preflight.client import TopdeskClient``.

The package splits the client along its seams: :mod:`.client` (the request API and its single
read-only choke point), :mod:`.transport` (the session and the table translating requests/urllib3/ssl
exceptions), :mod:`.retry` (tenacity strategies), :mod:`.paging` (one page loop), :mod:`.response`
(answer values), :mod:`.budget` (the deadline) and :mod:`.evidence` (request records).

Names are re-exported lazily: importing this package, or ``paging``/``response``/``retry``, never
imports ``requests`` (``--list-checks`` must stay fast and tests/test_cli.py checks it); only
``TopdeskClient`` and the transport's names do.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from topdesk_preflight.paging import Paging

if TYPE_CHECKING:
    from topdesk_preflight.client.client import MAX_BODY_BYTES, TopdeskClient
    from topdesk_preflight.client.paging import PERSON_V2_COLLECTION, ItemPages, PagingStyle
    from topdesk_preflight.client.response import ApiResponse, decode, records
    from topdesk_preflight.client.retry import MAX_WAIT_S, RETRY_STATUSES, parse_retry_after
    from topdesk_preflight.client.transport import READ_METHODS, USER_AGENT

_LAZY = {
    "TopdeskClient": "client",
    "MAX_BODY_BYTES": "client",
    "ItemPages": "paging",
    "PagingStyle": "paging",
    "PERSON_V2_COLLECTION": "paging",
    "ApiResponse": "response",
    "decode": "response",
    "records": "response",
    "MAX_WAIT_S": "retry",
    "RETRY_STATUSES": "retry",
    "parse_retry_after": "retry",
    "READ_METHODS": "transport",
    "USER_AGENT": "transport",
}

__all__ = ["MAX_BODY_BYTES", "MAX_WAIT_S", "PERSON_V2_COLLECTION", "READ_METHODS", "RETRY_STATUSES",
           "USER_AGENT", "ApiResponse", "ItemPages", "Paging", "PagingStyle", "TopdeskClient", "decode",
           "parse_retry_after", "records"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'topdesk_preflight.client' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
