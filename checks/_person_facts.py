"""The operator's linked person, read by id: the one person card ``person.linked`` judges.

A person's record comes in two shapes (docs/topdesk-api.md §6.2): persons v2 (PersonV2Dto,
``archived`` and no ``status``), asked for with its own ``Accept`` header, and the older
v1 (``status`` ``person`` / ``personArchived``), all an instance before v2 serves. This
module reads the person with either and hands the check a :class:`Person` and what
TOPdesk answered (found, not found, refused) instead of a response to pick apart.
"""

from __future__ import annotations

from typing import Any, Union
from urllib.parse import quote

from attrs import frozen

from topdesk_preflight.checks._card_fields import BranchRef, CardName, ref_record, text_field
from topdesk_preflight.context import Context

PERSON_V2 = "application/x.topdesk-person-v2+json"  # [C-spec] supporting-files 2.7.11, §6.2
#: Only names of PersonV2Dto (supporting files 2.7.11 GET /persons/{id}): it has ``archived`` and no
#: ``status``; a server may refuse a name outside the DTO with 400 (fidelity audit P4). v1's
#: ``/persons/id/{id}`` fallback sends the whole record, ``status`` included.
PERSON_FIELDS = "id,firstName,surName,prefixes,dynamicName,email,archived,branch"
ARCHIVED_PERSON_V1 = "personArchived"  # [C-peer] §6.2, §9 F13


@frozen
class Person:
    """A person card, v2 or v1 (docs/topdesk-api.md §6.2), typed."""

    id: str | None
    name: CardName
    email: str | None
    branch: BranchRef | None
    archived: bool

    @classmethod
    def from_api(cls, record: dict[str, Any]) -> Person:
        return cls(
            id=text_field(record, "id"),
            name=CardName.from_api(record),
            email=text_field(record, "email"),
            branch=BranchRef.from_api(ref_record(record, "branch")),
            # v2 has ``archived``; v1 says it in ``status`` (§9 F13)
            archived=record.get("archived") is True or record.get("status") == ARCHIVED_PERSON_V1,
        )

    @property
    def branch_name(self) -> str | None:
        return self.branch.name if self.branch else None


@frozen
class PersonFound:
    """TOPdesk returned the person (``status`` is the HTTP status, 200)."""

    status: int
    person: Person


@frozen
class PersonNotFound:
    """404 from v2 and from v1: no person has that id (or, [I] §6.4 F14, a branch filter hides it)."""

    status: int


@frozen
class PersonRefused:
    """403: this login may not read persons; ``messages`` are TOPdesk's own words."""

    status: int
    messages: tuple[str, ...] = ()


#: What reading a person by id can come to; every other answer raises the client's error.
PersonRead = Union[PersonFound, PersonNotFound, PersonRefused]


def read_person(ctx: Context, person_id: str) -> PersonRead:
    """Persons v2 by id; v1's ``/persons/id/{id}`` when the instance does not serve v2 (404/406).

    A 5xx, an HTML page or a redirect raises the client's typed error, and a 200 that is
    not a JSON object raises BadResponseError: the check then ends as ``error``.
    """
    safe_id = quote(person_id, safe="")
    response = ctx.client.fetch(f"/persons/{safe_id}", {"fields": PERSON_FIELDS}, headers={"Accept": PERSON_V2})
    if response.status in (404, 406):
        # [I] §6.2: older instances only know v1; one more GET only on this unusual path.
        response = ctx.client.fetch(f"/persons/id/{safe_id}")
    if response.status == 404:
        return PersonNotFound(status=response.status)
    if response.status == 403:
        return PersonRefused(status=response.status, messages=tuple(response.messages))
    record = ctx.client.decode(response)
    if not isinstance(record, dict):
        from topdesk_preflight.errors import BadResponseError

        raise BadResponseError(f"{response.path} did not return a person object", path=response.path)
    return PersonFound(status=response.status, person=Person.from_api(record))
