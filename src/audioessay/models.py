"""The values that flow between stages. All frozen: a stage returns new values.

    seeds/*.md|txt --read--> Essay --write script--> Script
    Script --narrate--> Take (one per sentence, cached)
    Takes + music --master--> Episode
    Episodes + Show --publish--> feed, cover, web page
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal


@dataclass(frozen=True)
class Link:
    """A source or reference kept for the show notes (never spoken)."""

    url: str
    text: str = ""  # link text or the line it came from; empty when the source was a bare URL


@dataclass(frozen=True)
class Decision:
    """One choice the text stage made, shown by ``audioessay review``.

    ``original`` is the written form, ``spoken`` what will be said, ``rule`` names the rule.
    ``attention`` marks choices that could be wrong (e.g. an ambiguous Roman numeral).
    """

    original: str
    spoken: str
    rule: str
    attention: bool = False
    line: int = 0  # 1-based line in the script file where the sentence appears, 0 when unknown


@dataclass(frozen=True)
class Block:
    """A piece of essay text after Markdown cleaning, before normalization for speech.

    kind: ``heading`` (a section title), ``paragraph`` (prose, possibly many sentences),
    or ``quote`` (a block quote, read after a pause).
    """

    kind: Literal["heading", "paragraph", "quote"]
    text: str
    line: int = 0  # 1-based line in the source where the block starts


@dataclass(frozen=True)
class Essay:
    """An essay read from ``seeds/``: decoded text plus what the feed needs."""

    source: Path  # path relative to the workspace root, e.g. seeds/her.txt
    source_sha256: str  # hash of the raw bytes on disk
    slug: str  # ASCII, no separators, unique in the workspace
    title: str
    blocks: tuple[Block, ...]  # the spoken body, in order
    links: tuple[Link, ...] = ()  # sources and URLs found in the text, for the show notes
    description: str = ""  # front matter description, else the first paragraph (plain text)
    author: str | None = None
    date: dt.datetime | None = None  # front matter date (timezone-aware, UTC if none given)
    explicit: bool | None = None
    episode: int | None = None
    voice: str | None = None  # front matter overrides of the show's voice settings
    engine: str | None = None
    rate: int | None = None
    meta: tuple[tuple[str, Any], ...] = ()  # every front matter key, for the feed


@dataclass(frozen=True)
class Pause:
    """An explicit pause in a script: ``[pause 2s]``."""

    seconds: float


@dataclass(frozen=True)
class Sentence:
    """One line of a script.

    ``text`` is exactly what the engine will say. ``written`` is what listeners read for it in
    captions and transcripts: the essay's own words (None: the same as ``text``; see
    :mod:`audioessay.text.written`). ``line`` is the line as the script file holds it when it
    respells words for the voice only (``{NOAA|Noah}``); None when the line is ``text`` itself.
    """

    text: str
    written: str | None = None
    line: str | None = None

    @property
    def shown(self) -> str:
        """What listeners read for this sentence."""
        return self.written if self.written is not None else self.text


ScriptItem = Sentence | Pause


@dataclass(frozen=True)
class Paragraph:
    items: tuple[ScriptItem, ...]


@dataclass(frozen=True)
class Section:
    """A run of paragraphs under an optional heading (``# Heading`` in the script file)."""

    title: str | None  # the heading line as the script holds it (never spoken: it names a chapter)
    paragraphs: tuple[Paragraph, ...]
    written_title: str | None = None  # the essay's heading, shown as the chapter title (None: ``title``)

    @property
    def shown_title(self) -> str | None:
        """The chapter title listeners read."""
        return self.written_title if self.written_title is not None else self.title


@dataclass(frozen=True)
class ScriptHeader:
    """The header of a script file.

    ``body_sha256`` is the hash of the body as audioessay wrote it: if the body on disk no
    longer matches, a person edited it. ``approved_sha256`` is the hash of the body that
    was approved; approval holds only while the body still has that hash.
    """

    source: str
    source_sha256: str
    title: str
    body_sha256: str
    status: Literal["draft", "approved"] = "draft"
    approved_sha256: str = ""
    settings: tuple[tuple[str, str], ...] = ()  # e.g. (("lexicon", "<hash>"), ("language", "en"))


@dataclass(frozen=True)
class Script:
    header: ScriptHeader
    sections: tuple[Section, ...]

    def sentences(self) -> list[str]:
        """Every sentence, in order."""
        return [line.text for line in self.lines()]

    def lines(self) -> list[Sentence]:
        """Every sentence line, in order, with its written form."""
        return [
            item
            for section in self.sections
            for paragraph in section.paragraphs
            for item in paragraph.items
            if isinstance(item, Sentence)
        ]


@dataclass(frozen=True)
class VoiceSettings:
    """What an engine needs to say a sentence; part of every take's cache key."""

    engine: str = "pyttsx3"
    voice: str = "en"
    rate: int = 175  # words per minute
    volume: float = 1.0
    model: str = ""  # piper or kokoro: path to the .onnx model
    voices: str = ""  # kokoro: path to the voices file (speaker vectors); empty: the engine's default


@dataclass(frozen=True)
class Episode:
    """A finished episode: its audio on disk and what the feed says about it."""

    slug: str
    title: str
    source: Path
    audio: Path  # relative to the workspace, e.g. output/her/her.mp3
    audio_bytes: int
    duration: float  # seconds, from the encoded file
    description: str
    links: tuple[Link, ...]
    guid: str
    pub_date: dt.datetime
    number: int
    explicit: bool | None = None
    author: str | None = None
    transcript_vtt: Path | None = None  # relative to the workspace, e.g. output/her/her.vtt
    transcript_srt: Path | None = None
    chapters: Path | None = None  # Podcast Index chapters JSON
    aac: Path | None = None  # the AAC copy (audio.aac), e.g. output/her/her.m4a
    aac_bitrate: int | None = None  # its encoding bitrate, bits per second
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


# The files one episode is made of, named as in its build.json, in upload order: the MP3 first,
# the QA report last (a store upload that stopped halfway never looks complete). Each name maps to
# the attribute of the mastering result (master.episode.MasterResult) that holds the file.
EPISODE_FILES: dict[str, str] = {
    "audio": "audio", "aac": "aac", "transcript": "transcript_vtt", "transcript_srt": "transcript_srt",
    "chapters": "chapters", "report": "report",
}
# The derived files beside the audio; build.json keeps their sizes as NAME_bytes.
SIDECARS: tuple[str, ...] = ("transcript", "transcript_srt", "chapters", "report")


def mastered_files(mastered: object) -> dict[str, Path]:
    """The files a mastering result names, by their build.json names, in upload order (an episode
    without an AAC copy has no "aac")."""
    files = {name: getattr(mastered, attribute, None) for name, attribute in EPISODE_FILES.items()}
    return {name: Path(path) for name, path in files.items() if path is not None}
