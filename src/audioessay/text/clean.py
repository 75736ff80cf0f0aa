"""Markdown (or plain text) to speakable blocks, links for the show notes, and a description.

What is written for the eye and not for the ear goes: code, tables, images, HTML, URLs,
emphasis markers, footnote markers. URLs and sources are kept as :class:`Link` values for
the show notes. A trailing "Sources" (References, Notes...) section is show notes, not speech;
the headings that start one come from the language (:attr:`Language.notes_titles`).

Markdown is read by a CommonMark parser (markdown-it-py, with the GFM tables and strikethrough
and the footnotes of mdit-py-plugins): blocks come from its block tokens, with their source
lines, and their text from its inline tokens. Plain text (.txt) is read a line at a time: every
non-empty line is a paragraph, its inline markup read by the same parser.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import validateLink
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from audioessay.models import Block, Link
from audioessay.text.lang_base import get_language
from audioessay.text.speak import without_links

DESCRIPTION_MAX = 400
DESCRIPTION_MIN = 80  # a shorter first paragraph is joined by the next

_PH_OPEN, _PH_CLOSE = "\ue000", "\ue001"  # private-use brackets for held spans

# In plain text only bullets and short numbers are list markers: "2013. It began" is prose.
_PLAIN_ITEM = re.compile(r"^[ \t]*(?:[-*+•‣◦▪]|\d{1,2}[.)])[ \t]+(.*)$")
_PLAIN_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_TASK = re.compile(r"^\[[ xX]\][ \t]+")  # a GFM task list box: "- [x] done"
# A bullet pasted from a word processor: no CommonMark list marker, but a list item all the same.
_PASTED_BULLET = re.compile(r"^[ \t]*[•‣◦▪][ \t]+", re.MULTILINE)
# "[1]", "[1]:" or "(1)" before a show-notes entry: its number in the list, not its text.
_NOTE_NUMBER = re.compile(r"^[ \t]*(?:\[\d{1,3}\]:?|\(\d{1,3}\))[ \t]+")
# CommonMark's HTML blocks of type 1: nothing in them is prose.
_RAW_HTML = re.compile(r"^ {0,3}<(?:script|style|pre|textarea)(?:[\s>]|$)", re.IGNORECASE)
_OPEN_TAG = re.compile(r"^<[A-Za-z]")
_BREAK_TAG = re.compile(r"^<br\b", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)

# Bare URLs are no CommonMark construct (autolinks are), so they are found in the text.
_URL_PATTERN = (r"(?:https?://|ftp://|(?<![\w.@/-])www\.)"
                rf"[^\s<>\"\u00ab\u00bb\u201c\u201d{_PH_OPEN}{_PH_CLOSE}]+")
_URL = re.compile(_URL_PATTERN, re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"’”)]}>*_"
# What is left in the text once the parser is done, in one pattern so links keep reading order:
# a held span, an image or footnote mark whose definition is missing (the writer meant one; it is
# not prose either way), and a bare URL.
_LEFTOVER = re.compile(
    rf"{_PH_OPEN}(?P<held>\d+){_PH_CLOSE}"
    r"|(?P<image>!\[[^\]]*\](?:\[[^\]]*\])?)"
    r"|(?P<footnote>\[\^[^\]\s]+\])"
    rf"|(?P<url>{_URL_PATTERN})",
    re.IGNORECASE,
)
_CITATION = re.compile(r"(?<=[\w.,;:!?)\"”’])\[\d{1,3}\]")  # Wikipedia-style [12] after a word


# --------------------------------------------------------------------------- the parser


class _EssayMarkdown(MarkdownIt):
    """markdown-it, keeping link destinations as the writer wrote them (escapes and entities
    resolved): it would percent-encode them for HTML, and the show notes list them for people."""

    def normalizeLink(self, url: str) -> str:
        return url

    def normalizeLinkText(self, link: str) -> str:
        return link

    def validateLink(self, url: str) -> bool:
        # "[a](javascript:...)" is still a link, read as "a"; _link_to keeps such URLs out of the notes.
        return True


@functools.cache
def _parser() -> MarkdownIt:
    """The one Markdown parser, made on first use: CommonMark, GFM tables and strikethrough,
    footnotes left where they are written (so that uncited ones reach the notes too)."""
    parser = _EssayMarkdown("commonmark", {"inline_definitions": True})  # every [x]: url as a token
    parser.enable(["table", "strikethrough"])
    parser.use(footnote_plugin, move_to_end=False)
    # Backslash escapes stay tokens of their own, so that no text rule (URL, citation) reads them.
    parser.disable("text_join")
    return parser


# Joins the lines of one entry or item; never changed, so one token serves every join.
_LINE_BREAK = Token("softbreak", "br", 0)


def _inline_tokens(text: str, env: dict[str, Any] | None = None) -> list[Token]:
    """The inline tokens of ``text`` read as the inside of one paragraph."""
    parsed = _parser().parseInline(text, {} if env is None else env)
    return (parsed[0].children or []) if parsed else []


# --------------------------------------------------------------------------- inline


_KeepUrls = Literal["never", "in sentence", "always"]


@dataclass(frozen=True)
class _Held:
    """What a placeholder in the text being read stands for."""

    text: str = ""  # what it reads as; no text rule (URL, citation) looks inside it
    links: tuple[Link, ...] = ()  # recorded when the placeholder is reached, in reading order
    autolink: str = ""  # an <autolink>'s URL: spoken only where a sentence needs it


@dataclass
class _Speech:
    """Reads inline tokens as plain spoken text; ``links`` collects the links taken out."""

    # Prose keeps its URLs (recorded as links all the same) so that speech can rewrite the
    # sentence around each one and show the rewrite in review; titles and notes drop them;
    # "always" keeps them to show a show-notes line as written.
    keep_urls: _KeepUrls = "never"
    links: list[Link] = field(default_factory=list)
    _held: list[_Held] = field(default_factory=list)

    def read(self, tokens: list[Token]) -> str:
        text = "".join(self._pieces(tokens))
        text = _LEFTOVER.sub(self._leftover, text)
        text = _CITATION.sub("", text)
        return tidy(self._restore(text))

    def _hold(self, held: _Held) -> str:
        self._held.append(held)
        return f"{_PH_OPEN}{len(self._held) - 1}{_PH_CLOSE}"

    def _restore(self, text: str) -> str:
        return re.sub(f"{_PH_OPEN}(\\d+){_PH_CLOSE}", lambda m: self._held[int(m.group(1))].text, text)

    def _pieces(self, tokens: list[Token]) -> Iterator[str]:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.type == "link_open":
                end = _closing(tokens, index)
                yield self._link(token, tokens[index + 1:end])
                index = end
            else:
                yield self._piece(token)
            index += 1

    def _piece(self, token: Token) -> str:
        kind = token.type
        if kind == "text":
            return _without_private(token.content)
        if kind == "text_special":  # an escaped character is literal; an entity is its character
            text = _without_private(token.content)
            return self._hold(_Held(text=text)) if token.info == "escape" else text
        if kind == "code_inline":  # `grep` is a word worth saying, the backticks are not
            return self._hold(_Held(text=" ".join(_without_private(token.content).split())))
        if kind in ("softbreak", "hardbreak"):
            return " "
        if kind == "html_inline":
            return self._tag(token.content)
        return ""  # emphasis markers, images (a picture the listener cannot see), footnote marks

    def _link(self, opening: Token, inside: list[Token]) -> str:
        url = str(opening.attrGet("href") or "")
        if opening.markup == "autolink":
            links = _link_to(url)
            spoken = "" if not links or url.lower().startswith("mailto:") else url
            return self._hold(_Held(links=links, autolink=spoken))
        nested = _Speech()  # link text is read on its own: a URL in it is a link, not words
        spoken = nested.read(inside)
        if spoken.isdigit():  # "[1]" pointing at a source is a citation mark, not words
            spoken = ""
        return self._hold(_Held(text=spoken, links=(*nested.links, *_link_to(url, spoken))))

    def _tag(self, tag: str) -> str:
        if not _OPEN_TAG.match(tag):  # a closing tag, a comment, a declaration
            return ""
        href = _HREF.search(tag)
        held = self._hold(_Held(links=_link_to(html.unescape(href.group(1))))) if href else ""
        return held + (" " if _BREAK_TAG.match(tag) else "")

    def _leftover(self, match: re.Match[str]) -> str:
        if match.group("held") is not None:
            return self._reach(self._held[int(match.group("held"))], match)
        if match.group("url") is not None:
            return self._bare_url(match)
        return ""  # an image or a footnote mark whose definition is missing

    def _reach(self, held: _Held, match: re.Match[str]) -> str:
        self.links.extend(held.links)
        if not held.autolink:
            return match.group(0)
        kept = self._speaks_url(match.string, match.start(), match.end())
        return self._hold(_Held(text=held.autolink)) if kept else ""

    def _bare_url(self, match: re.Match[str]) -> str:
        # A URL glued to a word ("person.https://...") is cut out; its trailing punctuation stays.
        whole = match.group(0)
        url = _trim_url(whole)
        self.links.extend(_link_to(url if "://" in url else "https://" + url))
        kept = self._speaks_url(match.string, match.start(), match.start() + len(url))
        return (self._hold(_Held(text=url)) if kept else "") + whole[len(url):]

    def _speaks_url(self, text: str, start: int, end: int) -> bool:
        if self.keep_urls == "in sentence":
            return _in_sentence(text, start, end)
        return self.keep_urls == "always"


def _link_to(url: str, text: str = "") -> tuple[Link, ...]:
    """The show-notes link to ``url``: none for an empty URL or one markdown-it deems unsafe
    (javascript:, vbscript:, file:, data:)."""
    url = url.strip()
    return (Link(url=url, text=text),) if url and validateLink(url) else ()


def _closing(tokens: list[Token], opening: int) -> int:
    """The index of the token that closes ``tokens[opening]`` (or the last one)."""
    depth = 0
    for index in range(opening, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _without_private(text: str) -> str:
    return text.replace(_PH_OPEN, "").replace(_PH_CLOSE, "")


def _in_sentence(text: str, start: int, end: int) -> bool:
    """Whether the URL at text[start:end] is part of a sentence, so speech must read around it.

    Not when glued to a word ("person.https://..."), nor when it stands alone: the whole text,
    or a sentence of its own (after '.', '!' or '?', maybe in brackets). Those go, as ever."""
    if start and (text[start - 1].isalnum() or text[start - 1] in "._"):
        return False
    before = text[:start].rstrip(" \t([")
    after = text[end:].lstrip(_URL_TRAILING)
    return not ((not before or before[-1] in ".!?") and (not after or after[0].isspace()))


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
    return _Speech().read(_inline_tokens(text))


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
    """A block before its inline tokens are read: where it starts and what kind it is."""

    kind: _Kind
    line: int  # 1-based source line of its first line
    tokens: list[Token]  # its inline tokens
    level: int = 0  # heading level; 0 for other blocks
    notes: bool = False  # inside a Sources section

    def lines(self) -> list[list[Token]]:
        """The inline tokens of each source line (a link whose text wraps stays on its first)."""
        lines: list[list[Token]] = [[]]
        depth = 0
        for token in self.tokens:
            if token.type in ("softbreak", "hardbreak") and depth == 0:
                lines.append([])
                continue
            if token.type in ("link_open", "link_close"):
                depth += token.nesting
            lines[-1].append(token)
        return lines


def _shown(tokens: list[Token]) -> tuple[str, bool]:
    """A line's text as a reader sees it (URLs kept) and whether it holds a link."""
    speech = _Speech(keep_urls="always")
    return speech.read(tokens), bool(speech.links)


def _is_notes_title(tokens: list[Token], titles: frozenset[str]) -> bool:
    return _Speech().read(tokens).rstrip(":").strip().casefold() in titles


@dataclass
class _MarkdownWalk:
    """Markdown block tokens sorted into raw blocks, footnotes and link definitions, in order."""

    first_line: int
    env: dict[str, Any]
    raws: list[_Raw] = field(default_factory=list)
    footnotes: list[list[Token]] = field(default_factory=list)  # each one's inline tokens
    definitions: list[Link] = field(default_factory=list)  # every "[x]: url", for the show notes
    _quote_depth: int = 0
    _in_footnote: bool = False
    _first_in_item: bool = False  # the paragraph being read opens a list item

    def see(self, token: Token, previous: Token | None) -> None:
        kind = token.type
        if kind in ("blockquote_open", "blockquote_close"):
            self._quote_depth += token.nesting
        elif kind in ("footnote_reference_open", "footnote_reference_close"):
            self._in_footnote = token.nesting > 0
            if self._in_footnote:
                self.footnotes.append([])
        elif kind == "definition":
            self.definitions.extend(_link_to(token.meta["url"], tidy(token.meta["title"])))
        elif kind == "paragraph_open":
            self._first_in_item = previous is not None and previous.type == "list_item_open"
        elif kind == "inline" and previous is not None and previous.type in ("paragraph_open", "heading_open"):
            self._text(previous, token)  # not a table cell: tables are not read
        elif kind == "html_block" and not _RAW_HTML.match(token.content):
            # An HTML block's tags go, its text is read (entities, hrefs, comments as inline HTML).
            self._add(_Raw("paragraph", self._line(token), _inline_tokens(token.content.strip(), self.env)))
        # Everything else is not read: code, rules, tables, list and quote boundaries.

    def _line(self, token: Token) -> int:
        return self.first_line + (token.map[0] if token.map else 0)

    def _text(self, opening: Token, inline: Token) -> None:
        tokens = inline.children or []
        if self._first_in_item:
            tokens = _without_task_box(tokens)
        raw = _Raw("paragraph", self._line(opening), tokens)
        if opening.type == "heading_open":
            raw.kind, raw.level = "heading", int(opening.tag[1:])
            self._add(raw)
        elif _PASTED_BULLET.search(inline.content):
            for item in _split_at_bullets(raw):
                self._add(item)
        else:
            self._add(raw)

    def _add(self, raw: _Raw) -> None:
        if self._in_footnote:  # a footnote's paragraphs are one show-notes entry
            note = self.footnotes[-1]
            note.extend([_LINE_BREAK, *raw.tokens] if note else raw.tokens)
            return
        if self._quote_depth:  # a heading or list item in a quote is read as quoted text
            raw.kind, raw.level = "quote", 0
        self.raws.append(raw)


def _split_at_bullets(raw: _Raw) -> list[_Raw]:
    """A paragraph of lines that start with '•' is a list: each bullet is a paragraph of its own
    (its line number counts the line breaks before it)."""
    items: list[_Raw] = []
    for index, line in enumerate(raw.lines()):
        first = line[0] if line else None
        bullet = _PASTED_BULLET.match(first.content) if first and first.type == "text" else None
        if bullet and first:
            unmarked = first.copy(content=first.content[bullet.end():])
            items.append(_Raw("paragraph", raw.line + index, [unmarked, *line[1:]]))
        elif items:
            items[-1].tokens.extend([_LINE_BREAK, *line])
        else:
            items.append(_Raw("paragraph", raw.line, line))
    return items


def _without_task_box(tokens: list[Token]) -> list[Token]:
    if tokens and tokens[0].type == "text" and (box := _TASK.match(tokens[0].content)):
        return [tokens[0].copy(content=tokens[0].content[box.end():]), *tokens[1:]]
    return tokens


def _read_markdown(body: str, first_line: int) -> _MarkdownWalk:
    """Parse Markdown; return its raw blocks, footnotes (also inline ones) and link definitions."""
    env: dict[str, Any] = {}
    walk = _MarkdownWalk(first_line, env)
    previous: Token | None = None
    for token in _parser().parse(body, env):
        walk.see(token, previous)
        previous = token
    for footnote in env.get("footnotes", {}).get("list", {}).values():
        if "tokens" in footnote:  # an inline footnote, ^[like this]
            walk.footnotes.append(footnote["tokens"])
    return walk


def _plain_blocks(body: str, first_line: int) -> list[_Raw]:
    """Plain text: every non-empty line is a paragraph (how the sample essays are written)."""
    # Comments go first (they may span lines); their newlines stay so line numbers hold.
    body = _PLAIN_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    raws = []
    for index, line in enumerate(body.split("\n")):
        if line.strip():
            item = _PLAIN_ITEM.match(line)
            text = item.group(1) if item else line.strip()
            raws.append(_Raw("paragraph", first_line + index, _inline_tokens(text)))
    return raws


def _mark_plain_notes(raws: list[_Raw], titles: frozenset[str]) -> None:
    """Flag the Sources section of plain text: from a Sources line to the end, if what follows
    looks like references (each line holds a URL or is short)."""
    for start, raw in enumerate(raws):
        if _is_notes_title(raw.tokens, titles) and all(_looks_like_reference(r) for r in raws[start + 1:]):
            for r in raws[start:]:
                r.notes = True
            return


def _looks_like_reference(raw: _Raw) -> bool:
    text, has_link = _shown(raw.tokens)
    return has_link or len(text) < 200


def _mark_notes(raws: list[_Raw], titles: frozenset[str]) -> None:
    """Flag the Sources section of Markdown: up to the next heading of the same or higher level."""
    level = 0  # 0: outside notes; otherwise the level that ends the notes (7: a bold pseudo-heading)
    for raw in raws:
        if raw.kind == "heading":
            if level and raw.level <= level:
                level = 0
            if not level and _is_notes_title(raw.tokens, titles):
                level = raw.level
        elif not level and raw.kind == "paragraph" and _is_notes_title(raw.lines()[0], titles):
            level = 7  # "**Sources**" on a line of its own
        raw.notes = bool(level)


_NOTE_SEPARATORS = " -–—:|,;"


def _note_links(tokens: list[Token]) -> list[Link]:
    """One show-notes entry: its URLs with the rest of the entry as their text, or a text-only note."""
    speech = _Speech()
    rest = _NOTE_NUMBER.sub("", speech.read(tokens)).strip(_NOTE_SEPARATORS)
    if not speech.links:
        return [Link(url="", text=rest)] if rest else []
    return [Link(url=link.url, text=link.text.strip(_NOTE_SEPARATORS) or rest) for link in speech.links]


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
    footnotes: list[list[Token]] = []
    definitions: list[Link] = []
    if plain:
        raws = _plain_blocks(body, first_line)
        _mark_plain_notes(raws, titles)
    else:
        walk = _read_markdown(body, first_line)
        raws, footnotes, definitions = walk.raws, walk.footnotes, walk.definitions
        _mark_notes(raws, titles)
    blocks, links, notes = _read_blocks(raws, titles)
    for footnote in footnotes:
        notes.extend(_note_links(footnote))
    # Every "[1]: https://..." definition is a source, cited or not (a cited one is there already).
    return blocks, dedupe_links(links + notes + definitions), describe(blocks, language)


def _read_blocks(raws: list[_Raw], titles: frozenset[str]) -> tuple[list[Block], list[Link], list[Link]]:
    """Spoken blocks with the links taken out of them, and the Sources section's notes."""
    blocks: list[Block] = []
    links: list[Link] = []
    notes: list[Link] = []
    for raw in raws:
        if raw.notes:
            if raw.kind != "heading":
                notes.extend(_notes_of(raw, titles))
            continue
        speech = _Speech(keep_urls="never" if raw.kind == "heading" else "in sentence")
        text = speech.read(raw.tokens)
        links.extend(speech.links)
        if text:
            blocks.append(Block(kind=raw.kind, text=text, line=raw.line))
    return blocks, links, notes


@dataclass
class _Entry:
    """One show-notes entry being gathered from the lines of a block."""

    tokens: list[Token]
    shown: str
    has_link: bool


def _notes_of(raw: _Raw, titles: frozenset[str]) -> list[Link]:
    """The show-notes links of one block inside the Sources section."""
    entries: list[_Entry] = []
    for tokens in raw.lines():
        if _is_notes_title(tokens, titles):
            continue
        shown, has_link = _shown(tokens)
        if entries and _continues(entries[-1], shown):  # one reference wrapped over lines
            entry = entries[-1]
            entry.tokens = [*entry.tokens, _LINE_BREAK, *tokens]
            entry.shown, entry.has_link = f"{entry.shown} {shown}", entry.has_link or has_link
        elif shown or has_link:
            entries.append(_Entry(tokens, shown, has_link))  # one reference a line, e.g. of books
    notes: list[Link] = []
    for entry in entries:
        notes.extend(_note_links(entry.tokens))
    return notes


_ENTRY_END = ".)]\"'”’>"


def _continues(entry: _Entry, line: str) -> bool:
    """Whether ``line`` goes on with the show-notes entry above it rather than starting one:
    a URL alone under a title without one, a line starting in lowercase, or one after a line
    that does not end like an entry ("Jacobs, The Death and Life of" / "Great American Cities")."""
    if entry.has_link:
        return False
    if _URL.fullmatch(line) or (line[:1].islower() and not _URL.match(line)):
        return True
    end = entry.shown[-1:]
    return not (end in _ENTRY_END or end.isdigit())
