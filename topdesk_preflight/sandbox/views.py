"""Records as TOPdesk's JSON: the DTO shapes, field selection and the fields each query may name.

Shapes follow the official specs in topdesk-openapi/ (ExtendedBranchDto, ExtendedLocationDto,
OperatorDto, PersonV2Dto, ReservationDto) trimmed to what the model knows; unset dropdowns are ``null``
as in the rapid7 fixtures (docs/topdesk-api.md §4, §6.1). Dates: supporting files use
``2020-09-29T21:08:30.000+0000``, reservations ISO-8601 with ``Z`` (§3.6).
"""

from __future__ import annotations

from datetime import datetime, UTC
from typing import Any, Iterable, Mapping

from topdesk_preflight.sandbox.fiql import Field
from topdesk_preflight.sandbox.model import Branch, Location, Operator, Person, Reservation, Searchlist

Dto = dict[str, Any]


def old_date(value: datetime) -> str:
    """Supporting-files date format, e.g. ``2020-09-29T21:08:30.000+0000``."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def iso_date(value: datetime) -> str:
    """Reservations date format: ISO-8601 UTC, e.g. ``2019-06-20T09:41:02.019Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def searchlist(item: Searchlist | Branch | None) -> Dto | None:
    return None if item is None else {"id": item.id, "name": item.name}


def branch_dto(branch: Branch) -> Dto:
    return {
        "id": branch.id, "status": branch.status, "name": branch.name, "specification": "",
        "clientReferenceNumber": branch.client_reference_number, "timeZone": branch.time_zone,
        "extraA": None, "extraB": None, "phone": "", "fax": "", "email": "", "website": "",
        # "ownOrganisation" is a guess [I] (docs/topdesk-api.md §4)
        "branchType": "ownOrganisation", "headBranch": None, "optionalFields1": None, "optionalFields2": None,
        "creationDate": old_date(branch.creation_date), "archived": branch.archived,
    }


def location_dto(location: Location) -> Dto:
    return {
        "id": location.id, "status": location.status, "name": location.name,
        "roomNumber": location.room_number, "functionalUse": None, "type": searchlist(location.type),
        "capacity": location.capacity, "specification": "", "branch": searchlist(location.branch),
        "buildingZone": searchlist(location.building_zone), "roomStatus": None, "majorLocation": None,
        "reservationManagement": {
            "reservable": location.reservable, "issuable": False, "requiresApproval": location.requires_approval,
            "visibleInSsd": location.visible_in_ssd, "reservableInSsd": location.reservable_in_ssd,
        },
        "creationDate": old_date(location.creation_date), "archived": location.archived,
    }


def operator_dto(operator: Operator) -> Dto:
    branch = operator.branch
    return {
        "id": operator.id, "principalId": operator.id, "status": operator.status,
        "accountType": operator.account_type, "apiAccount": operator.api_account,
        "surName": operator.sur_name, "firstName": operator.first_name, "dynamicName": operator.dynamic_name,
        "initials": f"{operator.first_name[:1]}." if operator.first_name else "", "prefixes": operator.prefixes,
        "gender": "UNDEFINED",
        "branch": {"id": branch.id, "name": branch.name, "clientReferenceNumber": branch.client_reference_number,
                   "timeZone": branch.time_zone, "extraA": None, "extraB": None},
        "location": None, "telephone": "", "mobileNumber": "", "email": operator.email, "exchangeAccount": "",
        "loginName": operator.login_name, "loginPermission": operator.login_permission,
        "linkedPerson": searchlist_person(operator.linked_person), "jobTitle": "", "department": None,
        "employeeNumber": "", "networkLoginName": "", "installer": False, "firstLineCallOperator": False,
        "secondLineCallOperator": False, "reservationsOperator": operator.reservations_operator,
        "creationDate": old_date(operator.creation_date), "archived": operator.archived,
    }


def searchlist_person(person: Person | Operator | None) -> Dto | None:
    """``{id, name}`` of a person or operator, the name being its dynamic name."""
    return None if person is None else {"id": person.id, "name": person.dynamic_name}


def person_v1_dto(person: Person) -> Dto:
    return {
        "id": person.id, "status": person.status, "surName": person.sur_name, "firstName": person.first_name,
        "dynamicName": person.dynamic_name, "email": person.email, "tasLoginName": person.login_name,
        "networkLoginName": "", "employeeNumber": "", "jobTitle": "", "phoneNumber": "", "mobileNumber": "",
        "branch": {"id": person.branch.id, "name": person.branch.name}, "location": None, "department": None,
        "creationDate": old_date(person.creation_date), "archived": person.archived,
    }


def person_v2_dto(person: Person) -> Dto:
    return {
        "id": person.id, "principalId": person.id, "firstName": person.first_name, "surName": person.sur_name,
        "dynamicName": person.dynamic_name, "archived": person.archived, "email": person.email,
        "tasLoginName": person.login_name, "networkLoginName": "", "employeeNumber": "", "jobTitle": "",
        "phoneNumber": "", "mobileNumber": "",
        "branch": {"id": person.branch.id, "name": person.branch.name, "phoneNumber": "",
                   "clientReferenceNumber": person.branch.client_reference_number},
        "location": None, "department": None, "hasSspAccess": bool(person.login_name), "isCaller": True,
        "isManager": False, "creationDate": old_date(person.creation_date),
    }


def reservation_dto(reservation: Reservation) -> Dto:
    location, requester = reservation.location, reservation.requester
    start, end = iso_date(reservation.planned_start), iso_date(reservation.planned_end)
    return {
        "id": reservation.id, "status": reservation.status, "number": reservation.number,
        "briefDescription": reservation.brief_description, "notes": "", "archived": reservation.archived,
        "requester": {"id": requester.id, "name": requester.dynamic_name, "email": requester.email,
                      "branch": {"id": requester.branch.id, "name": requester.branch.name}},
        "operator": searchlist_person(reservation.operator),
        "numberOfPersons": 1, "plannedStartDate": start, "plannedEndDate": end,
        "reservedFacilities": [{
            "id": reservation.id, "plannedStartDate": start, "plannedEndDate": end,
            "startDateBlock": start, "endDateBlock": end,
            "location": {"id": location.id, "name": location.name, "roomNumber": location.room_number,
                         "branch": searchlist(location.branch), "roomType": searchlist(location.type)},
        }],
        "modificationDate": start,
    }


def reservable_location_dto(location: Location) -> Dto:
    return {"id": location.id, "name": location.name, "roomNumber": location.room_number,
            "capacity": location.capacity, "branch": searchlist(location.branch)}


# ------------------------------------------------------------------------------------ field selection

def parse_fields(raw: str | None) -> list[str] | None:
    """``"id,name, branch.name"`` -> ``["id", "name", "branch.name"]``; absent or ``*``/``all`` -> None (all)."""
    if raw is None:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names or names in (["*"], ["all"]):
        return None
    return names


def select(dto: Dto, names: Iterable[str] | None, hidden: Iterable[str] = ("archived",)) -> Dto:
    """Keep the named fields (dotted names pick sub-fields, ``branch.name``); None keeps all but ``hidden``.

    Unknown names are ignored rather than rejected: the specs do not say, and ignoring is the lenient
    choice a client cannot trip over [I] (docs/topdesk-api.md §3.2). ``archived`` is not part of the
    documented DTOs (``status`` is), so it only appears when asked for by name [I].
    """
    if names is None:
        hide = set(hidden)
        return {k: v for k, v in dto.items() if k not in hide}
    out: Dto = {}
    for name in names:
        head, _, rest = name.partition(".")
        if head not in dto:
            continue
        value = dto[head]
        if rest and isinstance(value, Mapping):
            sub = select(dict(value), [rest], hidden=())
            existing = out.get(head)
            out[head] = {**existing, **sub} if isinstance(existing, dict) else sub
        elif rest and isinstance(value, list):
            out[head] = [select(dict(v), [rest], hidden=()) if isinstance(v, Mapping) else v for v in value]
        else:
            out[head] = value
    return out


# --------------------------------------------------------------------------- fields a query may name

def _ref_id(attr: str) -> Field:
    return Field(lambda r: (getattr(r, attr) or _NONE).id, "uuid")


def _ref_name(attr: str) -> Field:
    return Field(lambda r: (getattr(r, attr) or _NONE).name)


class _None:
    id = None
    name = None
    dynamic_name = None


_NONE = _None()

BRANCH_FIELDS: dict[str, Field] = {
    "id": Field(lambda b: b.id, "uuid"), "name": Field(lambda b: b.name), "status": Field(lambda b: b.status),
    "archived": Field(lambda b: b.archived, "bool"), "timeZone": Field(lambda b: b.time_zone),
    "clientReferenceNumber": Field(lambda b: b.client_reference_number),
    "creationDate": Field(lambda b: b.creation_date, "datetime"),
}

LOCATION_FIELDS: dict[str, Field] = {
    "id": Field(lambda r: r.id, "uuid"), "name": Field(lambda r: r.name), "status": Field(lambda r: r.status),
    "roomNumber": Field(lambda r: r.room_number), "capacity": Field(lambda r: r.capacity, "int"),
    "archived": Field(lambda r: r.archived, "bool"),
    "branch.id": Field(lambda r: r.branch.id, "uuid"), "branch.name": Field(lambda r: r.branch.name),
    "type.id": _ref_id("type"), "type.name": _ref_name("type"),
    "buildingZone": _ref_name("building_zone"), "buildingZone.id": _ref_id("building_zone"),
    "buildingZone.name": _ref_name("building_zone"),
    "reservationManagement.reservable": Field(lambda r: r.reservable, "bool"),
    "reservationManagement.requiresApproval": Field(lambda r: r.requires_approval, "bool"),
    "reservationManagement.visibleInSsd": Field(lambda r: r.visible_in_ssd, "bool"),
    "reservationManagement.reservableInSsd": Field(lambda r: r.reservable_in_ssd, "bool"),
    "creationDate": Field(lambda r: r.creation_date, "datetime"),
}

OPERATOR_FIELDS: dict[str, Field] = {
    "id": Field(lambda o: o.id, "uuid"), "principalId": Field(lambda o: o.id, "uuid"),
    "status": Field(lambda o: o.status), "accountType": Field(lambda o: o.account_type),
    "apiAccount": Field(lambda o: o.api_account, "bool"), "surName": Field(lambda o: o.sur_name),
    "firstName": Field(lambda o: o.first_name), "dynamicName": Field(lambda o: o.dynamic_name),
    "email": Field(lambda o: o.email), "loginName": Field(lambda o: o.login_name),
    "loginPermission": Field(lambda o: o.login_permission, "bool"),
    "reservationsOperator": Field(lambda o: o.reservations_operator, "bool"),
    "archived": Field(lambda o: o.archived, "bool"),
    "branch.id": Field(lambda o: o.branch.id, "uuid"), "branch.name": Field(lambda o: o.branch.name),
    "linkedPerson": Field(lambda o: o.linked_person, "ref"),
    "linkedPerson.id": _ref_id("linked_person"),
    "linkedPerson.name": Field(lambda o: (o.linked_person or _NONE).dynamic_name),
    "creationDate": Field(lambda o: o.creation_date, "datetime"),
}

PERSON_FIELDS: dict[str, Field] = {
    "id": Field(lambda p: p.id, "uuid"), "principalId": Field(lambda p: p.id, "uuid"),
    "status": Field(lambda p: p.status), "firstName": Field(lambda p: p.first_name),
    "surName": Field(lambda p: p.sur_name), "dynamicName": Field(lambda p: p.dynamic_name),
    "email": Field(lambda p: p.email), "tasLoginName": Field(lambda p: p.login_name),
    "archived": Field(lambda p: p.archived, "bool"),
    "branch.id": Field(lambda p: p.branch.id, "uuid"), "branch.name": Field(lambda p: p.branch.name),
    "creationDate": Field(lambda p: p.creation_date, "datetime"),
}

RESERVATION_FIELDS: dict[str, Field] = {
    "id": Field(lambda r: r.id, "uuid"), "status": Field(lambda r: r.status), "number": Field(lambda r: r.number),
    "archived": Field(lambda r: r.archived, "bool"), "briefDescription": Field(lambda r: r.brief_description),
    "plannedStartDate": Field(lambda r: r.planned_start, "datetime"),
    "plannedEndDate": Field(lambda r: r.planned_end, "datetime"),
    "requester.id": Field(lambda r: r.requester.id, "uuid"), "requester.email": Field(lambda r: r.requester.email),
    "operator.id": _ref_id("operator"),
    "reservedFacilities.location.id": Field(lambda r: r.location.id, "uuid"),
    "reservedFacilities.location.roomNumber": Field(lambda r: r.location.room_number),
}
