"""Sandbox profiles: each one shows its documented difference over real HTTPS; ``saas`` stays as it was.

One test class per profile (profiles.py names the audit rows each rests on; the public bodies they copy are
listed in tests/sandbox/README.md). At the end the conformance tests run again under every profile: the 200
bodies still match the official schemas, and ``spec_401_shapes`` sends the 401 bodies those schemas document.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from attrs import evolve
import requests
from test_sandbox_conformance import ENDPOINTS, SPEC_DIR, assert_conforms

from topdesk_preflight.sandbox import PROFILES, SAAS, Profile, Sandbox, parse_profile
from topdesk_preflight.sandbox import __main__ as sandbox_cli
from topdesk_preflight.sandbox import dto_names

V2_LIST = "application/x.topdesk-collection-person-v2+json"
V2_ONE = "application/x.topdesk-person-v2+json"
WRONG = ("hcp-svc", "not-the-password")
#: What the preflight asks /operators/current for (audit R3): all 13 names are in OperatorDto 2.7.11.
CHECK_OPERATOR_FIELDS = ("id,principalId,status,loginName,email,firstName,surName,dynamicName,branch,linkedPerson,"
                         "apiAccount,loginPermission,accountType")


def ids(response: Any) -> list[str]:
    return sorted(r["name"] for r in response.json())


# ------------------------------------------------------------------------------------- the catalogue

class TestCatalogue:
    def test_the_default_profile_is_saas_with_no_flag_set(self, start) -> None:
        sb, _ = start()
        assert sb.profile == SAAS == Profile() == parse_profile("saas") == parse_profile(None)
        assert SAAS.name == "saas" and SAAS.names == ()
        assert "profile" not in repr(sb)

    def test_every_profile_has_a_flag_a_description_and_evidence(self) -> None:
        flags = {name for name in PROFILES if name != "saas"}
        assert flags == {a.name for a in attrs.fields(Profile)}
        for info in PROFILES.values():
            assert info.description and info.evidence

    def test_profiles_combine_with_plus_in_catalogue_order(self) -> None:
        profile = parse_profile("french+pre_2024")
        assert profile.pre_2024 and profile.french and not profile.spec_dto
        assert profile.name == "pre_2024+french" and parse_profile(["pre_2024", "french"]) == profile
        assert parse_profile(profile) is profile

    def test_an_unknown_profile_names_the_known_ones(self) -> None:
        with pytest.raises(KeyError, match=r"unknown sandbox profile 'pre2024'; known: saas, pre_2024"):
            parse_profile("pre2024")
        with pytest.raises(KeyError):
            Sandbox(profile="nope")

    def test_load_keeps_the_profile_and_prepares_the_new_state(self, start) -> None:
        sb, api = start("healthy", profile="branch_filter")
        sb.load("person_mismatch")
        assert sb.profile.branch_filter and sb.state.service_operator.branch_filters
        assert api.get("/branches", params={"query": 'name=="HQ Stockholm"'}).json() == []

    def test_the_sandbox_cli_lists_profiles_and_refuses_unknown_ones(self, capsys) -> None:
        assert sandbox_cli.main(["--list"]) == 0
        out, err = capsys.readouterr()
        assert out.splitlines()[0].startswith("healthy")
        assert all(any(line.startswith(name) for line in err.splitlines()) for name in PROFILES)
        assert sandbox_cli.main(["--list-profiles"]) == 0
        assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == list(PROFILES)
        assert sandbox_cli.main(["--profile", "nope"]) == 2
        assert "unknown profile 'nope'" in capsys.readouterr().err

    def test_dto_names_are_the_vendored_spec_dtos(self) -> None:
        """strict_fields accepts exactly the names of each vendored DTO (persons v1: the recorded record)."""
        wanted = {"branch": ("supporting-files-2.7.11.json", "/branches", "ExtendedBranchDto"),
                  "location": ("supporting-files-2.7.11.json", "/locations", "ExtendedLocationDto"),
                  "operator": ("supporting-files-2.7.11.json", "/operators/current", "OperatorDto"),
                  "person_v2": ("supporting-files-2.7.11.json", "/persons/{id}", "PersonV2Dto"),
                  "reservation": ("reservations-2.0.0.json", "/reservations", "ReservationDto")}
        for kind, (file, path, dto) in wanted.items():
            spec = json.loads((SPEC_DIR / file).read_text(encoding="utf-8"))
            op = next(o for o in spec["operations"] if o["path"] == path and o["method"] == "GET")
            assert dto_names.BY_KIND[kind] == set(op["output_schema"]["$defs"][dto]["properties"]), kind


# ------------------------------------------------------------------------------------- the profiles

class TestSaasIsUnchanged:
    def test_operator_records_carry_the_2024_fields_and_archived_only_when_named(self, start) -> None:
        _, api = start()
        current = api.get("/operators/current").json()
        assert {"linkedPerson", "apiAccount", "accountType"} <= set(current) and "archived" not in current
        assert current["prefixes"] == "" and current["dynamicName"] == "HCP Service"
        branches = api.get("/branches", params={"$fields": "id,name,archived", "query": "name=sw=''"}).json()
        assert {b["name"]: b["archived"] for b in branches}["Old Office"] is True
        assert api.get("/branches", params={"$fields": "id,nonsense"}).status_code == 200  # lenient

    def test_the_new_filters_endpoint_says_no_filters(self, start) -> None:
        sb, api = start()
        response = api.get(f"/operators/id/{sb.state.service_operator.id}/filters/branch")
        assert response.status_code == 204 and response.content == b""
        assert api.get("/operators/id/not-an-id/filters/branch").status_code == 400
        assert api.get("/operators/id/00000000-0000-4000-8000-00000000dead/filters/branch").status_code == 404


class TestPre2024:
    def test_operator_records_have_no_linked_person_api_account_or_account_type(self, start) -> None:
        _, api = start(profile="pre_2024")
        current = api.get("/operators/current").json()
        assert not {"linkedPerson", "apiAccount", "accountType"} & set(current)
        assert set(api.get("/operators/current", params={"fields": "id,linkedPerson"}).json()) == {"id"}
        listed = api.get("/operators", params={"fields": "loginName,linkedPerson"}).json()
        assert all(set(o) == {"loginName"} for o in listed)

    def test_linked_person_is_no_query_field_either(self, start) -> None:
        sb, api = start(profile="pre_2024")
        person = sb.state.service_operator.linked_person
        assert api.get("/operators", params={"query": f"linkedPerson.id=={person.id}"}).status_code == 400


class TestSpecDto:
    def test_branches_and_locations_have_no_archived_key_even_when_named(self, start) -> None:
        _, api = start(profile="spec_dto")
        branches = api.get("/branches", params={"$fields": "id,name,status,archived", "query": "name=sw=''"}).json()
        assert all("archived" not in b for b in branches)
        assert {b["name"]: b["status"] for b in branches}["Old Office"] == "branchArchived"
        rooms = api.get("/locations", params={"$fields": "name,status,archived", "query": "name=sw=Old"}).json()
        assert rooms == [{"name": "Old Aurora 2.07", "status": "locationArchived"}]
        assert "archived" not in api.get("/operators/current", params={"fields": "id,archived"}).json()
        assert "archived" not in api.get("/persons", params={"$fields": "id,archived"}).json()[0]

    def test_archived_is_still_a_filter(self, start) -> None:
        _, api = start(profile="spec_dto")
        assert ids(api.get("/branches", params={"query": "archived==true"})) == ["Old Office"]
        assert ids(api.get("/locations", params={"query": "archived==true"})) == ["Old Aurora 2.07"]

    def test_persons_v2_keeps_archived_as_its_dto_has_it(self, start) -> None:
        sb, api = start(profile="spec_dto")
        person = sb.state.service_operator.linked_person
        assert api.get(f"/persons/{person.id}", headers={"Accept": V2_ONE}).json()["archived"] is False


class TestStrictFields:
    def test_a_name_outside_the_dto_is_400_with_topdesks_message(self, start) -> None:
        _, api = start(profile="strict_fields")
        response = api.get("/branches", params={"$fields": "id,name,status,archived"})
        assert response.status_code == 400
        assert response.json() == [{"message": "Error parsing one of the query parameters. $fields contains "
                                                "unknown field: 'archived'"}]

    def test_persons_v2_refuses_status_which_its_dto_lacks(self, start) -> None:
        sb, api = start(profile="strict_fields")
        person = sb.state.service_operator.linked_person
        response = api.get(f"/persons/{person.id}", params={"fields": "id,status"}, headers={"Accept": V2_ONE})
        assert response.status_code == 400 and "fields contains unknown field: 'status'" in response.text

    def test_dto_names_the_sandbox_does_not_render_are_accepted(self, start) -> None:
        _, api = start(profile="strict_fields")
        assert api.get("/operators/current", params={"fields": CHECK_OPERATOR_FIELDS}).status_code == 200
        assert api.get("/branches", params={"$fields": "id,address,branch.nonsense"}).status_code == 400
        assert api.get("/locations", params={"$fields": "name,area,branch.name"}).status_code == 200

    def test_with_pre_2024_the_2024_names_are_unknown(self, start) -> None:
        _, api = start(profile="pre_2024+strict_fields")
        response = api.get("/operators/current", params={"fields": CHECK_OPERATOR_FIELDS})
        assert response.status_code == 400 and "unknown field: 'linkedPerson'" in response.text


class TestLegacyLocationPaging:
    def test_locations_page_with_start_and_page_size_and_206(self, start) -> None:
        _, api = start(profile="legacy_location_paging")
        first = api.get("/locations", params={"page_size": 2})
        assert first.status_code == 206 and len(first.json()) == 2
        rest = api.get("/locations", params={"start": 2, "page_size": 100})
        assert rest.status_code == 200 and len(first.json()) + len(rest.json()) == 7

    def test_page_size_is_ignored_and_the_default_page_is_10(self, start) -> None:
        sb, api = start(profile="legacy_location_paging")
        hq = sb.state.branch_named("HQ Stockholm")
        sb.state.locations += [evolve(sb.state.locations[0], id=f"00000000-0000-4000-8000-{n:012x}",
                                      name=f"Extra {n}", branch=hq) for n in range(8)]
        response = api.get("/locations", params={"pageSize": 2001, "query": f"branch.id=={hq.id}"})
        assert response.status_code == 206 and len(response.json()) == 10
        assert api.get("/locations", params={"pageSize": 1}).status_code == 206

    def test_saas_ignores_start_and_caps_with_page_size(self, start) -> None:
        _, api = start()
        response = api.get("/locations", params={"page_size": 2})
        assert response.status_code == 200 and len(response.json()) == 7


class TestNoFiql:
    def test_query_is_ignored_on_supporting_files(self, start) -> None:
        sb, api = start(profile="no_fiql")
        assert ids(api.get("/branches", params={"query": 'name=="HQ Stockholm"'})) == [
            "Branch Göteborg", "HQ Stockholm"]
        hq = sb.state.branch_named("HQ Stockholm").id
        rooms = api.get("/locations", params={"query": f"branch.id=={hq}", "$fields": "name,branch"}).json()
        assert {r["branch"]["name"] for r in rooms} == {"HQ Stockholm", "Branch Göteborg"}
        operators = api.get("/operators", params={"query": "not fiql at all", "fields": "loginName"})
        assert operators.status_code == 200 and len(operators.json()) == 3  # the active ones, unfiltered


class TestNoLocationTypes:
    def test_location_types_is_404(self, start) -> None:
        _, api = start(profile="no_location_types")
        response = api.get("/locations/types")
        assert response.status_code == 404 and response.json() == [{"message": "Resource not found"}]
        assert api.get("/locations").status_code == 200


class TestNoPersonsV2:
    def test_v2_list_and_single_are_406_and_v1_still_answers(self, start) -> None:
        sb, api = start(profile="no_persons_v2")
        person = sb.state.service_operator.linked_person
        assert api.get("/persons", headers={"Accept": V2_LIST}).status_code == 406
        assert api.get(f"/persons/{person.id}", headers={"Accept": V2_ONE}).status_code == 406
        assert api.get(f"/persons/{person.id}").status_code == 406
        assert api.get("/persons", params={"page_size": 100}).status_code == 200
        assert api.get(f"/persons/id/{person.id}").json()["id"] == person.id


class TestFrench:
    def test_a_wrong_password_gets_tomcats_french_page(self, start) -> None:
        _, api = start(profile="french")
        for headers in ({}, {"Accept-Language": "fr-FR"}, {"Accept-Language": "sv, fr;q=0.9, en;q=0.5"}):
            response = api.get("/version", auth=WRONG, headers=headers)
            assert response.status_code == 401 and response.headers["Content-Type"].startswith("text/html")
            assert "La requête nécessite une authentification HTTP." in response.text
            assert "lacks valid authentication credentials" not in response.text

    def test_accept_language_en_gets_the_usual_answer(self, start) -> None:
        _, api = start(profile="french")
        for value in ("en", "en-GB,fr;q=0.5", "de, en;q=0.9"):
            response = api.get("/version", auth=WRONG, headers={"Accept-Language": value})
            assert response.json() == [{"message": "No authentication token provided"}], value
        assert api.get("/version").status_code == 200

    def test_with_the_html_style_en_gets_the_english_page(self, start) -> None:
        _, api = start("no_api_access", profile="french")
        english = api.get("/version", headers={"Accept-Language": "en"})
        assert "lacks valid authentication credentials" in english.text
        assert "authentification HTTP" in api.get("/version").text


class TestSpec401Shapes:
    @pytest.mark.parametrize(("path", "spec_path", "shape"), [
        ("/branches", "/branches", "wrapped"), ("/branches/lookup", "/branches/lookup", "wrapped"),
        ("/locations", "/locations", "entity"), ("/persons/{person}", "/persons/{id}", "descriptions"),
        ("/operators/current", "/operators/current", "message"), ("/persons", "/persons", "message"),
        ("/version", None, "wrapped"),
    ])
    def test_each_401_has_its_documented_shape(self, start, path, spec_path, shape) -> None:
        sb, api = start(profile="spec_401_shapes")
        person = sb.state.service_operator.linked_person
        body = api.get(path.replace("{person}", person.id), auth=WRONG).json()
        text = "No authentication token provided"
        description = {"errorCode": "unauthorized", "appliesTo": [], "errorMessage": text}
        assert body == {"wrapped": [{"errors": [description]}], "entity": {"errors": [description]},
                        "descriptions": [description], "message": [{"message": text}]}[shape]
        if spec_path is not None:
            assert_conforms(body, spec_path, "401")

    def test_archived_operator_keeps_its_message(self, start) -> None:
        _, api = start("operator_archived", profile="spec_401_shapes")
        body = api.get("/branches").json()
        assert body[0]["errors"][0]["errorMessage"] == "User removed or archived"

    def test_403_without_a_documented_body_is_empty(self, start) -> None:
        _, api = start("no_reservations_permission", profile="spec_401_shapes")
        response = api.get("/reservations")
        assert response.status_code == 403 and response.content == b""
        _, saas = start("no_reservations_permission")
        assert saas.get("/reservations").json()[0]["message"].startswith("No permission")


class TestText401AndHtml401:
    def test_text_401_is_plain_text(self, start) -> None:
        _, api = start(profile="text_401")
        response = api.get("/operators/current", auth=WRONG)
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.text == "No valid authentication token provided"

    def test_html_401_is_the_english_tomcat_page(self, start) -> None:
        _, api = start(profile="html_401")
        response = api.get("/version", auth=WRONG)
        assert response.status_code == 401 and "lacks valid authentication credentials" in response.text


class TestReservations206NoBody:
    def test_more_results_than_top_is_206_without_a_body(self, start) -> None:
        sb, api = start(profile="reservations_206_no_body")
        sb.state.reservations.append(evolve(sb.state.reservations[0], id="00000000-0000-4000-8000-0000000000a1"))
        response = api.get("/reservations", params={"$fields": "id", "$top": 1})
        assert response.status_code == 206 and response.content == b""
        whole = api.get("/reservations", params={"$fields": "id", "$top": 10})
        assert whole.status_code == 200 and len(whole.json()["results"]) == 2


class TestCaseSensitiveEq:
    def test_equality_on_text_is_exact(self, start) -> None:
        _, api = start(profile="case_sensitive_eq")
        assert api.get("/branches", params={"query": 'name=="hq stockholm"'}).json() == []
        assert ids(api.get("/branches", params={"query": 'name=="HQ Stockholm"'})) == ["HQ Stockholm"]
        assert api.get("/operators", params={"query": 'email=="HCP@acme.example"'}).status_code == 204
        assert ids(api.get("/locations", params={"query": "type.name=in=(room)"})) == []
        _, saas = start()
        assert ids(saas.get("/branches", params={"query": 'name=="hq stockholm"'})) == ["HQ Stockholm"]


class TestBranchFilter:
    def test_the_operator_lists_its_branch_filter(self, start) -> None:
        sb, api = start(profile="branch_filter")
        response = api.get(f"/operators/id/{sb.state.service_operator.id}/filters/branch")
        assert response.status_code == 200
        body = response.json()
        assert [f["name"] for f in body] == ["Branch Göteborg"]
        assert_conforms(body, "/operators/id/{id}/filters/branch")

    def test_a_branch_outside_the_filter_is_empty_not_403(self, start) -> None:
        sb, api = start(profile="branch_filter")
        hq = sb.state.branch_named("HQ Stockholm").id
        response = api.get("/branches", params={"query": 'name=="HQ Stockholm"', "$fields": "id,name,status"})
        assert (response.status_code, response.json()) == (200, [])
        assert api.get("/locations", params={"query": f"branch.id=={hq}"}).json() == []
        assert ids(api.get("/branches")) == ["Branch Göteborg"]
        assert [r["name"] for r in api.get("/branches/lookup").json()["results"]] == ["Branch Göteborg"]

    def test_persons_and_operators_outside_the_filter_are_left_out(self, start) -> None:
        sb, api = start(profile="branch_filter")
        persons = api.get("/persons", params={"query": "email=='hcp@acme.example'"})
        assert persons.status_code == 204  # both cards are outside the filter
        listed = api.get("/operators", params={"fields": "loginName"}).json()
        assert listed == [{"loginName": "bberg"}]
        person = sb.state.service_operator.linked_person
        assert api.get(f"/persons/{person.id}", headers={"Accept": V2_ONE}).status_code == 403
        assert api.get("/operators/current").json()["loginName"] == "hcp-svc"  # its own card: always


class TestDutchPrefixes:
    def test_prefix_in_prefixes_on_the_operator_and_in_sur_name_on_the_person(self, start) -> None:
        sb, api = start(profile="dutch_prefixes")
        operator = api.get("/operators/current").json()
        assert (operator["firstName"], operator["prefixes"], operator["surName"]) == ("HCP", "van", "Service")
        person = api.get(f"/persons/{operator['linkedPerson']['id']}", headers={"Accept": V2_ONE}).json()
        assert (person["firstName"], person["surName"]) == ("HCP", "van Service")
        assert operator["dynamicName"] == person["dynamicName"] == "HCP van Service"

    def test_a_mismatching_person_still_mismatches(self, start) -> None:
        sb, _ = start("person_mismatch", profile="dutch_prefixes")
        person = sb.state.service_operator.linked_person
        assert person.sur_name == "van Servicedesk" and person.dynamic_name != sb.state.service_operator.dynamic_name


class TestCombined:
    def test_pre_2024_and_french_together(self, start) -> None:
        _, api = start(profile="pre_2024+french")
        assert "linkedPerson" not in api.get("/operators/current").json()
        assert "authentification HTTP" in api.get("/version", auth=WRONG).text


# ----------------------------------------------------------------------- conformance, every profile

SCHEMA_PROFILES = [name for name in PROFILES if name != "saas"]


class _Client:
    """Like conftest's Api (which a module-scoped fixture cannot take from the function-scoped ``start``)."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.session = requests.Session()
        self.session.trust_env = False

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(f"{self.sb.url}/tas/api{path}", auth=(self.sb.login, self.sb.password),
                                verify=self.sb.ca_file, timeout=10, **kw)


@pytest.fixture(scope="module", params=SCHEMA_PROFILES)
def profiled(request: pytest.FixtureRequest) -> Any:
    with Sandbox(scenario="healthy", password="Zq-7f!sandbox-profiles-secret-82", profile=request.param) as sb:
        client = _Client(sb)
        yield client
        client.session.close()


@pytest.mark.parametrize(("path", "params", "spec_path"), ENDPOINTS, ids=[f"{e[0]}{e[1]}" for e in ENDPOINTS])
def test_every_endpoint_conforms_under_every_profile(profiled, path, params, spec_path) -> None:
    if profiled.sb.profile.no_location_types and path == "/locations/types":
        assert profiled.get(path).status_code == 404
        return
    response = profiled.get(path, params=params)
    assert response.status_code == 200, response.text
    assert_conforms(response.json(), spec_path)


def test_records_asked_for_archived_conform_under_spec_dto(start) -> None:
    _, api = start(profile="spec_dto")
    for path, params in (("/branches", {"$fields": "id,name,status,archived"}),
                         ("/locations", {"$fields": "id,name,status,archived"}),
                         ("/operators", {"fields": "id,status,archived"})):
        assert_conforms(api.get(path, params=params).json(), path)
