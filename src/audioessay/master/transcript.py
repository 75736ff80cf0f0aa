"""Transcripts (WebVTT and SRT) and Podcast Index chapters from the real timeline.

Cue times come from the samples actually placed (and the speech onset inside each take),
never from estimates, so a cue starts when its sentence does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MAX_LINE = 65  # characters per caption line
MAX_LINES = 2  # lines per cue; longer sentences become several cues
MIN_CUE = 0.4  # seconds: a caption shorter than this cannot be read


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    lines: tuple[str, ...]


def words_of(text: str, width: int = MAX_LINE) -> list[str]:
    """The words of ``text``; a word longer than ``width`` (a URL) is cut into pieces that fit."""
    words: list[str] = []
    for word in text.split():
        words += [word[i: i + width] for i in range(0, len(word), width)]
    return words


def _wrap_words(words: list[str], width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def wrap(text: str, width: int = MAX_LINE) -> list[str]:
    """Greedy word wrap to ``width`` characters; a longer word (a URL) is cut."""
    return _wrap_words(words_of(text, width), width)


def cue_groups(text: str, width: int = MAX_LINE, max_lines: int = MAX_LINES) -> list[tuple[str, ...]]:
    """A sentence's caption cues, each at most ``max_lines`` lines of ``width`` characters.

    Filled greedily, then re-balanced so that no cue holds a single word when the sentence has
    more: the cue before an orphan gives it words from its end, as long as both still fit and the
    giver keeps at least two words."""
    words = words_of(text, width)
    cues: list[list[str]] = []
    index = 0
    while index < len(words):  # greedy: as many words as fit in max_lines lines
        count = 1
        while index + count < len(words) and len(_wrap_words(words[index: index + count + 1], width)) <= max_lines:
            count += 1
        cues.append(words[index: index + count])
        index += count
    for at in range(len(cues) - 1, 0, -1):
        before, orphan = cues[at - 1], cues[at]
        while len(orphan) == 1 and len(before) > 2 and \
                len(_wrap_words([before[-1], *orphan], width)) <= max_lines:
            orphan.insert(0, before.pop())
        if len(orphan) == 1 and len(before) == 1 and len(_wrap_words(before + orphan, width)) <= max_lines:
            before += cues.pop(at)  # two cues of one word each that fit together
    return [tuple(_wrap_words(cue, width)) for cue in cues]


def sentence_cues(text: str, start: float, end: float) -> list[Cue]:
    """One sentence as cues of at most two lines, sharing its time in proportion to their text."""
    groups = cue_groups(text)
    if not groups:
        return []
    total = sum(len(" ".join(g)) for g in groups)
    cues = []
    at = start
    for group in groups:
        share = (end - start) * len(" ".join(group)) / total
        cues.append(Cue(at, at + share, group))
        at += share
    return cues


def finish_cues(cues: list[Cue]) -> list[Cue]:
    """Give very short cues a readable length without overlapping the next one."""
    done = []
    for index, cue in enumerate(cues):
        limit = cues[index + 1].start if index + 1 < len(cues) else cue.end + MIN_CUE
        end = min(max(cue.end, cue.start + MIN_CUE), limit)
        done.append(Cue(cue.start, max(end, cue.start + 0.001), cue.lines))
    return done


def _stamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _vtt_escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: list[Cue]) -> str:
    """A WebVTT file (UTF-8 text)."""
    out = ["WEBVTT", ""]
    for cue in cues:
        out.append(f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}")
        out.extend(_vtt_escape(line) for line in cue.lines)
        out.append("")
    return "\n".join(out)


def to_srt(cues: list[Cue]) -> str:
    """A SubRip file: numbered cues, comma before the milliseconds."""
    out = []
    for number, cue in enumerate(cues, 1):
        out.append(str(number))
        out.append(f"{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}")
        out.extend(line.replace("-->", "->") for line in cue.lines)
        out.append("")
    return "\n".join(out)


def chapters_json(chapters: list[tuple[float, str]]) -> str:
    """Podcast Index JSON chapters (version 1.2.0): start times in seconds."""
    items = [{"startTime": round(start, 3) if start else 0, "title": title} for start, title in chapters]
    return json.dumps({"version": "1.2.0", "chapters": items}, ensure_ascii=False, indent=2) + "\n"
