import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.codes import (
    ALPHABET,
    BadCode,
    check_character,
    display_code,
    new_code,
    normalise_code,
)


def test_new_codes_are_eight_crockford_characters_with_a_valid_check() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(ALPHABET)
        assert normalise_code(code) == code


def test_typed_codes_ignore_case_dash_spaces_and_confusable_letters() -> None:
    code = new_code()
    shown = display_code(code)
    assert shown == f"{code[:4]}-{code[4:]}"
    assert normalise_code(shown.lower()) == code
    assert normalise_code(f"  {code[:4]} {code[4:]} ") == code
    assert normalise_code(f"https://relais.test/c/{code}") == code
    with_confusables = code.replace("1", "l").replace("0", "O")
    assert normalise_code(with_confusables) == code


@pytest.mark.parametrize("typed", ["", "ABC", "ABCDEFGHJ", "ABCD-EFGU", "ÀBCD-EFGH", "12345678!"])
def test_garbled_codes_are_refused(typed: str) -> None:
    with pytest.raises(BadCode):
        normalise_code(typed)


@given(
    st.text(alphabet=ALPHABET, min_size=7, max_size=7), st.integers(0, 7), st.sampled_from(ALPHABET)
)
def test_every_single_character_mistake_is_caught(payload: str, position: int, wrong: str) -> None:
    full = payload + check_character(payload)
    mistyped = full[:position] + wrong + full[position + 1 :]
    if mistyped == full:
        return
    with pytest.raises(BadCode):
        normalise_code(mistyped)


@given(st.text(alphabet=ALPHABET, min_size=7, max_size=7), st.integers(0, 6))
def test_swapping_two_neighbours_is_caught(payload: str, position: int) -> None:
    full = payload + check_character(payload)
    swapped = full[:position] + full[position + 1] + full[position] + full[position + 2 :]
    if swapped == full:
        return
    try:
        normalise_code(swapped)
    except BadCode:
        return
    # Luhn mod N misses only the swap of the two values whose doubled digit sums collide.
    pair = {ALPHABET.index(full[position]), ALPHABET.index(full[position + 1])}
    assert pair == {0, 31}
