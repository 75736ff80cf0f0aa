"""An interrupted render never leaves the feed disagreeing with a published file: a remade or
re-tagged episode's files get new names, the feed switches to them, and only then are the old ones
removed. ``check`` passes after any interrupt, with no further render."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import AUDIOESSAY, make_workspace, run_cli

from audioessay.pipeline import render as render_module
from audioessay.publish.feed import check_feed
from audioessay.workspace import load_workspace

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def workspace(tmp_path: Path) -> Path:
    ws = make_workspace(tmp_path / "ws", ["notes-on-walking.txt", "her-ending-explained-emotionally.txt"])
    assert run_cli(["render"], ws).returncode == 0
    return ws


def audio_of(ws: Path, slug: str = "notes-on-walking") -> str:
    return json.loads((ws / f"output/{slug}/build.json").read_text(encoding="utf-8"))["audio"]


def edit(ws: Path, words: str) -> None:
    essay = ws / "seeds" / "notes-on-walking.txt"
    essay.write_text(essay.read_text(encoding="utf-8") + f"\n{words}\n", encoding="utf-8")


def stopped_before_the_feed(*_args: object, **_kwargs: object) -> None:
    raise KeyboardInterrupt  # as a Ctrl-C (or a SIGKILL) right after the episodes were made


@pytest.mark.parametrize("change", ["remaster", "retag"])
def test_a_render_stopped_before_the_feed_leaves_it_agreeing_with_the_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    ws = workspace(tmp_path)
    published = audio_of(ws)
    if change == "remaster":
        edit(ws, "One more sentence at the end.")
    else:
        config = ws / "audioessay.toml"  # the show's author is only in the MP3's tags
        text = re.sub(r'(?m)^author = ".*"$', 'author = "Someone Else"', config.read_text(encoding="utf-8"), count=1)
        config.write_text(text, encoding="utf-8")
    monkeypatch.setattr(render_module, "finish", stopped_before_the_feed)
    with pytest.raises(KeyboardInterrupt):
        render_module.render(load_workspace(ws), jobs=1, now=NOW)

    assert audio_of(ws) != published and (ws / published).is_file()  # made, and the old one kept
    assert check_feed(ws, ws / "feeds" / "feed.xml") == []
    assert run_cli(["check"], ws).returncode == 0

    monkeypatch.undo()
    assert run_cli(["render"], ws).returncode == 0
    assert not (ws / published).exists() and (ws / audio_of(ws)).is_file()  # the old one is gone now
    assert run_cli(["check"], ws).returncode == 0


def test_check_passes_after_a_render_killed_at_any_moment(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    for attempt, delay in enumerate((0.4, 0.8, 1.2, 1.6, 2.0, 2.5, 3.0)):
        edit(ws, f"Sentence number {attempt} was added.")
        process = subprocess.Popen([AUDIOESSAY, "render", "--jobs", "2"], cwd=ws, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        check = run_cli(["check"], ws)
        assert check.returncode == 0, f"killed after {delay} s: {check.stdout}{check.stderr}"
    assert run_cli(["render"], ws).returncode == 0
    assert run_cli(["check"], ws).returncode == 0
