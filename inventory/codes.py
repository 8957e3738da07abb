"""Crate codes: seven random Crockford base32 characters and a Luhn mod 32 check
character, shown as XXXX-XXXX. Random, so a code says nothing about how many crates
exist; checked, so a mistyped character is caught before any lookup."""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
# Crockford's decoding: letters people confuse with digits read as those digits.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


class BadCode(ValueError):
    pass


def check_character(payload: str) -> str:
    total = 0
    factor = 2
    for char in reversed(payload):
        addend = factor * _VALUES[char]
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def new_code() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH - 1))
    return payload + check_character(payload)


def normalise_code(typed: str) -> str:
    """The stored form of a typed or scanned code; raises BadCode if it cannot be one.

    Accepts any case, dashes and spaces, a full crate URL, and Crockford's I/L/O."""
    text = typed.strip()
    if "/c/" in text:
        text = text.rsplit("/c/", 1)[1]
    code = text.upper().replace("-", "").replace(" ", "").translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(char not in _VALUES for char in code):
        raise BadCode(typed)
    if check_character(code[:-1]) != code[-1]:
        raise BadCode(typed)
    return code


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
