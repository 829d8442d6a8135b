"""FIQL, the ``query`` language of TOPdesk's REST API: a parser and an evaluator.

TOPdesk filters lists with FIQL (docs/topdesk-api.md §3.3): ``==``, ``!=``, ``=gt=``, ``=ge=``, ``=lt=``,
``=le=``, ``=sw=`` (starts with), ``=in=(a,b)``, ``=out=(a,b)``, ``==null`` / ``!=null``; ``;`` is AND,
``,`` is OR (AND binds tighter), brackets group, values with spaces are quoted ('…' or "…").

The parser turns text into a small tree; :func:`compile_query` checks every selector against the
fields an endpoint allows (an unknown field is a 400 in TOPdesk, §3.3) and coerces each literal to the
field's kind once, so evaluating a record is a few attribute reads. A syntax error or an unknown field
raises :class:`FiqlError`, which the endpoint turns into a 400 with TOPdesk's error body.
"""

from __future__ import annotations

import re
from datetime import datetime, UTC
from typing import Any, Callable, Mapping
from uuid import UUID

from attrs import frozen

OPERATORS = ("==", "!=", "=gt=", "=ge=", "=lt=", "=le=", "=sw=", "=in=", "=out=")
SET_OPERATORS = ("=in=", "=out=")
KINDS = ("str", "uuid", "bool", "int", "datetime", "ref")


class FiqlError(ValueError):
    """The query cannot be used: bad syntax, an unknown field or a literal of the wrong kind."""


@frozen
class Comparison:
    selector: str
    operator: str
    values: tuple[str | None, ...]  # None is the unquoted literal ``null``


@frozen
class And:
    parts: tuple[Node, ...]


@frozen
class Or:
    parts: tuple[Node, ...]


Node = Comparison | And | Or


@frozen
class Field:
    """One field a query may name: how to read it from a record, and what kind of value it holds.

    ``ref`` is an object reference such as ``linkedPerson`` that only supports ``==null`` / ``!=null``
    (the operators spec: "linkedPerson: Only equal null and not equal null is supported").
    """

    read: Callable[[Any], Any]
    kind: str = "str"


# --------------------------------------------------------------------------------------------- parser

_SELECTOR = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_OPERATOR = re.compile(r"==|!=|=[A-Za-z]*=")
_RESERVED = set(";,()")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> FiqlError:
        return FiqlError(f"{what} at position {self.pos} of the query {self.text!r}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self) -> Node:
        if not self.text.strip():
            raise FiqlError("The query is empty")
        node = self.expression()
        if self.pos != len(self.text):
            raise self.fail(f"Unexpected {self.peek()!r}")
        return node

    def expression(self) -> Node:
        parts = [self.conjunction()]
        while self.peek() == ",":
            self.pos += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.primary()]
        while self.peek() == ";":
            self.pos += 1
            parts.append(self.primary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def primary(self) -> Node:
        if self.peek() == "(":
            self.pos += 1
            node = self.expression()
            if self.peek() != ")":
                raise self.fail("Missing ')'")
            self.pos += 1
            return node
        return self.comparison()

    def comparison(self) -> Comparison:
        selector = _SELECTOR.match(self.text, self.pos)
        if not selector:
            raise self.fail("Expected a field name")
        self.pos = selector.end()
        operator = _OPERATOR.match(self.text, self.pos)
        if not operator:
            raise self.fail(f"Expected an operator after {selector.group()!r}")
        self.pos = operator.end()
        op = operator.group()
        if op not in OPERATORS:
            raise FiqlError(f"Unknown operator {op!r} in the query {self.text!r}")
        if op in SET_OPERATORS:
            values = self.value_list()
        else:
            values = (self.value(),)
        return Comparison(selector.group(), op, values)

    def value_list(self) -> tuple[str | None, ...]:
        if self.peek() != "(":
            # a bare single value is accepted for =in= as many FIQL servers do [I]
            return (self.value(),)
        self.pos += 1
        values = [self.value()]
        while self.peek() == ",":
            self.pos += 1
            values.append(self.value())
        if self.peek() != ")":
            raise self.fail("Missing ')' after the value list")
        self.pos += 1
        return tuple(values)

    def value(self) -> str | None:
        quote = self.peek()
        if quote in ("'", '"'):
            return self.quoted(quote)
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _RESERVED:
            self.pos += 1
        raw = self.text[start:self.pos]
        if not raw:
            raise self.fail("Expected a value")
        return None if raw == "null" else raw

    def quoted(self, quote: str) -> str:
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise self.fail("Unterminated quoted value")


def parse(text: str) -> Node:
    """Parse FIQL text into a tree of :class:`Comparison`, :class:`And` and :class:`Or`."""
    return _Parser(text).parse()


# ------------------------------------------------------------------------------------------ evaluator

Predicate = Callable[[Any], bool]


def _coerce(literal: str | None, kind: str, selector: str) -> Any:
    if literal is None:
        return None
    try:
        if kind == "bool":
            lowered = literal.lower()
            if lowered not in ("true", "false"):
                raise ValueError(literal)
            return lowered == "true"
        if kind == "int":
            return int(literal)
        if kind == "uuid":
            return str(UUID(literal))
        if kind == "datetime":
            return _as_utc(datetime.fromisoformat(literal.replace("Z", "+00:00")))
        if kind == "ref":
            raise ValueError(literal)
    except ValueError:
        raise FiqlError(f"The value {literal!r} is not valid for the field {selector!r}") from None
    # Strings compare case-insensitively: a guess [I] (docs/topdesk-api.md §5 says searchlists keep case but
    # TOPdesk's search is case-insensitive in the UI); names typed by people then still match.
    return literal.casefold()


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _normalise(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("str", "uuid"):
        return str(value).casefold()
    if kind == "datetime" and isinstance(value, datetime):
        return _as_utc(value)
    return value


EQUALITY_OPERATORS = ("==", "!=", "=in=", "=out=")


def _comparison(node: Comparison, fields: Mapping[str, Field], case_sensitive: bool = False) -> Predicate:
    spec = fields.get(node.selector)
    if spec is None:
        raise FiqlError(f"The field {node.selector!r} cannot be used in a query on this endpoint")
    read, kind, op = spec.read, spec.kind, node.operator
    # case_sensitive (the case_sensitive_eq profile, audit F9): text equality compares exactly
    exact = case_sensitive and kind == "str" and op in EQUALITY_OPERATORS
    literals = [v if exact else _coerce(v, kind, node.selector) for v in node.values]
    if kind == "ref" and (op not in ("==", "!=") or literals[0] is not None):
        raise FiqlError(f"The field {node.selector!r} only supports ==null and !=null")

    def value_of(record: Any) -> Any:
        if exact:
            value = read(record)
            return None if value is None else str(value)
        return _normalise(read(record), kind)

    if op in SET_OPERATORS:
        wanted = set(literals)
        if op == "=in=":
            return lambda r: value_of(r) in wanted
        return lambda r: value_of(r) not in wanted
    target = literals[0]
    if op == "==":
        return lambda r: value_of(r) == target
    if op == "!=":
        return lambda r: value_of(r) != target
    if target is None:
        raise FiqlError(f"{op} needs a value, not null, for the field {node.selector!r}")
    if op == "=sw=":
        if kind not in ("str", "uuid"):
            raise FiqlError(f"=sw= only works on text fields, not {node.selector!r}")
        return lambda r: (v := value_of(r)) is not None and v.startswith(target)
    compare = {"=gt=": lambda a: a > target, "=ge=": lambda a: a >= target,
               "=lt=": lambda a: a < target, "=le=": lambda a: a <= target}[op]
    return lambda r: (v := value_of(r)) is not None and compare(v)


def _cost(node: Node) -> int:
    """Cheap, selective tests first: an id equality (``branch.id==X``) rules out most records at once."""
    if isinstance(node, Comparison):
        if node.operator == "==" and node.selector.endswith("id"):
            return 0
        return 1 if node.operator in ("==", "!=") else 2
    return 3


def _build(node: Node, fields: Mapping[str, Field], case_sensitive: bool = False) -> Predicate:
    if isinstance(node, Comparison):
        return _comparison(node, fields, case_sensitive)
    if isinstance(node, And):
        parts = [_build(p, fields, case_sensitive) for p in sorted(node.parts, key=_cost)]
        return lambda r: all(p(r) for p in parts)
    alternatives = [_build(p, fields, case_sensitive) for p in node.parts]
    return lambda r: any(p(r) for p in alternatives)


def compile_query(text: str, fields: Mapping[str, Field]) -> Predicate:
    """Turn FIQL text into ``predicate(record) -> bool`` over the given fields; raise FiqlError if unusable."""
    return compile_node(parse(text), fields)


def compile_node(node: Node, fields: Mapping[str, Field], case_sensitive: bool = False) -> Predicate:
    """Like :func:`compile_query`, for a tree already parsed (so callers can also inspect it).

    ``case_sensitive`` makes ``==``, ``!=``, ``=in=`` and ``=out=`` on text compare exactly.
    """
    return _build(node, fields, case_sensitive)


def equalities(node: Node) -> list[tuple[str, str]]:
    """The ``selector==value`` tests every match must pass (top level or inside the top-level AND).

    An index on one of these selectors may narrow the records before the full predicate runs.
    """
    parts = node.parts if isinstance(node, And) else (node,)
    return [(p.selector, p.values[0]) for p in parts
            if isinstance(p, Comparison) and p.operator == "==" and p.values and p.values[0] is not None]

