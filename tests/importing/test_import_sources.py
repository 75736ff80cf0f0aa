"""Each kind of source becomes the seeds it should: golden Markdown, front matter, what was dropped,
and what was skipped (drafts, paywalled stubs, very short posts) unless asked for."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from import_support import (
    FIXTURES,
    Site,
    check_golden,
    fixture_text,
    kinds,
    make_docx,
    run_import,
    substack_zip,
)


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def dropped(ran_report: dict, seed: str) -> dict[str, int]:
    return next(e["dropped"] for e in ran_report["essays"] if e["seed"] == seed)


def test_a_substack_post_page_by_url_keeps_the_essay_and_drops_the_page_around_it(ws: Path, site: Site) -> None:
    url = site.serve("/p/the-slow-library", fixture_text("substack-post.html"))
    ran = run_import(ws, url + "?utm_source=twitter")
    assert ran.exit_code == 0, ran.output
    seed = ws / "seeds" / "the-slow-library.md"
    check_golden("substack-post.md", seed.read_text(encoding="utf-8"), site.base)
    meta = front_matter(seed)
    assert meta["source_url"] == f"{site.base}/p/the-slow-library"  # canonical, no tracking
    assert meta["author"] == "Mara Ellison"
    body = seed.read_text(encoding="utf-8")
    for gone in ("Discussion about this post", "Archive", "Privacy", "Type your email", "Subscribe", "Share",
                 "reading-room.jpeg", "youtube", "Start writing"):
        assert gone not in body, gone
    assert "[study of 1,200 branches](https://www.example.org/library-value-study)" in body
    assert f"({site.base}/p/closing-time)" in body  # a relative link made absolute for the show notes
    assert dropped(ran.report, "seeds/the-slow-library.md") == {
        "comment section": 1, "embed": 1, "image": 1, "share button": 3, "subscribe box": 2}


def test_the_text_output_lists_what_was_dropped(ws: Path, site: Site) -> None:
    from click.testing import CliRunner

    from audioessay.cli.importer import import_command

    url = site.serve("/p/the-slow-library", fixture_text("substack-post.html"))
    cwd = os.getcwd()
    os.chdir(ws)
    try:
        result = CliRunner().invoke(import_command, [url])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert ("added seeds/the-slow-library.md (dropped 1 comment section, 1 embed, 1 image, 3 share buttons, "
            "2 subscribe boxes)") in result.output
    assert "summary: 1 added in" in result.output


def test_a_wordpress_feed_with_content_encoded_needs_no_page_fetches(ws: Path, site: Site) -> None:
    feed = site.serve("/feed/", fixture_text("wordpress-feed.xml"), "application/rss+xml; charset=UTF-8")
    ran = run_import(ws, feed)
    assert ran.exit_code == 0, ran.output
    assert site.fetched() == ["/feed/"]  # the full content was in the feed
    found = kinds(ran)
    assert found["added"] == ["seeds/a-map-is-a-promise.md", "seeds/the-desire-path.md"]
    assert found["skipped"] == [f"{site.base}/2024/04/back-next-week/"]
    skipped = next(e for e in ran.report["essays"] if e["kind"] == "skipped")
    assert "very short (" in skipped["message"] and "--include-skipped" in skipped["message"]
    check_golden("wordpress-feed-a-map-is-a-promise.md",
                 (ws / "seeds" / "a-map-is-a-promise.md").read_text(encoding="utf-8"), site.base)
    check_golden("wordpress-feed-the-desire-path.md",
                 (ws / "seeds" / "the-desire-path.md").read_text(encoding="utf-8"), site.base)
    assert dropped(ran.report, "seeds/a-map-is-a-promise.md") == {
        "embed": 1, "image": 1, "share button": 1, "subscribe box": 1}
    meta = front_matter(ws / "seeds" / "a-map-is-a-promise.md")
    assert meta["author"] == "Tomas Reyes" and str(meta["date"]).startswith("2024-05-07 08:00:00")


def test_include_skipped_imports_the_short_post_too(ws: Path, site: Site) -> None:
    feed = site.serve("/feed/", fixture_text("wordpress-feed.xml"), "application/rss+xml")
    ran = run_import(ws, feed, "--include-drafts")
    assert ran.exit_code == 0, ran.output
    assert "seeds/back-next-week.md" in kinds(ran)["added"]


def test_a_ghost_export_skips_drafts_members_only_posts_and_pages(ws: Path) -> None:
    ran = run_import(ws, str(FIXTURES / "ghost-export.json"), "--site-url", "https://nightradio.example")
    assert ran.exit_code == 0, ran.output
    found = kinds(ran)
    assert found["added"] == ["seeds/best-pictures-radio.md"]
    reasons = {e["title"]: e["message"] for e in ran.report["essays"] if e["kind"] == "skipped"}
    assert set(reasons) == {"Night Shift Radio", "Foley (draft)"}  # the page "About" is not a post
    assert "paywalled" in reasons["Night Shift Radio"] and "a draft" in reasons["Foley (draft)"]
    check_golden("ghost-best-pictures-radio.md", (ws / "seeds" / "best-pictures-radio.md").read_text(encoding="utf-8"))
    assert dropped(ran.report, "seeds/best-pictures-radio.md") == {"embed": 1, "image": 1, "subscribe box": 1}


def test_a_ghost_export_without_site_url_says_how_to_record_urls(ws: Path) -> None:
    ran = run_import(ws, str(FIXTURES / "ghost-export.json"))
    assert ran.exit_code == 0, ran.output
    assert any("--site-url" in note for note in ran.report["notes"])
    assert "source_url" not in front_matter(ws / "seeds" / "best-pictures-radio.md")


def test_a_substack_export_zip(ws: Path, tmp_path: Path) -> None:
    archive = substack_zip(tmp_path / "export.zip")
    ran = run_import(ws, str(archive), "--site-url", "https://fieldnotes.substack.com")
    assert ran.exit_code == 0, ran.output
    found = kinds(ran)
    assert found["added"] == ["seeds/the-slow-library.md", "seeds/on-borrowing.md"]
    assert len(found["skipped"]) == 2  # the paid post and the draft
    check_golden("substack-export-on-borrowing.md", (ws / "seeds" / "on-borrowing.md").read_text(encoding="utf-8"))
    assert front_matter(ws / "seeds" / "on-borrowing.md")["source_url"] == \
        "https://fieldnotes.substack.com/p/on-borrowing"
    assert dropped(ran.report, "seeds/on-borrowing.md") == {"embed": 1, "subscribe box": 1}


def test_a_wordpress_export_reads_classic_editor_paragraphs_and_skips_attachments(ws: Path) -> None:
    ran = run_import(ws, str(FIXTURES / "wordpress-export.xml"))
    assert ran.exit_code == 0, ran.output
    found = kinds(ran)
    assert found["added"] == ["seeds/on-stiles.md"]
    assert [e["title"] for e in ran.report["essays"] if e["kind"] == "skipped"] == ["Hedges (draft)"]
    check_golden("wordpress-export-on-stiles.md", (ws / "seeds" / "on-stiles.md").read_text(encoding="utf-8"))


def test_a_docx_keeps_headings_lists_quotes_and_links(ws: Path, tmp_path: Path) -> None:
    document = make_docx(tmp_path / "Letters.docx")
    ran = run_import(ws, str(document))
    assert ran.exit_code == 0, ran.output
    seed = ws / "seeds" / "letters-we-no-longer-write.md"
    check_golden("docx-letters.md", seed.read_text(encoding="utf-8"))
    assert dropped(ran.report, "seeds/letters-we-no-longer-write.md") == {"image": 1}


def test_a_saved_page_and_a_plain_html_file_fetch_nothing(ws: Path, tmp_path: Path, site: Site) -> None:
    saved = tmp_path / "The Slow Library.html"
    saved.write_text(fixture_text("substack-post.html").replace("{BASE}", site.base), encoding="utf-8")
    plain = tmp_path / "maps.html"
    plain.write_text("<html><head><title>On Maps</title></head><body><h1>On Maps</h1>"
                     + "<p>A map is <em>not</em> the territory, said <a href='https://example.org/k'>Korzybski</a>, "
                       "and every walker learns it on a wet hillside sooner or later.</p>" * 6
                     + "<h2>Why</h2><blockquote><p>Quoted words here.</p></blockquote></body></html>",
                     encoding="utf-8")
    ran = run_import(ws, str(saved), str(plain))
    assert ran.exit_code == 0, ran.output
    assert site.requests == []  # links to the server are in the page, but a file fetches nothing
    assert kinds(ran)["added"] == ["seeds/the-slow-library.md", "seeds/on-maps.md"]
    assert (ws / "seeds" / "the-slow-library.md").read_text(encoding="utf-8") == \
        (FIXTURES.parent / "golden" / "substack-post.md").read_text(encoding="utf-8").replace(
            "http://blog.test", site.base)
    text = (ws / "seeds" / "on-maps.md").read_text(encoding="utf-8")
    assert "> Quoted words here." in text and "## Why" in text and "*not*" in text


def test_every_imported_seed_reads_as_an_essay(ws: Path, tmp_path: Path, site: Site) -> None:
    """The seeds are essays audioessay reads: title, date, links for the show notes, no images."""
    from audioessay.text.read import read_essay

    feed = site.serve("/feed/", fixture_text("wordpress-feed.xml"), "application/rss+xml")
    archive = substack_zip(tmp_path / "export.zip")
    assert run_import(ws, feed, str(archive), str(FIXTURES / "ghost-export.json"),
                      str(make_docx(tmp_path / "l.docx"))).exit_code == 0
    seeds = sorted((ws / "seeds").glob("*.md"))
    assert len(seeds) == 6
    for path in seeds:
        essay = read_essay(path, ws)
        assert essay.title and essay.blocks
        assert path.stem == essay.slug
    promise = read_essay(ws / "seeds" / "a-map-is-a-promise.md", ws)
    assert [(link.url, link.text) for link in promise.links] == [("https://www.ordnancesurvey.co.uk/",
                                                                   "Ordnance Survey")]


def test_a_missing_file_is_one_line_and_the_others_still_import(ws: Path) -> None:
    ran = run_import(ws, "no-such-export.zip", str(FIXTURES / "wordpress-export.xml"))
    assert ran.exit_code == 1
    assert kinds(ran)["added"] == ["seeds/on-stiles.md"]
    assert ran.report["errors"] == [{"source": "no-such-export.zip",
                                     "message": "no-such-export.zip: no such file (check the path)"}]
    assert "Traceback" not in ran.output
    forgot_scheme = run_import(ws, "fieldnotes.substack.com/feed")
    assert "a web address needs http:// or https://" in forgot_scheme.report["errors"][0]["message"]


def test_an_unknown_xml_file_is_refused_in_one_line(ws: Path, tmp_path: Path) -> None:
    odd = tmp_path / "notes.xml"
    odd.write_text("<?xml version='1.0'?><notes><note>hi</note></notes>", encoding="utf-8")
    ran = run_import(ws, str(odd))
    assert ran.exit_code == 1
    assert "neither a feed" in ran.report["errors"][0]["message"]


def docx_bomb(path: Path) -> Path:
    """A .docx whose document.xml inflates to 150 MB from a few hundred KB."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * 150_000_000 + b"</w:document>")
    return path


@pytest.mark.parametrize(("name", "make", "said"), [
    ("notzip.docx", lambda p: p.write_text("just some words", encoding="utf-8"), "not a Word document"),
    ("pkjunk.docx", lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "not a Word document"),
    ("bomb.docx", docx_bomb, "would inflate to 150 MB"),
    ("ghost-list.json", lambda p: p.write_text('{"db": [{"data": {"posts": [1, "x"], "users": 3}}]}'),
     "is not a Ghost export"),
    ("ghost-deep.json", lambda p: p.write_text("[" * 100_000 + "]" * 100_000), "is not a Ghost export"),
])
def test_a_bad_file_is_one_line_never_a_bug(ws: Path, tmp_path: Path, name: str, make: Any, said: str) -> None:
    path = tmp_path / name
    make(path)
    ran = run_import(ws, str(path), str(FIXTURES / "wordpress-export.xml"))
    assert ran.exit_code == 1
    (error,) = ran.report["errors"]
    assert said in error["message"] and "bug" not in error["message"], error
    assert kinds(ran)["added"] == ["seeds/on-stiles.md"]  # the other source still imports


def test_a_missing_extra_is_one_line_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from audioessay.errors import ToolMissingError
    from audioessay.importing import require_extra

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "trafilatura" else real(name, *a))
    with pytest.raises(ToolMissingError, match=r"trafilatura is not installed.*pip install.*\[import\]"):
        require_extra()


def test_the_cli_module_loads_no_import_library() -> None:
    """``audioessay --help`` stays quick: the command's module imports only click."""
    import subprocess
    import sys

    code = ("import sys, audioessay.cli.importer; "
            "print(sorted(m for m in ('trafilatura', 'feedparser', 'docx', 'markdownify') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
