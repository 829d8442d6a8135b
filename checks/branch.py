"""Checks: the branch HCP is configured with exists in TOPdesk and is active.

HCP imports rooms from one branch, by name. A branch that is missing, archived or
spelled differently makes the import come back empty with no error, so this check
names the branch TOPdesk really has when one is close (guide "Creating a Branch").
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from topdesk_preflight.guide import (
    CREATING_A_BRANCH, FLAG_BRANCH, MENU_BRANCH_SETTINGS, MENU_OPERATOR_SETTINGS, NOT_CHECKED_BRANCH,
    SUPPORTING_FILES_STEP, hcp_admin, topdesk_admin,
)
from topdesk_preflight.checks._operator_facts import branch_filters
from topdesk_preflight.checks._branch_facts import active_branch_names, branch_lookup
from topdesk_preflight.checks._words import names_list
from topdesk_preflight.context import Context
from topdesk_preflight.errors import PermissionDenied, TopdeskError
from topdesk_preflight.model import CheckResult
from topdesk_preflight.registry import check

#: A bounded look-up of active branch names (id and name only) is how close names are found.
#: Only a tenant with more branches than this needs the extra prefix look-up.
LOOKUP_TOP = 1000
PREFIX_LOOKUP_TOP = 200
MAX_SUGGESTIONS = 5
SIMILARITY = 0.6


@check(id="branch.exists", title="The configured branch exists and is active", guide=CREATING_A_BRANCH,
       depends_on=("auth.credentials",))
def branch_exists(ctx: Context) -> CheckResult:
    """HCP is set up with a branch name; every room it imports must belong to that branch.

    One ``/branches`` request with ``name==…;archived==false`` answers "exists, active,
    spelled in another case"; only a miss costs a second one (``archived==true``) to
    tell "archived" from "missing" (see :class:`BranchLookup`).
    """
    name = ctx.settings.branch
    if not name:
        return CheckResult.unchecked(
            NOT_CHECKED_BRANCH, enable_with=FLAG_BRANCH,
            details=["Without the branch name the room checks cannot tell which rooms HCP will import."],
            evidence={"branch_id": None, "branch_name": None})
    try:
        lookup = branch_lookup(ctx)
    except PermissionDenied as error:
        return CheckResult.failed(
            f"Cannot look up the branch {name!r}: this account may not read branches",
            details=[str(error)],
            remediation=[SUPPORTING_FILES_STEP],
            evidence={"branch_id": None, "branch_name": name, "http_status": error.status})
    assert lookup is not None
    evidence: dict[str, Any] = {"branch_name": name, "matches": [b.brief() for b in lookup.matches]}
    if lookup.query_ignored:
        evidence["query_ignored"] = True

    branch = lookup.branch
    if branch is not None:
        evidence.update(branch_id=branch.id, branch_name=branch.name)
        details = []
        if len(lookup.active) > 1:
            details.append(f"{len(lookup.active)} active branches are named {name!r}; the first one is used. "
                           "Give each branch a unique name so HCP imports from the right one.")
        if lookup.archived:
            details.append(f"An archived branch with this name also exists ({len(lookup.archived)}); "
                           "archived branches are ignored.")
        if lookup.query_ignored:
            return CheckResult.warned(
                f"Cannot verify that the branch {name!r} is active: it exists, but this TOPdesk ignored the "
                "search filter that tells archived branches apart",
                details=details + [QUERY_IGNORED, "The branch was picked from the whole list by its name."],
                remediation=[topdesk_admin(f"Open {MENU_BRANCH_SETTINGS} and check that the branch {name!r} is "
                                           "not archived.")],
                evidence=evidence)
        if branch.name != name:
            return CheckResult.warned(
                f"The branch is named {branch.name!r} in TOPdesk, not {name!r}",
                details=details + ["TOPdesk matched the name regardless of case; HCP may not."],
                remediation=[hcp_admin(f"Set the branch in HCP's TOPdesk connection to exactly "
                                       f"{branch.name!r}.")],
                evidence=evidence)
        return CheckResult.passed(f"The branch {name!r} exists and is active", details=details,
                                  evidence=evidence)

    evidence["branch_id"] = None
    if lookup.archived:
        archived = lookup.archived[0]
        evidence["archived_branch_id"] = archived.id
        return CheckResult.failed(
            f"The branch {name!r} is archived",
            details=["HCP cannot import rooms from an archived branch."],
            remediation=[
                topdesk_admin(f"Open {MENU_BRANCH_SETTINGS}, find the archived branch {name!r}, restore "
                              "(un-archive) it and click Save."),
                hcp_admin("Or, if another branch is meant, set that branch's name in HCP's TOPdesk "
                          "connection."),
            ],
            evidence=evidence)

    filters = branch_filters(ctx)
    if filters.restrict:
        evidence["branch_filters"] = list(filters.names)
        return CheckResult.warned(
            f"Cannot verify that the branch {name!r} exists: the HCP operator has branch filters "
            f"({filters.text}), so TOPdesk shows it only the branches they allow",
            details=["With branch filters TOPdesk answers an empty list, not a refusal, for a branch the "
                     "operator may not see; the branch may exist and be hidden."],
            remediation=[
                topdesk_admin(f"Open the HCP operator's card ({MENU_OPERATOR_SETTINGS}), look at its branch "
                              f"filters ({filters.text}) and add the branch {name!r}, or remove the filters "
                              "HCP does not need."),
                topdesk_admin(f"If the branch {name!r} does not exist, create it: {MENU_BRANCH_SETTINGS}."),
            ],
            evidence=evidence)
    suggestions, note = _close_names(ctx, name)
    evidence["close_names"] = suggestions
    details = [note] if note else []
    if not filters.known:
        details.append(filters.unread_note)
    remediation = [topdesk_admin(
        f"Create the branch: click {MENU_BRANCH_SETTINGS}, enter the branch details with the name "
        f"{name!r} (fields highlighted in red are required) and click Save.")]
    if suggestions:
        quoted = names_list([repr(s) for s in suggestions])
        remediation.append(hcp_admin(
            f"If one of the existing branches {names_list([repr(s) for s in suggestions], conjunction='or')} "
            "is meant, set that exact name as the branch in HCP's TOPdesk connection (and in --branch)."))
        summary = f"The branch {name!r} does not exist; close names: {quoted}"
    else:
        summary = f"The branch {name!r} does not exist"
    return CheckResult.failed(summary, details=details, remediation=remediation, evidence=evidence)


QUERY_IGNORED = ("This TOPdesk answered with records that do not match the search filter (query): its "
                 "Supporting Files API may be older than 1.38.0, which introduced FIQL; the records were filtered "
                 "here instead.")


def _close_names(ctx: Context, wanted: str) -> tuple[list[str], str | None]:
    """Names of active branches close to ``wanted``, from bounded ``/branches/lookup`` requests.

    Only id and name come back from a look-up, and at most LOOKUP_TOP of them: a
    tenant with more branches also gets a prefix look-up on the name's first word, so a
    near-miss such as "HQ-Stockholm" is still found. A failing look-up only costs the
    suggestions, never the verdict.
    """
    names: dict[str, None] = {}
    try:
        results = active_branch_names(ctx, top=LOOKUP_TOP)
        names.update(dict.fromkeys(results))
        prefix = _first_word(wanted)
        if len(results) >= LOOKUP_TOP and prefix:
            names.update(dict.fromkeys(active_branch_names(ctx, top=PREFIX_LOOKUP_TOP, starting_with=prefix)))
    except TopdeskError as error:
        return [], f"Could not look for branches with a similar name: {error}"
    return _rank(wanted, list(names)), None


def _first_word(name: str) -> str:
    match = re.match(r"\w+", name.strip())
    return match.group(0) if match else ""


def _squash(name: str) -> str:
    """Case, spaces and punctuation removed: "HQ-Stockholm" and "hq stockholm" become the same."""
    return re.sub(r"\W+", "", name.casefold())


def _rank(wanted: str, names: list[str]) -> list[str]:
    """The few names most like ``wanted``: same letters, one containing the other, or similar text."""
    target, squashed = wanted.casefold(), _squash(wanted)
    scored = []
    for name in names:
        other = _squash(name)
        ratio = difflib.SequenceMatcher(None, target, name.casefold()).ratio()
        if other and squashed and (other == squashed or squashed in other or other in squashed):
            ratio = max(ratio, 0.95 if other == squashed else 0.8)
        if ratio >= SIMILARITY:
            scored.append((-ratio, name.casefold(), name))
    return [name for _, _, name in sorted(scored)[:MAX_SUGGESTIONS]]
