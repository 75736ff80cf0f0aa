"""Identity end to end: a published guid never moves to another essay, and a deleted episodes.json
is recovered (from its backup, else from the feed) or the render refuses (real renders)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_workspace, run_cli
from lxml import etree

SHORT = "{title}\n\nThis is a short essay about {title}. It has two sentences.\n"


def workspace(tmp_path: Path, names: dict[str, str]) -> Path:
    ws = make_workspace(tmp_path / "ws", [])
    for name, title in names.items():
        (ws / "seeds" / name).write_text(SHORT.format(title=title), encoding="utf-8")
    return ws


def render(ws: Path, expect: int = 0) -> dict:
    result = run_cli(["render", "--json"], cwd=ws)
    assert result.returncode == expect, result.stderr
    return json.loads(result.stdout) if expect == 0 else {"stderr": result.stderr}


def ledger(ws: Path) -> dict[str, dict]:
    return json.loads((ws / "episodes.json").read_text(encoding="utf-8"))["episodes"]


def feed_items(ws: Path) -> list[tuple[str, str]]:
    root = etree.parse(str(ws / "feeds" / "feed.xml"))
    return [(item.findtext("guid"), item.findtext("title")) for item in root.iter("item")]


def test_deleting_an_essay_moves_no_guid_and_lists_no_essay_twice(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"Her.txt": "Her, the film", "her.md": "Her, the book"})
    render(ws)
    before = ledger(ws)
    assert {e["source"]: e["slug"] for e in before.values()} == {"seeds/Her.txt": "her", "seeds/her.md": "her-2"}
    (ws / "seeds" / "Her.txt").unlink()
    report = render(ws)

    after = ledger(ws)
    book = next(e for e in after.values() if e["source"] == "seeds/her.md")
    film = next(e for e in after.values() if e["source"] == "seeds/Her.txt")
    assert book["guid"] == next(e for e in before.values() if e["source"] == "seeds/her.md")["guid"]
    assert (book["slug"], book["removed"]) == ("her-2", False)
    assert film["removed"] and film["guid"] != book["guid"]
    assert [e["slug"] for e in report["episodes"]] == ["her-2"] and not report["episodes"][0]["remade"]
    items = feed_items(ws)
    assert len({guid for guid, _ in items}) == len(items)
    assert [title for _, title in items].count("Her, the book") == 1
    assert run_cli(["check"], cwd=ws).returncode == 0


def test_a_deleted_ledger_is_recovered_from_its_backup_then_from_the_feed(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"one.md": "One", "two.md": "Two"})
    render(ws)
    (ws / "seeds" / "three.md").write_text(SHORT.format(title="Three"), encoding="utf-8")
    render(ws)  # episodes.json now has a backup
    guids = {e["source"]: (e["guid"], e["number"]) for e in ledger(ws).values()}

    (ws / "episodes.json").unlink()
    report = render(ws)
    # The backup is one save behind (no three.md): the feed adds what apps were told since.
    assert any("recovered from .audioessay/episodes.json.bak and feeds/feed.xml" in note for note in report["notes"])
    assert {e["source"]: (e["guid"], e["number"]) for e in ledger(ws).values()} == guids

    (ws / "episodes.json").unlink()
    (ws / ".audioessay" / "episodes.json.bak").unlink()
    report = render(ws)
    assert any("recovered from feeds/feed.xml" in note for note in report["notes"])
    assert {e["source"]: (e["guid"], e["number"]) for e in ledger(ws).values()} == guids
    assert report["summary"]["made"] == 0


def test_a_deleted_ledger_with_no_backup_and_no_feed_is_refused(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"one.md": "One"})
    render(ws)
    feed = (ws / "feeds" / "feed.xml").read_bytes()
    for path in (ws / "episodes.json", ws / "feeds" / "feed.xml"):
        path.unlink()
    (ws / ".audioessay" / "episodes.json.bak").unlink(missing_ok=True)
    result = render(ws, expect=1)
    lines = [line for line in result["stderr"].splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "new guid" in lines[0] and "Traceback" not in result["stderr"]
    assert not (ws / "episodes.json").exists() and not (ws / "feeds" / "feed.xml").exists()
    assert feed  # the feed that was there named a guid nobody can now recover
