"""The operator and person cards that carry an email: what ``operator.email_unique`` compares.

HCP finds its operator by email, so no other active card may carry it (the guide's
Creating an Operator). Both lists are read filtered on the server by email and
``archived==false`` (docs/topdesk-api.md §3.3), at most two pages each, so the number of
requests never grows with the tenant. Persons are read as v2 and, where an instance
refuses v2 with 406, as v1 (§6.2, §9 R12/P13).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Self

from attrs import frozen

from topdesk_preflight import fiql
from topdesk_preflight.checks._card_fields import same_text, text_field
from topdesk_preflight.context import Context
from topdesk_preflight.paging import Paging

ARCHIVED_STATUSES = ("operatorArchived", "personArchived")  # [C-peer] §6.1, §6.2
OPERATOR_CARD_FIELDS = "id,dynamicName,loginName,email,status"
PERSON_V2_CARD_FIELDS = "id,dynamicName,email,archived"
PERSON_V1_CARD_FIELDS = "id,dynamicName,email,status"
#: Each list: 100 cards a page, two pages at most. More than a handful of cards with one email is already a fail.
CARD_PAGE_SIZE = 100
CARD_PAGES = 2


@frozen
class Card:
    """An operator or person card found by its email, as much of it as a report names."""

    kind: ClassVar[str] = "card"

    id: str | None
    name: str | None  # TOPdesk's display name (dynamicName)
    login_name: str | None
    email: str | None
    archived: bool

    @classmethod
    def from_api(cls, record: dict[str, Any]) -> Self:
        return cls(id=text_field(record, "id"), name=text_field(record, "dynamicName"),
                   login_name=text_field(record, "loginName"), email=text_field(record, "email"),
                   archived=record.get("archived") is True or record.get("status") in ARCHIVED_STATUSES)

    @property
    def active(self) -> bool:
        """Archived cards never count, even if a server ignored ``archived==false``."""
        return not self.archived

    @property
    def brief(self) -> dict[str, str | None]:
        """The card in a report's evidence."""
        return {"card": self.kind, "id": self.id, "name": self.name, "login_name": self.login_name}

    @property
    def shown_name(self) -> str | None:
        """The display name, else the id: what a report calls the card."""
        return self.name or self.id

    @property
    def text(self) -> str:
        """``person card 'Hanna Cederqvist'``; an operator card adds its login (:class:`OperatorCard`)."""
        return f"{self.kind} card {self.shown_name!r}"


@frozen
class OperatorCard(Card):
    kind: ClassVar[str] = "operator"

    @property
    def text(self) -> str:
        """``operator card 'Shared Helpdesk' (login helpdesk)``."""
        login = f" (login {self.login_name})" if self.login_name else ""
        return f"{self.kind} card {self.shown_name!r}{login}"


@frozen
class PersonCard(Card):
    kind: ClassVar[str] = "person"


def email_query(email: str) -> str:
    """The FIQL both lists are filtered with: this email, active cards only (§3.3)."""
    return fiql.with_active(fiql.eq("email", email))


def operators_with_email(ctx: Context, email: str) -> list[OperatorCard]:
    """The operator cards with ``email`` (raises the client's errors, e.g. PermissionDenied)."""
    items = ctx.client.iter_items(
        "/operators", paging=Paging.START, page_size=CARD_PAGE_SIZE, max_pages=CARD_PAGES,
        params={"query": email_query(email), "fields": OPERATOR_CARD_FIELDS})
    return [OperatorCard.from_api(r) for r in _carrying(items, email)]


def persons_with_email(ctx: Context, email: str) -> list[PersonCard]:
    """Persons with the email: v2 (``pageStart``), or v1 (``start``) where this TOPdesk refuses v2 with 406.

    Spec 2.7.11's 406 for persons: "the version of your TOPdesk can not make use of this version
    of the API yet" (fidelity audit P13). v1 has no ``archived`` field; its ``status`` says it.
    """
    from topdesk_preflight.errors import HTTPStatusError

    query = email_query(email)
    try:
        return _person_cards(ctx.client.iter_items(
            "/persons", paging=Paging.PAGE_START, page_size=CARD_PAGE_SIZE, max_pages=CARD_PAGES,
            params={"query": query, "fields": PERSON_V2_CARD_FIELDS}), email)
    except HTTPStatusError as error:
        if error.status != 406:
            raise
    ctx.client.detect("This TOPdesk does not serve persons v2 (406); persons v1 was read instead.")
    return _person_cards(ctx.client.iter_items(
        "/persons", paging=Paging.START, page_size=CARD_PAGE_SIZE, max_pages=CARD_PAGES,
        params={"query": query, "$fields": PERSON_V1_CARD_FIELDS}, headers={"Accept": "application/json"}), email)


def _person_cards(records: Iterable[dict[str, Any]], email: str) -> list[PersonCard]:
    return [PersonCard.from_api(r) for r in _carrying(records, email)]


def _carrying(records: Iterable[dict[str, Any]], email: str) -> list[dict[str, Any]]:
    """Only cards that really carry the email count: a TOPdesk that ignored the query (Supporting Files
    API before 1.38.0, fidelity audit P14) answers with every card it has."""
    return [r for r in records if isinstance(r, dict) and same_text(text_field(r, "email"), email)]
