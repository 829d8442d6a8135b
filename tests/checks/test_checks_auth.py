"""auth.credentials and auth.app_password_expiry: an honest verdict on the login, and on its end date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from topdesk_preflight.model import Actor, Status
from topdesk_preflight.runner import run_preflight
from topdesk_preflight.sandbox.faults import Fault
from topdesk_preflight.settings import Settings

# ------------------------------------------------------------------------------ auth.credentials


def test_a_working_login_passes_and_names_the_operator(sandbox_factory, run):
    sb = sandbox_factory()
    auth = run(sb, "auth.credentials").result("auth.credentials")
    assert auth.status is Status.PASS
    assert "hcp-svc" in auth.summary and "HCP Service" in auth.summary
    assert auth.evidence["login_name"] == "hcp-svc"
    assert sb.state.service_operator.id == auth.evidence["operator_id"]


@pytest.mark.parametrize("scenario", ["login_disabled", "operator_archived", "app_password_expired",
                                      "no_api_access"])
def test_every_kind_of_401_fails_with_all_causes_in_the_order_to_try(sandbox_factory, run, scenario):
    sb = sandbox_factory(scenario)
    report = run(sb, "auth.credentials", "operator.account")
    auth = report.result("auth.credentials")
    assert auth.status is Status.FAIL
    assert "401" in auth.summary and "'hcp-svc'" in auth.summary
    assert auth.evidence["status"] == 401
    steps = auth.remediation
    assert steps[0].startswith(Actor.HCP) and "login name" in steps[0] and "not its email" in steps[0]
    assert steps[1].startswith(Actor.TOPDESK) and "not archived" in steps[1] and "active" in steps[1]
    assert "REST API" in steps[2] and "Use application passwords" in steps[2]
    assert "Application Password" in steps[3] and "Add" in steps[3]
    assert steps[4].startswith(Actor.HCP) and "Update the application password" in steps[4]
    assert any("does not say which" in d for d in auth.details)
    assert report.result("operator.account").summary == "skipped: auth.credentials fail"


def test_a_wrong_password_fails_and_never_shows_the_password(sandbox_factory, run):
    sb = sandbox_factory()
    report = run(sb, "auth.credentials", password="Wr0ng-Secret-Value")
    auth = report.result("auth.credentials")
    assert auth.status is Status.FAIL
    assert "Wr0ng-Secret-Value" not in repr(report)
    assert "No authentication token provided" in auth.evidence["messages"]


def test_an_email_as_username_is_pointed_out(sandbox_factory, run):
    sb = sandbox_factory()
    auth = run(sb, "auth.credentials", username="hcp@acme.example").result("auth.credentials")
    assert auth.status is Status.FAIL
    assert auth.evidence["username_looks_like_email"] is True
    assert "login name, not its email" in auth.details[0]


def test_a_persons_login_fails_with_topdesks_message(sandbox_factory, run):
    sb = sandbox_factory("person_login")
    auth = run(sb, "auth.credentials").result("auth.credentials")
    assert auth.status is Status.FAIL
    assert "person's" in auth.summary and "Operation not allowed for this log in" in auth.summary
    assert auth.evidence["status"] == 403
    assert auth.evidence["messages"] == ["Operation not allowed for this log in"]
    assert auth.remediation[0].startswith(Actor.HCP)


def test_a_server_error_on_the_login_is_an_error(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject("/tas/api/operators/current", Fault.status(500))
    auth = run(sb, "auth.credentials", retries=0).result("auth.credentials")
    assert auth.status is Status.ERROR
    assert "500" in auth.summary


def test_it_is_skipped_when_the_url_is_wrong(sandbox_factory, run):
    sb = sandbox_factory()
    sb.inject("/tas/api/version", Fault.html())
    auth = run(sb, "auth.credentials").result("auth.credentials")
    assert auth.status is Status.SKIPPED
    assert auth.summary == "skipped: api.reachable fail"


# ------------------------------------------------------------------------ auth.app_password_expiry

def expiry(expires: date | None, **overrides: object):
    # No prerequisites and no request: this check reads only the settings.
    settings = Settings(url="https://nonexistent.invalid", username="hcp-svc", password="x",
                        only=("auth.app_password_expiry",), app_password_expires=expires, **overrides)
    report = run_preflight(settings)
    assert [r.id for r in report.results] == ["auth.app_password_expiry"]
    return report.result("auth.app_password_expiry")


def test_an_unknown_expiry_date_is_not_checked_and_names_the_flag_never_a_pass():
    result = expiry(None)
    assert result.status is Status.SKIPPED
    assert result.not_checked and result.enable_with == "--app-password-expires"
    assert result.summary.startswith("Not checked: give --app-password-expires")


def test_a_past_expiry_date_fails_with_the_guides_renewal_steps():
    result = expiry(date.today() - timedelta(days=3))
    assert result.status is Status.FAIL
    assert "3 days ago" in result.summary
    assert result.evidence["days_left"] == -3
    assert "My Settings -> Application Password" in result.remediation[0]
    assert "'hcp-svc'" in result.remediation[0]
    assert "shown once" in result.remediation[2]
    assert result.remediation[-1].startswith(Actor.HCP) and "HCP connection settings" in result.remediation[-1]


def test_an_expiry_within_the_window_warns_with_days_left():
    result = expiry(date.today() + timedelta(days=10))
    assert result.status is Status.WARN
    assert "in 10 days" in result.summary
    assert result.remediation


def test_one_day_is_said_as_one_day_never_one_days():
    assert "(1 day ago)" in expiry(date.today() - timedelta(days=1)).summary
    assert "expires in 1 day (" in expiry(date.today() + timedelta(days=1)).summary
    assert "(1 day left)" in expiry(date.today() + timedelta(days=1), expiry_warning_days=0).summary


def test_the_warning_window_is_configurable():
    assert expiry(date.today() + timedelta(days=10), expiry_warning_days=7).status is Status.PASS
    assert expiry(date.today() + timedelta(days=40), expiry_warning_days=60).status is Status.WARN


def test_a_far_expiry_date_passes():
    result = expiry(date.today() + timedelta(days=200))
    assert result.status is Status.PASS
    assert "200 days left" in result.summary
