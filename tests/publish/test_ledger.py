"""The episode ledger: guids, numbers and dates that never change under a podcast app's feet."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest

from audioessay.errors import PublishError
from audioessay.publish.ledger import EssayRef, Ledger, load_ledger, save_ledger

UTC = dt.UTC
T0 = dt.datetime(2024, 1, 10, 9, 30, 15, 123456, tzinfo=UTC)
T1 = dt.datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
T2 = dt.datetime(2024, 3, 5, 8, 0, tzinfo=UTC)


def essay(slug: str, source: str | None = None, title: str | None = None, sha: str | None = None,
          date: dt.datetime | None = None, episode: int | None = None) -> EssayRef:
    return EssayRef(slug=slug, source=source or f"seeds/{slug}.md", title=title or slug.title(),
                    source_sha256=sha or f"sha-{slug}", front_matter_date=date, front_matter_episode=episode)


def assign(ledger: Ledger, ref: EssayRef, now: dt.datetime = T0):
    return ledger.assign(ref.slug, ref.source, ref.title, ref.source_sha256, ref.front_matter_date,
                         ref.front_matter_episode, now)


def test_new_entry_gets_uuid_guid_first_number_and_publish_time():
    ledger, entry = assign(Ledger(), essay("her"))
    assert entry.guid.startswith("urn:uuid:")
    assert uuid.UUID(entry.guid.removeprefix("urn:uuid:")).version == 4
    assert entry.number == 1
    assert entry.pub_date == T0.replace(microsecond=0)
    assert entry.id == "her" and ledger.get("her") == entry
    assert ledger.last_number == 1


def test_assign_is_pure():
    empty = Ledger()
    ledger, _ = assign(empty, essay("her"))
    assert empty.entries == () and len(ledger.entries) == 1


def test_reassign_same_essay_keeps_everything():
    ledger, first = assign(Ledger(), essay("her"))
    ledger, again = assign(ledger, essay("her"), now=T2)
    assert again == first
    assert len(ledger.entries) == 1


def test_title_change_with_same_slug_keeps_identity():
    ledger, first = assign(Ledger(), essay("her", title="Her"))
    ledger, renamed = assign(ledger, essay("her", title="Her, revisited", sha="edited"), now=T2)
    assert (renamed.guid, renamed.number, renamed.pub_date) == (first.guid, first.number, first.pub_date)
    assert renamed.title == "Her, revisited"


def test_slug_change_matches_by_source_path():
    ledger, first = assign(Ledger(), essay("her", source="seeds/her.md"))
    ledger, moved = assign(ledger, essay("her-2", source="seeds/her.md", sha="edited"), now=T2)
    assert (moved.guid, moved.number, moved.pub_date) == (first.guid, first.number, first.pub_date)
    assert moved.id == "her"
    assert moved.slug == "her-2"


def test_file_rename_with_same_content_matches_by_hash():
    ledger, first = assign(Ledger(), essay("her", source="seeds/her.md", sha="abc"))
    ledger, renamed = assign(ledger, essay("on-her", source="seeds/on-her.md", sha="abc"), now=T2)
    assert (renamed.guid, renamed.number, renamed.pub_date) == (first.guid, first.number, first.pub_date)
    assert (renamed.slug, renamed.source) == ("on-her", "seeds/on-her.md")
    assert len(ledger.entries) == 1


def test_a_copied_essay_gets_its_own_entry_with_sync():
    ledger, (a,) = Ledger().sync([essay("a", sha="same")], T0)
    ledger, (a2, copy) = ledger.sync([essay("a", sha="same"), essay("b", sha="same")], T1)
    assert a2.guid == a.guid and copy.guid != a.guid and copy.number == 2


def test_a_copied_essay_gets_its_own_entry_with_assign_and_exclude():
    ledger, a = assign(Ledger(), essay("a", sha="same"))
    ledger, copy = ledger.assign("b", "seeds/b.md", "B", "same", None, None, T1, exclude=["a"])
    assert copy.guid != a.guid


def test_content_shared_by_several_entries_is_not_guessed():
    ledger, (a, b) = Ledger().sync([essay("a", sha="same"), essay("b", sha="same")], T0)
    ledger, c = assign(ledger, essay("c", sha="same"))
    assert len({a.guid, b.guid, c.guid}) == 3


def test_slug_is_kept_as_id_and_new_essay_with_old_id_gets_a_fresh_one():
    ledger, first = assign(Ledger(), essay("her", source="seeds/her.md", sha="abc"))
    ledger, moved = assign(ledger, essay("on-her", source="seeds/on-her.md", sha="abc"))
    ledger, newcomer = assign(ledger, essay("her", source="seeds/her.md", sha="zzz"))
    # No entry has the slug "her" or the path seeds/her.md any more, nor this content: a new episode.
    assert newcomer.guid != first.guid
    assert newcomer.id == "her-2"
    assert moved.id == "her"


def test_numbers_increase_and_are_never_reused_after_removal():
    ledger = Ledger()
    for slug in ("a", "b", "c"):
        ledger, _ = assign(ledger, essay(slug))
    ledger = ledger.mark_removed("c")
    ledger, d = assign(ledger, essay("d"))
    assert d.number == 4
    ledger, _ = ledger.sync([essay("a")], T1)  # b, c and d removed
    ledger, e = assign(ledger, essay("e"))
    assert e.number == 5
    assert sorted(x.number for x in ledger.entries) == [1, 2, 3, 4, 5]


def test_removed_essay_coming_back_keeps_guid_and_clears_flag():
    ledger, first = assign(Ledger(), essay("her"))
    ledger, _ = ledger.sync([], T1)
    assert ledger.get("her").removed
    ledger, back = assign(ledger, essay("her"), now=T2)
    assert not back.removed and back.guid == first.guid and back.pub_date == first.pub_date


def test_keep_and_drop_policies():
    ledger = Ledger()
    for slug, date in (("a", T0), ("b", T1), ("c", T2)):
        ledger, _ = assign(ledger, essay(slug, date=date))
    ledger = ledger.mark_removed("b")
    assert [e.id for e in ledger.entries_for_feed("keep")] == ["c", "b", "a"]
    assert [e.id for e in ledger.entries_for_feed("drop")] == ["c", "a"]
    with pytest.raises(ValueError):
        ledger.entries_for_feed("hide")  # type: ignore[arg-type]


def test_front_matter_date_sets_and_moves_pub_date():
    ledger, entry = assign(Ledger(), essay("her", date=T1), now=T0)
    assert entry.pub_date == T1 and entry.date_from_front_matter
    ledger, entry = assign(ledger, essay("her", date=T2), now=T2)
    assert entry.pub_date == T2
    ledger, entry = assign(ledger, essay("her"), now=T2)  # date removed: back to first publication
    assert entry.pub_date == T0.replace(microsecond=0) and not entry.date_from_front_matter


def test_front_matter_date_without_zone_is_utc_and_other_zones_convert():
    naive = dt.datetime(2024, 4, 1, 10, 0)
    _, entry = assign(Ledger(), essay("her", date=naive))
    assert entry.pub_date == dt.datetime(2024, 4, 1, 10, 0, tzinfo=UTC)
    paris = dt.datetime(2024, 4, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    _, entry = assign(Ledger(), essay("her", date=paris))
    assert entry.pub_date == dt.datetime(2024, 4, 1, 10, 0, tzinfo=UTC)


def test_pub_date_without_front_matter_stays_fixed():
    ledger, first = assign(Ledger(), essay("her"), now=T0)
    ledger, later = assign(ledger, essay("her", title="New title"), now=T2)
    assert later.pub_date == first.pub_date == T0.replace(microsecond=0)


def test_front_matter_episode_sets_number_and_raises_the_counter():
    ledger, a = assign(Ledger(), essay("a", episode=7))
    assert a.number == 7
    ledger, b = assign(ledger, essay("b"))
    assert b.number == 8
    ledger, a = assign(ledger, essay("a", episode=10))
    assert a.number == 10 and ledger.last_number == 10


@pytest.mark.parametrize("number", [0, -3, True])
def test_front_matter_episode_must_be_positive(number):
    with pytest.raises(PublishError, match="whole number"):
        assign(Ledger(), essay("a", episode=number))


def test_front_matter_episode_clash_is_an_error_naming_the_other_essay():
    ledger, _ = assign(Ledger(), essay("a", title="Alpha"))
    with pytest.raises(PublishError, match=r"already episode 1 'Alpha' from seeds/a\.md") as info:
        assign(ledger, essay("b", episode=1))
    assert "seeds/b.md" in str(info.value) and "choose another number" in str(info.value)


def test_front_matter_episode_clash_with_removed_episode():
    ledger, _ = assign(Ledger(), essay("a"))
    ledger = ledger.mark_removed("a")
    with pytest.raises(PublishError, match="never reused"):
        assign(ledger, essay("b", episode=1))


def test_sync_does_not_let_one_essay_take_anothers_entry():
    ledger, a = assign(Ledger(), essay("a", source="seeds/a.md", sha="x"))
    ledger, b = assign(ledger, essay("b", source="seeds/b.md", sha="y"))
    # b now has a's old content, and a was edited: slugs still decide.
    ledger, (a2, b2) = ledger.sync([essay("a", source="seeds/a.md", sha="z"),
                                    essay("b", source="seeds/b.md", sha="x")], T2)
    assert (a2.guid, b2.guid) == (a.guid, b.guid)


def test_sync_handles_rename_and_marks_missing_removed():
    ledger, (a, _b) = Ledger().sync([essay("a", sha="x"), essay("b", sha="y")], T0)
    ledger, (renamed,) = ledger.sync([essay("alpha", source="seeds/alpha.md", sha="x")], T1)
    assert renamed.guid == a.guid
    assert ledger.get("b").removed and not ledger.get("a").removed


def test_save_and_load_round_trip(tmp_path: Path):
    ledger, _ = assign(Ledger(), essay("her", title="Hér — “quoted”", date=T1))
    ledger, _ = assign(ledger, essay("two"))
    ledger = ledger.mark_removed("two")
    path = tmp_path / "episodes.json"
    save_ledger(path, ledger)
    assert load_ledger(path) == ledger
    text = path.read_text(encoding="utf-8")
    assert "Hér — “quoted”" in text and text.endswith("\n")
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["episodes"]["her"]["pub_date"] == "2024-02-01T12:00:00Z"
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_missing_file_is_an_empty_ledger(tmp_path: Path):
    assert load_ledger(tmp_path / "episodes.json") == Ledger()


def test_save_keeps_previous_file_as_backup_and_skips_unchanged(tmp_path: Path):
    path = tmp_path / "episodes.json"
    ledger, _ = assign(Ledger(), essay("a"))
    save_ledger(path, ledger)
    first = path.read_bytes()
    backup = tmp_path / ".audioessay" / "episodes.json.bak"
    assert not backup.exists()
    ledger, _ = assign(ledger, essay("b"))
    save_ledger(path, ledger)
    assert backup.read_bytes() == first
    mtime = path.stat().st_mtime_ns
    save_ledger(path, ledger)
    assert path.stat().st_mtime_ns == mtime
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("content, reason", [
    ("{not json", "not valid JSON"),
    ("[]", "expected an object"),
    ('{"format": 99, "last_number": 0, "episodes": {}}', "unknown format"),
    ('{"format": 1, "last_number": "x", "episodes": {}}', "last_number"),
    ('{"format": 1, "last_number": 1, "episodes": {"a": {"guid": "g"}}}', "lacks"),
    (b"\xff\xfe".decode("latin-1"), "not valid JSON"),
])
def test_corrupt_file_is_an_error_that_says_restore(tmp_path: Path, content: str, reason: str):
    path = tmp_path / "episodes.json"
    path.write_text(content, encoding="latin-1")
    with pytest.raises(PublishError) as info:
        load_ledger(path)
    message = str(info.value)
    assert reason in message and "restore episodes.json" in message and str(path) in message
    assert path.read_text(encoding="latin-1") == content  # never reset


def _entry_json(**overrides):
    data = {"guid": "urn:uuid:1", "number": 1, "pub_date": "2024-01-01T00:00:00Z",
            "first_published": "2024-01-01T00:00:00Z", "slug": "a", "source": "seeds/a.md",
            "source_sha256": "x", "title": "A", "date_from_front_matter": False, "removed": False}
    data.update(overrides)
    return data


@pytest.mark.parametrize("episodes, reason", [
    ({"a": _entry_json(), "b": _entry_json(slug="b", number=2)}, "share the guid"),
    ({"a": _entry_json(), "b": _entry_json(guid="urn:uuid:2")}, "share the number"),
    ({"a": _entry_json(number="1")}, "'number' should be int"),
    ({"a": _entry_json(pub_date="yesterday")}, "not an ISO 8601 date"),
    ({"a": _entry_json(pub_date="2024-01-01T00:00:00")}, "no time zone"),
    ({"a": _entry_json(extra=1)}, "unknown keys"),
])
def test_inconsistent_entries_are_errors(tmp_path: Path, episodes, reason):
    path = tmp_path / "episodes.json"
    path.write_text(json.dumps({"format": 1, "last_number": 2, "episodes": episodes}))
    with pytest.raises(PublishError, match=reason):
        load_ledger(path)


def test_sync_reserves_front_matter_numbers_before_automatic_ones():
    explicit = EssayRef("b", "seeds/b.md", "B", "hb", None, 1)
    ledger, (a, b) = Ledger().sync([essay("a", sha="ha"), explicit], T0)
    assert b.number == 1 and a.number == 2


def test_sync_reports_a_clashing_number_for_that_essay_only():
    ledger, _ = Ledger().sync([essay("a", sha="ha")], T0)  # a is episode 1
    clash = EssayRef("b", "seeds/b.md", "B", "hb", None, 1)
    errors: dict = {}
    ledger, (a, b, c) = ledger.sync([essay("a", sha="ha"), clash, essay("c", sha="hc")], T1, errors=errors)
    assert b is None and 1 in errors and "already episode 1" in str(errors[1])
    assert a is not None and a.number == 1 and c is not None and c.number == 2


def test_new_essays_added_together_are_numbered_in_the_order_of_their_dates():
    dated = [essay("c", date=T2), essay("a", date=T1), essay("b"), essay("d", date=T0)]
    ledger, entries = Ledger().sync(dated, T2)
    assert {e.slug: e.number for e in entries} == {"d": 1, "a": 2, "c": 3, "b": 4}  # undated last
    # Existing episodes keep their numbers; only the new ones are ordered.
    ledger, entries = ledger.sync([*dated, essay("e", date=T0), essay("f", date=T0 - dt.timedelta(days=1))], T2)
    assert {e.slug: e.number for e in entries} == {"d": 1, "a": 2, "c": 3, "b": 4, "f": 5, "e": 6}
