"""Incremental renders: each change re-makes exactly what depends on it, and nothing else.

An episode's audio is made from its script, the voice settings, the music and the mastering
settings (and whatever the announcement speaks: the show title, the number, the title); its
tags also from the cover, the show's author and the dates. One workspace is rendered once per
module; each test changes one thing in a copy of it, renders again, and counts what was redone:
takes narrated (``render --json``) and files rewritten (mtime and bytes of every public file).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import make_workspace, run_cli
from lxml import etree
from mutagen.id3 import ID3
from PIL import Image

from audioessay.master.tags import embedded_cover

ESSAYS = ["notes-on-walking.txt", "her-ending-explained-emotionally.txt"]
WALK, HER = "notes-on-walking", "her-ending-explained-emotionally"

Snapshot = dict[str, tuple[int, str]]


def render(ws: Path, *args: str) -> dict[str, Any]:
    result = run_cli(["render", "--json", *args], ws, check=True)
    return json.loads(result.stdout)


def by_slug(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert report["errors"] == []
    return {e["slug"]: e for e in report["episodes"]}


def snapshot(ws: Path) -> Snapshot:
    """(mtime_ns, sha256) of every file under output/ and feeds/, and of episodes.json."""
    files = [*ws.joinpath("output").rglob("*"), *ws.joinpath("feeds").rglob("*"), ws / "episodes.json"]
    return {p.relative_to(ws).as_posix(): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in files if p.is_file()}


def changed(before: Snapshot, after: Snapshot) -> set[str]:
    """Files rewritten (new mtime or bytes), added or removed."""
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def episode_files(slug: str, *names: str) -> set[str]:
    return {f"output/{slug}/{name}" for name in names}


def mp3(ws: Path, slug: str) -> str:
    """The episode's MP3 as its build.json names it: a remade episode's files get a new name
    (output/<slug>/<slug>.<version>.mp3), so that the feed never names a file that changed."""
    return json.loads((ws / f"output/{slug}/build.json").read_text(encoding="utf-8"))["audio"]


def audio_frames(path: Path) -> bytes:
    """The MP3 without its ID3v2 tag: the encoded audio."""
    return path.read_bytes()[ID3(path).size:]


def set_key(ws: Path, section: str, key: str, value: str) -> None:
    """Set ``key = value`` (TOML) in one section of audioessay.toml."""
    config = ws / "audioessay.toml"
    text = config.read_text(encoding="utf-8")
    lines, current, done = text.splitlines(), None, False
    for index, line in enumerate(lines):
        header = re.fullmatch(r"\[(\w+)\]", line.strip())
        if header:
            if current == section and not done:
                lines.insert(index, f"{key} = {value}")
                done = True
                break
            current = header.group(1)
        elif current == section and re.match(rf"{key}\s*=", line):
            lines[index] = f"{key} = {value}"
            done = True
            break
    if not done:
        if current != section:
            lines.append(f"[{section}]")
        lines.append(f"{key} = {value}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = make_workspace(tmp_path_factory.mktemp("incremental") / "ws", ESSAYS)
    # Two new episodes and two jobs: the takes go to the workers while the scripts are still being
    # written; each is narrated once and counted as narrated, none as taken from the cache.
    episodes = by_slug(render(ws, "--jobs", "2"))
    assert all(e["remade"] and e["synthesized"] > 0 and e["cached"] == 0 for e in episodes.values())
    return ws


@pytest.fixture
def ws(rendered: Path, tmp_path: Path) -> Path:
    """A copy of the rendered workspace (mtimes kept): the copy is up to date too."""
    copy = tmp_path / "ws"
    shutil.copytree(rendered, copy)
    return copy


def test_nothing_changed_redoes_nothing_and_rewrites_no_file(ws: Path) -> None:
    before = snapshot(ws)
    episodes = by_slug(render(ws))
    assert {slug: (e["remade"], e["synthesized"]) for slug, e in episodes.items()} == \
        {WALK: (False, 0), HER: (False, 0)}
    assert all(e["audio"] and e["duration"] for e in episodes.values())
    assert changed(before, snapshot(ws)) == set()


def test_editing_one_script_remakes_only_that_episode(ws: Path) -> None:
    script = ws / "output" / WALK / "script.txt"
    text = script.read_text(encoding="utf-8")
    edited = text.replace("and the street changes.", "and the whole street changes.")
    assert edited != text
    script.write_text(edited, encoding="utf-8")
    before = snapshot(ws)

    episodes = by_slug(render(ws))
    assert episodes[WALK]["remade"] and episodes[WALK]["synthesized"] == 1
    assert not episodes[HER]["remade"] and episodes[HER]["synthesized"] == 0
    rewritten = changed(before, snapshot(ws))
    assert not any(path.startswith(f"output/{HER}/") for path in rewritten)
    assert mp3(ws, WALK) in rewritten and "feeds/feed.xml" in rewritten  # a new enclosure length


def test_mastering_settings_remaster_without_narrating(ws: Path) -> None:
    set_key(ws, "audio", "sentence_pause", "0.6")
    before = snapshot(ws)
    episodes = by_slug(render(ws))
    for e in episodes.values():
        assert e["remade"] and e["synthesized"] == 0 and e["cached"] > 0
    rewritten = changed(before, snapshot(ws))
    assert {mp3(ws, WALK), mp3(ws, HER)} <= rewritten


def test_keep_parts_off_remasters_nothing_and_drops_the_parts_of_what_is_remade(ws: Path) -> None:
    set_key(ws, "audio", "keep_parts", "false")
    before = snapshot(ws)
    episodes = by_slug(render(ws))
    assert not any(e["remade"] or e["synthesized"] for e in episodes.values())
    assert changed(before, snapshot(ws)) == set()  # where parts go afterwards is no input of the audio

    script = ws / "output" / WALK / "script.txt"
    script.write_text(script.read_text(encoding="utf-8").replace(
        "and the street changes.", "and the whole street changes."), encoding="utf-8")
    episodes = by_slug(render(ws))
    assert episodes[WALK]["remade"] and not episodes[HER]["remade"]
    assert not (ws / "output" / WALK / ".encoded").exists()
    assert any((ws / "output" / HER / ".encoded").iterdir())  # untouched until it is re-made


def test_voice_rate_renarrates_every_take(ws: Path) -> None:
    set_key(ws, "voice", "rate", "200")
    episodes = by_slug(render(ws))
    for e in episodes.values():
        assert e["remade"] and e["cached"] == 0 and e["synthesized"] > 1


def test_show_title_renarrates_only_the_announcements(ws: Path) -> None:
    # The default announcement, "{show}. Episode {number}: {title}.", speaks the show title.
    set_key(ws, "show", "title", '"Essays Read Aloud"')
    episodes = by_slug(render(ws))
    for e in episodes.values():
        assert e["remade"] and e["synthesized"] == 1
    assert str(ID3(ws / mp3(ws, WALK))["TALB"]) == "Essays Read Aloud"


def _write_cover(path: Path, colour: tuple[int, int, int]) -> bytes:
    Image.new("RGB", (1400, 1400), colour).save(path, "JPEG", quality=85)
    return path.read_bytes()


def assert_retagged_only(ws: Path, before: Snapshot, frames: dict[str, bytes], report: dict[str, Any]) -> set[str]:
    """Both episodes were re-tagged, not re-narrated nor re-encoded; returns the files rewritten."""
    episodes = by_slug(report)
    for slug, e in episodes.items():
        assert e["synthesized"] == 0 and not e["remade"], e
        assert any("tags rewritten" in note for note in e["notes"])
        path = ws / mp3(ws, slug)
        assert audio_frames(path) == frames[slug]  # the same encoded audio, byte for byte
        record = json.loads((ws / f"output/{slug}/build.json").read_text(encoding="utf-8"))
        assert record["audio_bytes"] == path.stat().st_size
        assert json.loads((ws / f"output/{slug}/report.json").read_text(encoding="utf-8"))["audio_bytes"] \
            == path.stat().st_size
        chapters = ID3(path).getall("CHAP")
        assert len(chapters) == len(json.loads((ws / f"output/{slug}/chapters.json").read_text())["chapters"])
    rewritten = changed(before, snapshot(ws))
    for slug in (WALK, HER):  # transcripts, chapters and scripts are untouched
        assert not rewritten & episode_files(slug, f"{slug}.vtt", f"{slug}.srt", "chapters.json", "script.txt")
    # The feed names the new enclosure lengths, and they are right.
    feed = etree.parse(str(ws / "feeds/feed.xml"))
    lengths = {e.get("url").rsplit("/", 1)[1]: int(e.get("length")) for e in feed.iter("enclosure")}
    assert lengths == {Path(mp3(ws, slug)).name: (ws / mp3(ws, slug)).stat().st_size for slug in (WALK, HER)}
    check = run_cli(["check"], ws)
    assert check.returncode == 0, check.stdout + check.stderr
    return rewritten


def test_cover_change_retags_without_renarrating_or_reencoding(ws: Path) -> None:
    frames = {slug: audio_frames(ws / mp3(ws, slug)) for slug in (WALK, HER)}
    cover = _write_cover(ws / "art.jpg", (180, 40, 40))
    set_key(ws, "show", "cover", '"art.jpg"')
    before = snapshot(ws)
    old = {mp3(ws, WALK), mp3(ws, HER)}

    rewritten = assert_retagged_only(ws, before, frames, render(ws))
    for slug in (WALK, HER):
        assert ID3(ws / mp3(ws, slug)).getall("APIC")[0].data == embedded_cover(ws / "art.jpg")[0]
    # The re-tagged MP3s have new names; the old ones are gone once the feed names the new ones.
    assert not any((ws / path).exists() for path in old)
    # The readable transcript pages name the new MP3s in their players.
    assert rewritten == {*old, mp3(ws, WALK), mp3(ws, HER), "feeds/cover.jpg", "feeds/feed.xml", "feeds/index.html",
                         f"feeds/transcripts/{WALK}.html", f"feeds/transcripts/{HER}.html"} \
        | episode_files(WALK, "build.json", "report.json") | episode_files(HER, "build.json", "report.json")

    # A second cover, then nothing: re-tag again, then nothing to do.
    cover = _write_cover(ws / "art.jpg", (40, 40, 180))
    assert_retagged_only(ws, snapshot(ws), frames, render(ws))
    assert ID3(ws / mp3(ws, HER)).getall("APIC")[0].data == embedded_cover(ws / "art.jpg")[0]
    assert cover != embedded_cover(ws / "art.jpg")[0]  # 1400 px: embedded as a 600 px copy
    before = snapshot(ws)
    assert {e["remade"] for e in render(ws)["episodes"]} == {False}
    assert changed(before, snapshot(ws)) == set()


def test_show_author_retags_without_renarrating(ws: Path) -> None:
    # Not spoken; it is the MP3's artist (the essays name no author) and on the generated cover.
    frames = {slug: audio_frames(ws / mp3(ws, slug)) for slug in (WALK, HER)}
    set_key(ws, "show", "author", '"A. N. Other"')
    before = snapshot(ws)
    rewritten = assert_retagged_only(ws, before, frames, render(ws))
    assert str(ID3(ws / mp3(ws, WALK))["TPE1"]) == "A. N. Other"
    assert "feeds/cover.jpg" in rewritten  # the generated cover shows the author


def test_base_url_rewrites_only_the_feed_and_page(ws: Path) -> None:
    before = snapshot(ws)
    episodes = by_slug(render(ws, "--base-url", "https://podcasts.example.org/essays/"))
    assert {(e["remade"], e["synthesized"]) for e in episodes.values()} == {(False, 0)}
    assert changed(before, snapshot(ws)) == {"feeds/feed.xml", "feeds/index.html"}
    feed = (ws / "feeds/feed.xml").read_text(encoding="utf-8")
    assert f"https://podcasts.example.org/essays/output/{WALK}/{WALK}.mp3" in feed


# --- no-op shortcuts (issue 9): the memos in .audioessay/ never hide a change ---------------------


def test_an_essay_edited_after_a_noop_gets_its_new_script_and_episode(ws: Path) -> None:
    render(ws)  # a no-op that fills this copy's memos
    essay = ws / "seeds" / f"{WALK}.txt"
    stat = essay.stat()
    text = essay.read_text(encoding="utf-8")
    essay.write_text(text.replace("1 very surprised cat", "2 very surprised cat"), encoding="utf-8")
    os.utime(essay, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same size and mtime
    before = snapshot(ws)

    episodes = by_slug(render(ws))
    script = (ws / "output" / WALK / "script.txt").read_text(encoding="utf-8")
    assert "two very surprised cat" in script and "one very surprised cat" not in script
    assert episodes[WALK]["remade"] and episodes[WALK]["synthesized"] == 1
    assert not episodes[HER]["remade"] and episodes[HER]["synthesized"] == 0
    assert not any(path.startswith(f"output/{HER}/") for path in changed(before, snapshot(ws)))


def test_a_pronunciation_added_after_a_noop_rebuilds_the_script_it_changes(ws: Path) -> None:
    render(ws)
    set_key(ws, "pronunciations", "bakery", '"bake-ree"')
    episodes = by_slug(render(ws))
    assert "the bake-ree opens" in (ws / "output" / WALK / "script.txt").read_text(encoding="utf-8")
    assert episodes[WALK]["remade"] and episodes[WALK]["synthesized"] == 1
    assert not episodes[HER]["remade"]


def test_an_mp3_truncated_after_a_noop_is_made_again(ws: Path) -> None:
    render(ws)
    path = ws / mp3(ws, WALK)
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    report = render(ws)
    episodes = by_slug(report)
    assert episodes[WALK]["remade"] and episodes[WALK]["synthesized"] == 0 and not episodes[HER]["remade"]
    assert report["problems"] == []
    assert run_cli(["check"], ws).returncode == 0


def test_episode_files_damaged_after_a_noop_are_reported_by_render_and_check(ws: Path) -> None:
    render(ws)
    time.sleep(2.1)  # the check remembers files only once they are 2 s old (fsutil.settled)
    render(ws)
    checked = json.loads((ws / ".audioessay" / "checked.json").read_text(encoding="utf-8"))["entries"]
    assert f"duration {mp3(ws, HER)}" in checked and f"transcript:text/vtt output/{WALK}/{WALK}.vtt" in checked

    # Damage that keeps each file's size and mtime: the audio of an MP3, a transcript.
    for path, data in ((ws / mp3(ws, HER), None), (ws / f"output/{WALK}/{WALK}.vtt", b"X")):
        stat = path.stat()
        path.write_bytes((data or b"\0") * stat.st_size)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    before = snapshot(ws)
    report = render(ws)
    assert {e["remade"] for e in report["episodes"]} == {False}  # the sizes are right: nothing to redo
    assert any(f"cannot read the duration of {mp3(ws, HER)}" in p for p in report["problems"]), report["problems"]
    assert any(f"transcript output/{WALK}/{WALK}.vtt does not start with WEBVTT" in p
               for p in report["problems"]), report["problems"]
    assert changed(before, snapshot(ws)) == set()
    check = run_cli(["check"], ws)
    assert check.returncode == 1 and "does not start with WEBVTT" in check.stdout


def test_a_noop_without_its_memos_does_the_same(ws: Path) -> None:
    render(ws)
    for name in ("essays.json", "scripts.json", "checked.json", "published.json"):
        (ws / ".audioessay" / name).unlink(missing_ok=True)
    before = snapshot(ws)
    first = render(ws)
    assert {(e["remade"], e["synthesized"]) for e in first["episodes"]} == {(False, 0)}
    assert changed(before, snapshot(ws)) == set()
    assert render(ws) == first  # and with the memos made again


def test_a_build_record_edited_into_nonsense_is_remade_not_a_traceback(ws: Path) -> None:
    record_path = ws / "output" / WALK / "build.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["aac"] = True  # not a path
    record_path.write_text(json.dumps(record), encoding="utf-8")
    result = run_cli(["render", "--json"], ws)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    episodes = by_slug(json.loads(result.stdout))
    assert episodes[WALK]["remade"] and episodes[WALK]["synthesized"] == 0  # re-mastered from kept takes
    assert not episodes[HER]["remade"]


def test_a_lone_surrogate_in_front_matter_is_no_traceback(ws: Path) -> None:
    essay = ws / "seeds" / "odd-text.md"
    essay.write_text('---\ntitle: "Odd \\ud800 text"\ndescription: "A broken character \\udc80 in here."\n---\n\n'
                     "A short essay with one odd character in its description.\n", encoding="utf-8")
    for _ in range(2):  # the second render goes through every cache
        result = run_cli(["render", "--json"], ws)
        assert "Traceback" not in result.stderr, result.stderr[-2000:]
        assert result.returncode == 0, result.stderr[-2000:]
    assert "broken character" in (ws / "feeds" / "feed.xml").read_text(encoding="utf-8")
