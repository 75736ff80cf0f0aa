"""The podcast feed, ``feeds/feed.xml``: RSS 2.0 with Apple's iTunes tags and the Podcast Index namespace.

The same show and episodes always give the same bytes (``lastBuildDate`` is the newest pubDate,
not the time of the build), so an unchanged feed is never rewritten and never looks new.

Text: characters XML cannot carry well (control characters other than tab, newline and
carriage return, including DEL and the C1 range; U+FFFE, U+FFFF; lone surrogates) are removed
from every text field, consistently.
Titles are plain text. Descriptions are written as escaped HTML show notes (``<p>`` per
paragraph, then a list of the essay's sources), because podcast apps take plain text containing
``<word>`` for HTML and lose the word.
"""

from __future__ import annotations

import email.utils
import functools
import html
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from feedgen.feed import FeedGenerator
from lxml import etree

from audioessay.errors import PublishError
from audioessay.fsutil import (
    DerivedFile,
    StateFile,
    as_plain,
    code_version,
    file_version,
    settled,
    sha256_text,
    write_if_changed,
)
from audioessay.models import Episode, Link
from audioessay.publish import podcast_ext
from audioessay.publish.podcast_ext import ITUNES_NS, PODCAST_NS, podcast_guid
from audioessay.publish.public import is_public, public_stat
from audioessay.templating import templates_version
from audioessay.workspace import APPLE_CATEGORIES, ShowConfig

FEED_RELPATH = "feeds/feed.xml"
# The show's web page: the channel's <link> when show.link is not set. The workspace root has no
# page of its own, so on a static host a link to base_url itself would be a 404.
PAGE_RELPATH = "feeds/index.html"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MAX_SHOW_DESCRIPTION_BYTES = 4000  # Apple's limit for the channel <description>
MAX_EPISODE_DESCRIPTION_CHARS = 10000  # Apple's limit for an episode's <description>
AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/x-m4a"}
# podcast:alternateEnclosure types: the registered MIME types (Apple's audio/x-m4a is for <enclosure>)
ALTERNATE_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4"}
AAC_TITLE = "AAC"  # the title of the AAC copy's podcast:alternateEnclosure
LINK_SCHEMES = ("http", "https", "mailto")  # other schemes (javascript:) are shown, never linked

# C0 controls but tab, newline and CR (illegal in XML 1.0), DEL and C1 controls (legal but discouraged;
# feed readers such as feedparser turn them into Windows-1252 letters), non-characters, surrogates.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


def xml_text(text: str) -> str:
    """``text`` without control characters, non-characters and surrogates (the one cleaning rule)."""
    return _XML_ILLEGAL.sub("", text)


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a plain-text description: split at blank lines, stripped, none empty."""
    normalized = xml_text(text).replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip() for part in _BLANK_LINE.split(normalized) if part.strip()]


def base_with_slash(base_url: str) -> str:
    """``base_url`` ending in exactly one slash; PublishError unless it is an http(s) URL."""
    base = base_url.strip()
    if not re.match(r"^https?://[^/\s]+", base) or any(c.isspace() for c in base):
        raise PublishError(f"base URL {base_url!r} is not an http(s) URL",
                           hint="set show.base_url in audioessay.toml, e.g. https://example.com/podcast/")
    return base.rstrip("/") + "/"


def public_url(base_url: str, relpath: str | PurePosixPath | Path) -> str:
    """The URL of a workspace file: base URL plus the relative path, each segment percent-encoded."""
    text = relpath.as_posix() if isinstance(relpath, (Path, PurePosixPath)) else str(relpath)
    parts = text.split("/")
    if not text or text.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise PublishError(f"{text!r} is not a workspace-relative path", hint="this is a bug in audioessay")
    return base_with_slash(base_url) + "/".join(quote(p, safe="") for p in parts)


@dataclass(frozen=True)
class NoteLink:
    """A source link of the show notes, as plain text: ``label`` (the URL when the link has no
    text) and ``url``; ``linked`` when its scheme may be a link (:data:`LINK_SCHEMES`), else the
    URL is only shown."""

    label: str
    url: str
    linked: bool


def note_links(links: Iterable[Link]) -> list[NoteLink]:
    """The show notes' entries, cleaned (:func:`xml_text`, stripped): a source without a URL (a book
    in a Sources list) is shown as its text; an entry with neither is left out."""
    result = []
    for link in links:
        url, text = xml_text(link.url).strip(), xml_text(link.text).strip()
        if url or text:
            result.append(NoteLink(text or url, url, bool(url) and urlsplit(url).scheme.lower() in LINK_SCHEMES))
    return result


def _link_html(link: NoteLink) -> str:
    label = html.escape(link.label)
    if link.linked:
        return f'<a href="{html.escape(link.url)}">{label}</a>'
    return label if not link.url or link.label == link.url else f"{label} ({html.escape(link.url)})"


def show_notes_html(description: str, links: Iterable[Link] = ()) -> str:
    """Show notes as HTML: a ``<p>`` per paragraph, then a ``<ul>`` of source links. All text escaped.

    (The feed's episode descriptions; the web page renders the same notes from its template.)"""
    parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs(description)]
    items = [f"<li>{_link_html(link)}</li>" for link in note_links(links)]
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return "\n".join(parts)


def _real(root: Path | str) -> Path:
    """The workspace root resolved, once per feed (every episode file is checked against it)."""
    return Path(os.path.realpath(root))


def _file(root: Path, relpath: Path, what: str, episode: Episode) -> Path:
    """The file on disk for an episode's public file (``root`` resolved); PublishError when missing
    or not public."""
    path = Path(root) / relpath
    if not path.is_file():
        raise PublishError(f"the {what} of episode '{episode.title}' is missing", path=relpath,
                           hint="render the episode again with 'audioessay render'")
    if not is_public(root, relpath.as_posix(), root_is_real=True):
        raise PublishError(f"the {what} of episode '{episode.title}' is not a public file", path=relpath,
                           hint="episode files must be in output/<slug>/ "
                                "(.mp3, .m4a, .vtt, .srt, chapters.json)")
    return path


def _check_inputs(show: ShowConfig, episodes: Sequence[Episode], cover_relpath: str) -> None:
    if show.category not in APPLE_CATEGORIES:
        raise PublishError(f"show.category {show.category!r} is not an Apple Podcasts category",
                           hint="use one of: " + ", ".join(APPLE_CATEGORIES))
    if not xml_text(show.title).strip():
        raise PublishError("show.title is empty", hint="set show.title in audioessay.toml")
    if "@" not in show.owner_email:
        raise PublishError(f"show.owner_email {show.owner_email!r} is not an email address",
                           hint="set show.owner_email in audioessay.toml")
    size = len(show_notes_html(show.description).encode("utf-8"))
    if size > MAX_SHOW_DESCRIPTION_BYTES:
        raise PublishError(f"show.description is {size} bytes as HTML; "
                           f"Apple allows {MAX_SHOW_DESCRIPTION_BYTES}",
                           hint="shorten show.description in audioessay.toml")
    if not show.description.strip():
        raise PublishError("show.description is empty", hint="set show.description in audioessay.toml")
    if PurePosixPath(cover_relpath).suffix not in (".jpg", ".png"):
        raise PublishError(f"the cover art {cover_relpath!r} must end in .jpg or .png",
                           hint="podcast apps ignore artwork URLs with other endings; rename the file")
    for key in ("guid", "number", "audio"):
        counts = Counter(getattr(e, key) for e in episodes)
        for episode in episodes:
            if counts[getattr(episode, key)] > 1:
                raise PublishError(f"two episodes share the {key} {getattr(episode, key)!s}",
                                   hint="each episode needs its own; check episodes.json and front matter")
    for episode in episodes:
        if not xml_text(episode.title).strip():
            raise PublishError(f"episode {episode.number} ({episode.slug}) has an empty title",
                               path=episode.source, hint="give the essay a title")
        if episode.audio.suffix not in AUDIO_TYPES:
            raise PublishError(f"episode audio must be .mp3 or .m4a, not {episode.audio.suffix!r}",
                               path=episode.audio, hint="encode the episode as MP3 or AAC (.m4a)")
        if episode.aac is not None and episode.aac.suffix != ".m4a":
            raise PublishError(f"an episode's AAC copy must be a .m4a file, not {episode.aac.suffix!r}",
                               path=episode.aac, hint="this is a bug in audioessay")
        if episode.pub_date.tzinfo is None:
            raise PublishError(f"episode '{episode.title}' has a publication date without a time zone",
                               hint="this is a bug in audioessay")


def newest_first(episodes: Sequence[Episode]) -> list[Episode]:
    """Feed and page order: the newest publication date first, then the highest number."""
    return sorted(episodes, key=lambda e: (e.pub_date, e.number), reverse=True)


def build_feed(show: ShowConfig, episodes: Sequence[Episode], base_url: str, cover_relpath: str,
               root: Path) -> bytes:
    """The RSS feed as UTF-8 bytes; the same inputs always give the same bytes.

    ``cover_relpath`` and the episodes' file paths are relative to ``root``, where the files
    must exist (enclosure lengths are the sizes on disk). With no episodes the feed is valid but
    empty (no items, no lastBuildDate): Apple lists a show only once it has an episode, which
    :func:`check_feed` reports. Raises :class:`PublishError` for a value that would make a
    broken or rejected feed.
    """
    root = _real(root)
    base = base_with_slash(base_url)
    _check_inputs(show, episodes, cover_relpath)
    return _build_checked(show, newest_first(episodes), base, cover_relpath, root)


def _build_checked(show: ShowConfig, ordered: list[Episode], base: str, cover_relpath: str,
                   root: Path) -> bytes:
    try:
        return _build(show, ordered, base, cover_relpath, root)
    except ValueError as exc:  # a value feedgen or the podcastindex extension refused
        raise PublishError(f"cannot write the feed: {exc}",
                           hint="fix the value in audioessay.toml or in the essay's front matter") from None


def _build(show: ShowConfig, ordered: list[Episode], base: str, cover_relpath: str, root: Path) -> bytes:
    feed_url = base + FEED_RELPATH
    cover_url = public_url(base, cover_relpath)
    fg = FeedGenerator()
    fg.load_extension("podcast")
    podcast_ext.register(fg)
    fg.title(xml_text(show.title).strip())
    fg.link(href=feed_url, rel="self", type="application/rss+xml")  # first: RSS <link> takes the last
    fg.link(href=xml_text(show.link).strip() or base + PAGE_RELPATH, rel="alternate")
    fg.description(show_notes_html(show.description))
    fg.language(show.language)
    fg.generator("audioessay")
    fg.image(url=cover_url, title=xml_text(show.title).strip(), link=xml_text(show.link).strip() or base + PAGE_RELPATH)
    if show.copyright.strip():
        fg.copyright(xml_text(show.copyright).strip())
    if ordered:
        fg.lastBuildDate(ordered[0].pub_date)  # deterministic: the newest episode, never "now"
    author = xml_text(show.author).strip() or "Anonymous"
    fg.podcast.itunes_author(author)
    fg.podcast.itunes_owner(name=xml_text(show.owner_name).strip() or author, email=show.owner_email)
    fg.podcast.itunes_image(cover_url)
    fg.podcast.itunes_category(show.category)
    fg.podcast.itunes_type("episodic")
    fg.apple.explicit(bool(show.explicit))
    fg.podcastindex.guid(podcast_guid(feed_url))
    fg.podcastindex.locked(bool(show.locked), show.owner_email)
    fg.podcastindex.person(author)

    for episode in ordered:
        _add_entry(fg, show, episode, base, root)
    data: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    if not ordered:
        # feedgen always writes a lastBuildDate (the current time when none is set); a feed with no
        # episodes has no date to give, and must stay byte-identical, so drop the element.
        rss = etree.fromstring(data)
        for element in rss.findall("channel/lastBuildDate"):
            previous = element.getprevious()
            if previous is not None:
                previous.tail = element.tail
            element.getparent().remove(element)
        data = etree.tostring(rss, encoding="UTF-8", xml_declaration=True)
    return data


def _add_entry(fg: FeedGenerator, show: ShowConfig, episode: Episode, base: str, root: Path) -> None:
    audio = _file(root, episode.audio, "audio", episode)
    notes = show_notes_html(episode.description, episode.links)
    author = xml_text(episode.author or show.author).strip() or "Anonymous"
    entry = fg.add_entry(order="append")
    entry.title(xml_text(episode.title).strip())
    entry.guid(episode.guid, permalink=False)
    entry.link(href=base + "feeds/index.html#" + quote(episode.slug, safe=""), rel="alternate")
    entry.pubDate(episode.pub_date)
    entry.enclosure(public_url(base, episode.audio), str(audio.stat().st_size),
                    AUDIO_TYPES[episode.audio.suffix])
    if notes:
        entry.description(notes)
        entry.content(notes, type="html")
    entry.podcast.itunes_duration(str(max(0, round(episode.duration))))
    entry.podcast.itunes_episode(episode.number)
    entry.podcast.itunes_episode_type("full")
    entry.podcast.itunes_author(author)
    entry.apple.explicit(bool(show.explicit if episode.explicit is None else episode.explicit))
    # The readable page, then SRT, then VTT: parsers that keep one transcript per item
    # (feedparser) keep the last, and WebVTT is the type the Podcast Index recommends.
    readable = _readable_transcript(root, episode)
    if readable is not None:
        entry.podcastindex.transcript(public_url(base, readable), "text/html", language=show.language)
    if episode.transcript_srt is not None:
        _file(root, episode.transcript_srt, "SRT transcript", episode)
        entry.podcastindex.transcript(public_url(base, episode.transcript_srt), "application/srt",
                                      language=show.language, rel="captions")
    if episode.transcript_vtt is not None:
        _file(root, episode.transcript_vtt, "VTT transcript", episode)
        entry.podcastindex.transcript(public_url(base, episode.transcript_vtt), "text/vtt",
                                      language=show.language, rel="captions")
    if episode.chapters is not None:
        _file(root, episode.chapters, "chapters file", episode)
        entry.podcastindex.chapters(public_url(base, episode.chapters))
    if episode.aac is not None:  # the <enclosure> stays the MP3, which every app plays
        aac = _file(root, episode.aac, "AAC copy", episode)
        entry.podcastindex.alternate_enclosure(
            ALTERNATE_TYPES[episode.aac.suffix], aac.stat().st_size, [public_url(base, episode.aac)],
            bitrate=episode.aac_bitrate, title=AAC_TITLE)
    entry.podcastindex.person(author)


def _readable_transcript(root: Path, episode: Episode) -> str | None:
    """The episode's readable transcript page (publish/transcript_page.py), when it is there."""
    from audioessay.publish.page import transcript_page_relpath

    relpath = transcript_page_relpath(episode)
    return relpath if relpath and public_stat(root, relpath, root_is_real=True) is not None else None


PUBLISHED_MODULES = ("audioessay.publish.feed", "audioessay.publish.podcast_ext", "audioessay.publish.page",
                     "audioessay.publish.transcript_page", "audioessay.templating")
PUBLISHED_DISTRIBUTIONS = ("feedgen", "lxml", "Jinja2", "MarkupSafe")


def published_memo(memo: Path) -> StateFile:
    """The memo of the feed and page last written (``.audioessay/published.json``), for
    :class:`~audioessay.fsutil.DerivedFile`; valid for this code, these templates and these
    feedgen, lxml, Jinja2 and MarkupSafe."""
    version = code_version(PUBLISHED_MODULES, PUBLISHED_DISTRIBUTIONS)
    return StateFile(memo, sha256_text(f"{version}\0templates={templates_version()}"))


def inputs_key(*inputs: Any) -> str:
    """A hash of dataclasses (every field, so that a new one counts), lists of them and plain values."""
    return sha256_text(json.dumps(as_plain(list(inputs)), sort_keys=True, default=str, ensure_ascii=True))


def _feed_key(show: ShowConfig, ordered: list[Episode], base: str, cover_relpath: str,
              root: Path) -> str | None:
    """A hash of everything the feed is made from, the enclosure lengths on disk included. None
    when an episode file is missing or not public (what :func:`_file` refuses): building the feed
    then reports it in its own words."""
    sizes: list[int | None] = []
    for episode in ordered:
        audio = public_stat(root, episode.audio.as_posix(), root_is_real=True)
        if audio is None:
            return None
        sizes.append(audio.st_size)
        for relpath in (episode.transcript_srt, episode.transcript_vtt, episode.chapters):
            if relpath is not None and public_stat(root, relpath.as_posix(), root_is_real=True) is None:
                return None
        sizes.append(1 if _readable_transcript(root, episode) else 0)  # the feed names it only when it is there
        if episode.aac is not None:  # its length is in the feed too
            aac = public_stat(root, episode.aac.as_posix(), root_is_real=True)
            if aac is None:
                return None
            sizes.append(aac.st_size)
        else:
            sizes.append(None)
    return inputs_key(show, ordered, base, cover_relpath, sizes)


def write_feed(path: Path, show: ShowConfig, episodes: Sequence[Episode], base_url: str,
               cover_relpath: str, root: Path, memo: Path | None = None) -> bool:
    """Build the feed and write it atomically to ``path``; False when the file was already identical.

    ``memo`` (a file in the workspace's private state): when the feed's inputs, the enclosure
    lengths on disk included, and the feed file itself are what they were when it was last
    written, it is not built again (a no-op render of a large show would spend most of its time
    here). The episode files are still checked to exist and be public.
    """
    root = _real(root)
    base = base_with_slash(base_url)
    _check_inputs(show, episodes, cover_relpath)
    ordered = newest_first(episodes)
    derived = None
    if memo is not None and (key := _feed_key(show, ordered, base, cover_relpath, root)) is not None:
        derived = DerivedFile(published_memo(memo), "feed", Path(path), key)
        if derived.current():
            return False
    data = _build_checked(show, ordered, base, cover_relpath, root)
    try:
        wrote = write_if_changed(Path(path), data)
    except OSError as exc:
        raise PublishError(f"cannot write the feed: {exc}", path=path,
                           hint="check that the feeds/ folder is writable") from None
    if derived is not None:
        derived.record()
    return wrote


# --- checking a written feed ---------------------------------------------------------------------

_NS = {"atom": ATOM_NS, "itunes": ITUNES_NS, "podcast": PODCAST_NS, "content": CONTENT_NS}


def _local(root: Path, base: str | None, url: str) -> tuple[str | None, str]:
    """The workspace-relative path behind a feed URL, or None and why not."""
    if base is None:
        return None, ("cannot map URLs to files: the atom:link rel=self is missing "
                      "or does not end in feeds/feed.xml")
    if not url.startswith(base):
        return None, f"URL {url} is not under the feed's base URL {base}"
    relpath = "/".join(unquote(part) for part in url[len(base):].split("/"))
    if not is_public(root, relpath, root_is_real=True):
        return None, f"URL {url} does not name a public file ({relpath} is missing or private)"
    return relpath, ""


def _check_chapters(path: Path) -> str:
    """Why a Podcast Index chapters file is malformed, or an empty string."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"is not valid JSON ({exc})"
    if not isinstance(data, dict) or data.get("version") != "1.2.0":
        return 'must be an object with "version": "1.2.0"'
    chapters = data.get("chapters")
    if not isinstance(chapters, list) or not chapters:
        return 'must have a non-empty "chapters" list'
    for index, chapter in enumerate(chapters):
        start = chapter.get("startTime") if isinstance(chapter, dict) else None
        if isinstance(start, bool) or not isinstance(start, (int, float)) or start < 0:
            return f'chapter {index + 1} needs a "startTime" in seconds'
    return ""


def _check_transcript(path: Path, kind: str) -> str:
    """Why a VTT or SRT transcript is malformed, or an empty string."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot be read as UTF-8 ({exc})"
    if kind == "text/vtt" and not text.startswith("WEBVTT"):
        return "does not start with WEBVTT"
    if kind in ("application/srt", "application/x-subrip") and not re.search(
            r"^\d+\s*\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", text, re.MULTILINE):
        return "has no SRT cue (a number, then '00:00:00,000 --> 00:00:01,000')"
    return ""


def _audio_seconds(path: Path) -> float | None:
    try:
        import mutagen  # optional at check time: without it, durations are not compared
    except ImportError:
        return None
    try:
        audio = mutagen.File(path)
    except Exception:  # noqa: BLE001 (mutagen raises many kinds of error for damaged files)
        return None
    return float(audio.info.length) if audio is not None and audio.info else None


class _FileChecks:
    """The results of checking episode files (durations, transcripts, chapters), by file version.

    With a ``memo`` file, a file whose size, mtime, ctime and inode are those it had when it was
    last checked (by this code, with this mutagen) is not read again: a no-op render of a large
    show would otherwise parse every MP3's tags. Any change to a file, even one that keeps its
    size and mtime, gives it another ctime, so it is checked again; files changed in the last
    seconds are not remembered (:func:`~audioessay.fsutil.settled`). Without a memo every file
    is read.
    """

    def __init__(self, memo: Path | None) -> None:
        self._memo = StateFile(memo, code_version((__name__,), ("mutagen",))) if memo else None
        self._seen: set[str] = set()

    def result(self, root: Path, relpath: str, what: str, check: Callable[[Path], Any]) -> Any:
        """``check(root / relpath)``, or what it gave for this version of the file."""
        full = os.path.join(root, relpath)
        if self._memo is None:
            return check(Path(full))
        key = f"{what} {relpath}"
        self._seen.add(key)
        version = file_version(full)
        entry = self._memo.get(key)
        if version is not None and isinstance(entry, dict) and entry.get("version") == version:
            return entry.get("result")
        result = check(Path(full))
        if settled(version) and file_version(full) == version:  # and not changed while being read
            self._memo.put(key, {"version": version, "result": result})
        return result

    def save(self) -> None:
        if self._memo is not None:
            self._memo.keep_only(self._seen)
            self._memo.save()


def _check_channel(channel: etree._Element, root: Path, base: str | None) -> list[str]:
    problems = []
    for tag in ("title", "link", "description", "language", "itunes:author", "itunes:type"):
        element = channel.find(tag, _NS)
        if element is None or not (element.text or "").strip():
            problems.append(f"channel: <{tag}> is missing or empty")
    description = channel.findtext("description") or ""
    if len(description.encode("utf-8")) > MAX_SHOW_DESCRIPTION_BYTES:
        problems.append(f"channel: <description> is over {MAX_SHOW_DESCRIPTION_BYTES} bytes")
    if not channel.findtext("itunes:owner/itunes:email", namespaces=_NS):
        problems.append("channel: <itunes:owner> needs an <itunes:email>")
    categories = channel.findall("itunes:category", _NS)
    if len(categories) != 1 or categories[0].get("text") not in APPLE_CATEGORIES:
        problems.append("channel: needs exactly one <itunes:category> from Apple's list")
    if channel.findtext("itunes:explicit", namespaces=_NS) not in ("true", "false"):
        problems.append("channel: <itunes:explicit> must be true or false")
    self_link = channel.find("atom:link[@rel='self']", _NS)
    if self_link is None:
        problems.append("channel: <atom:link rel='self'> is missing")
    elif channel.findtext("podcast:guid", namespaces=_NS) != podcast_guid(self_link.get("href", "")):
        problems.append("channel: <podcast:guid> does not match the feed URL")
    image = channel.find("itunes:image", _NS)
    href = image.get("href", "") if image is not None else ""
    if not href.endswith((".jpg", ".png")):
        problems.append("channel: <itunes:image href> is missing or does not end in .jpg or .png")
    else:
        relpath, why = _local(root, base, href)
        if relpath is None:
            problems.append(f"channel: cover art: {why}")
        else:
            from audioessay.publish.cover import check_cover

            try:
                check_cover(root / relpath)
            except PublishError as exc:
                problems.append(f"channel: cover art: {exc}")
    return problems


def _check_item(item: etree._Element, root: Path, base: str | None, files: _FileChecks) -> list[str]:
    label = f"item '{item.findtext('title') or '?'}'"
    duration_text = (item.findtext("itunes:duration", namespaces=_NS) or "").strip()
    problems = _check_item_tags(label, item, duration_text)
    enclosure = item.find("enclosure")
    if enclosure is None or not all(enclosure.get(a) for a in ("url", "length", "type")):
        problems.append(f"{label}: <enclosure> with url, length and type is missing")
    else:
        problems += _check_enclosure(label, enclosure, duration_text, root, base, files)
    problems += _check_sidecars(label, item, root, base, files)
    for alternate in item.findall("podcast:alternateEnclosure", _NS):
        problems += _check_alternate(label, alternate, duration_text, root, base, files)
    description = item.findtext("description") or ""
    if len(description) > MAX_EPISODE_DESCRIPTION_CHARS:
        problems.append(f"{label}: <description> is over {MAX_EPISODE_DESCRIPTION_CHARS} characters")
    return problems


def _check_item_tags(label: str, item: etree._Element, duration_text: str) -> list[str]:
    """An item's own tags: the required ones are there, and explicit, pubDate and duration are well formed."""
    problems = []
    for tag in ("title", "guid", "pubDate", "itunes:duration", "itunes:episode", "itunes:explicit"):
        if not (item.findtext(tag, namespaces=_NS) or "").strip():
            problems.append(f"{label}: <{tag}> is missing or empty")
    if item.findtext("itunes:explicit", namespaces=_NS) not in (None, "true", "false"):
        problems.append(f"{label}: <itunes:explicit> must be true or false")
    pub_date = item.findtext("pubDate")
    if pub_date:
        try:
            email.utils.parsedate_to_datetime(pub_date)
        except (TypeError, ValueError):
            problems.append(f"{label}: <pubDate> {pub_date!r} is not an RFC 2822 date")
    if duration_text and not duration_text.isdigit():
        problems.append(f"{label}: <itunes:duration> must be whole seconds, not {duration_text!r}")
    return problems


def _check_sidecars(label: str, item: etree._Element, root: Path, base: str | None,
                    files: _FileChecks) -> list[str]:
    """An item's transcripts and chapters: public files, and what their type says they are."""
    problems = []
    for transcript in item.findall("podcast:transcript", _NS):
        relpath, why = _local(root, base, transcript.get("url", ""))
        kind = transcript.get("type", "")
        if relpath is None:
            problems.append(f"{label}: transcript: {why}")
        elif bad := files.result(root, relpath, f"transcript:{kind}",
                                 functools.partial(_check_transcript, kind=kind)):
            problems.append(f"{label}: transcript {relpath} {bad}")
    for chapters in item.findall("podcast:chapters", _NS):
        relpath, why = _local(root, base, chapters.get("url", ""))
        if relpath is None:
            problems.append(f"{label}: chapters: {why}")
        elif bad := files.result(root, relpath, "chapters", _check_chapters):
            problems.append(f"{label}: chapters file {relpath} {bad}")
    return problems


def _check_media(label: str, what: str, relpath: str, length: str, kind: str | None,
                 types: dict[str, str], duration_text: str, root: Path, files: _FileChecks) -> list[str]:
    """One local audio file a feed item points to: its length, type and duration."""
    problems = []
    size = os.stat(os.path.join(root, relpath)).st_size
    if length != str(size):
        problems.append(f"{label}: {what} length {length} but {relpath} has {size} bytes: write the feed again")
    expected_type = types.get(PurePosixPath(relpath).suffix)
    if kind != expected_type:
        problems.append(f"{label}: {what} type {kind!r} should be {expected_type!r}")
    seconds = files.result(root, relpath, "duration", _audio_seconds)
    if seconds is None:
        problems.append(f"{label}: cannot read the duration of {relpath}")
    elif duration_text.isdigit() and abs(int(duration_text) - seconds) > 2:
        problems.append(f"{label}: <itunes:duration> {duration_text} s but {relpath} lasts {seconds:.0f} s")
    return problems


def _check_enclosure(label: str, enclosure: etree._Element, duration_text: str, root: Path,
                     base: str | None, files: _FileChecks) -> list[str]:
    relpath, why = _local(root, base, enclosure.get("url", ""))
    if relpath is None:
        return [f"{label}: enclosure: {why}"]
    return _check_media(label, "enclosure", relpath, enclosure.get("length", ""), enclosure.get("type"),
                        AUDIO_TYPES, duration_text, root, files)


def _check_alternate(label: str, alternate: etree._Element, duration_text: str, root: Path,
                     base: str | None, files: _FileChecks) -> list[str]:
    """A ``podcast:alternateEnclosure``: its type and length are there, and each of its sources
    is a public file of that length, type and duration."""
    what = f"alternate enclosure {alternate.get('title') or alternate.get('type') or '?'}"
    length, kind = alternate.get("length", ""), alternate.get("type", "")
    if not kind or not length.isdigit():
        return [f"{label}: {what} needs a type and a length in bytes"]
    sources = alternate.findall("podcast:source", _NS)
    if not sources:
        return [f"{label}: {what} has no <podcast:source>"]
    problems = []
    for source in sources:
        relpath, why = _local(root, base, source.get("uri", ""))
        if relpath is None:
            problems.append(f"{label}: {what}: {why}")
        else:
            problems += _check_media(label, what, relpath, length, kind, ALTERNATE_TYPES, duration_text, root, files)
    return problems


def check_feed(root: Path, feed_path: Path, memo: Path | None = None) -> list[str]:
    """Problems with a written feed and the files it points to; an empty list means none.

    Checks Apple's required tags, the artwork, each enclosure's (and alternate enclosure's)
    length, type and duration against the file on disk, duplicate guids and URLs, and the
    transcript and chapters files.
    ``memo``: a file in the workspace's private state where the results of reading episode
    files are kept by file version, so that unchanged files are not read again (see
    :class:`_FileChecks`); every finding is still reported on every check.
    """
    root, feed_path = _real(root), Path(feed_path)
    try:
        tree = etree.parse(str(feed_path), etree.XMLParser(resolve_entities=False, no_network=True))
    except OSError as exc:
        return [f"{feed_path}: cannot be read ({exc})"]
    except etree.XMLSyntaxError as exc:
        return [f"{feed_path}: is not well-formed XML ({exc})"]
    channel = tree.getroot().find("channel")
    if tree.getroot().tag != "rss" or channel is None:
        return [f"{feed_path}: is not an RSS 2.0 feed (no <rss><channel>)"]
    self_link = channel.find("atom:link[@rel='self']", _NS)
    href = self_link.get("href", "") if self_link is not None else ""
    base = href[: -len(FEED_RELPATH)] if href.endswith("/" + FEED_RELPATH) else None
    problems = _check_channel(channel, root, base)
    items = channel.findall("item")
    if not items:
        problems.append("channel: has no <item>: Apple needs at least one episode")
    files = _FileChecks(memo)
    for item in items:
        problems += _check_item(item, root, base, files)
    files.save()
    for what, values in (
        ("guid", [i.findtext("guid") for i in items]),
        ("enclosure URL", [e.get("url") for i in items if (e := i.find("enclosure")) is not None]),
        ("episode number", [i.findtext("itunes:episode", namespaces=_NS) for i in items]),
    ):
        counts = Counter(v for v in values if v)
        for value in sorted(v for v, n in counts.items() if n > 1):
            problems.append(f"{counts[value]} items share the {what} {value}: "
                            "podcast apps keep only one")
    return problems

