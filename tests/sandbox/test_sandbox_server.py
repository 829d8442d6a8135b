"""The sandbox server: injected faults, the request log, read-only enforcement and the TLS variants."""

from __future__ import annotations

import time

import pytest
import requests

from topdesk_preflight.sandbox import Fault


class TestFaults:
    def test_a_flaky_endpoint_fails_once_then_recovers(self, api) -> None:
        api.sb.inject("/tas/api/locations", Fault.status(503, times=1))
        assert api.get("/locations").status_code == 503
        assert api.get("/locations").status_code == 200

    def test_times_none_fails_always_and_globs_match_sub_paths(self, api) -> None:
        api.sb.inject("/tas/api/operators*", Fault.status(500))
        assert [api.get(p).status_code for p in ("/operators", "/operators/current", "/operators/current")] == [500] * 3
        assert api.get("/version").status_code == 200
        api.sb.clear_faults()
        assert api.get("/operators/current").status_code == 200

    def test_status_with_custom_body_and_headers(self, api) -> None:
        api.sb.inject("/tas/api/version", Fault.status(502, body="Bad gateway", headers={"X-Proxy": "edge"}))
        response = api.get("/version")
        assert (response.status_code, response.text, response.headers["X-Proxy"]) == (502, "Bad gateway", "edge")

    @pytest.mark.parametrize("retry_after", ["2", "Wed, 21 Oct 2015 07:28:00 GMT"])
    def test_rate_limit_sends_429_with_retry_after(self, api, retry_after) -> None:
        api.sb.inject("/tas/api/version", Fault.rate_limit(retry_after=retry_after, times=1))
        response = api.get("/version")
        assert response.status_code == 429 and response.headers["Retry-After"] == retry_after

    def test_latency_fault_and_global_latency_delay_the_answer(self, api) -> None:
        api.sb.inject("/tas/api/version", Fault.latency(0.3, times=1))
        started = time.perf_counter()
        assert api.get("/version").status_code == 200
        assert time.perf_counter() - started >= 0.3
        api.sb.latency = 0.2
        started = time.perf_counter()
        api.get("/productVersion")
        assert time.perf_counter() - started >= 0.2

    def test_drop_closes_the_connection_without_an_answer(self, api) -> None:
        api.sb.inject("/tas/api/version", Fault.drop(times=1))
        with pytest.raises(requests.ConnectionError):
            api.get("/version")
        assert api.sb.requests[-1].status is None
        assert api.get("/version").status_code == 200

    def test_html_login_page_instead_of_json(self, api) -> None:
        api.sb.inject("/tas/api/version", Fault.html())
        response = api.get("/version")
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
        assert "<form" in response.text

    def test_invalid_json_wrong_shape_and_empty_body(self, api) -> None:
        api.sb.inject("/tas/api/version", Fault.invalid_json(times=1))
        with pytest.raises(ValueError):
            api.get("/version").json()
        api.sb.inject("/tas/api/branches", Fault.wrong_shape(times=1))
        assert api.get("/branches").json() == "unexpected"
        api.sb.inject("/tas/api/locations", Fault.empty_body(times=1))
        empty = api.get("/locations")
        assert empty.status_code == 200 and empty.content == b""

    def test_slow_body_sends_headers_first_then_trickles(self, api) -> None:
        api.sb.inject("/tas/api/branches", Fault.slow_body(0.4, times=1))
        started = time.perf_counter()
        response = api.session.get(f"{api.sb.url}/tas/api/branches", auth=(api.sb.login, api.sb.password),
                                   verify=api.sb.ca_file, timeout=10, stream=True)
        headers_after = time.perf_counter() - started
        body = response.content
        assert headers_after < 0.3 and time.perf_counter() - started >= 0.35
        assert len(body) == int(response.headers["Content-Length"])
        assert body == api.get("/branches").content  # the real answer, only slow


class TestRequestLog:
    def test_every_request_is_logged_without_the_authorization_header(self, api) -> None:
        api.get("/locations", params={"$fields": "id,name"}, headers={"Accept": "application/json"})
        entry = api.sb.requests[-1]
        assert (entry.method, entry.path, entry.query, entry.status) == ("GET", "/tas/api/locations",
                                                                       "%24fields=id%2Cname", 200)
        assert entry.headers["accept"] == "application/json"
        assert entry.bytes_sent > 0 and entry.duration_s >= 0 and not entry.flagged
        assert all("authorization" not in {k.lower() for k in e.headers} for e in api.sb.requests)
        assert api.sb.password not in repr(api.sb.requests)

    @pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
    @pytest.mark.sends_writes
    def test_writes_are_refused_with_405_and_flagged(self, api, method) -> None:
        response = api.request(method, "/operators", json={"surName": "x"})
        assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
        assert [e.flagged for e in api.sb.requests] == [True]

    def test_clear_requests_empties_the_log(self, api) -> None:
        api.get("/version")
        api.sb.clear_requests()
        assert api.sb.requests == []


class TestTls:
    def test_the_sandbox_ca_is_trusted_and_without_it_verification_fails(self, api) -> None:
        assert api.get("/version").status_code == 200
        # the same call must fail when the CA is not given: the success above needed it
        with pytest.raises(requests.exceptions.SSLError):
            api.get("/version", verify=True)

    @pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
    @pytest.mark.parametrize("variant", ["expired", "wrong_host"])
    def test_bad_certificates_fail_verification_even_with_the_ca(self, start, variant) -> None:
        sb, api = start("healthy", tls=variant)
        with pytest.raises(requests.exceptions.SSLError):
            api.get("/version")
        assert api.get("/version", verify=False).status_code == 200  # only the certificate is wrong

    def test_expiring_certificate_still_verifies(self, start) -> None:
        sb, api = start("healthy", tls="expiring")
        assert api.get("/version").status_code == 200

    def test_plain_http(self, start) -> None:
        sb, api = start("healthy", tls=False)
        assert sb.url.startswith("http://127.0.0.1:") and sb.ca_file is None
        assert api.get("/version").status_code == 200

    def test_settings_point_at_the_sandbox(self, healthy) -> None:
        settings = healthy.settings(timeout=3.0)
        assert settings.url == healthy.url and settings.username == "hcp-svc"
        assert settings.password.reveal() == healthy.password
        assert (settings.branch, settings.email, settings.ca_bundle) == ("HQ Stockholm", "hcp@acme.example",
                                                                          healthy.ca_file)
        assert settings.timeout == 3.0
