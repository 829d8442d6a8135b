"""Facts about the authenticated operator, fetched once per run and shared by every check.

``/tas/api/operators/current`` needs no permission of its own (topdesk-api.md
§6.1), so it is the cheapest proof that the login works and it carries most of
what the operator and person checks need: branch, email, linkedPerson,
loginPermission, apiAccount.
"""

from __future__ import annotations

from typing import Any

from topdesk_preflight.context import Context

OPERATOR_FIELDS = ("id,principalId,status,loginName,email,firstName,surName,dynamicName,branch,"
                   "linkedPerson,apiAccount,loginPermission,accountType")


def current_operator(ctx: Context) -> dict[str, Any]:
    """The OperatorDto of the login in the settings (raises the client's errors, e.g. 401/403)."""

    def fetch() -> dict[str, Any]:
        data = ctx.client.get_json("/operators/current", {"fields": OPERATOR_FIELDS})
        if not isinstance(data, dict) or not data.get("id"):
            from topdesk_preflight.errors import BadResponseError

            raise BadResponseError("/tas/api/operators/current did not return an operator object")
        return data

    return ctx.once("operator.current", fetch)
