"""The show's page in a real browser: Debian's Chromium driven by Playwright, served by ``serve``.

Needs ``/usr/bin/chromium`` (Debian package ``chromium``) and the ``playwright`` Python package;
``playwright install`` is never run: the system browser is used. Set ``AUDIOESSAY_SCREENSHOTS``
to a folder to keep the screenshots (phone width, light and dark) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import debian_chromium

from audioessay.models import Episode, Link
from audioessay.publish.cover import make_default_cover
from audioessay.publish.feed import write_feed
from audioessay.publish.page import write_page
from audioessay.publish.serve import make_server, server_url
from audioessay.publish.transcript_page import write_transcript_pages
from audioessay.workspace import ShowConfig

PHONE = {"width": 375, "height": 800}
SHOW = ShowConfig(title="Essays Out Loud", author="Ada Reader", description="Essays, read aloud.\n\nEvery week.",
                  base_url="http://127.0.0.1:8000/")
ALL_READY = "() => [...document.querySelectorAll('audio')].every(a => a.readyState >= 1)"

def _tone(path: Path, seconds: float, frequency: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"sine=f={frequency}:d={seconds}", "-ac", "1", "-ar", "44100", "-b:a", "96k", str(path)],
                   check=True, capture_output=True, timeout=60)


def _episode(root: Path, slug: str, title: str, number: int, seconds: float, day: int) -> Episode:
    folder = root / "output" / slug
    _tone(folder / f"{slug}.mp3", seconds, 300 + 110 * number)
    (folder / f"{slug}.vtt").write_text(
        f"WEBVTT\n\n00:00.000 --> 00:01.000\n{title}.\n\n00:01.100 --> 00:02.000\nBy Ada Reader.\n\n"
        "00:03.000 --> 00:04.500\nA first &lt;script&gt;alert(1)&lt;/script&gt; sentence\nof the essay.\n\n"
        "00:04.600 --> 00:06.000\nA second one, with a " + "verylongwordwithoutbreaks" * 4 + ".\n\n"
        "01:05.000 --> 01:07.000\nThe second part begins.\n", encoding="utf-8")
    (folder / f"{slug}.srt").write_text(f"1\n00:00:00,000 --> 00:00:01,000\n{title}.\n", encoding="utf-8")
    (folder / "chapters.json").write_text(
        '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Start"},'
        ' {"startTime": 65, "title": "Second part"}]}\n', encoding="utf-8")
    (folder / "script.txt").write_text("# not public\n", encoding="utf-8")
    rel = Path("output", slug)
    return Episode(slug=slug, title=title, source=Path(f"seeds/{slug}.md"), audio=rel / f"{slug}.mp3",
                   audio_bytes=(folder / f"{slug}.mp3").stat().st_size, duration=seconds,
                   description=f"An essay about {title.lower()}.\n\nA second paragraph of show notes.",
                   links=(Link("https://example.org/source", "A source"),
                          # A long source URL shown as its own text: it must wrap on a phone.
                          Link("https://example.org/" + "averylongpathsegmentwithoutbreaks" * 6, "")),
                   guid=f"urn:test:{slug}",
                   pub_date=dt.datetime(2024, 5, day, 8, 0, tzinfo=dt.UTC), number=number,
                   transcript_vtt=rel / f"{slug}.vtt", transcript_srt=rel / f"{slug}.srt",
                   chapters=rel / "chapters.json")


@dataclass(frozen=True)
class Site:
    root: Path  # the workspace
    base: str  # the server's URL, ending in /
    episodes: list[Episode]  # newest first, as the page lists them


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A workspace with two episodes, its feed, cover and page written by the library, served over HTTP."""
    root = tmp_path_factory.mktemp("ws")
    (root / "audioessay.toml").write_text('[show]\ntitle = "Essays Out Loud"\n', encoding="utf-8")
    episodes = [
        _episode(root, "on-walking", "On Walking", 1, 1.0, 1),
        _episode(root, "the-long-title", "A Rather Long Title About Why Essays Sound Better Read Aloud", 2, 1.5, 8),
    ]
    cover = make_default_cover(SHOW.title, SHOW.author, root / "feeds" / "cover.jpg")
    server = make_server(root, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = server_url(server)
    try:
        write_feed(root / "feeds" / "feed.xml", SHOW, episodes, base, "feeds/cover.jpg", root)
        write_transcript_pages(root, SHOW, episodes)
        write_page(root / "feeds" / "index.html", SHOW, episodes, base, cover.relative_to(root).as_posix())
        yield Site(root, base, sorted(episodes, key=lambda e: e.pub_date, reverse=True))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with debian_chromium(tmp_path_factory.mktemp("home")) as chromium:
        yield chromium


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    """A fresh page on the show's web page; fails the test on any script error or failed request."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    # Chromium asks for /favicon.ico by itself; the page names no icon, so that one 404 is expected.
    tab.on("console", lambda msg: problems.append(f"console: {msg.text} ({msg.location.get('url')})")
           if msg.type == "error" and not str(msg.location.get("url", "")).endswith("/favicon.ico") else None)
    tab.on("response", lambda r: problems.append(f"{r.status} {r.url}")
           if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    response = tab.goto(site.base + "feeds/index.html", wait_until="load")
    assert response is not None and response.status == 200
    try:
        yield tab
        assert problems == []
    finally:
        context.close()


def test_page_shows_the_show_and_every_episode(page: Any, site: Site) -> None:
    assert page.title() == SHOW.title
    assert page.locator("h1").all_inner_texts() == [SHOW.title]
    assert page.locator("article h2").all_inner_texts() == [e.title for e in site.episodes]
    assert page.locator("html").get_attribute("lang") == SHOW.language


def test_every_player_loads_its_audio(page: Any, site: Site) -> None:
    assert page.locator("audio").count() == len(site.episodes)
    page.wait_for_function(ALL_READY, timeout=20_000)
    durations = page.eval_on_selector_all("audio", "els => els.map(a => a.duration)")
    assert durations == pytest.approx([e.duration for e in site.episodes], abs=0.1)


def test_every_player_has_an_accessible_name(page: Any, site: Site) -> None:
    labels = page.eval_on_selector_all("audio", "els => els.map(a => a.getAttribute('aria-label') || '')")
    assert len(labels) == len(site.episodes)
    for label, episode in zip(labels, site.episodes, strict=True):
        assert label.strip() and episode.title in label


def test_cover_loads_and_has_alt_text(page: Any) -> None:
    cover = page.locator("header img")
    assert (cover.get_attribute("alt") or "").strip()
    page.wait_for_function("() => { const i = document.querySelector('header img');"
                           " return i.complete && i.naturalWidth > 0; }", timeout=10_000)
    assert cover.evaluate("i => i.naturalWidth") == 3000


def test_every_episode_file_link_resolves(page: Any, site: Site) -> None:
    hrefs = page.eval_on_selector_all("article a[href]", "els => els.map(a => a.href)")
    local = [h for h in hrefs if h.startswith(site.base)]
    # Per episode: the readable transcript, VTT, SRT, chapters, and the download link twice (one
    # inside <audio> as fallback).
    assert len(local) == 6 * len(site.episodes)
    kinds = {".vtt": "text/vtt", ".srt": "application/srt", ".json": "application/json", ".mp3": "audio/mpeg",
             ".html": "text/html"}
    for href in set(local):
        response = page.request.get(href)
        assert response.status == 200, href
        suffix = "." + href.rsplit(".", 1)[-1]
        assert response.headers["content-type"].startswith(kinds[suffix]), href
    subscribe = page.locator(".subscribe a").get_attribute("href")
    assert subscribe == site.base + "feeds/feed.xml"
    assert page.request.get(subscribe).status == 200


def test_page_fits_a_phone(page: Any, tmp_path: Path) -> None:
    viewport = page.locator('meta[name="viewport"]').get_attribute("content")
    assert "width=device-width" in viewport
    page.set_viewport_size(PHONE)
    page.reload(wait_until="load")
    page.wait_for_function(ALL_READY, timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    overflowing = page.evaluate(
        "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 0.5)"
        ".map(e => e.tagName + (e.id ? '#' + e.id : ''))", PHONE["width"])
    assert overflowing == []
    folder = Path(os.environ.get("AUDIOESSAY_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "page-phone.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(folder / "page-phone-dark.png"), full_page=True)
    assert (folder / "page-phone.png").stat().st_size > 10_000


def test_published_copy_of_the_page_works_too(browser: Any, site: Site, tmp_path: Path) -> None:
    """After ``publish`` copies the workspace to a folder, the page served from there still plays."""
    from audioessay.publish.upload import publish

    dest = tmp_path / "published"
    publish(site.root, str(dest))
    assert not (dest / "output" / "on-walking" / "script.txt").exists()
    server = make_server(dest, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context()
    try:
        tab = context.new_page()
        response = tab.goto(server_url(server) + "feeds/index.html", wait_until="load")
        assert response is not None and response.status == 200
        tab.wait_for_function(ALL_READY, timeout=20_000)
        assert tab.locator("article h2").count() == len(site.episodes)
        tab.get_by_role("link", name="Read the transcript").first.click()
        tab.wait_for_load_state("load")
        assert tab.locator("h1").inner_text() == site.episodes[0].title
    finally:
        context.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- the readable transcript pages -----------------------------------------------------------------

@pytest.fixture
def transcript(browser: Any, site: Site) -> Iterator[Any]:
    """A fresh phone-sized tab on the first episode's transcript page, reached from the show's page;
    fails the test on any script error or failed request."""
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on("response", lambda r: problems.append(f"{r.status} {r.url}")
           if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    tab.goto(site.base + "feeds/index.html", wait_until="load")
    tab.locator(f"article#{site.episodes[0].slug}").get_by_role("link", name="Read the transcript").click()
    tab.wait_for_load_state("load")
    try:
        yield tab
        assert problems == []
    finally:
        context.close()


def test_transcript_page_shows_the_episode_and_its_words(transcript: Any, site: Site) -> None:
    episode = site.episodes[0]
    assert transcript.url == site.base + f"feeds/transcripts/{episode.slug}.html"
    assert transcript.locator("html").get_attribute("lang") == SHOW.language
    assert transcript.locator("h1").all_inner_texts() == [episode.title]
    assert transcript.locator("main h2").all_inner_texts() == ["Start", "Second part"]
    assert transcript.get_by_role("main").count() == 1 and transcript.get_by_role("banner").count() == 1
    assert SHOW.title in transcript.get_by_role("navigation", name="Show").inner_text()
    meta = transcript.locator("header .meta").inner_text()
    assert "8 May 2024" in meta and "0:01" in meta
    paragraphs = transcript.locator("main p[data-start]")
    # Cues joined into paragraphs at the pauses (>0.8 s) and at the chapter start, not one per line.
    assert paragraphs.count() == 3
    assert paragraphs.nth(0).inner_text() == f"00:00 {episode.title}. By Ada Reader."
    assert "A first <script>alert(1)</script> sentence of the essay. A second one" in paragraphs.nth(1).inner_text()
    assert transcript.locator("main script").count() == 0
    assert paragraphs.nth(2).get_attribute("data-start") == "65.000"
    assert paragraphs.nth(2).locator("a.time").get_attribute("href") == "#t=01:05"


def test_transcript_page_fits_a_phone(transcript: Any, tmp_path: Path) -> None:
    transcript.wait_for_function(ALL_READY, timeout=20_000)
    assert transcript.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    overflowing = transcript.evaluate(
        "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 0.5)"
        ".map(e => e.tagName + (e.id ? '#' + e.id : ''))", PHONE["width"])
    assert overflowing == []
    folder = Path(os.environ.get("AUDIOESSAY_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    transcript.screenshot(path=str(folder / "transcript-phone.png"), full_page=True)
    transcript.emulate_media(color_scheme="dark")
    transcript.screenshot(path=str(folder / "transcript-phone-dark.png"), full_page=True)


def test_a_timestamp_seeks_the_player(transcript: Any) -> None:
    transcript.wait_for_function(ALL_READY, timeout=20_000)
    transcript.locator("main p[data-start] a.time").nth(1).click()
    assert transcript.url.endswith("#t=00:03")
    transcript.wait_for_function("() => Math.abs(document.querySelector('audio').currentTime - 3) < 0.01"
                                 " || document.querySelector('audio').currentTime >= document.querySelector('audio').duration",
                                 timeout=5_000)
    back = transcript.get_by_role("link", name=f"Back to {SHOW.title}")
    assert back.get_attribute("href") == "../index.html#" + transcript.url.rsplit("/", 1)[1].split(".")[0]
