"""Authentication checks: does TOPdesk accept HCP's login, and for how long will it?

HCP signs every request with the operator's login name and an application password
(HTTP Basic, docs/topdesk-api.md §1.1). TOPdesk refuses five different mistakes with the
same bare 401, so the check says that honestly and lists the causes in the order
that is quickest to rule out, each with who acts. The expiry check exists because an
application password stops working on a date nobody remembers, and the API cannot
tell (§1.3): only the person who created it knows the date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from topdesk_preflight.guide import (
    CREATING_APP_PASSWORD, FLAG_EXPIRES, MENU_APP_PASSWORDS, MENU_OPERATOR_SETTINGS, MENU_PERMISSION_GROUP,
    TS_APP_PASSWORD_LOST, TS_HCP_CANNOT_CONNECT, hcp_admin, topdesk_admin,
)
from topdesk_preflight.checks._operator_facts import current_operator
from topdesk_preflight.context import Context
from topdesk_preflight.errors import AuthenticationError, PermissionDenied
from topdesk_preflight.model import CheckResult
from topdesk_preflight.registry import check
from topdesk_preflight.vocabulary import plural

PERSON_LOGIN_MESSAGE = "Operation not allowed for this log in"  # [C-spec] /operators/current 403, §6.1


def _looks_like_email(username: str) -> bool:
    local, at, domain = username.partition("@")
    return bool(at and local and "." in domain)


@check(id="auth.credentials", title="TOPdesk accepts the login name and application password",
       guide=f"{TS_HCP_CANNOT_CONNECT}; {TS_APP_PASSWORD_LOST}", depends_on=("api.reachable",))
def credentials(ctx: Context) -> CheckResult:
    """Every later check needs a working login; a 401 has five causes TOPdesk will not tell apart."""
    username = ctx.settings.username
    try:
        operator = current_operator(ctx)
    except AuthenticationError as exc:
        return _refused(ctx, exc)
    except PermissionDenied as exc:
        evidence = {"status": exc.status, "messages": exc.messages, "username": username}
        if any(PERSON_LOGIN_MESSAGE.lower() in m.lower() for m in exc.messages) or not exc.messages:
            return CheckResult.failed(
                f"The login {username!r} is a person's (Self-Service Portal) login, not an operator's: "
                f"TOPdesk answered 403 \"{PERSON_LOGIN_MESSAGE}\".",
                details=["HCP must use an operator account; a person can log in to the Self-Service Portal "
                         "only (guide: Creating an Operator)."],
                evidence=evidence,
                remediation=[
                    hcp_admin("Enter the login name of the HCP operator (not of its linked person) and an "
                              "application password created by that operator in HCP's TOPdesk connection "
                              "settings."),
                    topdesk_admin(f"If no such operator exists, create it: {MENU_OPERATOR_SETTINGS}, then set "
                                  "up its TOPdesk login with the login icon."),
                ])
        return CheckResult.failed(
            f"TOPdesk refused /operators/current for {username!r} (403): {'; '.join(exc.messages)}.",
            evidence=evidence,
            remediation=[topdesk_admin(f"Check the operator card of {username!r} ({MENU_OPERATOR_SETTINGS}) "
                                       "and its permission group's API Access permissions.")])
    evidence = {"operator_id": operator.id, "login_name": operator.login_name, "status": 200}
    name = operator.name.dynamic or operator.login_name or username
    details = []
    if _looks_like_email(username):
        details.append(f"The username {username!r} looks like an email; TOPdesk accepted it here, but the "
                       "username is normally the operator's login name.")
    return CheckResult.passed(f"TOPdesk accepts the login {username!r} (operator {name}).",
                              details=details, evidence=evidence)


def _refused(ctx: Context, exc: AuthenticationError) -> CheckResult:
    username = ctx.settings.username
    evidence: dict[str, Any] = {"status": exc.status, "messages": exc.messages, "username": username}
    details = [
        "TOPdesk answers 401 for all of these and does not say which: wrong login "
        "name, wrong or expired application password, archived operator, login not active "
        "(loginPermission off), missing 'API Access -> REST API' permission.",
        f"TOPdesk said: {'; '.join(exc.messages) or '(nothing)'}",
    ]
    login_step = hcp_admin(
        f"Re-enter the login name and the application password in HCP's TOPdesk connection settings. The "
        f"username is the operator's login name (tested: {username!r}), not its email and not the "
        "application password's name; paste the password without spaces.")
    if _looks_like_email(username):
        evidence["username_looks_like_email"] = True
        details.insert(0, f"The username {username!r} looks like an email: the username is the operator's "
                          "login name, not its email.")
    steps = [
        login_step,
        topdesk_admin(f"Open the operator card ({MENU_OPERATOR_SETTINGS}): check that it is not archived, "
                      "click the login icon to verify the login credentials, and confirm that the operator's "
                      "login status is set to active."),
        topdesk_admin(f"Check the operator's permission group ({MENU_PERMISSION_GROUP}): under API Access, "
                      "REST API and Use application passwords must be checked (check mark all)."),
        topdesk_admin(f"Log in as the operator, open {MENU_APP_PASSWORDS}, delete the old application "
                      "password entry and click Add to generate a new one with an expiration date; copy it "
                      "now, it is shown only once."),
        hcp_admin("Update the application password in the HCP connection settings for TOPdesk, then run "
                  "topdesk-preflight again."),
    ]
    return CheckResult.failed(
        f"TOPdesk refused the login {username!r} (401): wrong login name or application password, an "
        "expired application password, or an operator that may not use the API.",
        details=details, evidence=evidence, remediation=steps)


@check(id="auth.app_password_expiry", title="The application password is not about to expire",
       guide=CREATING_APP_PASSWORD)
def app_password_expiry(ctx: Context) -> CheckResult:
    """TOPdesk never shows the expiry through the API (§1.3); an expired password silently stops HCP's sync."""
    expires: date | None = ctx.settings.app_password_expires
    window = ctx.settings.expiry_warning_days
    if expires is None:
        return CheckResult.unchecked(
            "Not checked: give --app-password-expires (the date set when the application password was "
            "created); TOPdesk's API does not show it.",
            enable_with=FLAG_EXPIRES, evidence={"expires": None})
    days_left = (expires - date.today()).days
    evidence = {"expires": expires.isoformat(), "days_left": days_left, "warning_days": window}
    renew = [
        topdesk_admin(f"Log in as the HCP operator ({ctx.settings.username!r}) and navigate to "
                      f"{MENU_APP_PASSWORDS}."),
        topdesk_admin("Delete the old application password entry and click Add to generate a new one, with a "
                      "later expiration date."),
        topdesk_admin("Copy and securely save the new password immediately: it will only be shown once."),
        hcp_admin("Update the application password in the HCP connection settings for TOPdesk."),
    ]
    if days_left < 0:
        return CheckResult.failed(
            f"The application password expired on {expires.isoformat()} ({plural(-days_left, 'day')} ago): "
            "TOPdesk refuses it.",
            evidence=evidence, remediation=renew)
    if days_left <= window:
        when = "today" if days_left == 0 else f"in {plural(days_left, 'day')}"
        return CheckResult.warned(
            f"The application password expires {when} ({expires.isoformat()}); HCP stops syncing then.",
            evidence=evidence, remediation=renew)
    return CheckResult.passed(f"The application password is valid until {expires.isoformat()} "
                              f"({plural(days_left, 'day')} left).", evidence=evidence)
