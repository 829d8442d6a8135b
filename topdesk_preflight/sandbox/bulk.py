"""Bulk data for the ``large`` scenario: an instance the size of a big customer, built in a few seconds.

100,000 locations, 20,000 operators and 50,000 persons over ~200 branches, while HQ Stockholm keeps a
realistic ~30 rooms, so checks and benchmarks see the paging and filtering cost of a big tenant. Ids
are formatted from counters (valid, deterministic UUIDs) rather than hashed, and records share their
dropdown values and permission sets, which keeps the build fast and small (see the sandbox tests).
"""

from __future__ import annotations

from topdesk_preflight.sandbox.model import Branch, Location, Operator, Person, Searchlist, State

LOCATIONS = 100_000
OPERATORS = 20_000
PERSONS = 50_000
BRANCHES = 200
HQ_ROOMS = 30


def _uuid(prefix: str, number: int) -> str:
    return f"{prefix}-0000-4000-8000-{number:012x}"


def add_bulk(state: State) -> None:
    """Grow a healthy state to the ``large`` sizes (counts include the healthy records)."""
    hq = state.branch_named(state.branch)
    room, desk = state.type_named("Room"), state.type_named("Desk")
    kinds = (room, desk, state.type_named("Storage"), None)
    zones = [Searchlist(_uuid("20000000", n), f"Floor {n}") for n in range(1, 11)]

    others = [Branch(_uuid("b0000000", n), f"Branch {n:03d}") for n in range(1, BRANCHES - len(state.branches) + 1)]
    state.branches.extend(others)

    hq_rooms = sum(1 for loc in state.locations if loc.branch is hq and not loc.archived)
    new_locations = state.locations
    for n in range(HQ_ROOMS - hq_rooms):
        number = f"6.{n + 1:02d}"
        new_locations.append(Location(_uuid("1a000000", n), f"Meeting {number}", number, hq, room, 6,
                                      zones[5], True, False, True, True))
    for n in range(LOCATIONS - len(new_locations)):
        kind = kinds[n % 4]
        number = f"{n % 9 + 1}.{n % 997:03d}"
        new_locations.append(Location(_uuid("10000000", n), f"Location {n}", number, others[n % len(others)],
                                      kind, n % 20 + 1, zones[n % 10], kind is room, False, kind is room,
                                      kind is room, n % 50 == 0))

    branch_count = len(others)
    persons = state.persons
    for n in range(PERSONS - len(persons)):
        persons.append(Person(_uuid("30000000", n), f"First{n}", f"Person{n}", f"person{n}@acme.example",
                              others[n % branch_count], n % 40 == 0))

    no_permissions: frozenset[str] = frozenset()
    operators = state.operators
    for n in range(OPERATORS - len(operators)):
        operators.append(Operator(_uuid("40000000", n), f"op{n:05d}", f"First{n}", f"Operator{n}",
                                  f"operator{n}@acme.example", others[n % branch_count], None, n % 30 == 0,
                                  permissions=no_permissions))
    # A real TOPdesk answers `branch.id==X` or `email==X` from a database index, not a scan of 100,000
    # rows; without this the simulator's own CPU would dominate the large case of the benchmark.
    state.build_indexes()
