"""The podcast feed: Apple's and the Podcast Index's tags, read back with XPath and feedparser."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import html
import json
import os
import subprocess
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from feedgen.feed import FeedGenerator
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image

from audioessay.errors import PublishError
from audioessay.models import Episode, Link
from audioessay.publish import podcast_ext
from audioessay.publish.cover import make_default_cover
from audioessay.publish.feed import (
    build_feed,
    check_feed,
    paragraphs,
    public_url,
    show_notes_html,
    write_feed,
    xml_text,
)
from audioessay.publish.podcast_ext import PODCAST_GUID_NAMESPACE, podcast_guid
from audioessay.workspace import ShowConfig

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
BASE = "https://example.com/show/"
UTC = dt.UTC
SHOW = ShowConfig(title="Read Aloud", author="Jane Doe", owner_name="Jane D.", owner_email="jane@example.com",
                  language="en", category="Arts", explicit=False, description="Essays, read aloud.",
                  base_url=BASE, copyright="© 2024 Jane Doe", locked=True)


def _ffmpeg(out: Path, seconds: float, codec: list[str]) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"sine=d={seconds}",
                    "-ac", "1", "-ar", "44100", *codec, str(out)], check=True)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Small real audio files and a cover, made once."""
    folder = tmp_path_factory.mktemp("media")
    _ffmpeg(folder / "one.mp3", 1, ["-b:a", "96k"])
    _ffmpeg(folder / "three.mp3", 3, ["-b:a", "96k"])
    _ffmpeg(folder / "one.m4a", 1, ["-c:a", "aac", "-b:a", "64k"])
    make_default_cover("Read Aloud", "Jane Doe", folder / "cover.jpg")
    return {name: (folder / name).read_bytes() for name in ("one.mp3", "three.mp3", "one.m4a", "cover.jpg")}


def make_workspace(root: Path, media: dict[str, bytes]) -> list[Episode]:
    """Two episodes on disk: 'her' (1 s, transcripts, chapters) and 'two' (3 s, newer)."""
    her, two = root / "output" / "her", root / "output" / "two"
    her.mkdir(parents=True)
    two.mkdir(parents=True)
    (root / "feeds").mkdir()
    (root / "feeds" / "cover.jpg").write_bytes(media["cover.jpg"])
    (her / "her.mp3").write_bytes(media["one.mp3"])
    (two / "two.mp3").write_bytes(media["three.mp3"])
    (her / "her.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello.\n")
    (her / "her.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHello.\n")
    chapters = {"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Hi"}]}
    (her / "chapters.json").write_text(json.dumps(chapters))
    (root / "seeds").mkdir()
    (root / "seeds" / "her.md").write_text("# Her\n")
    return [
        Episode(slug="her", title="Her", source=Path("seeds/her.md"), audio=Path("output/her/her.mp3"),
                audio_bytes=0, duration=1.03, description="On a film. It has <word> & more.\n\nSecond part.",
                links=(Link("https://example.org/a?b=1&c=2", "A <source>"), Link("https://example.org/bare")),
                guid="urn:uuid:11111111-1111-4111-8111-111111111111",
                pub_date=dt.datetime(2024, 5, 1, 8, 0, tzinfo=UTC), number=1,
                transcript_vtt=Path("output/her/her.vtt"), transcript_srt=Path("output/her/her.srt"),
                chapters=Path("output/her/chapters.json")),
        Episode(slug="two", title="Two & Three", source=Path("seeds/two.md"),
                audio=Path("output/two/two.mp3"),
                audio_bytes=0, duration=3.0, description="The second.", links=(),
                guid="urn:uuid:22222222-2222-4222-8222-222222222222",
                pub_date=dt.datetime(2024, 6, 2, 9, 30, tzinfo=UTC), number=2, explicit=True, author="Guest"),
    ]


@pytest.fixture
def workspace(tmp_path: Path, media: dict[str, bytes]) -> tuple[Path, list[Episode]]:
    return tmp_path, make_workspace(tmp_path, media)


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def one(node: etree._Element, path: str) -> etree._Element | str:
    found = node.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: {found}"
    return found[0]


# --- channel and items ---------------------------------------------------------------------------

def test_channel_has_apple_and_podcast_index_elements(workspace):
    root, episodes = workspace
    rss = parse(build_feed(SHOW, episodes, BASE, "feeds/cover.jpg", root))
    feed_url = BASE + "feeds/feed.xml"
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = one(rss, "/rss/channel")
    assert one(channel, "title/text()") == "Read Aloud"
    assert one(channel, "link/text()") == BASE + "feeds/index.html"  # the page: a static host has no root page
    assert one(channel, "description/text()") == "<p>Essays, read aloud.</p>"
    assert one(channel, "language/text()") == "en"
    assert one(channel, "copyright/text()") == "© 2024 Jane Doe"
    self_link = one(channel, "atom:link[@rel='self']")
    assert self_link.get("href") == feed_url and self_link.get("type") == "application/rss+xml"
    assert one(channel, "itunes:author/text()") == "Jane Doe"
    assert one(channel, "itunes:owner/itunes:name/text()") == "Jane D."
    assert one(channel, "itunes:owner/itunes:email/text()") == "jane@example.com"
    assert one(channel, "itunes:image/@href") == BASE + "feeds/cover.jpg"
    assert one(channel, "itunes:category/@text") == "Arts"
    assert one(channel, "itunes:explicit/text()") == "false"
    assert one(channel, "itunes:type/text()") == "episodic"
    assert one(channel, "lastBuildDate/text()") == "Sun, 02 Jun 2024 09:30:00 +0000"  # the newest episode
    expected_guid = uuid.uuid5(PODCAST_GUID_NAMESPACE, "example.com/show/feeds/feed.xml")
    assert one(channel, "podcast:guid/text()") == str(expected_guid)
    locked = one(channel, "podcast:locked")
    assert locked.text == "yes" and locked.get("owner") == "jane@example.com"
    assert one(channel, "podcast:person/text()") == "Jane Doe"


def test_items_newest_first_with_every_required_element(workspace):
    root, episodes = workspace
    rss = parse(build_feed(SHOW, episodes, BASE, "feeds/cover.jpg", root))
    items = rss.xpath("/rss/channel/item")
    assert [one(i, "title/text()") for i in items] == ["Two & Three", "Her"]
    her = items[1]
    guid = one(her, "guid")
    assert guid.text == episodes[0].guid and guid.get("isPermaLink") == "false"
    assert email.utils.parsedate_to_datetime(one(her, "pubDate/text()")) == episodes[0].pub_date
    enclosure = one(her, "enclosure")
    assert enclosure.get("url") == BASE + "output/her/her.mp3"
    assert enclosure.get("length") == str((root / "output/her/her.mp3").stat().st_size)
    assert enclosure.get("type") == "audio/mpeg"
    assert one(her, "itunes:duration/text()") == "1"
    assert one(her, "itunes:episode/text()") == "1"
    assert one(her, "itunes:episodeType/text()") == "full"
    assert one(her, "itunes:explicit/text()") == "false"
    assert one(her, "itunes:author/text()") == "Jane Doe"
    assert one(her, "link/text()") == BASE + "feeds/index.html#her"
    notes = one(her, "description/text()")
    assert notes == one(her, "content:encoded/text()")
    assert notes == ("<p>On a film. It has &lt;word&gt; &amp; more.</p>\n<p>Second part.</p>\n<ul>"
                     '<li><a href="https://example.org/a?b=1&amp;c=2">A &lt;source&gt;</a></li>'
                     '<li><a href="https://example.org/bare">https://example.org/bare</a></li></ul>')
    transcripts = her.xpath("podcast:transcript", namespaces=NS)
    assert [(t.get("url"), t.get("type"), t.get("rel"), t.get("language")) for t in transcripts] == [
        (BASE + "output/her/her.srt", "application/srt", "captions", "en"),
        (BASE + "output/her/her.vtt", "text/vtt", "captions", "en"),
    ]
    chapters = one(her, "podcast:chapters")
    assert chapters.get("url") == BASE + "output/her/chapters.json"
    assert chapters.get("type") == "application/json+chapters"
    assert one(her, "podcast:person/text()") == "Jane Doe"
    two = items[0]
    assert one(two, "itunes:duration/text()") == "3"
    assert one(two, "itunes:author/text()") == "Guest"
    assert two.xpath("podcast:transcript | podcast:chapters", namespaces=NS) == []


@pytest.mark.parametrize("show_explicit, episode_explicit, channel_value, item_value", [
    (False, None, "false", "false"),
    (True, None, "true", "true"),
    (True, False, "true", "false"),
    (False, True, "false", "true"),
])
def test_itunes_explicit_is_true_or_false(workspace, show_explicit, episode_explicit, channel_value,
                                          item_value):
    root, episodes = workspace
    episode = dataclasses.replace(episodes[0], explicit=episode_explicit)
    show = dataclasses.replace(SHOW, explicit=show_explicit)
    rss = parse(build_feed(show, [episode], BASE, "feeds/cover.jpg", root))
    assert one(rss, "/rss/channel/itunes:explicit/text()") == channel_value
    assert one(rss, "/rss/channel/item/itunes:explicit/text()") == item_value


def test_m4a_enclosure_type(workspace, media):
    root, episodes = workspace
    (root / "output/her/her.m4a").write_bytes(media["one.m4a"])
    episode = dataclasses.replace(episodes[0], audio=Path("output/her/her.m4a"))
    rss = parse(build_feed(SHOW, [episode], BASE, "feeds/cover.jpg", root))
    assert one(rss, "//enclosure/@type") == "audio/x-m4a"
    assert one(rss, "//enclosure/@length") == str(len(media["one.m4a"]))


def test_urls_get_one_slash_and_percent_encoded_segments(workspace, media):
    root, episodes = workspace
    folder = root / "output" / "a b"
    folder.mkdir()
    (folder / "é 1#.mp3").write_bytes(media["one.mp3"])
    episode = dataclasses.replace(episodes[0], audio=Path("output/a b/é 1#.mp3"), transcript_vtt=None,
                                  transcript_srt=None, chapters=None)
    rss = parse(build_feed(SHOW, [episode], "https://example.com/show//", "feeds/cover.jpg", root))
    assert one(rss, "//enclosure/@url") == "https://example.com/show/output/a%20b/%C3%A9%201%23.mp3"
    assert one(rss, "//atom:link/@href") == "https://example.com/show/feeds/feed.xml"
    assert public_url("http://h:8000", "feeds/cover.png") == "http://h:8000/feeds/cover.png"


def test_same_input_gives_same_bytes_and_write_is_skipped(workspace):
    root, episodes = workspace
    first = build_feed(SHOW, episodes, BASE, "feeds/cover.jpg", root)
    assert build_feed(SHOW, list(reversed(episodes)), BASE, "feeds/cover.jpg", root) == first
    path = root / "feeds" / "feed.xml"
    assert write_feed(path, SHOW, episodes, BASE, "feeds/cover.jpg", root) is True
    assert path.read_bytes() == first
    mtime = path.stat().st_mtime_ns
    assert write_feed(path, SHOW, episodes, BASE, "feeds/cover.jpg", root) is False
    assert path.stat().st_mtime_ns == mtime


def test_unsafe_link_schemes_are_not_linked(workspace):
    root, episodes = workspace
    episode = dataclasses.replace(episodes[1], links=(Link("javascript:alert(1)", "click"),))
    rss = parse(build_feed(SHOW, [episode], BASE, "feeds/cover.jpg", root))
    notes = one(rss, "//item/description/text()")
    assert "<a" not in notes and "click (javascript:alert(1))" in notes


def test_feed_without_episodes_is_valid_deterministic_and_checked(workspace, tmp_path):
    root, _ = workspace
    data = build_feed(SHOW, [], BASE, "feeds/cover.jpg", root)
    assert data == build_feed(SHOW, [], BASE, "feeds/cover.jpg", root)
    rss = parse(data)
    assert rss.xpath("//item | //lastBuildDate") == []
    assert one(rss, "/rss/channel/title/text()") == "Read Aloud"
    assert feedparser.parse(data).bozo is False
    path = root / "feeds" / "feed.xml"
    path.write_bytes(data)
    assert check_feed(root, path) == ["channel: has no <item>: Apple needs at least one episode"]


def test_xml_illegal_characters_are_stripped(workspace):
    root, episodes = workspace
    episode = dataclasses.replace(episodes[1], title="Bell\x07 and\x00 null\ufffe", description="a\x1bb")
    rss = parse(build_feed(SHOW, [episode], BASE, "feeds/cover.jpg", root))
    assert one(rss, "//item/title/text()") == "Bell and null"
    assert one(rss, "//item/description/text()") == "<p>ab</p>"


# --- refusing values that would make a broken feed ------------------------------------------------

def _raises(root: Path, episodes: list[Episode], match: str, show: ShowConfig = SHOW,
            cover: str = "feeds/cover.jpg") -> None:
    with pytest.raises(PublishError, match=match):
        build_feed(show, episodes, BASE, cover, root)


def test_missing_audio_file(workspace):
    root, episodes = workspace
    (root / "output/two/two.mp3").unlink()
    _raises(root, episodes, "audio of episode 'Two & Three' is missing")


def test_missing_transcript_or_chapters(workspace):
    root, episodes = workspace
    (root / "output/her/chapters.json").unlink()
    _raises(root, episodes, "chapters file of episode 'Her' is missing")


def test_private_audio_path(workspace, media):
    root, episodes = workspace
    (root / "seeds/her.mp3").write_bytes(media["one.mp3"])
    _raises(root, [dataclasses.replace(episodes[0], audio=Path("seeds/her.mp3"))], "not a public file")


def test_cover_must_end_in_jpg_or_png(workspace):
    root, episodes = workspace
    _raises(root, episodes, r"must end in \.jpg or \.png", cover="feeds/cover.jpeg")


def test_show_description_over_4000_bytes(workspace):
    root, episodes = workspace
    _raises(root, episodes, "4000", show=dataclasses.replace(SHOW, description="é" * 2000))


def test_duplicate_guid_and_number(workspace):
    root, episodes = workspace
    _raises(root, [episodes[0], dataclasses.replace(episodes[1], guid=episodes[0].guid)], "share the guid")
    _raises(root, [episodes[0], dataclasses.replace(episodes[1], number=1)], "share the number")


def test_other_bad_inputs(workspace):
    root, episodes = workspace
    _raises(root, episodes, "not an Apple Podcasts category",
            show=dataclasses.replace(SHOW, category="Games"))
    _raises(root, [dataclasses.replace(episodes[0], title=" \x00 ")], "empty title")
    with pytest.raises(PublishError, match="not an http"):
        build_feed(SHOW, episodes, "ftp://example.com/", "feeds/cover.jpg", root)
    # Values the extension refuses become PublishErrors that say what to fix.
    _raises(root, episodes, "language code like 'en', not 'en_US'",
            show=dataclasses.replace(SHOW, language="en_US"))


# --- the extension on its own ---------------------------------------------------------------------

def test_podcast_guid_follows_the_uuid5_rule():
    # The example in the Podcast Index namespace documentation.
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    for url in ("http://example.com/feeds/feed.xml", "https://example.com/feeds/feed.xml/",
                "example.com/feeds/feed.xml"):
        assert podcast_guid(url) == str(uuid.uuid5(PODCAST_GUID_NAMESPACE, "example.com/feeds/feed.xml"))


def _feed_with_extension() -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("podcast")
    podcast_ext.register(fg)
    return fg


@pytest.mark.parametrize("call, match", [
    (lambda fg, e: fg.podcastindex.guid("not-a-uuid"), "must be a UUID"),
    (lambda fg, e: fg.podcastindex.locked("yes", "a@b.c"), "True or False"),
    (lambda fg, e: fg.podcastindex.locked(True, "nobody"), "email"),
    (lambda fg, e: fg.podcastindex.person(" "), "non-empty"),
    (lambda fg, e: fg.podcastindex.person("Jane", href="javascript:x"), "http"),
    (lambda fg, e: e.podcastindex.transcript("https://x.org/t.vtt", "text/x-vtt"), "type must be one of"),
    (lambda fg, e: e.podcastindex.transcript("/t.vtt", "text/vtt"), "absolute http"),
    (lambda fg, e: e.podcastindex.transcript("https://x.org/t.vtt", "text/vtt", language="en!"), "language"),
    (lambda fg, e: e.podcastindex.transcript("https://x.org/t.vtt", "text/vtt", rel="subtitles"), "captions"),
    (lambda fg, e: e.podcastindex.chapters("https://x.org/c.json", type="text/json"), "json\\+chapters"),
    (lambda fg, e: e.apple.explicit("no"), "True or False"),
])
def test_extension_refuses_bad_values_when_set(call, match):
    fg = _feed_with_extension()
    entry = fg.add_entry()
    with pytest.raises(ValueError, match=match):
        call(fg, entry)


def test_extension_writes_repeated_transcripts_and_persons():
    fg = _feed_with_extension()
    fg.title("t")
    fg.link(href="https://x.org/")
    fg.description("d")
    fg.podcastindex.person("Jane", role="host", img="https://x.org/j.jpg")
    entry = fg.add_entry()
    entry.title("e")
    entry.podcastindex.transcript("https://x.org/a.vtt", "text/vtt", rel="captions")
    entry.podcastindex.transcript("https://x.org/a.html", "text/html", language="en-GB")
    entry.podcastindex.person("Guest", role="guest")
    rss = parse(fg.rss_str())
    assert one(rss, "//channel/podcast:person[@role='host']/@img") == "https://x.org/j.jpg"
    assert len(rss.xpath("//item/podcast:transcript", namespaces=NS)) == 2
    assert one(rss, "//item/podcast:transcript[@type='text/html']/@language") == "en-GB"
    assert one(rss, "//item/podcast:person[@role='guest']/text()") == "Guest"
    assert rss.xpath("//channel/podcast:locked | //channel/podcast:guid", namespaces=NS) == []


# --- feedparser, as podcast apps read it ------------------------------------------------------------

def test_feedparser_reads_the_feed(workspace):
    root, episodes = workspace
    parsed = feedparser.parse(build_feed(SHOW, episodes, BASE, "feeds/cover.jpg", root))
    assert not parsed.bozo
    assert parsed.feed.title == "Read Aloud"
    assert parsed.feed.podcast_guid == podcast_guid(BASE + "feeds/feed.xml")
    her = parsed.entries[1]
    assert her.id == episodes[0].guid
    assert her.enclosures[0].href == BASE + "output/her/her.mp3"
    assert her.itunes_duration == "1"
    # feedparser keeps one transcript per item, the last: the WebVTT one.
    assert her.podcast_transcript == {"url": BASE + "output/her/her.vtt", "type": "text/vtt",
                                      "language": "en", "rel": "captions"}
    assert her.podcast_chapters == {"url": BASE + "output/her/chapters.json",
                                    "type": "application/json+chapters"}
    assert "&lt;word&gt;" in her.summary  # the word survives as text, not as a vanished tag


class _Text(HTMLParser):
    """The text of each <p> in an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._inside = False

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self._inside = True
            self.paragraphs.append("")

    def handle_endtag(self, tag):
        if tag == "p":
            self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.paragraphs[-1] += data


@pytest.fixture(scope="module")
def fixed_workspace(tmp_path_factory, media) -> tuple[Path, list[Episode]]:
    root = tmp_path_factory.mktemp("roundtrip")
    return root, make_workspace(root, media)


def _feedparser_rewrites(text: str) -> bool:
    """True when feedparser's repair of double-encoded UTF-8 would change ``text``.

    feedparser re-decodes any value that is all Latin-1 and whose Latin-1 bytes are valid UTF-8
    ("Ã©" becomes "é"): a guess made by that reader, not something a feed can prevent. Such
    strings are mojibake in an essay anyway; the lxml property below covers them exactly.
    """
    try:
        return text.encode("iso-8859-1").decode("utf-8") != text
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False


# Any code point but surrogates, with markup characters drawn often so HTML-like text is common.
ANY_TEXT = st.text(alphabet=st.one_of(st.characters(blacklist_categories=("Cs",)),
                                      st.sampled_from(list("<>&;#/=\"' \n\r\tpab"))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=ANY_TEXT, description=ANY_TEXT)
def test_title_and_description_round_trip_through_feedparser(fixed_workspace, title, description):
    """Any text comes back unchanged, after the feed's one documented cleaning rule.

    Cleaning: XML-illegal and control characters are removed (``xml_text``), titles are
    stripped, and descriptions become paragraphs (split at blank lines, each stripped).
    """
    expected_title = xml_text(title).strip()
    assume(expected_title)  # a blank title is refused, not published (tested above)
    assume(not _feedparser_rewrites(expected_title))
    assume(not _feedparser_rewrites(show_notes_html(description)))
    root, episodes = fixed_workspace
    episode = dataclasses.replace(episodes[1], title=title, description=description)
    parsed = feedparser.parse(build_feed(SHOW, [episode], BASE, "feeds/cover.jpg", root))
    entry = parsed.entries[0]
    assert entry.title == expected_title
    text = _Text()
    text.feed(entry.get("summary", ""))
    assert text.paragraphs == paragraphs(description)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=ANY_TEXT, description=ANY_TEXT)
def test_title_and_description_round_trip_exactly_through_xml(fixed_workspace, title, description):
    """The XML carries the cleaned text exactly: title as text, description as escaped HTML."""
    assume(xml_text(title).strip())
    root, episodes = fixed_workspace
    episode = dataclasses.replace(episodes[1], title=title, description=description)
    item = one(parse(build_feed(SHOW, [episode], BASE, "feeds/cover.jpg", root)), "/rss/channel/item")
    assert one(item, "title/text()") == xml_text(title).strip()
    notes = item.xpath("description/text()")
    expected = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(description))
    assert (notes[0] if notes else "") == expected


# --- check_feed ------------------------------------------------------------------------------------

@pytest.fixture
def written(workspace) -> tuple[Path, Path, list[Episode]]:
    root, episodes = workspace
    path = root / "feeds" / "feed.xml"
    write_feed(path, SHOW, episodes, BASE, "feeds/cover.jpg", root)
    return root, path, episodes


def _edit_feed(path: Path, xpath: str, attribute: str | None, value: str) -> None:
    tree = etree.parse(str(path))
    for node in tree.xpath(xpath, namespaces=NS):
        if attribute:
            node.set(attribute, value)
        else:
            node.text = value
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def test_check_feed_finds_nothing_wrong_with_a_fresh_feed(written):
    root, path, _ = written
    assert check_feed(root, path) == []


def test_check_feed_catches_wrong_enclosure_length(written):
    root, path, _ = written
    with open(root / "output/her/her.mp3", "ab") as handle:
        handle.write(b"\0" * 10)
    problems = check_feed(root, path)
    assert any("item 'Her': enclosure length" in p and "output/her/her.mp3" in p for p in problems), problems


def test_check_feed_catches_missing_file(written):
    root, path, _ = written
    (root / "output/two/two.mp3").unlink()
    (root / "output/her/her.vtt").unlink()
    problems = check_feed(root, path)
    assert any("item 'Two & Three': enclosure" in p and "missing or private" in p for p in problems), problems
    assert any("item 'Her': transcript" in p and "her.vtt" in p for p in problems), problems


def test_check_feed_catches_duplicate_guids(written):
    root, path, episodes = written
    _edit_feed(path, "//item/guid", None, episodes[0].guid)
    problems = check_feed(root, path)
    assert any("2 items share the guid " + episodes[0].guid in p for p in problems), problems


@pytest.mark.parametrize("content, reason", [
    ("{oops", "is not valid JSON"),
    (json.dumps({"version": "1.0", "chapters": [{"startTime": 0}]}), '"version": "1.2.0"'),
    (json.dumps({"version": "1.2.0", "chapters": []}), "non-empty"),
    (json.dumps({"version": "1.2.0", "chapters": [{"title": "no start"}]}), "startTime"),
])
def test_check_feed_catches_bad_chapters(written, content, reason):
    root, path, _ = written
    (root / "output/her/chapters.json").write_text(content)
    problems = check_feed(root, path)
    assert any("chapters file output/her/chapters.json" in p and reason in p for p in problems), problems


def test_check_feed_catches_bad_transcripts_duration_and_explicit(written):
    root, path, _ = written
    (root / "output/her/her.vtt").write_text("not a vtt")
    (root / "output/her/her.srt").write_text("nothing here")
    _edit_feed(path, "//item[title='Her']/itunes:duration", None, "100")
    _edit_feed(path, "//channel/itunes:explicit", None, "no")
    problems = check_feed(root, path)
    assert any("WEBVTT" in p for p in problems), problems
    assert any("no SRT cue" in p for p in problems), problems
    assert any("<itunes:duration> 100 s but output/her/her.mp3 lasts 1 s" in p for p in problems), problems
    assert any("channel: <itunes:explicit> must be true or false" in p for p in problems), problems


def test_check_feed_catches_missing_tags_and_bad_artwork(written):
    root, path, _ = written
    tree = etree.parse(str(path))
    channel = tree.find("channel")
    channel.remove(channel.find("language"))
    channel.remove(channel.find("{{{}}}owner".format(NS["itunes"])))
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    Image.new("RGB", (500, 500)).save(root / "feeds" / "cover.jpg")
    problems = check_feed(root, path)
    assert "channel: <language> is missing or empty" in problems
    assert "channel: <itunes:owner> needs an <itunes:email>" in problems
    assert any("cover art" in p and "smaller than 1400" in p for p in problems), problems


def test_check_feed_reports_unparseable_feed(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text("<rss><channel>")
    assert "not well-formed XML" in check_feed(tmp_path, path)[0]


# --- memos: what a no-op render skips, and what it still notices ------------------------------------


@pytest.fixture
def settled_soon(monkeypatch):
    """Files count as settled (see fsutil.settled) 20 ms after a change, not 2 s: wait that long."""
    import audioessay.fsutil

    monkeypatch.setattr(audioessay.fsutil, "SETTLE_NS", 20_000_000)
    return lambda: time.sleep(0.05)


def test_check_feed_with_a_memo_still_reports_every_file_changed_since(written, settled_soon, monkeypatch):
    import audioessay.publish.feed as feed_module

    root, path, _ = written
    memo = root / ".audioessay" / "checked.json"
    settled_soon()
    assert check_feed(root, path, memo) == [] and memo.is_file()
    read = []
    original = feed_module._audio_seconds
    monkeypatch.setattr(feed_module, "_audio_seconds", lambda p: read.append(p) or original(p))
    assert check_feed(root, path, memo) == []
    assert read == []  # from the memo this time

    # An MP3 whose audio is overwritten, keeping its size and its mtime: another file version.
    mp3 = root / "output/her/her.mp3"
    stat = mp3.stat()
    mp3.write_bytes(b"\0" * stat.st_size)
    os.utime(mp3, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # A transcript replaced by text of the same size, with its old mtime too.
    vtt = root / "output/her/her.vtt"
    stat = vtt.stat()
    vtt.write_text("X" * stat.st_size)
    os.utime(vtt, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    for _ in range(2):  # the findings are remembered with the new versions, and still reported
        settled_soon()
        problems = check_feed(root, path, memo)
        assert any("cannot read the duration of output/her/her.mp3" in p for p in problems), problems
        assert any("transcript output/her/her.vtt does not start with WEBVTT" in p for p in problems), problems
    assert [p.name for p in read] == ["her.mp3"]  # read once, then remembered


def test_check_feed_remembers_no_file_changed_in_the_last_seconds(written, monkeypatch):
    import audioessay.publish.feed as feed_module

    root, path, _ = written
    memo = root / ".audioessay" / "checked.json"
    read = []
    original = feed_module._audio_seconds
    monkeypatch.setattr(feed_module, "_audio_seconds", lambda p: read.append(p) or original(p))
    assert check_feed(root, path, memo) == [] and check_feed(root, path, memo) == []
    assert len(read) == 4  # the MP3s were written just now: a change in the same clock tick could hide


def test_check_feed_with_a_memo_reports_a_truncated_mp3(written, settled_soon, monkeypatch):
    import audioessay.publish.feed as feed_module

    root, path, _ = written
    memo = root / ".audioessay" / "checked.json"
    settled_soon()
    assert check_feed(root, path, memo) == []
    mp3 = root / "output/two/two.mp3"
    size = mp3.stat().st_size
    with open(mp3, "r+b") as handle:
        handle.truncate(size // 3)
    read = []
    original = feed_module._audio_seconds
    monkeypatch.setattr(feed_module, "_audio_seconds", lambda p: read.append(p.name) or original(p))
    problems = check_feed(root, path, memo)
    assert any(f"item 'Two & Three': enclosure length {size} but output/two/two.mp3 has {size // 3} bytes" in p
               for p in problems), problems
    assert read == ["two.mp3"]  # its duration is read again too (here the Xing header still says 3 s)


def test_check_feed_ignores_a_damaged_memo(written):
    root, path, _ = written
    memo = root / ".audioessay" / "checked.json"
    memo.parent.mkdir()
    memo.write_text("{oops")
    (root / "output/her/chapters.json").write_text("{oops")
    assert any("chapters file output/her/chapters.json is not valid JSON" in p
               for p in check_feed(root, path, memo))


def test_write_feed_with_a_memo_skips_only_an_unchanged_feed(workspace, monkeypatch):
    import audioessay.publish.feed as feed_module

    root, episodes = workspace
    path, memo = root / "feeds" / "feed.xml", root / ".audioessay" / "published.json"
    assert write_feed(path, SHOW, episodes, BASE, "feeds/cover.jpg", root, memo) is True
    built = []
    original = feed_module._build
    monkeypatch.setattr(feed_module, "_build", lambda *a: built.append(1) or original(*a))

    assert write_feed(path, SHOW, episodes, BASE, "feeds/cover.jpg", root, memo) is False
    assert built == []  # nothing changed: not even built to compare

    with open(root / "output/her/her.mp3", "ab") as handle:  # a new enclosure length
        handle.write(b"\0" * 10)
    assert write_feed(path, SHOW, episodes, BASE, "feeds/cover.jpg", root, memo) is True
    assert check_feed(root, path) == [] and len(built) == 1

    renamed = [dataclasses.replace(episodes[0], title="Her, Again"), episodes[1]]
    assert write_feed(path, SHOW, renamed, BASE, "feeds/cover.jpg", root, memo) is True
    assert b"Her, Again" in path.read_bytes()

    path.write_bytes(path.read_bytes().replace(b"Her, Again", b"Her, Edited"))  # the feed changed by hand
    assert write_feed(path, SHOW, renamed, BASE, "feeds/cover.jpg", root, memo) is True
    assert b"Her, Again" in path.read_bytes() and len(built) == 3

    (root / "output/her/her.vtt").unlink()
    with pytest.raises(PublishError, match="the VTT transcript of episode 'Her, Again' is missing"):
        write_feed(path, SHOW, renamed, BASE, "feeds/cover.jpg", root, memo)


def test_write_page_with_a_memo_skips_only_an_unchanged_page(workspace):
    from audioessay.publish.page import write_page

    root, episodes = workspace
    path, memo = root / "feeds" / "index.html", root / ".audioessay" / "published.json"
    assert write_page(path, SHOW, episodes, BASE, "feeds/cover.jpg", memo) is True
    assert write_page(path, SHOW, episodes, BASE, "feeds/cover.jpg", memo) is False
    assert write_page(path, SHOW, episodes, "https://example.org/", "feeds/cover.jpg", memo) is True
    assert "https://example.org/feeds/feed.xml" in path.read_text(encoding="utf-8")
    path.unlink()
    assert write_page(path, SHOW, episodes, "https://example.org/", "feeds/cover.jpg", memo) is True


def test_a_source_without_a_url_is_in_the_show_notes_as_text() -> None:
    """A book in a Sources list has no link: its entry is shown as text, never dropped."""
    notes = show_notes_html("On cities.", [Link("", "Jane Jacobs, The Death and Life of Great American Cities"),
                                          Link("https://example.org/a", "A <site>"), Link("", "")])
    assert "<li>Jane Jacobs, The Death and Life of Great American Cities</li>" in notes
    assert '<li><a href="https://example.org/a">A &lt;site&gt;</a></li>' in notes
    assert notes.count("<li>") == 2  # an entry with neither text nor URL is left out


def test_the_readable_transcript_page_is_a_transcript_of_the_item_when_it_is_there(workspace):
    root, episodes = workspace
    rss = parse(build_feed(SHOW, episodes, BASE, "feeds/cover.jpg", root))
    her = rss.xpath("/rss/channel/item")[1]
    assert not her.xpath("podcast:transcript[@type='text/html']", namespaces=NS)  # no page yet
    page = root / "feeds" / "transcripts" / "her.html"
    page.parent.mkdir()
    page.write_text("<!doctype html><title>Her</title>", encoding="utf-8")
    rss = parse(build_feed(SHOW, episodes, BASE, "feeds/cover.jpg", root))
    her = rss.xpath("/rss/channel/item")[1]
    types = [t.get("type") for t in her.xpath("podcast:transcript", namespaces=NS)]
    assert types == ["text/html", "application/srt", "text/vtt"]  # WebVTT last: kept by one-transcript parsers
    assert one(her, "podcast:transcript[@type='text/html']/@url") == BASE + "feeds/transcripts/her.html"
