"""A second import adds new posts and updates changed ones only; a seed a person edited is never
overwritten (without --force, which keeps a backup); an essay keeps its slug across imports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from import_support import (
    Site,
    blog_feed,
    fixture_text,
    kinds,
    run_import,
)

from audioessay.publish.ledger import Ledger, LedgerEntry, save_ledger


def versions(ws: Path) -> dict[str, tuple[int, int]]:
    """Each seed's (inode, mtime): an atomic rewrite changes the inode, so any write shows."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (ws / "seeds").iterdir()}


def rewritten(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> set[str]:
    return {name for name, version in after.items() if before.get(name) != version}


def test_a_second_import_of_the_same_feed_writes_nothing(ws: Path, site: Site) -> None:
    feed = site.serve("/feed/", blog_feed("{BASE}", 6), "application/rss+xml")
    first = run_import(ws, feed)
    assert len(kinds(first)["added"]) == 6
    before = versions(ws)
    state = (ws / ".audioessay" / "imports.json").stat().st_mtime_ns
    second = run_import(ws, feed)
    assert second.exit_code == 0
    assert set(kinds(second)) == {"unchanged"} and len(kinds(second)["unchanged"]) == 6
    assert rewritten(before, versions(ws)) == set()
    assert (ws / ".audioessay" / "imports.json").stat().st_mtime_ns == state


def test_a_new_post_is_added_and_a_changed_one_updated_the_rest_untouched(ws: Path, site: Site) -> None:
    site.serve("/feed/", blog_feed("{BASE}", 5), "application/rss+xml")
    run_import(ws, site.url("/feed/"))
    before = versions(ws)
    items = blog_feed("{BASE}", 6).split("<item>")  # newest first: post 6, then post 5
    items[2] = items[2].replace("<h2>What stayed</h2>", "<h2>What remained</h2>")
    changed = "<item>".join(items)
    site.serve("/feed/", changed, "application/rss+xml")
    ran = run_import(ws, site.url("/feed/"))
    found = kinds(ran)
    assert found["added"] == ["seeds/post-6.md"]
    assert found["updated"] == ["seeds/post-5.md"]
    assert len(found["unchanged"]) == 4
    assert rewritten(before, versions(ws)) == {"post-6.md", "post-5.md"}
    assert "## What remained" in (ws / "seeds" / "post-5.md").read_text(encoding="utf-8")


def test_an_edited_seed_survives_a_reimport_of_a_changed_post(ws: Path, site: Site) -> None:
    site.serve("/feed/", blog_feed("{BASE}", 3), "application/rss+xml")
    run_import(ws, site.url("/feed/"))
    seed = ws / "seeds" / "post-2.md"
    edited = seed.read_text(encoding="utf-8").replace("# Essay number 2", "# Essay number 2\n\nMy own new opening.")
    seed.write_text(edited, encoding="utf-8")

    # Unchanged post: the edit is kept, quietly.
    again = run_import(ws, site.url("/feed/"))
    assert kinds(again)["kept"] == ["seeds/post-2.md"] and again.exit_code == 0
    # Changed post: a conflict, the person's file kept byte for byte, nothing else written.
    site.serve("/feed/", blog_feed("{BASE}", 3).replace("What changed", "What had changed"), "application/rss+xml")
    before = versions(ws)
    ran = run_import(ws, site.url("/feed/"))
    assert ran.exit_code == 0
    assert kinds(ran)["conflict"] == ["seeds/post-2.md"]
    message = next(e["message"] for e in ran.report["essays"] if e["kind"] == "conflict")
    assert "edited by hand" in message and "--force" in message
    assert seed.read_text(encoding="utf-8") == edited
    assert rewritten(before, versions(ws)) == {"post-1.md", "post-3.md"}
    assert not list((ws / "seeds").glob("*.bak-*"))


def test_force_replaces_an_edited_seed_after_a_backup(ws: Path, site: Site) -> None:
    site.serve("/feed/", blog_feed("{BASE}", 2), "application/rss+xml")
    run_import(ws, site.url("/feed/"))
    seed = ws / "seeds" / "post-1.md"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nA line I added.\n", encoding="utf-8")
    edited = seed.read_bytes()
    site.serve("/feed/", blog_feed("{BASE}", 2).replace("What changed", "What moved"), "application/rss+xml")
    ran = run_import(ws, site.url("/feed/"), "--force")
    assert kinds(ran)["forced"] == ["seeds/post-1.md"]
    backups = list((ws / "seeds").glob("post-1.md.bak-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == edited
    assert next(e["backup"] for e in ran.report["essays"] if e["kind"] == "forced") == \
        f"seeds/{backups[0].name}"
    assert "What moved" in seed.read_text(encoding="utf-8")
    # A backup is not an essay: it does not end in .md.
    assert not backups[0].name.endswith((".md", ".txt"))


def test_a_new_title_keeps_the_slug_because_identity_follows_the_canonical_url(ws: Path, site: Site) -> None:
    site.serve("/feed/", blog_feed("{BASE}", 2), "application/rss+xml")
    run_import(ws, site.url("/feed/"))
    renamed = blog_feed("{BASE}", 2).replace("Essay number 1: a walk in the city", "A walk, renamed")
    # The link gains tracking parameters too: still the same essay.
    renamed = renamed.replace("/post-1/</link>", "/post-1/?utm_source=rss&amp;utm_medium=rss</link>")
    site.serve("/feed/", renamed, "application/rss+xml")
    ran = run_import(ws, site.url("/feed/"))
    assert kinds(ran)["updated"] == ["seeds/post-1.md"]
    assert sorted(p.name for p in (ws / "seeds").iterdir()) == ["post-1.md", "post-2.md"]
    assert "title: A walk, renamed" in (ws / "seeds" / "post-1.md").read_text(encoding="utf-8")


def test_a_slug_already_taken_by_a_persons_essay_or_an_episode_is_not_reused(ws: Path, site: Site) -> None:
    (ws / "seeds" / "post-1.md").write_text("# My own essay\n\nNot imported.\n", encoding="utf-8")
    # An episode once made from an essay since deleted: its slug (and URLs) stay its own.
    when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    save_ledger(ws / "episodes.json", Ledger(entries=(LedgerEntry(
        id="post-2", guid="urn:uuid:1", number=1, pub_date=when, first_published=when, slug="post-2",
        source="seeds/gone.md", source_sha256="0" * 64, title="An old episode"),), last_number=1))
    site.serve("/feed/", blog_feed("{BASE}", 2), "application/rss+xml")
    ran = run_import(ws, site.url("/feed/"))
    assert sorted(kinds(ran)["added"]) == ["seeds/post-1-2.md", "seeds/post-2-2.md"]
    assert (ws / "seeds" / "post-1.md").read_text(encoding="utf-8") == "# My own essay\n\nNot imported.\n"


def test_a_lost_state_file_is_recovered_from_source_url_and_protects_edits(ws: Path, site: Site) -> None:
    site.serve("/feed/", blog_feed("{BASE}", 2), "application/rss+xml")
    run_import(ws, site.url("/feed/"))
    (ws / ".audioessay" / "imports.json").unlink()
    seed = ws / "seeds" / "post-1.md"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nMine.\n", encoding="utf-8")
    ran = run_import(ws, site.url("/feed/"))
    found = kinds(ran)
    assert found["unchanged"] == ["seeds/post-2.md"]  # the same seed, not a post-2-2.md
    assert found["conflict"] == ["seeds/post-1.md"]  # no record: taken as a person's file
    assert seed.read_text(encoding="utf-8").endswith("\nMine.\n")
    assert sorted(p.name for p in (ws / "seeds").iterdir()) == ["post-1.md", "post-2.md"]


def test_a_seed_a_person_deleted_is_not_brought_back(ws: Path, site: Site) -> None:
    site.serve("/feed/", blog_feed("{BASE}", 2), "application/rss+xml")
    run_import(ws, site.url("/feed/"))
    (ws / "seeds" / "post-1.md").unlink()
    ran = run_import(ws, site.url("/feed/"))
    assert kinds(ran)["kept"] == ["seeds/post-1.md"]
    assert not (ws / "seeds" / "post-1.md").exists()
    assert kinds(run_import(ws, site.url("/feed/"), "--force"))["added"] == ["seeds/post-1.md"]


def test_the_same_post_from_a_page_and_from_a_feed_is_one_seed(ws: Path, site: Site) -> None:
    page = site.serve("/p/the-slow-library", fixture_text("substack-post.html"))
    run_import(ws, page)
    feed = f"""<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Field Notes</title><link>{site.base}</link><item><title>The Slow Library</title>
<link>{site.base}/p/the-slow-library?utm_source=rss</link><guid isPermaLink="false">substack:post:141234567</guid>
</item></channel></rss>"""
    site.serve("/feed", feed, "application/rss+xml")
    ran = run_import(ws, site.url("/feed"))
    assert ran.exit_code == 0, ran.output
    assert kinds(ran) == {"unchanged": ["seeds/the-slow-library.md"]}
