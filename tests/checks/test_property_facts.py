"""The property side's one import: the branch and room facts under the name callers already use."""

from __future__ import annotations

from topdesk_preflight.checks import _branch_facts, _property_facts, _room_facts


def test_every_name_it_offers_is_the_branch_or_room_facts_own_object():
    assert _property_facts.__all__
    for name in _property_facts.__all__:
        home = _branch_facts if hasattr(_branch_facts, name) else _room_facts
        assert getattr(_property_facts, name) is getattr(home, name), name


def test_the_branch_look_up_permissions_imports_is_the_prefetched_fact():
    from topdesk_preflight.checks._property_facts import branch_lookup
    from topdesk_preflight.context import PREFETCHES

    assert branch_lookup is _branch_facts.branch_lookup
    assert any(p.fetch is branch_lookup for p in PREFETCHES.values())
    assert any(p.fetch is _room_facts.branch_rooms for p in PREFETCHES.values())
