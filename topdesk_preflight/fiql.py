"""A tiny, safe builder for TOPdesk's FIQL ``query`` parameter (docs/topdesk-api.md §3.3).

Checks put user input (a branch name, an email, a room name) into queries. Building
them by string concatenation would let a name such as ``HQ";archived==true`` change
what the query means. Here every string value is always double-quoted with ``"`` and
``\\`` escaped, field names must match ``^[A-Za-z][A-Za-z0-9_.]*$``, and ``and_``/``or_``
add brackets, so user input can only ever be a value.

    >>> and_(eq("name", 'HQ "North"'), eq("archived", False))
    'name=="HQ \\\\"North\\\\"";archived==false'

Operators [C §3.3]: ``==``, ``!=``, ``==null``, ``!=null``, ``=gt=``, ``=ge=``, ``=lt=``,
``=le=``, ``=sw=``, ``=in=(..)``, ``=out=(..)``; ``;`` is AND, ``,`` is OR.
[I] TOPdesk's docs only say "quote values containing spaces ('…' or "…")"; escaping a
quote or backslash inside a quoted value with a backslash follows the RSQL/FIQL grammar
TOPdesk's parser is built on and is not confirmed against a real tenant.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Iterable

FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")

_AND = ";"
_OR = ","


class Query(str):
    """A FIQL expression; remembers whether it is an AND or OR group so nesting brackets correctly."""

    kind: str

    def __new__(cls, text: str, kind: str = "atom") -> "Query":
        obj = super().__new__(cls, text)
        obj.kind = kind
        return obj


Value = str | bool | int | float | date | datetime | uuid.UUID


def quote(value: str) -> str:
    """Double-quote a string value, escaping ``\\`` and ``"``: the value can never end the quote."""
    if not isinstance(value, str):
        raise TypeError(f"quote() takes a string, not {type(value).__name__}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(value: Value) -> str:
    """One value as FIQL: booleans ``true``/``false``, numbers bare, dates ISO, strings quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()  # [C §3.3] dates are ISO-8601; their characters are all FIQL-safe
    if isinstance(value, str):
        return quote(value)
    if value is None:
        raise ValueError("use is_null()/not_null() to compare with null")
    raise TypeError(f"cannot put a {type(value).__name__} into a FIQL query")


def _field(name: str) -> str:
    if not isinstance(name, str) or not FIELD_RE.fullmatch(name):
        raise ValueError(f"not a FIQL field name: {name!r}")
    return name


def _compare(field: str, op: str, value: Value) -> Query:
    return Query(f"{_field(field)}{op}{render(value)}")


def eq(field: str, value: Value) -> Query:
    return _compare(field, "==", value)


def ne(field: str, value: Value) -> Query:
    return _compare(field, "!=", value)


def gt(field: str, value: Value) -> Query:
    return _compare(field, "=gt=", value)


def ge(field: str, value: Value) -> Query:
    return _compare(field, "=ge=", value)


def lt(field: str, value: Value) -> Query:
    return _compare(field, "=lt=", value)


def le(field: str, value: Value) -> Query:
    return _compare(field, "=le=", value)


def sw(field: str, value: str) -> Query:
    """Starts with."""
    return _compare(field, "=sw=", value)


def is_null(field: str) -> Query:
    return Query(f"{_field(field)}==null")


def not_null(field: str) -> Query:
    return Query(f"{_field(field)}!=null")


def _list(field: str, op: str, values: Iterable[Value]) -> Query:
    items = list(values)
    if not items:
        raise ValueError(f"{op} needs at least one value for {field!r}")
    return Query(f"{_field(field)}{op}(" + ",".join(render(v) for v in items) + ")")


def in_(field: str, values: Iterable[Value]) -> Query:
    return _list(field, "=in=", values)


def out(field: str, values: Iterable[Value]) -> Query:
    return _list(field, "=out=", values)


def _group(kind: str, separator: str, clauses: tuple[str, ...]) -> Query:
    parts = [c for c in clauses if c]
    if not parts:
        raise ValueError(f"{kind}_() needs at least one clause")
    if len(parts) == 1:
        only = parts[0]
        return only if isinstance(only, Query) else Query(only, kind="raw")
    rendered = []
    for part in parts:
        same_kind = isinstance(part, Query) and part.kind in ("atom", kind)
        rendered.append(str(part) if same_kind else f"({part})")
    return Query(separator.join(rendered), kind=kind)


def and_(*clauses: str) -> Query:
    """All clauses must hold. OR groups and plain strings are bracketed."""
    return _group("and", _AND, clauses)


def or_(*clauses: str) -> Query:
    """Any clause may hold. AND groups and plain strings are bracketed."""
    return _group("or", _OR, clauses)


def with_active(query: str | None = None) -> Query:
    """Add ``archived==false``: with a ``query`` TOPdesk returns archived records too [C §3.3]."""
    active = eq("archived", False)
    return and_(query, active) if query else active


def id_value(raw: object) -> uuid.UUID | str:
    """A card id as a FIQL value: a UUID goes in bare (``branch.id==a1b2…``), anything else stays quoted."""
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return str(raw)
