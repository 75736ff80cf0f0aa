"""Which kind of SOURCE a command-line argument is, and reading it into posts.

A URL is fetched once and read as a feed or as a web page by what came back. A file is read by
its kind (a Substack zip, a WordPress WXR, a Ghost JSON, a DOCX, a feed, an HTML page) and
nothing is fetched for it, except the pages of a feed file's posts that carry only a summary,
which are never fetched: that is one line per post saying so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from audioessay.importing.fetch import DEFAULT_LIMITS, FetchLimits, fetch, is_private, is_url
from audioessay.importing.fields import slug_from_url, url_key
from audioessay.importing.markdown import with_title_heading
from audioessay.importing.models import ImportOptions, ImportSourceError, Post, PostFailure, SourceResult
from audioessay.importing.pages import read_page
from audioessay.text.read import slugify

MAX_FILE_BYTES = 200_000_000  # an export zip of a large blog is tens of MB
_WXR_MARK = b"wordpress.org/export/"
_FILE_SUFFIXES = frozenset({".zip", ".docx", ".json", ".xml", ".rss", ".atom", ".wxr", ".html", ".htm", ".xhtml"})


def read_source(source: str, options: ImportOptions, limits: FetchLimits = DEFAULT_LIMITS) -> SourceResult:
    """The posts of one SOURCE argument; a source that cannot be read is one failure."""
    from audioessay.pipeline.report import bug

    try:
        if is_url(source):
            return _read_url(source, options, limits)
        return _read_file(Path(source), options)
    except ImportSourceError as exc:
        return SourceResult(failures=(PostFailure(source, exc.format()),))
    except Exception as exc:  # a surprise in one source must not stop the others
        return SourceResult(failures=(PostFailure(source, f"{source}: {bug(exc).format()}"),))


def _page_fetcher(limits: FetchLimits) -> Callable[[str], tuple[str, bytes]]:
    def fetch_page(url: str) -> tuple[str, bytes]:
        fetched = fetch(url, limits)
        return fetched.url, fetched.body
    return fetch_page


def _read_url(url: str, options: ImportOptions, limits: FetchLimits) -> SourceResult:
    from audioessay.importing.exports import read_wxr
    from audioessay.importing.feeds import read_feed

    fetched = fetch(url, limits)
    kind = _sniff(fetched.body, fetched.content_type)
    if kind == "wxr":
        return read_wxr(fetched.body, url, options)
    if kind == "feed":
        # The pages a public feed links to must be public too (see FetchLimits.private_ok).
        pages = dataclasses.replace(limits, private_ok=limits.private_ok and is_private(fetched.url))
        return read_feed(fetched.body, url, _page_fetcher(pages))
    return SourceResult(posts=(page_post(fetched.body, fetched.url, url, ()),))


def _sniff(data: bytes, content_type: str = "") -> str:
    """``wxr``, ``feed`` or ``html`` by the first bytes (servers often call a feed text/html)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed", b"<rdf")) or "xml" in content_type:
        if _WXR_MARK in data[:20000]:
            return "wxr"
        if any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")):
            return "feed"
    return "html"


def page_post(html: bytes, url: str | None, origin: str, extra_keys: tuple[str, ...]) -> Post:
    """A post from a whole web page (fetched from ``url``, or a saved file when ``url`` is None)."""
    page = read_page(html, url, origin)
    title = page.title or Path(origin).stem.replace("-", " ").replace("_", " ")
    return Post(origin=origin, title=title, body=with_title_heading(title, page.markdown.text, page.description),
                keys=tuple(dict.fromkeys(url_key(page.canonical_url) + extra_keys)),
                slug_hint=slug_from_url(page.canonical_url) or slugify(title), source_url=page.canonical_url,
                author=page.author, date=page.date, description=page.description,
                dropped=page.markdown.dropped, paywalled=page.markdown.paywalled)


def _read_file(path: Path, options: ImportOptions) -> SourceResult:
    from audioessay.importing.docx import read_docx
    from audioessay.importing.exports import read_ghost, read_substack_zip, read_wxr
    from audioessay.importing.feeds import read_feed

    data = _file_bytes(path)
    shown = str(path)
    kind = _file_kind(path, data)
    if kind == "substack":
        return read_substack_zip(data, shown, options)
    if kind == "docx":
        return SourceResult(posts=(read_docx(data, shown, path),))
    if kind == "ghost":
        return read_ghost(data, shown, options)
    if kind == "wxr":
        return read_wxr(data, shown, options)
    if kind == "feed":
        return read_feed(data, shown, None)
    return SourceResult(posts=(page_post(data, None, shown, (file_key(path),)),))


def file_key(path: Path) -> str:
    """The identity of an essay that has no URL: the file it was imported from."""
    return f"file:{path.resolve().as_posix()}"


def _file_bytes(path: Path) -> bytes:
    if not path.exists():
        looks_like_a_site = path.suffix.lower() not in _FILE_SUFFIXES and "." in str(path).split("/")[0]
        raise ImportSourceError("no such file", path=path, hint="a web address needs http:// or https://"
                                if looks_like_a_site else "check the path")
    if not path.is_file():
        raise ImportSourceError("is not a file", path=path,
                                hint="give a file, a feed or page URL, or an export (zip, XML, JSON)")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportSourceError(f"is larger than {MAX_FILE_BYTES // 1_000_000} MB", path=path,
                                hint="split the export, or import the blog's feed instead")
    return path.read_bytes()


def _file_kind(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix == ".docx" or data.startswith(b"PK"):  # a .docx that is no zip is a bad document, not a page
        return "docx" if suffix == ".docx" or b"word/document.xml" in data[:200_000] else "substack"
    if suffix == ".json" or data.lstrip()[:1] in (b"{", b"["):
        return "ghost"
    if suffix in (".htm", ".html", ".xhtml"):
        return "html"
    kind = _sniff(data)
    if kind == "html" and suffix in (".xml", ".rss", ".atom", ".wxr"):
        raise ImportSourceError("is neither a feed (RSS or Atom) nor a WordPress export", path=path,
                                hint="check the file; a WordPress export comes from Tools > Export")
    return kind
