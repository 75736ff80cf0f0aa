"""A whole web page (fetched or saved) -> its essay: trafilatura finds the main content and the
metadata (title, author, date, description, canonical URL); :mod:`.markdown` writes it."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html

from audioessay.importing.fields import clean_url, one_line, parse_date
from audioessay.importing.markdown import Markdown, parse_html, strip_clutter, tree_to_markdown
from audioessay.importing.models import ImportSourceError

# trafilatura logs each page it finds too short at WARNING on the root logger's handlers; the
# import reports that itself, in one line per post.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Page:
    """What a web page says about its essay, and the essay in Markdown."""

    title: str | None
    author: str | None
    date: dt.datetime | None
    description: str | None
    canonical_url: str | None
    markdown: Markdown


def read_page(html: bytes | str, url: str | None, origin: str) -> Page:
    """The essay of a whole page: main content only (no navigation, footer or comments)."""
    import trafilatura
    from trafilatura.metadata import extract_metadata

    meta = extract_metadata(parse_html(html, origin), default_url=url)
    root = parse_html(html, origin)
    canonical = _canonical(root, url)
    dropped, paywalled = strip_clutter(root, count_chrome=False)
    extracted = trafilatura.extract(root, url=url, output_format="html", include_links=True, include_images=False,
                                    include_formatting=True, include_tables=True, include_comments=False,
                                    favor_recall=True, deduplicate=False)
    if not extracted:
        raise ImportSourceError("no essay text found on the page", path=origin,
                                hint="check that it is the post's own page, not a list of posts")
    content = parse_html(extracted, origin)
    text = tree_to_markdown(content, canonical or url)
    return Page(title=one_line(meta.title, 300), author=one_line(meta.author, 300), date=parse_date(meta.date),
                description=one_line(meta.description), canonical_url=canonical,
                markdown=Markdown(text, dropped, paywalled))


def _canonical(root: lxml.html.HtmlElement, url: str | None) -> str | None:
    """``<link rel="canonical">``, else ``og:url``, else the address it was fetched from."""
    for found in (root.xpath("//link[translate(@rel, 'CANONICAL', 'canonical')='canonical']/@href"),
                  root.xpath("//meta[@property='og:url']/@content")):
        href = str(found[0]).strip() if found else ""
        if href:
            absolute = urljoin(url or "", href)
            if absolute.lower().startswith(("http://", "https://")):
                return clean_url(absolute)
    return clean_url(url) if url else None
