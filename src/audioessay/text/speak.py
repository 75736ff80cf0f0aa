"""Normalization for speech: one written sentence in, exactly what the engine says out.

``speak(sentence, language, lexicon)`` returns the spoken text and the decisions it made
(see :class:`audioessay.models.Decision`). Stages, in order:

1. Unicode clean-up: NFKC, superscript footnote markers and emoji, control and zero-width
   characters dropped; non-ASCII digits made ASCII. A superscript that is a power ("mc²",
   "10⁻³", "(a+b)²", "per m²") is kept as written for the language's rules to read; one after a
   number and a unit ("5 km²") becomes a unit ("5 km2").
2. Links and e-mail addresses dropped (never spoken), including URLs glued to a word. A URL the
   sentence needs is rewritten so that it still reads (the words come from the language's
   :class:`~audioessay.text.lang_base.LinkWords`), each rewrite a decision marked for review:
   "visit <url> for the list" -> "visit the link in the show notes for the list";
   "it is here: <url>." / "it is at <url>." -> "it is in the show notes.";
   "tables (see <url>) had" -> "tables had"; "(data from NOAA, via <url>)" -> "(data from NOAA)".
   A bare domain ("janedoe.net": no scheme, www or path) is not a link and stays as written.
3. Footnote markers ``[1]`` ``^1`` ``¹`` dropped.
4. The lexicon (below).
5. The language's own rules (its module in :mod:`audioessay.text.lang_base`'s registry, e.g.
   :mod:`audioessay.text.en`): dates, times, abbreviations, currency, numbers, Roman numerals,
   initialisms, symbols.
6. Safety nets: any power the rules left is read as its number, any digit left as a number
   (both recorded); any link fragment left is dropped.
7. Whitespace and punctuation tidied; sentence punctuation and quotes are kept, since
   espeak-ng uses them for intonation.

The whole pipeline is repeated until the text stops changing (normally once more), which
makes ``speak(speak(x)[0])[0] == speak(x)[0]`` hold by construction.

Lexicon rule: keys are words or phrases, matched on whole words (spaces inside a phrase
match any run of whitespace). A key written all in lowercase matches in any case
("gif" matches "GIF" and "Gif"); a key containing a capital matches only that exact case
("AI" matches "AI" but not "ai"). Longer keys win over shorter ones, and exact-case keys
over lowercase ones. The lexicon is applied once, before number normalization, and the
replacement is then normalized like any other text, so write replacements as plain words
(a replacement containing its own key is not idempotent).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from audioessay.models import Decision
from audioessay.text.lang_base import Language, LinkWords, Recorder, get_language

_MAX_PASSES = 4  # the first pass plus confirmation; more only for pathological input

# --- Unicode -------------------------------------------------------------------------------

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
# Never a footnote number: a run holding one of these is a power ("10⁻³", "2ⁿ"). A superscript n
# before another modifier letter is an ordinal ending instead ("2ⁿᵈ", which NFKC makes "2nd").
_POWER_SIGNS = "⁻⁺ⁿ"
_SUPERSCRIPT_RUN = re.compile(f"(?:[{_SUPERSCRIPTS}⁻⁺]|ⁿ(?![^\\W\\d_]))+")
_TO_ASCII_DIGITS = str.maketrans(_SUPERSCRIPTS + _POWER_SIGNS, "0123456789-+n")
# What a superscript may be the power of: a short symbol ("x", "mc", "km"), a short number
# ("10", "2.5"; a year like "2019²" carries a note), or a bracket ("(a+b)").
_POWER_BASE = re.compile(
    r"(?:(?<![^\W\d_])(?P<letters>[^\W\d_]{1,3})|(?<![\w.,])(?P<digits>\d{1,3}(?:\.\d+)?)"
    r"|(?P<bracket>\([^()]*\)))$"
)
_MATH_SIGN = re.compile(r"[-+=*/^<>×÷·−±]")
_VOWEL = re.compile(r"[aeiouy]", re.IGNORECASE)
_POWER_WINDOW = 40  # characters looked at before a superscript; a base is short
_VULGAR_FRACTIONS = {
    "½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅖": "2/5",
    "⅗": "3/5", "⅘": "4/5", "⅙": "1/6", "⅚": "5/6", "⅛": "1/8", "⅜": "3/8", "⅝": "5/8",
    "⅞": "7/8", "⅐": "1/7", "⅑": "1/9", "⅒": "1/10",
}  # fmt: skip
_VULGAR_RUN = re.compile("[" + "".join(_VULGAR_FRACTIONS) + "]")
# Before NFKC: characters it would turn into something worse ("™" -> "TM", a fake initialism).
# The language says what "№" becomes (English: "No. ", which its rules read "number").
_PRE_NFKC = {"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "–", "™": "", "®": "", "©": ""}
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Visible things we drop (pictographs, dingbats, private use) and invisible ones
# (format and control characters, variation selectors, the keycap mark).
_DROP_VISIBLE = frozenset({"So", "Sk", "Co", "Cn", "Cs"})
_DROP_INVISIBLE = frozenset({"Cf", "Cc", "Me"})
_KEEP_SYMBOLS = frozenset("°" + _SUPERSCRIPTS)  # units need it; powers are read by the rules


def _is_variation_selector(c: str) -> bool:
    o = ord(c)
    return 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF


@lru_cache(maxsize=16)
def _pre_nfkc(numero: str) -> dict[int, str]:
    return str.maketrans(_PRE_NFKC | ({"№": numero} if numero else {}))


@lru_cache(maxsize=16)
def _unit_before_superscript(units: tuple[str, ...]) -> re.Pattern[str] | None:
    # m² and km³ are units, not footnotes.
    return re.compile(r"\d[ \t]?(?:" + "|".join(units) + ")$") if units else None


def _is_power(text: str, start: int, run: str, units: tuple[str, ...]) -> bool:
    """Whether the superscript ``run`` at ``start`` is a power ("mc²", "10⁻³", "x³", "(a+b)²",
    "per m²") rather than a footnote marker ("Studies² show", "in 2019¹", "here.³")."""
    if any(c in _POWER_SIGNS for c in run):
        return True
    if run == "¹":
        return False  # nobody writes x¹: it is the first note
    base = _POWER_BASE.search(text[max(0, start - _POWER_WINDOW) : start])
    if base is None:
        return False
    if base.group("digits"):
        return True
    if base.group("bracket"):
        return _MATH_SIGN.search(base.group("bracket")) is not None
    letters = base.group("letters")
    # One letter is a variable; a few without a vowel ("mc", "dx", "km") are symbols, not a
    # word carrying a note; any short base is a symbol in a formula.
    return len(letters) == 1 or letters in units or not _VOWEL.search(letters) or "=" in text


def _nfkc_outside(text: str, keep: re.Pattern[str]) -> str:
    """NFKC everywhere but in the runs ``keep`` matches (NFKC would make "²" a plain "2")."""
    pieces = keep.split(text)
    kept = keep.findall(text)
    out = [unicodedata.normalize("NFKC", pieces[0])]
    for run, piece in zip(kept, pieces[1:], strict=True):
        out += [run, unicodedata.normalize("NFKC", piece)]
    return "".join(out)


def _clean_unicode(text: str, language: Language, rec: Recorder) -> str:
    if text.isascii():
        return _ASCII_CONTROL.sub(" ", text)
    unit_before = _unit_before_superscript(language.superscript_units)

    def superscript(m: re.Match[str]) -> str:
        start, run = m.start(), m.group(0)
        if run in ("²", "³") and unit_before and unit_before.search(text, max(0, start - 8), start):
            return run.translate(_TO_ASCII_DIGITS)  # "km²" -> "km2", a unit
        if _is_power(text, start, run, language.superscript_units):
            return run  # kept for the rules ("mc²" -> "m c squared")
        rec.add(run, "", "footnote")
        return ""

    def vulgar(m: re.Match[str]) -> str:
        start = m.start()
        # "1½" -> "1 1/2" so the fraction rule reads "one and a half".
        lead = " " if start and text[start - 1].isdigit() else ""
        return lead + _VULGAR_FRACTIONS[m.group(0)]

    text = _SUPERSCRIPT_RUN.sub(superscript, text)
    text = _VULGAR_RUN.sub(vulgar, text)
    text = _nfkc_outside(text.translate(_pre_nfkc(language.numero)), _SUPERSCRIPT_RUN)
    text = _NON_ASCII_DIGIT.sub(lambda m: str(unicodedata.digit(m.group(0), 0)), text)
    text = _NON_ASCII_RUN.sub(lambda m: _drop_unspeakable(m.group(0), rec), text)
    return _ASCII_CONTROL.sub(" ", text)


def _drop_unspeakable(run: str, rec: Recorder) -> str:
    kept: list[str] = []
    dropped: list[str] = []
    for c in run:
        category = unicodedata.category(c)
        if c in _KEEP_SYMBOLS:
            kept.append(c)
        elif category in _DROP_VISIBLE:
            dropped.append(c)
        elif category in _DROP_INVISIBLE or _is_variation_selector(c):
            continue
        elif category[0] == "Z":
            kept.append(" ")
        elif category in ("No", "Nl"):
            # Numeric signs NFKC left alone (e.g. Aegean numbers): say their value if whole.
            value = unicodedata.numeric(c, -1)
            if value >= 0 and value == int(value):
                kept.append(f" {int(value)} ")
            else:
                dropped.append(c)
        else:
            kept.append(c)
    if dropped:
        rec.add("".join(dropped), "", "emoji")
    return "".join(kept)


# --- Links, footnotes ----------------------------------------------------------------------

_URL = re.compile(
    r"(?:\b[a-z][a-z0-9+-]*://|(?<![a-z0-9])www\.)[^\s<>\"“”‘’]*"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,12}/[^\s<>\"“”‘’]*",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
_EMAIL_PIECES = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9]")
_URL_TRAILING = ".,;:!?'\")]}’”"
_FOOTNOTE = re.compile(r"\[\d+(?:[-–,][ \t]?\d+)*\]|\^\[?\d+\]?")
# Whatever the patterns above missed must still never be spoken.
_LINK_FRAGMENT = re.compile(r"\S*(?:://|www\.|http)\S*", re.IGNORECASE)


def _trim_link(link: str) -> str:
    """A URL without the sentence punctuation after it; a closing bracket that belongs to the
    link (as in Wikipedia URLs) stays."""
    trimmed = link.rstrip(_URL_TRAILING)
    while trimmed != link and link[len(trimmed)] == ")" and trimmed.count("(") > trimmed.count(")"):
        trimmed += ")"
    return trimmed


def _phrases(words: tuple[str, ...]) -> str:
    """Whole-word alternation of phrases, longest first; a space matches any run of spaces."""
    ordered = sorted({w.casefold() for w in words if w.strip()}, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, w.split())) for w in ordered) or r"(?!x)x"


@lru_cache(maxsize=16)
def _link_rewrite(words: LinkWords) -> re.Pattern[str] | None:
    """One pattern for the URLs whose sentence must be rewritten, leftmost first:
    a bracket holding only the link (and a word like "see"), the link closing a bracket after
    a comma, the link as the object of "visit", and the link as a place after "at" or "here"."""
    if not (words.in_notes and words.the_link):
        return None
    url = _URL.pattern
    fill = rf"(?:(?:{_phrases(words.fillers)})(?![\w-])\s*[:,]?\s*)?"
    return re.compile(
        rf"[ \t]*(?P<bracket>[(\[]\s*{fill}(?P<u1>{url})\s*[.,;:]?\s*[)\]])"
        rf"|(?P<tail>\s*[,;:]\s*{fill}(?P<u2>{url}))(?=\s*[)\]])"
        rf"|(?<![\w-])(?P<obj>{_phrases(words.object_words)})\s*:?\s+(?P<u3>{url})"
        rf"|(?<![\w-])(?P<here>{_phrases(words.here_words)})\s*:?\s+(?P<u4>{url})"
        rf"|(?<![\w-])(?P<place>{_phrases(words.place_words)})\s*:?\s+(?P<u5>{url})",
        re.IGNORECASE,
    )


_SENTENCE_END = re.compile(r"[\s.!?;:,'\")\]’”]*$")


def _kind(m: re.Match[str]) -> str:
    return next(k for k in ("bracket", "tail", "obj", "here", "place") if m.group(k) is not None)


def _rewritten(m: re.Match[str], words: LinkWords) -> tuple[str, str]:
    """The spoken text for one link in a sentence, and what stays after it (its punctuation)."""
    kind = _kind(m)
    if kind in ("bracket", "tail"):
        return "", ""
    link = next(g for g in (m.group("u3"), m.group("u4"), m.group("u5")) if g is not None)
    rest = link[len(_trim_link(link)):]
    word = m.group(kind)
    if kind == "obj":
        return f"{word} {words.the_link}", rest
    final = _SENTENCE_END.match(rest + m.string[m.end():]) is not None
    if kind == "here" or final:
        return words.in_notes, rest
    return f"{word} {words.the_link}", rest


def _rewrite_links(text: str, words: LinkWords, rec: Recorder | None) -> str:
    """Take the URLs out of a sentence so that it still reads (see :class:`LinkWords`)."""
    pattern = _link_rewrite(words)
    if pattern is None:
        return text

    def rewrite(m: re.Match[str]) -> str:
        spoken, rest = _rewritten(m, words)
        if rec is not None:
            written = m.group(0)
            rec.add(written[: len(written) - len(rest)].strip(), spoken, "url", attention=True)
        return (" " if _kind(m) == "bracket" else "") + spoken + rest

    return pattern.sub(rewrite, text)


def without_links(text: str, language: str = "en") -> str:
    """``text`` with its URLs taken out as speech takes them out, the sentence still reading
    ("visit <url> for more" -> "visit the link in the show notes for more"); nothing else changes
    but the spacing. For descriptions (:func:`audioessay.text.clean.describe`)."""
    if "/" not in text and "www." not in text.lower():
        return text
    lang = get_language(language)
    text = _rewrite_links(text, lang.link_words, None)
    text = _URL.sub(lambda m: " " + m.group(0)[len(_trim_link(m.group(0))):], text)
    return " ".join(text.split())


def _drop_links(text: str, language: Language, rec: Recorder) -> str:
    def url(m: re.Match[str]) -> str:
        link = m.group(0)
        trimmed = _trim_link(link)
        rec.add(trimmed, "", "url")
        return " " + link[len(trimmed) :]

    def email(m: re.Match[str]) -> str:
        # An address is short and the listener may want it: "jo.doe@example.com" is said
        # "jo dot doe at example dot com" (marked for review).
        words = language.email_words
        spoken = " ".join(words.get(piece, piece) for piece in _EMAIL_PIECES.findall(m.group(0)))
        rec.add(m.group(0), spoken, "email", attention=True)
        return spoken

    if "@" in text:
        text = _EMAIL.sub(email, text)
    if "/" not in text and "www." not in text.lower():
        return text  # every link pattern needs one of these
    # A URL the sentence needs ("visit <url> for more", "(see <url>)") is rewritten so the
    # sentence still reads; any other is dropped.
    text = _rewrite_links(text, language.link_words, rec)
    return _URL.sub(url, text)


def _drop_footnotes(text: str, rec: Recorder) -> str:
    def footnote(m: re.Match[str]) -> str:
        rec.add(m.group(0), "", "footnote")
        return ""

    return _FOOTNOTE.sub(footnote, text) if "[" in text or "^" in text else text


# --- Lexicon -------------------------------------------------------------------------------


class _Lexicon:
    """A compiled lexicon: one regex, exact-case keys tried before any-case keys."""

    def __init__(self, entries: tuple[tuple[str, str], ...]):
        exact: dict[str, str] = {}
        any_case: dict[str, str] = {}
        for key, spoken in entries:
            words = key.split()
            if not words:
                continue
            normalized = " ".join(words)
            if normalized.lower() == normalized:
                any_case[normalized] = spoken
            else:
                exact[normalized] = spoken
        self.exact, self.any_case = exact, any_case

        def alternation(keys: dict[str, str]) -> str:
            ordered = sorted(keys, key=len, reverse=True)
            return "|".join(r"[ \t]+".join(map(re.escape, k.split())) for k in ordered)

        parts = []
        if exact:
            parts.append(f"(?P<exact>{alternation(exact)})")
        if any_case:
            parts.append(f"(?i:(?P<any>{alternation(any_case)}))")
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)") if parts else None

    def apply(self, text: str, rec: Recorder) -> str:
        if self.pattern is None:
            return text

        def replace(m: re.Match[str]) -> str:
            found = m.group(0)
            key = " ".join(found.split())
            exact = m.groupdict().get("exact")
            spoken = self.exact[key] if exact is not None else self.any_case[key.lower()]
            rec.add(found, spoken, "lexicon")
            return spoken

        return self.pattern.sub(replace, text)


@lru_cache(maxsize=16)
def _compile_lexicon(entries: tuple[tuple[str, str], ...]) -> _Lexicon:
    return _Lexicon(entries)


# --- Tidy ----------------------------------------------------------------------------------

_MARKUP = re.compile(r"[*_`|^\\{}<>~]")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|\{\s*\}")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r" ([,.;:!?)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[]) ")
_REPEATED_PAUSE = re.compile(r"([,;:])(?: ?[,;:])+")
_LEADING_PAUSE = re.compile(r"^[,;:] ?")
_ANY_SPEAKABLE = re.compile(r"[^\W_]")


def _tidy(text: str) -> str:
    text = _MARKUP.sub(" ", text)
    text = _EMPTY_BRACKETS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    text = _REPEATED_PAUSE.sub(r"\1", text)
    return _LEADING_PAUSE.sub("", text)


# --- The pipeline --------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"\d+(?:\.\d+)*")
_SIGNED_INTEGER = re.compile(r"[-+]?[0-9]+")


def _say_stray_digits(text: str, language: Language, rec: Recorder) -> str:
    """Read any digit the rules left (e.g. "MP3", "B2B") so the output never has one."""

    def say(m: re.Match[str]) -> str:
        spoken = language.number(m.group(0))
        rec.add(m.group(0), spoken, "cardinal")
        # Keep the words apart from letters they were glued to ("MP3" -> "MP three").
        before = " " if m.start() and m.string[m.start() - 1].isalnum() else ""
        after = " " if m.end() < len(m.string) and m.string[m.end()].isalnum() else ""
        return before + spoken + after

    return _DIGIT_RUN.sub(say, text) if any(c in text for c in "0123456789") else text


def _say_stray_powers(text: str, language: Language, rec: Recorder) -> str:
    """Read any power the rules left (a language without a rule for them) as its number, so a
    superscript is never lost without a word: "x²" -> "x two" (marked for review)."""

    def say(m: re.Match[str]) -> str:
        written = m.group(0).translate(_TO_ASCII_DIGITS)
        spoken = language.number(written.lstrip("+")) if _SIGNED_INTEGER.fullmatch(written) else written
        rec.add(m.group(0), spoken, "power", attention=True)
        return f" {spoken} "

    return _SUPERSCRIPT_RUN.sub(say, text) if not text.isascii() else text


def _drop_link_fragments(text: str, rec: Recorder) -> str:
    def drop(m: re.Match[str]) -> str:
        rec.add(m.group(0), "", "url", attention=True)
        return " "

    low = text.lower()
    if "://" not in text and "www." not in low and "http" not in low:
        return text
    return _LINK_FRAGMENT.sub(drop, text)


def _normalize_once(text: str, language: Language, lexicon: _Lexicon | None, rec: Recorder) -> str:
    text = _clean_unicode(text, language, rec)
    text = _drop_links(text, language, rec)
    text = _drop_footnotes(text, rec)
    if lexicon is not None:
        text = lexicon.apply(text, rec)
    present = set(text)
    for rule, needs in language.gated_rules:
        if needs and present.isdisjoint(needs):
            continue  # most sentences have no digits: the number rules are skipped outright
        changed = rule.apply(text, rec)
        if changed != text:
            text, present = changed, set(changed)
    text = _say_stray_powers(text, language, rec)
    text = _say_stray_digits(text, language, rec)
    text = _drop_link_fragments(text, rec)
    return _tidy(text)


def speak(
    sentence: str, language: str = "en", lexicon: Mapping[str, str] | None = None
) -> tuple[str, list[Decision]]:
    """Return what to say for one written sentence, and the decisions made.

    Raises ValueError for a language with no rules (see ``available_languages()``).
    """
    lang = get_language(language)
    compiled = _compile_lexicon(tuple(lexicon.items())) if lexicon else None
    rec = Recorder()
    text = _normalize_once(sentence, lang, compiled, rec)
    decisions = rec.decisions
    # Repeat until stable so that normalizing twice changes nothing. A repeat that changes
    # nothing only re-reports what is already there, so its decisions are dropped.
    for _ in range(_MAX_PASSES - 1):
        again = Recorder()
        repeated = _normalize_once(text, lang, None, again)
        if repeated == text:
            break
        decisions += [d for d in again.decisions if d.original != d.spoken]
        text = repeated
    if not _ANY_SPEAKABLE.search(text) and _ANY_SPEAKABLE.search(sentence):
        # Never silent when there was something to read: say what was dropped.
        rules = {d.rule for d in decisions}
        if "url" in rules:
            text = lang.link_word
        elif "footnote" in rules:
            text = lang.note_word
    return text, decisions
