"""Voices stay put: ``--engine`` says it lasts one run, and a render that changes an existing
episode's voice says so, with how to switch the show for good (real renders, two espeak engines)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_workspace, run_cli


def render(ws: Path, *args: str) -> dict:
    return json.loads(run_cli(["render", "--json", *args], ws, check=True).stdout)


def episode_notes(result: dict) -> list[str]:
    return [note for episode in result["episodes"] for note in episode["notes"]]


def test_a_one_run_engine_and_the_way_back_are_both_said(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", ["notes-on-walking.txt"])
    first = render(ws)
    assert not any("voice" in note for note in first["notes"] + episode_notes(first))
    record = json.loads(next(ws.glob("output/*/build.json")).read_text(encoding="utf-8"))
    assert record["voice"].startswith("pyttsx3 (en-us")

    trial = render(ws, "--engine", "espeak-ng")
    assert any("--engine espeak-ng is for this run only" in note and 'engine = "espeak-ng"' in note
               for note in trial["notes"])
    changed = episode_notes(trial)
    assert len(changed) == 1 and "new voice: espeak-ng (en-us" in changed[0] and "was pyttsx3" in changed[0]

    back = render(ws)  # the plain render the issue called a silent trap
    assert back["summary"]["made"] == 1
    notes = episode_notes(back)
    assert len(notes) == 1 and "new voice: pyttsx3" in notes[0] and "was espeak-ng" in notes[0]
    assert "to switch the show, set engine under [voice]" in notes[0]

    steady = render(ws)
    assert steady["summary"]["made"] == 0 and not episode_notes(steady) and not steady["notes"]
