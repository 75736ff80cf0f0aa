"""Markdown (or plain text) to speakable blocks, links for the show notes, and a description.

What is written for the eye and not for the ear goes: code, tables, images, HTML, URLs,
emphasis markers, footnote markers. URLs and sources are kept as :class:`Link` values for
the show notes. A trailing "Sources" (References, Notes...) section is show notes, not speech.

This is a deliberately small line-based reader, not a full CommonMark parser: essays use
a handful of constructs, and every block keeps its source line for error messages.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from audioessay.models import Block, Link

DESCRIPTION_MAX = 400
DESCRIPTION_MIN = 80  # a shorter first paragraph is joined by the next

# Heading texts (case-insensitive, optional colon) that start the show notes.
NOTES_TITLES = frozenset({
    "sources", "source", "references", "further reading", "bibliography", "notes", "links",
    "works cited", "footnotes", "citations",
})

_PH_OPEN, _PH_CLOSE = "\ue000", "\ue001"  # private-use brackets for protected spans

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HR = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTE = re.compile(r"^ {0,3}>")
_ITEM = re.compile(r"^[ \t]*(?:[-*+•‣◦▪]|\d{1,9}[.)])[ \t]+(.*)$")
# In plain text only bullets and short numbers are list markers: "2013. It began" is prose.
_PLAIN_ITEM = re.compile(r"^[ \t]*(?:[-*+•‣◦▪]|\d{1,2}[.)])[ \t]+(.*)$")
_TASK = re.compile(r"^\[[ xX]\][ \t]+")
_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]]+)\]:[ \t]*(.*)$")
_LINK_TITLE = r"""(?:"[^"]*"|'[^']*'|\([^)]*\))"""
_REF_DEF = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:[ \t]*<?(\S+?)>?(?:[ \t]+" + _LINK_TITLE + r")?[ \t]*$")
_TABLE_DELIM = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_HTML_RAW_OPEN = re.compile(r"^ {0,3}<(script|style|pre|textarea)\b", re.IGNORECASE)
_INDENTED = re.compile(r"^(?: {4}|\t)")

_URL_PATTERN = r"(?:https?://|ftp://|(?<![\w.@/-])www\.)[^\s<>\"\u00ab\u00bb\u201c\u201d]+"
_URL = re.compile(_URL_PATTERN, re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"’”)]}>*_"
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_LINK_TEXT = r"\[(?P<{name}>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
_LINK_DEST = r"\(\s*(?P<{name}><[^>]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+" + _LINK_TITLE + r")?\s*\)"
# Everything inline that is not prose, in one pattern so links are recorded in reading order.
# At one position the first alternative wins: an autolink before a tag, an image before a link.
_TOKEN = re.compile(
    r"(?P<autolink><(?i:(?:https?|ftp|mailto):[^\s<>]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>)"
    r"|(?P<tag></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>)"
    r"|(?P<image>!" + _LINK_TEXT.format(name="alt")
    + r"(?:" + _LINK_DEST.format(name="src") + r"|\[[^\]]*\])?)"
    r"|(?P<footnote>\[\^[^\]\s]+\])"
    r"|(?P<link>" + _LINK_TEXT.format(name="text") + r"(?:" + _LINK_DEST.format(name="dest")
    + r"|\[(?P<label>[^\]]*)\])?)"
    r"|(?P<url>(?i:" + _URL_PATTERN + r"))"
)
_HREF = re.compile(r"""\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_CITATION = re.compile(r"(?<=[\w.,;:!?)\"”’])\[\d{1,3}\]")  # Wikipedia-style [12] after a word
_EMPH_OPEN = re.compile(r"(?<![\w\\*_~])(\*{1,3}|_{1,3}|~~)(?=[^\s*_~])")
_EMPH_CLOSE = re.compile(r"(?<=[^\s*_~])(\*{1,3}|_{1,3}|~~)(?![\w*_~])")


# --------------------------------------------------------------------------- inline


@dataclass
class _Inline:
    """Inline cleaning for one piece of text; ``links`` collects what was removed."""

    refs: dict[str, str] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    _protected: list[str] = field(default_factory=list)

    def _protect(self, text: str) -> str:
        self._protected.append(text)
        return f"{_PH_OPEN}{len(self._protected) - 1}{_PH_CLOSE}"

    def _restore(self, text: str) -> str:
        return re.sub(f"{_PH_OPEN}(\\d+){_PH_CLOSE}", lambda m: self._protected[int(m.group(1))], text)

    def _link(self, url: str, text: str = "") -> None:
        url = url.strip().strip("<>")
        if url:
            self.links.append(Link(url=url, text=tidy(self._restore(text))))

    def clean(self, text: str) -> str:
        text = text.replace(_PH_OPEN, "").replace(_PH_CLOSE, "")
        text = _ESCAPE.sub(lambda m: self._protect(m.group(1)), text)
        # Inline code is read as its text: `grep` is a word worth saying, the backticks are not.
        text = _CODE_SPAN.sub(lambda m: self._protect(" ".join(m.group(2).split())), text)
        text = self._tokens(text)
        text = _CITATION.sub("", text)
        text = _EMPH_CLOSE.sub("", _EMPH_OPEN.sub("", text))
        text = html.unescape(text)
        return tidy(self._restore(text))

    def _tokens(self, text: str) -> str:
        return _TOKEN.sub(self._token, text)

    def _token(self, match: re.Match[str]) -> str:
        kind = match.lastgroup
        whole = match.group(0)
        if kind == "autolink":
            target = whole[1:-1]
            self._link(target if ":" in target else "mailto:" + target)
            return ""
        if kind == "tag":
            href = _HREF.search(whole)
            if href:
                self._link(href.group(1))
            return " " if re.match(r"<br\b", whole, re.IGNORECASE) else ""
        if kind in ("image", "footnote"):  # alt text describes a picture the listener cannot see
            return ""
        if kind == "url":
            # A URL glued to a word ("person.https://...") is cut out; its trailing punctuation stays.
            url = _trim_url(whole)
            self._link(url if "://" in url else "https://" + url)
            return whole[len(url):]
        text, dest, label = match.group("text"), match.group("dest"), match.group("label")
        if dest is None:
            url = self.refs.get(_ref_key(label or text))
            if url is None:  # "[sic]", "[12]": not a link; clean what is inside the brackets
                rest = f"[{self._tokens(label)}]" if label is not None else ""
                return f"[{self._tokens(text)}]{rest}"
            dest = url
        spoken = self.clean_nested(text)
        self._link(dest, self._restore(spoken))
        return spoken

    def clean_nested(self, text: str) -> str:
        """Clean link text on its own (it may hold emphasis, code or a URL) and protect the result."""
        inner = _Inline(refs=self.refs)
        cleaned = inner.clean(self._restore(text))
        self.links.extend(inner.links)
        return self._protect(cleaned)


def _ref_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _trim_url(url: str) -> str:
    """Drop sentence punctuation after a URL, and a ')' that closes the sentence, not the URL."""
    while url and url[-1] in _URL_TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def tidy(text: str) -> str:
    """Collapse whitespace and repair what removals leave: 'see .' -> 'see.', '()' -> ''."""
    text = re.sub(r"\(\s*[,;:]?\s*\)|\[\s*\]", "", text)
    text = " ".join(text.split())
    text = re.sub(r"\s+([.,](?:\s|$))", r"\1", text + " ").strip()
    text = re.sub(r"[,;:]+(?=[.!?](?:\s|$))", "", text)  # "watch it here: <url>." -> "watch it here."
    return text.lstrip(",;: ")


def inline_text(text: str) -> str:
    """Plain spoken text of one line of Markdown (for titles): no markup, no URLs."""
    return _Inline().clean(text)


def cap_text(text: str, limit: int) -> str:
    """Collapse whitespace; cut at a word boundary to at most ``limit`` characters with '…'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def describe(blocks: list[Block] | tuple[Block, ...]) -> str:
    """The first paragraph's plain text, cut to about 400 characters: the episode description.

    A very short first paragraph ("Dear Sam,") takes the next ones with it, up to a heading.
    """
    parts: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            if parts:
                break
        elif block.kind == "paragraph":
            parts.append(block.text)
            if sum(len(part) for part in parts) >= DESCRIPTION_MIN:
                break
    return cap_text(" ".join(parts), DESCRIPTION_MAX)


# --------------------------------------------------------------------------- blocks


@dataclass
class _Raw:
    """A block before inline cleaning: its source lines with their 1-based numbers."""

    kind: str  # heading, paragraph, quote
    lines: list[tuple[int, str]]
    level: int = 0  # heading level; 0 for other blocks
    notes: bool = False  # inside a Sources section


def _is_notes_title(text: str) -> bool:
    return inline_text(text).rstrip(":").strip().casefold() in NOTES_TITLES


def _markdown_blocks(
    lines: list[str], first_line: int,
) -> tuple[list[_Raw], dict[str, str], list[tuple[int, str]]]:
    """Split Markdown into raw blocks; return them, link reference definitions and footnotes."""
    raws: list[_Raw] = []
    refs: dict[str, str] = {}
    footnotes: list[tuple[int, str]] = []
    current: _Raw | None = None
    in_list = False
    i, n = 0, len(lines)

    def flush() -> None:
        nonlocal current
        if current is not None and current.lines:
            raws.append(current)
        current = None

    while i < n:
        line, number = lines[i], first_line + i
        stripped = line.strip()
        fence = _FENCE.match(line)
        if fence:  # fenced code: skip to the closing fence (or the end)
            flush()
            in_list = False
            marker = fence.group(1)
            closing = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
            i += 1
            while i < n and not closing.match(lines[i]):
                i += 1
            i += 1
            continue
        if not stripped:
            flush()
            i += 1
            continue
        if current is None and not in_list and _INDENTED.match(line):  # indented code
            while i < n and (not lines[i].strip() or _INDENTED.match(lines[i])):
                i += 1
            continue
        raw_html = _HTML_RAW_OPEN.match(line)
        if raw_html:  # <script>, <style>, <pre>: nothing in them is prose
            flush()
            in_list = False
            closing = re.compile(rf"</{raw_html.group(1)}\s*>", re.IGNORECASE)
            while i < n and not closing.search(lines[i]):
                i += 1
            i += 1
            continue
        atx = _ATX.match(line)
        if atx:
            flush()
            in_list = False
            raws.append(_Raw("heading", [(number, atx.group(2) or "")], level=len(atx.group(1))))
            i += 1
            continue
        if current is not None and current.kind == "paragraph" and not in_list and _SETEXT.match(line):
            current.kind, current.level = "heading", 1 if "=" in line else 2
            flush()
            i += 1
            continue
        if _HR.match(line):
            flush()
            in_list = False
            i += 1
            continue
        footnote = _FOOTNOTE_DEF.match(line)
        if footnote:
            flush()
            parts = [footnote.group(2)]
            i += 1
            while i < n and lines[i].strip() and _INDENTED.match(lines[i]):
                parts.append(lines[i].strip())
                i += 1
            footnotes.append((number, " ".join(parts)))
            continue
        ref = _REF_DEF.match(line)
        if ref and current is None:
            refs.setdefault(_ref_key(ref.group(1)), ref.group(2))
            i += 1
            continue
        if "|" in line and i + 1 < n and "-" in lines[i + 1] and _TABLE_DELIM.match(lines[i + 1]):
            flush()  # a table: numbers in cells do not read as prose
            in_list = False
            i += 2
            while i < n and lines[i].strip() and "|" in lines[i]:
                i += 1
            continue
        if _QUOTE.match(line):
            content = re.sub(r"^(?:[ \t]*>[ ]?)+", "", line)
            if current is None or current.kind != "quote":
                flush()
                current = _Raw("quote", [])
            if content.strip():
                current.lines.append((number, _strip_line_markers(content)))
            elif current.lines:  # a '>' line on its own separates quoted paragraphs
                flush()
                current = _Raw("quote", [])
            i += 1
            continue
        item = _ITEM.match(line)
        if item and not (current is not None and current.kind == "paragraph" and not in_list
                         and not re.match(r"^[ \t]*(?:[-*+•]|1[.)])[ \t]", line)):
            # Every list item is its own paragraph; only a '-' or '1.' item may interrupt prose.
            flush()
            in_list = True
            current = _Raw("paragraph", [(number, _TASK.sub("", item.group(1)))])
            i += 1
            continue
        if current is None:
            if not _INDENTED.match(line):
                in_list = False
            current = _Raw("paragraph", [])
        current.lines.append((number, stripped))  # hard-wrapped lines (and lazy ones) join
        i += 1
    flush()
    return raws, refs, footnotes


def _strip_line_markers(content: str) -> str:
    """A heading or list marker inside a block quote is read as plain text."""
    content = re.sub(r"^[ \t]*#{1,6}[ \t]+", "", content)
    item = _ITEM.match(content)
    return item.group(1) if item else content


def _plain_blocks(lines: list[str], first_line: int) -> list[_Raw]:
    """Plain text: every non-empty line is a paragraph (how the sample essays are written)."""
    raws = []
    for index, line in enumerate(lines):
        if line.strip():
            item = _PLAIN_ITEM.match(line)
            raws.append(_Raw("paragraph", [(first_line + index, item.group(1) if item else line.strip())]))
    return raws


def _mark_notes(raws: list[_Raw], plain: bool) -> None:
    """Flag the Sources section: in Markdown up to the next heading of the same or higher level,
    in plain text from a Sources line to the end (if what follows looks like references)."""
    if plain:
        for start, raw in enumerate(raws):
            rest = raws[start + 1:]
            if _is_notes_title(raw.lines[0][1]) and all(
                _URL.search(r.lines[0][1]) or len(r.lines[0][1]) < 200 for r in rest
            ):
                for r in raws[start:]:
                    r.notes = True
                return
        return
    level = 0  # 0: outside notes; otherwise the level that ends the notes (7: a bold pseudo-heading)
    for raw in raws:
        if raw.kind == "heading":
            if level and raw.level <= level:
                level = 0
            if not level and _is_notes_title(raw.lines[0][1]):
                level = raw.level
        elif not level and raw.kind == "paragraph" and _is_notes_title(raw.lines[0][1]):
            level = 7  # "**Sources**" on a line of its own
        raw.notes = bool(level)


_NOTE_SEPARATORS = " -–—:|,;"


def _note_links(text: str, refs: dict[str, str]) -> list[Link]:
    """One show-notes line: its URLs with the rest of the line as their text, or a text-only note."""
    cleaner = _Inline(refs=refs)
    rest = cleaner.clean(text).strip(_NOTE_SEPARATORS)
    if not cleaner.links:
        return [Link(url="", text=rest)] if rest else []
    return [Link(url=link.url, text=link.text.strip(_NOTE_SEPARATORS) or rest) for link in cleaner.links]


def dedupe_links(links: list[Link]) -> list[Link]:
    """Keep the first of each URL (text-only notes by their text); fill in text found later."""
    order: list[str] = []
    chosen: dict[str, Link] = {}
    for link in links:
        key = link.url or "text:" + link.text
        if key not in chosen:
            order.append(key)
            chosen[key] = link
        elif not chosen[key].text and link.text:
            chosen[key] = Link(url=link.url, text=link.text)
    return [chosen[key] for key in order]


def clean_markdown(body: str, first_line: int, *, plain: bool = False) -> tuple[list[Block], list[Link], str]:
    """Turn an essay body into spoken blocks, show-notes links and a description.

    ``first_line`` is the 1-based source line of the body's first line (after front matter
    or a title line), so that ``Block.line`` points into the file. ``plain`` reads the body
    as plain text (.txt): every non-empty line is a paragraph and there are no headings.
    """
    # Comments go first (they may span lines); their newlines stay so line numbers hold.
    body = re.sub(r"<!--.*?(?:-->|\Z)", lambda m: "\n" * m.group(0).count("\n"), body, flags=re.DOTALL)
    lines = body.split("\n")
    if plain:
        raws, refs, footnotes = _plain_blocks(lines, first_line), {}, []
    else:
        raws, refs, footnotes = _markdown_blocks(lines, first_line)
    _mark_notes(raws, plain)

    blocks: list[Block] = []
    links: list[Link] = []
    notes: list[Link] = []
    for raw in raws:
        if raw.notes:
            if raw.kind != "heading":
                texts = [line for _, line in raw.lines if not _is_notes_title(line)]
                if len(texts) > 1 and not all(_URL.search(t) for t in texts):
                    texts = [" ".join(texts)]  # one reference wrapped over lines
                for text in texts:  # else one reference a line, e.g. a list of bare URLs
                    notes.extend(_note_links(text, refs))
            continue
        cleaner = _Inline(refs=refs)
        text = cleaner.clean(" ".join(line for _, line in raw.lines))
        links.extend(cleaner.links)
        if text:
            blocks.append(Block(kind=raw.kind, text=text, line=raw.lines[0][0]))  # type: ignore[arg-type]
    for _, text in footnotes:
        notes.extend(_note_links(text, refs))
    return blocks, dedupe_links(links + notes), describe(blocks)
