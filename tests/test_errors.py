"""errors.py: the error tree, typed errors per status, and TOPdesk's error bodies → messages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from topdesk_preflight import errors
from topdesk_preflight.errors import (
    AuthenticationError,
    HTTPStatusError,
    NotFound,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ServerError,
    TLSError,
    TopdeskError,
    error_for_status,
    parse_error_messages,
)

TOPDESK_401_PAGE = """<!DOCTYPE html><html><head><title>401 - Unauthorized</title>
<style>body{font-family:sans-serif}</style><script>var x = "not visible";</script></head>
<body><h1>Unauthorized</h1>
<p>The request has not been applied because it lacks valid authentication credentials.</p>
</body></html>"""


class TestParseErrorMessages:
    def test_error_response_array_of_messages(self):
        body = json.dumps([{"message": "No permission to create login credentials"}])
        assert parse_error_messages(body, "application/json") == ["No permission to create login credentials"]

    def test_error_response_entity_object(self):
        body = json.dumps({"errors": [{"errorCode": "forbidden", "appliesTo": [],
                                       "errorMessage": "No permission to see Room type"}]})
        assert parse_error_messages(body.encode(), "application/json") == ["No permission to see Room type [forbidden]"]

    def test_bare_array_of_error_descriptions_persons_v2(self):
        body = json.dumps([{"errorCode": "E1", "errorMessage": "Input parameters malformed"},
                           {"errorCode": "E2", "errorMessage": "Field sort unknown"}])
        assert parse_error_messages(body, "application/json") == ["Input parameters malformed [E1]",
                                                                  "Field sort unknown [E2]"]

    def test_plain_text_body(self):
        assert parse_error_messages(b"No valid authentication token provided\n", "text/plain") == \
            ["No valid authentication token provided"]

    def test_topdesk_html_page_gives_title_and_visible_text_not_scripts(self):
        messages = parse_error_messages(TOPDESK_401_PAGE, "text/html;charset=UTF-8")
        assert messages[0] == "401 - Unauthorized"
        assert "The request has not been applied because it lacks valid authentication credentials." in messages
        assert not any("not visible" in m or "font-family" in m for m in messages)

    def test_html_recognised_without_content_type(self):
        assert parse_error_messages(TOPDESK_401_PAGE, "")[0] == "401 - Unauthorized"

    def test_json_without_content_type_still_parsed(self):
        assert parse_error_messages('[{"message":"Entity not found"}]', "") == ["Entity not found"]

    def test_empty_body_has_no_messages(self):
        assert parse_error_messages(b"", "application/json") == []
        assert parse_error_messages(None, "") == []

    def test_long_text_is_shortened(self):
        (message,) = parse_error_messages("x" * 5000, "text/plain")
        assert len(message) <= 300 and message.endswith("…")

    def test_broken_json_falls_back_to_text(self):
        assert parse_error_messages(b'[{"message": "cut', "application/json") == ['[{"message": "cut']


class TestErrorForStatus:
    @pytest.mark.parametrize("status, cls", [(401, AuthenticationError), (403, PermissionDenied),
                                             (404, NotFound), (429, RateLimited), (500, ServerError),
                                             (503, ServerError), (400, HTTPStatusError)])
    def test_each_status_gets_its_class(self, status, cls):
        error = error_for_status(status, "/tas/api/x", [])
        assert type(error) is cls and error.status == status

    def test_message_names_method_path_status_and_topdesk_words(self):
        error = error_for_status(403, "/tas/api/reservations?$top=1",
                                 ["No permission to access the reservations management API"])
        assert str(error) == ("GET /tas/api/reservations?$top=1 answered 403 Forbidden: "
                              "No permission to access the reservations management API")
        assert error.path == "/tas/api/reservations?$top=1"
        assert error.messages == ["No permission to access the reservations management API"]
        assert error.hint

    def test_note_is_appended(self):
        error = error_for_status(429, "/tas/api/version", [], note="Retry-After asked for 30 s")
        assert str(error).endswith("(Retry-After asked for 30 s)")

    def test_401_hint_lists_the_indistinguishable_causes(self):
        hint = error_for_status(401, "/tas/api/operators/current", []).hint
        for cause in ("login name", "expired", "archived", "REST API"):
            assert cause in hint


def test_tree_shape():
    assert issubclass(errors.DNSError, errors.TransportError)
    assert issubclass(errors.ConnectError, errors.TransportError)
    assert issubclass(RequestTimeout, errors.TransportError)
    assert issubclass(TLSError, errors.TransportError)
    assert issubclass(errors.TransportError, TopdeskError)
    assert issubclass(errors.NotTopdeskError, TopdeskError)
    assert issubclass(errors.BadResponseError, TopdeskError)
    assert issubclass(errors.ReadOnlyViolation, TopdeskError)
    assert issubclass(AuthenticationError, HTTPStatusError)


def test_timeout_and_tls_carry_their_detail_and_a_matching_hint():
    assert RequestTimeout("x", phase="connect").phase == "connect"
    assert "firewall" in RequestTimeout("x", phase="connect").hint
    tls = TLSError("x", reason=errors.TLS_EXPIRED)
    assert tls.reason == "expired" and "renew" in tls.hint


def test_importing_errors_does_not_import_requests():
    code = "import sys, topdesk_preflight.errors; print('requests' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
