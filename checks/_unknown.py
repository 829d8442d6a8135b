"""What this TOPdesk did not say, as a value a check has to look at.

Real instances differ from the newest spec (docs/topdesk-api.md §9): an operator
record before April 2024 has no ``linkedPerson``, a room may come back without its
``reservationManagement``, a list may be refused. Such a fact is neither true nor
false, and ``None`` would read as false in an ``if``. A typed fact says
``Unknown(reason)`` instead, and an ``Unknown`` refuses to be used as a truth value:
a check that forgot to ask ``isinstance(value, Unknown)`` crashes into its own
``error`` verdict ("cannot verify") and never passes or fails on a guess.
"""

from __future__ import annotations

from typing import TypeVar, Union

from attrs import frozen

T = TypeVar("T")


@frozen
class Unknown:
    """A fact the instance did not give; ``reason`` says why, in words a report can show."""

    reason: str

    def __bool__(self) -> bool:
        raise TypeError(f"a fact is unknown ({self.reason}); ask isinstance(value, Unknown) before testing it")


#: ``Known[bool]`` is ``bool | Unknown``: the value, or the reason there is none.
Known = Union[T, Unknown]
