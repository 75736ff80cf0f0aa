"""A whole render of a stale approved script: the audio keeps the approved text, and the episode
row, the JSON summary and the summary line say the script is stale (it used to read "up to date")."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli


def test_render_says_an_approved_script_is_stale_after_its_essay_changed(workspace: Path) -> None:
    (workspace / "seeds" / "her-ending-explained-emotionally.txt").unlink()
    run_cli(["script"], cwd=workspace, check=True)
    run_cli(["review", "notes-on-walking", "--approve"], cwd=workspace, check=True)
    first = json.loads(run_cli(["render", "--json"], cwd=workspace, check=True).stdout)
    assert first["summary"]["scripts_stale"] == 0 and first["episodes"][0]["stale"] is False

    essay = workspace / "seeds" / "notes-on-walking.txt"
    essay.write_text(essay.read_text(encoding="utf-8").replace("street", "avenue", 1), encoding="utf-8")
    report = json.loads(run_cli(["render", "--json"], cwd=workspace, check=True).stdout)
    (episode,) = report["episodes"]
    assert episode["status"] == "approved" and episode["stale"] is True
    assert report["summary"]["scripts_stale"] == 1 and report["summary"]["stale_slugs"] == ["notes-on-walking"]
    assert any("is stale" in note and "audioessay review notes-on-walking" in note for note in episode["notes"])
    transcript = " ".join((workspace / episode["transcript"]).read_text(encoding="utf-8").split())
    assert "avenue" not in transcript  # the approved text is what is narrated

    human = run_cli(["render"], cwd=workspace, check=True)
    assert "script stale: see 'audioessay review notes-on-walking'" in human.stdout
    assert ("1 script stale: the essay changed since it was written; "
            "see 'audioessay review notes-on-walking'") in human.stdout + human.stderr

    review = run_cli(["review", "notes-on-walking"], cwd=workspace, check=True)
    assert "+" in review.stdout and "avenue" in review.stdout
