"""What changed since a tenant's previous run, and what counts as worse (what ``--fail-on change`` alerts on).

Pure rules over two snapshots; test_fleet_history.py builds the same snapshots from
real fleet runs over HTTPS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from topdesk_preflight.exit_codes import ExitCode
from topdesk_preflight.fleet_changes import (
    FleetChanges,
    Snapshot,
    classify,
)

NIGHT = datetime(2025, 3, 4, 2, 0, tzinfo=UTC)


def snap(readiness: str, *broken: str, night: int = 0, days_left: int | None = None,
         assessed: bool = True) -> Snapshot:
    return Snapshot(slug="acme", name="Acme", checked_at=NIGHT + timedelta(days=night), readiness=readiness,
                    broken=broken, assessed=assessed, password_days_left=days_left)


@pytest.mark.parametrize("before, now, kind, worse", [
    ("ready", "not_ready", "newly_broken", True),
    ("unknown", "not_ready", "newly_broken", True),
    (None, "not_ready", "newly_broken", True),  # a new tenant that is broken is news, once
    ("not_ready", "not_ready", "still_broken", False),
    ("not_ready", "ready", "fixed", False),
    ("unknown", "ready", "fixed", False),
    ("ready", "ready", "unchanged", False),
    (None, "ready", "new", False),
    ("ready", "unknown", "unknown", True),
    (None, "unknown", "unknown", True),
    ("unknown", "unknown", "unknown", False),  # the same known problem, night after night
    ("not_ready", "unknown", "unknown", False),
])
def test_each_readiness_move_has_one_kind_and_only_getting_worse_is_worse(before, now, kind, worse):
    previous = None if before is None else snap(before, *(("rooms.typed",) if before == "not_ready" else ()))
    current = snap(now, *(("rooms.typed",) if now == "not_ready" else ()), night=1)
    change = classify(current, previous)
    assert (change.kind, change.worse) == (kind, worse)
    assert change.listed == (kind not in ("unchanged", "new"))


def test_a_tenant_still_broken_with_a_new_broken_check_is_worse_and_names_it():
    change = classify(snap("not_ready", "rooms.typed", "auth.credentials", night=1), snap("not_ready", "rooms.typed"))
    assert change.kind == "still_broken" and change.worse
    assert change.newly_broken_checks == ("auth.credentials",) and change.fixed_checks == ()


def test_a_tenant_still_broken_with_fewer_problems_is_not_worse_and_names_what_was_fixed():
    change = classify(snap("not_ready", "rooms.typed", night=1), snap("not_ready", "rooms.typed", "branch.exists"))
    assert not change.worse and change.fixed_checks == ("branch.exists",)


def test_still_broken_says_since_the_first_run_of_the_unbroken_stretch():
    streak = [snap("not_ready", "rooms.typed", night=n) for n in (3, 2)] + [snap("ready", night=1),
                                                                             snap("not_ready", night=0)]
    change = classify(snap("not_ready", "rooms.typed", night=4), streak[0], streak=streak)
    assert change.since == NIGHT + timedelta(days=2) and change.streak_runs == 3


def test_checks_are_not_compared_with_a_run_where_nothing_ran():
    change = classify(snap("not_ready", "rooms.typed", night=1), snap("unknown", assessed=False))
    assert change.kind == "newly_broken" and change.newly_broken_checks == ()


@pytest.mark.parametrize("before, now, news", [
    (31, 30, "entered_window"), (40, 7, "entered_window"), (30, 29, None), (0, -1, "expired"),
    (-1, -2, None), (5, -3, "expired"), (None, 3, None), (100, 90, None),
])
def test_a_password_is_news_once_when_it_enters_the_window_and_once_when_it_expires(before, now, news):
    change = classify(snap("ready", night=1, days_left=now), snap("ready", days_left=before), window_days=30)
    assert change.password == news
    assert change.worse == (news is not None)
    assert change.kind == ("password" if news else "unchanged")


def _fleet(*kinds: tuple[str | None, str]) -> FleetChanges:
    changes = []
    for position, (before, now) in enumerate(kinds, start=1):
        previous = None if before is None else snap(before)
        changes.append(classify(snap(now, night=1), previous, position=position))
    return FleetChanges(changes)


def test_the_fleet_lists_newly_broken_then_fixed_then_still_broken_then_unknown_in_file_order():
    changes = _fleet(("not_ready", "ready"), ("ready", "unknown"), ("not_ready", "not_ready"), ("ready", "not_ready"),
                     ("ready", "ready"), ("ready", "not_ready"))
    assert [(c.kind, c.position) for c in changes.listed] == [
        ("newly_broken", 4), ("newly_broken", 6), ("fixed", 1), ("still_broken", 3), ("unknown", 2)]
    assert changes.counts["unchanged"] == 1 and changes.counts["worse"] == 3


@pytest.mark.parametrize("kinds, code", [
    ([("not_ready", "not_ready"), ("unknown", "unknown"), ("not_ready", "ready")], ExitCode.READY),
    ([("ready", "unknown"), ("ready", "ready")], ExitCode.UNKNOWN),
    ([("ready", "unknown"), ("ready", "not_ready")], ExitCode.NOT_READY),
])
def test_fail_on_change_exits_1_when_something_got_worse_4_when_only_newly_unknown_else_0(kinds, code):
    assert _fleet(*kinds).exit_code == code
