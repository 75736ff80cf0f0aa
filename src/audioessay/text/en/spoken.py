"""How English says numbers and letters (the words come from num2words; we tidy its punctuation).

Shared by every rule family; see :mod:`audioessay.text.en` for the conventions.
"""

from __future__ import annotations

from num2words import num2words

LETTER_JOINER = "-"

_DIGIT_WORDS = tuple(num2words(d, lang="en") for d in range(10))
_LONGEST_CARDINAL = 15  # longer digit runs (IDs, phone numbers) are read digit by digit
_FRACTION_DENOMINATORS = frozenset({2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 16, 20, 32, 64, 100, 1000})


def _tidy(words: str) -> str:
    # num2words writes "one thousand, two hundred and five" and "nineteen oh-five":
    # commas would make espeak pause, and we say numbers without "and" (see module doc).
    return words.replace(",", "").replace(" and ", " ").replace("oh-", "oh ")


def digits(text: str) -> str:
    """Digit by digit: "007" -> "zero zero seven"."""
    return " ".join(_DIGIT_WORDS[int(c)] for c in text if c.isdigit())


def cardinal(n: int) -> str:
    """12 -> "twelve", -3 -> "minus three"."""
    if n < 0:
        return "minus " + cardinal(-n)
    return _tidy(num2words(n, lang="en"))


def whole_number(text: str) -> str:
    """Words for an unsigned digit string with optional thousands separators."""
    plain = text.replace(",", "")
    if (len(plain) > 1 and plain[0] == "0") or len(plain) > _LONGEST_CARDINAL:
        return digits(plain)
    return cardinal(int(plain))


def number(text: str) -> str:
    """Words for a written number: "1,200" "2.5" "-3" ".5" "3.11.7" (a version)."""
    sign = ""
    if text[:1] in "-\u2212":
        sign, text = "minus ", text[1:]
    whole, *fractions = text.split(".")
    words = whole_number(whole) if whole else ""
    for part in fractions:
        words = f"{words} point {digits(part)}" if words else f"point {digits(part)}"
    return sign + words


def counted(n: int, one: str, many: str) -> str:
    """ "one foot", "six feet": the number in words and the noun that agrees with it. """
    return f"{cardinal(n)} {one if n == 1 else many}"


def ordinal(n: int) -> str:
    """21 -> "twenty-first"."""
    return _tidy(num2words(n, lang="en", to="ordinal"))


def year(n: int) -> str:
    """1939 -> "nineteen thirty-nine", 2005 -> "two thousand five", 2024 -> "twenty twenty-four"."""
    return _tidy(num2words(n, lang="en", to="year"))


def is_year(n: int) -> bool:
    return 1000 <= n <= 2099


def plural(words: str) -> str:
    """Pluralize the last word of a number: "nineteen sixty" -> "nineteen sixties"."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    if words.endswith(("x", "s")):
        return words + "es"
    return words + "s"


def fraction(numerator: int, denominator: int) -> str:
    """3/4 -> "three quarters"; unusual ones -> "seven over twenty-three"."""
    if denominator not in _FRACTION_DENOMINATORS or numerator > 99:
        return f"{cardinal(numerator)} over {cardinal(denominator)}"
    many = numerator != 1
    if denominator == 2:
        name = "halves" if many else "half"
    elif denominator == 4:
        name = "quarters" if many else "quarter"
    else:
        # "one hundredth", not "one one hundredth"
        name = ordinal(denominator).removeprefix("one ") + ("s" if many else "")
    return f"{cardinal(numerator)} {name}"


def spell(letters: str) -> str:
    """Letters said one by one: "BBC" -> "B-B-C"."""
    return LETTER_JOINER.join(letters.upper())


def version(text: str) -> str:
    """A version number, each part a number of its own: "3.12" -> "three point twelve",
    "17.4.1" -> "seventeen point four point one", "2.0" -> "two point oh"."""
    parts = []
    for part in text.split("."):
        if part == "0":
            parts.append("oh")
        elif part.startswith("0"):
            parts.append(" ".join("oh" if c == "0" else _DIGIT_WORDS[int(c)] for c in part))
        else:
            parts.append(whole_number(part))
    return " point ".join(parts)


def model_number(text: str) -> str:
    """A model name said the way people say it: 737 -> "seven thirty-seven", 208 -> "two oh
    eight", 500 -> "five hundred", 3310 -> "thirty-three ten"."""
    n = int(text)
    if text.startswith("0") or len(text) > 4 or len(text) < 3:
        return whole_number(text)
    if len(text) == 4:
        return year(n) if n % 1000 >= 10 or n % 100 else cardinal(n)
    head, tail = cardinal(int(text[0])), int(text[1:])
    if tail == 0:
        return f"{head} hundred"
    return f"{head} oh {cardinal(tail)}" if tail < 10 else f"{head} {cardinal(tail)}"
