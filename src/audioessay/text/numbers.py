"""Language-neutral helpers for reading numbers (the words come from num2words)."""

from __future__ import annotations

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(numeral: str) -> int:
    """The value of a Roman numeral written in capitals: "XIV" -> 14 (not validated)."""
    total = 0
    for i, letter in enumerate(numeral):
        value = _ROMAN[letter]
        # A smaller letter before a larger one is subtracted (IV, XC).
        if i + 1 < len(numeral) and _ROMAN[numeral[i + 1]] > value:
            total -= value
        else:
            total += value
    return total
