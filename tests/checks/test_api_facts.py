"""What /version and /productVersion answered, as the typed answers api.reachable judges.

docs/topdesk-api.md §2.2: /version is the REST API's version, /productVersion the TOPdesk release.
"""

from __future__ import annotations

import json

import pytest
from facts_context import facts_context, paths

from topdesk_preflight.checks._api_facts import (
    ProductVersionAnswer, Redirect, VersionAnswer, product_version_response, version_response,
)
from topdesk_preflight.checks._unknown import Unknown
from topdesk_preflight.client.response import ApiResponse
from topdesk_preflight.errors import TopdeskError
from topdesk_preflight.sandbox.faults import Fault

VERSION = "/tas/api/version"
PRODUCT = "/tas/api/productVersion"
JSON = "application/json;charset=UTF-8"


def answer(status: int, body: object = b"", content_type: str = JSON, path: str = VERSION,
           **headers: str) -> ApiResponse:
    """A fully read answer, as the client hands it to the facts (no connection needed)."""
    if isinstance(body, bytes):
        raw = body
    else:
        raw = (body if isinstance(body, str) else json.dumps(body)).encode()
    return ApiResponse(status=status, path=path, headers=headers, body=raw, content_type=content_type,
                       elapsed_s=0.0)


# ------------------------------------------------------------------------------------ /version answers

def test_a_200_with_a_version_gives_the_rest_api_version():
    version = VersionAnswer.from_response(answer(200, {"version": "3.7.4"}))
    assert (version.status, version.api_version, version.unreadable_json) == (200, "3.7.4", None)
    assert version.is_json and not version.is_html and version.redirect is None and not version.topdesk_refusal


def test_json_without_a_version_leaves_it_unknown():
    for body in ({"status": "UP"}, {"version": "  "}, {"version": 3}, ["3.7.4"]):
        assert VersionAnswer.from_response(answer(200, body)).api_version == Unknown("the answer has no version")


def test_a_json_label_on_an_empty_or_cut_off_body_says_which():
    assert VersionAnswer.from_response(answer(200, b"")).unreadable_json == "an empty body"
    assert VersionAnswer.from_response(answer(200, b'{"version": "3.')).unreadable_json == "invalid JSON"


def test_topdesks_refusal_shapes_are_recognised_on_401_and_403_only():
    for body in ([{"message": "Invalid Credentials"}], {"errors": [{"errorCode": "x"}]},
                 [{"errors": [{"errorMessage": "no"}]}]):
        assert VersionAnswer.from_response(answer(401, body)).topdesk_refusal
        assert VersionAnswer.from_response(answer(403, body)).topdesk_refusal
        assert not VersionAnswer.from_response(answer(400, body)).topdesk_refusal
    text = answer(401, "No valid authentication token provided", content_type="text/plain")
    assert VersionAnswer.from_response(text).topdesk_refusal
    assert not VersionAnswer.from_response(answer(401, [{"status": "nope"}])).topdesk_refusal
    assert not VersionAnswer.from_response(answer(401, b"")).topdesk_refusal


def test_an_html_401_is_topdesks_by_its_sentence_or_its_title_never_another_servers_page():
    french = ("<html><head><title>État HTTP 401 – Non autorisé</title></head>"
              "<body>La requête nécessite une authentification HTTP.</body></html>")
    portal = "<html><head><title>Sign in - Contoso portal</title></head><body>Please sign in</body></html>"
    english = "<html><body>The request lacks valid authentication\n credentials for the target</body></html>"
    assert VersionAnswer.from_response(answer(401, french, content_type="text/html")).topdesk_refusal
    assert VersionAnswer.from_response(answer(401, english, content_type="text/html")).topdesk_refusal
    foreign = VersionAnswer.from_response(answer(401, portal, content_type="text/html"))
    assert not foreign.topdesk_refusal and foreign.is_html and foreign.messages[0] == "Sign in - Contoso portal"


def test_a_redirect_names_the_host_it_points_to_never_its_token():
    moved = VersionAnswer.from_response(answer(302, b"", content_type="",
                                               Location="https://sso.example.net/login?token=abc"))
    assert isinstance(moved.redirect, Redirect) and moved.redirect.target == "sso.example.net"
    assert "redirecting to sso.example.net" in moved.redirect.text and "token" not in moved.redirect.text
    assert isinstance(moved.api_version, Unknown)


# ------------------------------------------------------------------------------- /productVersion answers

def test_the_product_version_is_major_minor_patch_as_numbers():
    assert ProductVersionAnswer.from_response(
        answer(200, {"major": 16, "minor": "06", "patch": "7"}, path=PRODUCT)).version == "16.6.7"


@pytest.mark.parametrize("body", [{"major": 16, "minor": 6}, {"major": 16, "minor": 6, "patch": "7a"},
                                  ["16", "6", "7"], b"", {"major": None, "minor": 6, "patch": 7}])
def test_a_product_version_that_is_not_three_numbers_is_unknown(body):
    product = ProductVersionAnswer.from_response(answer(200, body, path=PRODUCT))
    assert product.status == 200 and isinstance(product.version, Unknown)


def test_a_product_version_refused_keeps_its_status():
    product = ProductVersionAnswer.from_response(answer(404, [{"message": "Not found"}], path=PRODUCT))
    assert product.status == 404 and isinstance(product.version, Unknown)


# ------------------------------------------------------------------------------------ over the sandbox

def test_a_healthy_sandbox_answers_both_versions_each_asked_once(sandbox_factory):
    sb = sandbox_factory("healthy")
    with facts_context(sb) as ctx:
        version = version_response(ctx)
        product = product_version_response(ctx)
        assert version_response(ctx) is version and product_version_response(ctx) is product
    assert version.api_version == sb.state.version and version.path == VERSION
    assert product.version == "16.6.7"
    assert paths(sb) == [VERSION, PRODUCT]


def test_a_refused_login_is_an_answer_with_topdesks_refusal_not_an_error(sandbox_factory):
    sb = sandbox_factory("login_disabled")
    with facts_context(sb) as ctx:
        version = version_response(ctx)
    assert version.status == 401 and version.topdesk_refusal and isinstance(version.api_version, Unknown)


def test_topdesks_own_html_401_page_is_its_refusal(sandbox_factory):
    sb = sandbox_factory("no_api_access")
    with facts_context(sb) as ctx:
        version = version_response(ctx)
    assert version.status == 401 and version.is_html and version.topdesk_refusal


def test_a_dropped_connection_is_raised_not_answered(sandbox_factory):
    sb = sandbox_factory("healthy")
    sb.inject(VERSION, Fault.drop())
    with facts_context(sb) as ctx, pytest.raises(TopdeskError):
        version_response(ctx)
