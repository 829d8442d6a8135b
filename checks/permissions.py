"""Checks: the HCP operator's permission group and what it lets the operator read.

The guide asks for one permission group granting Reservation Management (CRUD), API
Access and Supporting Files (read/write/create/delete/archive). The Supporting Files
API does not say what a group grants (docs/topdesk-api.md §6.3), so the group is reported by
name and each permission is proven the only read-only way there is: by reading a
little of what it guards. Write, create, delete and archive cannot be proven without
changing TOPdesk, and this tool never does.
"""

from __future__ import annotations

from topdesk_preflight.guide import (
    ASSIGNING_PERMISSION_GROUP, MENU_OPERATOR_PERMISSION_GROUPS, MENU_PERMISSION_GROUP, PERMISSIONS_NEEDED,
    REGISTERING_PERMISSION_GROUP, RESERVATION_MANAGEMENT_STEP, SUPPORTING_FILES_STEP, topdesk_admin,
)
from topdesk_preflight.checks._operator_facts import current_operator
from topdesk_preflight.checks._permission_facts import (
    GroupsRefused, Probes, permission_groups, reservation_probes, supporting_files_probes,
)
from topdesk_preflight.checks._words import names_list
from topdesk_preflight.context import Context
from topdesk_preflight.errors import PermissionDenied, TopdeskError
from topdesk_preflight.model import EVIDENCE_PERMISSION_GROUPS, CheckResult
from topdesk_preflight.registry import check

NOT_PROVABLE = ("Write, create, delete and archive rights cannot be proven without changing TOPdesk, and "
                "topdesk-preflight only reads: confirm them on the permission group card.")


@check(id="permissions.group", title="A permission group is linked to the HCP operator",
       guide=ASSIGNING_PERMISSION_GROUP, depends_on=("operator.account",))
def permission_group(ctx: Context) -> CheckResult:
    """HCP's operator gets its rights only through a permission group; none linked means no rights.

    The group names also go into the support ticket, which the guide asks for.
    """
    operator = current_operator(ctx)
    login = operator.login_name or ctx.settings.username
    groups = permission_groups(ctx, operator)
    if isinstance(groups, GroupsRefused):
        # [I] docs/topdesk-api.md §6.3: reading groups needs permission-group read, which HCP does not need
        return CheckResult.warned(
            "cannot verify: this account may not read permission groups",
            details=[groups.text,
                     "HCP does not need to read permission groups, so this alone is not a fault."],
            remediation=[topdesk_admin(
                f"Open the operator card of {login!r}, {MENU_OPERATOR_PERMISSION_GROUPS}, and confirm a "
                f"permission group is linked that grants {PERMISSIONS_NEEDED}.")],
            evidence={EVIDENCE_PERMISSION_GROUPS: [], "http_status": groups.status})
    names = list(groups.names)
    if not names:
        return CheckResult.failed(
            f"No permission group is linked to the operator {login!r}",
            details=["Without a permission group the operator has no rights to reservations, rooms or "
                     "persons."],
            remediation=[
                topdesk_admin(f"If no group exists yet: {MENU_PERMISSION_GROUP}, enter a name, save the "
                              f"card, then enable {PERMISSIONS_NEEDED}, and save."),
                topdesk_admin(f"Open the operator card of {login!r}, select Permission Groups on the "
                              "Authorization tab and click Link Wizard; search for the permission group, "
                              "check its checkbox, click the Link button and save."),
            ],
            evidence={EVIDENCE_PERMISSION_GROUPS: []})
    return CheckResult.passed(
        f"Permission group{'s' if len(names) > 1 else ''} linked: {names_list(names)}",
        details=[f"The group must grant {PERMISSIONS_NEEDED}; the API does not show what a group grants, so "
                 "the other permission checks read a little of each part of TOPdesk instead."],
        evidence={EVIDENCE_PERMISSION_GROUPS: names})


@check(id="permissions.supporting_files", title="Branches, rooms, persons and operators are readable",
       guide=REGISTERING_PERMISSION_GROUP, depends_on=("auth.credentials",))
def supporting_files(ctx: Context) -> CheckResult:
    """HCP reads branches, rooms (locations), persons and operators through Supporting Files permissions.

    Each list is probed for at most one record; a 403 on any of them is exactly the
    "operator does not have the required permissions" cause of the guide's
    "Rooms created in TOPdesk do not appear when importing into HCP".
    """
    return _verdict(
        ctx, supporting_files_probes(ctx), what="Supporting Files",
        remediation=[SUPPORTING_FILES_STEP],
        extra_details=[NOT_PROVABLE])


@check(id="permissions.reservations", title="Reservations and reservable rooms are readable",
       guide=REGISTERING_PERMISSION_GROUP, depends_on=("auth.credentials",))
def reservations(ctx: Context) -> CheckResult:
    """HCP reads and books through the Reservations API; without Reservation Management it gets 403.

    ``/reservableLocations`` is the list HCP is most likely to import rooms from
    ([I] docs/topdesk-api.md §8), so both it and ``/reservations`` are probed.
    """
    return _verdict(
        ctx, reservation_probes(ctx), what="Reservation Management",
        remediation=[RESERVATION_MANAGEMENT_STEP],
        extra_details=["Reading proves the read permission only; create / update / delete cannot be proven "
                       "without changing TOPdesk, and topdesk-preflight only reads: confirm them on the "
                       "permission group card."])


def _verdict(ctx: Context, probes: Probes, *, what: str, remediation: list[str],
             extra_details: list[str]) -> CheckResult:
    """Run every probe at once; 403s make a ``fail`` naming them, any other error ends the check as ``error``."""
    statuses: dict[str, str | int] = {}
    denied: list[str] = []
    unknown: dict[str, TopdeskError] = {}
    for name, outcome in ctx.gather(probes).items():
        try:
            outcome.get()
            statuses[name] = "readable"
        except PermissionDenied as error:
            denied.append(name)
            statuses[name] = error.status
        except TopdeskError as error:
            unknown[name] = error
            statuses[name] = getattr(error, "status", None) or type(error).__name__
    evidence = {"probes": statuses, "denied": denied}
    if denied:
        details = [f"403 Forbidden on: {', '.join(denied)}."]
        details += [f"{name} could not be read for another reason: {error}"
                    for name, error in unknown.items()]
        return CheckResult.failed(
            f"This account may not read {names_list(denied)}: {what} permission missing",
            details=details + extra_details,
            remediation=remediation, evidence=evidence)
    if unknown:
        raise next(iter(unknown.values()))
    readable = names_list(list(probes))
    return CheckResult.passed(f"{readable[:1].upper()}{readable[1:]} are readable", details=extra_details,
                              evidence=evidence)
