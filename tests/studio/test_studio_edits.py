"""Changes made from the studio land in script.txt (and audioessay.toml) as a text editor would make
them: one line changed, every other byte kept; the CLI's approval rules; the lexicon's preview."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import Client

from audioessay.studio.edits import LineEdit, edit_script
from audioessay.studio.episodes import BodyLine
from audioessay.studio.lexicon import _rewritten, preview
from audioessay.studio.listen import Cue, cue_lines, read_cues
from audioessay.studio.security import StudioRefusedError
from audioessay.text.scriptfile import format_script, parse_script, read_script, script_status
from audioessay.workspace import load_workspace


def _lines(client: Client, slug: str = "lighthouses") -> list[bytes]:
    return client.script(slug).split(b"\n")


def test_replace_changes_one_line_and_round_trips(client: Client) -> None:
    before = _lines(client)
    response = client.post("/e/lighthouses/edit", {"op": "replace", "line": 13, "text": "#1905 was a {year|yeer}.",
                                                    "hash": client.file_hash()})
    assert response.status_code == 200, response.data
    after = _lines(client)
    assert after[12] == b"\\#1905 was a {year|yeer}."  # escaped as the format escapes it
    assert after[:12] + after[13:] == before[:12] + before[13:]
    text = client.script().decode()
    assert format_script(parse_script(text, "x")) == text
    data = response.get_json()
    assert data["hash"] == client.file_hash() and data["state"] == "edited"  # as --json says: edited by hand
    assert 'data-line="13"' in data["row"] and "yeer" in data["row"]


def test_crlf_and_the_rest_of_the_file_are_kept(studio_ws: Path) -> None:
    path = studio_ws / "output" / "lighthouses" / "script.txt"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    ws = load_workspace(studio_ws)
    edit_script(ws, "lighthouses", hashlib.sha256(path.read_bytes()).hexdigest(),
                LineEdit("insert-pause", 12, seconds=1.5))
    lines = path.read_bytes().split(b"\r\n")
    assert lines[12] == b"[pause 1.5s]" and b"\n" not in path.read_bytes().replace(b"\r\n", b"")


def test_pauses_are_added_changed_and_removed(client: Client) -> None:
    original = client.script()
    assert client.post("/e/lighthouses/edit", {"op": "insert-pause", "line": 12, "seconds": 2,
                                               "hash": client.file_hash()}).status_code == 200
    assert _lines(client)[12] == b"[pause 2s]"
    assert client.post("/e/lighthouses/edit", {"op": "pause", "line": 13, "seconds": 0.5,
                                               "hash": client.file_hash()}).status_code == 200
    assert _lines(client)[12] == b"[pause 0.5s]"
    assert client.post("/e/lighthouses/edit", {"op": "pause", "line": 13, "seconds": 61,
                                               "hash": client.file_hash()}).status_code == 400
    assert client.post("/e/lighthouses/edit", {"op": "delete", "line": 13,
                                               "hash": client.file_hash()}).status_code == 200
    assert client.script() == original


def test_editing_an_approved_script_withdraws_approval_as_the_cli_does(client: Client) -> None:
    path = client.root / "output" / "lighthouses" / "script.txt"
    assert client.post("/e/lighthouses/approve", {"hash": client.file_hash()}).get_json()["state"] == "approved"
    assert script_status(path, None).approved
    response = client.post("/e/lighthouses/edit", {"op": "replace", "line": 12, "text": "Every coast lies.",
                                                    "hash": client.file_hash()})
    data = response.get_json()
    assert data["withdrew"] and data["state"] == "edited"
    _text, script = read_script(path)
    assert script.header.status == "edited"
    assert client.post("/e/lighthouses/approve", {"hash": client.file_hash()}).get_json()["state"] == "approved"


def test_a_stale_script_shows_the_diff_and_can_be_regenerated(client: Client) -> None:
    client.post("/e/lighthouses/edit", {"op": "replace", "line": 12, "text": "Every coast lies.",
                                        "hash": client.file_hash()})
    essay = client.root / "seeds" / "lighthouses.md"
    essay.write_text(essay.read_text().replace("colza oil", "whale oil"), encoding="utf-8")
    page = client.get("/e/lighthouses").data.decode()
    assert "stale" in page and "+The lamp burned whale oil" in page
    response = client.post("/e/lighthouses/regenerate", {"hash": client.file_hash()})
    assert response.status_code == 200 and not response.get_json()["stale"]
    assert b"whale oil" in client.script()
    assert list((client.root / "output" / "lighthouses").glob("script.txt.bak-*"))  # the edit is kept


def test_the_page_shows_decisions_and_written_forms(client: Client) -> None:
    page = client.get("/e/lighthouses").data.decode()
    assert "In 1905 the keeper" in page  # the essay's words beside
    assert "In nineteen oh five the keeper" in page  # the spoken form
    assert 'class="line sentence attention"' in page  # 05/06/2024 is a '!' decision
    show = client.get("/").data.decode()
    assert "On Lighthouses" in show and "attention-count" in show


def test_lexicon_rewrite_keeps_everything_else() -> None:
    text = '[show]\ntitle = "T"\n\n[pronunciations]\n# keep me\nJonze = "Jones"\n\n[audio]\nintro = ""\n'
    added = _rewritten(text, "Spike Lee", "Spike Leigh")
    assert added == text.replace('Jonze = "Jones"\n', 'Jonze = "Jones"\n"Spike Lee" = "Spike Leigh"\n')
    assert _rewritten(added, "Jonze", "Jonez") == added.replace('"Jones"', '"Jonez"')
    assert _rewritten(added, "Spike Lee", None) == text
    assert _rewritten('[show]\ntitle = "T"', "A", "B") == '[show]\ntitle = "T"\n\n[pronunciations]\nA = "B"\n'
    with pytest.raises(StudioRefusedError):
        _rewritten(text, "Nobody", None)


def test_lexicon_preview_and_save(client: Client) -> None:
    ws = load_workspace(client.root)
    changes = preview(ws, "Skerryvore", "Skerry voar")
    assert {(c.slug, c.after) for c in changes} == {
        ("lighthouses", "In nineteen oh five the keeper of Skerry voar wrote to the board."),
        ("walking", "Skerry voar is far.")}
    assert all(c.line > 0 for c in changes)
    client.post("/e/walking/approve", {"hash": client.file_hash("walking")})  # kept as approved
    config = client.root / "audioessay.toml"
    response = client.post("/lexicon", {"word": "Skerryvore", "value": "Skerry voar",
                                        "hash": hashlib.sha256(config.read_bytes()).hexdigest()})
    assert response.status_code == 200, response.data
    assert response.get_json()["rewritten"] == 1
    assert "# a comment kept as it is" in config.read_text()
    assert b"Skerry voar wrote" in client.script("lighthouses")
    assert b"Skerry voar" not in client.script("walking")


def test_cues_follow_the_written_forms() -> None:
    vtt = ("WEBVTT\n\n00:00:01.500 --> 00:00:03.000\nShow. Episode 1: On Lighthouses.\n\n"
           "00:00:04.000 --> 00:00:05.000\nIn 1905 the keeper\n\n00:00:05.000 --> 00:00:06.000\nwrote &amp; left.\n\n"
           "00:00:06.500 --> 00:00:07.000\nThe lamp burned.\n")
    cues = read_cues(vtt)
    assert cues[2] == Cue(5.0, 6.0, "wrote & left.")
    lines = (BodyLine(12, "sentence", written="In 1905 the keeper wrote & left."), BodyLine(13, "blank"),
             BodyLine(14, "sentence", written="The lamp burned."))
    assert [line for _s, _e, line in cue_lines(cues, lines)] == [0, 12, 12, 14]


def test_the_show_list_counts_takes_heard_wrong(client: Client) -> None:
    folder = client.root / "output" / "lighthouses"
    (folder / "report.json").write_text(json.dumps({"problems": [], "verify": {"wer": 0.2, "flagged": [
        {"where": "line 12", "said": "Every coast.", "heard": "Every ghost.", "reason": "words differ"}]}}))
    (folder / "build.json").write_text(json.dumps({
        "inputs": "x", "audio": "output/lighthouses/lighthouses.mp3", "audio_bytes": 1, "duration": 61.0,
        "report": "output/lighthouses/report.json"}))
    page = client.get("/").data.decode()
    assert "1 heard wrong" in page and "1:01" in page
