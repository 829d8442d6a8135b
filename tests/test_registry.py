"""The registry refuses a broken catalogue at import time, with a message naming the check."""

from __future__ import annotations

import pytest

from topdesk_preflight.model import CheckResult
from topdesk_preflight.registry import CheckSpec, Registry, RegistryError, check, load_catalogue


def ok(ctx):
    return CheckResult.passed("fine")


def spec(check_id: str, *deps: str) -> CheckSpec:
    return CheckSpec(id=check_id, title=check_id, guide="g", func=ok, depends_on=deps)


@pytest.mark.parametrize("bad_id", ["rooms", "Rooms.typed", "rooms..typed", "rooms.typed.", "1.x",
                                    "rooms typed", "rooms-typed.x", ""])
def test_malformed_ids_are_refused(bad_id):
    with pytest.raises(RegistryError, match="malformed"):
        Registry().add(spec(bad_id))


def test_a_duplicate_id_is_refused_naming_both_functions():
    registry = Registry()
    registry.add(spec("rooms.typed"))
    with pytest.raises(RegistryError, match="'rooms.typed' is registered twice"):
        registry.add(spec("rooms.typed"))


def test_a_prerequisite_must_be_registered_first():
    registry = Registry()
    with pytest.raises(RegistryError, match="depends on 'branch.exists', which is not registered"):
        registry.add(spec("rooms.typed", "branch.exists"))


def test_a_check_cannot_depend_on_itself():
    with pytest.raises(RegistryError, match="depends on itself"):
        Registry().add(spec("rooms.typed", "rooms.typed"))


def test_cycles_are_found_when_a_registry_is_assembled_in_any_order():
    with pytest.raises(RegistryError, match="cycle: a.one -> a.two -> a.three -> a.one"):
        Registry.from_specs([spec("a.one", "a.two"), spec("a.two", "a.three"), spec("a.three", "a.one")])


def test_unknown_dependencies_are_found_when_a_registry_is_assembled():
    with pytest.raises(RegistryError, match="depends on unknown check 'x.missing'"):
        Registry.from_specs([spec("a.one", "x.missing")])


def test_the_decorator_registers_and_returns_the_function_unchanged():
    registry = Registry()

    @check(id="demo.thing", title="A thing", guide="Creating a Branch", registry=registry)
    def thing(ctx):
        return CheckResult.passed("ok")

    assert thing(None).summary == "ok"
    assert registry.get("demo.thing").title == "A thing"
    assert registry.get("demo.thing").guide == "Creating a Branch"


def test_unknown_id_lookup_names_the_known_checks():
    registry = Registry.from_specs([spec("a.one")])
    with pytest.raises(RegistryError, match="known checks: a.one"):
        registry.get("a.two")


class TestSelect:
    registry = Registry.from_specs([spec("net.dns"), spec("net.tcp", "net.dns"), spec("auth.login", "net.tcp"),
                                    spec("rooms.typed", "auth.login"), spec("rooms.present", "auth.login")])

    def ids(self, **kwargs):
        return [s.id for s in self.registry.select(**kwargs)]

    def test_everything_in_catalogue_order_by_default(self):
        assert self.ids() == ["net.dns", "net.tcp", "auth.login", "rooms.typed", "rooms.present"]

    def test_only_brings_its_prerequisites_along(self):
        assert self.ids(only=["rooms.typed"]) == ["net.dns", "net.tcp", "auth.login", "rooms.typed"]

    def test_only_accepts_a_whole_area(self):
        assert self.ids(only=["rooms"]) == self.ids()

    def test_skip_drops_a_check_but_never_a_needed_prerequisite(self):
        assert self.ids(skip=["rooms.present"]) == ["net.dns", "net.tcp", "auth.login", "rooms.typed"]
        assert "net.tcp" in self.ids(skip=["net.tcp"])  # rooms.* still need it

    def test_unknown_names_are_refused_with_a_pointer_to_list_checks(self):
        with pytest.raises(RegistryError, match="--list-checks"):
            self.registry.select(only=["rooms.typo"])


def test_the_built_in_catalogue_is_valid_and_holds_the_design_ids():
    registry = load_catalogue()
    expected = {"network.dns", "network.tcp", "network.tls", "api.reachable", "auth.credentials",
                "auth.app_password_expiry", "operator.account", "operator.email_unique", "operator.branch",
                "person.linked", "permissions.group", "permissions.supporting_files",
                "permissions.reservations", "branch.exists", "rooms.types_defined", "rooms.present",
                "rooms.typed", "rooms.branch_mismatch", "rooms.reservable"}
    assert expected <= set(registry.ids)
    for s in registry:
        assert s.title and s.guide, f"{s.id} needs a title and the guide section it verifies"
        assert s.func.__doc__, f"{s.id} needs a docstring saying why it matters"


def test_a_prefetch_for_a_check_that_does_not_exist_is_refused_at_import():
    """A typo in used_by would never start the prefetch: the run only gets slower, which no verdict shows."""
    from topdesk_preflight.context import PREFETCHES, Prefetch

    registry = Registry()
    registry.add(spec("rooms.present"))
    registry.validate_prefetches([Prefetch(name="rooms", fetch=lambda ctx: None, used_by=("rooms.present",))])
    with pytest.raises(RegistryError, match=r"prefetch rooms is used by unknown check\(s\) rooms\.presnt"):
        registry.validate_prefetches([Prefetch(name="rooms", fetch=lambda ctx: None,
                                               used_by=("rooms.present", "rooms.presnt"))])
    load_catalogue().validate_prefetches(PREFETCHES.values())  # the real catalogue's prefetches all apply
