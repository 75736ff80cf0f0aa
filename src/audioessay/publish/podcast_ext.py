"""feedgen extensions: the Podcast Index namespace, and Apple's ``itunes:explicit`` true/false.

feedgen 1.0 knows neither. Register both on a ``FeedGenerator`` with :func:`register` (after
``fg.load_extension('podcast')``); then ``fg.podcastindex.guid(...)``,
``entry.podcastindex.transcript(...)`` and so on. Values are checked when set: a bad value raises
``ValueError`` at once instead of vanishing from the feed.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

TRANSCRIPT_TYPES = frozenset({
    "text/vtt", "application/srt", "application/x-subrip", "text/html", "text/plain", "application/json",
})
CHAPTERS_TYPE = "application/json+chapters"

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_MIME_TYPE = re.compile(r"^[a-z]+/[A-Za-z0-9][A-Za-z0-9.+-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def xml_elem(name: str, parent: Any, **attrs: str) -> Any:
    """A new child element (feedgen.util's helper breaks when imported before lxml.etree)."""
    return etree.SubElement(parent, name, **attrs)


def podcast_guid(feed_url: str) -> str:
    """The channel ``podcast:guid``: UUIDv5 of the feed URL without scheme and trailing slashes."""
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    if not bare:
        raise ValueError(f"cannot derive a podcast:guid from the feed URL {feed_url!r}")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def _check_url(url: str, what: str) -> str:
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url) or any(c.isspace() for c in url):
        raise ValueError(f"{what} must be an absolute http(s) URL without spaces, not {url!r}")
    return url


def _check_text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be non-empty text, not {value!r}")
    return value


class _Person:
    """A ``podcast:person``: name, optional role and group (spec defaults: host, cast), img, href."""

    def __init__(self, name: str, role: str | None, group: str | None, img: str | None, href: str | None):
        self.name = _check_text(name, "podcast:person name")
        self.attrs: dict[str, str] = {}
        for key, value in (("role", role), ("group", group)):
            if value is not None:
                self.attrs[key] = _check_text(value, f"podcast:person {key}")
        for key, value in (("img", img), ("href", href)):
            if value is not None:
                self.attrs[key] = _check_url(value, f"podcast:person {key}")

    def write(self, parent: Any) -> None:
        element = xml_elem(f"{{{PODCAST_NS}}}person", parent, **self.attrs)
        element.text = self.name


class PodcastIndexExtension(BaseExtension):
    """Channel tags: ``podcast:guid``, ``podcast:locked``, ``podcast:person``."""

    def __init__(self) -> None:
        self._guid: str | None = None
        self._locked: tuple[bool, str | None] | None = None
        self._persons: list[_Person] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def guid(self, value: str | None = None) -> str | None:
        """Get or set ``podcast:guid`` (a UUID; see :func:`podcast_guid`)."""
        if value is not None:
            try:
                uuid.UUID(value)
            except (ValueError, AttributeError, TypeError):
                raise ValueError(f"podcast:guid must be a UUID, not {value!r}") from None
            self._guid = value
        return self._guid

    def locked(self, locked: bool | None = None, owner: str | None = None) -> tuple[bool, str | None] | None:
        """Get or set ``podcast:locked`` (yes/no) and its ``owner`` email."""
        if locked is not None:
            if not isinstance(locked, bool):
                raise ValueError(f"podcast:locked must be True or False, not {locked!r}")
            if owner is not None and not _EMAIL.match(owner):
                raise ValueError(f"podcast:locked owner must be an email address, not {owner!r}")
            self._locked = (locked, owner)
        return self._locked

    def person(self, name: str, role: str | None = None, group: str | None = None,
               img: str | None = None, href: str | None = None) -> None:
        """Add a ``podcast:person`` (repeatable)."""
        self._persons.append(_Person(name, role, group, img, href))

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        if self._guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self._guid
        if self._locked is not None:
            locked, owner = self._locked
            element = xml_elem(f"{{{PODCAST_NS}}}locked", channel)
            element.text = "yes" if locked else "no"
            if owner:
                element.attrib["owner"] = owner
        for person in self._persons:
            person.write(channel)
        return rss_feed


class _AlternateEnclosure:
    """A ``podcast:alternateEnclosure``: type and length (bytes) required; bitrate (bits per
    second), title and default optional; one ``podcast:source`` per URI."""

    def __init__(self, type: str, length: int, sources: list[str], bitrate: float | None,
                 title: str | None, default: bool | None):
        if not isinstance(type, str) or not _MIME_TYPE.match(type):
            raise ValueError(f"podcast:alternateEnclosure type must be a MIME type, not {type!r}")
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise ValueError("podcast:alternateEnclosure length must be a whole number of bytes, "
                             f"not {length!r}")
        if not sources:
            raise ValueError("podcast:alternateEnclosure needs at least one podcast:source")
        self.sources = [_check_url(uri, "podcast:source uri") for uri in sources]
        self.attrs = {"type": type, "length": str(length)}
        if bitrate is not None:
            if isinstance(bitrate, bool) or not isinstance(bitrate, (int, float)) or not bitrate > 0:
                raise ValueError("podcast:alternateEnclosure bitrate must be a positive number, "
                                 f"not {bitrate!r}")
            self.attrs["bitrate"] = str(bitrate)
        if title is not None:
            self.attrs["title"] = _check_text(title, "podcast:alternateEnclosure title")
        if default is not None:
            if not isinstance(default, bool):
                raise ValueError(f"podcast:alternateEnclosure default must be True or False, not {default!r}")
            self.attrs["default"] = "true" if default else "false"

    def write(self, parent: Any) -> None:
        element = xml_elem(f"{{{PODCAST_NS}}}alternateEnclosure", parent, **self.attrs)
        for uri in self.sources:
            xml_elem(f"{{{PODCAST_NS}}}source", element, uri=uri)


class PodcastIndexEntryExtension(BaseEntryExtension):
    """Item tags: ``podcast:transcript`` (repeatable), ``podcast:chapters``,
    ``podcast:alternateEnclosure`` (repeatable), ``podcast:person``."""

    def __init__(self) -> None:
        self._transcripts: list[dict[str, str]] = []
        self._chapters: dict[str, str] | None = None
        self._alternates: list[_AlternateEnclosure] = []
        self._persons: list[_Person] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def transcript(self, url: str, type: str, language: str | None = None, rel: str | None = None) -> None:
        """Add a ``podcast:transcript``; ``rel="captions"`` marks timed captions (VTT, SRT)."""
        if type not in TRANSCRIPT_TYPES:
            raise ValueError(f"podcast:transcript type must be one of {sorted(TRANSCRIPT_TYPES)}, "
                             f"not {type!r}")
        attrs = {"url": _check_url(url, "podcast:transcript url"), "type": type}
        if language is not None:
            if not _LANGUAGE.match(language):
                raise ValueError("podcast:transcript language must be a language code like 'en', "
                                 f"not {language!r}")
            attrs["language"] = language
        if rel is not None:
            if rel != "captions":
                raise ValueError(f"podcast:transcript rel can only be 'captions', not {rel!r}")
            attrs["rel"] = rel
        self._transcripts.append(attrs)

    def transcripts(self) -> list[dict[str, str]]:
        """The transcripts set so far."""
        return list(self._transcripts)

    def chapters(self, url: str | None = None, type: str = CHAPTERS_TYPE) -> dict[str, str] | None:
        """Get or set ``podcast:chapters`` (a JSON chapters file)."""
        if url is not None:
            if type != CHAPTERS_TYPE:
                raise ValueError(f"podcast:chapters type must be {CHAPTERS_TYPE!r}, not {type!r}")
            self._chapters = {"url": _check_url(url, "podcast:chapters url"), "type": type}
        return self._chapters

    def alternate_enclosure(self, type: str, length: int, sources: list[str], *, bitrate: float | None = None,
                            title: str | None = None, default: bool | None = None) -> None:
        """Add a ``podcast:alternateEnclosure`` (repeatable): another encoding of the episode,
        ``length`` bytes, at the URLs ``sources``; ``bitrate`` in bits per second."""
        self._alternates.append(_AlternateEnclosure(type, length, list(sources), bitrate, title, default))

    def person(self, name: str, role: str | None = None, group: str | None = None,
               img: str | None = None, href: str | None = None) -> None:
        """Add a ``podcast:person`` for this episode (repeatable)."""
        self._persons.append(_Person(name, role, group, img, href))

    def extend_rss(self, entry: Any) -> Any:
        for attrs in self._transcripts:
            xml_elem(f"{{{PODCAST_NS}}}transcript", entry, **attrs)
        if self._chapters:
            xml_elem(f"{{{PODCAST_NS}}}chapters", entry, **self._chapters)
        for alternate in self._alternates:
            alternate.write(entry)
        for person in self._persons:
            person.write(entry)
        return entry


# Workaround, in this one place: feedgen 1.0's itunes_explicit() accepts only "yes", "no" and
# "clean" and raises on anything else, but Apple now requires "true" or "false". Leave feedgen's
# value unset and write the element with these two tiny extensions instead.

def _write_explicit(parent: Any, explicit: bool | None) -> None:
    if explicit is not None:
        xml_elem(f"{{{ITUNES_NS}}}explicit", parent).text = "true" if explicit else "false"


class _ExplicitSetting:
    """The ``explicit`` getter/setter shared by the channel and item extensions."""

    def __init__(self) -> None:
        self._explicit: bool | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def explicit(self, value: bool | None = None) -> bool | None:
        """Get or set whether the show or episode is explicit."""
        if value is not None:
            if not isinstance(value, bool):
                raise ValueError(f"itunes:explicit must be True or False, not {value!r}")
            self._explicit = value
        return self._explicit


class AppleExplicitExtension(_ExplicitSetting, BaseExtension):
    """Channel ``itunes:explicit`` as ``true``/``false``."""

    def extend_rss(self, rss_feed: Any) -> Any:
        _write_explicit(rss_feed[0], self._explicit)
        return rss_feed


class AppleExplicitEntryExtension(_ExplicitSetting, BaseEntryExtension):
    """Item ``itunes:explicit`` as ``true``/``false``."""

    def extend_rss(self, entry: Any) -> Any:
        _write_explicit(entry, self._explicit)
        return entry


def register(fg: Any) -> None:
    """Register both extensions on a ``FeedGenerator`` as ``fg.podcastindex`` and ``fg.apple``.

    Register before adding entries, so every entry gets them too.
    """
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension, atom=False)
    fg.register_extension("apple", AppleExplicitExtension, AppleExplicitEntryExtension, atom=False)
