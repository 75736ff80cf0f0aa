"""What listeners read: the written form of every script line.

The script holds what the voice says ("In twenty thirteen, Spike Jones made Her."). Captions,
transcripts and chapter titles must show what the writer wrote ("In 2013, Spike Jonze made
Her."). Respellings for the voice never reach published text: neither the rules' spoken forms,
nor the ``[pronunciations]`` lexicon, nor a reviewer's own fix written as a respelling.

Three sources give a line its written form:

* **The essay.** A line audioessay generated and nobody changed shows the essay's sentence.
* **A reviewer's rewording.** A changed line is aligned word by word with the line audioessay
  generated: what the reviewer kept shows the essay's words, what they wrote shows as written.
  So "In twenty thirteen, Spike Jones made a film." shows "In 2013, Spike Jonze made a film.".
* **A respelling for the voice only**, ``{written|spoken}`` in the script: ``The {NOAA|Noah}
  tables`` is said "The Noah tables" and shown "The NOAA tables". The form is the one ruby
  (furigana) Markdown extensions use: the base text, then how to read it.

A line with no counterpart in the essay (a sentence the reviewer added) shows as it is said,
respellings resolved.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from audioessay.models import Paragraph, Script, Sentence

WRITTEN_FORMS_VERSION = 1  # part of every episode's inputs: a change here remakes the captions
RESPELLING = re.compile(r"\{([^{}|\n]*)\|([^{}|\n]*)\}")
_SIMILAR = 0.5  # an edited line is matched with a generated one at least this alike (word ratio)
_NOT_WORD = re.compile(r"[^\w]+")
_TRAILING = re.compile(r"[^\w]*$")


def resolve(line: str) -> tuple[str, str | None]:
    """A script line's spoken text and, when it has ``{written|spoken}`` respellings, its
    written text (None otherwise). Whitespace is collapsed, as the writer keeps it."""
    if not RESPELLING.search(line):
        return line, None
    spoken = RESPELLING.sub(lambda m: m.group(2).strip(), line)
    written = RESPELLING.sub(lambda m: m.group(1).strip(), line)
    return " ".join(spoken.split()), " ".join(written.split())


@dataclass(frozen=True)
class _Word:
    """A word of a script line: what is said and, inside a respelling, what is shown instead
    ("" for the later words of a respelling, which the first word's written form covers)."""

    spoken: str
    written: str | None = None


def _words_of(line: str) -> list[_Word]:
    """The line's words. A respelling counts as part of the word it is written in, so that
    ``{BBC|bee bee see}.`` is shown as "BBC." with its full stop."""
    respellings = RESPELLING.findall(line)
    if not respellings:
        return [_Word(w) for w in line.split()]
    marked = RESPELLING.sub("\x00", line)  # a placeholder no script line holds
    words: list[_Word] = []
    found = iter(respellings)
    for token in marked.split():
        if "\x00" not in token:
            words.append(_Word(token))
            continue
        pieces = token.split("\x00")
        shown, said = pieces[0], pieces[0]
        for after in pieces[1:]:
            written, spoken = next(found)
            shown, said = shown + written.strip() + after, said + spoken.strip() + after
        spoken_words = said.split()
        words += [_Word(w, shown if i == 0 else "") for i, w in enumerate(spoken_words)]
    return words


def _key(word: str) -> str:
    """Words compare without case and punctuation: "Her," is "her"."""
    return _NOT_WORD.sub("", word.casefold()) or word


@dataclass(frozen=True)
class _Chunk:
    """Written words ``written[w0:w1]`` said as spoken words ``spoken[g0:g1]``."""

    w0: int
    w1: int
    g0: int
    g1: int


def _chunks(written: list[str], spoken: list[str]) -> list[_Chunk]:
    """How a generated line's spoken words come from the essay's words: equal words pair one
    to one, and each run the rules changed ("2013," -> "twenty thirteen,") is one chunk."""
    matcher = difflib.SequenceMatcher(None, [_key(w) for w in written], [_key(w) for w in spoken],
                                      autojunk=False)
    chunks: list[_Chunk] = []
    for op, w0, w1, g0, g1 in matcher.get_opcodes():
        if op == "equal":
            chunks += [_Chunk(w0 + i, w0 + i + 1, g0 + i, g0 + i + 1) for i in range(w1 - w0)]
        else:
            chunks.append(_Chunk(w0, w1, g0, g1))
    return chunks


def align(written: str, spoken: str, line: str) -> str:
    """The written form of script ``line``, which audioessay generated as ``spoken`` from the
    essay's ``written`` sentence and a person may have changed since."""
    words = _words_of(line)
    if all(w.written is None for w in words) and [w.spoken for w in words] == spoken.split():
        return written
    said, shown = spoken.split(), written.split()
    chunks = _chunks(shown, said)
    owner = {g: index for index, chunk in enumerate(chunks) for g in range(chunk.g0, chunk.g1)}
    kept = _kept_words(said, words)
    still_said = set(kept.values())
    whole = {i for i, c in enumerate(chunks) if not _unsaid(c) and all(g in still_said for g in range(c.g0, c.g1))}
    # A word of the line in a chunk the person kept whole shows the chunk's written words (once,
    # at its first word); any other word shows as the person wrote it (a respelling's written side).
    out: list[str] = []
    done: set[int] = set()
    for index, word in enumerate(words):
        chunk = owner.get(kept.get(index, -1), -1) if word.written is None else -1
        if chunk not in whole:
            out.append(word.spoken if word.written is None else word.written)
        else:
            if chunk not in done:
                done.add(chunk)
                out += [w for c in _with_unsaid(chunks, chunk) for w in shown[c.w0:c.w1]]
            if kept[index] + 1 == chunks[chunk].g1 and out:  # its last word: punctuated as the person left it
                out[-1] = _punctuated(out[-1], said[kept[index]], word.spoken)
    return " ".join(w for w in out if w)


def _punctuated(shown: str, generated: str, now: str) -> str:
    """``shown`` with the punctuation after it changed as the person changed ``generated`` to
    ``now`` ("two" -> "two," makes "2" "2,")."""
    before, after = _TRAILING.search(generated), _TRAILING.search(now)
    if before is None or after is None or before.group() == after.group():
        return shown
    return shown[:len(shown) - len(before.group())] + after.group() if shown.endswith(before.group()) else shown


def _kept_words(said: list[str], words: list[_Word]) -> dict[int, int]:
    """The words the person kept: index in the line -> index in the generated line."""
    matcher = difflib.SequenceMatcher(None, [_key(w) for w in said], [_key(w.spoken) for w in words],
                                      autojunk=False)
    return {block.b + i: block.a + i for block in matcher.get_matching_blocks() for i in range(block.size)}


def _unsaid(chunk: _Chunk) -> bool:
    return chunk.g0 == chunk.g1


def _with_unsaid(chunks: list[_Chunk], index: int) -> list[_Chunk]:
    """Chunk ``index`` with the written words around it that are not said at all (a URL the
    voice skips): those just before it, and those at the very end when it is the last said."""
    start = index
    while start > 0 and _unsaid(chunks[start - 1]):
        start -= 1
    end = index + 1
    if all(_unsaid(c) for c in chunks[end:]):
        end = len(chunks)
    return chunks[start:end]


# --------------------------------------------------------------------------- whole scripts


def _sentences(script: Script) -> list[Sentence]:
    return [item for section in script.sections for paragraph in section.paragraphs
            for item in paragraph.items if isinstance(item, Sentence)]


def _line_of(sentence: Sentence) -> str:
    return sentence.line if sentence.line is not None else sentence.text


def pair_lines(generated: Sequence[str], lines: Sequence[str]) -> dict[int, int]:
    """Script line index -> the generated line it comes from: equal lines in order, then each
    changed line with the most alike generated line in the same changed stretch."""
    pairs: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, list(generated), list(lines), autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            pairs.update({b0 + i: a0 + i for i in range(a1 - a0)})
        elif op == "replace":
            pairs.update(_most_alike(generated, range(a0, a1), lines, range(b0, b1)))
    return pairs


def _most_alike(generated: Sequence[str], candidates: range, lines: Sequence[str],
                changed: range) -> dict[int, int]:
    pairs: dict[int, int] = {}
    free = list(candidates)
    for b in changed:
        words = [_key(w) for w in lines[b].split()]
        scored = [(difflib.SequenceMatcher(None, [_key(w) for w in generated[a].split()], words,
                                           autojunk=False).ratio(), a) for a in free]
        if scored and (best := max(scored))[0] >= _SIMILAR:
            pairs[b] = best[1]
            free.remove(best[1])
    return pairs


def with_written_forms(script: Script, generated: Script) -> Script:
    """``script`` (as read from its file) with the written form of every sentence and heading,
    taken from ``generated``: the script audioessay builds from the essay now, whose sentences
    and headings carry the essay's words."""
    made = _sentences(generated)
    mine = _sentences(script)
    pairs = pair_lines([s.text for s in made], [_line_of(s) for s in mine])
    written = {id(s): _written(s, made[pairs[i]] if i in pairs else None) for i, s in enumerate(mine)}
    titles = _heading_forms(script, generated)
    sections = tuple(
        replace(section, written_title=titles.get(index, section.written_title), paragraphs=tuple(
            Paragraph(tuple(replace(item, written=written[id(item)]) if isinstance(item, Sentence) else item
                            for item in paragraph.items))
            for paragraph in section.paragraphs))
        for index, section in enumerate(script.sections))
    return replace(script, sections=sections)


def _written(sentence: Sentence, origin: Sentence | None) -> str | None:
    """A script sentence's written form: aligned with the generated sentence it comes from;
    without one, its own respellings resolved (None: shown as said)."""
    if origin is None:
        return sentence.written
    shown = align(origin.shown, origin.text, _line_of(sentence))
    return None if shown == sentence.text else shown


def _heading_forms(script: Script, generated: Script) -> dict[int, str | None]:
    """Section index -> its chapter title in written form, for the titled sections."""
    made = [s for s in generated.sections if s.title is not None]
    titled = [(i, s) for i, s in enumerate(script.sections) if s.title is not None]
    pairs = pair_lines([s.title or "" for s in made], [s.title or "" for _, s in titled])
    forms: dict[int, str | None] = {}
    for position, (index, section) in enumerate(titled):
        origin = made[pairs[position]] if position in pairs else None
        if origin is not None and section.title is not None:
            shown = align(origin.shown_title or "", origin.title or "", section.title)
            forms[index] = None if shown == section.title else shown
    return forms
