"""The sandbox answers like TOPdesk: bodies match the official 200 schemas, paging and quirks as documented.

Bodies are validated over real HTTPS against the GET operation's 200 schema in the official specs vendored in
``tests/sandbox/openapi/`` (see its README.md for versions, sources and how they were trimmed); nothing outside
the repository is read, so a bare clone runs these tests.
Two relaxations, both from real TOPdesk answers rather than the spec: any property may be ``null`` (unset
dropdowns are ``null`` in the rapid7 fixtures), and date formats are not checked (supporting files send
``…000+0000``, which is not RFC 3339). On top, every key the sandbox sends must be a property the spec
names, so the sandbox cannot drift into fields TOPdesk does not have.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

# The official GET operations the sandbox serves, trimmed from TOPdesk's specs (openapi/README.md).
SPEC_DIR = Path(__file__).resolve().parent / "openapi"
SPEC_DIR_SHOWN = "tests/sandbox/openapi"
V2 = "application/x.topdesk-collection-person-v2+json"


@cache
def _operations() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for spec in sorted(SPEC_DIR.glob("*.json")):
        data = json.loads(spec.read_text(encoding="utf-8"))
        if data["base_path"] != "/tas/api":
            continue
        for op in data["operations"]:
            if op["method"] == "GET":
                found[op["path"]] = op["output_schema"]
    return found


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items()}
    if "properties" in out:
        out["properties"] = {k: _allow_null(v) for k, v in out["properties"].items()}
    return out


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def schema_for(spec_path: str, status: str = "200") -> dict[str, Any]:
    operations = _operations()
    if not operations:
        pytest.fail(f"no TOPdesk specs in {SPEC_DIR_SHOWN}: the vendored *.json files are missing (see its README.md)")
    if spec_path not in operations:
        pytest.fail(f"no GET {spec_path} in the specs in {SPEC_DIR_SHOWN}: vendor that operation (see its README.md)")
    output = operations[spec_path]
    content = output.get(status, {}).get("content")
    if not content:
        pytest.fail(f"GET {spec_path} in {SPEC_DIR_SHOWN} documents no {status} body (it has {sorted(output)})")
    schema = next(iter(content.values()))["schema"]
    return _nullable({**schema, "$defs": output.get("$defs", {})})


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        schema = _resolve(schema["anyOf"][0], root)
    if "allOf" in schema:
        merged: dict[str, Any] = {"properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(_resolve(part, root).get("properties", {}))
        return merged
    return schema


def unknown_keys(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str = "") -> list[str]:
    schema = _resolve(schema, root)
    if isinstance(instance, list) and "items" in schema:
        return [k for item in instance for k in unknown_keys(item, schema["items"], root, where + "[]")]
    if isinstance(instance, dict) and "properties" in schema:
        extra = [f"{where}.{k}" for k in instance if k not in schema["properties"]]
        for key, value in instance.items():
            if key in schema["properties"]:
                extra += unknown_keys(value, schema["properties"][key], root, f"{where}.{key}")
        return extra
    return []


def assert_conforms(body: Any, spec_path: str, status: str = "200") -> None:
    schema = schema_for(spec_path, status)
    jsonschema.validate(body, schema)
    assert unknown_keys(body, schema, schema) == [], f"fields the spec of {spec_path} does not name"


def test_a_schema_that_is_not_vendored_fails_naming_the_operation_and_the_folder() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"no GET /nowhere in the specs in tests/sandbox/openapi"):
        schema_for("/nowhere")
    with pytest.raises(pytest.fail.Exception, match=r"GET /version in tests/sandbox/openapi documents no 418 body"):
        schema_for("/version", "418")


ENDPOINTS = [
    # (our path, params, the spec's path)
    ("/version", {}, "/version"),
    ("/productVersion", {}, "/productVersion"),
    ("/operators/current", {}, "/operators/current"),
    ("/operators/current/id", {}, "/operators/current/id"),
    ("/operators", {"page_size": 100}, "/operators"),
    ("/permissiongroups", {}, "/permissiongroups"),
    ("/branches", {"$fields": "id,name,status,clientReferenceNumber,timeZone,headBranch,creationDate"}, "/branches"),
    ("/branches", {}, "/branches"),
    ("/branches/lookup", {"name": "HQ"}, "/branches/lookup"),
    ("/locations", {"$fields": "id,name,roomNumber,status,branch,type,capacity,buildingZone,reservationManagement"},
     "/locations"),
    ("/locations", {}, "/locations"),
    ("/locations/types", {}, "/locations/types"),
    ("/locations/lookup", {}, "/locations/lookup"),
    ("/reservations", {}, "/reservations"),
    ("/reservableLocations", {}, "/reservableLocations"),
]


@pytest.mark.parametrize(("path", "params", "spec_path"), ENDPOINTS, ids=[f"{e[0]}{e[1]}" for e in ENDPOINTS])
def test_every_endpoint_answers_200_with_the_documented_shape(api, path, params, spec_path) -> None:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert_conforms(response.json(), spec_path)


def test_single_records_match_their_schemas(api, healthy) -> None:
    operator = healthy.state.service_operator
    assert_conforms(api.get(f"/operators/id/{operator.id}").json(), "/operators/id/{id}")
    groups = api.get(f"/operators/id/{operator.id}/permissiongroups")
    assert groups.json() == [{"id": operator.permission_groups[0].id, "name": "HCP integration"}]
    assert_conforms(groups.json(), "/operators/id/{id}/permissiongroups")
    person = operator.linked_person
    v2 = api.get(f"/persons/{person.id}", headers={"Accept": "application/x.topdesk-person-v2+json"})
    assert v2.headers["Content-Type"].startswith("application/x.topdesk-person-v2+json")
    assert_conforms(v2.json(), "/persons/{id}")


def test_persons_v2_list_matches_the_schema_and_pages_with_a_next_link(api, healthy) -> None:
    first = api.get("/persons", params={"pageSize": 2}, headers={"Accept": V2})
    assert first.status_code == 206
    assert first.headers["Content-Type"].startswith(V2)
    assert_conforms(first.json(), "/persons", "206")
    assert first.json()["size"] == 2
    seen = [p["id"] for p in first.json()["item"]]
    next_url = first.json()["next"]
    while next_url:
        page = api.session.get(next_url, auth=(healthy.login, healthy.password), verify=healthy.ca_file,
                               headers={"Accept": V2}, timeout=10)
        assert_conforms(page.json(), "/persons", "200" if page.status_code == 200 else "206")
        seen += [p["id"] for p in page.json()["item"]]
        next_url = page.json()["next"]
    assert page.status_code == 200
    # v2 without a query returns archived persons too (the v2 spec says so)
    assert sorted(seen) == sorted(p.id for p in healthy.state.persons)


def test_persons_v2_over_the_maximum_page_size_is_400(api) -> None:
    assert api.get("/persons", params={"pageSize": 5001}, headers={"Accept": V2}).status_code == 400


def test_persons_v1_is_served_without_the_v2_accept_header(api, healthy) -> None:
    response = api.get("/persons", params={"page_size": 100})
    assert response.status_code == 200
    people = response.json()
    assert isinstance(people, list)
    assert {"id", "status", "firstName", "surName", "dynamicName", "email", "tasLoginName", "branch"} <= set(people[0])
    assert all(p["status"] == "person" for p in people)  # active only without a query
    single = api.get(f"/persons/id/{people[0]['id']}", params={"$fields": "id,email"})
    assert single.json() == {"id": people[0]["id"], "email": people[0]["email"]}


def test_persons_with_a_wrong_accept_header_is_406(api, healthy) -> None:
    assert api.get("/persons", headers={"Accept": "text/xml"}).status_code == 406
    person = healthy.state.service_operator.linked_person
    assert api.get(f"/persons/{person.id}", headers={"Accept": "text/xml"}).status_code == 406


class TestStartPageSizePaging:
    def test_default_page_is_10_and_206_says_more_exist(self, api, healthy) -> None:
        for n in range(12):
            healthy.state.operators.append(_filler_operator(healthy, n))
        try:
            first = api.get("/operators")
            assert first.status_code == 206 and len(first.json()) == 10
            rest = api.get("/operators", params={"start": 10, "page_size": 100})
            assert rest.status_code == 200
            active = [o for o in healthy.state.operators if not o.archived]
            assert len(first.json()) + len(rest.json()) == len(active)
        finally:
            del healthy.state.operators[-12:]

    def test_no_match_is_204_with_no_body(self, api) -> None:
        response = api.get("/operators", params={"query": "email==nobody@nowhere.example"})
        assert response.status_code == 204 and response.content == b""

    @pytest.mark.parametrize("params", [{"page_size": 101}, {"page_size": 0}, {"start": -1}, {"page_size": "ten"}])
    def test_out_of_range_paging_is_400_with_topdesks_error_array(self, api, params) -> None:
        response = api.get("/operators", params=params)
        assert response.status_code == 400
        assert isinstance(response.json()[0]["message"], str)

    def test_persons_v1_pages_the_same_way(self, api) -> None:
        assert api.get("/persons", params={"page_size": 2}).status_code == 206
        assert api.get("/persons", params={"page_size": 101}).status_code == 400


def _filler_operator(healthy, n):
    from topdesk_preflight.sandbox.model import Operator

    return Operator(f"00000000-0000-4000-8000-{n:012x}", f"filler{n}", "Fill", f"Er{n}", f"f{n}@acme.example",
                    healthy.state.branch_named("HQ Stockholm"))


class TestFieldsAndQueries:
    def test_branches_default_to_id_and_name_only(self, api) -> None:
        assert {tuple(sorted(b)) for b in api.get("/branches").json()} == {("id", "name")}

    def test_locations_default_to_id_name_room_number_branch(self, api) -> None:
        assert set(api.get("/locations").json()[0]) == {"id", "name", "roomNumber", "branch"}

    def test_operators_take_fields_not_dollar_fields(self, api) -> None:
        assert set(api.get("/operators/current", params={"fields": "id,email"}).json()) == {"id", "email"}

    def test_dotted_fields_pick_sub_fields(self, api) -> None:
        location = api.get("/locations", params={"$fields": "name,branch.name"}).json()[0]
        assert set(location) == {"name", "branch"} and set(location["branch"]) == {"name"}

    def test_lists_without_query_hide_archived_records_but_a_query_shows_them(self, api) -> None:
        plain = {b["name"] for b in api.get("/branches").json()}
        queried = {b["name"] for b in api.get("/branches", params={"query": "name=sw=''"}).json()}
        assert "Old Office" not in plain and "Old Office" in queried
        locations = api.get("/locations", params={"query": "name=sw=Old"}).json()
        assert [loc["name"] for loc in locations] == ["Old Aurora 2.07"]
        assert "Old Aurora 2.07" not in {loc["name"] for loc in api.get("/locations").json()}
        operators = api.get("/operators", params={"query": "loginName==oldop", "fields": "status"}).json()
        assert operators == [{"status": "operatorArchived"}]

    def test_the_rooms_query_the_checks_use(self, api, healthy) -> None:
        hq = healthy.state.branch_named("HQ Stockholm").id
        rooms = api.get("/locations", params={
            "query": f"branch.id=={hq};type.name=in=(Room,Desk);archived==false",
            "$fields": "name,type,reservationManagement"}).json()
        assert sorted(r["name"] for r in rooms) == ["Aurora 2.08", "Borealis 2.10", "Cirrus 4.02", "Hot desk 3.01"]
        assert all(r["reservationManagement"]["reservable"] for r in rooms)

    def test_email_query_on_operators_and_persons(self, api) -> None:
        ops = api.get("/operators", params={"query": "email=='hcp@acme.example';archived==false"}).json()
        assert [o["loginName"] for o in ops] == ["hcp-svc"]
        persons = api.get("/persons", params={"query": "email=='hcp@acme.example'"}).json()
        assert sorted(p["status"] for p in persons) == ["person", "personArchived"]

    def test_linked_person_query(self, api, healthy) -> None:
        person = healthy.state.service_operator.linked_person
        ops = api.get("/operators", params={"query": f"linkedPerson.id=={person.id}", "fields": "loginName"})
        assert ops.json() == [{"loginName": "hcp-svc"}]

    @pytest.mark.parametrize(("path", "shape"), [("/operators", list), ("/locations", dict), ("/branches", list)])
    def test_bad_query_is_400_with_the_endpoints_error_shape(self, api, path, shape) -> None:
        for query in ("floor==2", "name=='unterminated"):
            response = api.get(path, params={"query": query})
            assert response.status_code == 400
            assert isinstance(response.json(), shape)

    def test_lookups_filter_by_name_prefix_and_archived(self, api) -> None:
        names = [r["name"] for r in api.get("/branches/lookup", params={"name": "o"}).json()["results"]]
        assert names == ["Old Office"]
        assert api.get("/branches/lookup", params={"name": "o", "archived": "false"}).json() == {"results": []}
        assert len(api.get("/locations/lookup", params={"$top": 2}).json()["results"]) == 2
        assert api.get("/branches/lookup", params={"$top": 0}).status_code == 400

    def test_page_size_caps_locations(self, api) -> None:
        assert len(api.get("/locations", params={"pageSize": 2}).json()) == 2


class TestSingleRecordErrors:
    def test_unparsable_operator_id_is_400_with_topdesks_message(self, api) -> None:
        response = api.get("/operators/id/not-an-id")
        assert response.status_code == 400
        assert response.json() == [{"message": "The operator id 'not-an-id' cannot be parsed"}]
        assert api.get("/operators/id/not-an-id/permissiongroups").status_code == 400

    def test_unknown_operator_is_404(self, api) -> None:
        missing = "00000000-0000-4000-8000-00000000dead"
        assert api.get(f"/operators/id/{missing}").json() == [{"message": "Entity not found"}]
        assert api.get(f"/operators/id/{missing}/permissiongroups").status_code == 404
        assert api.get(f"/persons/{missing}").status_code == 404
        assert api.get(f"/persons/id/{missing}").status_code == 404

    def test_unknown_path_is_404_json_under_the_api_and_html_outside(self, api, healthy) -> None:
        response = api.get("/no/such/thing")
        assert response.status_code == 404 and isinstance(response.json(), list)
        outside = api.session.get(f"{healthy.url}/tas/wrong", verify=healthy.ca_file, timeout=10)
        assert outside.status_code == 404 and outside.headers["Content-Type"].startswith("text/html")


class TestReservations:
    def test_top_caps_with_206(self, api, healthy) -> None:
        from attrs import evolve

        original = healthy.state.reservations[0]
        healthy.state.reservations.append(evolve(original, id="00000000-0000-4000-8000-0000000000a1"))
        try:
            response = api.get("/reservations", params={"$top": 1})
            assert response.status_code == 206 and len(response.json()["results"]) == 1
            assert api.get("/reservations", params={"$top": 10001}).status_code == 400
        finally:
            healthy.state.reservations.pop()

    def test_reservable_locations_filter_by_repeated_branch_id(self, api, healthy) -> None:
        hq = healthy.state.branch_named("HQ Stockholm").id
        goteborg = healthy.state.branch_named("Branch Göteborg").id
        only_hq = api.get("/reservableLocations", params={"branchId": hq}).json()["results"]
        both = api.get("/reservableLocations", params=[("branchId", hq), ("branchId", goteborg)]).json()["results"]
        assert sorted(r["name"] for r in only_hq) == ["Aurora 2.08", "Borealis 2.10", "Cirrus 4.02", "Hot desk 3.01"]
        assert {r["branch"]["name"] for r in both} == {"HQ Stockholm", "Branch Göteborg"}
        assert "Archive store B1" not in {r["name"] for r in both}  # not reservable
        assert api.get("/reservableLocations", params={"branchId": "nope"}).status_code == 400


def test_head_answers_like_get_without_a_body(api) -> None:
    response = api.session.head(f"{api.sb.url}/tas/api/version", auth=(api.sb.login, api.sb.password),
                                verify=api.sb.ca_file, timeout=10)
    assert response.status_code == 200 and response.content == b""
    assert api.sb.requests[-1].method == "HEAD" and not api.sb.requests[-1].flagged
