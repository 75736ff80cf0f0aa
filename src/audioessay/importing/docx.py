"""A Word document (``.docx``, also Google Docs' download) -> one essay, by python-docx.

Headings, lists, quotes, emphasis and links are kept; pictures and tables are dropped and
counted. The document is written as simple HTML first, so the Markdown comes out of the same
converter as every other source's.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from audioessay.importing.fields import one_line, parse_date
from audioessay.importing.markdown import fragment_to_markdown, with_title_heading
from audioessay.importing.models import Dropped, ImportSourceError, Post
from audioessay.text.read import slugify

_HEADING = re.compile(r"^heading (\d)$")


def read_docx(data: bytes, origin: str, path: Path) -> Post:
    """The document as one post; its identity is the file it came from."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    _check_inflated_size(data, origin)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, XMLSyntaxError) as exc:
        raise ImportSourceError(f"is not a Word document that can be read: {exc}", path=origin,
                                hint="save it again as .docx (Word 2007 or later)") from None
    title, blocks, pictures = _blocks(document)
    props = document.core_properties
    title = one_line(props.title, 300) or title or path.stem.replace("-", " ").replace("_", " ")
    markdown = fragment_to_markdown("\n".join(blocks), origin)
    dropped = markdown.dropped + Dropped(tuple((kind, n) for kind, n in (("image", pictures),
                                               ("table", len(document.tables))) if n))
    return Post(origin=origin, title=title, body=with_title_heading(title, markdown.text),
                keys=(f"file:{path.resolve().as_posix()}",), slug_hint=slugify(title) or slugify(path.stem),
                author=one_line(props.author, 300), date=parse_date(props.created),
                description=one_line(props.subject, 500), dropped=dropped)


MAX_INFLATED_BYTES = 100_000_000  # a long essay's document.xml is a few MB; more is a zip bomb


def _check_inflated_size(data: bytes, origin: str) -> None:
    """Refuse a document whose parts would inflate past the limit, before anything is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportSourceError("is not a Word document (not a .docx zip)", path=origin,
                                hint="save it again as .docx (Word 2007 or later)") from None
    if inflated > MAX_INFLATED_BYTES:
        raise ImportSourceError(f"would inflate to {inflated // 1_000_000} MB, more than a document holds",
                                path=origin, hint="save it again from Word, without embedded files")


def _blocks(document: Any) -> tuple[str | None, list[str], int]:
    """(the Title paragraph's text, one HTML block per paragraph, the pictures left out)."""
    title, blocks, pictures, open_list = None, [], 0, None
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "").lower()
        inline, found = _inline(paragraph)
        pictures += found
        if not inline.strip():
            continue
        if style == "title" and title is None:
            title = paragraph.text.strip()
            continue
        tag = _list_tag(style)
        if tag != open_list:
            if open_list:
                blocks.append(f"</{open_list}>")
            if tag:
                blocks.append(f"<{tag}>")
            open_list = tag
        blocks.append(_block(style, inline))
    if open_list:
        blocks.append(f"</{open_list}>")
    return title, blocks, pictures


def _list_tag(style: str) -> str | None:
    if style.startswith("list bullet"):
        return "ul"
    if style.startswith("list number"):
        return "ol"
    return None


def _block(style: str, inline: str) -> str:
    heading = _HEADING.match(style)
    if heading:
        level = min(int(heading.group(1)) + 1, 6)  # the document's title is the one h1
        return f"<h{level}>{inline}</h{level}>"
    if _list_tag(style):
        return f"<li>{inline}</li>"
    if "quote" in style:
        return f"<blockquote><p>{inline}</p></blockquote>"
    return f"<p>{inline}</p>"


def _inline(paragraph: Any) -> tuple[str, int]:
    """The paragraph's runs and links as inline HTML, and how many pictures it held."""
    from docx.text.hyperlink import Hyperlink

    parts, pictures = [], 0
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            text = html.escape(item.text)
            parts.append(f'<a href="{html.escape(item.url, quote=True)}">{text}</a>' if item.url else text)
            continue
        pictures += len(item._r.xpath(".//w:drawing | .//w:pict"))
        text = html.escape(item.text)
        if text and item.bold:
            text = f"<strong>{text}</strong>"
        if text and item.italic:
            text = f"<em>{text}</em>"
        parts.append(text)
    return "".join(parts), pictures
