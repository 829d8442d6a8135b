"""The reads behind the permission checks: the operator's groups, and one record of each list HCP needs."""

from __future__ import annotations

import pytest
from facts_context import facts_context, paths

from topdesk_preflight.checks._operator_facts import current_operator
from topdesk_preflight.checks._permission_facts import (
    NIL_UUID, GroupsLinked, GroupsRefused, permission_groups, probe_branches, probe_list, probe_partial,
    reservation_probes, supporting_files_probes,
)
from topdesk_preflight.errors import BadResponseError, HTTPStatusError, PermissionDenied
from topdesk_preflight.sandbox.faults import Fault

GROUPS = "/tas/api/operators/id/*/permissiongroups"


# -------------------------------------------------------------------------------- permission groups

def test_the_linked_groups_are_named(sandbox_factory):
    sb = sandbox_factory()
    with facts_context(sb) as ctx:
        groups = permission_groups(ctx, current_operator(ctx))
    assert groups == GroupsLinked(names=("HCP integration",))
    assert paths(sb)[-1] == f"/tas/api/operators/id/{sb.state.service_operator.id}/permissiongroups"


def test_no_linked_group_is_an_empty_list_of_names(sandbox_factory):
    sb = sandbox_factory("no_permission_group")
    with facts_context(sb) as ctx:
        assert permission_groups(ctx, current_operator(ctx)) == GroupsLinked(names=())


def test_a_group_without_a_name_is_named_by_its_id(sandbox_factory):
    sb = sandbox_factory()
    sb.inject(GROUPS, Fault.status(200, body=[{"id": "g-1"}, {"id": "g-2", "name": "Facilities"}]))
    with facts_context(sb) as ctx:
        assert permission_groups(ctx, current_operator(ctx)) == GroupsLinked(names=("g-1", "Facilities"))


def test_unreadable_groups_are_a_refusal_with_the_clients_account_of_it(sandbox_factory):
    sb = sandbox_factory("permission_groups_unreadable")
    with facts_context(sb) as ctx:
        groups = permission_groups(ctx, current_operator(ctx))
    assert isinstance(groups, GroupsRefused) and groups.status == 403
    assert "permissiongroups" in groups.text


def test_a_server_error_on_the_groups_raises(sandbox_factory):
    sb = sandbox_factory()
    sb.inject(GROUPS, Fault.status(500))
    with facts_context(sb) as ctx, pytest.raises(HTTPStatusError) as raised:
        permission_groups(ctx, current_operator(ctx))
    assert raised.value.status == 500


# ------------------------------------------------------------------------------------------- probes

def test_the_supporting_files_probes_read_one_record_of_each_list(sandbox_factory):
    sb = sandbox_factory()
    with facts_context(sb, branch=None) as ctx:
        probes = supporting_files_probes(ctx)
        assert list(probes) == ["branches", "locations", "persons", "operators"]
        for probe in probes.values():
            assert probe() is None
    queries = {r.path: r.query for r in sb.requests}
    assert "pageSize=1" in queries["/tas/api/locations"] and "page_size=1" in queries["/tas/api/persons"]
    assert "page_size=1" in queries["/tas/api/operators"]


def test_a_refused_probe_raises_permission_denied(sandbox_factory):
    sb = sandbox_factory("no_supporting_files_read")
    with facts_context(sb, branch=None) as ctx:
        probes = supporting_files_probes(ctx)
        refused = []
        for name, probe in probes.items():
            with pytest.raises(PermissionDenied):
                probe()
            refused.append(name)
    assert refused == ["branches", "locations", "persons", "operators"]


def test_without_a_branch_setting_the_branches_probe_asks_for_the_operators_own_branch(sandbox_factory):
    sb = sandbox_factory()
    with facts_context(sb, branch=None) as ctx:
        probe_branches(ctx)
    request = [r for r in sb.requests if r.path == "/tas/api/branches"][-1]
    assert f"query=id=={sb.state.service_operator.branch.id}" in request.query


def test_without_the_operator_the_branches_probe_asks_for_no_branch_at_all(sandbox_factory):
    sb = sandbox_factory()
    sb.inject("/tas/api/operators/current", Fault.status(500))
    with facts_context(sb, branch=None) as ctx:
        probe_branches(ctx)
    request = [r for r in sb.requests if r.path == "/tas/api/branches"][-1]
    assert f"query=id=={NIL_UUID}" in request.query


def test_with_a_branch_setting_the_branches_probe_is_the_branch_look_up(sandbox_factory):
    sb = sandbox_factory()
    with facts_context(sb) as ctx:
        probe_branches(ctx)
    request, = [r for r in sb.requests if r.path == "/tas/api/branches"]
    assert "name==" in request.query and "/tas/api/operators/current" not in paths(sb)


def test_a_list_answer_of_another_shape_is_a_bad_response(sandbox_factory):
    sb = sandbox_factory()
    sb.inject("/tas/api/locations", Fault.status(200, body={"unexpected": True}))
    with facts_context(sb) as ctx, pytest.raises(BadResponseError, match="/tas/api/locations"):
        probe_list(ctx, "/locations", {"$fields": "id", "pageSize": 1})


def test_the_reservation_probes_read_one_record_each(sandbox_factory):
    sb = sandbox_factory()
    with facts_context(sb) as ctx:
        probes = reservation_probes(ctx)
        assert list(probes) == ["reservations", "reservableLocations"]
        for probe in probes.values():
            probe()
    assert {"/tas/api/reservations", "/tas/api/reservableLocations"} <= set(paths(sb))
    assert all("top=1" in r.query for r in sb.requests)


def test_a_206_without_a_body_proves_the_list_readable(sandbox_factory):
    sb = sandbox_factory()
    sb.inject("/tas/api/reservations", Fault.status(206, body=b""))
    with facts_context(sb) as ctx:
        assert probe_partial(ctx, "/reservations", {"$fields": "id", "$top": 1}) is None


def test_a_refused_reservations_probe_raises_permission_denied(sandbox_factory):
    sb = sandbox_factory("no_reservations_permission")
    with facts_context(sb) as ctx, pytest.raises(PermissionDenied):
        probe_partial(ctx, "/reservations", {"$fields": "id", "$top": 1})
