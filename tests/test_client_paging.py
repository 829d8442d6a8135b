"""iter_items: every TOPdesk paging style (docs/topdesk-api.md §3.1), 206/204, and the page cap."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import pytest
import tenacity

from topdesk_preflight.client import PERSON_V2_COLLECTION, Paging, TopdeskClient
from topdesk_preflight.errors import BadResponseError, NotTopdeskError, PermissionDenied
from topdesk_preflight.sandbox import Fault

OPERATORS = "/tas/api/operators"


@pytest.fixture
def client(sb):
    with TopdeskClient(sb.settings(retries=0), retry_wait=tenacity.wait_none()) as client:
        yield client


def _ids(items):
    return [item["id"] for item in items]


def _query(entry) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(entry.query).items()}


class TestStartPageSize:
    def test_follows_206_until_a_200_page(self, client, sb):
        everything = client.get_json("/operators", {"page_size": 100})
        assert len(everything) >= 3
        sb.clear_requests()
        pages = client.iter_items("/operators", paging=Paging.START, page_size=1)
        assert _ids(pages) == _ids(everything)
        assert pages.pages == len(everything) and not pages.truncated and pages.count == len(everything)
        assert [e.status for e in sb.requests] == [206] * (len(everything) - 1) + [200]
        assert [_query(e)["start"] for e in sb.requests] == [str(i) for i in range(len(everything))]

    def test_204_means_no_items(self, client, sb):
        pages = client.iter_items("/operators", paging=Paging.START,
                                  params={"query": 'loginName=="nobody-has-this-login"'})
        assert list(pages) == [] and pages.pages == 1
        assert sb.requests[-1].status == 204

    def test_206_then_204_on_the_next_page_ends_the_list(self, client, sb):
        full_page = [{"id": f"op-{i}"} for i in range(100)]
        sb.inject(OPERATORS, Fault.status(206, body=full_page, times=1))
        pages = client.iter_items("/operators", paging=Paging.START)
        assert _ids(pages) == _ids(full_page)
        assert [(e.status, _query(e)["start"]) for e in sb.requests] == [(206, "0"), (204, "100")]

    def test_a_short_206_page_is_the_last(self, client, sb):
        sb.inject(OPERATORS, Fault.status(206, body=[{"id": "only"}], times=1))
        assert _ids(client.iter_items("/operators", paging=Paging.START, page_size=2)) == ["only"]
        assert len(sb.requests) == 1

    def test_page_size_is_capped_at_topdesks_maximum(self, client, sb):
        list(client.iter_items("/operators", paging=Paging.START, page_size=500))
        assert _query(sb.requests[0])["page_size"] == "100"
        assert sb.requests[0].status in (200, 206)

    def test_page_cap_stops_warns_and_says_truncated(self, client, sb, caplog):
        caplog.set_level(logging.WARNING, logger="topdesk_preflight.client")
        pages = client.iter_items("/operators", paging=Paging.START, page_size=1, max_pages=2)
        items = list(pages)
        assert len(items) == 2 and pages.truncated and pages.pages == 2
        assert len(sb.requests) == 2
        assert any("stopped after 2 pages" in r.getMessage() for r in caplog.records)

    def test_caller_params_are_kept_and_paging_params_replaced(self, client, sb):
        list(client.iter_items("/operators", paging=Paging.START,
                               params={"fields": "id", "start": 99, "page_size": 7}))
        assert _query(sb.requests[0]) == {"fields": "id", "start": "0", "page_size": "100"}


class TestPageStartPersonsV2:
    def test_pages_with_pagestart_and_the_v2_accept_header(self, client, sb):
        everything = client.get_json("/persons", {"pageSize": 5000}, headers={"Accept": PERSON_V2_COLLECTION})
        assert everything["next"] is None and len(everything["item"]) >= 3
        sb.clear_requests()
        pages = client.iter_items("/persons", paging=Paging.PAGE_START, page_size=2)
        assert _ids(pages) == _ids(everything["item"])
        expected_pages = -(-len(everything["item"]) // 2)
        assert pages.pages == expected_pages and not pages.truncated
        assert all(e.headers["accept"] == PERSON_V2_COLLECTION for e in sb.requests)
        assert [_query(e)["pageStart"] for e in sb.requests] == [str(2 * i) for i in range(expected_pages)]

    def test_page_cap(self, client, sb):
        pages = client.iter_items("/persons", paging=Paging.PAGE_START, page_size=1, max_pages=1)
        assert len(list(pages)) == 1 and pages.truncated and len(sb.requests) == 1


class TestTop:
    def test_results_wrapper_in_one_request(self, client, sb):
        pages = client.iter_items("/reservations", paging=Paging.TOP)
        items = list(pages)
        assert items and {"id", "status", "plannedStartDate"} <= set(items[0]) and not pages.truncated
        assert _query(sb.requests[0])["$top"] == "1000" and len(sb.requests) == 1

    def test_206_means_topdesk_cut_the_list(self, client, sb, caplog):
        # "larger than could be shown; request again with a later plannedStartDate" [C-spec §7]
        sb.inject("/tas/api/reservations", Fault.status(206, body={"results": [{"id": "r1"}]}))
        caplog.set_level(logging.WARNING, logger="topdesk_preflight.client")
        pages = client.iter_items("/reservations", paging=Paging.TOP, page_size=1)
        assert _ids(pages) == ["r1"] and pages.truncated
        assert _query(sb.requests[0])["$top"] == "1" and sb.requests[0].status == 206
        assert any("206" in r.getMessage() for r in caplog.records)

    def test_reservable_locations(self, client, sb):
        branch = client.get_json("/branches", {"query": f'name=="{sb.state.branch}"'})[0]
        items = list(client.iter_items("/reservableLocations", paging=Paging.TOP,
                                       params=[("branchId", branch["id"])]))
        assert items and all(item["branch"]["id"] == branch["id"] for item in items)


class TestWhole:
    def test_one_request_for_the_whole_list(self, client, sb):
        pages = client.iter_items("/branches", paging=Paging.WHOLE, params={"$fields": "id,name,status"})
        items = list(pages)
        assert sb.state.branch in {b["name"] for b in items}
        assert set(items[0]) == {"id", "name", "status"}
        assert len(sb.requests) == 1 and pages.pages == 1

    def test_wrong_shape_is_a_bad_response(self, client, sb):
        sb.inject("/tas/api/branches", Fault.wrong_shape())
        with pytest.raises(BadResponseError, match="where a list was expected"):
            list(client.iter_items("/branches", paging=Paging.WHOLE))

    def test_object_where_a_list_belongs_is_a_bad_response(self, client, sb):
        sb.inject("/tas/api/locations", Fault.status(200, body={"unexpected": True}))
        with pytest.raises(BadResponseError, match="JSON object where a JSON array"):
            list(client.iter_items("/locations", paging=Paging.WHOLE))

    def test_html_instead_of_the_list_is_not_topdesk(self, client, sb):
        sb.inject("/tas/api/locations/types", Fault.html())
        with pytest.raises(NotTopdeskError):
            list(client.iter_items("/locations/types", paging=Paging.WHOLE))


def test_error_status_while_paging_raises_the_typed_error(sb):
    sb.load("no_supporting_files_read")
    try:
        with TopdeskClient(sb.settings(retries=0)) as client:
            with pytest.raises(PermissionDenied) as caught:
                list(client.iter_items("/operators", paging=Paging.START))
        assert caught.value.status == 403 and caught.value.messages
    finally:
        sb.load("healthy")


def test_requests_happen_lazily_during_iteration(client, sb):
    pages = client.iter_items("/operators", paging=Paging.START, page_size=1)
    assert sb.requests == []
    next(pages)
    assert len(sb.requests) == 1
    pages.close()
