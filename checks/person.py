"""Person check: the HCP operator has the linked person the guide's "Creating a Person" asks for.

The guide wants a person card with the operator's name and the same email, in the
branch, linked to the operator. TOPdesk keeps that link on the operator
(``linkedPerson``; a person has no "linked operator" field, docs/topdesk-api.md §6.2), so
one read of the operator plus one read of that person proves all of it.
"""

from __future__ import annotations

from typing import Any

from topdesk_preflight.guide import (
    CREATING_A_PERSON, MENU_OPERATOR_SETTINGS, MENU_PERSON_SETTINGS, SUPPORTING_FILES_STEP, topdesk_admin,
)
from topdesk_preflight.checks._card_fields import or_none, same_text
from topdesk_preflight.checks._operator_facts import Operator, current_operator
from topdesk_preflight.checks._person_facts import Person, PersonNotFound, PersonRefused, read_person
from topdesk_preflight.checks._unknown import Unknown
from topdesk_preflight.context import Context
from topdesk_preflight.model import CheckResult
from topdesk_preflight.registry import check


@check(id="person.linked", title="The operator has a linked person with the same name and email",
       guide=CREATING_A_PERSON, depends_on=("operator.account",))
def linked(ctx: Context) -> CheckResult:
    """Reservations are made for a person; without the linked twin of the operator HCP books for nobody."""
    operator = current_operator(ctx)
    label = operator.label
    branch_name = _configured_branch_name(ctx)
    link = operator.linked_person
    evidence: dict[str, Any] = {"operator_id": operator.id, "api_account": or_none(operator.api_account),
                                "person_id": operator.linked_person_id}
    create = _create_steps(operator, branch_name)
    if isinstance(link, Unknown):
        # TOPdesk added linkedPerson to the operator in April 2024 (fidelity audit P9): an older instance
        # does not say whether a person is linked, so nothing here is either right or wrong.
        return CheckResult.warned(
            f"Cannot verify the linked person of {label}: {link.reason}.",
            details=["Open the operator card and check that a person with the same name and email is linked."],
            evidence={**evidence, "link_exposed": False},
            remediation=[topdesk_admin(f"Open the operator card {label} ({MENU_OPERATOR_SETTINGS}) and check "
                                       "that a person with the same name and email is linked to it; if not, "
                                       "link one as the guide's Creating a Person describes.")])
    if link is None:
        if operator.api_account is True:
            # [I] docs/topdesk-api.md §1.4: API accounts are a card type that needs no linked person.
            return CheckResult.warned(
                f"The operator {label} is an API account without a linked person.",
                details=["TOPdesk's API accounts need no person card, but the guide's setup links one; if "
                         "HCP's bookings need a requester, link a person."],
                evidence=evidence, remediation=create)
        return CheckResult.failed(f"The operator {label} has no linked person.", evidence=evidence,
                                  remediation=create)
    answer = read_person(ctx, link.id)
    evidence["status"] = answer.status
    if isinstance(answer, PersonNotFound):
        return CheckResult.failed(
            f"The operator {label} is linked to a person ({link.name or link.id}) that TOPdesk cannot "
            "find.", evidence=evidence, remediation=create)
    if isinstance(answer, PersonRefused):
        evidence["messages"] = list(answer.messages)
        return CheckResult.warned(
            f"Cannot verify the linked person {link.name!r}: this account may not read persons.",
            evidence=evidence,
            remediation=[SUPPORTING_FILES_STEP])
    return _judge(operator, answer.person, branch_name, evidence)


def _judge(operator: Operator, person: Person, branch_name: str | None, evidence: dict[str, Any]) -> CheckResult:
    label, email = operator.label, operator.email
    name = person.name.shown
    evidence.update(person_name=name, person_email=person.email,
                    person_branch=person.branch_name, person_archived=person.archived)
    card = f"the person card {name!r} ({MENU_PERSON_SETTINGS})"
    problems: list[str] = []
    steps: list[str] = []
    if person.archived:
        problems.append(f"the linked person {name!r} is archived")
        steps.append(topdesk_admin(f"Restore (un-archive) {card}, or create a new person with the operator's "
                                   f"name and email {email}, expand the Linked Operator section, choose the "
                                   f"operator {label}, and save."))
    if not same_text(person.email, email):
        problems.append(f"the linked person's email is {person.email or 'empty'}, not the operator's "
                        f"{email}")
        steps.append(topdesk_admin(f"Open {card} and set the email to {email}, the same as the operator's; "
                                   "save."))
    if not operator.name.matches(person.name):
        wanted = operator.name.dynamic or label
        problems.append(f"the linked person is named {name!r}, not {wanted!r} like the operator")
        steps.append(topdesk_admin(f"Open {card} and enter the operator's name ({wanted}); save."))
    if problems:
        summary = "; ".join(problems)
        return CheckResult.failed(summary[:1].upper() + summary[1:] + ".", evidence=evidence, remediation=steps)
    if branch_name and not same_text(person.branch_name, branch_name):
        return CheckResult.warned(
            f"The linked person {name!r} is in the branch {person.branch_name!r}, not "
            f"{branch_name!r}.",
            evidence=evidence,
            remediation=[topdesk_admin(f"Open {card}, choose the branch {branch_name!r} you previously "
                                       "created, and save.")])
    return CheckResult.passed(f"The operator {label} is linked to the person {name!r} with the same name and "
                              f"email {email}.", evidence=evidence)


def _configured_branch_name(ctx: Context) -> str | None:
    """The branch HCP is set up for: branch.exists's exact name if it ran already, else --branch."""
    result = ctx.result("branch.exists")
    if result is not None and result.evidence.get("branch_id"):
        return result.evidence.get("branch_name") or ctx.settings.branch
    return ctx.settings.branch


def _create_steps(operator: Operator, branch_name: str | None) -> list[str]:
    label, email = operator.label, operator.email
    name = operator.name.dynamic or label
    in_branch = f", choose the branch {branch_name!r}" if branch_name else ", choose the branch you created"
    return [
        topdesk_admin(f"Open {MENU_PERSON_SETTINGS} and enter a new person named like the operator ({name}) "
                      f"with the same email {email or '(the operator email)'}{in_branch}."),
        topdesk_admin(f"Expand the Linked Operator section, choose the operator {label} from the dropdown, and "
                      "click Save."),
    ]
