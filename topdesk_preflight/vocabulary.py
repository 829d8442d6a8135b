"""The words a report's readers act on, as types: who acts on a step, how ready a TOPdesk is, what changed.

Each was a string spelled again in every module that wrote or read it (the actor
prefix was written by the checks and parsed back by three renderers; the change and
readiness words were spelled in three or four places), so a typo in one of them
was a silent mismatch. Here each is defined once. The enums mix in ``str`` and
their values are today's words, so the JSON report, the templates and every
comparison with a plain string read exactly what they always did.

The two phrases every output words alike live here too: a count with its noun
(:func:`plural`: "1 day", never "1 days") and which TOPdesk it is
(:func:`topdesk_version_words`: "TOPdesk 16.6.7 (REST API 3.7.4)").
"""

from __future__ import annotations

import enum
from typing import ClassVar

from attrs import frozen


class Word(str, enum.Enum):
    """A word of the vocabulary: a ``str`` whose value is what the outputs write (``Status`` is one too).

    One base, so every such enum prints and reads as prose the same way: ``str()`` and
    ``f"{...}"`` give the value, never ``Change.FIXED``, and :attr:`label` the value with spaces.
    """

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """The value as prose, for tables and counts: ``not_ready`` -> ``not ready``."""
        return self.value.replace("_", " ")


class Actor(Word):
    """Who acts on a remediation step; the value is the words every output shows (and the JSON's ``actor``).

    A support thread bounces when the customer's TOPdesk administrator and the HCP
    administrator cannot tell whose step a line is, so every step names one of these.
    The order is the order of the report's "who does what".
    """

    TOPDESK = "TOPdesk administrator"
    HCP = "HCP administrator"
    NETWORK = "Network administrator"


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


class Readiness(Word):
    """The run's verdict: ``ready``, ``not_ready`` (something failed) or ``unknown`` (something errored).

    :attr:`label` reads ``ready``, ``not ready``, ``unknown``.
    """

    READY = "ready"
    NOT_READY = "not_ready"
    UNKNOWN = "unknown"

    @property
    def headline(self) -> str:
        """How the verdict line opens: ``Ready for Humly Control Panel``, ``Not ready``, ``Readiness unknown``."""
        return _HEADLINES[self]

    @property
    def mark(self) -> str:
        """The sign before the verdict, the glyph of the status that decides it: ✓, ✗ or ?."""
        return _MARKS[self]


_HEADLINES = {Readiness.READY: "Ready for Humly Control Panel", Readiness.NOT_READY: "Not ready",
              Readiness.UNKNOWN: "Readiness unknown"}
_MARKS = {Readiness.READY: "\u2713", Readiness.NOT_READY: "\u2717", Readiness.UNKNOWN: "?"}


class Change(Word):
    """With ``--compare``: how one check moved since the earlier report (``topdesk_preflight.compare`` decides).

    Broken means fail or error; the order is the order the summaries count them in. :attr:`label`
    reads ``fixed``, ``newly broken``, ``still broken``, ``unchanged``.
    """

    FIXED = "fixed"
    NEWLY_BROKEN = "newly_broken"
    STILL_BROKEN = "still_broken"
    UNCHANGED = "unchanged"

    @property
    def noteworthy(self) -> bool:
        """Every change but ``unchanged``: what a reader must look at, so the summaries name only these."""
        return self is not Change.UNCHANGED


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 day``, ``2 days``, ``0 days``: a count and its noun, so no output says "1 days" or "day(s)".

    ``many`` is the plural when it is not ``word + "s"``.
    """
    return f"{count} {word if count == 1 else (many or word + 's')}"


def topdesk_version_words(product: str | None, api: str | None) -> str:
    """``TOPdesk 16.6.7 (REST API 3.7.4)``: which TOPdesk it is, its REST API's version apart, in brackets.

    The guide asks a ticket for the TOPdesk version, which is the product's (``/productVersion``);
    ``/version`` answers the REST API's, a different number that once stood under the same name.
    Every output says the two in these words, so neither can be read as the other:
    ``TOPdesk 16.6.7`` without the API's, ``unknown (REST API 3.7.4)`` without the product's.
    """
    if product and api:
        return f"TOPdesk {product} (REST API {api})"
    if product:
        return f"TOPdesk {product}"
    if api:
        return f"unknown (REST API {api})"
    return "(unknown)"
