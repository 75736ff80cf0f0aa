"""The command line on whole renders: init, approval, check and a damaged build record
(the fast command-line tests are in tests/pipeline/test_cli.py)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli


def test_init_makes_a_workspace_that_scripts(tmp_path: Path) -> None:
    target = tmp_path / "show"
    assert run_cli(["init", str(target)], cwd=tmp_path).returncode == 0
    for name in ("audioessay.toml", "seeds/welcome.md", "audio/intro.mp3", "output", "feeds"):
        assert (target / name).exists()
    result = run_cli(["script", "--json"], cwd=target)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["episodes"][0]["slug"] == "welcome"
    again = run_cli(["init", str(target)], cwd=tmp_path)
    assert again.returncode == 1 and "already holds a workspace" in again.stderr


def test_require_approval_refuses_unapproved_scripts_and_renders_the_approved_edit(workspace: Path) -> None:
    config = workspace / "audioessay.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[text]\nrequire_approval = true\n", encoding="utf-8")
    (workspace / "seeds" / "her-ending-explained-emotionally.txt").unlink()
    assert run_cli(["script"], cwd=workspace).returncode == 0
    refused = run_cli(["render", "--json"], cwd=workspace)
    assert refused.returncode == 1
    error = json.loads(refused.stdout)["errors"][0]
    assert "not approved" in error["message"] and "review notes-on-walking --approve" in error["message"]

    script = workspace / "output" / "notes-on-walking" / "script.txt"
    script.write_text(script.read_text(encoding="utf-8").replace("a new door", "a bright blue door"),
                      encoding="utf-8")
    assert run_cli(["review", "notes-on-walking", "--approve"], cwd=workspace).returncode == 0
    rendered = run_cli(["render", "--json"], cwd=workspace)
    assert rendered.returncode == 0, rendered.stderr
    episode = json.loads(rendered.stdout)["episodes"][0]
    transcript = (workspace / episode["transcript"]).read_text(encoding="utf-8")
    assert "bright blue door" in " ".join(transcript.split())
    # The person's edit was kept: scripting again does not overwrite an approved script.
    assert run_cli(["script"], cwd=workspace).returncode == 0
    assert "a bright blue door" in script.read_text(encoding="utf-8")


def test_check_passes_on_a_rendered_workspace_and_catches_a_truncated_episode(workspace: Path) -> None:
    assert run_cli(["render"], cwd=workspace).returncode == 0
    ok = run_cli(["check"], cwd=workspace)
    assert ok.returncode == 0, ok.stdout
    mp3 = next((workspace / "output" / "notes-on-walking").glob("*.mp3"))
    mp3.write_bytes(mp3.read_bytes()[:-1000])
    broken = run_cli(["check"], cwd=workspace)
    assert broken.returncode == 1
    assert "notes-on-walking" in broken.stdout and "length" in broken.stdout


def test_a_damaged_build_record_remakes_the_episode_instead_of_crashing(workspace: Path) -> None:
    assert run_cli(["render"], cwd=workspace).returncode == 0
    (workspace / "output" / "notes-on-walking" / "build.json").write_text("[]", encoding="utf-8")
    result = run_cli(["render", "--json"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    remade = {e["slug"]: e["remade"] for e in json.loads(result.stdout)["episodes"]}
    assert remade == {"notes-on-walking": True, "her-ending-explained-emotionally": False}


def test_the_init_sample_is_never_published_and_the_first_essay_is_episode_one(tmp_path: Path) -> None:
    target = tmp_path / "show"
    assert run_cli(["init", str(target)], cwd=tmp_path).returncode == 0
    (target / "seeds" / "mine.md").write_text("# Mine\n\nMy own first essay. It is short.\n", encoding="utf-8")
    result = run_cli(["render", "--json"], cwd=target)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [e["slug"] for e in report["episodes"]] == ["mine"]
    assert any("seeds/welcome.md is the sample essay" in note for note in report["notes"])
    ledger = json.loads((target / "episodes.json").read_text(encoding="utf-8"))["episodes"]
    assert [(e["slug"], e["number"]) for e in ledger.values()] == [("mine", 1)]
    assert "Welcome to your podcast" not in (target / "feeds" / "feed.xml").read_text(encoding="utf-8")

    # Kept on purpose: without 'sample: true' it is an episode like any other.
    welcome = target / "seeds" / "welcome.md"
    welcome.write_text(welcome.read_text(encoding="utf-8").replace("sample: true\n", ""), encoding="utf-8")
    report = json.loads(run_cli(["render", "--json"], cwd=target, check=True).stdout)
    assert sorted(e["slug"] for e in report["episodes"]) == ["mine", "welcome"]
    assert "Welcome to your podcast" in (target / "feeds" / "feed.xml").read_text(encoding="utf-8")


def test_render_says_what_happens_to_an_episode_whose_essay_was_removed(workspace: Path) -> None:
    assert run_cli(["render"], cwd=workspace).returncode == 0
    (workspace / "seeds" / "notes-on-walking.txt").unlink()
    result = run_cli(["render"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "lost its essay seeds/notes-on-walking.txt" in notes[0] and "kept in the feed" in notes[0]
    again = run_cli(["render"], cwd=workspace)
    assert not [line for line in again.stderr.splitlines() if line.startswith("note:")]  # said once
