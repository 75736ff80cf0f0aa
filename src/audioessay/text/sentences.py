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

Only whitespace is changed: every other character is kept, in order.
"""

from __future__ import annotations

import re

from audioessay.text.lang_en import BEFORE_NUMBER_STEMS, NEVER_SENTENCE_END, SENTENCE_STARTERS

# Terminal punctuation, closing quotes/brackets, a link glued to the end of the sentence
# ("...one person.https://..."), then the whitespace we may split at.
_BOUNDARY = re.compile(r"(?P<punct>[.!?…]+)(?P<closers>[\"'’”»)\]]*)(?P<link>(?:https?://|www\.)\S*)?\s+")
_LAST_TOKEN = re.compile(r"(\S+)$")
_NEXT_WORD = re.compile(r"[\"'‘“«(\[]*([A-Za-z]+)")
_OPENING = "\"'‘“«([_*"
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # "U.S", "a.m", "Ph.D" (final period stripped)
# Abbreviations that usually sit mid-sentence but can end one.
_MAY_END = frozenset(
    ["etc", "Etc", "Inc", "Ltd", "Co", "Corp", "Jr", "Sr", "al", "St", "Bros"]
    + ["Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"]
)
_SPACES = re.compile(r"\s+")


def _is_boundary(text: str, m: re.Match[str]) -> bool:
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
    if word in NEVER_SENTENCE_END:
        return False
    if first.isdigit() and word in BEFORE_NUMBER_STEMS:
        return False  # "No. 5", "p. 12", "approx. 40"
    if word in _MAY_END or _DOTTED.fullmatch(word) or (len(word) == 1 and word.isupper()):
        nxt = _NEXT_WORD.match(text, after)
        return nxt is None or nxt.group(1) in SENTENCE_STARTERS
    return True


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, each whitespace-normalized; [] for blank text."""
    text = _SPACES.sub(" ", text).strip()
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if _is_boundary(text, m):
            sentences.append(text[start : max(m.end("closers"), m.end("link"))])
            start = m.end()
    if start < len(text):
        sentences.append(text[start:])
    return sentences
