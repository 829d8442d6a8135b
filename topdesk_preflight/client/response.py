"""What TOPdesk answered, as values: one :class:`ApiResponse` per request, and what its body means.

Why apart from the client: turning a body into JSON or into the records of a list endpoint needs no
connection, so checks, paging and tests can use these functions on any response, and every way a
body can be wrong (HTML from a login page, an empty body, broken JSON, an object where a list
belongs) is named here once, as :class:`~topdesk_preflight.errors.NotTopdeskError` or
:class:`~topdesk_preflight.errors.BadResponseError`. No ``requests`` import.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from attrs import field, frozen

from topdesk_preflight.client.retry import parse_retry_after
from topdesk_preflight.errors import (
    BadResponseError,
    HTTPStatusError,
    NotTopdeskError,
    error_for_status,
    parse_error_messages,
)


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
        """An HTML page (by type, or by its first bytes when the type is missing or wrong)."""
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


def decode(response: ApiResponse, *, allow_statuses: Sequence[int] = ()) -> Any:
    """The JSON a check can use, or the typed error: what ``TopdeskClient.get_json`` does with an answer.

    A status ≥ 400 raises its HTTPStatusError unless it is in ``allow_statuses`` (then its JSON body, or
    None). 204 and HEAD → None.
    """
    if response.status >= 400:
        if response.status not in allow_statuses:
            raise response.error()  # type: ignore[misc]
        if not response.body.strip() or not response.is_json:
            return None
        return response.json()
    if 300 <= response.status < 400:
        from topdesk_preflight.errors import NotTopdeskError

        raise NotTopdeskError(redirect_text(response), path=response.path)
    if response.status == 204 or response.method == "HEAD":
        return None
    return _decode_json_body(response)


def redirect_target(response: ApiResponse) -> str:
    """The host a 3xx points to (never its path or query, which may carry a single-sign-on token)."""
    from urllib.parse import urlsplit

    location = response.headers.get("Location") or ""
    try:
        host = urlsplit(location).hostname
    except ValueError:
        host = None
    return host or ("the same host" if location.startswith("/") else "an unreadable address")


def redirect_text(response: ApiResponse) -> str:
    """``GET /tas/api/x answered 302, redirecting to sso.example``: what a redirect on an API call means."""
    return (f"{response.method} {response.path} answered {response.status}, redirecting to "
            f"{redirect_target(response)}: a proxy or single sign-on page is in between; TOPdesk's API never "
            "redirects.")


def _decode_json_body(response: ApiResponse) -> Any:
    """JSON from a 2xx/3xx body; a login page or a non-JSON answer is not TOPdesk's API."""
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


def records(data: Any, response: ApiResponse, keys: tuple[str, ...] = ()) -> list[dict]:
    """The records of a list endpoint's decoded answer: a bare array, or the array under one of ``keys``.

    ``None`` (204, no content) is no records. Anything else (a string, a number, an object where an
    array belongs, a list of non-objects) raises BadResponseError naming the response: iterating it
    would read a string's letters as "no records" and turn a broken proxy into a confident, wrong
    verdict. (``errors.records_of`` is the same rule for callers that hold only the decoded data.)
    """
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
