"""Amounts in words on tax receipts, checked against num2words as an independent speller."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from num2words import num2words

from donations.words import amount_in_words

LARGEST_CENTS = 99_999_999_999_999  # 999 999 999 999,99 €


def reference(cents: int) -> str:
    """num2words' cardinals for the number words, joined with the receipt's conventions.

    num2words' currency mode is not used as a whole: it writes "zéro euros et un centime",
    "un euro et zéro centimes" and "un million euros".
    """
    euros, centimes = divmod(cents, 100)
    parts = []
    if euros:
        unit = "d'euros" if euros % 10**6 == 0 else "euros" if euros > 1 else "euro"
        parts.append(f"{num2words(euros, lang='fr')} {unit}")
    if centimes:
        parts.append(f"{num2words(centimes, lang='fr')} centime{'s' if centimes > 1 else ''}")
    return " et ".join(parts)


def sample_amounts() -> list[int]:
    """Amounts of every length (a uniform draw would be nearly all in the billions),
    then round ones, where "quatre-vingts", "cents" and plurals change."""
    rng = random.Random(20240611)
    of_every_length = [rng.randint(1, 10 ** rng.randint(1, 14) - 1) for _ in range(3000)]
    round_ones = [rng.randint(1, 999) * 10 ** rng.randint(0, 11) for _ in range(1000)]
    return of_every_length + round_ones


@pytest.mark.parametrize(
    ("cents", "words"),
    [
        (5020, "cinquante euros et vingt centimes"),
        (1, "un centime"),
        (80, "quatre-vingts centimes"),
        (100, "un euro"),
        (2100, "vingt et un euros"),
        (3200, "trente-deux euros"),
        (7100, "soixante et onze euros"),
        (8000, "quatre-vingts euros"),
        (8100, "quatre-vingt-un euros"),
        (20000, "deux cents euros"),
        (20100, "deux cent un euros"),
        (200000, "deux mille euros"),
        (8000000, "quatre-vingt mille euros"),
        (100000000, "un million d'euros"),
        (100000050, "un million d'euros et cinquante centimes"),
        (100010000, "un million cent euros"),
        (200000000, "deux millions d'euros"),
        (8000000000, "quatre-vingts millions d'euros"),
        (100000000000, "un milliard d'euros"),
    ],
)
def test_writes_amounts_the_way_a_receipt_spells_them(cents: int, words: str) -> None:
    assert amount_in_words(cents) == words


@pytest.mark.parametrize(
    "cents",
    [
        1, 80, 100, 7100, 8000, 8100, 10000, 18000, 20000, 20100, 100000, 100100, 200000,
        8000000, 100000000, 100000001, 200000000, 123456789, 98765432101, LARGEST_CENTS,
    ],
)  # fmt: skip
def test_edge_amounts_match_num2words(cents: int) -> None:
    assert amount_in_words(cents) == reference(cents)


def test_sampled_amounts_match_num2words() -> None:
    mismatches = [
        (cents, amount_in_words(cents), reference(cents))
        for cents in sample_amounts()
        if amount_in_words(cents) != reference(cents)
    ]
    assert mismatches == []


def test_agrees_with_num2words_currency_mode_where_its_conventions_are_ours() -> None:
    # With euros and cents both present and no "d'euros", num2words' currency mode joins
    # the parts and picks singular or plural as a receipt does. It reads an int as cents.
    agreeing = [
        cents
        for cents in sample_amounts()
        if cents % 100 and cents >= 100 and (cents // 100) % 10**6
    ]
    assert len(agreeing) > 1000
    for cents in agreeing:
        assert amount_in_words(cents) == num2words(cents, lang="fr", to="currency", currency="EUR")


@given(st.integers(max_value=0) | st.integers(min_value=LARGEST_CENTS + 1))
def test_refuses_nothing_negative_and_unwritably_large_amounts(cents: int) -> None:
    with pytest.raises(ValueError):
        amount_in_words(cents)
