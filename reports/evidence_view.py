"""Evidence as the HTML report draws it: a small tree of views (text, list, key/value, table).

Evidence is free-form per check, a check keeps whatever it found worth showing,
so the page cannot have a template line per shape. Here any JSON-safe value
becomes a tree of four kinds of view, every text already cleaned and clipped
(``sanitize.display``), and the template's one ``render_view`` macro draws any
tree; the settings are shown the same way. Apart from html_report.py so the page's
view of the report stays one readable module.
"""

from __future__ import annotations

import json
from typing import Any

from attrs import frozen

from topdesk_preflight.reports.sanitize import display

# How much of a value the page shows; the JSON report keeps every value whole.
VALUE_LIMIT = 300  # an evidence value or a table cell
NAME_LIMIT = 200  # ids, titles, keys, column names
MAX_ROWS = 200  # items of one evidence list or table
MAX_COLUMNS = 12
MAX_DEPTH = 4  # deeper evidence is shown as compact JSON text


@frozen
class TextView:
    """A scalar, shown as text. ``muted`` marks stand-ins such as "none"."""

    text: str
    muted: bool = False
    kind: str = "text"


@frozen
class ListView:
    """A list of values (each a view), with how many more there were."""

    items: tuple[Any, ...]
    more: int = 0
    kind: str = "list"


@frozen
class MappingView:
    """Key/value pairs (values are views)."""

    pairs: tuple[tuple[str, Any], ...]
    more: int = 0
    kind: str = "mapping"


@frozen
class TableView:
    """A list of records with shared keys, such as rooms: one row per record."""

    columns: tuple[str, ...]
    rows: tuple[tuple[TextView, ...], ...]
    more: int = 0
    kind: str = "table"


def scalar(value: Any) -> TextView:
    """A single value in words a reader knows: ``none``, ``yes``/``no``, ``empty``, or the text, clipped.

    Public because html_report.py draws the room table's cells with it too: they read as the evidence does.
    """
    if value is None:
        return TextView("none", muted=True)
    if value is True:
        return TextView("yes")
    if value is False:
        return TextView("no")
    if value == "":
        return TextView("empty", muted=True)
    return TextView(display(value, VALUE_LIMIT))


def _compact(value: Any) -> TextView:
    """A nested value too deep or too wide for a table cell, as clipped one-line JSON."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return TextView(display(text, VALUE_LIMIT, single_line=True))


def _cell(value: Any) -> TextView:
    return _compact(value) if isinstance(value, dict | list) else scalar(value)


def evidence_view(value: Any, depth: int = 0) -> Any:
    """The view of a JSON-safe ``value``: a table for a list of records, key/value for a dict."""
    if isinstance(value, dict):
        if not value:
            return TextView("none", muted=True)
        if depth >= MAX_DEPTH:
            return _compact(value)
        pairs = tuple((display(key, NAME_LIMIT, single_line=True), evidence_view(item, depth + 1))
                      for key, item in list(value.items())[:MAX_ROWS])
        return MappingView(pairs, more=max(len(value) - MAX_ROWS, 0))
    if isinstance(value, list):
        if not value:
            return TextView("none", muted=True)
        if depth >= MAX_DEPTH:
            return _compact(value)
        shown = value[:MAX_ROWS]
        more = max(len(value) - MAX_ROWS, 0)
        if all(isinstance(item, dict) and item for item in shown):
            columns: list[str] = []
            for record in shown:
                columns += [key for key in record if key not in columns]
            columns = columns[:MAX_COLUMNS]
            rows = tuple(tuple(_cell(record.get(column)) for column in columns) for record in shown)
            names = tuple(display(column, NAME_LIMIT, single_line=True) for column in columns)
            return TableView(names, rows, more=more)
        return ListView(tuple(evidence_view(item, depth + 1) for item in shown), more=more)
    return scalar(value)
