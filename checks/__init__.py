"""The check catalogue: importing this package registers every check, in catalogue order.

Modules are imported in dependency order (a check may only depend on checks
registered before it), so the order here is the order of the report: the path
to TOPdesk first, then who we are, then what the guide asks to prepare.
"""

from topdesk_preflight.checks import (  # noqa: F401  (imported for registration)
    network,
    api,
    auth,
    branch,
    operator,
    person,
    permissions,
    room_types,
    rooms,
)
from topdesk_preflight.context import PREFETCHES
from topdesk_preflight.registry import REGISTRY

REGISTRY.validate()
REGISTRY.validate_prefetches(PREFETCHES.values())
