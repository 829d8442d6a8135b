"""The ``@check`` decorator and the registry of checks.

Like Django's system checks, a check is a plain function registered with a
stable, dotted id. Mistakes in the catalogue (a malformed or duplicate id, a
prerequisite that does not exist, a cycle) are refused when the module is
imported, with a message naming the check, so they can never reach a customer
run.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from attrs import field, frozen

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.context import Context, Prefetch
    from topdesk_preflight.model import CheckResult

CheckFunction = Callable[["Context"], "CheckResult"]

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class RegistryError(Exception):
    """The check catalogue itself is wrong: a programming error, caught at import time."""


@frozen
class CheckSpec:
    """One registered check: its public identity and the function that runs it."""

    id: str
    title: str
    guide: str  # the vendor guide's section this check verifies, in the guide's words
    func: CheckFunction = field(repr=False, eq=False)
    depends_on: tuple[str, ...] = ()
    timeout: float | None = None  # overrides Settings.check_timeout for this check

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]


class Registry:
    """An ordered collection of :class:`CheckSpec`; catalogue order is registration order."""

    def __init__(self) -> None:
        self._specs: dict[str, CheckSpec] = {}

    @classmethod
    def from_specs(cls, specs: Iterable[CheckSpec]) -> "Registry":
        """Build a registry from specs in any order (plug-ins, tests) and validate it as a whole."""
        registry = cls()
        for spec in specs:
            if not ID_PATTERN.match(spec.id):
                raise RegistryError(f"check id {spec.id!r} is malformed: use dotted lower-case words "
                                    "like 'rooms.typed'")
            if spec.id in registry._specs:
                raise RegistryError(f"check id {spec.id!r} is registered twice")
            registry._specs[spec.id] = spec
        registry.validate()
        return registry

    def __iter__(self) -> Iterator[CheckSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._specs

    def get(self, check_id: str) -> CheckSpec:
        try:
            return self._specs[check_id]
        except KeyError:
            known = ", ".join(self._specs) or "none"
            raise RegistryError(f"unknown check id {check_id!r}; known checks: {known}") from None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def add(self, spec: CheckSpec) -> CheckSpec:
        """Register ``spec``; a prerequisite must already be registered, which also rules out cycles."""
        if not ID_PATTERN.match(spec.id):
            raise RegistryError(
                f"check id {spec.id!r} is malformed: use dotted lower-case words like 'rooms.typed'")
        if spec.id in self._specs:
            raise RegistryError(f"check id {spec.id!r} is registered twice "
                                f"({self._specs[spec.id].func.__qualname__} and {spec.func.__qualname__})")
        for dep in spec.depends_on:
            if dep == spec.id:
                raise RegistryError(f"check {spec.id!r} depends on itself")
            if dep not in self._specs:
                raise RegistryError(
                    f"check {spec.id!r} depends on {dep!r}, which is not registered before it: "
                    "register prerequisites first (this also keeps the catalogue free of cycles)")
        self._specs[spec.id] = spec
        return spec

    def validate(self) -> None:
        """Re-check the whole catalogue: unknown prerequisites and cycles.

        ``add`` already refuses both, but a registry assembled another way (tests,
        plug-ins) is checked here too.
        """
        for spec in self:
            for dep in spec.depends_on:
                if dep not in self._specs:
                    raise RegistryError(f"check {spec.id!r} depends on unknown check {dep!r}")
        visiting: set[str] = set()
        done: set[str] = set()

        def visit(check_id: str, path: list[str]) -> None:
            if check_id in done:
                return
            if check_id in visiting:
                cycle = " -> ".join(path[path.index(check_id):] + [check_id])
                raise RegistryError(f"checks depend on each other in a cycle: {cycle}")
            visiting.add(check_id)
            for dep in self._specs[check_id].depends_on:
                visit(dep, path + [dep])
            visiting.discard(check_id)
            done.add(check_id)

        for spec in self:
            visit(spec.id, [spec.id])

    def validate_prefetches(self, prefetches: Iterable["Prefetch"]) -> None:
        """Refuse a prefetch whose ``used_by`` names no check: a typo would silently never start it.

        Nothing would break, the run would only get slower (the fact fetched when its check's
        turn comes, not at the start), which no test of a verdict notices; so it is refused here,
        at import, like an unknown prerequisite.
        """
        for item in prefetches:
            unknown = [check_id for check_id in item.used_by if check_id not in self._specs]
            if unknown:
                raise RegistryError(f"prefetch {item.name} is used by unknown check(s) {', '.join(unknown)}")

    def select(self, only: Iterable[str] = (), skip: Iterable[str] = ()) -> list[CheckSpec]:
        """The checks to run, in catalogue order.

        ``only`` keeps the named checks (or whole areas, e.g. ``rooms``) plus every
        prerequisite they need; ``skip`` drops checks, but never a prerequisite of a
        selected check, since dependants could not run without it.
        """
        only, skip = list(only), list(skip)
        for name in only + skip:
            if name not in self._specs and not any(s.area == name for s in self):
                raise RegistryError(f"unknown check or area {name!r} in --only/--skip; "
                                    "see --list-checks")

        def matches(spec: CheckSpec, names: list[str]) -> bool:
            return spec.id in names or spec.area in names

        wanted = {s.id for s in self if not only or matches(s, only)}
        wanted -= {s.id for s in self if matches(s, skip)}
        needed = set(wanted)
        stack = list(wanted)
        while stack:
            for dep in self._specs[stack.pop()].depends_on:
                if dep not in needed:
                    needed.add(dep)
                    stack.append(dep)
        return [s for s in self if s.id in needed]

    def dependants(self, check_id: str) -> list[str]:
        return [s.id for s in self if check_id in s.depends_on]


REGISTRY = Registry()


def check(*, id: str, title: str, guide: str, depends_on: Iterable[str] = (),
          timeout: float | None = None,
          registry: Registry | None = None) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under a stable id.

    ``guide`` is the vendor guide's section the check verifies; reports use it
    as "the step in this guide where the issue occurred" for the support ticket.
    """

    def decorate(func: CheckFunction) -> CheckFunction:
        if not callable(func):
            raise RegistryError(f"@check({id!r}) must decorate a function")
        (REGISTRY if registry is None else registry).add(CheckSpec(id=id, title=title, guide=guide, func=func,
                                             depends_on=tuple(depends_on), timeout=timeout))
        return func

    return decorate


def load_catalogue() -> Registry:
    """Import the built-in checks (registering them) and return the validated registry."""
    import topdesk_preflight.checks  # noqa: F401  (importing registers the catalogue)

    REGISTRY.validate()
    return REGISTRY
