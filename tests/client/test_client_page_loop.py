"""The one page loop (topdesk_preflight.client.paging), fed by a fake ``fetch``: no server.

Each paging style is a PagingStyle value; these tests read as what each style sends and when it stops.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from topdesk_preflight.client.paging import PAGING_PARAMETERS, STYLES, ItemPages, PagingStyle, follow
from topdesk_preflight.client.response import ApiResponse
from topdesk_preflight.errors import BadResponseError, HTTPStatusError
from topdesk_preflight.paging import Paging


def answer(status: int, data: Any = None, path: str = "/operators") -> ApiResponse:
    body = b"" if data is None else json.dumps(data).encode()
    return ApiResponse(status=status, path=path, headers={}, body=body, content_type="application/json",
                       elapsed_s=0.0)


class Server:
    """Hands out the prepared answers in order and remembers what was asked."""

    def __init__(self, *answers: ApiResponse) -> None:
        self.answers = list(answers)
        self.asked: list[list[tuple[str, Any]]] = []

    def __call__(self, path: str, params: list[tuple[str, Any]], headers: dict[str, str]) -> ApiResponse:
        self.asked.append(params)
        return self.answers.pop(0)


def items(n: int, first: int = 0) -> list[dict]:
    return [{"id": str(i)} for i in range(first, first + n)]


def run(paging: Paging, server: Server, *, page_size: int | None = None, max_pages: int = 50,
        base: list[tuple[str, Any]] | None = None) -> tuple[list[dict], ItemPages]:
    pages = ItemPages(lambda p: follow(p, server, "/operators", STYLES[paging], base=base or [],
                                       page_size=page_size, max_pages=max_pages, headers={}))
    return list(pages), pages


class TestStart:
    def test_pages_by_start_and_page_size_while_the_answer_is_206_and_full(self):
        server = Server(answer(206, items(2)), answer(206, items(2, 2)), answer(200, items(1, 4)))
        got, pages = run(Paging.START, server, page_size=2, base=[("query", "x")])
        assert [i["id"] for i in got] == ["0", "1", "2", "3", "4"]
        assert server.asked == [[("query", "x"), ("start", 0), ("page_size", 2)],
                                [("query", "x"), ("start", 2), ("page_size", 2)],
                                [("query", "x"), ("start", 4), ("page_size", 2)]]
        assert pages.pages == 3 and pages.count == 5 and not pages.truncated

    def test_the_page_size_is_capped_at_topdesk_s_maximum(self):
        server = Server(answer(200, items(1)))
        run(Paging.START, server, page_size=5000)
        assert server.asked == [[("start", 0), ("page_size", 100)]]

    def test_204_means_no_more(self):
        server = Server(answer(206, items(2)), answer(204))
        got, pages = run(Paging.START, server, page_size=2)
        assert len(got) == 2 and pages.pages == 2


class TestPageStart:
    def test_follows_next_in_the_body(self):
        server = Server(answer(200, {"item": items(2), "next": "/persons?pageStart=2"}),
                        answer(200, {"item": items(1, 2)}))
        got, _ = run(Paging.PAGE_START, server, page_size=2)
        assert len(got) == 3
        assert server.asked[1] == [("pageStart", 2), ("pageSize", 2)]

    def test_an_empty_page_ends_the_list_even_when_next_says_more(self):
        server = Server(answer(206, {"item": [], "next": "x"}))
        got, pages = run(Paging.PAGE_START, server, page_size=2)
        assert got == [] and pages.pages == 1


class TestOneRequestStyles:
    def test_top_sends_top_and_a_206_means_topdesk_cut_the_list(self, caplog):
        caplog.set_level(logging.WARNING, logger="topdesk_preflight.client")
        server = Server(answer(206, {"results": items(3)}, path="/reservations?$top=3"))
        got, pages = run(Paging.TOP, server, page_size=3)
        assert len(got) == 3 and pages.truncated and server.asked == [[("$top", 3)]]
        assert "TOPdesk returned only the first 3 items (206)" in caplog.text

    def test_whole_sends_no_paging_parameters_and_reads_results_or_item(self):
        server = Server(answer(200, {"item": items(4)}))
        got, pages = run(Paging.WHOLE, server, base=[("$fields", "id")])
        assert len(got) == 4 and pages.pages == 1 and server.asked == [[("$fields", "id")]]


def test_max_pages_stops_the_list_and_says_so(caplog):
    caplog.set_level(logging.WARNING, logger="topdesk_preflight.client")
    server = Server(*[answer(206, items(2, 2 * n)) for n in range(5)])
    got, pages = run(Paging.START, server, page_size=2, max_pages=2)
    assert len(got) == 4 and pages.truncated and pages.pages == 2
    assert "/operators: stopped after 2 pages (4 items); the list may be longer." in caplog.text


def test_an_error_status_raises_its_typed_error():
    with pytest.raises(HTTPStatusError):
        run(Paging.START, Server(answer(403, {"message": "no"})))


def test_an_answer_that_is_not_a_list_of_records_is_refused():
    with pytest.raises(BadResponseError, match="JSON object where a JSON array was expected"):
        run(Paging.START, Server(answer(200, {"results": items(1)})))


def test_a_style_is_data_parameter_names_limits_and_where_the_list_sits():
    assert STYLES[Paging.START].page_size(None) == 100 and STYLES[Paging.START].page_size(7) == 7
    assert STYLES[Paging.PAGE_START].page_size(None) == 1000
    assert PagingStyle("from", "n", 10).params(20, 10) == [("from", 20), ("n", 10)]
    assert PAGING_PARAMETERS == {"start", "page_size", "pageStart", "pageSize", "$top"}
