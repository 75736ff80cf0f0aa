"""The show's web page, feeds/index.html."""

from __future__ import annotations

import dataclasses
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest

from audioessay.models import Episode, Link
from audioessay.publish.page import render_page, write_page
from audioessay.workspace import ShowConfig

UTC = dt.UTC
SHOW = ShowConfig(title="Read <Aloud> & Co", author="Jane \"JD\" Doe", language="fr",
                  description="Essays, read aloud.\n\nEvery <week>.", base_url="https://example.com/pod")
EPISODES = [
    Episode(slug="her", title="Her <script>alert(1)</script>", source=Path("seeds/her.md"),
            audio=Path("output/her/her.mp3"), audio_bytes=10, duration=125.4,
            description="About <word> & more.", links=(Link("https://example.org/?a=1&b=2", "A \"source\""),
                                                       Link("javascript:alert(1)", "evil")),
            guid="g1", pub_date=dt.datetime(2024, 5, 1, 8, 0, tzinfo=UTC), number=1,
            transcript_vtt=Path("output/her/her.vtt"), transcript_srt=Path("output/her/her.srt"),
            chapters=Path("output/her/chapters.json")),
    Episode(slug="long", title="A long one", source=Path("seeds/long.md"),
            audio=Path("output/long/my file.m4a"),
            audio_bytes=10, duration=3725, description="", links=(), guid="g2",
            pub_date=dt.datetime(2024, 6, 2, tzinfo=UTC), number=2),
]


class Outline(HTMLParser):
    """Collects the elements and text of a page, and checks that tags nest."""

    VOID = frozenset({"meta", "link", "img", "br", "source", "input", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, list[str]] = {}
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        if self.stack:
            self.text.setdefault(self.stack[-1], []).append(data)

    def find(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.elements if name == tag]


@pytest.fixture
def page() -> Outline:
    outline = Outline()
    outline.feed(render_page(SHOW, EPISODES, SHOW.base_url, "feeds/cover.jpg"))
    outline.close()
    assert outline.stack == []
    return outline


def test_document_basics(page: Outline):
    assert page.find("html") == [{"lang": "fr"}]
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in page.find("meta")
    assert page.find("meta")[0] == {"charset": "utf-8"}
    assert page.text["title"] == ["Read <Aloud> & Co"]
    assert page.text["h1"] == ["Read <Aloud> & Co"]
    assert page.find("style")


def test_episodes_newest_first_with_headings(page: Outline):
    assert page.text["h2"] == ["A long one", "Her <script>alert(1)</script>"]
    assert not page.find("script")  # escaped, never markup


def test_cover_image_has_alt_and_relative_src(page: Outline):
    (image,) = page.find("img")
    assert image["src"] == "cover.jpg"
    assert image["alt"] == "Cover art of Read <Aloud> & Co"


def test_audio_players(page: Outline):
    players = page.find("audio")
    assert [p["src"] for p in players] == ["../output/long/my%20file.m4a", "../output/her/her.mp3"]
    for player in players:
        assert "controls" in player and player["preload"] == "metadata"
    assert players[1]["aria-label"] == "Play episode 1: Her <script>alert(1)</script>"


def test_show_notes_transcripts_chapters_and_feed_link(page: Outline):
    hrefs = [a["href"] for a in page.find("a")]
    assert "https://example.com/pod/feeds/feed.xml" in hrefs
    assert "https://example.org/?a=1&b=2" in hrefs
    assert not any(h and h.startswith("javascript:") for h in hrefs)
    assert {"../output/her/her.vtt", "../output/her/her.srt", "../output/her/chapters.json"} <= set(hrefs)
    assert "transcripts/her.html" in hrefs  # the readable transcript (publish/transcript_page.py)
    assert not any(h and h.startswith("transcripts/long") for h in hrefs)  # no VTT, no readable transcript
    paragraphs = "".join(page.text["p"])
    assert "About <word> & more." in paragraphs and "Every <week>." in paragraphs
    assert "evil (javascript:alert(1))" in "".join(page.text["li"])
    assert "Episode 1 ·  · 2:05 · Jane \"JD\" Doe" in paragraphs  # the date is in <time>
    assert page.text["time"] == ["2 June 2024", "1 May 2024"]
    assert [t["datetime"] for t in page.find("time")] == ["2024-06-02T00:00:00Z", "2024-05-01T08:00:00Z"]
    assert "1:02:05" in paragraphs
    alternate = [link for link in page.find("link") if link.get("rel") == "alternate"]
    assert alternate[0]["type"] == "application/rss+xml"


def test_articles_have_anchor_ids_matching_feed_links(page: Outline):
    assert [a["id"] for a in page.find("article")] == ["long", "her"]


def test_write_is_atomic_deterministic_and_skipped_when_unchanged(tmp_path: Path):
    path = tmp_path / "feeds" / "index.html"
    assert write_page(path, SHOW, EPISODES, SHOW.base_url, "feeds/cover.jpg") is True
    first = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    assert write_page(path, SHOW, list(reversed(EPISODES)), SHOW.base_url, "feeds/cover.jpg") is False
    assert path.read_bytes() == first and path.stat().st_mtime_ns == mtime
    assert [p.name for p in path.parent.iterdir()] == ["index.html"]


def test_page_without_episodes(tmp_path: Path):
    html = render_page(dataclasses.replace(SHOW, title="Empty"), [], SHOW.base_url, "feeds/cover.png")
    assert "No episodes yet." in html and 'src="cover.png"' in html


def test_every_text_value_is_escaped():
    nasty = '<script>alert(1)</script> & "quotes"'
    show = dataclasses.replace(SHOW, title=nasty, author=nasty, description=nasty)
    episode = dataclasses.replace(
        EPISODES[0], title=nasty, author=nasty, description=nasty,
        links=(Link('https://example.org/?q="<x>"&a=1', nasty), Link("ftp://example.org/<y>", nasty)))
    html = render_page(show, [episode], "https://example.com/p&q", "feeds/cover.jpg")
    assert "<script>" not in html and '"quotes"' not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"
    # show title x4 (title, feed link, cover alt, h1), episode title x2 (h2, aria-label), two authors,
    # two descriptions, two link labels
    assert html.count(escaped) == 12
    assert 'href="https://example.org/?q=&quot;&lt;x&gt;&quot;&amp;a=1"' in html
    assert "(ftp://example.org/&lt;y&gt;)" in html
    assert 'href="https://example.com/p&amp;q/feeds/feed.xml"' in html
    outline = Outline()
    outline.feed(html)
    outline.close()
    assert outline.stack == [] and not outline.find("script")
    assert outline.text["h1"] == [nasty] and outline.text["h2"] == [nasty]
    assert outline.find("audio")[0]["aria-label"] == f"Play episode 1: {nasty}"


def test_quotes_keep_the_entities_the_page_always_had():
    """Escaping spells entities as html.escape does, so an unchanged show keeps an unchanged page."""
    show = dataclasses.replace(SHOW, title="It's \"ours\"")
    html = render_page(show, [], SHOW.base_url, "feeds/cover.jpg")
    assert "<title>It&#x27;s &quot;ours&quot;</title>" in html


def test_a_changed_template_makes_the_page_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from audioessay.publish import feed, page

    path, memo = tmp_path / "feeds" / "index.html", tmp_path / ".audioessay" / "published.json"
    assert write_page(path, SHOW, EPISODES, SHOW.base_url, "feeds/cover.jpg", memo) is True
    renders: list[object] = []
    real_render = page.render_page
    monkeypatch.setattr(page, "render_page", lambda *args: renders.append(args) or real_render(*args))
    assert write_page(path, SHOW, EPISODES, SHOW.base_url, "feeds/cover.jpg", memo) is False
    assert renders == []  # the memo says the page is current
    monkeypatch.setattr(feed, "templates_version", lambda: "an edited template")
    assert write_page(path, SHOW, EPISODES, SHOW.base_url, "feeds/cover.jpg", memo) is False  # same bytes
    assert len(renders) == 1


@pytest.mark.parametrize("seconds, shown", [
    (77.006, "1:17"), (77.6, "1:17"), (59.999, "0:59"), (60.0, "1:00"), (3599.9, "59:59"), (3725.5, "1:02:05"),
    (0.4, "0:00"),
])
def test_the_page_shows_durations_as_the_audio_player_does(seconds: float, shown: str) -> None:
    """Browsers' players cut a duration down to whole seconds: the page says the same."""
    from audioessay.publish.page import _duration

    assert _duration(seconds) == shown
