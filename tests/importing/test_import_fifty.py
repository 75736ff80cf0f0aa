"""The closing note's measurement: a real-looking blog feed of 50 posts, imported twice (full
content in the feed, then summaries only, so each post's page is fetched). Run with ``-s`` to see
the timings and what was dropped."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import make_workspace
from import_support import (
    Site,
    blog_feed,
    blog_post_page,
    kinds,
    run_import,
)

POSTS = 50


@pytest.mark.parametrize("full_content", [True, False], ids=["content-encoded", "summaries-fetch-pages"])
def test_a_fifty_post_blog_feed(tmp_path: Path, site: Site, full_content: bool) -> None:
    ws = make_workspace(tmp_path / "ws", essays=[])
    site.serve("/feed/", blog_feed("{BASE}", POSTS, full_content=full_content), "application/rss+xml")
    for number in range(1, POSTS + 1):
        site.serve(f"/{2024 - number // 40}/post-{number}/", blog_post_page("{BASE}", number))
    started = time.monotonic()
    ran = run_import(ws, site.url("/feed/"))
    first = time.monotonic() - started
    assert ran.exit_code == 0, ran.output
    assert len(kinds(ran)["added"]) == POSTS
    assert len(site.fetched("/20")) == (0 if full_content else POSTS)
    dropped: Counter[str] = Counter()
    for essay in ran.report["essays"]:
        dropped.update(essay["dropped"])
    # What the generator put in: an image in every post, a subscribe box in every third, an
    # embed in every fifth, share buttons in every other (and, on the pages, comments).
    assert dropped["image"] == POSTS
    assert dropped["subscribe box"] == POSTS // 3
    assert dropped["embed"] == POSTS // 5
    assert dropped["share button"] == POSTS // 2
    assert dropped["comment section"] == (0 if full_content else POSTS)
    started = time.monotonic()
    again = run_import(ws, site.url("/feed/"))
    second = time.monotonic() - started
    assert kinds(again) == {"unchanged": [f"seeds/post-{n}.md" for n in range(POSTS, 0, -1)]}
    print(f"\n{POSTS} posts ({'content:encoded' if full_content else 'summaries, pages fetched'}): "
          f"first import {first:.2f} s, second (nothing changed) {second:.2f} s; dropped {dict(sorted(dropped.items()))}")
    assert first < 60
