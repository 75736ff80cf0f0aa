"""Comparing what a take was meant to say with what the recognizer heard.

Both texts become lists of plain words: lower case, no punctuation, a hyphenated word split
("forty-six" -> "forty six") except spelled letters, which are joined ("A-I", "a.m." -> "ai",
"am"). The script is already spoken words; the recognizer writes digits ("2013", "$1.2",
"62%"), so each number it wrote is replaced by the reading (year, cardinal, ordinal, digit by
digit...) that matches the script best: a number said differently still differs, because a
reading the voice did not give is never among the words the recognizer wrote.

The alignment is a word-level edit distance (substitutions, deletions, insertions) in which a
compound written as one word or two ("sunrise", "sun rise") is a match, and so is a word heard
as another spelling of it ("kilometers" for "kilometres") or as a homophone ("allowed" for
"aloud"): a listener hears no difference (:mod:`audioessay.verify.soundalike`).

A line's written form (the essay's words, :mod:`audioessay.text.written`) may be given too. Where
the script spells a word for the voice only ("Wah keen" for Joaquin, "F-eh-Q" for FAQ), hearing
the writer's word is what a listener should do, so the words a listener should hear (the written
words there, the script's words elsewhere) are compared as well, and the closer match counts.
Numbers stay as the script says them: the written digits tell nothing about how they were said.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from num2words import num2words

from audioessay.verify.soundalike import Alike, sound_alike

# What the recognizer abbreviates that the script spells out (the script's own rules, reversed).
ABBREVIATIONS = {
    "mr": "mister", "mrs": "missus", "ms": "miz", "dr": "doctor", "prof": "professor", "st": "saint",
    "vs": "versus", "etc": "et cetera", "eg": "for example", "ie": "that is", "approx": "approximately",
    "jr": "junior", "sr": "senior", "ok": "okay", "%": "percent", "&": "and", "+": "plus",
}
CURRENCIES = {"$": ("dollar", "dollars"), "£": ("pound", "pounds"), "€": ("euro", "euros"), "¥": ("yen", "yen")}
SCALES = frozenset({"thousand", "million", "billion", "trillion"})
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_DIGIT_SEQUENCE = re.compile(r"\d(?:[.-]\d){2,}")  # 1.5.0.0, 2-0-2-3: a number read digit by digit
_TOKEN = re.compile(r"\d(?:[.-]\d){2,}(?![\d,])|[$£€¥]?\d[\d,]*(?:[.:]\d+)?(?:st|nd|rd|th|s|'s|%)?|[$£€¥%&+]|[\w'.-]+")
_NUMBER = re.compile(r"(?P<currency>[$£€¥])?(?P<digits>\d[\d,]*)(?P<fraction>[.:]\d+)?(?P<suffix>st|nd|rd|th|s|'s|%)?")
_SPELLED = re.compile(r"(?:[a-z][-.]){1,}[a-z]\.?")  # a-i, a.m., u-s-a
_ORDINAL_SUFFIXES = ("st", "nd", "rd", "th")


@dataclass(frozen=True)
class Step:
    """One step of an alignment: ``op`` is "=" (same), "s" (substituted), "d" (deleted: said in the
    script, not heard) or "i" (inserted: heard, not in the script)."""

    op: str
    said: str  # the script's word(s), "" for an insertion
    heard: str  # the recognizer's word(s), "" for a deletion


@dataclass(frozen=True)
class Comparison:
    """A sentence against what was heard: the word counts behind its word error rate."""

    said: tuple[str, ...]  # the script's words, normalized
    heard: tuple[str, ...]  # the recognizer's words, normalized
    steps: tuple[Step, ...]

    @property
    def errors(self) -> int:
        """Substitutions + deletions + insertions."""
        return sum(1 for step in self.steps if step.op != "=")

    @property
    def wer(self) -> float:
        """Word error rate: errors per word of the script (1.0 for anything heard in an empty script)."""
        if not self.said:
            return 0.0 if not self.heard else 1.0
        return self.errors / len(self.said)

    @property
    def missing_at_end(self) -> int:
        """Words of the script's end that were not heard at all (a take cut short loses its end)."""
        count = 0
        for step in reversed(self.steps):
            if step.op == "i":
                continue
            if step.op != "d":
                break
            count += 1
        return count

    def differences(self) -> list[str]:
        """The errors as short phrases: ``said -> heard``, ``-said`` or ``+heard``."""
        shown = {"s": "{said} -> {heard}", "d": "-{said}", "i": "+{heard}"}
        return [shown[s.op].format(said=s.said, heard=s.heard) for s in self.steps if s.op != "="]


def words(text: str) -> list[str]:
    """The script's words: lower case, punctuation gone, hyphenated words split, spelled letters joined."""
    found: list[str] = []
    for token in _TOKEN.findall(text.translate(_APOSTROPHES).lower()):
        found.extend(_plain_words(token))
    return found


def _plain_words(token: str) -> list[str]:
    token = token.strip("'.-")
    if not token:
        return []
    if _SPELLED.fullmatch(token):
        return [re.sub(r"[-.]", "", token)]
    if token in ABBREVIATIONS:
        return ABBREVIATIONS[token].split()
    found: list[str] = []
    for part in re.split(r"[-]+", token):  # "twenty-four", "69-7", "2-0-1"
        part = part.replace("'", "").replace(".", "")
        if part.isdigit():
            found.extend(_said(int(part)) if len(part) < 4 else _digit_words(part))
        elif part:
            found.extend(ABBREVIATIONS.get(part, part).split())
    return found


def heard_words(text: str, said: Sequence[str]) -> list[str]:
    """The recognizer's words, normalized like :func:`words`; each number it wrote in digits
    becomes the reading of it that aligns best with ``said`` (the script's words)."""
    pieces: list[list[list[str]]] = []  # per token, its possible readings (one for a plain word)
    tokens = _TOKEN.findall(text.translate(_APOSTROPHES).lower())
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if _DIGIT_SEQUENCE.fullmatch(token):
            pieces.append([_digit_words(re.sub(r"\D", "", token))])
            index += 1
            continue
        match = _NUMBER.fullmatch(token.rstrip(".,"))
        if match is None:
            pieces.append([_plain_words(token)])
            index += 1
            continue
        scale = tokens[index + 1] if index + 1 < len(tokens) and tokens[index + 1] in SCALES else None
        pieces.append(number_readings(match, scale))
        index += 2 if scale else 1
    chosen = [0] * len(pieces)
    for position, readings in enumerate(pieces):  # left to right, each number's best reading
        if len(readings) > 1:
            chosen[position] = min(range(len(readings)), key=lambda k: (
                distance(said, _joined(pieces, [*chosen[:position], k, *chosen[position + 1:]])),
                len(readings[k])))
    return _joined(pieces, chosen)


def _joined(pieces: list[list[list[str]]], chosen: list[int]) -> list[str]:
    return [word for readings, k in zip(pieces, chosen) for word in readings[k]]


def number_readings(match: re.Match[str], scale: str | None = None) -> list[list[str]]:
    """Every way a number written like ``match`` (from :data:`_NUMBER`) may have been said."""
    digits = match["digits"].replace(",", "")
    value = int(digits)
    suffix = (match["suffix"] or "").replace("'", "")
    fraction = match["fraction"] or ""
    if fraction:  # 1.25: one point two five; 9.30 and 9:30 (a time): nine thirty
        readings = [] if fraction[0] == ":" else [[*_said(value), "point", *_digit_words(fraction[1:])]]
        if len(fraction) == 3:
            minutes = int(fraction[1:])
            readings.append([*_said(value), *(_said(minutes) if minutes >= 10 else ["oh", *_said(minutes)])])
            readings.append(_said(value) + (["oclock"] if minutes == 0 else []))
    elif suffix in _ORDINAL_SUFFIXES:
        readings = [_said(value, "ordinal")]
    elif suffix == "s":  # the 1960s, the 90s
        readings = [_plural(_said(value, "year")), _plural(_said(value))]
    else:
        readings = [_said(value), _said(value, "year"), _said(value, "ordinal"), _digit_words(digits)]
        if len(digits) == 4 and digits[2:] == "00":  # 1900: nineteen hundred
            readings.append([*_said(int(digits[:2])), "hundred"])
    if scale:
        readings = [[*reading, scale] for reading in readings]
    if suffix == "%":
        readings = [[*reading, "percent"] for reading in readings]
    if match["currency"]:
        readings = _with_currency(readings, match["currency"], value, match["fraction"])
    return readings


def _said(value: int, to: str = "cardinal") -> list[str]:
    """``value`` in words as the script's rules say it: no "and", hyphens split."""
    return [w for w in re.split(r"[\s,-]+", num2words(value, to=to, lang="en")) if w and w != "and"]


def _digit_words(digits: str) -> list[str]:
    return [_said(int(d))[0] for d in digits]


def _plural(reading: list[str]) -> list[str]:
    last = reading[-1]
    return [*reading[:-1], last[:-1] + "ies" if last.endswith("y") else last + "s"]


def _with_currency(readings: list[list[str]], symbol: str, value: int, fraction: str | None) -> list[list[str]]:
    """$3 -> three dollars; $3.50 -> three dollars fifty (also "three fifty")."""
    one, many = CURRENCIES[symbol]
    unit = one if value == 1 and not fraction else many
    result = [[*reading, unit] for reading in readings]
    if fraction and len(fraction) == 3:  # .50: cents or pence
        cents = _said(int(fraction[1:]))
        result += [[*_said(value), unit, *cents], [*_said(value), unit, *cents, "cents"],
                   [*_said(value), unit, "and", *cents, "cents"], [*_said(value), *cents]]
    return result


def distance(said: Sequence[str], heard: Sequence[str], same: Alike = operator.eq) -> int:
    """The word edit distance of :func:`align` (its number of errors)."""
    return _costs(said, heard, same)[-1][-1]


def align(said: Sequence[str], heard: Sequence[str], same: Alike = operator.eq) -> list[Step]:
    """The cheapest word alignment (edit distance); a compound split differently is free, and so is
    a word heard as one that ``same`` says a listener cannot tell from it."""
    return _trace(said, heard, _costs(said, heard, same), same)


def _costs(said: Sequence[str], heard: Sequence[str], same: Alike) -> list[list[int]]:
    rows, cols = len(said) + 1, len(heard) + 1
    cost = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        cost[i][0] = i
    for j in range(cols):
        cost[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i][j] = min(_moves(said, heard, cost, i, j, same))[0]
    return cost


def _moves(said: Sequence[str], heard: Sequence[str], cost: list[list[int]], i: int, j: int,
           same: Alike) -> Iterable[tuple[int, str, int, int]]:
    """(cost, op, words of said, words of heard) of every step that can end at (i, j)."""
    match = same(said[i - 1], heard[j - 1])
    yield cost[i - 1][j - 1] + (0 if match else 1), "=" if match else "s", 1, 1
    yield cost[i - 1][j] + 1, "d", 1, 0
    yield cost[i][j - 1] + 1, "i", 0, 1
    if j >= 2 and said[i - 1] == heard[j - 2] + heard[j - 1]:
        yield cost[i - 1][j - 2], "=", 1, 2
    if i >= 2 and said[i - 2] + said[i - 1] == heard[j - 1]:
        yield cost[i - 2][j - 1], "=", 2, 1


def _trace(said: Sequence[str], heard: Sequence[str], cost: list[list[int]], same: Alike) -> list[Step]:
    steps: list[Step] = []
    i, j = len(said), len(heard)
    while i or j:
        if i and j:
            _best, op, di, dj = min(_moves(said, heard, cost, i, j, same))
        elif i:
            op, di, dj = "d", 1, 0
        else:
            op, di, dj = "i", 0, 1
        steps.append(Step(op, " ".join(said[i - di:i]), " ".join(heard[j - dj:j])))
        i, j = i - di, j - dj
    steps.reverse()
    return steps


def compare(sentence: str, heard: str, written: str | None = None) -> Comparison:
    """The script's ``sentence`` (whose written form is ``written``) against the recognizer's ``heard``
    text; where the script respells words for the voice, whichever of its words and the writer's
    matches what was heard better."""
    said = words(sentence)
    heard_list = heard_words(heard, said)
    if written:
        said = listener_words(said, heard_words(written, said), heard_list)
    alike = sound_alike([*said, *heard_list])
    return Comparison(tuple(said), tuple(heard_list), tuple(align(said, heard_list, alike)))


CONTEXT = 3  # words either side of a respelled run that decide which of its spellings was heard


def listener_words(said: list[str], shown: Sequence[str], heard: Sequence[str]) -> list[str]:
    """``said`` (the script's words) with each run that the script spells for the voice replaced by
    the ``shown`` (written) words when those match ``heard`` better, judged on the heard words
    aligned with the run and a few words around it."""
    runs = _respelled_runs(said, shown)
    if not runs:
        return said
    where = _heard_positions(align(said, heard))  # said index -> heard index where its step starts
    result: list[str] = []
    done = 0  # said words before this are in result
    for start, end, written in runs:
        low, high = max(0, start - CONTEXT), min(len(said), end + CONTEXT)
        window = heard[where[low]:where[high]]
        before, after = said[low:start], said[end:high]
        if distance([*before, *written, *after], window) < distance(said[low:high], window):
            result += [*said[done:start], *written]
            done = end
    return result + said[done:]


def _respelled_runs(said: Sequence[str], shown: Sequence[str]) -> list[tuple[int, int, list[str]]]:
    """(start, end, written words) of each run of ``said`` that ``shown`` writes otherwise in plain
    words: not a number or a symbol, and not a word the writer added or dropped."""
    runs: list[tuple[int, int, list[str]]] = []
    index, run = 0, []  # run: consecutive differences, one spelling of one or more words
    for step in (*align(said, shown), Step("=", "", "")):
        if step.op != "=":
            run.append(step)
            continue
        script = [w for s in run for w in s.said.split()]
        written = [w for s in run for w in s.heard.split()]
        if script and written and all(w.isalpha() and w not in NUMBER_WORDS for w in written):
            runs.append((index, index + len(script), written))
        index += len(script) + len(step.said.split())
        run = []
    return runs


def _heard_positions(steps: Sequence[Step]) -> list[int]:
    """For each word of the script side of ``steps`` (and one past the end), the heard index at which
    its step starts."""
    positions: list[int] = []
    heard = 0
    for step in steps:
        positions += [heard] * len(step.said.split())
        heard += len(step.heard.split())
    return [*positions, heard]


NUMBER_WORDS = frozenset(
    "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred "
    "thousand million billion trillion point first second third fourth fifth sixth seventh eighth ninth "
    "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
    "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth hundredth thousandth "
    "twenties thirties forties fifties sixties seventies eighties nineties hundreds".split()
)


DIGIT_WORDS = frozenset("zero oh one two three four five six seven eight nine".split())


def number_differences(comparison: Comparison) -> list[list[Step]]:
    """Runs of consecutive errors where a number of the script was heard as another number:

    - read digit by digit: the heard side has two or more digit words in a row ("two zero one
      three") that the script's side does not have, next to a number word of the script
      ("twenty thirteen");
    - another number: two errors or more, every word on both sides a number word ("nineteen
      eighty-seven" heard as "eighteen seventy-seven"). One misheard number word is the
      recognizer's noise and is left to the word error rate."""
    runs: list[list[Step]] = []
    current: list[Step] = []
    for step in (*comparison.steps, Step("=", "", "")):
        if step.op != "=":
            current.append(step)
            continue
        said = [w for s in current for w in s.said.split()]
        heard = [w for s in current for w in s.heard.split()]
        digits = set(said) & NUMBER_WORDS and _longest_digit_run(heard) >= max(2, _longest_digit_run(said) + 1)
        other = len(current) >= 2 and said and heard and set(said) | set(heard) <= NUMBER_WORDS
        if digits or other:
            runs.append(current)
        current = []
    return runs


def _longest_digit_run(found: Sequence[str]) -> int:
    longest = length = 0
    for word in found:
        length = length + 1 if word in DIGIT_WORDS else 0
        longest = max(longest, length)
    return longest
