"""The AAC copy (``audio.aac = true``) from render to feed, page and server.

One short essay is rendered once per module with the real command; each test that changes
something works on a copy. The MP3 stays the feed's ``<enclosure>``; the ``.m4a`` is a
``podcast:alternateEnclosure`` and a download link on the page.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import make_workspace, run_cli
from lxml import etree
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from PIL import Image

from audioessay.master.tags import embedded_cover
from audioessay.publish.feed import check_feed
from audioessay.publish.podcast_ext import PODCAST_NS
from audioessay.publish.serve import make_server

ESSAY, SLUG = "notes-on-walking.txt", "notes-on-walking"
BASE = "http://127.0.0.1:8000/"  # show.base_url of the repository's config
MP3_REL, M4A_REL = f"output/{SLUG}/{SLUG}.mp3", f"output/{SLUG}/{SLUG}.m4a"
NS = {"podcast": PODCAST_NS}


def set_aac(ws: Path, on: bool) -> None:
    config = ws / "audioessay.toml"
    text = re.sub(r"(?m)^aac = .*\n", "", config.read_text(encoding="utf-8"))
    text = text.replace("[audio]\n", f"[audio]\naac = {'true' if on else 'false'}\n", 1)
    config.write_text(text, encoding="utf-8")


def render(ws: Path) -> dict[str, Any]:
    report = json.loads(run_cli(["render", "--json"], ws, check=True).stdout)
    assert report["errors"] == [] and report["problems"] == [], report
    return report


def episode(report: dict[str, Any]) -> dict[str, Any]:
    (only,) = report["episodes"]
    return only


def record(ws: Path) -> dict[str, Any]:
    return json.loads((ws / f"output/{SLUG}/build.json").read_text(encoding="utf-8"))


def alternates(ws: Path) -> list[etree._Element]:
    feed = etree.parse(str(ws / "feeds/feed.xml"))
    return feed.findall("channel/item/podcast:alternateEnclosure", NS)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    ws = make_workspace(tmp_path_factory.mktemp("aac") / "ws", [ESSAY])
    set_aac(ws, True)
    report = render(ws)
    assert episode(report)["remade"] and episode(report)["synthesized"] > 0
    return ws, report


@pytest.fixture
def ws(rendered: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    """A copy of the rendered workspace (mtimes kept): the copy is up to date too."""
    copy = tmp_path / "ws"
    shutil.copytree(rendered[0], copy)
    return copy


def test_render_makes_records_and_reports_the_aac_copy(rendered: tuple[Path, dict[str, Any]]) -> None:
    ws, report = rendered
    m4a = ws / M4A_REL
    assert m4a.is_file()
    assert MP4(m4a).info.codec.startswith("mp4a")
    assert abs(MP4(m4a).info.length - MP3(ws / MP3_REL).info.length) < 0.1
    assert episode(report)["aac"] == M4A_REL and episode(report)["audio"] == MP3_REL
    built = record(ws)
    assert (built["aac"], built["aac_bytes"], built["aac_bitrate"]) == (M4A_REL, m4a.stat().st_size, 96_000)
    assert json.loads((ws / f"output/{SLUG}/report.json").read_text(encoding="utf-8"))["aac"] == f"{SLUG}.m4a"


def test_the_feed_has_the_alternate_enclosure_and_keeps_the_mp3(rendered: tuple[Path, dict[str, Any]]) \
        -> None:
    ws, _report = rendered
    size = (ws / M4A_REL).stat().st_size
    (alternate,) = alternates(ws)
    assert dict(alternate.attrib) == \
        {"type": "audio/mp4", "length": str(size), "bitrate": "96000", "title": "AAC"}
    (source,) = alternate.findall("podcast:source", NS)
    assert dict(source.attrib) == {"uri": BASE + M4A_REL}

    parsed = feedparser.parse(str(ws / "feeds/feed.xml"))
    assert not parsed.bozo, parsed.bozo_exception
    (item,) = parsed.entries
    # Podcast apps that do not know the namespace see the MP3, and only the MP3.
    assert [(e["href"], e["type"]) for e in item.enclosures] == [(BASE + MP3_REL, "audio/mpeg")]
    assert item["podcast_alternateenclosure"]["type"] == "audio/mp4"
    assert item["podcast_alternateenclosure"]["length"] == str(size)
    assert item["podcast_source"]["uri"] == BASE + M4A_REL

    assert check_feed(ws, ws / "feeds/feed.xml") == []
    check = run_cli(["check"], ws)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_page_links_the_aac_copy(rendered: tuple[Path, dict[str, Any]]) -> None:
    ws, _report = rendered
    page = (ws / "feeds/index.html").read_text(encoding="utf-8")
    assert f'<a href="../output/{SLUG}/{SLUG}.m4a" type="audio/mp4" download>AAC (.m4a)</a>' in page
    assert f'<a href="../output/{SLUG}/{SLUG}.mp3" download>Download audio</a>' in page


@pytest.fixture
def served(rendered: tuple[Path, dict[str, Any]]) -> Iterator[str]:
    server = make_server(rendered[0])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_serve_sends_the_m4a_but_not_the_encoded_parts(rendered: tuple[Path, dict[str, Any]],
                                                       served: str) -> None:
    ws, _report = rendered
    with urllib.request.urlopen(served + M4A_REL, timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "audio/mp4"
        assert response.read() == (ws / M4A_REL).read_bytes()
    parts = sorted((ws / f"output/{SLUG}/.encoded").iterdir())
    assert parts, "mastering keeps its encoded parts in output/<slug>/.encoded/"
    private = [f"output/{SLUG}/.encoded/{p.name}" for p in parts]
    for path in [*private, f"output/{SLUG}/.encoded/", f"output/{SLUG}/%2Eencoded/{parts[0].name}"]:
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(served + path, timeout=10)
        assert error.value.code == 404, path


def test_turning_aac_off_removes_it_everywhere_without_narrating(ws: Path) -> None:
    set_aac(ws, False)
    after = episode(render(ws))
    assert after["remade"] and after["synthesized"] == 0 and after["cached"] > 0
    assert after["aac"] is None
    assert not (ws / M4A_REL).exists()
    assert record(ws)["aac"] is None
    assert alternates(ws) == []
    assert "podcast:alternateEnclosure" not in (ws / "feeds/feed.xml").read_text(encoding="utf-8")
    assert "AAC (.m4a)" not in (ws / "feeds/index.html").read_text(encoding="utf-8")

    set_aac(ws, True)  # and on again: mastered again, nothing narrated
    again = episode(render(ws))
    assert again["remade"] and again["synthesized"] == 0 and again["aac"] == record(ws)["aac"]
    (alternate,) = alternates(ws)
    assert alternate.get("length") == str((ws / record(ws)["aac"]).stat().st_size)


def test_a_missing_aac_copy_is_made_again_without_narrating(ws: Path) -> None:
    (ws / M4A_REL).unlink()
    after = episode(render(ws))
    assert after["remade"] and after["synthesized"] == 0
    # A remade episode's files get a new name (the feed never names a file that changed).
    m4a = ws / record(ws)["aac"]
    assert m4a.is_file() and record(ws)["aac_bytes"] == m4a.stat().st_size


def test_a_cover_change_retags_the_aac_copy_too(ws: Path) -> None:
    Image.new("RGB", (1400, 1400), (180, 40, 40)).save(ws / "art.jpg", "JPEG", quality=85)
    config = ws / "audioessay.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[show]\n", '[show]\ncover = "art.jpg"\n', 1), encoding="utf-8")
    after = episode(render(ws))
    assert not after["remade"] and after["synthesized"] == 0
    assert any("tags rewritten" in note for note in after["notes"])
    m4a = ws / record(ws)["aac"]
    assert not (ws / M4A_REL).exists()  # the copy before the new cover: gone once the feed names the new one
    assert bytes(MP4(m4a)["covr"][0]) == embedded_cover(ws / "art.jpg")[0]  # the new cover, made small
    assert record(ws)["aac_bytes"] == m4a.stat().st_size
    (alternate,) = alternates(ws)
    assert alternate.get("length") == str(m4a.stat().st_size)
    assert run_cli(["check"], ws).returncode == 0


def test_check_feed_reports_a_changed_m4a_and_remembers_its_duration(ws: Path, monkeypatch) -> None:
    import audioessay.fsutil
    import audioessay.publish.feed as feed_module

    monkeypatch.setattr(audioessay.fsutil, "SETTLE_NS", 20_000_000)  # settled after 20 ms, not 2 s
    feed, memo = ws / "feeds/feed.xml", ws / ".audioessay" / "checked.json"
    time.sleep(0.05)
    assert check_feed(ws, feed, memo) == []
    assert f"duration {M4A_REL}" in json.loads(memo.read_text(encoding="utf-8"))["entries"]
    read: list[Path] = []
    original = feed_module._audio_seconds
    monkeypatch.setattr(feed_module, "_audio_seconds", lambda p: read.append(p) or original(p))
    assert check_feed(ws, feed, memo) == [] and read == []  # from the memo

    with open(ws / M4A_REL, "ab") as handle:
        handle.write(b"\0" * 10)
    problems = check_feed(ws, feed, memo)
    assert any("alternate enclosure AAC length" in p and f"{M4A_REL} has" in p for p in problems), problems
    (ws / M4A_REL).unlink()
    problems = check_feed(ws, feed, memo)
    assert any("alternate enclosure AAC" in p and "missing or private" in p for p in problems), problems
