"""Chapters in the tags: an ID3 CTOC (and an MP4's Nero chapter list) holds at most 255 of them.

An essay with more headings keeps every chapter in chapters.json and the transcripts; the MP3's
CHAP frames (and the AAC copy's chapters) merge neighbours evenly, each group under its first
title, and still cover the whole episode in order. Titles are cut to 255 bytes of UTF-8 there;
an empty one is named by its number.
"""

from __future__ import annotations

import json
from pathlib import Path

from mutagen.id3 import ID3
from test_master_support import TAGS, config, script_of, tone_take

from audioessay.master.aac import _ffmetadata
from audioessay.master.episode import master_episode
from audioessay.master.tags import MAX_CHAPTERS, MAX_TITLE_BYTES, tag_chapters

HEADINGS = 300


def contiguous(count: int, length: int = 1000) -> list[tuple[int, int, str]]:
    return [(i * length, (i + 1) * length, f"Heading {i + 1}") for i in range(count)]


def test_more_than_255_chapters_are_merged_evenly_and_cover_the_same_span() -> None:
    chapters = contiguous(HEADINGS)
    merged = tag_chapters(chapters)
    assert len(merged) == MAX_CHAPTERS
    assert merged[0][0] == 0 and merged[-1][1] == HEADINGS * 1000
    assert all(a[1] == b[0] for a, b in zip(merged, merged[1:]))  # no gap, no overlap, in order
    sizes = {(end - start) // 1000 for start, end, _ in merged}
    assert sizes == {1, 2}  # 300 into 255: evenly, never three in one
    titles = {title for _, _, title in chapters}
    assert all(title in titles for _, _, title in merged)  # each group keeps its first title
    assert merged[0][2] == "Heading 1" and tag_chapters(chapters[:MAX_CHAPTERS]) == chapters[:MAX_CHAPTERS]


def test_long_and_empty_titles() -> None:
    long = "é" * 400  # two bytes each: a cut must fall between characters
    (_, _, cut), (_, _, empty), (_, _, kept) = tag_chapters([(0, 1, long), (1, 2, "  "), (2, 3, "Fine")])
    assert len(cut.encode("utf-8")) <= MAX_TITLE_BYTES and cut.endswith("\u2026") and cut.startswith("é" * 100)
    assert empty == "Chapter 2" and kept == "Fine"


def test_the_aac_copy_gets_the_same_capped_chapters() -> None:
    metadata = _ffmetadata(contiguous(HEADINGS))
    assert metadata.count("[CHAPTER]") == MAX_CHAPTERS
    assert "START=0\n" in metadata and f"END={HEADINGS * 1000}\n" in metadata


def test_an_episode_with_300_headings_keeps_them_all_in_chapters_json_and_255_in_the_mp3(tmp_path: Path) -> None:
    take = tone_take(tmp_path / "take.wav", 0.5)
    sentence = "Hello there."
    script = script_of(*[(f"Heading {i + 1}", [[sentence]]) for i in range(HEADINGS)])
    result = master_episode(script, {sentence: take}, out_dir=tmp_path / "out", basename="many",
                            config=config(sentence_pause=0.1, paragraph_pause=0.1, section_pause=0.15),
                            intro_music=None, announcement=None, outro=None, tags=TAGS, jobs=2)

    chapters = json.loads(result.chapters.read_text(encoding="utf-8"))["chapters"]
    assert [c["title"] for c in chapters] == [f"Heading {i + 1}" for i in range(HEADINGS)]

    tag = ID3(result.audio)
    (toc,) = tag.getall("CTOC")
    children = list(toc.child_element_ids)
    assert len(children) <= MAX_CHAPTERS
    by_id = {frame.element_id: frame for frame in tag.getall("CHAP")}
    assert sorted(children) == sorted(by_id)
    frames = [by_id[child] for child in children]
    assert frames[0].start_time == 0
    assert all(a.end_time == b.start_time for a, b in zip(frames, frames[1:]))  # in order, no gaps
    assert abs(frames[-1].end_time - result.duration * 1000) <= 1
    titles = [str(frame.sub_frames["TIT2"].text[0]) for frame in frames]
    assert titles[0] == "Heading 1" and len(set(titles)) == len(titles)
    assert titles == sorted(titles, key=lambda t: int(t.split()[1]))
