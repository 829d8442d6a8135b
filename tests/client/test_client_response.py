"""Response values (topdesk_preflight.client.response): what a body means, without a server."""

from __future__ import annotations

import pytest

from topdesk_preflight.client.response import ApiResponse, decode, records
from topdesk_preflight.errors import BadResponseError, HTTPStatusError, NotTopdeskError


def answer(status: int = 200, body: bytes = b"[]", ctype: str = "application/json",
           method: str = "GET") -> ApiResponse:
    return ApiResponse(status=status, path="/branches", headers={"Retry-After": "3"}, body=body, content_type=ctype,
                       elapsed_s=0.0, method=method)


class TestRecords:
    def test_none_is_no_records(self):
        assert records(None, answer()) == []

    def test_a_bare_array_of_objects(self):
        assert records([{"id": "1"}], answer()) == [{"id": "1"}]

    def test_the_array_under_one_of_the_keys(self):
        assert records({"results": [{"id": "1"}]}, answer(), ("item", "results")) == [{"id": "1"}]

    def test_an_object_without_the_array_names_what_was_expected(self):
        with pytest.raises(BadResponseError) as caught:
            records({"id": "1"}, answer(), ("results",))
        assert caught.value.message == ('GET /branches answered 200 with a JSON object where a JSON array or '
                                        '{"results": [...]} was expected.')
        assert caught.value.path == "/branches"

    def test_a_string_is_not_a_list_whose_letters_could_be_read_as_records(self):
        with pytest.raises(BadResponseError, match="with JSON str where a list was expected"):
            records("abc", answer())

    def test_a_list_of_non_objects(self):
        with pytest.raises(BadResponseError, match="a list holding a int where objects were expected"):
            records([{"id": "1"}, 2], answer())


class TestDecode:
    def test_204_and_head_are_none(self):
        assert decode(answer(204, b"")) is None
        assert decode(answer(200, b"", method="HEAD")) is None

    def test_an_error_status_raises_unless_allowed(self):
        with pytest.raises(HTTPStatusError):
            decode(answer(404, b'{"message": "gone"}'))
        assert decode(answer(404, b'{"message": "gone"}'), allow_statuses=(404,)) == {"message": "gone"}
        assert decode(answer(404, b"<html></html>", "text/html"), allow_statuses=(404,)) is None

    def test_a_login_page_is_not_topdesk(self):
        with pytest.raises(NotTopdeskError, match="with an HTML page"):
            decode(answer(200, b"<!DOCTYPE html><title>Sign in</title>", ""))

    def test_an_empty_json_body_is_a_bad_answer(self):
        with pytest.raises(BadResponseError, match="empty body where JSON was expected"):
            decode(answer(200, b" "))

    def test_json_without_a_json_type_is_still_read(self):
        assert decode(answer(200, b'{"a": 1}', "text/plain")) == {"a": 1}


def test_retry_after_is_read_from_the_headers():
    assert answer().retry_after_s == 3.0
