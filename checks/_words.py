"""How the checks' sentences list and count things: ``"A, B and C"``, ``1 room`` / ``2 rooms``.

The verdict texts name this instance's rooms, branches and permission groups; one
helper keeps those lists alike in every check, never a Python list's repr. Where the
count stands right before its noun, :func:`topdesk_preflight.vocabulary.plural` says it
(``plural(2, "room")``); the helpers below are for the words that agree with a count
said elsewhere in the sentence (``"2 of 5 rooms"``, ``"more than 2000 locations"``,
``"the rooms ... have no type, so HCP will not import them"``).
"""

from __future__ import annotations

from typing import Iterable


def names_list(labels: Iterable[str], cap: int = 10, conjunction: str = "and") -> str:
    """``"A, B and C"`` (or ``"A, B or C"``), or ``"A, B, … and 7 more"`` past ``cap``."""
    labels = list(labels)
    if len(labels) > cap:
        return ", ".join(labels[:cap]) + f" and {len(labels) - cap} more"
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + f" {conjunction} " + labels[-1]


def plural_ending(count: int) -> str:
    """``""`` for one thing, ``"s"`` for none or many: ``f"room{plural_ending(n)}"``."""
    return "" if count == 1 else "s"


def has_or_have(count: int) -> str:
    """``"has"`` for one thing, ``"have"`` for none or many."""
    return "has" if count == 1 else "have"


def is_or_are(count: int) -> str:
    """``"is"`` for one thing, ``"are"`` for none or many."""
    return "is" if count == 1 else "are"


def it_or_them(count: int) -> str:
    """``"it"`` for one thing, ``"them"`` for none or many."""
    return "it" if count == 1 else "them"
