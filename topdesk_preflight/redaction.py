"""One redaction of the known secrets, applied to everything a run produces before it leaves the process.

The application password is kept in a :class:`~topdesk_preflight.settings.Secret` and only ever
sent in the Authorization header, but a server (or a gateway in front of it) may echo that header
back in a 401 body, a proxy URL may carry a login, and an exception may quote either. So every
string that came from a response, an exception or the environment passes :meth:`Redactor.text`
before any output: the runner redacts the whole report, each renderer redacts its text once more as
a last pass, and ``--debug``'s log handler filters every line (:class:`RedactingFilter`).

What counts as "the secret" is every form it can take on the way: raw, base64 of ``login:password``
(the Basic header), URL-encoded (quote and quote_plus), JSON- and HTML-escaped, and the same for the
proxy's credentials as requests would read them from ``HTTPS_PROXY``.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import threading
from typing import Any, Iterable
from urllib.parse import quote, quote_plus

from attrs import field, frozen

MASK = "********"
#: Shorter forms are not masked: masking every "ab" in a report would destroy it, and no
#: application password TOPdesk generates is that short.
MIN_SECRET_LENGTH = 4
#: How deep :meth:`Redactor.value` walks nested evidence; deeper values are replaced by a note.
MAX_DEPTH = 12


def forms_of(secret: str, *, login: str | None = None) -> set[str]:
    """Every spelling of ``secret`` a report or a log line could carry."""
    if len(secret) < MIN_SECRET_LENGTH:
        return set()
    found = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
             html.escape(secret), html.escape(secret, quote=False)}
    found.add(base64.b64encode(secret.encode("utf-8", "surrogatepass")).decode("ascii"))
    if login is not None:
        pair = f"{login}:{secret}".encode("utf-8", "surrogatepass")
        found.add(base64.b64encode(pair).decode("ascii"))
        found.add(base64.b64encode(f"{login}:{secret}".encode("latin-1", "replace")).decode("ascii"))
    return {form for form in found if len(form) >= MIN_SECRET_LENGTH}


def proxy_credentials(proxy: str) -> tuple[str, str] | None:
    """The ``(user, password)`` a proxy URL carries, read as requests reads it (scheme optional)."""
    from urllib.parse import unquote, urlsplit

    text = proxy if "://" in proxy else f"http://{proxy}"
    try:
        netloc = urlsplit(text).netloc
    except ValueError:
        netloc = text.split("://", 1)[1].split("/", 1)[0]
    if "@" not in netloc:
        return None
    userinfo = netloc.rsplit("@", 1)[0]
    user, _, password = userinfo.partition(":")
    return unquote(user), unquote(password)


@frozen
class Redactor:
    """Masks a fixed set of secret forms in text and in nested values. Its repr never shows them."""

    forms: tuple[str, ...] = field(default=(), repr=False,
                                   converter=lambda f: tuple(sorted(set(f), key=len, reverse=True)))

    @classmethod
    def for_run(cls, password: str | None, login: str | None, proxies: Iterable[str] = ()) -> "Redactor":
        """The secrets of one run: its password (with its login) and the credentials of its proxies."""
        forms: set[str] = forms_of(password or "", login=login) if password else set()
        for proxy in proxies:
            credentials = proxy_credentials(proxy)
            if credentials is not None:
                user, secret = credentials
                forms |= forms_of(secret, login=user)
                forms |= forms_of(f"{user}:{secret}")
        return cls(tuple(forms))

    def __bool__(self) -> bool:
        return bool(self.forms)

    def text(self, value: str) -> str:
        """``value`` with every secret form masked (longest first, so a form inside another goes too)."""
        for form in self.forms:
            if form in value:
                value = value.replace(form, MASK)
        return value

    def value(self, value: Any, depth: int = 0) -> Any:
        """A nested value (evidence) with every string redacted, keys included; depth capped."""
        if isinstance(value, str):
            return self.text(value)
        if depth >= MAX_DEPTH and isinstance(value, dict | list | tuple | set | frozenset):
            return f"(nested deeper than {MAX_DEPTH} levels: left out)"
        if isinstance(value, dict):
            return {self.value(k, depth + 1): self.value(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(v, depth + 1) for v in value) if isinstance(value, tuple) \
                else [self.value(v, depth + 1) for v in value]
        if isinstance(value, set | frozenset):
            return [self.value(v, depth + 1) for v in value]
        return value


# --- the last pass for log lines: every secret any run of this process has seen -------------------

_known_lock = threading.Lock()
_known: list[Redactor] = []


def remember(redactor: Redactor) -> None:
    """Let :class:`RedactingFilter` mask this run's secrets in every log line from now on."""
    if redactor:
        with _known_lock:
            if redactor not in _known:
                _known.append(redactor)


def redact_known(text: str) -> str:
    with _known_lock:
        known = list(_known)
    for redactor in known:
        text = redactor.text(text)
    return text


#: Control characters (terminal escapes among them) and the Unicode line and paragraph separators:
#: text from TOPdesk must not recolour the terminal or forge a log line.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def inert(text: str) -> str:
    """``text`` with control and invisible formatting characters shown as ``?``, newlines kept."""
    return _UNSAFE.sub("?", text)


class RedactingFilter(logging.Filter):
    """The debug handler's last pass: known secrets masked, control characters made inert, in every line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = inert(redact_known(message))
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = inert(redact_known(formatted))
            record.exc_info = None
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
