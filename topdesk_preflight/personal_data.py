"""Which values TOPdesk returns are personal: read off the person and operator cards as they arrive.

``--redact`` must replace every personal value in every output, and guessing at text ("this looks
like a name") would both miss names and mangle room names. So the values are taken where they are
certain: the answers of the person and operator endpoints (``/persons``, ``/persons/{id}``,
``/persons/id/{id}``, ``/operators``, ``/operators/current``, ``/operators/id/{id}``), field by field,
as the client receives them (:func:`watch` adds an observer to the run's client). Whatever such a card
carries is learned, even fields no check shows today (a server that refused the field list sends the
whole card), so a future check cannot leak them by quoting a card.

The card of ``/operators/current`` is the HCP operator: its email and login name are *kept*, as the
vendor's ticket list asks for them (they are the service account's, not a person's); its name is
replaced like any other. Branch, room, permission group and filter names are never learned: the
branch filters and permission groups under ``/operators/id/{id}/...`` are not cards.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable

from topdesk_preflight.pseudonyms import OPERATOR, PERSON, Pseudonymizer


#: A response whose records are person or operator cards (the path is relative to the instance root).
_CARD_PATH = re.compile(r"^/tas/api/(?P<kind>persons|operators)(?P<which>/current|/id/[^/?]+|/(?!id/)[^/?]+)?/?$")

NAME_PARTS = ("firstName", "prefixes", "surName")
NAME_FIELDS = ("dynamicName", "name")
EMAIL_FIELDS = ("email", "privateEmail")
LOGIN_FIELDS = ("loginName", "tasLoginName", "networkLoginName", "mainframeLoginName")
PHONE_FIELDS = ("phoneNumber", "mobileNumber", "privatePhoneNumber", "privateMobileNumber", "faxNumber")
#: References inside a card to another person's card ({"id", "name"}): the operator's linked person.
PERSON_REFERENCES = ("linkedPerson", "manager")
#: The list wrappers TOPdesk (or a gateway in front of it) may put around records.
_WRAPPERS = ("results", "item", "items", "dataSet")


def card_kind(path: str) -> tuple[str, bool] | None:
    """``("person" | "operator", is the HCP operator's own card)`` for a card endpoint's path, else None."""
    match = _CARD_PATH.match(path.split("?", 1)[0])
    if match is None:
        return None
    return (PERSON if match.group("kind") == "persons" else OPERATOR), match.group("which") == "/current"


def records(data: Any) -> list[dict[str, Any]]:
    """The card records in a decoded answer: a list of them, one of them, or a list under a wrapper key."""
    if isinstance(data, list):
        return [item for item in data if isinstance(item, dict)]
    if isinstance(data, dict):
        for key in _WRAPPERS:
            if isinstance(data.get(key), list):
                return records(data[key])
        return [data]
    return []


def _texts(card: dict[str, Any], names: Iterable[str]) -> list[str]:
    return [card[name] for name in names if isinstance(card.get(name), str)]


def full_names(card: dict[str, Any]) -> list[str]:
    """The names a report may show for a card: the display name and first [prefixes] surname."""
    parts = [card.get(p) for p in NAME_PARTS]
    joined = [" ".join(p for p in parts if isinstance(p, str) and p),
              " ".join(p for p in (parts[0], parts[2]) if isinstance(p, str) and p)]
    return _texts(card, NAME_FIELDS) + [name for name in joined if name]


def learn_card(pseudonymizer: Pseudonymizer, kind: str, card: dict[str, Any], *, own: bool = False) -> None:
    """Teach ``pseudonymizer`` one card's personal values (and those of the persons it refers to).

    ``own``: the HCP operator's card, whose email and login are kept.
    """
    if own:
        pseudonymizer.keep(*_texts(card, EMAIL_FIELDS), *_texts(card, LOGIN_FIELDS))
    pseudonymizer.learn(kind, card_id=card.get("id"), names=full_names(card), emails=_texts(card, EMAIL_FIELDS),
                        logins=_texts(card, LOGIN_FIELDS), phones=_texts(card, PHONE_FIELDS))
    for reference in PERSON_REFERENCES:
        linked = card.get(reference)
        if isinstance(linked, dict):
            learn_card(pseudonymizer, PERSON, linked)


def observe(pseudonymizer: Pseudonymizer, response: Any) -> None:
    """Learn from one answer if it is a card endpoint's success; anything else is none of its business."""
    kind = card_kind(str(getattr(response, "path", "")))
    status = getattr(response, "status", None)
    if kind is None or not isinstance(status, int) or not 200 <= status < 300:
        return
    body = getattr(response, "body", b"")
    if not body:
        return
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except ValueError:  # not JSON (UnicodeDecodeError included): the check reports that answer itself
        return
    for card in records(data):
        learn_card(pseudonymizer, kind[0], card, own=kind[1])


def watch(client: Any, pseudonymizer: Pseudonymizer) -> bool:
    """Let ``pseudonymizer`` see every answer ``client`` receives; False when the client offers no hook.

    A client without ``observers`` (a stand-in for one that could not be built, a test's own) has
    no TOPdesk answers to learn from, so there is nothing it could leak either.
    """
    observers: list[Callable[[Any], None]] | None = getattr(client, "observers", None)
    if not isinstance(observers, list):
        return False
    observers.append(lambda response: observe(pseudonymizer, response))
    return True
