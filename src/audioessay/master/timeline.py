"""The episode's timeline: where every take, pause and the intro sit, in samples at 44.1 kHz.

The timeline is planned from the takes' WAV headers alone, before any audio is decoded, so
every later step (loudness bins, parallel encoder parts, transcript, chapters) works on the
same exact sample positions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from audioessay.errors import MasteringError
from audioessay.master.pcm import SAMPLE_RATE
from audioessay.master.trim import Span
from audioessay.models import Pause, Script, Section, Sentence
from audioessay.workspace import AudioConfig

# The intro: the announcement starts this far into the music, which ducks under it, comes
# back up, holds briefly and fades out.
ANNOUNCE_AT = 1.5
DUCK_DB = -14.0
DUCK_DOWN = 0.3  # ramp before the speech starts
DUCK_UP = 0.5  # ramp after the speech ends
MUSIC_HOLD = 0.5  # full level after the speech, before the fade
MUSIC_FADE = 2.0
MUSIC_ALONE_MAX = 12.0  # music with no announcement plays at most this long
END_TAIL = 1.0  # silence after the last take, so players do not cut the last word
# The end of the music's fade that is more than 30 dB down (the S-curve's last 11 %): the music
# sits some 20 dB under full scale, so this is heard as silence (under -50 dBFS), and the pause
# after the intro starts there.
MUSIC_QUIET_TAIL = MUSIC_FADE * 2 / math.pi * math.asin(10 ** (-30 / 40))

Role = Literal["announcement", "sentence", "outro"]


def samples(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


@dataclass(frozen=True)
class Take:
    """A spoken take on the timeline."""

    start: int  # first sample on the episode timeline
    length: int
    text: str
    path: Path
    role: Role
    number: int  # 1-based sentence number in the script (0 for announcement and outro)
    section: int  # index into Script.sections (-1 for announcement and outro)
    skip: int = 0  # samples of the take file (at 44.1 kHz) cut before ``start``: its own leading silence
    lead: int = 0  # quiet samples kept (faded in) before the speech starts
    tail: int = 0  # quiet samples kept (faded out) after the speech ends
    written: str | None = None  # what the captions show for it, when not ``text`` (the essay's words)

    @property
    def caption(self) -> str:
        return self.written if self.written is not None else self.text


@dataclass(frozen=True)
class Silence:
    """Digital silence: a pause between takes."""

    start: int
    length: int


@dataclass(frozen=True)
class IntroLayout:
    """The intro: music (if any) with the announcement (if any) mixed over it."""

    start: int  # always 0
    length: int
    music_length: int  # samples of music used (0: no music)
    speech_start: int  # announcement start inside the intro
    speech_length: int  # 0: no announcement

    def music_gain(self) -> list[tuple[int, float]]:
        """The music's gain curve as (sample, linear gain) breakpoints, joined by S-curves."""
        duck = 10 ** (DUCK_DB / 20)
        end = self.music_length
        if self.speech_length == 0:
            fade_start = max(0, end - samples(MUSIC_FADE))
            return [(0, 1.0), (fade_start, 1.0), (end, 0.0)]
        speech_end = self.speech_start + self.speech_length
        down = max(0, self.speech_start - samples(DUCK_DOWN))
        up_end = speech_end + samples(DUCK_UP)
        fade_start = up_end + samples(MUSIC_HOLD)
        return [(0, 1.0), (down, 1.0), (self.speech_start, duck), (speech_end, duck), (up_end, 1.0),
                (fade_start, 1.0), (fade_start + samples(MUSIC_FADE), 0.0)]


Piece = Take | Silence | IntroLayout


@dataclass(frozen=True)
class Chapter:
    start: int  # sample on the timeline
    title: str


@dataclass(frozen=True)
class Timeline:
    pieces: tuple[Piece, ...]  # in order, back to back, covering [0, total)
    total: int  # samples
    chapters: tuple[Chapter, ...]
    longest_allowed_pause: float  # the longest pause the configuration or the script asks for, in seconds
    announcement: Take | None = None  # spoken inside the intro piece (not a piece of its own)

    @property
    def takes(self) -> list[Take]:
        """The takes that are pieces of their own: every sentence and the outro."""
        return [p for p in self.pieces if isinstance(p, Take)]

    @property
    def spoken(self) -> list[Take]:
        """Everything said, in order: the announcement, the sentences, the outro."""
        return ([self.announcement] if self.announcement else []) + self.takes

    @property
    def intro(self) -> IntroLayout | None:
        first = self.pieces[0] if self.pieces else None
        return first if isinstance(first, IntroLayout) else None

    @property
    def duration(self) -> float:
        return self.total / SAMPLE_RATE


def intro_layout(music_available: int | None, announcement_length: int | None) -> IntroLayout | None:
    """Lay out the intro. ``music_available``: samples of music (None: no music)."""
    if music_available is None and announcement_length is None:
        return None
    if music_available is None:
        assert announcement_length is not None
        return IntroLayout(0, announcement_length, 0, 0, announcement_length)
    if announcement_length is None:
        music = min(music_available, samples(MUSIC_ALONE_MAX))
        return IntroLayout(0, music, music, 0, 0)
    speech_start = samples(ANNOUNCE_AT)
    music = speech_start + announcement_length + samples(DUCK_UP + MUSIC_HOLD + MUSIC_FADE)
    return IntroLayout(0, music, music, speech_start, announcement_length)


def plan_timeline(
    script: Script,
    takes: Mapping[str, Path],
    length_of: Callable[[Path], int | Span],
    config: AudioConfig,
    *,
    episode_title: str,
    music_available: int | None,
    announcement: str | Sentence | None,
    outro: str | Sentence | None,
) -> Timeline:
    """Place the intro, every sentence, pause and the outro; ``length_of`` gives a take's samples
    (or its :class:`Span`: the part of it that is placed, without the engine's own silence).

    Between two sentences the silence is the larger of the structural pause (sentence,
    paragraph or section, whichever boundary is there) and the explicit ``[pause]`` items
    written there: ``[pause 2s]`` means two seconds of silence, and never shortens a section break.
    """
    announcement, outro = as_line(announcement), as_line(outro)
    _check_takes(script, takes, announcement, outro)
    planner = _Planner(takes, length_of, config)
    spoken = planner.span(announcement.text) if announcement else None
    layout = intro_layout(music_available, spoken.length if spoken else None)
    announce_take = planner.add_intro(layout, announcement) if layout is not None else None
    for section_index, section in enumerate(script.sections):
        planner.add_section(section_index, section, episode_title)
    if outro:
        planner.add_outro(outro)
    planner.add_silence(max(END_TAIL, planner.explicit), None)
    return Timeline(tuple(planner.pieces), planner.position, tuple(planner.chapters), planner.longest,
                    announce_take)


class _Planner:
    """The timeline as it is laid out, piece after piece, with the pause owed before the next take."""

    def __init__(self, takes: Mapping[str, Path], length_of: Callable[[Path], int | Span],
                 config: AudioConfig) -> None:
        self.takes, self.length_of, self.config = takes, length_of, config
        self.quiet_end = 0  # samples at the end of the last piece that sound like silence
        self.pieces: list[Piece] = []
        self.chapters: list[Chapter] = []
        self.position = 0
        self.number = 0  # the last sentence's number
        self.structural = 0.0  # the pause owed after the last take (none before the first)
        self.explicit = 0.0  # sum of [pause] items since the last take
        self.longest = max(config.sentence_pause, config.paragraph_pause, config.section_pause, END_TAIL)

    def span(self, text: str) -> Span:
        found = self.length_of(Path(self.takes[text]))
        return found if isinstance(found, Span) else Span(0, found)

    def add_take(self, line: Sentence, role: Role, number: int, section: int, span: Span) -> None:
        path = Path(self.takes[line.text])
        self.pieces.append(Take(self.position, span.length, line.text, path, role, number, section,
                                span.skip, span.lead, span.tail, line.written))
        self.position += span.length
        self.quiet_end = span.tail

    def add_silence(self, seconds: float, following: Span | None) -> None:
        """A pause heard as ``seconds``: the quiet end of the last piece and the quiet start of
        the ``following`` take count as part of it."""
        length = samples(seconds) - self.quiet_end - (following.lead if following else 0)
        if length > 0:
            self.pieces.append(Silence(self.position, length))
            self.position += length
        self.quiet_end = 0

    def add_intro(self, layout: IntroLayout, announcement: Sentence | None) -> Take | None:
        """The intro piece and its chapter; returns the announcement's take, spoken inside it."""
        self.pieces.append(layout)
        self.position = layout.length
        self.chapters.append(Chapter(0, "Intro"))
        self.structural = self.config.section_pause
        if not announcement:
            self.quiet_end = min(samples(MUSIC_QUIET_TAIL), layout.music_length)
            return None
        span = self.span(announcement.text)
        self.quiet_end = min(samples(MUSIC_QUIET_TAIL), layout.music_length) if layout.music_length else span.tail
        return Take(layout.speech_start, layout.speech_length, announcement.text,
                    Path(self.takes[announcement.text]), "announcement", 0, -1, span.skip, span.lead, span.tail,
                    announcement.written)

    def add_section(self, index: int, section: Section, episode_title: str) -> None:
        """Every sentence and pause of a section; its chapter starts at its first sentence."""
        config = self.config
        first_in_section = True
        for paragraph in section.paragraphs:
            spoke = False
            for item in paragraph.items:
                if isinstance(item, Pause):
                    self.explicit += max(0.0, item.seconds)
                    self.longest = max(self.longest, self.explicit)
                    continue
                assert isinstance(item, Sentence)
                span = self.span(item.text)
                self.add_silence(max(self.structural, self.explicit), span)
                self.structural, self.explicit = config.sentence_pause, 0.0
                self.number += 1
                if first_in_section:
                    self.chapters.append(Chapter(self.position, _chapter_title(section, index, episode_title)))
                    first_in_section = False
                self.add_take(item, "sentence", self.number, index, span)
                spoke = True
            if spoke:
                self.structural = max(self.structural, config.paragraph_pause)
        if not first_in_section:
            self.structural = max(self.structural, config.section_pause)

    def add_outro(self, outro: Sentence) -> None:
        span = self.span(outro.text)
        self.add_silence(max(self.structural, self.explicit, self.config.section_pause), span)
        self.structural, self.explicit = 0.0, 0.0
        self.add_take(outro, "outro", 0, -1, span)


def _chapter_title(section: Section, index: int, episode_title: str) -> str:
    """A section's own title; an untitled first section is the episode's, the others "Part N"."""
    if section.shown_title:
        return section.shown_title
    return episode_title if index == 0 else f"Part {index + 1}"


def as_line(line: str | Sentence | None) -> Sentence | None:
    """An announcement or outro (said as its text, captioned as written), stripped; None when
    there is nothing to say."""
    if isinstance(line, str):
        line = Sentence(line)
    if line is None or not line.text.strip():
        return None
    return Sentence(line.text.strip(), line.written)


def _check_takes(script: Script, takes: Mapping[str, Path], announcement: Sentence | None,
                 outro: Sentence | None) -> None:
    wanted = [*script.sentences(), *(line.text for line in (announcement, outro) if line)]
    missing = [text for text in dict.fromkeys(wanted) if text not in takes]
    if missing:
        shown = "; ".join(repr(t[:60]) for t in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise MasteringError(
            f"no take for {len(missing)} sentence(s): {shown}{more}",
            hint="narrate the script first; every sentence needs a take",
        )
