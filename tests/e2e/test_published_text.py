"""What listeners read is what the writer wrote: captions, transcripts, the readable transcript
page and chapter titles show the essay's words after a real render, never the voice's spellings
(rules, lexicon, a reviewer's respelling), and follow a reviewer's rewording."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_workspace, run_cli
from mutagen.id3 import ID3

ESSAY = """---
title: Film Notes 2
---
In 2013, Spike Jonze made Her with Joaquin Phoenix. The AI in it talks at 8 p.m. on the BBC.

## Part 2 of 3

The NOAA tables (see https://example.org/noaa) had predicted rain. It cost $23 million.
"""
SPOKEN_ONLY = ("twenty thirteen", "Spike Jones", "Wah keen", "A-I", "B-B-C", "eight p-m", "Noah",
               "twenty-three million dollars", "Part two")


def published(ws: Path) -> dict[str, str]:
    """Every published text file of the episode, and the MP3's chapter titles, by kind."""
    folder = ws / "output" / "film-notes"
    vtt, srt = sorted(folder.glob("*.vtt")), sorted(folder.glob("*.srt"))
    assert len(vtt) == 1 and len(srt) == 1
    pages = sorted((ws / "feeds" / "transcripts").glob("*.html"))
    chapters = json.loads((folder / "chapters.json").read_text(encoding="utf-8"))
    tags = ID3(next(folder.glob("*.mp3")))
    return {"vtt": vtt[0].read_text(encoding="utf-8"), "srt": srt[0].read_text(encoding="utf-8"),
            "page": pages[0].read_text(encoding="utf-8"),
            "chapters": "\n".join(c["title"] for c in chapters["chapters"]),
            "id3": "\n".join(str(frame.sub_frames.get("TIT2", "")) for frame in tags.getall("CHAP"))}


def words_of(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_workspace(tmp_path_factory.mktemp("text") / "ws", [])
    (root / "seeds" / "film-notes.md").write_text(ESSAY, encoding="utf-8")
    run_cli(["render"], root, check=True)
    return root


def test_every_published_text_shows_the_essays_words(ws: Path) -> None:
    files = published(ws)
    for kind in ("vtt", "srt", "page"):
        text = words_of(files[kind])
        for written in ("In 2013, Spike Jonze made Her", "Joaquin Phoenix", "The AI in it",
                        "at 8 p.m. on the BBC", "The NOAA tables", "$23 million"):
            assert written in text, (kind, written)
    for kind, text in files.items():
        for spoken in SPOKEN_ONLY:
            assert spoken not in text, (kind, spoken)
    assert "Part 2 of 3" in files["chapters"] and "Part 2 of 3" in files["id3"]


def test_a_rewording_shows_and_a_respelling_is_said_only(ws: Path) -> None:
    script = ws / "output" / "film-notes" / "script.txt"
    text = script.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("The N"))
    assert line.startswith("The NOAA tables")  # said as a word by the rules; the reviewer wants "Noah"
    edited = text.replace(line, line.replace("The NOAA tables", "The {NOAA|Noah} tables"))
    edited = edited.replace("with Wah keen Phoenix", "with the actor Wah keen Phoenix")
    script.write_text(edited, encoding="utf-8")
    result = run_cli(["render", "--json"], ws, check=True)
    episode = next(e for e in json.loads(result.stdout)["episodes"] if e["slug"] == "film-notes")
    assert episode["synthesized"] == 2  # the two changed lines, nothing else
    files = published(ws)
    for kind in ("vtt", "srt", "page"):
        text = words_of(files[kind])
        assert "with the actor Joaquin Phoenix" in text and "The NOAA tables" in text, kind
        assert "Noah" not in text, kind


def test_an_essay_edit_behind_a_kept_script_remakes_only_what_listeners_would_see(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", [])
    essay = root / "seeds" / "film-notes.md"
    essay.write_text(ESSAY, encoding="utf-8")
    run_cli(["render"], root, check=True)
    run_cli(["review", "film-notes", "--approve"], root, check=True)
    first = json.loads((root / "output" / "film-notes" / "build.json").read_text(encoding="utf-8"))

    # A sentence the script keeps as it was: the captions come out the same, so nothing is remade
    # (a new file name would make every app download the episode again).
    essay.write_text(ESSAY.replace("had predicted rain", "had predicted heavy rain"), encoding="utf-8")
    quiet = json.loads(run_cli(["render", "--json"], root, check=True).stdout)
    assert quiet["summary"]["made"] == 0 and quiet["summary"]["stale_slugs"] == ["film-notes"]
    record = json.loads((root / "output" / "film-notes" / "build.json").read_text(encoding="utf-8"))
    assert record["audio"] == first["audio"] and record["captions"] == first["captions"]
    assert record["written_source"] != first["written_source"]  # looked at once, not on every render

    # The record now names what the captions were found from: the next render has nothing to do.
    again = json.loads(run_cli(["render", "--json"], root, check=True).stdout)
    assert again["summary"]["made"] == 0


def test_every_version_of_an_episode_has_a_name_of_its_own(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", [])
    essay = root / "seeds" / "film-notes.md"
    names = []
    for year in ("2013", "2014", "2015"):
        essay.write_text(ESSAY.replace("2013", year), encoding="utf-8")
        run_cli(["render"], root, check=True)
        names.append(json.loads((root / "output" / "film-notes" / "build.json").read_text())["audio"])
    assert len(set(names)) == 3, names  # never the first version's URL again
    assert [p.name for p in (root / "output" / "film-notes").glob("*.mp3")] == [Path(names[-1]).name]


def test_check_finds_a_partial_upload_in_the_published_folder(ws: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    run_cli(["publish", str(site)], ws, check=True)
    good = run_cli(["check", str(site)], ws)
    assert good.returncode == 0 and "no problems found" in good.stdout, good.stdout + good.stderr
    audio = next(site.glob("output/film-notes/*.mp3"))
    audio.write_bytes(audio.read_bytes()[: audio.stat().st_size // 2])  # an upload cut short
    bad = run_cli(["check", str(site)], ws)
    assert bad.returncode == 1 and audio.name in bad.stdout, bad.stdout
    missing = run_cli(["check", str(tmp_path / "nowhere")], ws)
    assert missing.returncode != 0 and "is not a folder" in missing.stderr and "Traceback" not in missing.stderr
