"""An unknown fact is a value with a reason, never a silent False."""

import pytest

from topdesk_preflight.checks._unknown import Known, Unknown


def test_an_unknown_carries_its_reason_and_compares_by_it():
    assert Unknown("no linkedPerson in the answer") == Unknown("no linkedPerson in the answer")
    assert Unknown("a").reason == "a"


def test_an_unknown_refuses_to_be_true_or_false_so_no_check_guesses():
    with pytest.raises(TypeError, match="no linkedPerson"):
        bool(Unknown("no linkedPerson"))
    with pytest.raises(TypeError):
        if Unknown("x"):  # noqa: SIM108 - the point is that this line raises
            pass


def test_known_is_the_value_or_the_unknown():
    values: list[Known[bool]] = [True, False, Unknown("not in the answer")]
    assert [isinstance(v, Unknown) for v in values] == [False, False, True]
