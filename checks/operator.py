"""Operator checks: is the operator HCP logs in as set up the way the guide's "Creating an Operator" says?

HCP identifies its TOPdesk account by the operator's email (the guide: "The email is
required and will be used in the Humly Control Panel Wizard ... must be unique") and
imports rooms from the operator's branch. An operator without email, sharing its
email, or sitting in another branch connects fine and then books nothing, which is
why these are checked separately from the login.
"""

from __future__ import annotations

from typing import Any

from topdesk_preflight.guide import (
    CREATING_A_PERSON, CREATING_AN_OPERATOR, FLAG_BRANCH, MENU_OPERATOR_SETTINGS, MENU_PERSON_SETTINGS,
    SUPPORTING_FILES_STEP, hcp_admin, topdesk_admin,
)
from topdesk_preflight.checks._card_fields import or_none, same_text
from topdesk_preflight.checks._email_facts import (
    Card, OperatorCard, email_query, operators_with_email, persons_with_email,
)
from topdesk_preflight.checks._operator_facts import DUPLICATES_SHOWN, branch_filters, current_operator
from topdesk_preflight.checks._unknown import Unknown
from topdesk_preflight.context import Context
from topdesk_preflight.errors import PermissionDenied
from topdesk_preflight.model import EVIDENCE_OPERATOR_EMAIL, CheckResult
from topdesk_preflight.registry import check
from topdesk_preflight.vocabulary import plural


@check(id="operator.account", title="The HCP operator is active, may log in and has an email",
       guide=CREATING_AN_OPERATOR, depends_on=("auth.credentials",))
def account(ctx: Context) -> CheckResult:
    """HCP's wizard asks for the operator's email; an archived or login-less operator stops working."""
    operator = current_operator(ctx)
    label, email = operator.label, operator.email
    evidence: dict[str, Any] = {
        "operator_id": operator.id, "login_name": operator.login_name,
        "name": operator.name.dynamic, EVIDENCE_OPERATOR_EMAIL: email or None,
        "status": operator.status, "login_permission": or_none(operator.may_log_in),
        "api_account": or_none(operator.api_account),
    }
    card = f"the operator card {label} ({MENU_OPERATOR_SETTINGS})"
    problems: list[str] = []
    steps: list[str] = []
    if operator.archived:
        problems.append(f"the operator {label} is archived (status {operator.status!r})")
        steps.append(topdesk_admin(f"Restore (un-archive) {card}, or create a new operator for HCP as the "
                                   "guide's Creating an Operator describes."))
    # An older or trimmed answer without loginPermission (Unknown) is not a failure: the login worked.
    if operator.may_log_in is False:
        problems.append(f"the operator {label} may not log in (login permission is off)")
        steps.extend([
            topdesk_admin(f"As the global admin, open {card} and click the login icon again to reset or verify "
                          "the login credentials."),
            topdesk_admin("Confirm that the operator's login status is set to active; the password must "
                          "contain uppercase and lowercase letters, numbers, and special characters."),
        ])
    if not email:
        problems.append(f"the operator {label} has no email")
        steps.append(topdesk_admin(f"Open {card}, enter the email HCP will use (it must be unique: not "
                                   "shared with any other operator or person), and save."))
    details: list[str] = []
    given = (ctx.settings.email or "").strip()
    if not given:
        details.append("Email in HCP not compared: give --email (the operator email entered in the HCP "
                       "wizard).")
    elif email and not same_text(given, email):
        evidence["configured_email"] = given
        problems.append(f"the email entered in HCP ({given}) is not the operator's email ({email})")
        steps.append(hcp_admin(f"Enter the operator's email {email} in the HCP connection wizard (or, if "
                               f"{given} is right, put it on {card})."))
    if problems:
        # The login steps come from the guide's "Operator cannot log in to TOPdesk" entry.
        summary = "; ".join(problems)
        return CheckResult.failed(summary[:1].upper() + summary[1:] + ".", details=details,
                                  evidence=evidence, remediation=steps)
    kind = " (an API account)" if operator.api_account is True else ""
    return CheckResult.passed(f"The operator {label}{kind} is active, may log in and has the email {email}.",
                              details=details, evidence=evidence)


@check(id="operator.email_unique", title="No other operator or person has the operator's email",
       guide=f"{CREATING_AN_OPERATOR}; {CREATING_A_PERSON}", depends_on=("operator.account",))
def email_unique(ctx: Context) -> CheckResult:
    """The guide: the email "must not be shared with any other operator or person"; HCP matches on it.

    The operator's own linked person carries the same email by design, and archived
    cards never count (docs/design.md §1.2). Both lists are filtered on the server by email
    and ``archived==false``, so at most a few cards come back however big the tenant.
    """
    operator = current_operator(ctx)
    email = operator.email
    own_person = operator.linked_person_id
    if not email:  # operator.account fails then; this check is normally skipped
        return CheckResult.skipped("Not checked: the operator has no email (see operator.account).",
                                   evidence={"email": None})
    evidence: dict[str, Any] = {EVIDENCE_OPERATOR_EMAIL: email, "query": str(email_query(email))}
    found = ctx.gather({  # both lists at once: one round trip, not two
        "operators": lambda: operators_with_email(ctx, email),
        "persons": lambda: persons_with_email(ctx, email),
        "filters": lambda: branch_filters(ctx),  # read in the same round trip: they limit both lists
    })
    try:
        operators: list[Card] = found["operators"].get()
        persons: list[Card] = found["persons"].get()
    except PermissionDenied as exc:
        evidence.update(status=exc.status, messages=exc.messages)
        return CheckResult.warned(
            f"Cannot verify that {email} is unique: this account may not read {_endpoint(exc.path)} "
            f"({'; '.join(exc.messages) or exc.status}).",
            evidence=evidence,
            remediation=[SUPPORTING_FILES_STEP])
    # Both lists hold only cards that really carry the email (_email_facts drops the rest).
    other_operators = [o for o in operators if o.id != operator.id and o.active]
    other_persons = [p for p in persons if p.id != own_person and p.active]
    if isinstance(operator.linked_person, Unknown):
        # An instance before April 2024 does not expose the link (fidelity audit P9): a person card with
        # the operator's email and name is then most likely its own person, not a duplicate.
        own_twins = [p for p in other_persons if same_text(p.name, operator.name.dynamic)]
        other_persons = [p for p in other_persons if p not in own_twins]
        if own_twins:
            evidence["probably_own_person"] = [p.brief for p in own_twins]
    duplicates = other_operators + other_persons
    evidence.update(duplicate_count=len(duplicates),
                    duplicates=[card.brief for card in duplicates[:DUPLICATES_SHOWN]])
    if not duplicates:
        who = "the HCP operator and its linked person use" if own_person else "the HCP operator uses"
        details = []
        if evidence.get("probably_own_person"):
            who = "the HCP operator and a person card with its name use"
            details.append("This TOPdesk does not expose the operator-person link, so the person card with the "
                           "operator's name and email was taken as its own linked person (see person.linked).")
        filters = found["filters"].get()
        if filters.restrict:
            evidence["branch_filters"] = list(filters.names)
            return CheckResult.warned(
                f"Cannot verify that {email} is unique: among the cards the HCP operator can see, only {who} it, "
                f"but its branch filters ({filters.text}) hide the cards of other branches",
                details=details, evidence=evidence,
                remediation=[topdesk_admin(f"Search operators and persons for {email} as an operator without "
                                           "branch filters, and give any other card its own email.")])
        if not filters.known:  # most likely none, but a hidden duplicate would look just like this
            details.append(filters.unread_note)
        return CheckResult.passed(f"Only {who} {email}.", details=details, evidence=evidence)
    shown = [card.text for card in duplicates[:DUPLICATES_SHOWN]]
    more = len(duplicates) - len(shown)
    steps = [_rename_step(card, email) for card in duplicates[:DUPLICATES_SHOWN]]
    if more:
        steps.append(topdesk_admin(f"... and {more} more cards with {email}: search operators and persons for "
                                   "it and change each one."))
    steps.append(hcp_admin(f"Run topdesk-preflight again; HCP must find exactly one operator with {email}."))
    return CheckResult.failed(
        f"{plural(len(duplicates), 'other active card')} "
        f"{'share' if len(duplicates) != 1 else 'shares'} the HCP operator's email {email}: {', '.join(shown)}"
        + (f" and {more} more" if more else "") + ".",
        details=[f"The guide: the email must be unique - not shared with any other operator or person "
                 f"(the operator {operator.label}'s own linked person is allowed)."],
        evidence=evidence, remediation=steps)


def _endpoint(path: str | None) -> str:
    return "persons" if path and "/persons" in path else "operators"


def _rename_step(card: Card, email: str) -> str:
    menu = MENU_OPERATOR_SETTINGS if isinstance(card, OperatorCard) else MENU_PERSON_SETTINGS
    return topdesk_admin(f"Open the {card.text} ({menu}) and give it its own email instead of "
                         f"{email}, then save.")


@check(id="operator.branch", title="The HCP operator belongs to the configured branch",
       guide=CREATING_AN_OPERATOR, depends_on=("operator.account", "branch.exists"))
def branch(ctx: Context) -> CheckResult:
    """The guide's Creating an Operator step 4: "choose the branch you created"; HCP works in that branch."""
    operator = current_operator(ctx)
    configured = ctx.result("branch.exists")
    branch_evidence = configured.evidence if configured is not None else {}
    wanted_id = branch_evidence.get("branch_id")
    wanted_name = branch_evidence.get("branch_name") or ctx.settings.branch
    own = operator.branch
    own_id, own_name = (own.id, own.name) if own else (None, None)
    evidence = {"operator_branch_id": own_id, "operator_branch_name": own_name,
                "configured_branch_id": wanted_id, "configured_branch_name": wanted_name}
    label = operator.label
    if not wanted_id and (ctx.settings.branch or "").strip():
        return CheckResult.skipped(
            f"Cannot verify: the branch {wanted_name!r} could not be confirmed (see branch.exists); the operator "
            f"{label} is in {own_name!r}.", evidence=evidence)
    if not wanted_id:
        return CheckResult.unchecked(
            f"Not checked: no configured branch to compare with (give --branch); the operator {label} is in "
            f"{own_name!r}.", enable_with=FLAG_BRANCH, evidence=evidence)
    if own_id == wanted_id:
        return CheckResult.passed(f"The operator {label} belongs to the branch {wanted_name!r}.",
                                  evidence=evidence)
    current = repr(own_name) if own else "no branch"
    return CheckResult.failed(
        f"The operator {label} belongs to {current}, not to the configured branch {wanted_name!r}.",
        evidence=evidence,
        remediation=[
            topdesk_admin(f"Open the operator card {label} ({MENU_OPERATOR_SETTINGS}), choose the branch "
                          f"{wanted_name!r} from the dropdown, and save."),
            hcp_admin(f"Or, if HCP should work in {current} instead, set that branch in HCP's TOPdesk "
                      "connection and run topdesk-preflight with --branch set to it."),
        ])
