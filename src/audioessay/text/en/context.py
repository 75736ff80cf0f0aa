"""What the English rule families share: word tables as strings, the words around a match,
the number pattern, and :func:`make_rule`, which makes a :class:`Rule` of a handler.

``make_rule`` only builds the rule: a rule runs when it is listed in
:data:`audioessay.text.en.RULES`, in that list's order.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from audioessay.text.lang_base import Handler, Rule

DIGITS = "0123456789"

# A written number: "1,200", "2.5", "40".
NUM = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"


def word_set(text: str) -> frozenset[str]:
    """A word list written as one string (tables read better that way)."""
    return frozenset(text.split())


def make_rule(name: str, pattern: str, requires: str = DIGITS) -> Callable[[Handler], Rule]:
    """Make the decorated handler a :class:`Rule` (it runs only once listed in ``RULES``).

    ``requires``: characters one of which the pattern needs (by default a digit).
    """

    def make(handler: Handler) -> Rule:
        return Rule(name, re.compile(pattern), handler, requires)

    return make


# Capitalized words after which a numeral is never a regnal or sequel number, and before
# which "St." is not "Street" ("The St. Louis...").
NOT_NAMES = word_set(
    "The A An And But Or In On At Of To For With By From As If So Then This That These Those "
    "It I We You He She They My His Her Our Their Its Is Was Are Were Be Been Do Did"
)
_NOT_PLURAL_NOUNS = word_set("is was has as its this us thus plus his does goes always towards whereas yes")

_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*?)\.?[ \t(\"“‘'-]*$")
_WORD_AFTER = re.compile(r"[ \t]*([A-Za-z][A-Za-z'’.]*)")
_SENTENCE_TAIL = re.compile(r"[\s\"'’”)\]»]*$")
_WINDOW = 40  # characters of context looked at; words are short


def word_before(text: str, pos: int) -> str:
    """The word just before ``pos`` (skipping spaces and opening quotes), or ""."""
    m = _WORD_BEFORE.search(text, max(0, pos - _WINDOW), pos)
    return m.group(1) if m else ""


def word_after(text: str, pos: int) -> str:
    """The word just after ``pos`` (skipping spaces), or ""."""
    m = _WORD_AFTER.match(text, pos)
    return m.group(1).rstrip(".") if m else ""


def ends_sentence(text: str, pos: int) -> bool:
    """True when only closing quotes, brackets or spaces follow ``pos``."""
    return _SENTENCE_TAIL.match(text, pos) is not None


def is_plural_noun(word: str) -> bool:
    return len(word) > 2 and word.islower() and word.endswith("s") and word not in _NOT_PLURAL_NOUNS
