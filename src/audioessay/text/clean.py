"""Markdown (or plain text) to speakable blocks, links for the show notes, and a description.

What is written for the eye and not for the ear goes: code, tables, images, HTML, URLs,
emphasis markers, footnote markers. URLs and sources are kept as :class:`Link` values for
the show notes. A trailing "Sources" (References, Notes...) section is show notes, not speech;
the headings that start one come from the language (:attr:`Language.notes_titles`).

This is a deliberately small line-based reader, not a full CommonMark parser: essays use
a handful of constructs, and every block keeps its source line for error messages.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Literal

from audioessay.models import Block, Link
from audioessay.text.lang_base import get_language
from audioessay.text.speak import without_links

DESCRIPTION_MAX = 400
DESCRIPTION_MIN = 80  # a shorter first paragraph is joined by the next

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
_REF_DEF = re.compile(
    r"^ {0,3}\[([^\]^][^\]]*)\]:[ \t]*<?(\S+?)>?(?:[ \t]+(?P<title>" + _LINK_TITLE + r"))?[ \t]*$")
# "[1]", "[1]:" or "(1)" before a show-notes entry: its number in the list, not its text.
_NOTE_NUMBER = re.compile(r"^[ \t]*(?:\[\d{1,3}\]:?|\(\d{1,3}\))[ \t]+")
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
    # Prose keeps its URLs (recorded as links all the same) so that speech can rewrite the
    # sentence around each one and show the rewrite in review; titles and notes drop them.
    keep_urls: bool = False
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
            kept = (self.keep_urls and not target.lower().startswith("mailto:") and ":" in target
                    and _in_sentence(match.string, match.start(), match.end()))
            return self._protect(target) if kept else ""
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
            kept = self.keep_urls and _in_sentence(match.string, match.start(), match.start() + len(url))
            return (self._protect(url) if kept else "") + whole[len(url):]
        text, dest, label = match.group("text"), match.group("dest"), match.group("label")
        if dest is None:
            found = self.refs.get(_ref_key(label or text))
            if found is None:  # "[sic]", "[12]": not a link; clean what is inside the brackets
                rest = f"[{self._tokens(label)}]" if label is not None else ""
                return f"[{self._tokens(text)}]{rest}"
            if label is None and text.isdigit():  # "[1]" with "[1]: https://..." below: a citation
                self._link(found)
                return ""
            dest = found
        spoken = self.clean_nested(text)
        self._link(dest, self._restore(spoken))
        return spoken

    def clean_nested(self, text: str) -> str:
        """Clean link text on its own (it may hold emphasis, code or a URL) and protect the result."""
        inner = _Inline(refs=self.refs)
        cleaned = inner.clean(self._restore(text))
        self.links.extend(inner.links)
        return self._protect(cleaned)


def _in_sentence(text: str, start: int, end: int) -> bool:
    """Whether the URL at text[start:end] is part of a sentence, so speech must read around it.

    Not when glued to a word ("person.https://..."), nor when it stands alone: the whole text,
    or a sentence of its own (after '.', '!' or '?', maybe in brackets). Those go, as ever."""
    if start and (text[start - 1].isalnum() or text[start - 1] in "._"):
        return False
    before = text[:start].rstrip(" \t([")
    after = text[end:].lstrip(_URL_TRAILING)
    return not ((not before or before[-1] in ".!?") and (not after or after[0].isspace()))


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


def describe(blocks: list[Block] | tuple[Block, ...], language: str = "en") -> str:
    """The first paragraph's plain text, cut to about 400 characters: the episode description.

    A very short first paragraph ("Dear Sam,") takes the next ones with it, up to a heading.
    Its URLs are taken out as speech takes them out (the sentence rewritten to read without).
    """
    parts: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            if parts:
                break
        elif block.kind == "paragraph":
            parts.append(tidy(without_links(block.text, language)))
            if sum(len(part) for part in parts) >= DESCRIPTION_MIN:
                break
    return cap_text(" ".join(parts), DESCRIPTION_MAX)


# --------------------------------------------------------------------------- blocks


_Kind = Literal["heading", "paragraph", "quote"]


@dataclass
class _Raw:
    """A block before inline cleaning: its source lines with their 1-based numbers."""

    kind: _Kind
    lines: list[tuple[int, str]]
    level: int = 0  # heading level; 0 for other blocks
    notes: bool = False  # inside a Sources section


def _is_notes_title(text: str, titles: frozenset[str]) -> bool:
    return inline_text(text).rstrip(":").strip().casefold() in titles


class _MarkdownReader:
    """Split Markdown into raw blocks, link reference definitions and footnotes, line by line.

    Each ``_step`` method looks at the current line: it returns False when the line is not its
    construct, else it consumes the line(s) it owns and returns True. The steps are tried in
    the order of :attr:`_STEPS`; a line none of them takes is prose.
    """

    def __init__(self, lines: list[str], first_line: int) -> None:
        self.lines, self.first_line = lines, first_line
        self.i, self.n = 0, len(lines)
        self.raws: list[_Raw] = []
        self.refs: dict[str, str] = {}
        self.ref_notes: list[Link] = []  # every reference definition, for the show notes
        self.footnotes: list[tuple[int, str]] = []
        self.current: _Raw | None = None
        self.in_list = False

    def read(self) -> tuple[list[_Raw], dict[str, str], list[tuple[int, str]]]:
        steps = [getattr(self, name) for name in self._STEPS]
        while self.i < self.n:
            line = self.lines[self.i]
            if not any(step(line) for step in steps):
                self._prose(line)
        self._flush()
        return self.raws, self.refs, self.footnotes

    _STEPS = (
        "_fenced_code", "_blank", "_indented_code", "_raw_html", "_atx_heading", "_setext_underline",
        "_thematic_break", "_footnote_definition", "_reference_definition", "_table", "_quote",
        "_list_item",
    )

    @property
    def _number(self) -> int:
        return self.first_line + self.i

    def _flush(self) -> None:
        if self.current is not None and self.current.lines:
            self.raws.append(self.current)
        self.current = None

    def _end_block(self) -> None:
        """Close the open block and any list (code, HTML, headings, rules and tables end both)."""
        self._flush()
        self.in_list = False

    def _skip_until(self, closing: re.Pattern[str], *, search: bool = False) -> None:
        """Skip lines up to and including the first that ``closing`` matches (or to the end)."""
        find = closing.search if search else closing.match
        while self.i < self.n and not find(self.lines[self.i]):
            self.i += 1
        self.i += 1

    def _fenced_code(self, line: str) -> bool:
        fence = _FENCE.match(line)
        if not fence:
            return False
        self._end_block()  # fenced code: skip to the closing fence (or the end)
        marker = fence.group(1)
        self.i += 1
        self._skip_until(re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$"))
        return True

    def _blank(self, line: str) -> bool:
        if line.strip():
            return False
        self._flush()
        self.i += 1
        return True

    def _indented_code(self, line: str) -> bool:
        if self.current is not None or self.in_list or not _INDENTED.match(line):
            return False
        lines = self.lines
        while self.i < self.n and (not lines[self.i].strip() or _INDENTED.match(lines[self.i])):
            self.i += 1
        return True

    def _raw_html(self, line: str) -> bool:
        raw_html = _HTML_RAW_OPEN.match(line)
        if not raw_html:
            return False
        self._end_block()  # <script>, <style>, <pre>: nothing in them is prose
        self._skip_until(re.compile(rf"</{raw_html.group(1)}\s*>", re.IGNORECASE), search=True)
        return True

    def _atx_heading(self, line: str) -> bool:
        atx = _ATX.match(line)
        if not atx:
            return False
        self._end_block()
        self.raws.append(_Raw("heading", [(self._number, atx.group(2) or "")], level=len(atx.group(1))))
        self.i += 1
        return True

    def _setext_underline(self, line: str) -> bool:
        current = self.current
        if current is None or current.kind != "paragraph" or self.in_list or not _SETEXT.match(line):
            return False
        current.kind, current.level = "heading", 1 if "=" in line else 2
        self._flush()
        self.i += 1
        return True

    def _thematic_break(self, line: str) -> bool:
        if not _HR.match(line):
            return False
        self._end_block()
        self.i += 1
        return True

    def _footnote_definition(self, line: str) -> bool:
        footnote = _FOOTNOTE_DEF.match(line)
        if not footnote:
            return False
        self._flush()
        number = self._number
        parts = [footnote.group(2)]
        self.i += 1
        lines = self.lines
        while self.i < self.n and lines[self.i].strip() and _INDENTED.match(lines[self.i]):
            parts.append(lines[self.i].strip())
            self.i += 1
        self.footnotes.append((number, " ".join(parts)))
        return True

    def _reference_definition(self, line: str) -> bool:
        ref = _REF_DEF.match(line)
        if not ref or self.current is not None:
            return False
        self.refs.setdefault(_ref_key(ref.group(1)), ref.group(2))
        title = (ref.group("title") or "")[1:-1]
        self.ref_notes.append(Link(url=ref.group(2), text=tidy(_Inline().clean(title)) if title else ""))
        self.i += 1
        return True

    def _table(self, line: str) -> bool:
        i, lines = self.i, self.lines
        if not ("|" in line and i + 1 < self.n and "-" in lines[i + 1] and _TABLE_DELIM.match(lines[i + 1])):
            return False
        self._end_block()  # a table: numbers in cells do not read as prose
        self.i += 2
        while self.i < self.n and lines[self.i].strip() and "|" in lines[self.i]:
            self.i += 1
        return True

    def _quote(self, line: str) -> bool:
        if not _QUOTE.match(line):
            return False
        content = re.sub(r"^(?:[ \t]*>[ ]?)+", "", line)
        if self.current is None or self.current.kind != "quote":
            self._flush()
            self.current = _Raw("quote", [])
        if content.strip():
            self.current.lines.append((self._number, _strip_line_markers(content)))
        elif self.current.lines:  # a '>' line on its own separates quoted paragraphs
            self._flush()
            self.current = _Raw("quote", [])
        self.i += 1
        return True

    def _list_item(self, line: str) -> bool:
        item = _ITEM.match(line)
        if not item:
            return False
        current = self.current
        # Every list item is its own paragraph; only a '-' or '1.' item may interrupt prose.
        if (current is not None and current.kind == "paragraph" and not self.in_list
                and not re.match(r"^[ \t]*(?:[-*+•]|1[.)])[ \t]", line)):
            return False
        self._flush()
        self.in_list = True
        self.current = _Raw("paragraph", [(self._number, _TASK.sub("", item.group(1)))])
        self.i += 1
        return True

    def _prose(self, line: str) -> None:
        if self.current is None:
            if not _INDENTED.match(line):
                self.in_list = False
            self.current = _Raw("paragraph", [])
        self.current.lines.append((self._number, line.strip()))  # hard-wrapped lines (and lazy ones) join
        self.i += 1


def _markdown_blocks(
    lines: list[str], first_line: int,
) -> tuple[list[_Raw], dict[str, str], list[tuple[int, str]], list[Link]]:
    """Split Markdown into raw blocks; return them, link reference definitions, footnotes, and
    the reference definitions as show-notes links (with their titles)."""
    reader = _MarkdownReader(lines, first_line)
    raws, refs, footnotes = reader.read()
    return raws, refs, footnotes, reader.ref_notes


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


def _mark_notes(raws: list[_Raw], plain: bool, titles: frozenset[str]) -> None:
    """Flag the Sources section: in Markdown up to the next heading of the same or higher level,
    in plain text from a Sources line to the end (if what follows looks like references)."""
    if plain:
        for start, raw in enumerate(raws):
            rest = raws[start + 1:]
            if _is_notes_title(raw.lines[0][1], titles) and all(
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
            if not level and _is_notes_title(raw.lines[0][1], titles):
                level = raw.level
        elif not level and raw.kind == "paragraph" and _is_notes_title(raw.lines[0][1], titles):
            level = 7  # "**Sources**" on a line of its own
        raw.notes = bool(level)


_NOTE_SEPARATORS = " -–—:|,;"


def _note_links(text: str, refs: dict[str, str]) -> list[Link]:
    """One show-notes line: its URLs with the rest of the line as their text, or a text-only note."""
    cleaner = _Inline(refs=refs)
    rest = cleaner.clean(_NOTE_NUMBER.sub("", text)).strip(_NOTE_SEPARATORS)
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


def clean_markdown(
    body: str, first_line: int, *, plain: bool = False, language: str = "en",
) -> tuple[list[Block], list[Link], str]:
    """Turn an essay body into spoken blocks, show-notes links and a description.

    ``first_line`` is the 1-based source line of the body's first line (after front matter
    or a title line), so that ``Block.line`` points into the file. ``plain`` reads the body
    as plain text (.txt): every non-empty line is a paragraph and there are no headings.
    ``language`` says which headings start the sources section (English: "Sources", "Notes"...).
    """
    titles = get_language(language).notes_titles
    # Comments go first (they may span lines); their newlines stay so line numbers hold.
    body = re.sub(r"<!--.*?(?:-->|\Z)", lambda m: "\n" * m.group(0).count("\n"), body, flags=re.DOTALL)
    lines = body.split("\n")
    refs: dict[str, str] = {}
    footnotes: list[tuple[int, str]] = []
    ref_notes: list[Link] = []
    if plain:
        raws = _plain_blocks(lines, first_line)
    else:
        raws, refs, footnotes, ref_notes = _markdown_blocks(lines, first_line)
    _mark_notes(raws, plain, titles)

    blocks: list[Block] = []
    links: list[Link] = []
    notes: list[Link] = []
    for raw in raws:
        if raw.notes:
            if raw.kind != "heading":
                notes.extend(_notes_of(raw, refs, titles))
            continue
        cleaner = _Inline(refs=refs, keep_urls=raw.kind != "heading")
        text = cleaner.clean(" ".join(line for _, line in raw.lines))
        links.extend(cleaner.links)
        if text:
            blocks.append(Block(kind=raw.kind, text=text, line=raw.lines[0][0]))
    for _, text in footnotes:
        notes.extend(_note_links(text, refs))
    # Every "[1]: https://..." definition is a source, cited or not (a cited one is there already).
    return blocks, dedupe_links(links + notes + ref_notes), describe(blocks, language)


def _notes_of(raw: _Raw, refs: dict[str, str], titles: frozenset[str]) -> list[Link]:
    """The show-notes links of one block inside the Sources section."""
    entries: list[str] = []
    for _, line in raw.lines:
        if _is_notes_title(line, titles):
            continue
        if entries and _continues(entries[-1], line):
            entries[-1] += " " + line  # one reference wrapped over lines
        else:
            entries.append(line)  # one reference a line, e.g. a list of bare URLs or of books
    notes: list[Link] = []
    for text in entries:
        notes.extend(_note_links(text, refs))
    return notes


_ENTRY_END = ".)]\"'”’>"


def _continues(entry: str, line: str) -> bool:
    """Whether ``line`` goes on with the show-notes entry above it rather than starting one:
    a URL alone under a title without one, a line starting in lowercase, or one after a line
    that does not end like an entry ("Jacobs, The Death and Life of" / "Great American Cities")."""
    if _URL.search(entry):
        return False
    line = line.strip()
    if _URL.fullmatch(line) or (line[:1].islower() and not _URL.match(line)):
        return True
    end = entry.rstrip()[-1:]
    return not (end in _ENTRY_END or end.isdigit())
