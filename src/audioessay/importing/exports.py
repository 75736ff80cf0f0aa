"""Blog platforms' exports -> posts: Substack (a zip of ``posts.csv`` and ``posts/*.html``),
WordPress (WXR, an RSS file with the ``wp:`` namespace) and Ghost (a JSON database dump).

Exports hold drafts and unpublished posts too: each post says whether it is one, and the run
decides what to skip. Substack and Ghost exports do not record the blog's address; with
``--site-url`` each post's canonical URL is made from it, as the platform makes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import lxml.etree

from audioessay.importing.fields import clean_url, one_line, parse_date, slug_from_url, url_key
from audioessay.importing.markdown import fragment_to_markdown, with_title_heading
from audioessay.importing.models import ImportOptions, ImportSourceError, Post, PostFailure, SourceResult
from audioessay.text.read import slugify

MAX_MEMBER_BYTES = 20_000_000  # one post's HTML in a zip; a larger member is refused, not inflated


def _each(items: list[Any], origin_of: Callable[[Any], str], read: Callable[[Any, str], Post | None]) -> SourceResult:
    """Read every item; one that fails is its own one-line error and the others go on."""
    from audioessay.pipeline.report import bug

    posts: list[Post] = []
    failures: list[PostFailure] = []
    for item in items:
        where = origin_of(item)
        try:
            post = read(item, where)
        except ImportSourceError as exc:
            failures.append(PostFailure(where, exc.format()))
            continue
        except Exception as exc:  # one post's surprise must not stop the others
            failures.append(PostFailure(where, f"{where}: {bug(exc).format()}"))
            continue
        if post is not None:
            posts.append(post)
    return SourceResult(tuple(posts), tuple(failures))


def _site_url(options: ImportOptions, path: str) -> str | None:
    return options.site_url.rstrip("/") + path if options.site_url else None


def _no_site_note(origin: str, platform: str) -> tuple[str, ...]:
    return (f"{origin}: a {platform} export does not record the blog's address, so the seeds have no "
            "source_url; pass --site-url https://YOUR-BLOG to record each post's URL",)


# --------------------------------------------------------------------------- Substack


def read_substack_zip(data: bytes, origin: str, options: ImportOptions) -> SourceResult:
    """Every post of a Substack export: ``posts.csv`` says which are published, ``posts/<id>.html``
    holds each body."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        rows = list(csv.DictReader(io.StringIO(_member(archive, "posts.csv", origin).decode("utf-8-sig"))))
    except (zipfile.BadZipFile, UnicodeDecodeError, csv.Error) as exc:
        raise ImportSourceError(f"is not a Substack export that can be read: {exc}", path=origin,
                                hint="give the zip from Settings > Exports, as downloaded") from None
    names = set(archive.namelist())
    result = _each(rows, lambda row: f"{origin}: posts/{row.get('post_id', '?')}.html",
                   lambda row, where: _substack_post(archive, names, row, where, options))
    notes = () if options.site_url else _no_site_note(origin, "Substack")
    return SourceResult(result.posts, result.failures, notes)


def _member(archive: zipfile.ZipFile, name: str, origin: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ImportSourceError(f"has no {name}", path=origin,
                                hint="give the zip from Substack's Settings > Exports, as downloaded") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise ImportSourceError(f"{name} is larger than {MAX_MEMBER_BYTES // 1_000_000} MB", path=origin)
    return archive.read(info)


def _substack_post(archive: zipfile.ZipFile, names: set[str], row: dict[str, str], where: str,
                   options: ImportOptions) -> Post | None:
    post_id = (row.get("post_id") or "").strip()
    if (row.get("type") or "newsletter").strip() not in ("newsletter", ""):
        return None  # podcasts and threads are not essays to narrate
    number, _, slug = post_id.partition(".")
    html_name = f"posts/{post_id}.html"
    if html_name not in names:
        raise ImportSourceError("the export has no HTML for this post", path=where)
    title = one_line(row.get("title"), 300) or "Untitled"
    url = _site_url(options, f"/p/{slug}") if slug else None
    markdown = fragment_to_markdown(_member(archive, html_name, where).decode("utf-8", "replace"), where, url)
    return Post(
        origin=where, title=title, body=with_title_heading(title, markdown.text),
        keys=url_key(url) + (f"substack:{number}",), slug_hint=slugify(slug) or slugify(title), source_url=url,
        date=parse_date(row.get("post_date")), description=one_line(row.get("subtitle"), 500),
        dropped=markdown.dropped, draft=(row.get("is_published") or "").strip().lower() != "true",
        paywalled=markdown.paywalled or (row.get("audience") or "everyone").strip() not in ("everyone", ""),
    )


# --------------------------------------------------------------------------- WordPress (WXR)


_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


def _xml(data: bytes, origin: str) -> Any:
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        return lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise ImportSourceError(f"is not XML that can be read: {exc}", path=origin,
                                hint="export it again from WordPress (Tools > Export)") from None


def read_wxr(data: bytes, origin: str, options: ImportOptions) -> SourceResult:
    """Every post (not page, attachment or menu item) of a WordPress export."""
    root = _xml(data, origin)
    wp = next((uri for uri in root.nsmap.values() if uri and "wordpress.org/export/" in uri
               and "excerpt" not in uri), None)
    if wp is None:
        raise ImportSourceError("is not a WordPress export (no wp: namespace)", path=origin)
    ns = "{" + wp + "}"
    authors = {(a.findtext(f"{ns}author_login") or ""): (a.findtext(f"{ns}author_display_name") or "")
               for a in root.iter(f"{ns}author")}
    items = [item for item in root.iter("item") if (item.findtext(f"{ns}post_type") or "post") == "post"]
    return _each(items, lambda item: item.findtext("link") or f"{origin}: {item.findtext('title') or 'a post'}",
                 lambda item, where: _wxr_post(item, ns, authors, where))


def _wxr_post(item: Any, ns: str, authors: dict[str, str], where: str) -> Post:
    title = one_line(item.findtext("title"), 300) or "Untitled"
    link = (item.findtext("link") or "").strip() or None
    url = clean_url(link) if link else None
    markdown = fragment_to_markdown(_autop(item.findtext(_CONTENT) or ""), where, url)
    login = item.findtext(_DC_CREATOR) or ""
    status = (item.findtext(f"{ns}status") or "publish").strip()
    guid = (item.findtext("guid") or "").strip()
    excerpt = next((e.text for e in item if isinstance(e.tag, str) and e.tag.endswith("}encoded")
                    and "excerpt" in e.tag), None)
    return Post(
        origin=where, title=title, body=with_title_heading(title, markdown.text),
        keys=tuple(dict.fromkeys(url_key(url) + url_key(guid) + (f"wordpress:{item.findtext(f'{ns}post_id')}",))),
        slug_hint=slugify(item.findtext(f"{ns}post_name") or "") or slug_from_url(url) or slugify(title),
        source_url=url, author=one_line(authors.get(login) or login, 300),
        date=_wxr_date(item, ns),
        description=one_line(excerpt, 500), dropped=markdown.dropped, draft=status != "publish",
        paywalled=markdown.paywalled or bool((item.findtext(f"{ns}post_password") or "").strip()),
    )


def _wxr_date(item: Any, ns: str) -> dt.datetime | None:
    """When the post was published; none for a draft (WordPress writes ``0000-00-00 00:00:00``
    and a ``pubDate`` of the year -1)."""
    gmt = item.findtext(f"{ns}post_date_gmt")
    return parse_date(gmt) if gmt is not None else parse_date(item.findtext("pubDate"))


_BLOCK_START = ("<p", "<h", "<ul", "<ol", "<blockquote", "<div", "<figure", "<pre", "<table", "<!--", "<hr")


def _autop(text: str) -> str:
    """Paragraphs for WordPress' classic editor, which stores them as blank-line-separated text
    (WordPress adds the ``<p>`` tags only when it shows the post)."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    return "\n".join(block if block.lower().startswith(_BLOCK_START) else f"<p>{block}</p>" for block in blocks)


# --------------------------------------------------------------------------- Ghost (JSON)


def read_ghost(data: bytes, origin: str, options: ImportOptions) -> SourceResult:
    """Every post (not page) of a Ghost export, with its authors."""
    try:
        document = json.loads(data)
        tables = (document["db"][0] if "db" in document else document)["data"]
        posts = [p for p in tables["posts"] if isinstance(p, dict) and p.get("type", "post") == "post"]
        if not isinstance(tables.get("users", []), list) or not isinstance(tables.get("posts_authors", []), list):
            raise TypeError("users")
        tables["users"] = [u for u in tables.get("users", []) if isinstance(u, dict)]
        tables["posts_authors"] = [a for a in tables.get("posts_authors", []) if isinstance(a, dict)]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError):
        raise ImportSourceError("is not a Ghost export (no db[0].data.posts)", path=origin,
                                hint="give the JSON from Ghost Admin > Settings > Labs > Export") from None
    users = {u.get("id"): u.get("name") for u in tables.get("users", [])}
    authors: dict[str, str] = {}
    for link in sorted(tables.get("posts_authors", []), key=lambda link: link.get("sort_order", 0), reverse=True):
        authors[link.get("post_id")] = users.get(link.get("author_id")) or ""
    result = _each(posts, lambda p: f"{origin}: {p.get('slug') or p.get('title') or 'a post'}",
                   lambda p, where: _ghost_post(p, authors, where, options))
    needs_site = any(not p.get("canonical_url") for p in posts) and not options.site_url
    return SourceResult(result.posts, result.failures, _no_site_note(origin, "Ghost") if needs_site else ())


def _ghost_post(post: dict[str, Any], authors: dict[str, str], where: str, options: ImportOptions) -> Post:
    html = post.get("html")
    if not isinstance(html, str):
        raise ImportSourceError("the export has no HTML for this post", path=where,
                                hint="export from Ghost 4 or later, which includes each post's HTML")
    title = one_line(post.get("title"), 300) or "Untitled"
    slug = str(post.get("slug") or "")
    url = post.get("canonical_url") or (_site_url(options, f"/{slug}/") if slug else None)
    markdown = fragment_to_markdown(html, where, url)
    return Post(
        origin=where, title=title, body=with_title_heading(title, markdown.text),
        keys=url_key(url) + (f"ghost:{post.get('uuid') or post.get('id')}",),
        slug_hint=slugify(slug) or slugify(title), source_url=clean_url(url) if url else None,
        author=one_line(authors.get(post.get("id", "")), 300), date=parse_date(post.get("published_at")),
        description=one_line(post.get("custom_excerpt") or post.get("meta_description"), 500),
        dropped=markdown.dropped, draft=post.get("status", "published") != "published",
        paywalled=markdown.paywalled or post.get("visibility", "public") != "public",
    )
