"""The report says where it looked from, and never leaks a proxy's credentials."""

from __future__ import annotations

from topdesk_preflight import vantage


def test_private_and_public_addresses_are_told_apart():
    block = vantage.describe("https://acme.topdesk.net", ["10.1.2.3", "192.168.0.9"])
    assert block["private_network"] is True
    assert block["resolved_addresses"][0] == {"address": "10.1.2.3", "private": True, "loopback": False}
    assert vantage.describe("https://acme.topdesk.net", ["10.1.2.3", "8.8.8.8"])["private_network"] is False


def test_the_statement_sends_people_to_the_hcp_server():
    assert "run topdesk-preflight on the HCP server" in vantage.describe("https://a.example")["statement"]


def test_proxy_from_the_environment_is_reported_without_credentials(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://alice:s3cret@proxy.corp.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    block = vantage.describe("https://acme.topdesk.net")
    assert block["proxy"] == "http://proxy.corp.example:3128"
    assert "s3cret" not in repr(block)


def test_no_proxy_bypasses(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "acme.topdesk.net")
    assert vantage.describe("https://acme.topdesk.net")["proxy"] is None


def test_unparseable_addresses_are_ignored():
    assert vantage.classify(["not-an-ip", "::1"]) == [{"address": "::1", "private": True, "loopback": True}]
