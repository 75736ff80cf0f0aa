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

# A sentence ends in terminal punctuation, closing quotes/brackets and a link glued to the end of
# the sentence ("...one person.https://..."), followed by the whitespace we may split at. After
# whitespace is normalized that is the end of a token (a run of non-spaces) that is followed by a
# space, so each token is looked at once, from its own start: the splitter is linear in the text.
_PUNCT = ".!?…"
_CLOSERS = "\"'’”»)]"
# The first punctuation run of a token that a link follows (the link runs to the token's end).
_LINK_AFTER = re.compile(r"(?<![.!?…])(?P<punct>[.!?…]+)[\"'’”»)\]]*(?=https?://|www\.)")
_NEXT_WORD = re.compile(r"[\"'‘“«(\[]*([A-Za-z]+)")
_OPENING = "\"'‘“«([_*"
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # "U.S", "a.m", "Ph.D" (final period stripped)
_SPACES = re.compile(r"\s+")


def _ending(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the token ``text[start:end]`` ends a sentence if it does: (start, end) of its
    terminal punctuation run; None when it has none. The run is the first one a link follows,
    else the last one, when only closing quotes or brackets come after it."""
    link = _LINK_AFTER.search(text, start, end)
    if link is not None:
        return link.start("punct"), link.end("punct")
    closers = end
    while closers > start and text[closers - 1] in _CLOSERS:
        closers -= 1
    punct = closers
    while punct > start and text[punct - 1] in _PUNCT:
        punct -= 1
    return (punct, closers) if punct < closers else None


def _is_boundary(text: str, token: tuple[int, int, int, int], words: SentenceWords) -> bool:
    """``token``: (token start, punctuation start, punctuation end, token end); a space follows."""
    start, punct_start, punct_end, end = token
    after = end + 1
    if after >= len(text):
        return True
    first = text[after]
    if first.islower():
        return False  # "she said", "etc. and", "wait... what"
    if text[punct_start:punct_end] != "." or punct_end < end:
        return True  # "!", "?", an ellipsis, or a period inside closing quotes/brackets (or before a link)
    word = text[start:punct_start].lstrip(_OPENING)
    if word in words.never_end:
        return False
    if first.isdigit() and word in words.before_number:
        return False  # "No. 5", "p. 12", "approx. 40"
    if word in words.may_end or _DOTTED.fullmatch(word) or (len(word) == 1 and word.isupper()):
        nxt = _NEXT_WORD.match(text, after, _token_end(text, after))
        return nxt is None or nxt.group(1) in words.starters
    return True


def _token_end(text: str, start: int) -> int:
    end = text.find(" ", start)
    return len(text) if end < 0 else end


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Split prose into sentences, each whitespace-normalized; [] for blank text.

    Raises ValueError for an unknown language (see ``available_languages()``).
    """
    words = get_language(language).sentence_words
    text = _SPACES.sub(" ", text).strip()
    sentences: list[str] = []
    start = token = 0
    while (end := text.find(" ", token)) >= 0:
        ending = _ending(text, token, end)
        if ending is not None and _is_boundary(text, (token, *ending, end), words):
            sentences.append(text[start:end])
            start = end + 1
        token = end + 1
    if start < len(text):
        sentences.append(text[start:])
    return sentences
