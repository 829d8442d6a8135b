"""Each scenario is healthy with exactly the documented thing broken; ``large`` is big yet cheap."""

from __future__ import annotations

import gc
import subprocess
import sys
import time

import psutil
import requests
import pytest

from topdesk_preflight.sandbox import SCENARIOS, Sandbox, build_scenario
from topdesk_preflight.sandbox.scenarios import DEMO_PASSWORD, healthy_state

REQUIRED = {
    "healthy", "types_missing", "rooms_untyped", "rooms_wrong_branch", "no_rooms", "rooms_not_reservable",
    "branch_missing", "branch_archived", "operator_wrong_branch", "operator_no_email", "email_duplicate",
    "person_missing", "person_mismatch", "person_archived", "api_account", "no_permission_group",
    "permission_groups_unreadable", "no_reservations_permission", "no_supporting_files_read", "login_disabled",
    "operator_archived", "app_password_expired", "no_api_access", "person_login", "demo", "three_root_causes",
    "large",
}


def test_every_contracted_scenario_exists_with_a_description() -> None:
    assert REQUIRED <= set(SCENARIOS)
    assert all(s.description for s in SCENARIOS.values())


def test_unknown_scenarios_name_the_known_ones() -> None:
    with pytest.raises(KeyError, match="healthy"):
        build_scenario("nope")


def test_scenarios_are_deterministic_and_fresh_each_time() -> None:
    first, second = build_scenario("healthy"), build_scenario("healthy")
    assert [loc.id for loc in first.locations] == [loc.id for loc in second.locations]
    first.locations.clear()
    assert second.locations


def test_the_password_is_never_in_a_repr() -> None:
    state = build_scenario("healthy", password="very-distinctive-pw")
    assert "very-distinctive-pw" not in repr(state)
    assert "very-distinctive-pw" not in repr(state.service_operator)


def _hq_rooms(state):
    return [loc for loc in state.locations if loc.branch.name == "HQ Stockholm" and not loc.archived]


@pytest.mark.parametrize("name", sorted(REQUIRED - {"healthy", "large"}))
def test_each_failure_scenario_differs_from_healthy(name) -> None:
    broken, healthy = build_scenario(name), healthy_state(DEMO_PASSWORD)
    assert _fingerprint(broken) != _fingerprint(healthy)


def _fingerprint(state) -> tuple:
    op = state.service_operator
    return (
        [(b.name, b.archived) for b in state.branches], [t.name for t in state.location_types],
        [(loc.name, loc.branch.name, loc.type and loc.type.name, loc.reservable) for loc in state.locations],
        (op.email, op.branch.name, op.archived, op.login_permission, op.api_account, sorted(op.permissions),
         [g.name for g in op.permission_groups], [p.expires for p in op.app_passwords],
         op.linked_person and (op.linked_person.email, op.linked_person.dynamic_name, op.linked_person.archived)),
        [(p.email, p.archived) for p in state.persons], [o.email for o in state.operators],
        state.login, state.auth_error_style,
    )


class TestScenarioFacts:
    def test_healthy(self) -> None:
        state = build_scenario("healthy")
        op = state.service_operator
        assert (op.login_name, op.dynamic_name, op.email, op.branch.name) == ("hcp-svc", "HCP Service",
                                                                             "hcp@acme.example", "HQ Stockholm")
        assert op.linked_person.dynamic_name == "HCP Service" and op.linked_person.email == op.email
        assert {loc.name: loc.type.name for loc in _hq_rooms(state)} == {
            "Aurora 2.08": "Room", "Borealis 2.10": "Room", "Hot desk 3.01": "Desk", "Cirrus 4.02": "Room"}
        assert [g.name for g in op.permission_groups] == ["HCP integration"]

    def test_rooms_untyped(self) -> None:
        state = build_scenario("rooms_untyped")
        assert sorted(loc.name for loc in _hq_rooms(state) if loc.type is None) == ["Aurora 2.08", "Nebula 5.01"]

    def test_rooms_wrong_branch(self) -> None:
        state = build_scenario("rooms_wrong_branch")
        assert _hq_rooms(state) == []
        assert state.location_named("Aurora 2.08").branch.name == "Branch Göteborg"
        assert state.rooms == ("Aurora 2.08", "Borealis 2.10")

    def test_branch_missing_leaves_close_names(self) -> None:
        names = {b.name for b in build_scenario("branch_missing").branches}
        assert "HQ Stockholm" not in names and {"HQ Stockholm North", "HQ-Stockholm"} <= names

    def test_email_duplicate_adds_an_active_operator_and_person(self) -> None:
        state = build_scenario("email_duplicate")
        ops = [o for o in state.operators if o.email == "hcp@acme.example" and not o.archived]
        persons = [p for p in state.persons if p.email == "hcp@acme.example" and not p.archived]
        assert len(ops) == 2 and len(persons) == 2

    def test_three_root_causes(self) -> None:
        state = build_scenario("three_root_causes")
        assert "HQ Stockholm" not in {b.name for b in state.branches}
        assert state.service_operator.linked_person is None
        assert not state.service_operator.may("reservations")


def test_sandbox_load_switches_scenario_in_place(start) -> None:
    sb, api = start("healthy", tls=False)
    url = sb.url
    sb.load("operator_archived")
    assert sb.url == url and api.get("/version").status_code == 401


def test_large_builds_fast_and_small_and_answers_filtered_rooms_quickly() -> None:
    gc.collect()
    process = psutil.Process()
    before = process.memory_info().rss
    started = time.perf_counter()
    state = build_scenario("large")
    elapsed = time.perf_counter() - started
    grown = process.memory_info().rss - before
    assert elapsed < 5.0, f"large took {elapsed:.1f} s to build"
    assert grown < 300 * 2**20, f"large used {grown / 2**20:.0f} MB"
    assert (len(state.locations), len(state.operators), len(state.persons)) == (100_000, 20_000, 50_000)
    assert 190 <= len(state.branches) <= 210
    assert len(_hq_rooms(state)) == 30

    with Sandbox(state=state, tls=True) as sb:
        hq = state.branch_named("HQ Stockholm").id
        api = requests.Session()
        api.trust_env = False
        started = time.perf_counter()
        response = api.get(f"{sb.url}/tas/api/locations", auth=(sb.login, sb.password), verify=sb.ca_file,
                           timeout=10, params={"query": f"branch.id=={hq};type.name=in=(Room,Desk);archived==false",
                                               "$fields": "id,name,type,reservationManagement"})
        assert time.perf_counter() - started < 1.0
        assert response.status_code == 200 and len(response.json()) == 30


def test_cli_lists_scenarios() -> None:
    result = subprocess.run([sys.executable, "-m", "topdesk_preflight.sandbox", "--list"], capture_output=True,
                            text=True, timeout=30, check=True)
    assert result.stdout.splitlines()[0].startswith("healthy")
    assert len(result.stdout.splitlines()) == len(SCENARIOS)


def test_indexed_queries_on_large_answer_exactly_what_a_scan_answers():
    """The large scenario's indexes only narrow; the same query on an unindexed copy gives the same rows."""
    from topdesk_preflight.sandbox import build_scenario

    indexed = build_scenario("large")
    scanned = build_scenario("large")
    scanned.indexes = {}
    hq = indexed.branch_named(indexed.branch).id
    queries = [("/tas/api/locations", f"branch.id=={hq};archived==false", "$fields"),
               ("/tas/api/operators", 'email=="operator7@acme.example";archived==false', "fields"),
               ("/tas/api/operators", f'email=="{indexed.email}"', "fields")]
    answers = []
    for state in (indexed, scanned):
        with Sandbox(state=state, tls=False) as sb:
            answers.append([requests.get(f"{sb.url}{path}", params={"query": q, field: "id,name"},
                                         auth=(sb.login, sb.password), timeout=10).json()
                            for path, q, field in queries])
    assert answers[0] == answers[1]
    assert len(answers[0][0]) == 30
