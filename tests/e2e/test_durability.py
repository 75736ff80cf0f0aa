"""What is flushed to the disk (fsync) and what is not, and what a power cut can cost.

Every file is written to a temporary name and renamed into place. Only files that cannot be
made again are also flushed before the rename: scripts, the episode ledger, the feed, the page
and the cover. Derived files (transcripts, chapters, reports, build records, memos), like the
takes and the audio, are not: a power cut can leave one empty or short, and the next render
notices and remakes it. These tests prove both halves: which files a real render flushes, and
that a damaged derived file makes its episode be remade.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import make_workspace, run_cli

from audioessay import fsutil

ESSAYS = ["notes-on-walking.txt", "her-ending-explained-emotionally.txt"]
WALK, HER = "notes-on-walking", "her-ending-explained-emotionally"
# What a render may flush: what a person wrote or reviewed, the identities of episodes, and what
# is published.
DURABLE = {"script.txt", "episodes.json", "feed.xml", "index.html", "cover.jpg"}


@pytest.fixture
def flushed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The final names of the files this process flushes (fsutil.atomic_open's temporary
    '.NAME.xxxx.part' files are named by the NAME they are renamed to)."""
    names: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
        match = re.fullmatch(r"\.(.+)\.[^.]+\.part", name)
        names.append(match.group(1) if match else name)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    return names


def test_durable_writes_are_flushed_and_derived_ones_are_not(tmp_path: Path, flushed: list[str]) -> None:
    fsutil.atomic_write_text(tmp_path / "kept.txt", "kept")
    fsutil.atomic_write_text(tmp_path / "derived.txt", "derived", durable=False)
    assert flushed == ["kept.txt"]
    assert (tmp_path / "kept.txt").read_text() == "kept" and (tmp_path / "derived.txt").read_text() == "derived"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["derived.txt", "kept.txt"]  # no temporary left


def test_a_render_flushes_only_what_cannot_be_made_again(tmp_path: Path, flushed: list[str]) -> None:
    from audioessay.pipeline.render import render
    from audioessay.workspace import load_workspace

    ws = make_workspace(tmp_path / "ws", ESSAYS)
    # --jobs 1 masters in this process, so every file mastering writes is seen here.
    report = render(load_workspace(ws), jobs=1)
    assert report.errors == [] and [e.remade for e in report.episodes] == [True, True]
    assert set(flushed) <= DURABLE, set(flushed) - DURABLE
    assert flushed.count("script.txt") == 2 and {"episodes.json", "feed.xml"} <= set(flushed)
    # ...while the derived files were written all the same.
    for slug in (WALK, HER):
        for name in (f"{slug}.vtt", f"{slug}.srt", "chapters.json", "report.json", "build.json"):
            assert (ws / "output" / slug / name).stat().st_size > 0


def render_json(ws: Path) -> dict[str, dict]:
    report = json.loads(run_cli(["render", "--json"], ws, check=True).stdout)
    assert report["errors"] == []
    return {e["slug"]: e for e in report["episodes"]}


def test_a_derived_file_left_empty_or_short_by_a_power_cut_is_remade(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", ESSAYS)
    render_json(ws)
    walk, her = ws / "output" / WALK, ws / "output" / HER
    vtt = walk / f"{WALK}.vtt"
    whole = vtt.read_bytes()
    vtt.write_bytes(b"")  # never reached the disk
    report = her / "report.json"
    report.write_bytes(report.read_bytes()[:100])  # reached it in part

    episodes = render_json(ws)
    assert {slug: (e["remade"], e["synthesized"]) for slug, e in episodes.items()} == \
        {WALK: (True, 0), HER: (True, 0)}  # re-mastered from the cached takes
    remade = ws / json.loads((walk / "build.json").read_text(encoding="utf-8"))["transcript"]
    assert remade.read_bytes() == whole  # under the remade version's name
    json.loads(report.read_text(encoding="utf-8"))
    episodes = render_json(ws)
    assert not any(e["remade"] for e in episodes.values())


def test_a_build_record_without_sidecar_sizes_is_still_up_to_date(tmp_path: Path) -> None:
    """build.json written before the sizes were recorded: a sidecar that is there and not empty
    keeps the episode up to date, an empty one does not."""
    ws = make_workspace(tmp_path / "ws", ESSAYS)
    render_json(ws)
    for slug in (WALK, HER):
        path = ws / "output" / slug / "build.json"
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["transcript_bytes"] == (ws / record["transcript"]).stat().st_size
        old = {k: v for k, v in record.items()
               if k not in ("transcript_bytes", "transcript_srt_bytes", "chapters_bytes", "report_bytes")}
        path.write_text(json.dumps(old, indent=2) + "\n", encoding="utf-8")
    (ws / "output" / HER / "chapters.json").write_bytes(b"")

    episodes = render_json(ws)
    assert not episodes[WALK]["remade"] and episodes[HER]["remade"]


def test_a_damaged_transcript_is_left_out_of_the_feed_until_it_is_remade(tmp_path: Path) -> None:
    """`serve` and `publish` rewrite the feed without rendering: a transcript a power cut left
    empty is not linked (the MP3 and the other files still are) until the next render remakes it."""
    from audioessay.pipeline.publish import republish
    from audioessay.workspace import load_workspace

    ws = make_workspace(tmp_path / "ws", ESSAYS)
    render_json(ws)
    (ws / "output" / WALK / f"{WALK}.vtt").write_bytes(b"")
    text = republish(load_workspace(ws), "http://127.0.0.1:8000/").read_text(encoding="utf-8")
    assert f"{WALK}.vtt" not in text and f"{WALK}.srt" in text and f"{WALK}.mp3" in text
    assert f"{HER}.vtt" in text
    render_json(ws)
    remade = json.loads((ws / "output" / WALK / "build.json").read_text(encoding="utf-8"))["transcript"]
    assert remade in (ws / "feeds" / "feed.xml").read_text(encoding="utf-8")
