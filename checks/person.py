"""Person check: the HCP operator has the linked person the guide's "Creating a Person" asks for.

The guide wants a person card with the operator's name and the same email, in the
branch, linked to the operator. TOPdesk keeps that link on the operator
(``linkedPerson``; a person has no "linked operator" field, docs/topdesk-api.md §6.2), so
one read of the operator plus one read of that person proves all of it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from topdesk_preflight.guide import (
    CREATING_A_PERSON, MENU_OPERATOR_SETTINGS, MENU_PERSON_SETTINGS, SUPPORTING_FILES_STEP, topdesk_admin,
)
from topdesk_preflight.checks._operator_facts import current_operator, operator_label, same_text
from topdesk_preflight.context import Context
from topdesk_preflight.model import CheckResult
from topdesk_preflight.registry import check

PERSON_V2 = "application/x.topdesk-person-v2+json"  # [C-spec] supporting-files 2.7.11, §6.2
#: Only names of PersonV2Dto (supporting files 2.7.11 GET /persons/{id}): it has ``archived`` and no
#: ``status``; a server may refuse a name outside the DTO with 400 (fidelity audit P4). v1's
#: ``/persons/id/{id}`` fallback sends the whole record, ``status`` included.
PERSON_FIELDS = "id,firstName,surName,prefixes,dynamicName,email,archived,branch"


@check(id="person.linked", title="The operator has a linked person with the same name and email",
       guide=CREATING_A_PERSON, depends_on=("operator.account",))
def linked(ctx: Context) -> CheckResult:
    """Reservations are made for a person; without the linked twin of the operator HCP books for nobody."""
    operator = current_operator(ctx)
    label = operator_label(operator)
    email = (operator.get("email") or "").strip()
    branch_name = _configured_branch_name(ctx)
    link = operator.get("linkedPerson") if isinstance(operator.get("linkedPerson"), dict) else None
    evidence: dict[str, Any] = {"operator_id": operator.get("id"), "api_account": operator.get("apiAccount"),
                                "person_id": link.get("id") if link else None}
    create = _create_steps(operator, label, email, branch_name)
    if "linkedPerson" not in operator:
        # TOPdesk added linkedPerson to the operator in April 2024 (fidelity audit P9): an older instance
        # does not say whether a person is linked, so nothing here is either right or wrong.
        return CheckResult.warned(
            f"Cannot verify the linked person of {label}: this TOPdesk does not expose the operator-person "
            "link (its API is older than April 2024).",
            details=["Open the operator card and check that a person with the same name and email is linked."],
            evidence={**evidence, "link_exposed": False},
            remediation=[topdesk_admin(f"Open the operator card {label} ({MENU_OPERATOR_SETTINGS}) and check "
                                       "that a person with the same name and email is linked to it; if not, "
                                       "link one as the guide's Creating a Person describes.")])
    if not link or not link.get("id"):
        if operator.get("apiAccount"):
            # [I] docs/topdesk-api.md §1.4: API accounts are a card type that needs no linked person.
            return CheckResult.warned(
                f"The operator {label} is an API account without a linked person.",
                details=["TOPdesk's API accounts need no person card, but the guide's setup links one; if "
                         "HCP's bookings need a requester, link a person."],
                evidence=evidence, remediation=create)
        return CheckResult.failed(f"The operator {label} has no linked person.", evidence=evidence,
                                  remediation=create)
    person_id = str(link["id"])
    response = _fetch_person(ctx, person_id)
    evidence["status"] = response.status
    if response.status == 404:
        return CheckResult.failed(
            f"The operator {label} is linked to a person ({link.get('name') or person_id}) that TOPdesk cannot "
            "find.", evidence=evidence, remediation=create)
    if response.status == 403:
        evidence["messages"] = response.messages
        return CheckResult.warned(
            f"Cannot verify the linked person {link.get('name')!r}: this account may not read persons.",
            evidence=evidence,
            remediation=[SUPPORTING_FILES_STEP])
    person = ctx.client.decode(response)
    if not isinstance(person, dict):
        from topdesk_preflight.errors import BadResponseError

        raise BadResponseError(f"{response.path} did not return a person object", path=response.path)
    return _judge(operator, person, label, email, branch_name, evidence)


def _fetch_person(ctx: Context, person_id: str) -> Any:
    """Persons v2 by id; v1's ``/persons/id/{id}`` when the instance does not serve v2 (404/406)."""
    safe_id = quote(person_id, safe="")
    response = ctx.client.fetch(f"/persons/{safe_id}", {"fields": PERSON_FIELDS}, headers={"Accept": PERSON_V2})
    if response.status in (404, 406):
        # [I] §6.2: older instances only know v1; one more GET only on this unusual path.
        response = ctx.client.fetch(f"/persons/id/{safe_id}")
    return response


def _judge(operator: dict[str, Any], person: dict[str, Any], label: str, email: str,
           branch_name: str | None, evidence: dict[str, Any]) -> CheckResult:
    name = person.get("dynamicName") or " ".join(p for p in (person.get("firstName"), person.get("surName")) if p)
    raw_branch = person.get("branch")
    person_branch: dict[str, Any] = raw_branch if isinstance(raw_branch, dict) else {}
    evidence.update(person_name=name, person_email=person.get("email"),
                    person_branch=person_branch.get("name"), person_archived=_archived(person))
    card = f"the person card {name!r} ({MENU_PERSON_SETTINGS})"
    problems: list[str] = []
    steps: list[str] = []
    if _archived(person):
        problems.append(f"the linked person {name!r} is archived")
        steps.append(topdesk_admin(f"Restore (un-archive) {card}, or create a new person with the operator's "
                                   f"name and email {email}, expand the Linked Operator section, choose the "
                                   f"operator {label}, and save."))
    if not same_text(person.get("email"), email):
        problems.append(f"the linked person's email is {person.get('email') or 'empty'}, not the operator's "
                        f"{email}")
        steps.append(topdesk_admin(f"Open {card} and set the email to {email}, the same as the operator's; "
                                   "save."))
    if not _same_name(operator, person):
        wanted = operator.get("dynamicName") or label
        problems.append(f"the linked person is named {name!r}, not {wanted!r} like the operator")
        steps.append(topdesk_admin(f"Open {card} and enter the operator's name ({wanted}); save."))
    if problems:
        summary = "; ".join(problems)
        return CheckResult.failed(summary[:1].upper() + summary[1:] + ".", evidence=evidence, remediation=steps)
    if branch_name and not same_text(person_branch.get("name"), branch_name):
        return CheckResult.warned(
            f"The linked person {name!r} is in the branch {person_branch.get('name')!r}, not "
            f"{branch_name!r}.",
            evidence=evidence,
            remediation=[topdesk_admin(f"Open {card}, choose the branch {branch_name!r} you previously "
                                       "created, and save.")])
    return CheckResult.passed(f"The operator {label} is linked to the person {name!r} with the same name and "
                              f"email {email}.", evidence=evidence)


def _archived(person: dict[str, Any]) -> bool:
    """v2 has ``archived``; v1 says it in ``status`` ("personArchived") [C-peer] §6.2."""
    return person.get("archived") is True or person.get("status") == "personArchived"


def _same_name(operator: dict[str, Any], person: dict[str, Any]) -> bool:
    """The whole name, first name + prefixes + surname, when both cards have them, else the display name.

    Compared as one text, case and spacing ignored: a Dutch *tussenvoegsel* ("van") may sit in
    ``prefixes`` on one card and in ``surName`` on the other (fidelity audit F5), and both are
    the same name.
    """
    if all(operator.get(p) is not None and person.get(p) is not None for p in ("firstName", "surName")):
        return same_text(_full_name(operator), _full_name(person))
    return same_text(operator.get("dynamicName"), person.get("dynamicName"))


def _full_name(card: dict[str, Any]) -> str:
    return " ".join(str(card.get(p) or "") for p in ("firstName", "prefixes", "surName"))


def _configured_branch_name(ctx: Context) -> str | None:
    """The branch HCP is set up for: branch.exists's exact name if it ran already, else --branch."""
    result = ctx.result("branch.exists")
    if result is not None and result.evidence.get("branch_id"):
        return result.evidence.get("branch_name") or ctx.settings.branch
    return ctx.settings.branch


def _create_steps(operator: dict[str, Any], label: str, email: str, branch_name: str | None) -> list[str]:
    name = operator.get("dynamicName") or label
    in_branch = f", choose the branch {branch_name!r}" if branch_name else ", choose the branch you created"
    return [
        topdesk_admin(f"Open {MENU_PERSON_SETTINGS} and enter a new person named like the operator ({name}) "
                      f"with the same email {email or '(the operator email)'}{in_branch}."),
        topdesk_admin(f"Expand the Linked Operator section, choose the operator {label} from the dropdown, and "
                      "click Save."),
    ]
