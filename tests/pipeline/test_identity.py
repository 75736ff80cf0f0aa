"""Which episode an essay is: slugs that stay an essay's own, guids that never move, and a
missing ledger recovered instead of re-guiding the show (unit tests; tests/e2e/test_identity.py
renders for real)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from audioessay.errors import PublishError
from audioessay.models import Essay
from audioessay.pipeline.identity import essay_ref, open_ledger, settle_slugs
from audioessay.publish.ledger import Ledger, save_ledger
from audioessay.workspace import Config, Workspace

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def essay(source: str, slug: str, sha: str | None = None) -> Essay:
    return Essay(source=Path(source), source_sha256=sha or f"sha-{source}", slug=slug, title=slug.title(), blocks=())


def settled(essays: list[Essay], ledger: Ledger, unread: tuple[str, ...] = ()) -> list[str]:
    """The slugs ``essays`` get; ``unread``: files that exist but were not read."""
    present = {e.source.as_posix() for e in essays} | set(unread)
    return [e.slug for e in settle_slugs(essays, ledger, present)]


def synced(essays: list[Essay], ledger: Ledger | None = None) -> Ledger:
    ledger = ledger or Ledger()
    essays = settle_slugs(essays, ledger, {e.source.as_posix() for e in essays})
    return ledger.sync([essay_ref(e) for e in essays], T0)[0]


HER_TXT, HER_MD = essay("seeds/Her.txt", "her"), essay("seeds/her.md", "her")


@pytest.mark.parametrize("essays, ledger_of, expected, unread", [
    # Nothing published yet: duplicates get -2, -3 in order.
    ([HER_TXT, HER_MD], [], ["her", "her-2"], ()),
    # her.md was her-2: it stays her-2 when Her.txt is deleted...
    ([HER_MD], [HER_TXT, HER_MD], ["her-2"], ()),
    # ... and when another essay that asks for "her" comes first in the folder: that one is taken
    # for Her.txt renamed (a file gone, and one asking for its slug), her.md stays her-2.
    ([essay("seeds/HER.md", "her"), HER_MD], [HER_TXT, HER_MD], ["her", "her-2"], ()),
    # While Her.txt is still there (even unreadable), its slug is never handed to another essay.
    ([essay("seeds/her-again.md", "her")], [HER_TXT], ["her-2"], ("seeds/Her.txt",)),
    # An essay that asks for a new slug (front matter) gets it; its old one is not reused by others.
    ([essay("seeds/her.md", "on-her"), essay("seeds/x.md", "her")], [essay("seeds/her.md", "her")],
     ["on-her", "her-2"], ()),
    # A renamed file keeps its episode by content (and takes the slug it asks for).
    ([essay("seeds/renamed.md", "renamed", sha="s")], [essay("seeds/old.md", "old", sha="s")], ["renamed"], ()),
    # An essay that asked for her-2 keeps it when a duplicate her comes before it.
    ([essay("seeds/a.md", "her"), essay("seeds/b.md", "her"), essay("seeds/c.md", "her-2")], [],
     ["her", "her-3", "her-2"], ()),
])
def test_slugs_follow_the_essay(essays: list[Essay], ledger_of: list[Essay], expected: list[str],
                                unread: tuple[str, ...]) -> None:
    ledger = synced(ledger_of) if ledger_of else Ledger()
    assert settled(essays, ledger, unread) == expected


def test_a_guid_never_moves_to_another_essay_when_one_is_deleted() -> None:
    ledger = synced([HER_TXT, HER_MD])
    guids = {e.source: e.guid for e in ledger.entries}
    essays = settle_slugs([HER_MD], ledger, {"seeds/her.md"})
    after, (entry,) = ledger.sync([essay_ref(e) for e in essays], T0, present={"seeds/her.md"})
    assert entry.guid == guids["seeds/her.md"] and entry.slug == "her-2"
    assert after.get("her").removed and after.get("her").guid == guids["seeds/Her.txt"]
    assert len({e.guid for e in after.entries}) == 2


def test_an_essay_that_failed_to_read_keeps_its_entry_from_others() -> None:
    ledger = synced([HER_TXT, HER_MD])
    # Her.txt exists but did not read this time: her.md must not take it by slug.
    essays = settle_slugs([essay("seeds/her.md", "her")], ledger, {"seeds/her.md", "seeds/Her.txt"})
    _after, (entry,) = ledger.sync([essay_ref(e) for e in essays], T0, present={"seeds/her.md", "seeds/Her.txt"})
    assert entry.id == "her-2"


def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    for folder in ("seeds", "output", "feeds", ".audioessay"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    return Workspace(root=root, config=Config())


def test_a_missing_ledger_comes_back_from_its_backup(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    ledger = synced([HER_TXT, HER_MD])
    save_ledger(ws.ledger_path, ledger)
    save_ledger(ws.ledger_path, ledger.mark_removed("her"))  # the backup holds the first version
    ws.ledger_path.unlink()
    opened = open_ledger(ws, for_writing=True)
    assert opened.ledger == ledger and "recovered from .audioessay/episodes.json.bak" in (opened.note or "")
    assert ws.ledger_path.is_file()  # saved again


def test_a_missing_ledger_is_refused_when_episodes_were_made(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    (ws.output / "her").mkdir()
    (ws.output / "her" / "build.json").write_text("{}", encoding="utf-8")
    with pytest.raises(PublishError, match="new guid") as caught:
        open_ledger(ws, for_writing=True)
    assert "restore episodes.json" in (caught.value.hint or "")
    assert open_ledger(ws).ledger == Ledger()  # only reading: nothing is at stake
    assert not ws.ledger_path.exists()
