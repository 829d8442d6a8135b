"""How the checks' sentences list and count things: the same words in every check."""

from __future__ import annotations

import pytest

from topdesk_preflight.checks._words import has_or_have, is_or_are, it_or_them, names_list, plural_ending


def test_a_list_of_names_is_a_sentence_never_a_python_list():
    assert names_list([]) == ""
    assert names_list(["Aurora"]) == "Aurora"
    assert names_list(["Aurora", "Borealis"]) == "Aurora and Borealis"
    assert names_list(["A", "B", "C"], conjunction="or") == "A, B or C"


def test_a_long_list_stops_at_the_cap_and_counts_the_rest():
    rooms = [f"R{n}" for n in range(13)]
    assert names_list(rooms, cap=10) == "R0, R1, R2, R3, R4, R5, R6, R7, R8, R9 and 3 more"


@pytest.mark.parametrize(("count", "words"), [(0, ("s", "have", "are", "them")), (1, ("", "has", "is", "it")),
                                              (2, ("s", "have", "are", "them"))])
def test_the_words_that_agree_with_a_count_are_singular_only_for_one(count, words):
    assert (plural_ending(count), has_or_have(count), is_or_are(count), it_or_them(count)) == words
    assert f"room{plural_ending(count)}" == ("room" if count == 1 else "rooms")
