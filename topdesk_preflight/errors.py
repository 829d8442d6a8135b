"""The errors the TOPdesk client raises, and how TOPdesk's error bodies become messages.

Our exception hierarchy::

    TopdeskError(Exception)            .message, .path (path+query relative to the instance, no host), .hint
    ├── ReadOnlyViolation              a non-GET/HEAD request was attempted; nothing was sent
    ├── TransportError                 no HTTP answer
    │   ├── DNSError                   host name does not resolve
    │   ├── ConnectError               refused / unreachable / dropped connection
    │   ├── RequestTimeout             connect or read time-out (.phase = "connect"|"read"|"deadline")
    │   └── TLSError                   untrusted / expired / wrong host / handshake failed (.reason)
    ├── NotTopdeskError                HTML page / non-JSON where JSON was expected: wrong URL or a proxy/login page
    ├── BadResponseError               JSON invalid or of the wrong shape
    └── HTTPStatusError                .status, .messages (TOPdesk's own messages, parsed from any body shape)
        ├── AuthenticationError  401
        ├── PermissionDenied     403
        ├── NotFound             404
        ├── RateLimited          429 (after retries ran out)
        └── ServerError          5xx

Every message names the request path, the status and TOPdesk's own words, so a check
can turn it into a verdict and a support engineer can act on it. No message ever holds
the password, the Authorization header or a base64 of ``login:password``: errors are
built from paths, statuses and response bodies only, never from the request.

This module deliberately does not import ``requests``: check modules import it, and
``--list-checks`` must not pay for the HTTP stack.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

# TLSError.reason values: stable strings a check can branch on.
TLS_UNTRUSTED = "untrusted"
TLS_EXPIRED = "expired"
TLS_NOT_YET_VALID = "not_yet_valid"
TLS_WRONG_HOST = "wrong_host"
TLS_HANDSHAKE_FAILED = "handshake_failed"

_MAX_MESSAGES = 5
_MAX_MESSAGE_CHARS = 300


class TopdeskError(Exception):
    """Base: the client could not turn a request into a usable answer."""

    default_hint = ""

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return self.message


class ReadOnlyViolation(TopdeskError):
    """Someone asked the client to change TOPdesk; it refused before sending a byte."""

    default_hint = "topdesk-preflight only reads (GET/HEAD); this is a bug in the calling code."


class TransportError(TopdeskError):
    """No HTTP answer came back: DNS, TCP, TLS or a time-out."""


class DNSError(TransportError):
    """The host name in the URL does not resolve."""

    default_hint = ("Check the host name in --url (e.g. https://acme.topdesk.net) and this machine's DNS; "
                    "the TOPdesk host must resolve from where HCP runs.")


class ConnectError(TransportError):
    """The TCP connection was refused, could not be opened, or dropped mid-answer."""

    default_hint = ("Check the port in --url and that no firewall or proxy blocks this machine from "
                    "reaching TOPdesk on it (HTTPS is port 443).")


class RequestTimeout(TransportError):
    """Connecting or waiting for the answer took longer than allowed."""

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None,
                 phase: str = "read") -> None:
        if hint is None:
            hint = {
                "connect": "TOPdesk did not accept a connection in time: check firewalls and proxies between "
                           "this machine and TOPdesk, or raise --timeout.",
                "read": "TOPdesk accepted the request but answered too slowly: try again later or raise "
                        "--timeout.",
                "deadline": "The run's time limit ran out: raise --timeout/deadline or run fewer checks.",
            }.get(phase, "")
        super().__init__(message, path=path, hint=hint)
        self.phase = phase


class TLSError(TransportError):
    """The TLS handshake failed; ``reason`` says why (one of the TLS_* constants)."""

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None,
                 reason: str = TLS_HANDSHAKE_FAILED) -> None:
        if hint is None:
            hint = {
                TLS_UNTRUSTED: "The certificate is not signed by a CA this machine trusts. If TOPdesk uses an "
                               "internal CA, pass its certificate with --ca-bundle (HCP needs to trust it too).",
                TLS_EXPIRED: "TOPdesk's certificate has expired: the TOPdesk administrator must renew it.",
                TLS_NOT_YET_VALID: "TOPdesk's certificate is not valid yet: check this machine's clock, or "
                                   "the certificate's start date.",
                TLS_WRONG_HOST: "The certificate is for another host name: use the host name the certificate "
                                "names in --url, or have the certificate reissued for this one.",
            }.get(reason, "The TLS handshake failed: check that the URL points at an HTTPS port and that "
                          "no proxy intercepts the connection.")
        super().__init__(message, path=path, hint=hint)
        self.reason = reason


class NotTopdeskError(TopdeskError):
    """The URL answered, but not like TOPdesk's API (HTML, not JSON): wrong URL or a proxy/login page."""

    default_hint = ("Check --url: use the address you open TOPdesk with (e.g. https://acme.topdesk.net); "
                    "a proxy, single-sign-on or login page may also be answering instead of TOPdesk.")


class BadResponseError(TopdeskError):
    """TOPdesk's answer was meant to be JSON of a known shape and was not."""

    default_hint = "Run again with --debug; if it persists, report it with the TOPdesk version."


class HTTPStatusError(TopdeskError):
    """TOPdesk answered with an error status; ``messages`` holds its own words."""

    default_hint = ""

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None,
                 status: int = 0, messages: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message, path=path, hint=hint)
        self.status = status
        self.messages = list(messages)


class AuthenticationError(HTTPStatusError):
    """401: TOPdesk did not accept the login name and application password."""

    # [C] docs/topdesk-api.md §1.2: the API does not say which of these it was.
    default_hint = ("Check the login name (the operator's login, not the application password's name) and "
                    "the application password. An expired application password, an archived operator, "
                    "'Login permission' switched off or a missing 'API access → REST API' permission give "
                    "the same answer.")


class PermissionDenied(HTTPStatusError):
    """403: the login works but may not read this."""

    default_hint = "Give the operator's permission group read access to this part of TOPdesk."


class NotFound(HTTPStatusError):
    """404: no such endpoint or record."""

    default_hint = ("Check --url: TOPdesk's API lives at https://<host>/tas/api; if the URL is right, the "
                    "record does not exist.")


class RateLimited(HTTPStatusError):
    """429 after the retries ran out."""

    default_hint = "TOPdesk (or a proxy in front of it) is limiting requests: wait a few minutes and run again."


class ServerError(HTTPStatusError):
    """5xx: TOPdesk or a proxy in front of it failed."""

    default_hint = ("TOPdesk or a proxy in front of it failed: run again later; if it persists, contact "
                    "the TOPdesk administrator with the time and path.")


_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 429: "Too Many Requests",
            500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}


def status_error_class(status: int) -> type[HTTPStatusError]:
    """The most specific HTTPStatusError subclass for a status."""
    if status >= 500:
        return ServerError
    return {401: AuthenticationError, 403: PermissionDenied, 404: NotFound,
            429: RateLimited}.get(status, HTTPStatusError)


def error_for_status(status: int, path: str, messages: list[str], *, method: str = "GET",
                     note: str | None = None) -> HTTPStatusError:
    """Build the typed error for an HTTP status, in one sentence a person can read.

    ``note`` adds what the client knows beyond the body, e.g. that it gave up because
    the server's Retry-After exceeded the time left.
    """
    reason = _REASONS.get(status, "")
    text = f"{method} {path} answered {status}{' ' + reason if reason else ''}"
    if messages:
        text += ": " + "; ".join(messages)
    if note:
        text += f" ({note})"
    cls = status_error_class(status)
    return cls(text, path=path, status=status, messages=messages)


# ---------------------------------------------------------------------------------------------
# Error bodies → messages
# ---------------------------------------------------------------------------------------------

def parse_error_messages(body: bytes | str | None, content_type: str = "") -> list[str]:
    """TOPdesk's own words from an error body, whatever shape it came in.

    Handles (docs/topdesk-api.md §1.2, §3.4): ``[{"message": ..}]`` (ErrorResponse),
    ``{"errors": [{"errorCode", "errorMessage"}]}`` (ErrorResponseEntity),
    ``[{"errorCode", "errorMessage"}]`` (persons v2), plain text, and TOPdesk's HTML
    page (its title and visible text, shortened). Returns ``[]`` for an empty body.
    """
    if body is None:
        return []
    text = body.decode("utf-8", errors="replace") if isinstance(body, (bytes, bytearray)) else str(body)
    if not text.strip():
        return []
    # A server or gateway may echo the Authorization header back: mask every known secret before the
    # words become a message, an exception or a log line, and before shortening could halve one.
    from topdesk_preflight.redaction import redact_known

    text = redact_known(text)
    ctype = (content_type or "").lower()
    stripped = text.lstrip()
    if "json" in ctype or stripped[:1] in ("[", "{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = _NOT_JSON
        if parsed is not _NOT_JSON:
            messages = _messages_from_json(parsed)
            if messages:
                return _limit(messages)
            if "json" in ctype:
                return _limit([_shorten(" ".join(text.split()))])
    if "html" in ctype or re.match(r"(?is)\s*(<!doctype\s+html|<html|<head|<body|<title)", text):
        return _limit(_messages_from_html(text))
    return _limit([_shorten(" ".join(text.split()))])


_NOT_JSON = object()


def _messages_from_json(parsed: object) -> list[str]:
    if isinstance(parsed, dict):
        if isinstance(parsed.get("errors"), list):
            return _messages_from_json(parsed["errors"])
        one = _message_of(parsed)
        return [one] if one else []
    if isinstance(parsed, list):
        messages: list[str] = []
        for item in parsed:
            if isinstance(item, str) and item.strip():
                messages.append(_shorten(item.strip()))
            elif isinstance(item, dict):
                one = _message_of(item)
                if one:
                    messages.append(one)
        return messages
    if isinstance(parsed, str) and parsed.strip():
        return [_shorten(parsed.strip())]
    return []


def _message_of(item: dict) -> str:
    text = item.get("message") or item.get("errorMessage") or item.get("error_description") \
        or item.get("error") or item.get("detail") or item.get("title")
    code = item.get("errorCode")
    if isinstance(text, str) and text.strip():
        text = _shorten(" ".join(text.split()))
        return f"{text} [{code}]" if isinstance(code, str) and code and code not in text else text
    if isinstance(code, str) and code.strip():
        return _shorten(code.strip())
    return ""


class _VisibleText(HTMLParser):
    """Collects an HTML page's title and visible text, skipping scripts and styles."""

    _SKIP = {"script", "style", "noscript", "template", "head"}
    _BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "li", "br", "tr", "section", "article", "body",
              "title", "pre", "td", "dd", "dt", "main", "header", "footer"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.chunks: list[str] = []
        self._current: list[str] = []
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip_depth += 1
        if tag in self._BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP and self._skip_depth:
            self._skip_depth -= 1
        if tag in self._BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip_depth:
            self._current.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.chunks.append(text)
        self._current = []

    def close(self) -> None:
        super().close()
        self._flush()


def _messages_from_html(text: str) -> list[str]:
    parser = _VisibleText()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # noqa: BLE001 - a broken page must still give a message
        return [_shorten(" ".join(re.sub(r"<[^>]+>", " ", text).split()))]
    messages: list[str] = []
    title = " ".join(parser.title.split())
    if title:
        messages.append(_shorten(title))
    for chunk in parser.chunks:
        if chunk not in messages and (not title or chunk != title):
            messages.append(_shorten(chunk))
        if len(messages) >= 3:
            break
    return messages


def _shorten(text: str, limit: int = _MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _limit(messages: list[str]) -> list[str]:
    return [m for m in messages if m][:_MAX_MESSAGES]


def records_of(data: object, path: str, keys: tuple[str, ...] = ()) -> list[dict]:
    """The records in a list endpoint's decoded answer, or BadResponseError naming ``path``.

    ``None`` (204 No Content) is no records; a JSON array of objects is the records; an
    object holding such an array under one of ``keys`` (``{"results": [...]}``) too.
    Anything else (a string, a number, an object where an array belongs) is an answer
    the check cannot judge: iterating it would read a string's letters as "no records"
    and turn a broken proxy into a confident, wrong verdict ("the Type dropdown is empty").
    """
    if data is None:
        return []
    if isinstance(data, dict):
        inner = next((data[k] for k in keys if isinstance(data.get(k), list)), None)
        if inner is None:
            raise BadResponseError(f"GET {path} did not return a list of records (a JSON object where an "
                                   "array was expected).", path=path)
        data = inner
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        shape = type(data).__name__ if not isinstance(data, list) else "list of non-objects"
        raise BadResponseError(f"GET {path} did not return a list of records (JSON {shape} where an array "
                               "of objects was expected).", path=path)
    return data
