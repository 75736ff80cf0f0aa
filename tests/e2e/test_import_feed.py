"""End to end: import a blog's feed from a local web server, render it, and have gPodder's ``gpo``
subscribe to the podcast feed and download every episode; a re-import changes no episode."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_workspace, run_cli
from importing.import_support import Site, blog_feed, kinds, run_import, running_site
from test_e2e_gpodder import feed_items, gpo, gpodder_episodes, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture
def site() -> Iterator[Site]:
    with running_site() as server:
        yield server


def test_import_a_feed_render_it_and_gpodder_downloads_every_episode(tmp_path: Path, site: Site) -> None:
    ws = make_workspace(tmp_path / "ws", essays=[])
    site.serve("/feed/", blog_feed("{BASE}", 2), "application/rss+xml")
    imported = run_import(ws, site.url("/feed/"))
    assert imported.exit_code == 0, imported.output
    assert sorted(kinds(imported)["added"]) == ["seeds/post-1.md", "seeds/post-2.md"]

    rendered = run_cli(["render", "--json"], cwd=ws)
    assert rendered.returncode == 0, rendered.stderr
    report = json.loads(rendered.stdout)
    assert report["errors"] == []
    assert {e["slug"] for e in report["episodes"]} == {"post-1", "post-2"}
    items = feed_items(ws / "feeds" / "feed.xml")
    assert {item["title"] for item in items} == {"Essay number 1: a walk in the city",
                                                 "Essay number 2: a walk in the city"}
    # The essay's links are the episode's show notes.
    feed_text = (ws / "feeds" / "feed.xml").read_text(encoding="utf-8")
    assert "https://www.example.org/notes" in feed_text

    server, feed_url = start_server(ws)
    home = tmp_path / "gpodder"
    home.mkdir()
    try:
        assert gpo(["subscribe", feed_url], home).returncode == 0
        gpo(["download", feed_url], home)  # gpo exits 0 even when a download fails
        rows = gpodder_episodes(home)
        assert len(rows) == 2 and all(row["state"] == 1 for row in rows), [dict(r) for r in rows]
        for row in rows:
            [downloaded] = list((home / "downloads").rglob(row["download_filename"]))
            assert downloaded.stat().st_size == row["file_size"] > 10_000
        guids = {row["guid"] for row in rows}

        # The blog renames a post: the re-import updates its seed under the same slug, the render
        # remakes that episode, and gPodder sees the same two episodes (no duplicate, same guids).
        site.serve("/feed/", blog_feed("{BASE}", 2).replace("Essay number 1: a walk", "Essay one: a walk"),
                   "application/rss+xml")
        again = run_import(ws, site.url("/feed/"))
        assert kinds(again) == {"updated": ["seeds/post-1.md"], "unchanged": ["seeds/post-2.md"]}
        assert run_cli(["render"], cwd=ws).returncode == 0
        assert gpo(["update", feed_url], home).returncode == 0
        after = gpodder_episodes(home)
        assert {row["guid"] for row in after} == guids
        assert "Essay one: a walk in the city" in {row["title"] for row in after}
    finally:
        server.terminate()
        server.wait(timeout=10)
