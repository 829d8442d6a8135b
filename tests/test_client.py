"""TopdeskClient basics over real HTTPS on 127.0.0.1: what it sends, what it returns, what it records."""

from __future__ import annotations

import threading

import pytest
import tenacity

from topdesk_preflight.client import (
    USER_AGENT,
    ApiResponse,
    TopdeskClient,
    parse_retry_after,
)
from datetime import UTC


@pytest.fixture
def client(sb):
    with TopdeskClient(sb.settings(retries=1), retry_wait=tenacity.wait_none()) as client:
        yield client


def test_get_json_returns_topdesk_version_over_verified_https(client, sb):
    assert client.get_json("/version") == {"version": sb.state.version}


def test_fetch_gives_status_relative_path_headers_and_body(client):
    response = client.fetch("/operators", {"start": 0, "page_size": 1, "fields": "id,loginName"})
    assert isinstance(response, ApiResponse)
    assert response.status == 206
    assert response.path == "/tas/api/operators?start=0&page_size=1&fields=id,loginName"
    assert response.is_json and not response.is_html
    assert response.headers["content-type"] == response.headers["Content-Type"]
    assert list(response.json()[0]) == ["id", "loginName"]
    assert response.elapsed_s > 0


def test_fiql_query_is_sent_readably_and_understood(client, sb):
    query = f'loginName=="{sb.login}";archived==false'
    operators = client.get_json("/operators", {"query": query, "fields": "loginName"})
    assert operators == [{"loginName": sb.login}]
    assert sb.requests[-1].query == "query=loginName==%22hcp-svc%22;archived==false&fields=loginName"


def test_sends_user_agent_accept_and_basic_auth(client, sb):
    client.fetch("/version")
    (entry,) = sb.requests
    assert entry.headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("topdesk-preflight/") and "(+HCP readiness check)" in USER_AGENT
    assert entry.headers["accept"] == "application/json"
    assert entry.status == 200  # the sandbox authenticated the Basic credentials


def test_caller_headers_override_accept(client, sb):
    client.fetch("/persons", {"pageSize": 1}, headers={"Accept": "application/x.topdesk-collection-person-v2+json"})
    assert sb.requests[-1].headers["accept"] == "application/x.topdesk-collection-person-v2+json"


def test_head_is_allowed_and_has_no_body(client, sb):
    response = client.head("/version")
    assert response.status == 200 and response.body == b""
    assert sb.requests[-1].method == "HEAD"


def test_services_paths_are_relative_to_the_instance_root(client, sb):
    response = client.fetch("/services/permissions/roles")
    assert response.path == "/services/permissions/roles"
    assert sb.requests[-1].path == "/services/permissions/roles"


def test_absolute_urls_are_refused_so_credentials_stay_with_the_instance(client, sb):
    with pytest.raises(ValueError):
        client.fetch("https://elsewhere.example/tas/api/version")
    with pytest.raises(ValueError):
        client.fetch("version")
    assert sb.requests == []


def test_204_decodes_to_none(client, sb):
    assert client.get_json("/operators", {"start": 10_000}) is None
    assert sb.requests[-1].status == 204


def test_allowed_status_returns_its_json_instead_of_raising(client):
    assert client.get_json("/operators/id/not-a-uuid", allow_statuses=(400, 404)) is not None


def test_request_log_and_recording_are_per_thread(client):
    seen: dict[str, list] = {}

    def work(name: str, path: str) -> None:
        with client.recording() as records:
            client.fetch(path)
            client.fetch(path)
        seen[name] = records

    threads = [threading.Thread(target=work, args=("a", "/version")),
               threading.Thread(target=work, args=("b", "/productVersion"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.path for r in seen["a"]] == ["/tas/api/version"] * 2
    assert [r.path for r in seen["b"]] == ["/tas/api/productVersion"] * 2
    assert len(client.request_log) == 4
    record = seen["a"][0]
    assert record.method == "GET" and record.status == 200 and record.bytes > 0 and record.error is None


def test_nested_recordings_both_collect(client):
    with client.recording() as outer:
        client.fetch("/version")
        with client.recording() as inner:
            client.fetch("/productVersion")
    assert [r.path for r in outer] == ["/tas/api/version", "/tas/api/productVersion"]
    assert [r.path for r in inner] == ["/tas/api/productVersion"]


def test_debug_log_line_per_attempt(client, caplog):
    caplog.set_level("DEBUG", logger="topdesk_preflight.http")
    client.fetch("/version", {"a": "b"})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "topdesk_preflight.http"]
    assert line.startswith("GET /tas/api/version?a=b -> 200, ")
    assert " B, " in line and " ms, attempt 1/2" in line


def test_closed_client_refuses(sb):
    client = TopdeskClient(sb.settings())
    client.close()
    with pytest.raises(RuntimeError):
        client.fetch("/version")


def test_repr_shows_no_secret(client, sb):
    assert sb.password not in repr(client)


def test_parse_retry_after_both_forms():
    from datetime import datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:07 GMT", now=now) == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0  # in the past: no wait
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_one_client_serves_concurrent_checks_within_its_pool(sb, caplog):
    caplog.set_level("WARNING", logger="urllib3")
    with TopdeskClient(sb.settings(concurrency=8)) as client:
        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.extend(client.fetch("/version").status for _ in range(3)))
                   for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == [200] * 24
    assert len(client.request_log) == 24
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
