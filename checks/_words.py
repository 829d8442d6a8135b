"""How the checks' sentences list things: ``"A, B and C"``, capped, never a Python list's repr.

The verdict texts name this instance's rooms, branches and permission groups; one
helper keeps those lists alike in every check.
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
