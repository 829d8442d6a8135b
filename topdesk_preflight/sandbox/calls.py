"""What an endpoint handler works with: the request, the authenticated call, and its parameter helpers.

Split from endpoints.py so that handlers in other modules (filters.py) and the profile layer (answers.py)
share them. ``Call.profile`` is the instance's profile (profiles.py); ``Call.dto`` and ``Call.fields`` render
records and read field lists the way that profile's TOPdesk does.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping
from uuid import UUID

from attrs import frozen

from topdesk_preflight.sandbox import answers
from topdesk_preflight.sandbox.auth import Caller
from topdesk_preflight.sandbox.model import Operator, State
from topdesk_preflight.sandbox.profiles import SAAS, Profile
from topdesk_preflight.sandbox.responses import Refusal, Response, message

MALFORMED = "Input parameters malformed"
NOT_FOR_THIS_LOGIN = "Operation not allowed for this log in"


@frozen
class Request:
    method: str
    path: str
    query: str  # the raw query string
    headers: Mapping[str, str]  # lower-case names
    base_url: str  # scheme://host:port, for absolute "next" links


@frozen
class Call:
    """What a handler sees: the instance, the authenticated caller, the parameters, the path's parts."""

    state: State
    caller: Caller
    request: Request
    params: dict[str, list[str]]
    parts: tuple[str, ...]
    profile: Profile = SAAS

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else None

    def require(self, permission: str, refusal: Response) -> None:
        if not self.caller.may(permission):
            raise Refusal(refusal)

    def require_operator(self) -> Operator:
        if self.caller.operator is None:
            raise Refusal(message(403, NOT_FOR_THIS_LOGIN))
        return self.caller.operator

    def dto(self, kind: str, record: Any) -> dict[str, Any]:
        """The record as this instance's TOPdesk renders it (``kind``: branch, location, operator, …)."""
        return answers.dto(self.profile, kind, record)

    def fields(self, kind: str, *names: str, default: str | None = None) -> list[str] | None:
        """The field list from the first of the parameters ``names`` given (else ``default``), checked."""
        param = next((n for n in names if self.param(n)), names[0])
        return answers.fields(self.profile, kind, self.param(param) or default, param)


Handler = Callable[[Call], Response]


def int_param(call: Call, name: str, default: int | None, low: int, high: int | None,
              refuse: Callable[[str], Response]) -> int | None:
    raw = call.param(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Refusal(refuse(f"{MALFORMED}: {name} must be a number, not {raw!r}")) from None
    if value < low or (high is not None and value > high):
        limit = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise Refusal(refuse(f"{MALFORMED}: {name} must be {limit}, not {value}"))
    return value


def bool_param(call: Call, name: str, refuse: Callable[[str], Response]) -> bool | None:
    raw = call.param(name)
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("true", "false"):
        raise Refusal(refuse(f"{MALFORMED}: {name} must be true or false, not {raw!r}"))
    return raw.lower() == "true"


def parse_uuid(raw: str) -> str | None:
    try:
        return str(UUID(raw))
    except ValueError:
        return None
