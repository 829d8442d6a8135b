"""Facts about the authenticated operator, fetched once per run and shared by every check.

``/tas/api/operators/current`` needs no permission of its own (docs/topdesk-api.md
§6.1), so it is the cheapest proof that the login works and it carries most of
what the operator and person checks need: branch, email, linkedPerson,
loginPermission, apiAccount. It is prefetched when the run starts
(:func:`topdesk_preflight.context.prefetch`): every check after ``auth.credentials``
needs it, and its round trip then overlaps ``/version`` instead of following it.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from topdesk_preflight.context import Context, prefetch

OPERATOR_FIELDS = ("id,principalId,status,loginName,email,firstName,prefixes,surName,dynamicName,branch,"
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


@frozen
class BranchFilters:
    """The operator's branch filters: TOPdesk then shows it only some branches, persons and operators.

    Spec 2.7.11 puts "Branch filters apply" on the branch, location, person and operator lists:
    a filtered operator sees ``[]`` where another sees records, with no 403 to say so (fidelity
    audit section 3.4). ``known`` is False when the filters could not be read (no permission,
    an older TOPdesk without the endpoint): then nothing can be said either way.
    """

    known: bool
    names: tuple[str, ...] = ()

    @property
    def restrict(self) -> bool:
        return self.known and bool(self.names)

    @property
    def text(self) -> str:
        return ", ".join(repr(n) for n in self.names)


def branch_filters(ctx: Context) -> BranchFilters:
    """``GET /operators/id/{id}/filters/branch`` for the HCP operator: 204 is none; an error is unknown."""
    from urllib.parse import quote

    from topdesk_preflight.errors import TopdeskError, records_of

    def fetch() -> BranchFilters:
        operator = current_operator(ctx)
        path = f"/operators/id/{quote(str(operator['id']), safe='')}/filters/branch"
        try:
            records = records_of(ctx.client.get_json(path), f"/tas/api{path}")
        except TopdeskError:
            return BranchFilters(known=False)
        names = tuple(str(r.get("name") or r.get("id")) for r in records if r.get("applicable", True) is not False)
        if names:
            ctx.client.detect(f"The HCP operator has branch filters ({', '.join(names)}): TOPdesk shows it only "
                              "what they allow.")
        return BranchFilters(known=True, names=names)

    return ctx.once("operator.branch_filters", fetch)
