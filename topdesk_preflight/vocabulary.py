"""The words a report's readers act on, as types: who acts on a step, how ready a TOPdesk is, what changed.

Each was a string spelled again in every module that wrote or read it (the actor
prefix was written by the checks and parsed back by three renderers; the change and
readiness words were spelled in three or four places), so a typo in one of them
was a silent mismatch. Here each is defined once. The enums mix in ``str`` and
their values are today's words, so the JSON report, the templates and every
comparison with a plain string read exactly what they always did.
"""

from __future__ import annotations

import enum
from typing import ClassVar

from attrs import frozen


class Actor(str, enum.Enum):
    """Who acts on a remediation step; the value is the words every output shows (and the JSON's ``actor``).

    A support thread bounces when the customer's TOPdesk administrator and the HCP
    administrator cannot tell whose step a line is, so every step names one of these.
    The order is the order of the report's "who does what".
    """

    TOPDESK = "TOPdesk administrator"
    HCP = "HCP administrator"
    NETWORK = "Network administrator"

    def __str__(self) -> str:
        return self.value


@frozen
class Step:
    """One remediation step: who acts (None when the step does not say) and what to do.

    Results still carry each step as its text, ``"TOPdesk administrator: Open the room ..."``,
    since that text is the JSON report's ``remediation`` and what plug-ins write; ``str(step)``
    writes that text and :meth:`parse` reads it back, so the prefix has one writer and one reader.
    """

    actor: Actor | None
    text: str

    #: Between the actor's words and the step's text.
    SEPARATOR: ClassVar[str] = ": "

    def __str__(self) -> str:
        return f"{self.actor.value}{self.SEPARATOR}{self.text}" if self.actor else self.text

    @classmethod
    def parse(cls, step: str) -> "Step":
        """``"HCP administrator: do X"`` -> ``Step(Actor.HCP, "do X")``; without a known actor, the text as it is.

        ``str(Step.parse(text)) == text`` for every text, so parsing never changes what a reader sees.
        """
        for actor in Actor:
            prefix = actor.value + cls.SEPARATOR
            if step.startswith(prefix):
                return cls(actor, step[len(prefix):])
        return cls(None, step)


class Readiness(str, enum.Enum):
    """The run's verdict: ``ready``, ``not_ready`` (something failed) or ``unknown`` (something errored)."""

    READY = "ready"
    NOT_READY = "not_ready"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value

    @property
    def headline(self) -> str:
        """How the verdict line opens: ``Ready for Humly Control Panel``, ``Not ready``, ``Readiness unknown``."""
        return _HEADLINES[self]

    @property
    def label(self) -> str:
        """The value as prose, for tables and counts: ``ready``, ``not ready``, ``unknown``."""
        return self.value.replace("_", " ")


_HEADLINES = {Readiness.READY: "Ready for Humly Control Panel", Readiness.NOT_READY: "Not ready",
              Readiness.UNKNOWN: "Readiness unknown"}


class Change(str, enum.Enum):
    """With ``--compare``: how one check moved since the earlier report (``topdesk_preflight.compare`` decides).

    Broken means fail or error; the order is the order the summaries count them in.
    """

    FIXED = "fixed"
    NEWLY_BROKEN = "newly_broken"
    STILL_BROKEN = "still_broken"
    UNCHANGED = "unchanged"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """The value as prose: ``fixed``, ``newly broken``, ``still broken``, ``unchanged``."""
        return self.value.replace("_", " ")

    @property
    def noteworthy(self) -> bool:
        """Every change but ``unchanged``: what a reader must look at, so the summaries name only these."""
        return self is not Change.UNCHANGED
