"""Authentication and permissions in the sandbox behave as TOPdesk's (docs/topdesk-api.md §1)."""

from __future__ import annotations

import pytest

JSON_401 = [{"message": "No authentication token provided"}]


def test_the_scenarios_credentials_work_and_version_needs_them(api) -> None:
    assert api.get("/version").json() == {"version": "3.7.4"}
    assert api.get("/version", auth=None).status_code == 401
    assert api.get("/operators/current/id").json() == {"id": api.sb.state.service_operator.id}


@pytest.mark.parametrize("auth", [("hcp-svc", "wrong"), ("nobody", "x"), ("hcp@acme.example", "default"), None])
def test_wrong_or_missing_credentials_are_401_with_the_json_array(api, auth) -> None:
    if auth and auth[1] == "default":  # the email as username is not the login name (§1.1)
        auth = (auth[0], api.sb.password)
    response = api.get("/operators/current", auth=auth)
    assert response.status_code == 401
    assert response.json() == JSON_401


def test_login_names_match_case_insensitively(api) -> None:  # a guess [I]
    assert api.get("/version", auth=("HCP-SVC", api.sb.password)).status_code == 200


@pytest.mark.parametrize("scenario", ["login_disabled", "operator_archived", "app_password_expired"])
def test_broken_operator_accounts_are_401(start, scenario) -> None:
    sb, api = start(scenario, tls=False)
    response = api.get("/operators/current")
    assert response.status_code == 401
    assert isinstance(response.json(), list)


def test_missing_rest_api_permission_is_401_with_topdesks_html_page(start) -> None:
    sb, api = start("no_api_access", tls=False)
    response = api.get("/version")
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("text/html")
    assert "lacks valid authentication credentials" in response.text


def test_the_401_body_style_is_configurable(api) -> None:
    api.sb.state.auth_error_style = "text"
    try:
        response = api.get("/version", auth=None)
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.text == "No valid authentication token provided"
    finally:
        api.sb.state.auth_error_style = "json"


def test_a_persons_credentials_are_refused_on_operator_endpoints(start) -> None:
    sb, api = start("person_login", tls=False)
    assert sb.login == "hcp.service"
    for path in ("/operators/current", "/operators/current/id", "/operators"):
        response = api.get(path)
        assert response.status_code == 403
        assert response.json() == [{"message": "Operation not allowed for this log in"}]
    assert api.get("/version").status_code == 200  # the login itself is valid


def test_the_password_given_to_the_sandbox_is_the_one_that_works(start) -> None:
    sb, api = start("healthy", tls=False, password="another-distinctive-secret")
    assert sb.password == "another-distinctive-secret"
    assert api.get("/version").status_code == 200
    assert api.get("/version", auth=("hcp-svc", "sandbox-demo-app-password")).status_code == 401


class TestModulePermissions:
    def test_no_permission_group_is_204(self, start) -> None:
        sb, api = start("no_permission_group", tls=False)
        response = api.get(f"/operators/id/{sb.state.service_operator.id}/permissiongroups")
        assert response.status_code == 204 and response.content == b""

    def test_unreadable_permission_groups_are_403(self, start) -> None:
        sb, api = start("permission_groups_unreadable", tls=False)
        response = api.get(f"/operators/id/{sb.state.service_operator.id}/permissiongroups")
        assert response.status_code == 403
        assert response.json() == [{"message": "No permission to retrieve permissiongroups"}]
        assert api.get("/permissiongroups").status_code == 403

    def test_no_reservations_permission_is_403_on_both_reservation_endpoints(self, start) -> None:
        sb, api = start("no_reservations_permission", tls=False)
        reservations = api.get("/reservations")
        assert reservations.status_code == 403
        assert reservations.json() == [{"message": "No permission to access the reservations management API"}]
        reservable = api.get("/reservableLocations")
        assert reservable.json() == [{"message": "No permission to access reservable locations"}]
        assert api.get("/locations").status_code == 200

    def test_no_supporting_files_read_is_403_on_every_list(self, start) -> None:
        sb, api = start("no_supporting_files_read", tls=False)
        for path in ("/branches", "/locations", "/persons", "/operators"):
            response = api.get(path)
            assert response.status_code == 403, path
            assert response.json() == [{"message": "No permission to access the data"}]
        types = api.get("/locations/types")  # the searchlist spec documents ErrorResponseEntity here
        assert types.status_code == 403 and "errors" in types.json()[0]
        assert api.get("/operators/current").status_code == 200  # needs no permission (spec)
