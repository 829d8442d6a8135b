"""What a profile changes in the sandbox's answers: record shapes, field lists, filters, 401/403/206 bodies.

endpoints.py asks this module at a few fixed points (routing, the 401, before and after each handler, each
record rendered, each field list and query read); under ``saas`` every function hands back what it was given,
so the default sandbox answers exactly as before. Each branch names the audit rows it rests on (profiles.py
lists them per profile); ``[I]`` marks a detail the evidence leaves open.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Mapping, TypeVar

from topdesk_preflight.sandbox import dto_names, views
from topdesk_preflight.sandbox.fiql import Field
from topdesk_preflight.sandbox.profiles import SAAS, Profile
from topdesk_preflight.sandbox.responses import (
    HTML, JSON, TEXT, UNAUTHORIZED_PAGE, Refusal, Response, json_response, message,
)

if TYPE_CHECKING:
    from topdesk_preflight.sandbox.calls import Call

API = "/tas/api"
PERSONS_V2_LIST = "application/x.topdesk-collection-person-v2+json"

Record = TypeVar("Record")

# ------------------------------------------------------------------------------------------- records

_BUILDERS: dict[str, Callable[[Any], views.Dto]] = {
    "branch": views.branch_dto, "location": views.location_dto, "operator": views.operator_dto,
    "person_v1": views.person_v1_dto, "person_v2": views.person_v2_dto,
}
#: spec_dto: the DTOs that have no ``archived`` (ExtendedBranchDto, ExtendedLocationDto, OperatorDto 2.7.11;
#: the recorded persons v1 record): audit §2.1, F8, F13, P3. PersonV2Dto does have it.
_NO_ARCHIVED = frozenset({"branch", "location", "operator", "person_v1"})


def dto(profile: Profile, kind: str, record: Any) -> views.Dto:
    """The record as the profile's TOPdesk renders it, before field selection."""
    out = _BUILDERS[kind](record)
    if profile == SAAS:
        return out
    if profile.pre_2024 and kind == "operator":  # R3, F6, P9: no such keys before April 2024
        for name in dto_names.OPERATOR_SINCE_2024:
            out.pop(name, None)
    if profile.spec_dto and kind in _NO_ARCHIVED:
        out.pop("archived", None)
    return out


def fields(profile: Profile, kind: str, raw: str | None, param: str) -> list[str] | None:
    """``fields``/``$fields`` as a list; under ``strict_fields`` a name outside the DTO is a 400.

    R3, R13, §2.2, P4/P6/P7: rapid7's unit tests model an unknown name in ``fields`` as 400, Tools4ever drops
    ``gender`` from persons-v2 ``fields`` as "not a supported field". The body is the one SeeITBV recorded for
    an unknown name in ``query`` (X1: ``[{"message": "Error parsing one of the query parameters. query
    contains unknown field: 'archived'"}]``), with the parameter's name in place of ``query`` [I].
    """
    names = views.parse_fields(raw)
    if names and profile.strict_fields:
        known = dto_names.known(kind, pre_2024=profile.pre_2024)
        unknown = next((n for n in names if n.partition(".")[0] not in known), None)
        if unknown is not None:
            text = f"Error parsing one of the query parameters. {param} contains unknown field: '{unknown}'"
            raise Refusal(message(400, text))
    return names


# ------------------------------------------------------------------------------------------- queries

def query_text(profile: Profile, path: str, raw: str | None) -> str | None:
    """no_fiql: the Supporting Files API before 1.38.0 ignores ``query`` (R4, R7, §2.6, P14).

    The Reservations API is a separate API and keeps its FIQL [I].
    """
    if profile.no_fiql and not path.startswith(API + "/reservations"):
        return None
    return raw


def query_fields(profile: Profile, allowed: Mapping[str, Field]) -> Mapping[str, Field]:
    """pre_2024: ``linkedPerson``, ``apiAccount`` and ``accountType`` are no fields to filter on either (R3)."""
    if not profile.pre_2024:
        return allowed
    return {k: v for k, v in allowed.items() if k.partition(".")[0] not in dto_names.OPERATOR_SINCE_2024}


def visible(call: Call, records: list[Record]) -> list[Record]:
    """Branch filters (§3.4, F12, F14): an operator with filters sees only records of the filters' branches.

    The spec says "Branch filters apply" on branches, locations, persons and operators: the records are left
    out, there is no 403. Records without a branch (reservations) are not filtered [I].
    """
    operator = call.caller.operator
    if operator is None or not operator.branch_filters:
        return records
    allowed = {b.id for f in operator.branch_filters for b in f.branches}

    def branch_id(record: Any) -> str | None:
        if hasattr(record, "branch"):
            return getattr(record.branch, "id", None)
        if hasattr(record, "time_zone"):  # a Branch itself
            return record.id  # type: ignore[no-any-return]
        return None

    return [r for r in records if (b := branch_id(r)) is None or b in allowed]


# ------------------------------------------------------------------------------------ whole answers

def missing(profile: Profile, path: str) -> bool:
    """no_location_types: ``/locations/types`` does not exist on this version (R10, P11)."""
    return profile.no_location_types and path == API + "/locations/types"


def refused_early(call: Call) -> Response | None:
    """no_persons_v2: 406, as the spec's 406 describes for "a version of TOPdesk that cannot use this version
    of the API yet … KI 17703" (R12, R13, P13); the body is empty, like the sandbox's other 406s."""
    if not call.profile.no_persons_v2:
        return None
    path = call.request.path
    v2_list = path == API + "/persons" and PERSONS_V2_LIST in call.request.headers.get("accept", "").lower()
    v2_one = path.startswith(API + "/persons/") and not path.startswith(API + "/persons/id/")
    return Response(406, b"", None) if v2_list or v2_one else None


#: spec_401_shapes, 403: the operations whose 403 documents no body (reservations 2.0.0; the lookups 2.7.11).
_BODILESS_403 = frozenset(API + p for p in ("/reservations", "/reservableLocations", "/branches/lookup",
                                            "/locations/lookup"))


def reshaped(profile: Profile, path: str, response: Response) -> Response:
    """The handler's answer, as this TOPdesk would send it."""
    if profile.reservations_206_no_body and path == API + "/reservations" and response.status == 206:
        return Response(206, b"", None)  # R18, §2.7, P1: reservations 2.0.0 documents 206 without content
    if profile.spec_401_shapes and response.status == 403 and path in _BODILESS_403:
        return Response(403, b"", None)  # §2.3: no 403 body in these operations' specs
    return response


# ------------------------------------------------------------------------------------------------ 401

#: Tomcat's ErrorReportValve page in French: apache/tomcat java/org/apache/catalina/valves/
#: LocalStrings_fr.properties (errorReportValve.statusHeader "État HTTP {0} – {1}", http.401.reason
#: "Non authorisé", errorReportValve.statusReport "Rapport d'état", errorReportValve.description
#: "description", http.401.desc "La requête nécessite une authentification HTTP."), laid out like the
#: English page in responses.py. Audit R1a, §2.4, P2.
UNAUTHORIZED_PAGE_FR = (
    "<!doctype html><html lang=\"fr\"><head><title>État HTTP 401 – Non authorisé</title></head><body>"
    "<h1>État HTTP 401 – Non authorisé</h1><hr class=\"line\" /><p><b>Type</b> Rapport d&#39;état</p>"
    "<p><b>description</b> La requête nécessite une authentification HTTP.</p><hr class=\"line\" />"
    "<h3>TOPdesk</h3></body></html>"
)

#: spec_401_shapes: each operation's documented 401 body (§2.3). ``[ErrorResponseEntity]`` for the branches
#: and lookups, ``ErrorResponseEntity`` for /locations, ``[ErrorDescription]`` for persons v2 by id; the
#: operators, persons and /locations/types document ``[ErrorResponse]``, the sandbox's default. /version,
#: /productVersion and the reservations API document no 401 body: they get the branches' shape, as probe
#: P15 injected [I].
_WRAPPED_ENTITY = ("/version", "/productVersion", "/branches", "/branches/lookup", "/locations/lookup",
                   "/reservations", "/reservableLocations")


def unauthorized(profile: Profile, path: str, headers: Mapping[str, str], response: Response) -> Response:
    """The 401 ``authenticate`` produced, in this instance's locale and shape."""
    if profile.french and not _english(headers.get("accept-language")):
        return Response(401, UNAUTHORIZED_PAGE_FR.encode("utf-8"), HTML, (("Content-Language", "fr"),))
    if profile.text_401:  # R1a: TOPdeskPS#114, "No valid authentication token provided"
        return Response(401, b"No valid authentication token provided", TEXT)
    if profile.html_401:  # R1a: pipedream#19120, Tomcat's English http.401.desc
        return Response(401, UNAUTHORIZED_PAGE.encode("utf-8"), HTML)
    if profile.spec_401_shapes and response.content_type == JSON:
        return _spec_shape(path, _message_text(response), response.status)
    return response


def _english(accept_language: str | None) -> bool:
    """Whether Tomcat would answer in English: the first language it has strings for, by preference.

    Tomcat (StringManager.getManager(package, request.getLocales())) takes the first requested locale it has
    a bundle for, else the server's default, French here. Only en and fr are modelled [I].
    """
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag.split("-")[0].lower()))
    for _, _, language in sorted(ranked):
        if language in ("en", "fr"):
            return language == "en"
    return False


def _message_text(response: Response) -> str:
    try:
        body = json.loads(response.body)
        return str(body[0]["message"])
    except (ValueError, LookupError, TypeError):
        return "No authentication token provided"


def _spec_shape(path: str, text: str, status: int) -> Response:
    description = {"errorCode": "unauthorized", "appliesTo": [], "errorMessage": text}  # errorCode [I]
    short = path[len(API):] if path.startswith(API) else path
    if short in _WRAPPED_ENTITY:
        return json_response([{"errors": [description]}], status)
    if short == "/locations":
        return json_response({"errors": [description]}, status)
    if short.startswith("/persons/") and not short.startswith("/persons/id/"):
        return json_response([description], status)
    return json_response([{"message": text}], status)
