"""What a language gives :func:`audioessay.text.speak.speak`, and the registry of languages.

A language is an ordered tuple of rules plus a few words the language-neutral stages need
(how to say a bare number, what to say when a sentence was nothing but a link). Each
language lives in its own module ``lang_<code>.py`` that defines ``LANGUAGE``; adding one
means writing that module and one line in :data:`_MODULES`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
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

    def apply(self, text: str, rec: Recorder) -> str:
        # Most sentences have no digits: skipping the number rules outright is the
        # cheapest way to keep speak() fast on thousands of sentences.
        if self.requires and not any(c in text for c in self.requires):
            return text
        handler = self.handler

        def replace(m: re.Match[str]) -> str:
            spoken = handler(m, rec)
            return m.group(0) if spoken is None else spoken

        return self.pattern.sub(replace, text)


@dataclass(frozen=True)
class Language:
    """Everything speak() needs to know about one language."""

    code: str
    name: str
    rules: tuple[TextRule, ...]  # applied in order, after links, footnotes and the lexicon
    number: Callable[[str], str]  # "1,200.5" -> words; the last-resort pass for stray digits
    link_word: str  # said when a sentence held nothing but a link, so it is never silent
    note_word: str  # likewise for a sentence that held nothing but a footnote marker


# Language code -> module defining LANGUAGE. Imported on first use so startup stays cheap.
_MODULES: dict[str, str] = {"en": "audioessay.text.lang_en"}
_LOADED: dict[str, Language] = {}


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
