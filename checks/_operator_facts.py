"""Facts about the authenticated operator, fetched once per run and shared by every check.

``/tas/api/operators/current`` needs no permission of its own (topdesk-api.md
§6.1), so it is the cheapest proof that the login works and it carries most of
what the operator and person checks need: branch, email, linkedPerson,
loginPermission, apiAccount. It is prefetched when the run starts
(:func:`topdesk_preflight.context.prefetch`): every check after ``auth.credentials``
needs it, and its round trip then overlaps ``/version`` instead of following it.
"""

from __future__ import annotations

from typing import Any

from topdesk_preflight.context import Context, prefetch

OPERATOR_FIELDS = ("id,principalId,status,loginName,email,firstName,surName,dynamicName,branch,"
                   "linkedPerson,apiAccount,loginPermission,accountType")


@prefetch(used_by=("auth.credentials",))
def current_operator(ctx: Context) -> dict[str, Any]:
    """The OperatorDto of the login in the settings (raises the client's errors, e.g. 401/403)."""

    def fetch() -> dict[str, Any]:
        data = ctx.client.get_json("/operators/current", {"fields": OPERATOR_FIELDS})
        if not isinstance(data, dict) or not data.get("id"):
            from topdesk_preflight.errors import BadResponseError

            raise BadResponseError("/tas/api/operators/current did not return an operator object")
        return data

    return ctx.once("operator.current", fetch)


#: Lists of offending cards in summaries and evidence stop here; the total is always given.
DUPLICATES_SHOWN = 50


def operator_label(operator: dict[str, Any]) -> str:
    """``'HCP Service' (login hcp-svc)``: how a report names an operator card."""
    name = operator.get("dynamicName") or " ".join(
        p for p in (operator.get("firstName"), operator.get("surName")) if p) or operator.get("id")
    login = operator.get("loginName")
    return f"{name!r} (login {login})" if login else repr(name)


def same_text(a: str | None, b: str | None) -> bool:
    """Equal ignoring case and surrounding or repeated white space (emails, names)."""
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()
