"""An unexpected exception (a bug) in one essay's reading, scripting or mastering fails that essay
alone: its message says it is a bug to report, and the others are made and published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import make_workspace

from audioessay.pipeline import essays as essays_module
from audioessay.pipeline import runner as runner_module
from audioessay.pipeline.render import render
from audioessay.workspace import load_workspace

SHORT = "{title}\n\nA short essay about {title}. It has two sentences.\n"


def workspace(tmp_path: Path) -> Path:
    ws = make_workspace(tmp_path / "ws", [])
    for name in ("alpha", "bravo", "charlie"):
        (ws / "seeds" / f"{name}.txt").write_text(SHORT.format(title=name.title()), encoding="utf-8")
    return ws


def broken_for_bravo(original: Any, exception: Exception) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "bravo" in repr(args[:2]):
            raise exception
        return original(*args, **kwargs)
    return wrapper


@pytest.mark.parametrize("where, target, name, exception", [
    ("reading", essays_module, "read_essay", ValueError("month must be in 1..12")),
    ("scripting", essays_module, "build_script", IndexError("list index out of range")),
    ("mastering", runner_module, "master_job", RuntimeError("mutagen could not write a frame")),
])
def test_a_bug_in_one_essay_fails_that_essay_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str,
                                                   target: Any, name: str, exception: Exception) -> None:
    root = workspace(tmp_path)
    monkeypatch.setattr(target, name, broken_for_bravo(getattr(target, name), exception))
    report = render(load_workspace(root), jobs=1, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    assert [error["source"] for error in report.errors] == ["seeds/bravo.txt"], where
    message = report.errors[0]["message"]
    assert type(exception).__name__ in message and "bug in audioessay" in message and "\n" not in message
    assert sorted(e.slug for e in report.episodes) == ["alpha", "charlie"]
    feed = (root / "feeds" / "feed.xml").read_text(encoding="utf-8")
    assert "Alpha" in feed and "Charlie" in feed and report.feed == "feeds/feed.xml"
