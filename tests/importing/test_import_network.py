"""Fetching: redirects within limits, a timeout, a size limit, a User-Agent; a feed of summaries
fetches each post's page; every failure is that post's one line and the rest still import."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from import_support import (
    Route,
    Site,
    blog_feed,
    blog_post_page,
    fixture_text,
    kinds,
    run_import,
)

from audioessay.importing.fetch import USER_AGENT, FetchLimits, fetch
from audioessay.importing.models import ImportSourceError


def serve_summary_blog(site: Site, count: int) -> str:
    site.serve("/feed/", blog_feed("{BASE}", count, full_content=False), "application/rss+xml")
    for number in range(1, count + 1):
        site.serve(f"/{2024 - number // 40}/post-{number}/", blog_post_page("{BASE}", number))
    return site.url("/feed/")


def test_a_feed_of_summaries_fetches_each_posts_page_and_keeps_only_the_essay(ws: Path, site: Site) -> None:
    feed = serve_summary_blog(site, 4)
    ran = run_import(ws, feed)
    assert ran.exit_code == 0, ran.output
    assert len(kinds(ran)["added"]) == 4
    assert sorted(site.fetched()) == sorted(["/feed/"] + [f"/2024/post-{n}/" for n in range(1, 5)])
    assert all(agent == USER_AGENT for _path, agent in site.requests)
    text = (ws / "seeds" / "post-2.md").read_text(encoding="utf-8")
    for gone in ("Recent posts", "Privacy", "2 comments", "Lovely.", "Twitter", "cdn.example.org"):
        assert gone not in text, gone
    assert "## What changed" in text and "[one study](https://www.example.org/notes)" in text
    post_2 = next(e for e in ran.report["essays"] if e["seed"] == "seeds/post-2.md")
    assert post_2["dropped"] == {"image": 1, "share button": 1, "comment section": 1}


def test_a_public_feed_cannot_make_the_importer_read_a_private_address(ws: Path, site: Site,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A feed on the internet that links to 127.0.0.1 (or 10.x, 169.254.x...) must not get that
    page read, made a seed and published. The test's feed is on 127.0.0.1 too, so the feed's own
    address is taken as public here; its post links stay private."""
    from audioessay.importing import fetch as fetching
    from audioessay.importing import sources

    feed = serve_summary_blog(site, 2)
    monkeypatch.setattr(sources, "is_private", lambda url: False)
    ran = run_import(ws, feed)
    assert ran.exit_code == 1 and not kinds(ran).get("added")
    assert all("private network" in e["message"] for e in ran.report["errors"]), ran.report["errors"]
    assert site.fetched() == ["/feed/"]  # no post page was asked for
    assert not list((ws / "seeds").glob("*.md"))
    assert fetching.is_private("http://127.0.0.1/") and fetching.is_private("http://10.1.2.3/")
    assert not fetching.is_private("http://93.184.215.14/")


def test_a_feed_file_of_summaries_fetches_nothing_and_says_so_per_post(ws: Path, site: Site, tmp_path: Path) -> None:
    feed_file = tmp_path / "feed.xml"
    feed_file.write_text(blog_feed(site.base, 2, full_content=False), encoding="utf-8")
    ran = run_import(ws, str(feed_file))
    assert ran.exit_code == 1
    assert site.requests == []
    assert len(ran.report["errors"]) == 2
    assert all("only a summary" in e["message"] and "by its URL" in e["message"] for e in ran.report["errors"])


def test_redirects_are_followed_within_the_limit(ws: Path, site: Site) -> None:
    site.serve("/p/the-slow-library", fixture_text("substack-post.html"))
    site.redirect("/r3", "/r2")
    site.redirect("/r2", "/r1", status=302)
    site.redirect("/r1", "/p/the-slow-library", status=307)
    ran = run_import(ws, site.url("/r3"))
    assert ran.exit_code == 0, ran.output
    assert kinds(ran)["added"] == ["seeds/the-slow-library.md"]


def test_too_many_redirects_is_one_line(site: Site) -> None:
    for number in range(8):
        site.redirect(f"/loop{number}", f"/loop{number + 1}")
    with pytest.raises(ImportSourceError, match=r"more than 5 redirects"):
        fetch(site.url("/loop0"))
    site.redirect("/self", "/self")
    with pytest.raises(ImportSourceError, match="redirects"):
        fetch(site.url("/self"))


def test_a_redirect_to_another_scheme_is_refused(site: Site) -> None:
    site.redirect("/to-file", "file:///etc/passwd")
    with pytest.raises(ImportSourceError, match="not an http"):
        fetch(site.url("/to-file"))


def test_a_body_over_the_size_limit_is_refused(site: Site) -> None:
    site.serve("/big", b"x" * 5000)
    with pytest.raises(ImportSourceError, match="larger than"):
        fetch(site.url("/big"), FetchLimits(max_bytes=4000))
    assert fetch(site.url("/big"), FetchLimits(max_bytes=5000)).body == b"x" * 5000


def test_a_server_that_does_not_answer_times_out(site: Site) -> None:
    site.routes["/slow"] = Route(b"late", delay=2.0)
    with pytest.raises(ImportSourceError, match=r"no answer within 0.3 s"):
        fetch(site.url("/slow"), FetchLimits(timeout=0.3))


def test_a_refused_connection_is_one_line(ws: Path, site: Site) -> None:
    port = site.server.server_address[1]
    site.server.shutdown()
    site.server.server_close()
    ran = run_import(ws, f"http://127.0.0.1:{port}/feed/")
    assert ran.exit_code == 1
    [error] = ran.report["errors"]
    assert error["message"].startswith(f"http://127.0.0.1:{port}/feed/: cannot be fetched:")
    assert "\n" not in error["message"] and "Traceback" not in ran.output


def test_one_missing_page_is_that_posts_error_and_the_others_import(ws: Path, site: Site) -> None:
    feed = serve_summary_blog(site, 3)
    del site.routes["/2024/post-2/"]
    ran = run_import(ws, feed)
    assert ran.exit_code == 1
    assert sorted(kinds(ran)["added"]) == ["seeds/post-1.md", "seeds/post-3.md"]
    assert ran.report["errors"] == [{"source": f"{site.base}/2024/post-2/",
                                     "message": f"{site.base}/2024/post-2/: HTTP 404 Not Found "
                                                "(check the address, or try again later)"}]


def test_a_broken_feed_is_one_line_and_other_sources_still_import(ws: Path, site: Site) -> None:
    broken = site.serve("/broken.xml", "<?xml version='1.0'?><rss><channel><item><title>Half", "application/rss+xml")
    page = site.serve("/p/the-slow-library", fixture_text("substack-post.html"))
    ran = run_import(ws, broken, page)
    assert ran.exit_code == 1
    assert kinds(ran)["added"] == ["seeds/the-slow-library.md"]
    error = ran.report["errors"][0]
    assert error["source"] == broken and "the feed is broken" in error["message"]
    assert not (ws / "seeds" / "half.md").exists()


def test_a_paywalled_substack_page_is_skipped_with_a_note(ws: Path, site: Site) -> None:
    paywalled = fixture_text("substack-post.html").replace(
        '<p>Quiet is not the absence', '<div class="paywall"><h2>This post is for paid subscribers</h2>'
        '<a href="{BASE}/subscribe">Subscribe</a></div><p>Quiet is not the absence')
    url = site.serve("/p/the-slow-library", paywalled)
    ran = run_import(ws, url)
    assert ran.exit_code == 0
    [skipped] = ran.report["essays"]
    assert skipped["kind"] == "skipped" and "paywalled" in skipped["message"]
    assert not (ws / "seeds" / "the-slow-library.md").exists()


def test_a_server_that_drips_is_cut_off_at_the_deadline() -> None:
    from audioessay.importing.fetch import _read_body

    class Drip:
        def read(self, size: int) -> bytes:
            time.sleep(0.02)
            return b"x"

    limits = FetchLimits(deadline=0.2)
    with pytest.raises(ImportSourceError, match="took more than 0.2 s"):
        _read_body(Drip(), "http://example.org/drip", limits)
