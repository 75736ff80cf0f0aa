"""Whole shows narrated by Piper: one show, and piper per essay beside pyttsx3
(the engine's own tests are in tests/voice/test_piper.py)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, joe_voice, make_workspace, run_cli

from audioessay.models import VoiceSettings
from audioessay.voice.cache import TakeCache, TakeRequest
from audioessay.voice.piper_engine import PiperEngine
from audioessay.voice.pyttsx3_engine import Pyttsx3Engine

# --------------------------------------------------------------------------- per show and per essay


def essay(title: str, front: str, sentences: str) -> str:
    return f"---\ntitle: {title}\n{front}---\n{sentences}\n"


def config(engine: str, voice: str, model: str) -> str:
    base = (REPO / "audioessay.toml").read_text(encoding="utf-8")
    before, _, after = base.partition("[voice]")
    rest = after.split("\n[", 1)[1]
    return f'{before}[voice]\nengine = "{engine}"\nvoice = "{voice}"\nrate = 175\nmodel = "{model}"\n\n[{rest}'


def script_texts(ws: Path, slug: str) -> list[str]:
    from audioessay.text.scriptfile import parse_script

    path = ws / "output" / slug / "script.txt"
    return parse_script(path.read_text(encoding="utf-8"), path).sentences()


def keys(texts: list[str], settings: VoiceSettings, version: str) -> set[str]:
    return {TakeRequest(text, settings, version).key for text in texts}


def render_json(ws: Path) -> dict:
    result = run_cli(["render", "--json"], ws)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_show_narrated_by_piper(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", [], config("piper", "en-us", str(joe_voice())))
    (ws / "seeds" / "one.md").write_text(
        essay("Piper Show", "", "A neural voice reads this essay. It costs 24% less than you think."), encoding="utf-8")
    report = render_json(ws)
    (episode,) = report["episodes"]
    assert episode["synthesized"] == 3 and not report["errors"]  # two sentences and the announcement
    assert (ws / episode["audio"]).stat().st_size > 10_000 and episode["duration"] > 4
    piper = VoiceSettings(engine="piper", voice="en-us", rate=175, volume=1.0, model=str(joe_voice()))
    cached = {p.stem for p in TakeCache(ws / ".audioessay" / "cache").entries()}
    sentences = script_texts(ws, episode["slug"])
    assert keys(sentences, piper, PiperEngine().version()) <= cached
    assert len(cached) == 3


def test_piper_per_essay_beside_pyttsx3(tmp_path: Path) -> None:
    """The show uses pyttsx3 with a Piper model configured; one essay picks piper by front matter
    (model from the config), one by giving the .onnx as its voice, one keeps pyttsx3."""
    ws = make_workspace(tmp_path / "ws", [], config("pyttsx3", "en-us", str(joe_voice())))
    seeds = ws / "seeds"
    (seeds / "a-config-model.md").write_text(
        essay("Config Model", "engine: piper\n", "The model comes from the config. It says so twice."), encoding="utf-8")
    (seeds / "b-voice-path.md").write_text(
        essay("Voice Path", f"engine: piper\nvoice: {joe_voice()}\n", "The model is the voice. Here it is."),
        encoding="utf-8")
    (seeds / "c-pyttsx3.md").write_text(
        essay("Plain", "", "This one keeps the show's voice. Nothing changes."), encoding="utf-8")
    report = render_json(ws)
    assert not report["errors"]
    by_slug = {e["slug"]: e for e in report["episodes"]}
    assert {e["synthesized"] for e in by_slug.values()} == {3}
    cached = {p.stem for p in TakeCache(ws / ".audioessay" / "cache").entries()}
    piper_version, pyttsx3_version = PiperEngine().version(), Pyttsx3Engine().version()

    config_model = VoiceSettings(engine="piper", voice="en-us", model=str(joe_voice()))
    voice_path = VoiceSettings(engine="piper", voice="default", model=str(joe_voice()))
    plain = VoiceSettings(engine="pyttsx3", voice="en-us", model=str(joe_voice()))
    assert keys(script_texts(ws, "a-config-model"), config_model, piper_version) <= cached
    assert keys(script_texts(ws, "b-voice-path"), voice_path, piper_version) <= cached
    assert keys(script_texts(ws, "c-pyttsx3"), plain, pyttsx3_version) <= cached
    assert len(cached) == 9


def test_a_piper_show_on_two_jobs_with_one_essay_in_another_voice(tmp_path: Path) -> None:
    """--jobs 2 with a piper show: one worker says two takes at once on threads (the model held
    once), early narration while scripts are written, the episodes mastered here; an essay that
    picks pyttsx3 is narrated by the same worker, one take at a time."""
    ws = make_workspace(tmp_path / "ws", [], config("piper", "en-us", str(joe_voice())))
    seeds = ws / "seeds"
    for name in ("one", "two"):
        (seeds / f"{name}.md").write_text(essay(f"Piper {name}", "", f"Essay {name} is read by Piper. "
                                                "It has three sentences. This is the last."), encoding="utf-8")
    (seeds / "three.md").write_text(essay("Plain", "engine: pyttsx3\nvoice: en-us\n",
                                          "This one is read by espeak. Two sentences."), encoding="utf-8")
    result = run_cli(["render", "--jobs", "2", "--json"], ws)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert not report["errors"] and len(report["episodes"]) == 3
    assert sorted(e["synthesized"] for e in report["episodes"]) == [3, 4, 4]  # with each announcement
    assert all((ws / e["audio"]).stat().st_size > 10_000 and e["duration"] > 3 for e in report["episodes"])
    cached = {p.stem for p in TakeCache(ws / ".audioessay" / "cache").entries()}
    plain = VoiceSettings(engine="pyttsx3", voice="en-us", model=str(joe_voice()))
    assert keys(script_texts(ws, "three"), plain, Pyttsx3Engine().version()) <= cached
