"""Readable transcript pages, ``feeds/transcripts/<name>.html``: an episode's words as paragraphs.

Made from the episode's WebVTT cues (the timed captions): cues are joined into paragraphs, a new
one after a pause longer than :data:`PARAGRAPH_GAP` (the narration pauses longer between
paragraphs than between sentences) or where a chapter starts; the chapters (``chapters.json``)
are the page's headings. Each paragraph carries its start time (``data-start``, and a small link
``#t=MM:SS`` to itself), so a reader can find a moment and a link can point at it.

The pages live beside the show's page, in ``feeds/transcripts/`` (public, see
:mod:`audioessay.publish.public`), named after the VTT file (``her.2.vtt`` -> ``her.2.html``)
so that a remade episode's page never takes an earlier version's name; pages no episode names
any more are removed. Every link in them is relative, so a page is the same for every base URL
(``serve`` and ``publish`` need no copy of their own). Rendered from ``transcript.html`` with
the project's one Jinja2 environment (every value escaped), written atomically, and made again
only when its inputs changed (a memo in the workspace's private state).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from audioessay.errors import PublishError
from audioessay.fsutil import (
    DerivedFile,
    StateFile,
    atomic_write_bytes,
    code_version,
    file_version,
    settled,
    sha256_text,
)
from audioessay.models import Episode
from audioessay.publish.feed import PUBLISHED_DISTRIBUTIONS, PUBLISHED_MODULES, inputs_key, xml_text
from audioessay.publish.page import MONTHS, PAGE_DIR, _duration, _relative, transcript_page_relpath
from audioessay.publish.public import TRANSCRIPT_SUFFIX, TRANSCRIPTS_FOLDER
from audioessay.templating import render_template, templates_version
from audioessay.workspace import ShowConfig

TRANSCRIPT_TEMPLATE = "transcript.html"
TRANSCRIPTS_MEMO = "transcripts.json"  # in .audioessay/: the transcript pages last written
PARAGRAPH_GAP = 0.8  # seconds of silence between two cues that start a new paragraph
CHAPTER_SLACK = 0.05  # seconds: a chapter that starts this little after a cue starts at that cue
_TIMING = re.compile(r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
_TAG = re.compile(r"<[^>\n]*>")  # WebVTT cue tags (<v Speaker>, <i>, <c.x>, <00:01.000>)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Cue:
    """One caption: its start and end in seconds and its text, plain (tags removed, entities decoded)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Paragraph:
    """Cues read as one paragraph."""

    start: float
    text: str
    anchor: str = ""  # its id on the page, e.g. "t=01:23" (unique: "t=01:23-2" for a second one)

    @property
    def stamp(self) -> str:
        """The start as ``MM:SS`` (``H:MM:SS`` past an hour), whole seconds cut down."""
        return stamp(self.start)


def stamp(seconds: float) -> str:
    """``MM:SS`` (``H:MM:SS`` past an hour), whole seconds cut down."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@dataclass(frozen=True)
class Section:
    """The paragraphs of one chapter (``title`` None: before the first chapter, or no chapters)."""

    title: str | None
    paragraphs: list[Paragraph] = field(default_factory=list)


def _seconds(stamp: str) -> float:
    """``[HH:]MM:SS.mmm`` (or with a comma) in seconds."""
    total = 0.0
    for part in stamp.replace(",", ".").split(":"):
        total = total * 60 + float(part)
    return total


def _cue_text(lines: Sequence[str]) -> str:
    text = " ".join(html.unescape(_TAG.sub("", line)) for line in lines)
    return _SPACE.sub(" ", xml_text(text)).strip()


def parse_vtt(text: str) -> list[Cue]:
    """The cues of a WebVTT file, in time order; blocks that are not cues (NOTE, STYLE, a header)
    or that are malformed are left out, never an error."""
    cues = []
    for block in re.split(r"\n[ \t]*\n", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.split("\n")
        for index, line in enumerate(lines[:2]):  # the timing line, after an optional cue identifier
            if "-->" in line:
                match = _TIMING.match(line)
                words = _cue_text(lines[index + 1:]) if match else ""
                if match and words:
                    cues.append(Cue(_seconds(match[1]), _seconds(match[2]), words))
                break
    return sorted(cues, key=lambda cue: cue.start)


def read_chapters(path: Path | None) -> list[tuple[float, str]]:
    """The (start, title) of each chapter of a Podcast Index chapters file, in time order; none
    when there is no file or it is malformed (the feed check reports that)."""
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return []
    items = data.get("chapters") if isinstance(data, dict) else None
    chapters = []
    for item in items if isinstance(items, list) else []:
        start = item.get("startTime") if isinstance(item, dict) else None
        title = item.get("title") if isinstance(item, dict) else None
        if isinstance(start, (int, float)) and not isinstance(start, bool) and isinstance(title, str):
            if (clean := _SPACE.sub(" ", xml_text(title)).strip()):
                chapters.append((float(start), clean))
    return sorted(chapters, key=lambda chapter: chapter[0])


def group_paragraphs(cues: Sequence[Cue], chapters: Sequence[tuple[float, str]] = (),
                     gap: float = PARAGRAPH_GAP) -> list[Section]:
    """The cues as sections (one per chapter that has words) of paragraphs: a paragraph ends where
    the silence before the next cue is longer than ``gap`` seconds, or where a chapter starts."""
    sections: list[Section] = []
    upcoming = list(chapters)
    words: list[str] = []
    anchors: set[str] = set()
    start, last_end = 0.0, None

    def close() -> None:
        if words:
            if not sections:
                sections.append(Section(None))
            anchor, count = f"t={stamp(start)}", 1
            while anchor in anchors:  # two paragraphs that start within one second
                count += 1
                anchor = f"t={stamp(start)}-{count}"
            anchors.add(anchor)
            sections[-1].paragraphs.append(Paragraph(start, " ".join(words), anchor))
            words.clear()

    for cue in cues:
        title = None
        while upcoming and upcoming[0][0] <= cue.start + CHAPTER_SLACK:
            title = upcoming.pop(0)[1]  # of several chapters before this cue, the last one
        if title is not None or (last_end is not None and cue.start - last_end > gap):
            close()
        if title is not None:
            sections.append(Section(title))
        if not words:
            start = cue.start
        words.append(cue.text)
        last_end = cue.end if last_end is None else max(last_end, cue.end)
    close()
    return sections


@dataclass(frozen=True)
class TranscriptView:
    """What ``transcript.html`` shows, as plain text (the template escapes it)."""

    language: str
    show: str
    title: str
    number: int
    datetime: str
    date: str
    duration: str
    show_page: str  # links, relative to the transcript page
    audio: str
    captions: str
    sections: list[Section]


def _from_transcripts(relpath: str | Path) -> str:
    """A link from a page in feeds/transcripts/ to a workspace-relative path."""
    return "../" + _relative(relpath)


def transcript_view(show: ShowConfig, episode: Episode, sections: list[Section]) -> TranscriptView:
    utc = episode.pub_date.astimezone(dt.UTC)
    return TranscriptView(
        language=show.language,
        show=xml_text(show.title).strip(),
        title=xml_text(episode.title).strip(),
        number=episode.number,
        datetime=utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        date=f"{utc.day} {MONTHS[utc.month - 1]} {utc.year}",
        duration=_duration(episode.duration),
        show_page=_from_transcripts(f"{PAGE_DIR}/index.html") + "#" + episode.slug,
        audio=_from_transcripts(episode.audio),
        captions=_from_transcripts(episode.transcript_vtt or episode.audio),
        sections=sections,
    )


def render_transcript_page(show: ShowConfig, episode: Episode, vtt_text: str,
                           chapters: Sequence[tuple[float, str]] = ()) -> str:
    """The transcript page's HTML; the same inputs always give the same text."""
    sections = group_paragraphs(parse_vtt(vtt_text), chapters)
    return render_template(TRANSCRIPT_TEMPLATE, page=transcript_view(show, episode, sections))


def _memo(path: Path) -> StateFile:
    version = code_version((*PUBLISHED_MODULES, __name__), PUBLISHED_DISTRIBUTIONS)
    return StateFile(path, sha256_text(f"{version}\0templates={templates_version()}"))


def _write_one(root: Path, show: ShowConfig, episode: Episode, relpath: str, state: StateFile | None) -> bool:
    vtt = root / episode.transcript_vtt if episode.transcript_vtt is not None else None
    chapters = root / episode.chapters if episode.chapters is not None else None
    versions = [file_version(vtt) if vtt else None, file_version(chapters) if chapters else None]
    key = inputs_key(show, episode, versions)
    derived = DerivedFile(state, relpath, root / relpath, key) if state is not None else None
    if derived is not None and derived.current():
        return False
    try:
        text = vtt.read_text(encoding="utf-8-sig", errors="replace") if vtt else ""
    except OSError as exc:
        raise PublishError(f"cannot read the transcript of episode '{episode.title}': {exc}",
                           path=episode.transcript_vtt, hint="render the episode again with 'audioessay render'") from None
    if vtt and not text.startswith("WEBVTT") and (root / relpath).is_file():
        return False  # damaged (the feed check says so, and render remakes it): the last page stays
    data = render_transcript_page(show, episode, text, read_chapters(chapters)).encode("utf-8")
    try:
        wrote = _write_if_changed(root / relpath, data)
    except OSError as exc:
        raise PublishError(f"cannot write a transcript page: {exc}", path=root / relpath,
                           hint="check that the feeds/ folder is writable") from None
    if derived is not None and all(settled(v) for v in versions if v is not None):
        derived.record()  # a file changed within the last moments may change again unseen: not kept
    return wrote


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``path`` holds it already. Not flushed to the disk (a derived
    file, like the transcripts it is made from): a page left short by a power cut is no longer the
    version the memo remembers, nor the bytes it should hold, so the next render writes it again."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data, durable=False)
    return True


def _remove_others(folder: Path, keep: set[str]) -> None:
    """Delete the transcript pages no episode names any more (an earlier version, a dropped episode)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.endswith(TRANSCRIPT_SUFFIX) and not name.startswith(".") and name not in keep \
                and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise PublishError(f"cannot remove an old transcript page: {exc}", path=entry.path,
                                   hint="check that the feeds/ folder is writable") from None


def write_transcript_pages(root: Path, show: ShowConfig, episodes: Sequence[Episode],
                           memo: Path | None = None) -> list[str]:
    """Write the readable transcript page of every episode that has a WebVTT transcript into
    ``root/feeds/transcripts/`` (atomically, only when changed) and remove the pages of no
    episode; returns the workspace-relative paths written. ``memo``: a file in the workspace's
    private state that remembers the pages' inputs, so that unchanged pages are not made again."""
    root = Path(root)
    state = _memo(memo) if memo is not None else None
    batch = _batch_key(root, show, episodes)
    if state is not None and batch is not None and state.get(_BATCH) == batch:
        return []  # nothing any page is made from changed, and every page is there (a no-op render)
    written, keep = [], set()
    for episode in episodes:
        relpath = transcript_page_relpath(episode)
        if relpath is None:
            continue
        keep.add(relpath)
        if _write_one(root, show, episode, relpath, state):
            written.append(relpath)
    _remove_others(root.joinpath(*TRANSCRIPTS_FOLDER), {Path(p).name for p in keep})
    if state is not None:
        state.keep_only(keep | {_BATCH})
        if batch is not None:
            state.put(_BATCH, batch)
        state.save()
    return written


_BATCH = "*"  # the memo's entry for all the pages at once


def _batch_key(root: Path, show: ShowConfig, episodes: Sequence[Episode]) -> str | None:
    """One hash of everything every page is made from (the episodes, the show, the transcript and
    chapters files by version) and of the pages being there: one comparison instead of a key per
    page when nothing changed. None when a file changed so recently that it may change again unseen."""
    parts: list[str] = [repr(show)]
    for episode in episodes:
        relpath = transcript_page_relpath(episode)
        if relpath is None:
            continue
        files = [root / p for p in (episode.transcript_vtt, episode.chapters) if p is not None]
        versions = [file_version(path) for path in files]
        if not all(settled(v) for v in versions if v is not None):
            return None
        parts += [repr(episode), repr(versions), relpath, str((root / relpath).is_file())]
    return sha256_text("\0".join(parts))
