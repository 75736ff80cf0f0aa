"""What a language gives the text stage, and the registry of languages.

A language is an ordered tuple of rules for :func:`audioessay.text.speak.speak` plus the words
the language-neutral stages need: how to say a bare number, what to say when a sentence was
nothing but a link, which abbreviations do not end a sentence
(:func:`audioessay.text.sentences.split_sentences`), which headings start the sources
(:func:`audioessay.text.clean.clean_markdown`). Each language is one module or package that
defines ``LANGUAGE`` (English: :mod:`audioessay.text.en`); adding one means writing it and one
line in :data:`_MODULES` (or a call to :func:`register_language`).
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from audioessay.models import Decision


class Recorder:
    """Collects the decisions one normalization pass makes."""

    __slots__ = ("decisions",)

    def __init__(self) -> None:
        self.decisions: list[Decision] = []

    def add(self, original: str, spoken: str, rule: str, attention: bool = False) -> None:
        self.decisions.append(Decision(original=original, spoken=spoken, rule=rule, attention=attention))


class TextRule(Protocol):
    """Anything that rewrites a sentence and records what it did."""

    @property
    def name(self) -> str: ...

    def apply(self, text: str, rec: Recorder) -> str: ...


Handler = Callable[[re.Match[str], Recorder], "str | None"]


@dataclass(frozen=True)
class Rule:
    """A precompiled pattern and what to say for each match.

    The handler returns the spoken form, or None to leave the match as written (it may
    still record an attention decision).
    """

    name: str
    pattern: re.Pattern[str]
    handler: Handler
    requires: str = ""  # the rule can only match text holding one of these characters

    @functools.cached_property
    def _gate(self) -> re.Pattern[str]:
        """Any of the characters the rule requires (one C-level scan instead of a Python loop)."""
        return re.compile("[" + "".join(re.escape(c) for c in self.requires) + "]")

    def apply(self, text: str, rec: Recorder) -> str:
        # Most sentences have no digits: skipping the number rules outright is the
        # cheapest way to keep speak() fast on thousands of sentences.
        if self.requires and self._gate.search(text) is None:
            return text
        handler = self.handler

        def replace(m: re.Match[str]) -> str:
            spoken = handler(m, rec)
            return m.group(0) if spoken is None else spoken

        return self.pattern.sub(replace, text)


@dataclass(frozen=True)
class SentenceWords:
    """Where a period followed by a capital does not end a sentence (see split_sentences)."""

    never_end: frozenset[str] = frozenset()  # "Dr", "e.g": titles and Latin abbreviations
    before_number: frozenset[str] = frozenset()  # "No", "p": not an end when a number follows
    may_end: frozenset[str] = frozenset()  # "etc", "Inc": an end only before a usual opener
    starters: frozenset[str] = frozenset()  # "The", "But": words that usually open a sentence


@dataclass(frozen=True)
class LinkWords:
    """How a sentence still reads once a URL is taken out of it (see speak.py). Empty: the URL
    is only dropped. Phrases are matched case-insensitively on whole words."""

    object_words: tuple[str, ...] = ()  # "visit", "go to": the link is their object
    place_words: tuple[str, ...] = ()  # "at", "on": the link is where something is
    here_words: tuple[str, ...] = ()  # "here": "here: <url>" -> in the show notes
    fillers: tuple[str, ...] = ()  # "see", "via", "source:": all a bracket holds besides the link
    in_notes: str = ""  # "in the show notes"
    the_link: str = ""  # "the link in the show notes"


@dataclass(frozen=True)
class Language:
    """Everything the text stage needs to know about one language."""

    code: str
    name: str
    rules: tuple[TextRule, ...]  # applied in order, after links, footnotes and the lexicon
    number: Callable[[str], str]  # "1,200.5" -> words; the last-resort pass for stray digits
    link_word: str  # said when a sentence held nothing but a link, so it is never silent
    note_word: str  # likewise for a sentence that held nothing but a footnote marker
    sentence_words: SentenceWords = SentenceWords()
    notes_titles: frozenset[str] = frozenset()  # headings (casefolded) that start the show notes
    email_words: Mapping[str, str] = field(default_factory=dict)  # "." -> "dot" in an address
    numero: str = ""  # what the sign "№" is written as before the rules run ("No. "); "" leaves it
    superscript_units: tuple[str, ...] = ()  # "km": "km²" is a unit, not a footnote marker
    link_words: LinkWords = LinkWords()  # how a sentence reads without its URL

    @functools.cached_property
    def gated_rules(self) -> tuple[tuple[TextRule, frozenset[str]], ...]:
        """Each rule with the characters it needs in a text to do anything (empty: always tried),
        so that a sentence skips most rules with one set look-up each."""
        return tuple((rule, frozenset(getattr(rule, "requires", ""))) for rule in self.rules)


# Language code -> module (or package) defining LANGUAGE. Imported on first use so startup
# stays cheap.
_MODULES: dict[str, str] = {"en": "audioessay.text.en"}
_LOADED: dict[str, Language] = {}


def register_language(code: str, module: str) -> None:
    """Make ``code`` mean the ``LANGUAGE`` defined by ``module`` (a dotted module name)."""
    key = code.strip().lower()
    _MODULES[key] = module
    _LOADED.pop(key, None)


def available_languages() -> tuple[str, ...]:
    """The language codes speak() accepts."""
    return tuple(sorted(_MODULES))


def get_language(code: str) -> Language:
    """The language for ``code`` (case-insensitive, ``en-GB`` means ``en``).

    Raises ValueError naming the supported codes when there is none.
    """
    key = code.strip().lower().replace("_", "-").split("-")[0] if isinstance(code, str) else ""
    if key in _LOADED:
        return _LOADED[key]
    module_name = _MODULES.get(key)
    if module_name is None:
        supported = ", ".join(available_languages())
        raise ValueError(f"unsupported language {code!r} for speech normalization (supported: {supported})")
    language: Language = importlib.import_module(module_name).LANGUAGE
    _LOADED[key] = language
    return language
