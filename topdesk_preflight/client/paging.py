"""One page loop for every TOPdesk list endpoint, driven by a small :class:`PagingStyle` value.

Why a value and not a function per style: the four styles of ``topdesk_preflight.paging.Paging``
differ only in their parameter names, their size limits, where the list sits in the body and how
the answer says "there is more" (docs/topdesk-api.md §3.1). Written as data, the loop that follows them
(and its limits: ``max_pages``, the 206 truncation of ``$top``) exists once. No ``requests`` import.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterator

from attrs import frozen

from topdesk_preflight.client.response import ApiResponse, decode, records
from topdesk_preflight.paging import Paging

log = logging.getLogger("topdesk_preflight.client")

START_MAX_PAGE_SIZE = 100  # [C §3.1] over the max → 400
PAGE_START_DEFAULT_SIZE = 1000  # [C §3.1] max 5000
TOP_DEFAULT = 1000  # [C §3.1] default 1000, max 10000
PERSON_V2_COLLECTION = "application/x.topdesk-collection-person-v2+json"  # §3.1

Params = list[tuple[str, Any]]
#: How the loop asks for one page: ``fetch(path, params, headers)``; TopdeskClient.fetch fits.
Fetch = Callable[[str, Params, dict[str, str]], ApiResponse]


def _never(response: ApiResponse, data: Any) -> bool:
    return False


def _partial(response: ApiResponse, data: Any) -> bool:
    return response.status == 206


def _partial_or_next(response: ApiResponse, data: Any) -> bool:
    return response.status == 206 or (isinstance(data, dict) and bool(data.get("next")))


@frozen
class PagingStyle:
    """How one list endpoint pages.

    ``offset`` and ``size`` name the query parameters (None: not sent); ``offset`` None means one
    request. ``keys`` are where the list may sit in an object body. ``more(response, data)`` says a
    further page exists. ``partial_is_cut``: a 206 means TOPdesk itself cut the list short.
    """

    offset: str | None
    size: str | None
    default_size: int
    max_size: int | None = None
    keys: tuple[str, ...] = ()
    more: Callable[[ApiResponse, Any], bool] = _never
    partial_is_cut: bool = False

    def page_size(self, asked: int | None) -> int:
        size = asked or self.default_size
        return min(size, self.max_size) if self.max_size is not None else size

    def params(self, start: int, size: int) -> Params:
        pairs: Params = []
        if self.offset is not None:
            pairs.append((self.offset, start))
        if self.size is not None:
            pairs.append((self.size, size))
        return pairs


STYLES: dict[Paging, PagingStyle] = {
    # start/page_size (≤100): 206 = more, 204 = none (operators, persons v1, suppliers)
    Paging.START: PagingStyle("start", "page_size", START_MAX_PAGE_SIZE, max_size=START_MAX_PAGE_SIZE,
                              more=_partial),
    # pageStart/pageSize: body {item,size,next} (persons v2) or a list
    Paging.PAGE_START: PagingStyle("pageStart", "pageSize", PAGE_START_DEFAULT_SIZE, keys=("item",),
                                   more=_partial_or_next),
    # $top: body {"results": [...]}; one request, 206 when TOPdesk cut it ([C-spec §7])
    Paging.TOP: PagingStyle(None, "$top", TOP_DEFAULT, keys=("results",), partial_is_cut=True),
    # one request, the whole list
    Paging.WHOLE: PagingStyle(None, None, 0, keys=("results", "item")),
}

#: Paging parameters a caller may have written by hand; the loop sets its own.
PAGING_PARAMETERS = frozenset(name for style in STYLES.values() for name in (style.offset, style.size) if name)


class ItemPages(Iterator[dict]):
    """The items of a list endpoint, fetched page by page while you iterate.

    Requests happen during iteration (inside :meth:`TopdeskClient.recording` if you
    want them recorded). After iterating, ``truncated`` is True when ``max_pages`` (or,
    for ``$top`` endpoints, TOPdesk's own cap signalled by 206) cut the list short;
    ``pages`` counts the requests made and ``count`` the items yielded.
    """

    def __init__(self, produce: Callable[["ItemPages"], Iterator[dict]]) -> None:
        self.truncated = False
        self.pages = 0
        self.count = 0
        self._items = produce(self)

    def __iter__(self) -> "ItemPages":
        return self

    def __next__(self) -> dict:
        item = next(self._items)
        self.count += 1
        return item

    def close(self) -> None:
        self._items.close()  # type: ignore[attr-defined]


def follow(pages: ItemPages, fetch: Fetch, path: str, style: PagingStyle, *, base: Params,
           page_size: int | None, max_pages: int, headers: dict[str, str]) -> Iterator[dict]:
    """Yield every item, page by page, until the style says there is no more or ``max_pages`` is reached.

    A 204 is an empty (rest of the) list. A short page ends the list even when the server says more:
    it is the last one, and asking on would only repeat it on servers that ignore the offset.
    """
    size = style.page_size(page_size)
    start = 0
    while True:
        if pages.pages >= max_pages:
            pages.truncated = True
            log.warning("%s: stopped after %d pages (%d items); the list may be longer.", path, max_pages,
                        pages.count)
            return
        response = fetch(path, base + style.params(start, size), headers)
        pages.pages += 1
        if response.status == 204:  # [C §3.1] none (left)
            return
        data = decode(response)
        items = records(data, response, style.keys)
        if style.partial_is_cut and response.status == 206:
            pages.truncated = True
            log.warning("%s: TOPdesk returned only the first %d items (206).", response.path, len(items))
        yield from items
        if style.offset is None or not style.more(response, data) or not items or len(items) < size:
            return
        start += len(items)
