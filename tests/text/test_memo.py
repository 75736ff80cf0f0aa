"""The shortcuts of a render where nothing changed (issue 9), and why they can never hide a change.

``.audioessay/essays.json`` keeps essays as read and ``scripts.json`` what each script was built
from (:mod:`audioessay.text.memo`); a script whose essay, title, language, lexicon or text code
changed is built again, and an edited or approved script is still never overwritten. The feed
check and the feed itself have memos too (tests/publish/test_feed.py); whole renders are in
tests/e2e/test_incremental.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO, TESTS

import audioessay.text.read as read_module
from audioessay.fsutil import StateFile, as_plain, real_relative
from audioessay.master.tags import EpisodeTags
from audioessay.models import Paragraph, Pause, Script, ScriptHeader, Section, Sentence
from audioessay.pipeline import essays as build
from audioessay.pipeline.essays import make_script, read_essays, write_scripts
from audioessay.pipeline.report import BuildReport
from audioessay.text import memo as memo_module
from audioessay.text.memo import ESSAYS_FILE, SCRIPTS_FILE, EssayMemo, ScriptMemo
from audioessay.text.read import read_essay
from audioessay.workspace import AudioConfig, Workspace, load_workspace

ESSAYS = sorted([*(TESTS / "golden" / "seeds").iterdir(), *(TESTS / "corpus" / "text").glob("*.*"),
                 *(REPO / "seeds").iterdir()])
ESSAYS = [p for p in ESSAYS if p.suffix in (".md", ".txt")]
WALK = "notes-on-walking"


def no_parsing(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("parsed again although the memo knew the essay")


def no_building(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("built again although the memo knew the script")


# --------------------------------------------------------------------------- essays


@pytest.mark.parametrize("path", ESSAYS, ids=[p.name for p in ESSAYS])
def test_an_essay_from_the_memo_equals_the_essay_read(path: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = read_essay(path, REPO)
    first = EssayMemo(tmp_path)
    assert read_essay(path, REPO, memo=first) == fresh
    first.save()
    monkeypatch.setattr(read_module, "_parse_essay", no_parsing)
    assert read_essay(path, REPO, memo=EssayMemo(tmp_path)) == fresh


FRONT = """---
title: "Tides & <Bells>"
date: 2024-05-01T10:30:00+02:00
tags: [a, b, 3, 2.5, null, true]
custom: {nested: {1: one, 2024-01-02: day}, list: [[1, 2], {x: y}]}
when: 2023-12-31
at: 2023-12-31 23:59:58.25
episode: 7
---
One sentence. Another one.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / "seeds" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_of_every_yaml_kind_comes_back_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "a.md", FRONT)
    fresh = read_essay(path, tmp_path)
    memo = EssayMemo(tmp_path / ".audioessay")
    read_essay(path, tmp_path, memo=memo)
    memo.save()
    monkeypatch.setattr(read_module, "_parse_essay", no_parsing)
    again = read_essay(path, tmp_path, memo=EssayMemo(tmp_path / ".audioessay"))
    assert again == fresh and again.meta == fresh.meta and again.date == fresh.date
    assert [type(v) for _k, v in again.meta] == [type(v) for _k, v in fresh.meta]


@pytest.mark.parametrize("value", ["!!set {a, b}", "!!binary aGVsbG8=", '"\\ud800 lone surrogate"'])
def test_front_matter_json_cannot_hold_is_read_every_time_or_kept_exactly(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "a.md", f"---\nodd: {value}\n---\nText here.\n")
    fresh = read_essay(path, tmp_path)
    memo = EssayMemo(tmp_path / ".audioessay")
    assert read_essay(path, tmp_path, memo=memo) == fresh
    memo.save()  # never fails
    assert read_essay(path, tmp_path, memo=EssayMemo(tmp_path / ".audioessay")) == fresh


def test_an_edit_that_keeps_size_and_mtime_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path, "a.md", "# Title\n\nThe 1st sentence.\n")
    memo = EssayMemo(tmp_path / ".audioessay")
    assert read_essay(path, tmp_path, memo=memo).blocks[0].text == "The 1st sentence."
    stat = path.stat()
    path.write_text("# Title\n\nThe 2nd sentence.\n", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert read_essay(path, tmp_path, memo=memo).blocks[0].text == "The 2nd sentence."


def test_the_same_bytes_under_another_name_are_read_for_that_name(tmp_path: Path) -> None:
    memo = EssayMemo(tmp_path / ".audioessay")
    first = read_essay(write(tmp_path, "first-name.txt", "Some prose, no title.\n"), tmp_path, memo=memo)
    link = tmp_path / "seeds" / "second-name.txt"
    link.symlink_to("first-name.txt")  # the same file, read under another name: another slug and title
    assert read_essay(link, tmp_path, memo=memo) == read_essay(link, tmp_path)
    assert read_essay(link, tmp_path, memo=memo).slug != first.slug


@pytest.mark.parametrize("content", [b"{oops", b"[]", b'{"version": "someone else", "entries": {}}',
                                     b'{"version": "V", "entries": {"seeds/a.md": {"sha256": 1}}}'])
def test_a_damaged_or_foreign_memo_is_ignored(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "a.md", FRONT)
    state = tmp_path / ".audioessay"
    state.mkdir()
    (state / ESSAYS_FILE).write_bytes(content.replace(b'"V"', json.dumps(memo_module.text_code_version()).encode()))
    assert read_essay(path, tmp_path, memo=EssayMemo(state)) == read_essay(path, tmp_path)


def test_an_entry_damaged_by_hand_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path, "a.md", FRONT)
    state = tmp_path / ".audioessay"
    memo = EssayMemo(state)
    read_essay(path, tmp_path, memo=memo)
    memo.save()
    document = json.loads((state / ESSAYS_FILE).read_text())
    document["entries"]["seeds/a.md"]["essay"]["blocks"] = "not blocks"
    (state / ESSAYS_FILE).write_text(json.dumps(document))
    assert read_essay(path, tmp_path, memo=EssayMemo(state)) == read_essay(path, tmp_path)


def test_other_text_code_reads_every_essay_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "a.md", FRONT)
    memo = EssayMemo(tmp_path / ".audioessay")
    read_essay(path, tmp_path, memo=memo)
    memo.save()
    monkeypatch.setattr(memo_module, "text_code_version", lambda: "an upgraded audioessay")
    calls: list[Path] = []
    parse = read_module._parse_essay
    monkeypatch.setattr(read_module, "_parse_essay", lambda *a: calls.append(a[0]) or parse(*a))
    read_essay(path, tmp_path, memo=EssayMemo(tmp_path / ".audioessay"))
    assert calls == [path]


def test_state_file_writes_only_when_something_changed(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = StateFile(path, "v1")
    state.save()
    assert not path.exists()
    state.put("a", {"x": 1})
    state.save()
    mtime = path.stat().st_mtime_ns
    again = StateFile(path, "v1")
    assert again.get("a") == {"x": 1}
    again.put("a", {"x": 1})
    again.keep_only(["a"])
    again.save()
    assert path.stat().st_mtime_ns == mtime
    assert StateFile(path, "v2").get("a") is None


# --------------------------------------------------------------------------- scripts


@pytest.fixture
def ws(workspace: Path) -> Workspace:
    return load_workspace(workspace)


def results(report: BuildReport) -> list[tuple[str, str, int, list[str]]]:
    assert report.errors == []
    return [(e.slug, e.status, e.attention, e.notes) for e in report.episodes]


def test_unchanged_scripts_are_not_built_again(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    (ws.seeds / "dates.md").write_text("# Dates\n\nWe met on 05/06/2024, and again in May.\n", encoding="utf-8")
    first = results(write_scripts(ws, ()))
    assert any(attention for _s, _st, attention, _n in first)  # a numeric date is marked for review
    assert (ws.state / SCRIPTS_FILE).is_file() and (ws.state / ESSAYS_FILE).is_file()
    texts = {p: p.read_bytes() for p in ws.output.glob("*/script.txt")}
    monkeypatch.setattr(build, "build_script", no_building)
    monkeypatch.setattr(read_module, "_parse_essay", no_parsing)
    again = results(write_scripts(ws, ()))
    assert again == [(slug, status, attention, []) for slug, status, attention, _notes in first]
    assert any(attention for _s, _st, attention, _n in again)  # the count comes from the memo
    assert {p: p.read_bytes() for p in ws.output.glob("*/script.txt")} == texts


def test_what_the_shortcut_says_is_what_building_says(ws: Workspace) -> None:
    """Edited, approved and untouched scripts: the same status, attention and notes either way."""
    write_scripts(ws, ())
    walk = ws.script_path(WALK)
    walk.write_text(walk.read_text(encoding="utf-8").replace("street changes.", "whole street changes."),
                    encoding="utf-8")
    from audioessay.text.scriptfile import approve_script

    approve_script(ws.script_path("her-ending-explained-emotionally"))
    with_memo = results(write_scripts(ws, ()))
    for name in (ESSAYS_FILE, SCRIPTS_FILE):
        (ws.state / name).unlink()
    without_memo = results(write_scripts(ws, ()))
    assert with_memo == without_memo
    assert [status for _slug, status, _a, _n in with_memo] == ["approved", "edited"]
    assert any("kept output/notes-on-walking/script.txt: it was edited by hand" in n for n in with_memo[1][3])


def test_a_changed_essay_rebuilds_its_script(ws: Workspace) -> None:
    write_scripts(ws, ())
    essay = ws.seeds / f"{WALK}.txt"
    stat = essay.stat()
    essay.write_text(essay.read_text(encoding="utf-8").replace("1 very surprised cat", "2 very surprised cat"),
                     encoding="utf-8")
    os.utime(essay, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    write_scripts(ws, ())
    text = ws.script_path(WALK).read_text(encoding="utf-8")
    assert "two very surprised cat" in text and "one very surprised cat" not in text


def test_a_changed_title_rebuilds_the_script_header(ws: Workspace) -> None:
    write_scripts(ws, ())
    essay = ws.seeds / f"{WALK}.txt"
    essay.write_text(essay.read_text(encoding="utf-8").replace("Notes on Walking Slowly", "Notes on Walking"),
                     encoding="utf-8")
    write_scripts(ws, ())
    assert "\ntitle: Notes on Walking\n" in ws.script_path(WALK).read_text(encoding="utf-8")


def test_a_changed_lexicon_or_language_rebuilds_scripts(ws: Workspace) -> None:
    write_scripts(ws, ())
    lexicon = {**ws.config.pronunciations, "bakery": "bake-ree"}
    changed = dataclasses.replace(ws, config=dataclasses.replace(ws.config, pronunciations=lexicon))
    write_scripts(changed, ())
    assert "the bake-ree opens" in ws.script_path(WALK).read_text(encoding="utf-8")
    write_scripts(ws, ())  # and back
    assert "the bakery opens" in ws.script_path(WALK).read_text(encoding="utf-8")


def test_an_edited_script_whose_essay_changed_is_reported_stale_not_overwritten(ws: Workspace) -> None:
    write_scripts(ws, ())
    script = ws.script_path(WALK)
    edited = script.read_text(encoding="utf-8").replace("street changes.", "whole street changes.")
    script.write_text(edited, encoding="utf-8")
    write_scripts(ws, ())  # the memo knows the edited script now
    essay = ws.seeds / f"{WALK}.txt"
    essay.write_text(essay.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    report = write_scripts(ws, ())
    assert script.read_text(encoding="utf-8") == edited
    notes = {e.slug: e.notes for e in report.episodes}[WALK]
    assert any("is stale" in note for note in notes), notes


def test_other_text_code_builds_every_script_again(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    write_scripts(ws, ())
    monkeypatch.setattr(memo_module, "text_code_version", lambda: "an upgraded audioessay")
    built: list[str] = []
    original = build.build_script
    monkeypatch.setattr(build, "build_script", lambda essay, *a: built.append(essay.slug) or original(essay, *a))
    write_scripts(ws, ())
    assert sorted(built) == sorted(p.parent.name for p in ws.output.glob("*/script.txt"))


def test_a_script_copied_from_another_essay_is_not_taken_for_its_own(ws: Workspace) -> None:
    write_scripts(ws, ())
    her = ws.script_path("her-ending-explained-emotionally")
    walk = ws.script_path(WALK)
    shutil.copy(her, walk)  # the memo knows this header, but for another script file
    essays = {e.slug: e for e in read_essays(ws, (), BuildReport())}
    script, result = make_script(ws, essays[WALK], False, ScriptMemo(ws.state))
    assert script.header.source == f"seeds/{WALK}.txt"
    assert "Notes on Walking Slowly" in walk.read_text(encoding="utf-8") and result.status == "draft"


def test_a_deleted_script_is_written_again(ws: Workspace) -> None:
    write_scripts(ws, ())
    text = ws.script_path(WALK).read_text(encoding="utf-8")
    ws.script_path(WALK).unlink()
    report = write_scripts(ws, ())
    assert ws.script_path(WALK).read_text(encoding="utf-8") == text
    assert any("wrote" in note for note in {e.slug: e.notes for e in report.episodes}[WALK])


# --------------------------------------------------------------------------- hashes and paths


def test_as_plain_hashes_exactly_like_asdict() -> None:
    """The build.json input hashes of every rendered episode were made with dataclasses.asdict."""
    script = Script(
        header=ScriptHeader(source="seeds/a.md", source_sha256="0" * 64, title="A", body_sha256="1" * 64,
                            settings=(("language", "en"), ("lexicon", "abc"))),
        sections=(Section(None, (Paragraph((Sentence("One."), Pause(1.0), Sentence("Two."))),)),
                  Section("Heading", (Paragraph((Pause(0.5),)), Paragraph((Sentence("Three."),))))),
    )
    tags = EpisodeTags(title="T", artist="A", album="S", date="2024-01-01", track=3, description="D",
                       cover=Path("feeds/cover.jpg"), language="en")
    for value in (script.sections, script, AudioConfig(), tags):
        plain = dataclasses.asdict(value) if dataclasses.is_dataclass(value) else \
            [dataclasses.asdict(v) for v in value]
        assert json.dumps(as_plain(value), sort_keys=True, default=str) == \
            json.dumps(plain, sort_keys=True, default=str)


def test_real_relative_agrees_with_resolving_the_path(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "output" / "a").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (root / "output" / "a" / "f").write_text("x")
    (root / "output" / "a" / "g").symlink_to("../a/f")
    (root / "output" / "b").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "link").symlink_to(root)

    def resolved(path: Path, base: Path) -> str | None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            return None

    paths = ["output/a/f", "output/a/g", "output/b/x", "output/missing/x", "output/a/f/x", "output/../output/a"]
    for base in (root, tmp_path / "link"):
        for path in [base, tmp_path / "elsewhere", *(base / p for p in paths)]:
            assert real_relative(path, os.path.realpath(base)) == resolved(path, base), path
    assert real_relative(Path("/etc"), "/") == "etc" and real_relative(Path("/"), "/") == "."


def test_workspace_relative_names_files_as_before(ws: Workspace, tmp_path: Path) -> None:
    assert ws.relative(ws.script_path(WALK)) == f"output/{WALK}/script.txt"
    assert ws.relative(ws.root) == "."
    assert ws.relative(tmp_path / "outside.txt") == str(tmp_path / "outside.txt")
    linked = Workspace(root=tmp_path / "link-to-ws", config=ws.config)
    linked.root.symlink_to(ws.root)
    assert linked.relative(linked.root / "seeds" / "x.md") == "seeds/x.md"


def test_dated_essays_keep_their_date_through_the_memo(tmp_path: Path) -> None:
    path = write(tmp_path, "d.md", "---\ndate: 2024-05-01 10:30:00\n---\nText.\n")
    memo = EssayMemo(tmp_path / ".audioessay")
    read_essay(path, tmp_path, memo=memo)
    memo.save()
    essay = read_essay(path, tmp_path, memo=EssayMemo(tmp_path / ".audioessay"))
    assert essay.date == dt.datetime(2024, 5, 1, 10, 30, tzinfo=dt.UTC) and essay.date.tzinfo is not None
