"""An RSS or Atom feed of a blog -> its posts: the full content (``content:encoded``, an Atom
``content``), or, when the feed carries only summaries, each post's own page, fetched."""

from __future__ import annotations

import concurrent.futures
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lxml.html

from audioessay.importing.fields import clean_url, one_line, parse_date, slug_from_url, url_key
from audioessay.importing.markdown import fragment_to_markdown, with_title_heading
from audioessay.importing.models import ImportSourceError, Post, PostFailure, SourceResult
from audioessay.importing.pages import read_page
from audioessay.text.read import slugify

PAGE_FETCHERS = 4  # posts whose pages are fetched at once: polite to one blog's server, yet quick
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")

Fetcher = Callable[[str], tuple[str, bytes]]  # URL -> (the URL after redirects, the body)


@dataclass(frozen=True)
class _FeedContext:
    origin: str
    author: str | None
    fetch_page: Fetcher | None  # None: nothing may be fetched


def read_feed(data: bytes, origin: str, fetch_page: Fetcher | None) -> SourceResult:
    """Every post of the feed in ``data``; a post that fails is that post's error."""
    import feedparser

    # Bytes, never a string: feedparser fetches a string that looks like a URL. Not sanitized:
    # the cleaner counts the embeds the sanitizer would silently remove.
    parsed = feedparser.parse(data, sanitize_html=False)
    if not parsed.entries:
        if parsed.get("bozo"):
            reason = " ".join(str(parsed.get("bozo_exception", "")).split())
            return SourceResult(failures=(PostFailure(origin, f"{origin}: is not a feed that can be read"
                                                              f"{': ' + reason if reason else ''}"),))
        return SourceResult(notes=(f"{origin}: the feed lists no posts",))
    context = _FeedContext(origin, one_line(parsed.feed.get("author"), 300), fetch_page)
    with concurrent.futures.ThreadPoolExecutor(PAGE_FETCHERS) as pool:
        results = list(pool.map(lambda pair: _entry_or_failure(context, *pair), enumerate(parsed.entries, 1)))
    broken = _broken(parsed, origin)
    return SourceResult(posts=tuple(r for r in results if isinstance(r, Post)),
                        failures=broken + tuple(r for r in results if isinstance(r, PostFailure)))


def _broken(parsed: Any, origin: str) -> tuple[PostFailure, ...]:
    """The feed's own error when its XML is not well-formed (a cut-off download, a bad export):
    the posts read before the break are still imported, and the run says the feed is broken."""
    import xml.sax

    error = parsed.get("bozo_exception")
    if not isinstance(error, xml.sax.SAXParseException):
        return ()  # a wrong declared encoding and the like: feedparser read it all the same
    return (PostFailure(origin, f"{origin}: the feed is broken ({' '.join(str(error).split())}); "
                                f"{len(parsed.entries)} posts could be read before the break"),)


def _entry_or_failure(context: _FeedContext, number: int, entry: Any) -> Post | PostFailure:
    from audioessay.pipeline.report import bug

    where = entry.get("link") or f"{context.origin} (post {number})"
    try:
        return _entry_post(context, entry, where)
    except ImportSourceError as exc:
        return PostFailure(where, exc.format())
    except Exception as exc:  # one post's surprise must not stop the others
        return PostFailure(where, f"{where}: {bug(exc).format()}")


def _full_content(entry: Any) -> str | None:
    """The entry's full HTML: the longest HTML ``content`` (``content:encoded`` or Atom's)."""
    bodies = [c.get("value", "") for c in entry.get("content", [])
              if any(kind in c.get("type", "text/html") for kind in _HTML_TYPES) and not c.get("src")]
    bodies = [body for body in bodies if body.strip()]
    return max(bodies, key=len) if bodies else None


def _entry_post(context: _FeedContext, entry: Any, where: str) -> Post:
    link = entry.get("link")
    content, canonical = _full_content(entry), None
    page = None
    if content is not None:
        markdown = fragment_to_markdown(content, where, base_url=link)
    elif link and context.fetch_page is not None:
        final_url, body = context.fetch_page(link)
        page = read_page(body, final_url, link)
        markdown, canonical = page.markdown, page.canonical_url
    elif link:
        raise ImportSourceError("the feed gives only a summary of this post", path=where,
                                hint="import the feed by its URL, so the post's page can be fetched")
    else:
        raise ImportSourceError("the feed gives only a summary of this post and no link to it", path=where)
    title = one_line(entry.get("title"), 300) or (page.title if page else None) or "Untitled"
    source_url = canonical or (clean_url(link) if link else None)
    guid = entry.get("id") or ""
    keys = url_key(source_url) + url_key(link) + (url_key(guid) or ((f"id:{guid}",) if guid else ()))
    summary = entry.get("summary") if content is None or entry.get("summary") != content else None
    description = _summary_text(summary) or (page.description if page else None)
    return Post(
        origin=where, title=title, body=with_title_heading(title, markdown.text, description),
        keys=tuple(dict.fromkeys(keys)),
        slug_hint=slug_from_url(source_url) or slugify(title), source_url=source_url,
        author=one_line(entry.get("author"), 300) or (page.author if page else None) or context.author,
        date=parse_date(entry.get("published_parsed") or entry.get("updated_parsed"))
        or (page.date if page else None),
        description=description,
        dropped=markdown.dropped, paywalled=markdown.paywalled,
    )


def _summary_text(summary: str | None) -> str | None:
    """A feed's summary as one line of plain text (it is often HTML), at most 500 characters."""
    if not summary or not summary.strip():
        return None
    try:
        root = lxml.html.fragment_fromstring(summary, create_parent="div")
        for link in root.xpath(".//a[contains(@class, 'more-link')] | .//*[contains(@class, 'screen-reader-text')]"):
            link.drop_tree()
        text = root.text_content()
    except Exception:  # lxml raises several types for odd fragments; the summary is only a nicety
        text = summary
    return one_line(_READ_MORE.sub("", " ".join(text.split())), 500)


# What blogs end an excerpt with: "… Continue reading", "[…]", "Read more »".
_READ_MORE = re.compile(r"\s*(\[?(…|&hellip;|\.\.\.)\]?)?\s*((continue reading|read more)\b.*)?$", re.IGNORECASE)
