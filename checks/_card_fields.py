"""How the facts modules read the fields operator and person cards share: text, flags, names, references.

TOPdesk's operator and person records (OperatorDto, PersonV2Dto and the older v1
person, docs/topdesk-api.md §6.1, §6.2) spell a name, a branch reference or a yes/no
flag the same way, and a real instance may leave any of them out or send an odd type
(§9). Each ``from_api`` reads its record through these helpers, so a field is narrowed
to its type in one place and a check only ever sees typed values.
"""

from __future__ import annotations

from typing import Any, Self, TypeVar

from attrs import frozen

from topdesk_preflight.checks._unknown import Known, Unknown

T = TypeVar("T")


def text_field(record: dict[str, Any], key: str) -> str | None:
    """The field as text, or None when it is absent, null or not text."""
    value = record.get(key)
    return value if isinstance(value, str) else None


def flag_field(record: dict[str, Any], key: str, *, absent: str) -> Known[bool]:
    """A true/false field; ``Unknown(absent)`` when the record lacks it, ``Unknown`` too when it is no boolean."""
    if key not in record:
        return Unknown(absent)
    value = record[key]
    if isinstance(value, bool):
        return value
    return Unknown(f"TOPdesk answered {key} with {value!r}, neither true nor false")


def or_none(value: Known[T]) -> T | None:
    """The value for a report's evidence: an unknown fact is shown as null, as the raw answer had it."""
    return None if isinstance(value, Unknown) else value


def same_text(a: str | None, b: str | None) -> bool:
    """Equal ignoring case and surrounding or repeated white space (emails, names)."""
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


@frozen
class CardName:
    """The name fields of an operator or person card: first name, prefixes, surname and the display name.

    ``dynamicName`` is TOPdesk's display name; the parts are compared when both cards
    have them, because a Dutch *tussenvoegsel* ("van") may sit in ``prefixes`` on one
    card and in ``surName`` on the other (docs/topdesk-api.md §9, F5).
    """

    first: str | None = None
    prefixes: str | None = None
    sur: str | None = None
    dynamic: str | None = None

    @classmethod
    def from_api(cls, record: dict[str, Any]) -> CardName:
        return cls(first=text_field(record, "firstName"), prefixes=text_field(record, "prefixes"),
                   sur=text_field(record, "surName"), dynamic=text_field(record, "dynamicName"))

    @property
    def shown(self) -> str:
        """The display name, else ``first surname``; ``""`` when the card has neither."""
        return self.dynamic or " ".join(p for p in (self.first, self.sur) if p)

    @property
    def full(self) -> str | None:
        """First name, prefixes and surname as one text; None unless the card has a first name and a surname."""
        if self.first is None or self.sur is None:
            return None
        return " ".join(p or "" for p in (self.first, self.prefixes, self.sur))

    def matches(self, other: CardName) -> bool:
        """The whole names when both cards have them, else the display names; case and spacing ignored."""
        mine, theirs = self.full, other.full
        if mine is not None and theirs is not None:
            return same_text(mine, theirs)
        return same_text(self.dynamic, other.dynamic)


@frozen
class CardRef:
    """A reference from one card to another (``{id, name}``); a reference without an id names nothing."""

    id: str
    name: str | None = None

    @classmethod
    def from_api(cls, record: dict[str, Any]) -> Self | None:
        """None when the reference names no card (no id)."""
        ref_id = text_field(record, "id")
        return cls(id=ref_id, name=text_field(record, "name")) if ref_id else None


@frozen
class BranchRef(CardRef):
    """A card's branch (``branch{id,name}``)."""


@frozen
class PersonRef(CardRef):
    """The person an operator card links to (``linkedPerson{id,name}``, docs/topdesk-api.md §6.1).

    None (no id) means the operator has no linked person.
    """


def ref_record(record: dict[str, Any], key: str) -> dict[str, Any]:
    """The object under ``key`` (a reference such as ``branch``), or ``{}`` when it is absent or not an object."""
    value = record.get(key)
    return value if isinstance(value, dict) else {}
