"""HTML to the Markdown of a seed: what a listener hears and what the show notes link to.

Two steps, both by well-kept libraries: the clutter that is not the essay (images, embeds,
subscribe boxes, share buttons, paywall notices) is taken out of the HTML tree with lxml, counted
by kind so the import can say what it dropped; then markdownify writes the Markdown (headings,
links, lists, quotes and emphasis kept). A whole web page first goes through trafilatura, which
finds the main content (no navigation, footer or comments).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.etree
import lxml.html
from markdownify import MarkdownConverter

from audioessay.importing.models import Dropped, ImportSourceError

# Parts of a page that trafilatura removes anyway: what they hold is not counted as dropped.
_CHROME = frozenset({"nav", "header", "footer", "aside"})
_EMBED_TAGS = frozenset({"iframe", "video", "audio", "embed", "object"})
_IMAGE_TAGS = frozenset({"img", "picture"})
_SILENT_TAGS = frozenset({"script", "style", "noscript", "template", "link", "meta", "button", "input", "svg"})
_CONTAINERS = frozenset({"html", "body", "main", "article"})  # never dropped for a class name
_MAX_CLUTTER_WORDS = 150  # a longer element named "share..." or "subscribe..." is taken as content
_PAYWALL_WORDS = re.compile(
    r"this post is for paid subscribers|keep reading with a \d+-day free trial|subscribe to keep reading"
    r"|for paying subscribers only|this (post|content) is for (paying |paid )?members only"
    r"|upgrade to paid to (read|continue)", re.IGNORECASE)


@dataclass(frozen=True)
class Markdown:
    """A post body in Markdown and what was left out of it."""

    text: str
    dropped: Dropped
    paywalled: bool  # a paywall notice was found: the text is a stub


def _classes(element: lxml.html.HtmlElement) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}".lower()


def _class_kind(classes: str) -> str | None:
    """The kind of clutter a class or id names, by the names blog platforms use."""
    if "paywall" in classes:
        return "paywall notice"
    if re.search(r"subscri|newsletter|signup|sign-up|mailing-list|kg-cta", classes):
        return "subscribe box"
    if re.search(r"shar(e|ing)|post-ufi|social-links|sharedaddy", classes):
        return "share button"
    if re.search(r"tweet|instagram-media|embed|youtube|vimeo|spotify|kg-bookmark", classes):
        return "embed"
    if re.search(r"\bcomments?\b|comment-list|discussion", classes):
        return "comment section"
    return None


def _link_kind(element: lxml.html.HtmlElement) -> str | None:
    """A link that is a call to subscribe or to share (Substack writes them as plain buttons)."""
    href = (element.get("href") or "").lower()
    text = " ".join(element.text_content().split()).lower()
    if "/subscribe" in href or text.startswith(("subscribe", "get the newsletter")):
        return "subscribe box"
    if re.search(r"sharer|/share\b|action=share|intent/tweet|share\?|shareArticle", href, re.IGNORECASE) \
            or text in ("share", "share this post", "leave a comment"):
        return "share button"
    return None


def _kind(element: lxml.html.HtmlElement) -> str | None:
    """What to drop ``element`` as, or None to keep it."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _SILENT_TAGS:
        return ""
    if tag == "form":
        return "subscribe box" if element.xpath(".//input[@type='email']") else "form"
    if tag in _EMBED_TAGS:
        return "embed"
    if tag in _IMAGE_TAGS or (tag == "figure" and element.xpath(".//img|.//picture")):
        return "image"
    found = None if tag in _CONTAINERS else _class_kind(_classes(element))
    if found and (found == "comment section" or len(element.text_content().split()) <= _MAX_CLUTTER_WORDS):
        return found
    if tag == "a":
        return _link_kind(element)
    return None


def _wrapped_kind(element: lxml.html.HtmlElement, kind: str) -> lxml.html.HtmlElement:
    """A lone button's paragraph goes with it (Substack's ``<p class="button-wrapper">``)."""
    parent = element.getparent()
    if kind in ("subscribe box", "share button") and parent is not None and parent.tag in ("p", "div") \
            and " ".join(parent.text_content().split()) == " ".join(element.text_content().split()):
        return parent
    return element


def _clutter(root: lxml.html.HtmlElement, count_chrome: bool) -> Iterator[tuple[lxml.html.HtmlElement, str]]:
    """Each element to drop with its kind ("" for what needs no mention); none inside another."""
    stack: list[tuple[lxml.html.HtmlElement, bool]] = [(root, False)]
    while stack:
        element, in_chrome = stack.pop()
        for child in reversed(list(element)):
            if not isinstance(child.tag, str):  # a comment or processing instruction
                yield child, ""
                continue
            kind = _kind(child)
            chrome = in_chrome or child.tag in _CHROME
            if kind is None:
                stack.append((child, chrome))
            else:
                yield _wrapped_kind(child, kind), "" if chrome and not count_chrome else kind


def strip_clutter(root: lxml.html.HtmlElement, *, count_chrome: bool = True) -> tuple[Dropped, bool]:
    """Remove the clutter from ``root`` in place; return what was removed and whether there was a
    paywall notice. ``count_chrome``: count what sits in navigation, headers and footers too."""
    paywalled = bool(_PAYWALL_WORDS.search(root.text_content()))
    counts: Counter[str] = Counter()
    for element, kind in list(_clutter(root, count_chrome)):
        paywalled = paywalled or kind == "paywall notice"
        if kind:
            counts[kind] += 1
        _remove(element)
    for anchor in root.iter("a"):  # a link that only held an image is left empty
        if not anchor.text_content().strip() and not len(anchor):
            _remove(anchor)
    return Dropped(tuple(sorted(counts.items()))), paywalled


def _remove(element: lxml.html.HtmlElement) -> None:
    """Remove ``element`` and keep the text after it (lxml keeps it in the element's tail)."""
    if element.getparent() is not None:
        element.drop_tree()


def parse_html(html: str | bytes, origin: str) -> lxml.html.HtmlElement:
    """The HTML as an lxml tree; an empty or unparsable document is that post's error."""
    try:
        if isinstance(html, bytes):
            return lxml.html.document_fromstring(html)
        return lxml.html.document_fromstring(html.encode("utf-8"),
                                             parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ImportSourceError(f"is not HTML that can be read: {exc}", path=origin,
                                hint="check that the file or address is a web page") from None


class _SeedConverter(MarkdownConverter):
    """markdownify with the house's Markdown: ATX headings, ``-`` bullets, ``*`` emphasis."""

    def __init__(self) -> None:
        super().__init__(heading_style="ATX", bullets="-", strong_em_symbol="*", escape_underscores=False,
                         escape_misc=False, autolinks=True)


def tree_to_markdown(root: lxml.html.HtmlElement, base_url: str | None = None) -> str:
    """Markdown of a cleaned tree; relative links are made absolute against ``base_url``."""
    if base_url:
        root.make_links_absolute(base_url, resolve_base_href=True, handle_failures="ignore")
    body = root.find("body")
    html = lxml.html.tostring(body if body is not None else root, encoding="unicode")
    return tidy(_SeedConverter().convert(html))


def tidy(markdown: str) -> str:
    """No trailing spaces, at most one blank line in a row, one final newline."""
    lines = [line.rstrip() for line in markdown.replace("\r\n", "\n").replace("\xa0", " ").split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return text + "\n" if text else ""


def fragment_to_markdown(html: str, origin: str, base_url: str | None = None) -> Markdown:
    """A post body as feeds and exports give it (an HTML fragment) in Markdown, without clutter."""
    root = parse_html(f"<html><body>{html}</body></html>", origin)
    dropped, paywalled = strip_clutter(root)
    return Markdown(tree_to_markdown(root, base_url), dropped, paywalled)


_LINK_TARGET = re.compile(r"\]\([^)]*\)|<https?://[^>]*>")


def word_count(markdown: str) -> int:
    """Words a listener would hear (link targets and Markdown marks are not words)."""
    return len(re.findall(r"[^\W_]+(?:['’][^\W_]+)*", _LINK_TARGET.sub("]", markdown)))


def with_title_heading(title: str, markdown: str, subtitle: str | None = None) -> str:
    """The body under one ``# title`` heading, as seeds are written. A first heading that only
    repeats the title, or the subtitle (it is the description), is not kept twice."""
    lines = markdown.lstrip("\n").split("\n")
    for repeated in (title, subtitle):
        first = lines[0].lstrip("#").strip() if lines and lines[0].startswith("#") else None
        if first is not None and repeated and _same_words(first, repeated):
            lines = "\n".join(lines[1:]).lstrip("\n").split("\n")
    rest = "\n".join(lines).strip("\n")
    return f"# {title}\n\n{rest}\n" if rest else f"# {title}\n"


def _same_words(a: str, b: str) -> bool:
    def words(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())
    return words(a) == words(b)
