"""Basic authentication as TOPdesk does it: login name + application password, on every request.

The username is the operator's ``loginName`` (not the app password's name, not the email; docs/topdesk-api.md
§1.1). Every refusal is a 401 whose body does not say why (§1.2), which is exactly what makes the real
thing hard to diagnose. A person's credentials authenticate, but operator endpoints then answer 403.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import date

from attrs import frozen

from topdesk_preflight.sandbox.model import Operator, Person, State
from topdesk_preflight.sandbox.responses import Response, unauthorized


@frozen
class Caller:
    """Who is calling: an operator, or a person (who may log in to the portal but is no operator)."""

    operator: Operator | None = None
    person: Person | None = None

    @property
    def is_operator(self) -> bool:
        return self.operator is not None

    def may(self, permission: str) -> bool:
        """Persons hold no module permissions: the supporting-files specs say "Person | No access"."""
        return self.operator is not None and self.operator.may(permission)


def authenticate(state: State, authorization: str | None, today: date | None = None) -> Caller | Response:
    """The caller, or the 401 TOPdesk would send instead."""
    style = state.auth_error_style
    credentials = _basic_credentials(authorization)
    if credentials is None:
        return unauthorized(style)
    login, password = credentials
    today = today or date.today()
    operator = _operator(state, login)
    if operator is not None:
        key = next((p for p in operator.app_passwords if _same(p.secret, password)), None)
        if key is None:
            return unauthorized(style)
        if operator.archived:
            return unauthorized(style, "User removed or archived")  # spec example text [C-spec]
        if key.expires < today:
            return unauthorized(style)  # expired app password: undocumented, a 401 assumed [I] §1.2
        if not operator.login_permission:
            return unauthorized(style)  # loginPermission=false: undocumented, a 401 assumed [I] §1.2
        if not operator.may("rest_api"):
            return unauthorized(style)  # "Invalid Credentials or no Permission" [C-spec /archiving-reasons]
        return Caller(operator=operator)
    person = _person(state, login)
    if person is not None and person.password is not None and _same(person.password, password):
        if person.archived:
            return unauthorized(style, "User removed or archived")
        return Caller(person=person)
    return unauthorized(style)


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    login, sep, password = decoded.partition(":")
    return (login, password) if sep else None


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _operator(state: State, login: str) -> Operator | None:
    # Login names compared case-insensitively: a guess [I], as TOPdesk's login form is.
    wanted = login.casefold()
    return next((o for o in state.operators if o.login_name and o.login_name.casefold() == wanted), None)


def _person(state: State, login: str) -> Person | None:
    wanted = login.casefold()
    return next((p for p in state.persons if p.login_name and p.login_name.casefold() == wanted), None)
