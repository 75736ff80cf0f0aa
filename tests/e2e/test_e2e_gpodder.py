"""End to end: render a workspace, serve it, and have gPodder's ``gpo`` subscribe and download."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import AUDIOESSAY, REPO, run_cli

pytestmark = pytest.mark.e2e


def start_server(ws: Path) -> tuple[subprocess.Popen[str], str]:
    """Start ``audioessay serve --port 0`` and return it with the feed URL it prints."""
    proc = subprocess.Popen([AUDIOESSAY, "serve", "--port", "0"], cwd=ws, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    for _ in range(5):
        line = proc.stdout.readline()
        match = re.search(r"Feed URL.*?: (\S+)", line)
        if match:
            return proc, match.group(1)
    proc.kill()
    raise AssertionError(f"serve printed no feed URL: {proc.stderr.read() if proc.stderr else ''}")


def gpo(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GPODDER_HOME": str(home), "GPODDER_DOWNLOAD_DIR": str(home / "downloads")}
    return subprocess.run(["gpo", *args], env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def gpodder_episodes(home: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(home / "Database") as db:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT title, guid, state, download_filename, file_size, podcast_id FROM episode").fetchall()


def feed_items(feed: Path) -> list[dict[str, str]]:
    return feed_items_from(feed.read_bytes())


def feed_items_from(data: bytes) -> list[dict[str, str]]:
    root = ET.fromstring(data)
    items = []
    for item in root.iter("item"):
        enclosure = item.find("enclosure")
        assert enclosure is not None
        items.append({"title": item.findtext("title") or "", "guid": item.findtext("guid") or "",
                      "url": enclosure.get("url", ""), "length": enclosure.get("length", "")})
    return items


def test_render_serve_and_gpodder_downloads_every_episode(workspace: Path, tmp_path: Path) -> None:
    result = run_cli(["render", "--json"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert report["feed"] == "feeds/feed.xml"
    assert len(report["episodes"]) == 2
    for episode in report["episodes"]:
        assert (workspace / episode["audio"]).stat().st_size > 10_000
        assert (workspace / episode["script"]).is_file()

    server, feed_url = start_server(workspace)
    home = tmp_path / "gpodder"
    home.mkdir()
    try:
        assert gpo(["subscribe", feed_url], home).returncode == 0
        assert gpo(["update", feed_url], home).returncode == 0
        # gpo exits 0 even when a download fails: the database says what really happened.
        gpo(["download", feed_url], home)
        with urllib.request.urlopen(feed_url, timeout=10) as response:  # the server's own feed
            items = feed_items_from(response.read())
        assert all(item["url"].startswith(feed_url.rsplit("feeds/", 1)[0]) for item in items)
        episodes = gpodder_episodes(home)
        assert len(episodes) == len(items) == 2
        by_guid = {row["guid"]: row for row in episodes}
        for item in items:
            row = by_guid[item["guid"]]
            assert row["title"] == item["title"]
            assert row["state"] == 1, f"gPodder did not download {item['title']}"
            downloaded = list((home / "downloads").rglob(row["download_filename"]))
            assert len(downloaded) == 1
            assert downloaded[0].stat().st_size == int(item["length"])

        # Rendering again (nothing changed) keeps every guid: gPodder sees no new episode.
        again = run_cli(["render", "--json"], cwd=workspace)
        assert again.returncode == 0, again.stderr
        assert all(not e["remade"] for e in json.loads(again.stdout)["episodes"])
        assert gpo(["update", feed_url], home).returncode == 0
        assert len(gpodder_episodes(home)) == 2
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_make_demo_render_step_works_from_a_fresh_clone(tmp_path: Path) -> None:
    """`make demo` in a fresh clone of the committed tree, reusing this test run's virtualenv."""
    if not (REPO / ".git").exists():
        pytest.fail("the repository has no .git folder: run the tests from a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    venv = Path(AUDIOESSAY).parent.parent
    # -o: treat the install stamp as up to date, so make uses this venv instead of building one.
    result = subprocess.run(["make", "demo", f"VENV={venv}", "-o", f"{venv}/.runtime-installed"],
                            cwd=clone, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    feed = clone / "feeds" / "feed.xml"
    items = feed_items(feed)
    essays = [p for p in (clone / "seeds").iterdir() if p.suffix in (".md", ".txt")]
    assert len(items) == len(essays)
    for item in items:
        path = clone / item["url"].split("/", 3)[3]
        assert path.stat().st_size == int(item["length"])


def test_gpodder_sees_no_duplicates_after_a_title_change_and_rerender(workspace: Path, tmp_path: Path) -> None:
    assert run_cli(["render"], cwd=workspace).returncode == 0
    server, feed_url = start_server(workspace)
    home = tmp_path / "gpodder"
    home.mkdir()
    try:
        assert gpo(["subscribe", feed_url], home).returncode == 0
        gpo(["download", feed_url], home)
        before = {row["guid"]: row for row in gpodder_episodes(home)}
        assert len(before) == 2 and all(row["state"] == 1 for row in before.values())

        essay = workspace / "seeds" / "notes-on-walking.txt"
        essay.write_text(essay.read_text(encoding="utf-8").replace("Notes on Walking Slowly", "On Walking Slowly",
                                                                    1), encoding="utf-8")
        result = run_cli(["render", "--json"], cwd=workspace)
        assert result.returncode == 0, result.stderr
        titles = {item["title"] for item in feed_items(workspace / "feeds" / "feed.xml")}
        assert "On Walking Slowly" in titles

        assert gpo(["update", feed_url], home).returncode == 0
        after = gpodder_episodes(home)
        assert len(after) == 2, "gPodder shows a duplicate episode after a title change"
        assert {row["guid"] for row in after} == set(before)
        assert "On Walking Slowly" in {row["title"] for row in after}
        assert all(row["state"] == 1 for row in after), "gPodder would download an episode again"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_render_meanwhile_does_not_break_a_running_serve_on_another_port(workspace: Path, tmp_path: Path) -> None:
    """render writes the public feed for show.base_url (port 8000); a server on another port keeps
    handing out its own address, with the new episodes, and gPodder downloads them all."""
    config = workspace / "audioessay.toml"
    assert 'base_url = "http://127.0.0.1:8000/"' in config.read_text(encoding="utf-8")
    assert run_cli(["render"], cwd=workspace).returncode == 0
    server, feed_url = start_server(workspace)
    base = feed_url.removesuffix("feeds/feed.xml")
    assert ":8000/" not in base
    home = tmp_path / "gpodder"
    home.mkdir()
    try:
        assert gpo(["subscribe", feed_url], home).returncode == 0
        (workspace / "seeds" / "third.md").write_text("# A Third Essay\n\nIt arrived while the server ran.\n",
                                                     encoding="utf-8")
        assert run_cli(["render"], cwd=workspace).returncode == 0
        public = feed_items(workspace / "feeds" / "feed.xml")
        assert all(item["url"].startswith("http://127.0.0.1:8000/") for item in public)
        with urllib.request.urlopen(feed_url, timeout=10) as response:
            served = feed_items_from(response.read())
        assert len(served) == 3 and all(item["url"].startswith(base) for item in served)

        assert gpo(["update", feed_url], home).returncode == 0
        gpo(["download", feed_url], home)
        rows = gpodder_episodes(home)
        assert len(rows) == 3 and all(row["state"] == 1 for row in rows), [dict(r) for r in rows]
    finally:
        server.terminate()
        server.wait(timeout=10)
