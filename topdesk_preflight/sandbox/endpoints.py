"""The TOPdesk REST API subset the checks use: routing, parameters, paging and each endpoint's answers.

Pure functions from (State, Request) to Response, with no sockets, so the HTTP layer stays thin. Each
handler follows its official spec (topdesk-openapi/) and the per-endpoint quirks of docs/topdesk-api.md §3:
``start``/``page_size`` with 206/204 on operators and persons v1, ``pageStart``/``pageSize`` with
``{"item","size","next"}`` on persons v2, ``$fields`` vs ``fields``, ``/branches`` defaulting to
``id,name``, and lists returning only active records unless a ``query`` is given (then archived too).
Where a profile (profiles.py) makes an instance differ, the handlers ask answers.py.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import parse_qs, urlencode

from topdesk_preflight.sandbox import answers, views
from topdesk_preflight.sandbox.auth import authenticate
from topdesk_preflight.sandbox.calls import MALFORMED, Call, Handler, Request
from topdesk_preflight.sandbox.calls import bool_param as _bool
from topdesk_preflight.sandbox.calls import int_param as _int
from topdesk_preflight.sandbox.calls import parse_uuid as _uuid
from topdesk_preflight.sandbox.filters import operator_branch_filters
from topdesk_preflight.sandbox.fiql import Field, FiqlError, compile_node, equalities
from topdesk_preflight.sandbox.fiql import parse as parse_fiql
from topdesk_preflight.sandbox.model import Location, Operator, Person, State
from topdesk_preflight.sandbox.profiles import SAAS, Profile
from topdesk_preflight.sandbox.responses import (
    Refusal, Response, descriptions, entity_error, json_response, message, no_content,
)

__all__ = ["API", "Call", "Refusal", "Request", "ROUTES", "handle"]

API = answers.API
PERSONS_V2_LIST = answers.PERSONS_V2_LIST
PERSONS_V2_ONE = "application/x.topdesk-person-v2+json"
NO_DATA = "No permission to access the data"


def handle(state: State, request: Request, profile: Profile = SAAS) -> Response:
    """Answer one GET (or HEAD) the way the profile's TOPdesk would."""
    route = None if answers.missing(profile, request.path) else _route(request.path)
    if route is None:
        if request.path == API or request.path.startswith(API + "/"):
            return message(404, "Resource not found")
        return Response(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html;charset=UTF-8")
    handler, parts = route
    caller = authenticate(state, request.headers.get("authorization"))
    if isinstance(caller, Response):
        return answers.unauthorized(profile, request.path, request.headers, caller)
    call = Call(state, caller, request, parse_qs(request.query, keep_blank_values=True), parts, profile)
    try:
        response = answers.refused_early(call) or handler(call)
    except Refusal as refusal:
        response = refusal.response
    return answers.reshaped(profile, request.path, response)


# ---------------------------------------------------------------------------------------- helpers

def _filtered(call: Call, records: Iterable[Any], fields: Mapping[str, Field],
              refuse: Callable[[str], Response], active_only_without_query: bool = True,
              collection: str | None = None) -> list[Any]:
    """Apply ``query``; without one, only active records come back (the §3.3 quirk).

    When the state carries an equality index for ``collection`` (the ``large`` scenario), a
    ``field==value`` test of the query narrows the records first, as a database index would;
    the full predicate still decides, so the answer is the same as a scan.
    """
    text = answers.query_text(call.profile, call.request.path, call.param("query"))  # no_fiql: R4, R7
    if text is None or text == "":
        if active_only_without_query:
            return answers.visible(call, [r for r in records if not r.archived])
        return answers.visible(call, list(records))
    try:
        node = parse_fiql(text)
        predicate = compile_node(node, answers.query_fields(call.profile, fields),
                                 case_sensitive=call.profile.case_sensitive_eq)  # F9
    except FiqlError as error:
        raise Refusal(refuse(f"{MALFORMED}: {error}")) from None
    indexes = call.state.indexes.get(collection or "", {})
    for selector, value in equalities(node):
        if selector in indexes:
            records = indexes[selector].get(value.casefold(), [])
            break
    return answers.visible(call, [r for r in records if predicate(r)])


def _start_page(call: Call, records: Sequence[Any], render: Callable[[Any], dict], fields: list[str] | None,
                refuse: Callable[[str], Response]) -> Response:
    """``start``/``page_size`` paging: 10 by default, 100 at most, 206 when more exist, 204 when none."""
    start = _int(call, "start", 0, 0, None, refuse) or 0
    size = _int(call, "page_size", 10, 1, 100, refuse) or 10
    page = records[start:start + size]
    if not page:
        return no_content()
    body = [views.select(render(r), fields) for r in page]
    return json_response(body, 206 if start + size < len(records) else 200)


def _bad_message(text: str) -> Response:
    return message(400, text)


def _bad_entity(text: str) -> Response:
    """400 as ``ErrorResponseEntity`` (locations, lookups)."""
    return entity_error(400, text)


def _bad_entity_wrapped(text: str) -> Response:
    """400 as an array of ``ErrorResponseEntity``, as the branches spec documents it."""
    return entity_error(400, text, wrapped=True)


# ---------------------------------------------------------------------------------------- general

def version(call: Call) -> Response:
    # /version needs a login in practice [C-peer], docs/topdesk-api.md §2.2; handle() already authenticated.
    return json_response({"version": call.state.version})


def product_version(call: Call) -> Response:
    # Also behind the login, by analogy with /version [I].
    major, minor, patch = call.state.product_version
    return json_response({"major": major, "minor": minor, "patch": patch})


# -------------------------------------------------------------------------------------- operators

def operators_current(call: Call) -> Response:
    operator = call.require_operator()
    return json_response(views.select(call.dto("operator", operator), call.fields("operator", "fields")))


def operators_current_id(call: Call) -> Response:
    return json_response({"id": call.require_operator().id})


def operators(call: Call) -> Response:
    call.require_operator()
    call.require("operators.read", message(403, NO_DATA))
    records = _filtered(call, call.state.operators, views.OPERATOR_FIELDS, _bad_message,
                        collection="operators")
    return _start_page(call, records, lambda o: call.dto("operator", o), call.fields("operator", "fields"),
                       _bad_message)


def _operator_by_id(call: Call) -> Operator | None:
    raw = call.parts[0]
    wanted = _uuid(raw)
    if wanted is None:
        raise Refusal(message(400, f"The operator id '{raw}' cannot be parsed"))
    return next((o for o in call.state.operators if o.id == wanted), None)


def operator_by_id(call: Call) -> Response:
    call.require_operator()
    operator = _operator_by_id(call)
    call.require("operators.read", message(403, "No permission to access the entity"))
    if operator is None:
        raise Refusal(message(404, "Entity not found"))
    return json_response(views.select(call.dto("operator", operator), call.fields("operator", "fields")))


def operator_permission_groups(call: Call) -> Response:
    call.require_operator()
    operator = _operator_by_id(call)
    denied = message(403, "No permission to retrieve permissiongroups")
    call.require("operators.read", denied)
    call.require("permission_groups.read", denied)
    if operator is None:
        raise Refusal(message(404, "The operator could not be found"))
    if not operator.permission_groups:
        return no_content()
    return json_response([views.searchlist(g) for g in operator.permission_groups])


def permission_groups(call: Call) -> Response:
    call.require("permission_groups.read", message(403, "No permission to see Permission groups"))
    return json_response([views.searchlist(g) for g in call.state.permission_groups])


# ---------------------------------------------------------------------------------------- persons

def _accepts(call: Call, *types: str) -> bool:
    accept = call.request.headers.get("accept", "").strip()
    if not accept:
        return True
    offered = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return bool(offered & {"*/*", "application/*", *types})


def persons(call: Call) -> Response:
    """v1 or v2 by the Accept header (docs/topdesk-api.md §6.2); anything else is a 406."""
    call.require("persons.read", message(403, NO_DATA))
    accept = call.request.headers.get("accept", "").lower()
    if PERSONS_V2_LIST in accept:
        return _persons_v2(call)
    if not _accepts(call, "application/json"):
        return Response(406, b"", None)
    records = _filtered(call, call.state.persons, views.PERSON_FIELDS, _bad_message, collection="persons")
    # v1 takes $fields (demisto hard-codes it [C-peer]) and, as the list spec names it, fields [I]
    fields = call.fields("person_v1", "$fields", "fields")
    return _start_page(call, records, lambda p: call.dto("person_v1", p), fields, _bad_message)


def _persons_v2(call: Call) -> Response:
    # Without a query v2 returns archived persons too: the v2 spec says so, unlike the other lists.
    records = _filtered(call, call.state.persons, views.PERSON_FIELDS, _bad_message,
                        active_only_without_query=False, collection="persons")
    records = _sorted(call, records)
    start = _int(call, "pageStart", 0, 0, None, _bad_message) or 0
    size = _int(call, "pageSize", 50, 1, 5000, _bad_message) or 50
    fields = call.fields("person_v2", "fields")
    page = records[start:start + size]
    more = start + size < len(records)
    next_url = None
    if more:
        params = {k: v[-1] for k, v in call.params.items()}
        params.update(pageStart=str(start + size), pageSize=str(size))
        # an absolute link to the next page; its exact form on a real instance is unverified [I]
        next_url = f"{call.request.base_url}{API}/persons?{urlencode(params)}"
    body = {"item": [views.select(call.dto("person_v2", p), fields, hidden=()) for p in page],
            "size": len(page), "next": next_url}
    return json_response(body, 206 if more else 200, PERSONS_V2_LIST)


def _sorted(call: Call, records: list[Person]) -> list[Person]:
    """v2 ``sort=field[:asc|:desc],…``, default ``dynamicName:asc``."""
    spec = call.param("sort") or "dynamicName:asc"
    for item in reversed([s.strip() for s in spec.split(",") if s.strip()]):
        name, _, direction = item.partition(":")
        field = views.PERSON_FIELDS.get(name)
        if field is None or direction.lower() not in ("", "asc", "desc"):
            raise Refusal(_bad_message(f"{MALFORMED}: cannot sort by {item!r}"))
        records = sorted(records, key=_sort_key(field), reverse=direction.lower() == "desc")
    return records


def _sort_key(field: Field) -> Callable[[Person], str]:
    return lambda record: str(field.read(record) or "").casefold()


def _person_by_id(call: Call, raw: str, refuse: Callable[[int, str], Response]) -> Person:
    wanted = _uuid(raw)
    if wanted is None:
        raise Refusal(refuse(400, MALFORMED))
    call.require("persons.read", refuse(403, "No permission to access the entity"))
    person = next((p for p in call.state.persons if p.id == wanted), None)
    if person is None:
        raise Refusal(refuse(404, "Entity not found"))
    if not answers.visible(call, [person]):  # outside the branch filter: 403 rather than 404 [I] F14
        raise Refusal(refuse(403, "No permission to access the entity"))
    return person


def person_v2(call: Call) -> Response:
    if not _accepts(call, PERSONS_V2_ONE, "application/json"):  # application/json accepted too [I]
        return Response(406, b"", None)
    codes = {400: "badRequest", 403: "forbidden", 404: "notFound"}
    person = _person_by_id(call, call.parts[0], lambda s, t: descriptions(s, t, codes[s]))
    dto = views.select(call.dto("person_v2", person), call.fields("person_v2", "fields"), hidden=())
    return json_response(dto, 200, PERSONS_V2_ONE)


def person_v1(call: Call) -> Response:
    person = _person_by_id(call, call.parts[0], message)
    fields = call.fields("person_v1", "$fields", "fields")
    return json_response(views.select(call.dto("person_v1", person), fields))


# ----------------------------------------------------------------------------- branches, locations

def branches(call: Call) -> Response:
    call.require("branches.read", message(403, NO_DATA))
    records = _filtered(call, call.state.branches, views.BRANCH_FIELDS, _bad_entity_wrapped)
    # $fields defaults to id,name: GET /branches without it shows no status [C-spec] §3.2
    fields = call.fields("branch", "$fields", default="id,name")
    return json_response([views.select(call.dto("branch", b), fields) for b in records])


def _lookup(call: Call, records: Iterable[Any]) -> Response:
    """``/…/lookup``: ``name`` prefix, ``archived`` (omitted: both), ``$top`` 1..10000 (default 1000), ``$all``."""
    top = _int(call, "$top", 1000, 1, 10000, _bad_entity) or 1000
    archived = _bool(call, "archived", _bad_entity)
    everything = _bool(call, "$all", _bad_entity)
    prefix = (call.param("name") or "").casefold()  # case-insensitive prefix: a guess [I]
    found = sorted((r for r in answers.visible(call, list(records))
                    if r.name.casefold().startswith(prefix) and (archived is None or r.archived == archived)),
                   key=lambda r: r.name.casefold())
    if not everything:
        found = found[:top]
    return json_response({"results": [{"id": r.id, "name": r.name} for r in found]})


def branches_lookup(call: Call) -> Response:
    call.require("branches.read", message(403, "No read permission on branches or you're not an operator"))
    return _lookup(call, call.state.branches)


def locations(call: Call) -> Response:
    call.require("locations.read", message(403, NO_DATA))
    records = _filtered(call, call.state.locations, views.LOCATION_FIELDS, _bad_entity,
                        collection="locations")
    fields = call.fields("location", "$fields", default="id,name,roomNumber,branch")
    if call.profile.legacy_location_paging:  # R7, P8: start/page_size and 206, pageSize ignored
        return _start_page(call, records, lambda r: call.dto("location", r), fields, _bad_entity)
    size = _int(call, "pageSize", None, 1, None, _bad_entity)  # unlimited by default [C-spec]
    if size is not None:
        records = records[:size]
    return json_response([views.select(call.dto("location", r), fields) for r in records])


def location_types(call: Call) -> Response:
    call.require("locations.read", entity_error(403, "No permission to see Room type", "forbidden", wrapped=True))
    return json_response([views.searchlist(t) for t in call.state.location_types])


def locations_lookup(call: Call) -> Response:
    call.require("locations.read", message(403, "No read permission on locations or you're not an operator"))
    return _lookup(call, call.state.locations)


# ----------------------------------------------------------------------------------- reservations

def reservations(call: Call) -> Response:
    call.require("reservations", message(403, "No permission to access the reservations management API"))
    top = _int(call, "$top", 1000, 1, 10000, _bad_message) or 1000
    # without a query archived reservations are left out, like the other lists [I]
    records = _filtered(call, call.state.reservations, views.RESERVATION_FIELDS, _bad_message)
    records.sort(key=lambda r: r.planned_start)
    fields = call.fields("reservation", "$fields")
    body = {"results": [views.select(views.reservation_dto(r), fields) for r in records[:top]]}
    # 206: "larger than could be shown; request again with a later plannedStartDate" [C-spec]
    return json_response(body, 206 if len(records) > top else 200)


def reservable_locations(call: Call) -> Response:
    call.require("reservations", message(403, "No permission to access reservable locations"))
    top = _int(call, "$top", 1000, 1, 10000, _bad_message) or 1000
    wanted: set[str] = set()
    for raw in call.params.get("branchId", []):
        branch_id = _uuid(raw)
        if branch_id is None:
            raise Refusal(_bad_message(f"{MALFORMED}: branchId {raw!r} is not a UUID"))
        wanted.add(branch_id)
    found: list[Location] = [
        loc for loc in call.state.locations
        if loc.reservable and not loc.archived and (not wanted or loc.branch.id in wanted)
    ][:top]
    fields = call.fields("reservable_location", "$fields")
    return json_response({"results": [views.select(views.reservable_location_dto(r), fields) for r in found]})


# ------------------------------------------------------------------------------------------ routes

_SEGMENT = "([^/]+)"
ROUTES: tuple[tuple[re.Pattern[str], Handler], ...] = tuple(
    (re.compile(f"^{API}{pattern}$"), handler) for pattern, handler in (
        ("/version", version),
        ("/productVersion", product_version),
        ("/operators/current", operators_current),
        ("/operators/current/id", operators_current_id),
        ("/operators", operators),
        (f"/operators/id/{_SEGMENT}", operator_by_id),
        (f"/operators/id/{_SEGMENT}/permissiongroups", operator_permission_groups),
        (f"/operators/id/{_SEGMENT}/filters/branch", operator_branch_filters),
        ("/permissiongroups", permission_groups),
        ("/persons", persons),
        (f"/persons/id/{_SEGMENT}", person_v1),
        (f"/persons/{_SEGMENT}", person_v2),
        ("/branches", branches),
        ("/branches/lookup", branches_lookup),
        ("/locations", locations),
        ("/locations/types", location_types),
        ("/locations/lookup", locations_lookup),
        ("/reservations", reservations),
        ("/reservableLocations", reservable_locations),
    )
)


def _route(path: str) -> tuple[Handler, tuple[str, ...]] | None:
    for pattern, handler in ROUTES:
        match = pattern.match(path)
        if match:
            return handler, match.groups()
    return None
