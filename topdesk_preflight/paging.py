"""How each TOPdesk list endpoint pages, kept apart from the client so checks can name a style
without importing requests (``--list-checks`` imports every check module and must stay fast)."""

from __future__ import annotations

import enum


class Paging(enum.Enum):
    """How a list endpoint pages (docs/topdesk-api.md §3.1): it differs per endpoint."""

    START = "start"  # start/page_size (≤100): 206 = more, 204 = none (operators, persons v1, suppliers)
    PAGE_START = "pageStart"  # pageStart/pageSize: body {item,size,next} (persons v2) or a list
    TOP = "$top"  # $top: body {"results": [...]} (reservations, lookups); one request
    WHOLE = "whole"  # one request, the whole list (branches, locations, searchlists)
