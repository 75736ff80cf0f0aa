"""Stale scripts: a kept (edited or approved) script whose essay changed says so, in each run's
result and summary, and ``review`` shows what changed in the essay; the notes a kept script gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioessay.pipeline.essays import find_essay, write_scripts
from audioessay.pipeline.report import BuildReport
from audioessay.text.review import ESSAY_COPIES, essay_changes, format_review, keep_essay_copy
from audioessay.text.scriptfile import approve_script, read_script, script_status
from audioessay.workspace import Workspace, load_workspace

WALK, HER = "notes-on-walking", "her-ending-explained-emotionally"


@pytest.fixture
def ws(workspace: Path) -> Workspace:
    return load_workspace(workspace)


def episodes(report: BuildReport) -> dict[str, object]:
    assert report.errors == []
    return {e.slug: e for e in report.episodes}


def edit_script(ws: Workspace, slug: str, old: str, new: str) -> None:
    path = ws.script_path(slug)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def change_essay(ws: Workspace, old: str, new: str) -> Path:
    essay = ws.seeds / f"{WALK}.txt"
    text = essay.read_text(encoding="utf-8")
    assert old in text
    essay.write_text(text.replace(old, new, 1), encoding="utf-8")
    return essay


def test_a_kept_script_whose_essay_changed_is_stale_in_the_result_and_the_summary(ws: Workspace) -> None:
    write_scripts(ws, ())
    approve_script(ws.script_path(WALK))
    change_essay(ws, "street", "avenue")
    report = write_scripts(ws, ())
    rows = episodes(report)
    walk, her = rows[WALK], rows[HER]
    assert walk.stale and walk.status == "approved"  # the review status itself is unchanged
    assert not her.stale and her.status == "draft"
    assert report.summary()["scripts_stale"] == 1 and report.summary()["stale_slugs"] == [WALK]
    assert {e["slug"]: e["stale"] for e in report.to_json()["episodes"]} == {WALK: True, HER: False}
    (note,) = walk.notes
    assert "is stale" in note and f"audioessay review {WALK}" in note


def test_an_untouched_draft_is_regenerated_and_not_stale(ws: Workspace) -> None:
    write_scripts(ws, ())
    change_essay(ws, "street", "avenue")
    rows = episodes(write_scripts(ws, ()))
    assert not rows[WALK].stale and rows[WALK].status == "draft"
    assert "avenue" in ws.script_path(WALK).read_text(encoding="utf-8")


def test_approving_a_merged_stale_script_ends_stale(ws: Workspace) -> None:
    write_scripts(ws, ())
    edit_script(ws, WALK, "street", "lane")
    change_essay(ws, "street", "avenue")
    assert episodes(write_scripts(ws, ()))[WALK].stale
    edit_script(ws, WALK, "lane", "leafy avenue")  # the person merges the change by hand...
    approve_script(ws.script_path(WALK), find_essay(ws, WALK))  # ...and approves
    row = episodes(write_scripts(ws, ()))[WALK]
    assert not row.stale and row.status == "approved" and row.notes == []


# --------------------------------------------------------------------------- notes of kept scripts


def test_an_approved_up_to_date_script_gets_no_note_run_after_run(ws: Workspace) -> None:
    write_scripts(ws, ())
    edit_script(ws, WALK, "street", "lane")
    approve_script(ws.script_path(WALK))
    for _ in range(2):  # the second run takes the memo's shortcut
        row = episodes(write_scripts(ws, ()))[WALK]
        assert row.status == "approved" and row.notes == []


def test_an_edited_unapproved_script_gets_one_note_suggesting_approval_never_force(ws: Workspace) -> None:
    write_scripts(ws, ())
    edit_script(ws, WALK, "street", "lane")
    for _ in range(2):
        row = episodes(write_scripts(ws, ()))[WALK]
        assert row.status == "edited"
        (note,) = row.notes
        assert f"audioessay review {WALK} --approve" in note and "--force" not in note


def test_an_edit_after_approval_makes_the_header_say_edited(ws: Workspace) -> None:
    write_scripts(ws, ())
    approve_script(ws.script_path(WALK))
    edit_script(ws, WALK, "street", "lane")
    row = episodes(write_scripts(ws, ()))[WALK]
    assert row.status == "edited"
    text, script = read_script(ws.script_path(WALK))
    assert script.header.status == "edited" and "lane" in text


# --------------------------------------------------------------------------- what changed in the essay


def test_review_shows_a_diff_of_the_essay_then_and_now(ws: Workspace) -> None:
    write_scripts(ws, ())
    edit_script(ws, WALK, "street", "lane")
    essay = change_essay(ws, "street", "avenue")
    write_scripts(ws, ())
    path = ws.script_path(WALK)
    header = read_script(path)[1].header
    lines = essay_changes(ws.state, WALK, header, essay)
    assert any(line.startswith("-") and "street" in line for line in lines)
    assert any(line.startswith("+") and "avenue" in line for line in lines)
    assert any(line.startswith("--- seeds/notes-on-walking.txt") for line in lines)
    shown = format_review([], script_path="s", status=script_status(path, find_essay(ws, WALK)), changes=lines)
    assert "+" in shown and "avenue" in shown


def test_one_copy_per_episode_is_kept(ws: Workspace) -> None:
    write_scripts(ws, ())
    copies = ws.state / ESSAY_COPIES / WALK
    first = list(copies.iterdir())
    assert len(first) == 1
    change_essay(ws, "street", "avenue")  # a draft: regenerated, and the old copy is not needed
    write_scripts(ws, ())
    second = list(copies.iterdir())
    assert len(second) == 1 and second != first


def test_a_script_written_before_copies_were_kept_says_the_essay_changed_without_a_diff(ws: Workspace) -> None:
    write_scripts(ws, ())
    edit_script(ws, WALK, "street", "lane")
    for copy in (ws.state / ESSAY_COPIES / WALK).iterdir():
        copy.unlink()
    essay = change_essay(ws, "street", "avenue")
    write_scripts(ws, ())
    lines = essay_changes(ws.state, WALK, read_script(ws.script_path(WALK))[1].header, essay)
    assert "changed since" in lines[0]
    assert any("cannot be shown" in line for line in lines)
    assert not any(line.startswith("+") for line in lines)


def test_a_copy_is_only_kept_of_the_bytes_the_header_names(tmp_path: Path) -> None:
    essay = tmp_path / "e.txt"
    essay.write_text("Now.\n", encoding="utf-8")
    assert not keep_essay_copy(tmp_path / "state", "e", essay, "0" * 64)
    assert not (tmp_path / "state" / ESSAY_COPIES / "e").exists() or not any(
        (tmp_path / "state" / ESSAY_COPIES / "e").iterdir())
