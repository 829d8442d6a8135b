"""Facts about the authenticated operator, fetched once per run and shared by every check.

``/tas/api/operators/current`` needs no permission of its own (docs/topdesk-api.md
§6.1), so it is the cheapest proof that the login works and it carries most of
what the operator and person checks need: branch, email, linkedPerson,
loginPermission, apiAccount. It is prefetched when the run starts
(:func:`topdesk_preflight.context.prefetch`): every check after ``auth.credentials``
needs it, and its round trip then overlaps ``/version`` instead of following it.

The record is read once, by :meth:`Operator.from_api`, into a typed :class:`Operator`;
what an older TOPdesk leaves out (§9, R3/F6) becomes an :class:`Unknown` there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from attrs import frozen

from topdesk_preflight.checks._card_fields import (
    BranchRef, CardName, PersonRef, flag_field, ref_record, text_field,
)
from topdesk_preflight.checks._unknown import Known, Unknown
from topdesk_preflight.context import Context, prefetch

OPERATOR_FIELDS = ("id,principalId,status,loginName,email,firstName,prefixes,surName,dynamicName,branch,"
                   "linkedPerson,apiAccount,loginPermission,accountType")

ACTIVE_OPERATOR = "operator"  # [C-peer] active; "operatorArchived" when archived: docs/topdesk-api.md §6.1

#: Why ``linkedPerson``, ``apiAccount`` may be missing: they exist only since April 2024 (§6.1, §9 F6).
NO_LINK_EXPOSED = "this TOPdesk does not expose the operator-person link (its API is older than April 2024)"
NO_API_ACCOUNT_FLAG = ("this TOPdesk does not say whether the operator is an API account (its API is older than "
                       "April 2024)")
NO_LOGIN_PERMISSION = "this TOPdesk did not say whether the operator may log in (no loginPermission in its answer)"


@frozen
class Operator:
    """An operator card (OperatorDto, supporting files 2.7.11 ``GET /operators/current``), typed.

    ``status`` is ``operator`` or ``operatorArchived`` (§6.1); a record without a status
    counts as active, as it always has. ``linked_person`` is None when the card links no
    person and :class:`Unknown` when the record has no ``linkedPerson`` key at all.
    """

    id: str
    login_name: str | None
    email: str  # stripped; "" when the card has none
    name: CardName
    status: str | None
    archived: bool
    may_log_in: Known[bool]
    api_account: Known[bool]
    branch: BranchRef | None
    linked_person: Known[PersonRef | None]

    @classmethod
    def from_api(cls, record: dict[str, Any]) -> Operator:
        status = text_field(record, "status")
        if "linkedPerson" in record:
            link: Known[PersonRef | None] = PersonRef.from_api(ref_record(record, "linkedPerson"))
        else:
            link = Unknown(NO_LINK_EXPOSED)
        return cls(
            id=text_field(record, "id") or "",
            login_name=text_field(record, "loginName"),
            email=(text_field(record, "email") or "").strip(),
            name=CardName.from_api(record),
            status=status,
            # ``archived`` is not an OperatorDto field (§3.2), but a server that sends it is believed.
            archived=status not in (None, ACTIVE_OPERATOR) or record.get("archived") is True,
            may_log_in=flag_field(record, "loginPermission", absent=NO_LOGIN_PERMISSION),
            api_account=flag_field(record, "apiAccount", absent=NO_API_ACCOUNT_FLAG),
            branch=BranchRef.from_api(ref_record(record, "branch")),
            linked_person=link,
        )

    @property
    def active(self) -> bool:
        return not self.archived

    @property
    def label(self) -> str:
        """``'HCP Service' (login hcp-svc)``: how a report names an operator card."""
        name = self.name.shown or self.id
        return f"{name!r} (login {self.login_name})" if self.login_name else repr(name)

    @property
    def linked_person_id(self) -> str | None:
        """The linked person's id; None when there is none or the link is not exposed."""
        link = self.linked_person
        return link.id if isinstance(link, PersonRef) else None


@prefetch(used_by=("auth.credentials",))
def current_operator(ctx: Context) -> Operator:
    """The operator of the login in the settings (raises the client's errors, e.g. 401/403)."""

    def fetch() -> Operator:
        data = ctx.client.get_json("/operators/current", {"fields": OPERATOR_FIELDS})
        operator = Operator.from_api(data) if isinstance(data, dict) else None
        if operator is None or not operator.id:
            from topdesk_preflight.errors import BadResponseError

            raise BadResponseError("/tas/api/operators/current did not return an operator object")
        return operator

    return ctx.once("operator.current", fetch)


#: Lists of offending cards in summaries and evidence stop here; the total is always given.
DUPLICATES_SHOWN = 50


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
    #: Why they could not be read (TOPdesk's refusal), when ``known`` is False.
    unread_because: str = ""

    @property
    def restrict(self) -> bool:
        return self.known and bool(self.names)

    @property
    def unread_note(self) -> str:
        """What an unread filter leaves open, for a check that found too little: it may be hiding."""
        return (f"The HCP operator's branch filters could not be read ({self.unread_because}): if it has any, "
                "TOPdesk shows it only the branches, persons and operators they allow, and answers an empty "
                "list, not a refusal, for the others.")

    @property
    def text(self) -> str:
        return ", ".join(repr(n) for n in self.names)


def branch_filters(ctx: Context) -> BranchFilters:
    """``GET /operators/id/{id}/filters/branch`` for the HCP operator: 204 is none; an error is unknown."""
    from topdesk_preflight.errors import TopdeskError, records_of

    def fetch() -> BranchFilters:
        operator = current_operator(ctx)
        path = f"/operators/id/{quote(operator.id, safe='')}/filters/branch"
        try:
            records = records_of(ctx.client.get_json(path), f"/tas/api{path}")
        except TopdeskError as error:
            return BranchFilters(known=False, unread_because=_refusal_words(error))
        names = tuple(str(r.get("name") or r.get("id")) for r in records if r.get("applicable", True) is not False)
        if names:
            ctx.client.detect(f"The HCP operator has branch filters ({', '.join(names)}): TOPdesk shows it only "
                              "what they allow.")
        return BranchFilters(known=True, names=names)

    return ctx.once("operator.branch_filters", fetch)


def _refusal_words(error: Exception) -> str:
    """``HTTP 403: No permission to see filters.``, or the error's type when it says nothing more."""
    status = getattr(error, "status", None)
    messages = [str(m) for m in getattr(error, "messages", None) or ()]
    words = "; ".join(messages)
    if status:
        return f"HTTP {status}" + (f": {words}" if words else "")
    return words or type(error).__name__
