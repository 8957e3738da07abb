"""Euro amounts in French words, as a tax receipt (reçu fiscal) writes them.

Traditional spelling, not the 1990 reform: "vingt et un", "trente-deux",
"quatre-vingts", "deux cent un", "deux mille", "deux millions".
"""

_UNITS = (
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf",
    "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize",
    "dix-sept", "dix-huit", "dix-neuf",
)  # fmt: skip
_TENS = {
    2: "vingt",
    3: "trente",
    4: "quarante",
    5: "cinquante",
    6: "soixante",
    8: "quatre-vingt",
}
# Nouns, so they take an "s" in the plural and let "vingts" and "cents" keep theirs.
_NOUN_SCALES = ((10**9, "milliard"), (10**6, "million"))
_LARGEST_CENTS = 99_999_999_999_999  # 999 999 999 999,99 €


def amount_in_words(cents: int) -> str:
    """Write a positive amount of euro cents in French words.

    5020 -> "cinquante euros et vingt centimes", 100000000 -> "un million d'euros".
    """
    if cents <= 0:
        raise ValueError(f"a tax receipt needs a positive amount, got {cents} cents")
    if cents > _LARGEST_CENTS:
        raise ValueError(f"{cents} cents is too large to write in words")
    euros, centimes = divmod(cents, 100)
    parts = []
    if euros:
        parts.append(_euros_in_words(euros))
    if centimes:
        parts.append(_with_unit(centimes, "centime"))
    return " et ".join(parts)


def _euros_in_words(euros: int) -> str:
    # "un million d'euros", but "un million cent euros".
    if euros % 10**6 == 0:
        return f"{_number_in_words(euros)} d'euros"
    return _with_unit(euros, "euro")


def _with_unit(count: int, unit: str) -> str:
    plural = "s" if count > 1 else ""
    return f"{_number_in_words(count)} {unit}{plural}"


def _number_in_words(number: int) -> str:
    words = []
    for scale, noun in _NOUN_SCALES:
        count, number = divmod(number, scale)
        if count:
            plural = "s" if count > 1 else ""
            words.append(f"{_below_thousand(count)} {noun}{plural}")
    thousands, number = divmod(number, 1000)
    if thousands == 1:
        words.append("mille")
    elif thousands:
        # "mille" is an adjective: "quatre-vingt mille", "deux cent mille".
        words.append(f"{_below_thousand(thousands, before_mille=True)} mille")
    if number:
        words.append(_below_thousand(number))
    return " ".join(words)


def _below_thousand(number: int, *, before_mille: bool = False) -> str:
    hundreds, rest = divmod(number, 100)
    if not hundreds:
        return _below_hundred(rest, before_mille=before_mille)
    hundred = "cent" if hundreds == 1 else f"{_UNITS[hundreds]} cent"
    if rest:
        return f"{hundred} {_below_hundred(rest, before_mille=before_mille)}"
    return f"{hundred}s" if hundreds > 1 and not before_mille else hundred


def _below_hundred(number: int, *, before_mille: bool) -> str:
    if number < len(_UNITS):
        return _UNITS[number]
    tens, unit = divmod(number, 10)
    if tens in (7, 9):  # soixante-dix, quatre-vingt-dix: counted on from the ten below
        tens, unit = tens - 1, unit + 10
    ten = _TENS[tens]
    if not unit:
        return f"{ten}s" if tens == 8 and not before_mille else ten
    if unit in (1, 11) and tens != 8:
        return f"{ten} et {_UNITS[unit]}"
    return f"{ten}-{_UNITS[unit]}"
