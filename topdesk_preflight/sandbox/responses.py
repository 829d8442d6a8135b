"""The answers the sandbox sends: a small Response value and TOPdesk's error body shapes.

TOPdesk has several error shapes and each endpoint's spec names one (docs/topdesk-api.md §3.4):
``ErrorResponse`` = ``[{"message": …}]``; ``ErrorResponseEntity`` = ``{"errors": [{"errorCode", "errorMessage"}]}``
(some specs wrap it in an array); persons v2 uses a bare array of ``ErrorDescription``.
A 401's body follows the instance's style: JSON (default), plain text or TOPdesk's HTML page (§1.2).
"""

from __future__ import annotations

import json
from typing import Any

from attrs import frozen

JSON = "application/json;charset=UTF-8"
TEXT = "text/plain;charset=UTF-8"
HTML = "text/html;charset=UTF-8"

UNAUTHORIZED_PAGE = (
    "<!doctype html><html lang=\"en\"><head><title>HTTP Status 401 – Unauthorized</title></head><body>"
    "<h1>HTTP Status 401 – Unauthorized</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p>"
    "<p><b>Description</b> The request has not been applied because it lacks valid authentication "
    "credentials for the target resource.</p><hr class=\"line\" /><h3>TOPdesk</h3></body></html>"
)


@frozen
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: tuple[tuple[str, str], ...] = ()


class Refusal(Exception):
    """Raised inside a handler to answer with an error response right away."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(data: Any, status: int = 200, content_type: str = JSON) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), content_type)


def no_content() -> Response:
    return Response(204, b"", None)


def message(status: int, text: str) -> Response:
    """``ErrorResponse``: ``[{"message": text}]``."""
    return json_response([{"message": text}], status)


def entity_error(status: int, text: str, code: str = "badRequest", applies_to: tuple[str, ...] = (),
                 wrapped: bool = False) -> Response:
    """``ErrorResponseEntity``; ``wrapped`` puts it in an array, as the branches spec documents."""
    body: dict[str, Any] = {"errors": [{"errorCode": code, "appliesTo": list(applies_to),
                                        "errorMessage": text}]}
    return json_response([body] if wrapped else body, status)


def descriptions(status: int, text: str, code: str) -> Response:
    """Persons v2: a bare array of ``ErrorDescription``."""
    return json_response([{"errorCode": code, "appliesTo": [], "errorMessage": text}], status)


def unauthorized(style: str, text: str = "No authentication token provided") -> Response:
    """401 in the instance's style; TOPdesk's message does not say which of the causes it was (§1.2)."""
    if style == "html":
        return Response(401, UNAUTHORIZED_PAGE.encode("utf-8"), HTML)
    if style == "text":
        # the text seen in the wild: AndrewPla/TOPdeskPS issue #114 [C-peer]
        return Response(401, b"No valid authentication token provided", TEXT)
    return message(401, text)
