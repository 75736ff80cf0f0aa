"""Readable transcript pages, feeds/transcripts/<name>.html: paragraphs from the WebVTT cues."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from audioessay.models import Episode
from audioessay.publish.public import is_public, public_files
from audioessay.publish.transcript_page import (
    Cue,
    group_paragraphs,
    parse_vtt,
    read_chapters,
    render_transcript_page,
    write_transcript_pages,
)
from audioessay.workspace import ShowConfig

NASTY = '<script>alert(1)</script> & "quotes"'
SHOW = ShowConfig(title="Read <Aloud>", author="Ada", language="fr", description="Essays.",
                  base_url="https://example.com/pod")
EPISODE = Episode(slug="her", title="Her <script>alert(1)</script>", source=Path("seeds/her.md"),
                  audio=Path("output/her/her.mp3"), audio_bytes=10, duration=125.4, description="", links=(),
                  guid="g1", pub_date=dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC), number=1,
                  transcript_vtt=Path("output/her/her.vtt"), chapters=Path("output/her/chapters.json"))
VTT = """WEBVTT

NOTE a comment --> not a cue

00:00:00.000 --> 00:00:01.500
Her &lt;script&gt;alert(1)&lt;/script&gt;.

00:00:01.600 --> 00:00:02.900
From Read &lt;Aloud&gt;.

intro-3
00:00:04.000 --> 00:00:05.000
The first sentence is
on two lines.

00:00:05.350 --> 00:00:06.000
<v Ada>The second</v> &amp; <i>last</i>.

00:01:05.000 --> 00:01:06.000
A new chapter.

00:01:06.200 --> 00:01:07.000
Same paragraph.

01:02:03.000 --> 01:02:04.000
An hour in.
"""
CHAPTERS = '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Opening"},' \
           ' {"startTime": 65, "title": "Part <two>"}]}\n'


def cues(*spans: tuple[float, float]) -> list[Cue]:
    return [Cue(start, end, f"w{index}") for index, (start, end) in enumerate(spans)]


# --- reading the cues ----------------------------------------------------------------------------

def test_parse_vtt_reads_cues_as_plain_text():
    parsed = parse_vtt(VTT)
    assert [c.start for c in parsed] == [0.0, 1.6, 4.0, 5.35, 65.0, 66.2, 3723.0]
    assert parsed[0].text == "Her <script>alert(1)</script>."
    assert parsed[2].text == "The first sentence is on two lines."  # cue lines joined
    assert parsed[3].text == "The second & last."  # cue tags removed, entities decoded
    assert parsed[2].end == 5.0


def test_parse_vtt_tolerates_bom_crlf_short_stamps_and_junk():
    text = "\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nShort stamps.\r\n\r\nnot a --> cue\r\nx\r\n\r\n" \
           "00:03.000 --> 00:04.000\r\n\r\n"
    assert parse_vtt(text) == [Cue(1.0, 2.0, "Short stamps.")]
    assert parse_vtt("") == [] and parse_vtt("garbage") == []


def test_read_chapters_is_lenient(tmp_path: Path):
    path = tmp_path / "chapters.json"
    path.write_text(CHAPTERS, encoding="utf-8")
    assert read_chapters(path) == [(0.0, "Opening"), (65.0, "Part <two>")]
    path.write_text("{broken", encoding="utf-8")
    assert read_chapters(path) == []
    path.write_text('{"chapters": [{"startTime": true, "title": "x"}, {"startTime": 3, "title": " "}, 7]}',
                    encoding="utf-8")
    assert read_chapters(path) == []
    assert read_chapters(None) == [] and read_chapters(tmp_path / "missing.json") == []


# --- paragraphs ----------------------------------------------------------------------------------

def test_cues_join_into_paragraphs_at_long_pauses():
    sections = group_paragraphs(cues((0, 1), (1.3, 2), (2.8, 3.5), (4.4, 5), (5.2, 6)))
    assert len(sections) == 1 and sections[0].title is None
    # 1.3-1.0 and 2.8-2.0 are 0.3 and 0.8 s (not more than 0.8); 4.4-3.5 is 0.9 s: a new paragraph
    assert [(p.start, p.text) for p in sections[0].paragraphs] == [(0, "w0 w1 w2"), (4.4, "w3 w4")]


def test_the_gap_is_a_parameter():
    assert len(group_paragraphs(cues((0, 1), (1.3, 2)), gap=0.2)[0].paragraphs) == 2


def test_chapters_start_sections_with_headings():
    sections = group_paragraphs(cues((0, 1), (1.1, 2), (2.1, 3), (3.1, 4)), [(2.0, "Two"), (2.12, "Three")])
    # a chapter starts at the first cue at or (just) after its start; several before one cue: the last
    assert [(s.title, [p.text for p in s.paragraphs]) for s in sections] == [
        (None, ["w0 w1"]), ("Three", ["w2 w3"])]


def test_chapter_at_zero_and_chapters_past_the_words():
    sections = group_paragraphs(cues((0.0, 1)), [(0, "Intro"), (99, "Never reached")])
    assert [(s.title, [p.text for p in s.paragraphs]) for s in sections] == [("Intro", ["w0"])]


def test_no_cues_no_sections():
    assert group_paragraphs([], [(0, "Intro")]) == []


def test_paragraph_anchors_are_timestamps_and_unique():
    sections = group_paragraphs(cues((5.2, 5.4), (5.5, 5.9), (3725.9, 3726)), [(5.5, "B")], gap=0.05)
    anchors = [p.anchor for s in sections for p in s.paragraphs]
    assert anchors == ["t=00:05", "t=00:05-2", "t=1:02:05"]


# --- the page ------------------------------------------------------------------------------------

def test_page_content_and_escaping():
    html = render_transcript_page(SHOW, EPISODE, VTT, [(0, "Opening"), (65, NASTY)])
    assert '<html lang="fr">' in html
    assert "<script>alert" not in html and '"quotes"' not in html
    assert "<h1>Her &lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;</h2>" in html
    assert '<time datetime="2024-05-01T08:00:00Z">1 May 2024</time> · 2:05' in html
    assert "<main" in html and "<header>" in html and "<footer>" in html and "<nav" in html
    assert '<a href="../index.html#her">Read &lt;Aloud&gt;</a>' in html
    assert 'src="../../output/her/her.mp3"' in html and 'href="../../output/her/her.vtt"' in html
    assert ('<p data-start="4.000"><a class="time" id="t=00:04" href="#t=00:04">00:04</a> '
            "The first sentence is on two lines. The second &amp; last.</p>") in html
    assert 'id="t=1:02:03"' in html
    assert html.count("<script>") == 1  # the page's own, which seeks the player


def test_page_is_deterministic_and_independent_of_the_base_url():
    assert render_transcript_page(SHOW, EPISODE, VTT) == render_transcript_page(
        dataclasses.replace(SHOW, base_url="http://127.0.0.1:8000/"), EPISODE, VTT)


# --- writing -------------------------------------------------------------------------------------

def _workspace(root: Path) -> Path:
    folder = root / "output" / "her"
    folder.mkdir(parents=True)
    (folder / "her.vtt").write_text(VTT, encoding="utf-8")
    (folder / "chapters.json").write_text(CHAPTERS, encoding="utf-8")
    return root


def test_written_atomically_named_after_the_vtt_and_skipped_when_unchanged(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch):
    from audioessay.publish import transcript_page

    root = _workspace(tmp_path)
    memo = root / ".audioessay" / "transcripts.json"
    no_vtt = dataclasses.replace(EPISODE, slug="silent", transcript_vtt=None, number=2, guid="g2")
    assert write_transcript_pages(root, SHOW, [EPISODE, no_vtt], memo) == ["feeds/transcripts/her.html"]
    page = root / "feeds" / "transcripts" / "her.html"
    first, mtime = page.read_bytes(), page.stat().st_mtime_ns
    assert b"<h2 id=\"chapter-2\">Part &lt;two&gt;</h2>" in first
    assert [p.name for p in page.parent.iterdir()] == ["her.html"]  # no temporary file left
    renders: list[object] = []
    real = transcript_page.render_transcript_page
    monkeypatch.setattr(transcript_page, "render_transcript_page",
                        lambda *args: renders.append(args) or real(*args))
    monkeypatch.setattr(transcript_page, "settled", lambda version: True)  # as if written long ago
    assert write_transcript_pages(root, SHOW, [EPISODE], memo) == []  # same bytes: not written
    assert page.stat().st_mtime_ns == mtime and len(renders) == 1
    assert write_transcript_pages(root, SHOW, [EPISODE], memo) == []
    assert len(renders) == 1  # the memo says the page is current: not even rendered
    (root / "output/her/her.vtt").write_text(VTT.replace("An hour in.", "Changed."), encoding="utf-8")
    assert write_transcript_pages(root, SHOW, [EPISODE], memo) == ["feeds/transcripts/her.html"]
    assert b"Changed." in page.read_bytes()


def test_a_remade_version_gets_its_own_page_and_the_old_one_goes(tmp_path: Path):
    root = _workspace(tmp_path)
    assert write_transcript_pages(root, SHOW, [EPISODE]) == ["feeds/transcripts/her.html"]
    (root / "output/her/her.2.vtt").write_text(VTT, encoding="utf-8")
    remade = dataclasses.replace(EPISODE, transcript_vtt=Path("output/her/her.2.vtt"))
    (root / "feeds/transcripts/.her.x.part.html").write_text("in flight", encoding="utf-8")
    assert write_transcript_pages(root, SHOW, [remade]) == ["feeds/transcripts/her.2.html"]
    assert sorted(p.name for p in (root / "feeds/transcripts").iterdir()) == [".her.x.part.html", "her.2.html"]
    assert write_transcript_pages(root, SHOW, []) == []
    assert [p.name for p in (root / "feeds/transcripts").iterdir()] == [".her.x.part.html"]


def test_the_page_links_the_transcript_page():
    from audioessay.publish.page import render_page, transcript_page_relpath

    assert transcript_page_relpath(EPISODE) == "feeds/transcripts/her.html"
    assert transcript_page_relpath(dataclasses.replace(EPISODE, transcript_vtt=None)) is None
    html = render_page(SHOW, [EPISODE], SHOW.base_url, "feeds/cover.jpg")
    assert '<a href="transcripts/her.html">Read the transcript</a>' in html


# --- public -----------------------------------------------------------------------------------------

def test_transcript_pages_are_public_and_nothing_else_becomes_public(tmp_path: Path):
    root = _workspace(tmp_path)
    write_transcript_pages(root, SHOW, [EPISODE])
    folder = root / "feeds" / "transcripts"
    for name in (".hidden.html", "notes.txt", "her.vtt", ".html", "x.html.part"):
        (folder / name).write_text("x", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.html").write_text("x", encoding="utf-8")
    (folder / "dir.html").mkdir()
    (root / "audioessay.toml").write_text("[show]\n", encoding="utf-8")
    (folder / "config.html").symlink_to(root / "audioessay.toml")
    (folder / "alias.html").symlink_to(folder / "her.html")
    (root / "feeds" / "other.html").write_text("x", encoding="utf-8")
    (root / "output" / "her" / "her.html").write_text("x", encoding="utf-8")
    (root / "seeds").mkdir()
    (root / "seeds" / "transcripts").mkdir()
    (root / "seeds" / "transcripts" / "a.html").write_text("x", encoding="utf-8")
    assert [p.as_posix() for p in public_files(root)] == [
        "feeds/transcripts/alias.html", "feeds/transcripts/her.html",
        "output/her/chapters.json", "output/her/her.vtt",
    ]
    assert is_public(root, "feeds/transcripts/her.html")
    for private in ("feeds/transcripts/.hidden.html", "feeds/transcripts/notes.txt", "feeds/transcripts/.html",
                    "feeds/transcripts/sub/deep.html", "feeds/transcripts/dir.html", "feeds/transcripts/config.html",
                    "feeds/other.html", "output/her/her.html", "seeds/transcripts/a.html",
                    "feeds/transcripts/../index.html", "feeds/transcripts", "feeds/transcripts/missing.html"):
        assert not is_public(root, private), private


def test_a_damaged_vtt_leaves_the_last_page_alone(tmp_path: Path):
    """A transcript damaged in place (the feed check reports it) does not replace a good page with
    an empty one."""
    root = _workspace(tmp_path)
    write_transcript_pages(root, SHOW, [EPISODE])
    page = root / "feeds" / "transcripts" / "her.html"
    good = page.read_bytes()
    vtt = root / "output/her/her.vtt"
    vtt.write_bytes(b"X" * vtt.stat().st_size)
    assert write_transcript_pages(root, SHOW, [EPISODE]) == []
    assert page.read_bytes() == good
    page.unlink()  # no page yet: one is written all the same, without words
    assert write_transcript_pages(root, SHOW, [EPISODE]) == ["feeds/transcripts/her.html"]
    assert b"has no words" in page.read_bytes()
