"""Consistent pseudonyms for the personal data in a report (``--redact``), as sos report's cleaner does it.

The report is attached to a support ticket at Humly, outside the customer's organisation, and it
would name the customer's staff: the person cards that share the operator's email, the linked
person, the operators named in evidence. Under the GDPR that is personal data leaving the customer.
So a redacted run replaces every personal value TOPdesk returned by a stable token that keeps the
relationships a diagnosis needs:

* a person's name becomes ``person-1``, an operator's ``operator-1``; the card's email becomes
  ``person-1@acme.example`` (the domain is kept: a wrong domain is itself a finding), its login
  ``person-1-login``; phone numbers become ``phone-1``;
* equal values get equal tokens, so "the linked person is named like the operator" stays visible;
* the same value gets the same token within a run and, seeded from the key file, across runs.

What the vendor's ticket list asks for is *kept*: the HCP operator's own email and login name (they
are the service account's, not a person's; :meth:`Pseudonymizer.keep`), and everything that is no
personal value at all (versions, guide steps, error messages, permission group, branch and room
names) is simply never learned. The values come from the person and operator cards as the client
reads them (:mod:`topdesk_preflight.personal_data`), never from guessing at text, and they are
replaced in the finished :class:`~topdesk_preflight.model.Report` before any renderer runs, so the
JSON, HTML, terminal, JUnit, ticket text and curl lines are covered in one place.

Tokens are handed out lazily, the first time a value is met in an output, so the key file
(:mod:`topdesk_preflight.redaction_key`) holds only what the report shows. Fleet mode can reuse
:func:`pseudonymize` on each tenant's report with one :class:`Pseudonymizer` per key file.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any, Iterable, Pattern
from urllib.parse import quote

import attrs
from attrs import define, field, frozen

from topdesk_preflight.redaction import Redactor

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import CheckResult, Report

NAME, EMAIL, LOGIN, PHONE = "name", "email", "login", "phone"
VALUE_KINDS = (NAME, EMAIL, LOGIN, PHONE)
PERSON, OPERATOR = "person", "operator"
#: Shorter values are never replaced: "Li" or "bo" would also be cut out of ordinary words.
MIN_VALUE_LENGTH = 3
#: Written after the first token of a remediation step, so the step stays actionable for the admin.
KEY_HINT = " (see the key file)"
#: Every token this module makes: ``person-1``, ``operator-2-2``, ``person-1@acme.example``,
#: ``person-3-login``, ``phone-4``.
TOKEN_SHAPE = re.compile(r"^(?:(?:person|operator)-\d+(?:-\d+)?(?:-login|@[^\s@]+)?|phone-\d+(?:-\d+)?)$")
_CARD_OF_TOKEN = re.compile(r"^((?:person|operator)-\d+)")
_NUMBERED = re.compile(r"^(person|operator|phone)-(\d+)")
#: The characters the client leaves unencoded in a query (client.py ``_QUERY_SAFE``), so a value in a
#: recorded request path is found in its encoded spelling too.
_QUERY_SAFE = "$,;=()!*:'/@"
#: A value starts where no word character (or, before an email, no address character) precedes it,
#: or right after a percent-encoded delimiter (``%22hcp@...`` in a FIQL query).
_BEFORE = r"(?:(?<![\w])|(?<=%[0-9A-Fa-f]{2}))"
_BEFORE_EMAIL = r"(?:(?<![\w.+-])|(?<=%[0-9A-Fa-f]{2}))"
_AFTER = r"(?!\w)"
_AFTER_EMAIL = r"(?![\w-]|\.[\w-])"

#: What a redacted report says it replaced and what it kept: the JSON's ``redaction`` object and the HTML.
REPLACED = ("names of persons and operators", "email addresses (the domain is kept)",
            "login names other than the HCP operator's", "phone numbers")
KEPT = ("the TOPdesk version", "the failed guide steps", "TOPdesk's error messages",
        "the HCP operator's email and login name (the service account's, not a person's)",
        "permission group names", "branch and room names",
        "TOPdesk's card ids (random, meaningless outside this TOPdesk)")


def _forms(value: str) -> set[str]:
    """The spellings of ``value`` an output can carry: as is, percent-encoded in a path, inside a repr."""
    return {value, quote(value, safe=_QUERY_SAFE), repr(value)[1:-1]}


def _token_order(token: str) -> tuple[str, int, str]:
    """``person-2`` before ``person-10``: the key file lists tokens as a person would count them."""
    numbered = _NUMBERED.match(token)
    if numbered is None:
        return (token, 0, "")
    return (numbered.group(1), int(numbered.group(2)), token)


@define(eq=False, repr=False)
class Pseudonymizer:
    """Maps each personal value to its token; thread-safe, since checks finish on worker threads.

    Build it empty or from a key file's entries (:meth:`from_entries`), tell it which values to
    keep and which cards were read (:meth:`learn`), then run texts through :meth:`text`.
    """

    _tokens: dict[str, str] = field(factory=dict, init=False)  # value -> token: the key
    _values: dict[str, str] = field(factory=dict, init=False)  # token -> value: one value per token
    _kind: dict[str, str] = field(factory=dict, init=False)  # value -> name / email / login / phone
    _card_of: dict[str, int] = field(factory=dict, init=False)  # learned value -> the card it was read on
    _card_kind: list[str] = field(factory=list, init=False)  # card -> person / operator
    _card_token: dict[int, str] = field(factory=dict, init=False)  # card -> person-N / operator-N
    _card_ids: dict[str, int] = field(factory=dict, init=False)  # "person:<TOPdesk id>" -> card
    _kept: set[str] = field(factory=set, init=False)  # casefolded values that stay as they are
    _lock: threading.RLock = field(factory=threading.RLock, init=False, repr=False)
    _compiled: tuple[Pattern[str], dict[str, str | None], dict[str, str]] | None = field(default=None, init=False)

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, str, str]]) -> "Pseudonymizer":
        """Seeded with ``(token, value, kind)`` entries of a key file: the same values keep their tokens."""
        made = cls()
        for token, value, kind in entries:
            made._tokens[value], made._values[token] = token, value
            made._kind[value] = kind if kind in VALUE_KINDS else NAME
        return made

    # -- what to replace and what to keep -------------------------------------------------------
    def keep(self, *values: str | None) -> None:
        """Never replace these (any case): the HCP operator's email and login, the settings' own values."""
        with self._lock:
            for value in values:
                if isinstance(value, str) and value.strip():
                    self._kept.add(value.strip().casefold())
            self._compiled = None

    def learn(self, card: str, *, card_id: Any = None, names: Iterable[Any] = (), emails: Iterable[Any] = (),
              logins: Iterable[Any] = (), phones: Iterable[Any] = ()) -> None:
        """Remember the personal values of one card TOPdesk returned (``card`` is person or operator).

        ``card_id`` (TOPdesk's id) makes a card read twice (the operator's ``linkedPerson`` reference,
        then the person itself) one card, so its name and email share a number. A value first read
        on another card stays that card's: tokens follow values, not cards.
        """
        card = card if card in (PERSON, OPERATOR) else PERSON
        with self._lock:
            key = f"{card}:{card_id}" if isinstance(card_id, str) and card_id else None
            number = self._card_ids.get(key, len(self._card_kind)) if key else len(self._card_kind)
            if number == len(self._card_kind):
                self._card_kind.append(card)
                if key:
                    self._card_ids[key] = number
            for kind, values in ((NAME, names), (EMAIL, emails), (LOGIN, logins), (PHONE, phones)):
                for raw in values:
                    if not isinstance(raw, str):
                        continue
                    for value in dict.fromkeys((raw, raw.strip())):
                        if len(value.strip()) >= MIN_VALUE_LENGTH and value not in self._card_of:
                            self._card_of[value] = number
                            self._kind.setdefault(value, kind)
            self._compiled = None

    # -- replacing --------------------------------------------------------------------------------
    def text(self, value: str, *, used: set[str] | None = None, hint: str | None = None) -> str:
        """``value`` with every personal value replaced by its token (longest first).

        ``used`` collects the tokens put in; ``hint`` is written once, after the first token (and its
        closing quote), which is how a remediation step points the admin at the key file.
        """
        if not value:
            return value
        with self._lock:
            pattern, forms, folded = self._pattern()
            if not forms:
                return value
            pieces: list[str] = []
            position, hinted = 0, hint is None
            for match in pattern.finditer(value):
                token = self._replacement(match.group(0), forms, folded)
                if token is None:
                    continue
                pieces += [value[position:match.start()], token]
                position = match.end()
                if used is not None:
                    used.add(token)
                if not hinted:
                    if value[position:position + 1] in ("'", '"'):
                        pieces.append(value[position])
                        position += 1
                    pieces.append(str(hint))
                    hinted = True
            return "".join(pieces) + value[position:] if pieces else value

    def _replacement(self, found: str, forms: dict[str, str | None], folded: dict[str, str]) -> str | None:
        """The token for one matched spelling, or None for a kept value."""
        if found.casefold() in self._kept:
            return None
        value = forms.get(found)
        if value is None:  # an email in another case: its own token, of the same card
            like = folded.get(found.casefold())
            if like is None:
                return None
            value = found
            self._kind[value] = EMAIL
            if like in self._card_of:
                self._card_of.setdefault(value, self._card_of[like])
            self._compiled = None
        return self._token_for(value)

    def _pattern(self) -> tuple[Pattern[str], dict[str, str | None], dict[str, str]]:
        """One regular expression for every known value and kept value, longest spelling first."""
        if self._compiled is not None:
            return self._compiled
        forms: dict[str, str | None] = {}  # spelling -> value (None: kept)
        folded: dict[str, str] = {}  # casefolded email spelling -> value
        for value in {*self._card_of, *self._tokens}:
            if value.strip().casefold() in self._kept:
                continue
            for form in _forms(value):
                forms.setdefault(form, value)
                if self._kind.get(value) == EMAIL:
                    folded.setdefault(form.casefold(), value)
        alternatives = []
        kept_forms = {form for kept in self._kept for form in _forms(kept)}
        everything = sorted({*forms, *kept_forms}, key=lambda f: (-len(f), f))
        for form in everything:
            email = "@" in form and (form in kept_forms or self._kind.get(forms.get(form) or "") == EMAIL)
            before, after = (_BEFORE_EMAIL, _AFTER_EMAIL) if email else (_BEFORE, _AFTER)
            body = re.escape(form)
            if email or form in kept_forms:
                body = f"(?i:{body})"
            alternatives.append(f"{before}{body}{after}")
        pattern = re.compile("|".join(alternatives)) if alternatives else re.compile(r"(?!)")
        self._compiled = (pattern, forms, folded)
        return self._compiled

    # -- tokens -----------------------------------------------------------------------------------
    def _token_for(self, value: str) -> str:
        token = self._tokens.get(value)
        if token is not None:
            return token
        kind = self._kind.get(value, NAME)
        if kind == PHONE:
            token = self._unique(f"phone-{self._next('phone')}")
        else:
            card = self._card(value)
            if kind == EMAIL:
                token = self._unique(f"{card}@{value.rsplit('@', 1)[-1]}")
            elif kind == LOGIN:
                token = self._unique(f"{card}-login")
            else:
                token = self._unique(card)
        self._tokens[value], self._values[token] = token, value
        return token

    def _card(self, value: str) -> str:
        """``person-N`` / ``operator-N`` of the card ``value`` was read on; a key file's number if it had one."""
        number = self._card_of.get(value)
        if number is None:
            return f"{PERSON}-{self._next(PERSON)}"
        if number in self._card_token:
            return self._card_token[number]
        for other, card in self._card_of.items():  # a value of this card the key file already knows
            known = self._tokens.get(other) if card == number else None
            prefix = _CARD_OF_TOKEN.match(known) if known else None
            if prefix is not None:
                self._card_token[number] = prefix.group(1)
                return prefix.group(1)
        kind = self._card_kind[number]
        self._card_token[number] = f"{kind}-{self._next(kind)}"
        return self._card_token[number]

    def _next(self, prefix: str) -> int:
        taken = [int(m.group(2)) for t in (*self._values, *self._card_token.values())
                 if (m := _NUMBERED.match(t)) is not None and m.group(1) == prefix]
        return max(taken, default=0) + 1

    def _unique(self, token: str) -> str:
        """``token``, or ``person-1-2`` (``person-1-2@acme.example``) when another value has it already."""
        if token not in self._values:
            return token
        local, at, domain = token.partition("@")
        number = 2
        while f"{local}-{number}{at}{domain}" in self._values:
            number += 1
        return f"{local}-{number}{at}{domain}"

    # -- the key ----------------------------------------------------------------------------------
    def entries(self) -> list[tuple[str, str, str]]:
        """``(token, value, kind)`` for every token handed out (and every one the key file had)."""
        with self._lock:
            return sorted(((token, value, self._kind.get(value, NAME)) for value, token in self._tokens.items()),
                          key=lambda entry: _token_order(entry[0]))

    def __len__(self) -> int:
        return len(self._tokens)

    def __repr__(self) -> str:  # never the values: a repr ends up in logs and tracebacks
        return f"Pseudonymizer({len(self)} tokens)"


@frozen(eq=False)
class Masker(Redactor):
    """A :class:`Redactor` that puts tokens in place of personal values, so one walk serves both.

    :meth:`Report.redacted <topdesk_preflight.model.Report.redacted>` already visits every text a
    report carries (results, evidence keys and values, request paths, warnings, settings); a masker
    passed to it pseudonymizes all of them. ``used`` collects the tokens this report shows.
    """

    pseudonymizer: Pseudonymizer = field(kw_only=True)
    used: set[str] = field(factory=set, kw_only=True)

    def text(self, value: str) -> str:
        return self.pseudonymizer.text(value, used=self.used)

    def step(self, value: str) -> str:
        """A remediation step: tokens in, and the first one points at the key file."""
        return self.pseudonymizer.text(value, used=self.used, hint=KEY_HINT)

    def __bool__(self) -> bool:  # an empty forms tuple must not make --debug's filter skip it
        return True

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


def pseudonymize_result(result: "CheckResult", pseudonymizer: Pseudonymizer | None,
                        masker: Masker | None = None) -> "CheckResult":
    """``result`` with tokens in every text (a progress line's; the report's with ``masker``)."""
    if pseudonymizer is None:
        return result
    masker = masker if masker is not None else Masker(pseudonymizer=pseudonymizer)
    return attrs.evolve(result.redacted(masker), remediation=tuple(masker.step(s) for s in result.remediation))


def pseudonymize(report: "Report", pseudonymizer: Pseudonymizer, *, map_file: str | None = None) -> "Report":
    """The report with tokens in place of every personal value, saying so in ``report.redaction``.

    Pure apart from the tokens it hands out: the secret redactor stays the renderers' last pass, and
    the pseudonymizer rides along (never rendered) so the caller can write the key file.
    """
    masker = Masker(pseudonymizer=pseudonymizer)
    masked = report.redacted(masker)
    results = tuple(pseudonymize_result(result, pseudonymizer, masker) for result in report.results)
    return attrs.evolve(masked, results=results, redactor=report.redactor, pseudonyms=pseudonymizer,
                        redaction=notice(len(masker.used), map_file=map_file))


def notice(tokens: int, *, map_file: str | None = None) -> dict[str, Any]:
    """The JSON's ``redaction`` object: that the report is redacted, what was replaced and kept, and where the key is."""
    return {"redacted": True, "replaced": list(REPLACED), "kept": list(KEPT), "tokens": tokens,
            "map_file": map_file}
