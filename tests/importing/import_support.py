"""Shared by the import tests: a local web server the tests fill with pages, feeds and redirects,
the fixtures (real-looking Substack, WordPress and Ghost files), and running ``import``."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import io
import json
import os
import random
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from audioessay.cli.importer import import_command

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
# The base URL the golden files are written with (the server's port changes every run).
GOLDEN_BASE = "http://blog.test"
REGENERATE = os.environ.get("AUDIOESSAY_REGEN_GOLDEN") == "1"


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None  # for a redirect
    delay: float = 0.0  # seconds before answering (a slow server)


class Site:
    """A web server on 127.0.0.1 (a free port) serving the routes a test sets; records each GET."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []  # (path, User-Agent)
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                path = self.path.split("?", 1)[0]
                site.requests.append((self.path, self.headers.get("User-Agent", "")))
                route = site.routes.get(path) or Route(b"not found", "text/plain", 404)
                time.sleep(route.delay)
                self.send_response(route.status)
                if route.location:
                    self.send_header("Location", route.location)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(route.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8") -> str:
        """Serve ``body`` at ``path`` (``{BASE}`` in it becomes this server's address); its URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data.replace(b"{BASE}", self.base.encode()), content_type)
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 301) -> str:
        self.routes[path] = Route(b"", "text/plain", status, location=to)
        return self.url(path)

    def fetched(self, prefix: str = "/") -> list[str]:
        return [path for path, _agent in self.requests if path.startswith(prefix)]


@contextlib.contextmanager
def running_site() -> Iterator[Site]:
    """A :class:`Site` serving until the block ends (each test module's ``site`` fixture)."""
    server = Site()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def substack_zip(path: Path) -> Path:
    """The Substack export fixture as Substack ships it: a zip of posts.csv and posts/*.html."""
    folder = FIXTURES / "substack-export"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder).as_posix())
    return path


def make_docx(path: Path) -> Path:
    """A Word document as a writer makes one: title, headings, a list, a quote, a link, a picture."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.core_properties.title = "Letters We No Longer Write"
    document.core_properties.author = "Ines Okafor"
    document.core_properties.created = dt.datetime(2024, 2, 11, 16, 20, tzinfo=dt.UTC)
    document.core_properties.comments = ""
    document.add_paragraph("Letters We No Longer Write", style="Title")
    intro = document.add_paragraph("A letter takes a week to arrive, and that week is part of the message. ")
    intro.add_run("Nobody").italic = True
    intro.add_run(" writes a letter in anger, because by the time it is sealed the anger has cooled into something "
                  "more useful. The slowness is not a flaw of the medium; it is the medium.")
    document.add_heading("What the envelope carried", level=1)
    body = document.add_paragraph("An envelope carried more than paper. It carried handwriting, a stamp chosen "
                                  "with some care, the smell of a house. The ")
    _hyperlink(body, "https://www.example.org/postal-museum", "postal museum", RELATIONSHIP_TYPE, OxmlElement, qn)
    body.add_run(" keeps thousands of them, and reading a few is enough to feel how much a message can hold "
                 "beyond its words.")
    picture = document.add_paragraph()
    picture.add_run().add_picture(io.BytesIO(_PNG))
    document.add_heading("Why we stopped", level=1)
    for item in ("the telephone made distance cheap;", "email made it instant;", "and instant made it thin."):
        document.add_paragraph(item, style="List Bullet")
    document.add_paragraph("A letter is a conversation with a delay built in.", style="Quote")
    document.add_paragraph("Perhaps we should write one again, not to be quaint, but to remember what it feels like "
                           "to say something slowly and to wait, without checking, for the answer to come back.")
    document.save(str(path))
    return path


def _hyperlink(paragraph: Any, url: str, text: str, rel: Any, element: Any, qn: Any) -> None:
    r_id = paragraph.part.relate_to(url, rel.HYPERLINK, is_external=True)
    link = element("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = element("w:r")
    text_element = element("w:t")
    text_element.text = text
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


# A 1x1 PNG: the picture in the document (its bytes do not matter, only that it is a picture).
_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                     "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f6a3b10000000049454e44ae426082")


# --------------------------------------------------------------------------- a generated blog

_SENTENCES = [
    "The bus was late again, and the queue had settled into the patient silence of people who expected it.",
    "A city is easier to love on foot than from any window.",
    "My grandmother kept every receipt in a biscuit tin, sorted by a system only she understood.",
    "Nobody plans to spend an afternoon in a hardware shop, yet some of the best afternoons are spent there.",
    "The river rose twice that winter, and both times the bakery on the corner opened anyway.",
    "There is a particular quiet in a house just after the guests have gone.",
    "We measure what is easy to count and then mistake the count for the thing.",
    "The old map showed a footbridge that had been gone for a decade.",
    "Every good teacher I had was, in some way, a little bit of a performer.",
    "The market closes at four, but the conversations there run on for hours after.",
    "A borrowed book reads differently from one you own, because somebody is waiting for it.",
    "The first frost always arrives a week before anyone is ready for it.",
]


def _paragraph(rng: random.Random, links: bool) -> str:
    sentences = rng.sample(_SENTENCES, 5)
    if links:
        sentences[1] = sentences[1].rstrip(".") + ', as <a href="https://www.example.org/notes">one study</a> noted.'
    return "<p>" + " ".join(sentences) + "</p>"


def blog_post_html(number: int) -> str:
    """One post's body with what blogs put in posts: headings, links, images, embeds, a
    subscribe box every third post and share buttons every other post."""
    rng = random.Random(number)
    parts = [_paragraph(rng, links=False), _paragraph(rng, links=True), "<h2>What changed</h2>",
             f'<figure class="wp-block-image"><img src="https://cdn.example.org/{number}.jpg" alt="photo"></figure>',
             _paragraph(rng, links=False)]
    if number % 3 == 0:
        parts.append('<div class="wp-block-jetpack-subscriptions__container"><form><input type="email" '
                     'name="email"><button>Subscribe</button></form></div>')
    if number % 5 == 0:
        parts.append('<figure class="wp-block-embed-youtube"><iframe src="https://www.youtube.com/embed/x"></iframe>'
                     "</figure>")
    parts += ["<h2>What stayed</h2>", _paragraph(rng, links=True)]
    if number % 2 == 0:
        parts.append('<div class="sharedaddy"><a href="?share=twitter">Twitter</a><a href="?share=facebook">'
                     "Facebook</a></div>")
    return "".join(parts)


def blog_feed(base: str, count: int, *, full_content: bool = True, first: int = 1) -> str:
    """An RSS feed of ``count`` posts (numbered from ``first``, newest first) as WordPress writes one."""
    items = []
    for number in range(first + count - 1, first - 1, -1):
        link = f"{base}/{2024 - number // 40}/post-{number}/"
        content = f"<content:encoded><![CDATA[{blog_post_html(number)}]]></content:encoded>" if full_content else ""
        items.append(f"""<item><title>Essay number {number}: a walk in the city</title><link>{link}</link>
<dc:creator><![CDATA[Tomas Reyes]]></dc:creator>
<pubDate>{time.strftime('%a, %d %b %Y 08:00:00 +0000', time.gmtime(1_700_000_000 + number * 86_400))}</pubDate>
<guid isPermaLink="false">{base}/?p={number}</guid>
<description><![CDATA[A short walk, number {number}, and what it showed.]]></description>{content}</item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>City Walks</title><link>{base}/</link><description>Essays</description>
{''.join(items)}</channel></rss>"""


def blog_post_page(base: str, number: int) -> str:
    """The post's own page, with the site's navigation, sidebar, comments and footer around it."""
    return f"""<!DOCTYPE html><html><head><title>Essay number {number}: a walk in the city – City Walks</title>
<link rel="canonical" href="{base}/{2024 - number // 40}/post-{number}/"><meta name="author" content="Tomas Reyes">
<meta property="article:published_time" content="2023-11-20T08:00:00+00:00"></head><body>
<header class="site-header"><nav><a href="/">City Walks</a> <a href="/about">About</a></nav></header>
<main><article class="post"><h1 class="entry-title">Essay number {number}: a walk in the city</h1>
<div class="entry-content">{blog_post_html(number)}</div></article>
<section id="comments" class="comments-area"><h2>2 comments</h2><ol class="comment-list"><li>Lovely.</li></ol></section>
</main><aside class="sidebar"><h2>Recent posts</h2><ul><li><a href="/x">Another</a></li></ul></aside>
<footer class="site-footer">© City Walks · <a href="/privacy">Privacy</a></footer></body></html>"""


# --------------------------------------------------------------------------- running import


@dataclass(frozen=True)
class Ran:
    exit_code: int
    output: str  # stdout and stderr
    report: dict[str, Any] | None  # with --json


def run_import(ws: Path, *args: str) -> Ran:
    """``audioessay import ARGS --json`` in ``ws``, in this process (CliRunner)."""
    previous = Path.cwd()
    os.chdir(ws)
    try:
        result = CliRunner().invoke(import_command, [*args, "--json"], catch_exceptions=False)
    finally:
        os.chdir(previous)
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return Ran(result.exit_code, result.output, report)


def kinds(ran: Ran) -> dict[str, list[str]]:
    """The seeds (or origins, for skipped posts) of each outcome kind."""
    assert ran.report is not None, ran.output
    found: dict[str, list[str]] = {}
    for essay in ran.report["essays"]:
        found.setdefault(essay["kind"], []).append(essay["seed"] or essay["origin"])
    return found


def check_golden(name: str, text: str, base: str | None = None) -> None:
    """``text`` equals ``golden/<name>`` (the server's address written as http://blog.test);
    ``AUDIOESSAY_REGEN_GOLDEN=1`` writes it instead, for a person to review the diff."""
    if base:
        text = text.replace(base, GOLDEN_BASE)
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}: run with AUDIOESSAY_REGEN_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"
