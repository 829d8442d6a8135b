"""api.reachable: the URL is TOPdesk's REST API, proved by the shape of its answers, even a refusal."""

from __future__ import annotations

from topdesk_preflight.model import Actor, EVIDENCE_API_VERSION, EVIDENCE_PRODUCT_VERSION, Status
from topdesk_preflight.sandbox.faults import Fault

VERSION = "/tas/api/version"


def test_a_healthy_instance_passes_and_reports_both_versions(sandbox_factory, run):
    sb = sandbox_factory()
    report = run(sb, "api.reachable")
    api = report.result("api.reachable")
    assert api.status is Status.PASS
    assert api.evidence[EVIDENCE_API_VERSION] == sb.state.version
    assert api.evidence[EVIDENCE_PRODUCT_VERSION] == "16.6.7"
    assert api.summary == f"TOPdesk's REST API answers: TOPdesk 16.6.7 (REST API {sb.state.version})."
    assert report.target.product_version == "16.6.7"
    assert [r.path for r in sb.requests] == [VERSION, "/tas/api/productVersion"]


def test_without_the_product_version_the_summary_says_it_is_unknown_in_the_same_words(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject("/tas/api/productVersion", Fault.status(404, [{"message": "Not found"}]))
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.PASS
    assert api.summary == f"TOPdesk's REST API answers: TOPdesk version unknown (REST API {sb.state.version})."
    assert EVIDENCE_PRODUCT_VERSION not in api.evidence


def test_a_refused_login_with_a_json_body_still_proves_the_url(sandbox_factory, run):
    sb = sandbox_factory("login_disabled")
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.PASS
    assert "refused the login" in api.summary and "401" in api.summary
    assert api.evidence["status"] == 401
    assert EVIDENCE_API_VERSION not in api.evidence
    assert any("needs a login" in d for d in api.details)


def test_topdesks_html_401_page_still_proves_the_url(sandbox_factory, run):
    sb = sandbox_factory("no_api_access")  # 401 with TOPdesk's "lacks valid authentication credentials" page
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.PASS
    assert api.evidence["status"] == 401


#: Tomcat's 401 page as a French-speaking server renders it: the English sentence is translated
#: (tomcat LocalStrings_fr.properties http.401.desc); only the status in the title stays.
FRENCH_401_PAGE = ("<!doctype html><html lang=\"fr\"><head><title>État HTTP 401 – Non autorisé</title></head>"
                   "<body><h1>État HTTP 401 – Non autorisé</h1><p><b>Type</b> Rapport d'état</p>"
                   "<p><b>description</b> La requête nécessite une authentification HTTP.</p></body></html>")


def test_a_localised_tomcat_401_page_still_proves_the_url_so_a_wrong_password_is_not_a_wrong_url(
        sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject(VERSION, Fault.status(401, FRENCH_401_PAGE, headers={"Content-Type": "text/html;charset=utf-8"}))
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.PASS, api.summary
    assert "refused the login" in api.summary


def test_the_specs_array_of_errors_401_shape_still_proves_the_url(sandbox_factory, run):
    sb = sandbox_factory()
    body = [{"errors": [{"errorCode": "unauthorized", "errorMessage": "No authentication token provided"}]}]
    sb.inject(VERSION, Fault.status(401, body))
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.PASS, api.summary


def test_an_html_401_page_of_some_other_server_is_still_a_wrong_url(sandbox_factory, run):
    sb = sandbox_factory()
    page = "<html><head><title>Sign in - Contoso portal</title></head><body>Please sign in</body></html>"
    sb.inject(VERSION, Fault.status(401, page, headers={"Content-Type": "text/html"}))
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.FAIL and "HTML page" in api.summary


def test_every_request_asks_for_english_pages_and_messages(sandbox_factory, run):
    sb = sandbox_factory()
    run(sb, "api.reachable", "auth.credentials")
    assert sb.requests and all(r.headers.get("accept-language") == "en" for r in sb.requests)


def test_a_plain_text_401_still_proves_the_url(sandbox_factory, run):
    sb = sandbox_factory()
    sb.state.auth_error_style = "text"
    api = run(sb, "api.reachable", password="wrong").result("api.reachable")
    assert api.status is Status.PASS
    assert "No valid authentication token provided" in api.details[0]


def test_a_200_html_page_is_a_wrong_url(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject(VERSION, Fault.html())
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.FAIL
    assert "HTML page" in api.summary and "TOPdesk" in api.summary
    assert api.remediation[0].startswith(Actor.HCP)
    assert "https://<tenant>.topdesk.net" in api.remediation[0] and "without /tas/" in api.remediation[0]


def test_a_404_is_a_wrong_url(sandbox_factory, run):
    sb = sandbox_factory()
    api = run(sb, "api.reachable", url=sb.url + "/topdesk").result("api.reachable")
    assert api.status is Status.FAIL
    assert "404" in api.summary
    assert api.evidence["status"] == 404


def test_json_that_is_not_topdesks_is_a_wrong_url(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject(VERSION, Fault.status(200, body={"status": "UP"}))
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.FAIL
    assert "without a version" in api.summary


def test_a_401_page_from_something_else_is_a_wrong_url(sandbox_factory, run):
    sb = sandbox_factory()
    page = "<html><head><title>Corporate SSO</title></head><body>Sign in</body></html>"
    sb.inject(VERSION, Fault.status(401, body=page, headers={"Content-Type": "text/html"}))
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.FAIL
    assert "Corporate SSO" in api.summary


def test_a_server_error_is_an_error_not_a_verdict(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject(VERSION, Fault.status(500))
    api = run(sb, "api.reachable", retries=0).result("api.reachable")
    assert api.status is Status.ERROR
    assert "500" in api.summary
    assert api.remediation


def test_a_dropped_connection_is_an_error(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject(VERSION, Fault.drop())
    api = run(sb, "api.reachable", retries=0).result("api.reachable")
    assert api.status is Status.ERROR
    assert api.summary.startswith("Could not complete the check")


def test_an_unreadable_product_version_does_not_matter(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject("/tas/api/productVersion", Fault.status(404))
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.PASS
    assert EVIDENCE_PRODUCT_VERSION not in api.evidence
    assert api.evidence["product_version_status"] == 404


def test_it_is_skipped_when_tls_fails(sandbox_factory, run):
    sb = sandbox_factory(tls="expired")
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.SKIPPED
    assert api.summary == "skipped: network.tls fail"
    assert sb.requests == []


def test_a_redirect_is_never_followed_and_names_where_it_points(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject(VERSION, Fault.status(302, "", headers={"Location": "https://sso.example.net/login?token=abc"}))
    api = run(sb, "api.reachable").result("api.reachable")
    assert api.status is Status.FAIL
    assert "answered 302, redirecting to sso.example.net" in api.summary and "token" not in api.summary
    assert [r.path for r in sb.requests].count(VERSION) == 1  # not followed, not retried


def test_a_redirect_on_any_other_call_is_that_checks_error_naming_the_target(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject("/tas/api/locations/types", Fault.status(301, "", headers={"Location": "http://portal.example/"}))
    result = run(sb, "rooms.types_defined").result("rooms.types_defined")
    assert result.status is Status.ERROR and "redirecting to portal.example" in result.summary
