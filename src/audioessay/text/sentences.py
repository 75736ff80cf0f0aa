"""Split a paragraph of written prose (before normalization) into sentences.

A sentence ends at ``.``, ``!``, ``?`` or an ellipsis, with any closing quotes or brackets
that follow, when whitespace and then the start of a new sentence come next. It does not
end at:

* a period, question mark or ellipsis followed by a lowercase word
  ("...language," she said. / "Why?" he asked / wait... what);
* titles and Latin abbreviations ("Dr.", "Mr.", "St. Paul", "e.g.", "i.e.", "vs.", "approx.");
* "No.", "p.", "vol." and the like before a number;
* initials and dotted initialisms ("J. R. R. Tolkien", "U.S. Army"), "etc.", "a.m.",
  "Inc." and similar unless the next word usually opens a sentence ("... etc. The next");
* decimal points and periods inside words or links (no whitespace follows them).

The word lists (which abbreviations, which sentence openers) come from the language
(:class:`audioessay.text.lang_base.SentenceWords`); the examples above are English.

Only whitespace is changed: every other character is kept, in order.
"""

from __future__ import annotations

import re

from audioessay.text.lang_base import SentenceWords, get_language

# Terminal punctuation, closing quotes/brackets, a link glued to the end of the sentence
# ("...one person.https://..."), then the whitespace we may split at.
_BOUNDARY = re.compile(r"(?P<punct>[.!?…]+)(?P<closers>[\"'’”»)\]]*)(?P<link>(?:https?://|www\.)\S*)?\s+")
_LAST_TOKEN = re.compile(r"(\S+)$")
_NEXT_WORD = re.compile(r"[\"'‘“«(\[]*([A-Za-z]+)")
_OPENING = "\"'‘“«([_*"
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # "U.S", "a.m", "Ph.D" (final period stripped)
_SPACES = re.compile(r"\s+")


def _is_boundary(text: str, m: re.Match[str], words: SentenceWords) -> bool:
    punct, closers, after = m.group("punct"), m.group("closers") or m.group("link"), m.end()
    if after == len(text):
        return True
    first = text[after]
    if first.islower():
        return False  # "she said", "etc. and", "wait... what"
    if punct != "." or closers:
        return True  # "!", "?", an ellipsis, or a period inside closing quotes/brackets
    token = _LAST_TOKEN.search(text, 0, m.start())
    word = token.group(1).lstrip(_OPENING) if token else ""
    if word in words.never_end:
        return False
    if first.isdigit() and word in words.before_number:
        return False  # "No. 5", "p. 12", "approx. 40"
    if word in words.may_end or _DOTTED.fullmatch(word) or (len(word) == 1 and word.isupper()):
        nxt = _NEXT_WORD.match(text, after)
        return nxt is None or nxt.group(1) in words.starters
    return True


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Split prose into sentences, each whitespace-normalized; [] for blank text.

    Raises ValueError for an unknown language (see ``available_languages()``).
    """
    words = get_language(language).sentence_words
    text = _SPACES.sub(" ", text).strip()
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if _is_boundary(text, m, words):
            sentences.append(text[start : max(m.end("closers"), m.end("link"))])
            start = m.end()
    if start < len(text):
        sentences.append(text[start:])
    return sentences
