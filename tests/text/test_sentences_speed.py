"""The sentence splitter is linear in its input (it was quadratic: 50,000 one-line sentences took
252 s in ``audioessay script``). Not a timing test: every regular expression the splitter uses
is wrapped to count the characters each call may scan (its ``pos``..``endpos`` window), and that
count must grow like the input, not like its square."""

from __future__ import annotations

import re
from typing import Any

import pytest

from audioessay.text import sentences
from audioessay.text.sentences import split_sentences


class _Counting:
    """A compiled pattern that adds the size of every window it is asked to scan to ``scanned``."""

    def __init__(self, pattern: re.Pattern[str], counter: list[int]) -> None:
        self._pattern, self._counter = pattern, counter

    def _window(self, name: str, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        end = len(text) if endpos is None else min(endpos, len(text))
        self._counter[0] += max(0, end - pos)
        method = getattr(self._pattern, name)
        return method(text, pos) if endpos is None else method(text, pos, endpos)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._window("search", text, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._window("match", text, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._window("fullmatch", text, pos, endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        return self._window("finditer", text, pos, endpos)

    def sub(self, repl: Any, text: str, count: int = 0) -> str:
        self._counter[0] += len(text)
        return self._pattern.sub(repl, text, count)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pattern, name)


def scanned(monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[int, list[str]]:
    counter = [0]
    with monkeypatch.context() as patch:
        for name, value in vars(sentences).items():
            if isinstance(value, re.Pattern):
                patch.setattr(sentences, name, _Counting(value, counter))
        result = split_sentences(text)
    return counter[0], result


PARAGRAPHS = {
    "one-line sentences": lambda n: "\n".join(f"Sentence number {i % 7}." for i in range(n)),
    "one paragraph": lambda n: " ".join("It rained." for _ in range(n)),
    "abbreviations": lambda n: " ".join("Dr. Who met Mr. Smith at 5 p.m. Then U.S. troops left." for _ in range(n)),
    "questions and quotes": lambda n: " ".join("“Why?” she asked. Wait... What!" for _ in range(n)),
    "links glued on": lambda n: " ".join("See this.https://example.com/a.b Next one." for _ in range(n)),
    "initials": lambda n: " ".join("J. R. R. Tolkien wrote it, etc. The end." for _ in range(n)),
}


@pytest.mark.parametrize("kind", sorted(PARAGRAPHS))
def test_characters_scanned_grow_linearly(monkeypatch, kind):
    make = PARAGRAPHS[kind]
    small, small_result = scanned(monkeypatch, make(2000))
    large, large_result = scanned(monkeypatch, make(4000))
    assert large <= 2.2 * small + 100, f"doubling the input multiplied the work by {large / small:.1f}"
    assert large_result == split_sentences(make(4000))  # counting changes nothing
    assert len(large_result) >= len(small_result)
    assert large <= 4 * len(make(4000)) + 100  # a few passes over the text at most
