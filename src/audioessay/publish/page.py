"""The show's web page, ``feeds/index.html``: a static, accessible page with a player per episode.

Links to episode files are relative to ``feeds/`` (``../output/<slug>/...``), so the page works
wherever the workspace is served; only the subscribe link is absolute, because podcast apps
need a full URL. The page is rendered from the ``page.html`` template (see
:mod:`audioessay.templating`), which escapes every piece of text; this module only prepares
the values, as plain text.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from audioessay.errors import PublishError
from audioessay.fsutil import DerivedFile, write_if_changed
from audioessay.models import Episode
from audioessay.publish.feed import (
    FEED_RELPATH,
    NoteLink,
    base_with_slash,
    inputs_key,
    newest_first,
    note_links,
    paragraphs,
    published_memo,
    xml_text,
)
from audioessay.publish.public import TRANSCRIPT_SUFFIX, TRANSCRIPTS_FOLDER
from audioessay.templating import render_template
from audioessay.workspace import ShowConfig

PAGE_DIR = "feeds"
TRANSCRIPTS_DIR = "/".join(TRANSCRIPTS_FOLDER)  # feeds/transcripts: the readable transcript pages
PAGE_TEMPLATE = "page.html"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # not strftime("%B"): that follows the locale


@dataclass(frozen=True)
class FileLink:
    """A link to one of an episode's files, under its player."""

    href: str  # relative to feeds/
    label: str
    type: str | None = None  # the link's MIME type hint
    download: bool = False


@dataclass(frozen=True)
class EpisodeView:
    """One episode as the page shows it: plain text, escaped by the template."""

    slug: str
    title: str
    number: int
    datetime: str  # the <time datetime>, UTC
    date: str  # e.g. "1 May 2024"
    duration: str  # e.g. "2:05" or "1:02:05"
    author: str  # empty: none shown
    audio: str  # relative to feeds/
    paragraphs: list[str]  # of the show notes
    links: list[NoteLink]  # of the show notes
    files: list[FileLink]


def _relative(relpath: str | PurePosixPath | Path) -> str:
    """A workspace-relative path as a URL relative to ``feeds/``, each segment percent-encoded."""
    text = relpath.as_posix() if isinstance(relpath, (Path, PurePosixPath)) else str(relpath)
    return "/".join(quote(part, safe="") for part in posixpath.relpath(text, PAGE_DIR).split("/"))


def _duration(seconds: float) -> str:
    """As the page's audio player shows it: whole seconds, cut down (1:17.6 is 1:17, as browsers do)."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _text(value: str) -> str:
    return xml_text(value).strip()


def transcript_page_relpath(episode: Episode) -> str | None:
    """The workspace-relative path of the episode's readable transcript page, or None when it has
    no WebVTT transcript: ``feeds/transcripts/<the VTT's name>.html``, so that a remade episode's
    page (``her.2.vtt`` -> ``her.2.html``) never takes the name of an earlier version's."""
    if episode.transcript_vtt is None:
        return None
    return f"{TRANSCRIPTS_DIR}/{PurePosixPath(episode.transcript_vtt.as_posix()).stem}{TRANSCRIPT_SUFFIX}"


def _files(episode: Episode, audio: str) -> list[FileLink]:
    files = []
    if (readable := transcript_page_relpath(episode)) is not None:
        files.append(FileLink(_relative(readable), "Read the transcript"))
    if episode.transcript_vtt is not None:
        files.append(FileLink(_relative(episode.transcript_vtt), "Transcript (WebVTT)"))
    if episode.transcript_srt is not None:
        files.append(FileLink(_relative(episode.transcript_srt), "Transcript (SRT)"))
    if episode.chapters is not None:
        files.append(FileLink(_relative(episode.chapters), "Chapters (JSON)"))
    files.append(FileLink(audio, "Download audio", download=True))
    if episode.aac is not None:
        files.append(FileLink(_relative(episode.aac), "AAC (.m4a)", type="audio/mp4", download=True))
    return files


def _episode_view(episode: Episode, show: ShowConfig) -> EpisodeView:
    date = episode.pub_date.astimezone(dt.UTC)
    audio = _relative(episode.audio)
    return EpisodeView(
        slug=episode.slug,
        title=_text(episode.title),
        number=episode.number,
        datetime=date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        date=f"{date.day} {MONTHS[date.month - 1]} {date.year}",
        duration=_duration(episode.duration),
        author=_text(episode.author or show.author),
        audio=audio,
        paragraphs=paragraphs(episode.description),
        links=note_links(episode.links),
        files=_files(episode, audio),
    )


def render_page(show: ShowConfig, episodes: Sequence[Episode], base_url: str, cover_relpath: str) -> str:
    """The page's HTML; the same inputs always give the same text."""
    return render_template(
        PAGE_TEMPLATE,
        language=show.language,
        title=_text(show.title),
        author=_text(show.author),
        description=paragraphs(show.description),
        feed_url=base_with_slash(base_url) + FEED_RELPATH,
        cover=_relative(cover_relpath),
        episodes=[_episode_view(episode, show) for episode in newest_first(episodes)],
    )


def write_page(path: Path, show: ShowConfig, episodes: Sequence[Episode], base_url: str,
               cover_relpath: str, memo: Path | None = None) -> bool:
    """Write ``feeds/index.html`` atomically; False when the file was already identical.

    ``memo``: as for :func:`~audioessay.publish.feed.write_feed`, the page is not made again
    when its inputs and the file are what they were when it was last written."""
    derived = None
    if memo is not None:
        ordered = newest_first(episodes)
        key = inputs_key(show, ordered, base_url, cover_relpath)
        derived = DerivedFile(published_memo(memo), "page", Path(path), key)
        if derived.current():
            return False
    data = render_page(show, episodes, base_url, cover_relpath).encode("utf-8")
    try:
        wrote = write_if_changed(Path(path), data)
    except OSError as exc:
        raise PublishError(f"cannot write the web page: {exc}", path=path,
                           hint="check that the feeds/ folder is writable") from None
    if derived is not None:
        derived.record()
    return wrote
