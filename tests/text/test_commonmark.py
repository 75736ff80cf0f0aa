"""A Markdown essay is read by a CommonMark parser: one row per construct a line-based reader gets wrong.

Each row is (Markdown, expected blocks as (kind, text)) or (Markdown, spoken texts, show-notes links).
The constructs are the ones CommonMark defines precisely (setext headings, fences, lazy continuation,
list item paragraphs, reference definitions, escapes, entities, code spans, HTML blocks, hard breaks);
the GFM extensions essays use (tables, strikethrough, footnotes) are checked too.
"""

from __future__ import annotations

import time

import pytest

from audioessay.models import Block, Link
from audioessay.text.clean import clean_markdown, inline_text


def kinds_and_texts(body: str) -> list[tuple[str, str]]:
    blocks, _, _ = clean_markdown(body, 1)
    return [(b.kind, b.text) for b in blocks]


P, H, Q = "paragraph", "heading", "quote"

BLOCKS = [
    # headings
    ("setext heading over two lines", "Part one\nof two\n======\n\nBody.\n", [(H, "Part one of two"), (P, "Body.")]),
    ("setext heading with one dash", "Title\n-\n\nBody.\n", [(H, "Title"), (P, "Body.")]),
    ("dashes after a list item are a rule", "- item\n---\n\nAfter.\n", [(P, "item"), (P, "After.")]),
    ("a heading inside a quote is quoted", "> # Title\n> text\n", [(Q, "Title"), (Q, "text")]),
    ("closing hashes and escaped hash", "## Two ##\n\n\\# not a heading\n", [(H, "Two"), (P, "# not a heading")]),
    # code
    ("hash inside fenced code", "Intro.\n\n```sh\n# a shell comment\necho hi\n```\n\nEnd.\n",
     [(P, "Intro."), (P, "End.")]),
    ("fence inside a list item", "1. Run it:\n\n    ```sh\n    # comment\n    make\n    ```\n\nDone.\n",
     [(P, "Run it:"), (P, "Done.")]),
    ("fence inside a block quote", "> Said:\n>\n> ```\n> # code\n> ```\n", [(Q, "Said:")]),
    ("a longer fence holds a shorter one", "````\n```\n# inner\n```\n````\n\nAfter.\n", [(P, "After.")]),
    ("indented code inside a list item", "- item\n\n      code line\n\nAfter.\n", [(P, "item"), (P, "After.")]),
    ("indented lines continue a paragraph", "Para\n    more text\n", [(P, "Para more text")]),
    # lists and lazy continuation
    ("lazy continuation of a list item", "- item text\ncontinues here\n", [(P, "item text continues here")]),
    ("lazy continuation of a quote", "> quoted\ncontinues\n", [(Q, "quoted continues")]),
    ("a number inside a list item is prose", "- Chapter\n  2. The middle\n", [(P, "Chapter 2. The middle")]),
    ("a number inside a paragraph is prose", "The year\n1999. was good\n", [(P, "The year 1999. was good")]),
    ("a list starting at seven", "Intro.\n\n7. seven\n8. eight\n", [(P, "Intro."), (P, "seven"), (P, "eight")]),
    ("nested lists", "- a\n  - b\n    - c\n- d\n", [(P, "a"), (P, "b"), (P, "c"), (P, "d")]),
    ("a list item holding two paragraphs", "- first para\n\n  second para\n- next\n",
     [(P, "first para"), (P, "second para"), (P, "next")]),
    ("a quote inside a list item", "- item\n\n  > quoted\n", [(P, "item"), (Q, "quoted")]),
    ("a task list item", "- [ ] open\n- [x] done\n", [(P, "open"), (P, "done")]),
    ("bullet without a space is prose", "-not a list\n", [(P, "-not a list")]),
    ("a list inside a quote", "> - a\n> - b\n", [(Q, "a"), (Q, "b")]),
    # not CommonMark, but what a writer meant: bullets pasted from a word processor are list items
    ("pasted bullets", "Intro:\n• one\n• two\nwrapped\n", [(P, "Intro:"), (P, "one"), (P, "two wrapped")]),
    # inline
    ("emphasis across lines", "*one\ntwo* and **three\nfour**\n", [(P, "one two and three four")]),
    ("emphasis inside a word", "un*frigging*believable and **H**ello\n", [(P, "unfriggingbelievable and Hello")]),
    ("unmatched stars stay", "5 * 3 and a*b\n", [(P, "5 * 3 and a*b")]),
    ("underscores inside words stay", "snake_case_name and file_name_\n", [(P, "snake_case_name and file_name_")]),
    ("escaped characters", "\\*not\\* \\_em\\_ \\[x\\](y) 1\\. \\`code\\` \\<b\\>\n",
     [(P, "*not* _em_ [x](y) 1. `code` <b>")]),
    ("a backslash in inline code is literal", "Run `ls \\*.md` now.\n", [(P, "Run ls \\*.md now.")]),
    ("double backticks around a backtick", "Type ``a ` b`` here.\n", [(P, "Type a ` b here.")]),
    ("an escaped bracket is no citation", "Word\\[12\\] stays.\n", [(P, "Word[12] stays.")]),
    ("entities", "AT&amp;T &copy; &#8212; &#x41; &amp;lt; &notanentity;\n", [(P, "AT&T © — A &lt; &notanentity;")]),
    ("an entity in code is literal", "Write `&amp;` here.\n", [(P, "Write &amp; here.")]),
    ("backslash hard break", "line one\\\nline two\n", [(P, "line one line two")]),
    ("space hard break", "line one  \nline two\n", [(P, "line one line two")]),
    # HTML
    ("an HTML comment block", "<!-- draft\nnote -->\nText.\n", [(P, "Text.")]),
    ("a comment inside inline code is code", "Write `<!-- x -->` to hide.\n", [(P, "Write <!-- x --> to hide.")]),
    ("an HTML block keeps its text", "<div>\n<p>Kept <em>words</em>.</p>\n</div>\n\nAfter.\n",
     [(P, "Kept words."), (P, "After.")]),
    ("pre and script blocks go", "<pre>\nx = 1\n</pre>\n\n<SCRIPT>\n1\n</SCRIPT>\n\nProse.\n", [(P, "Prose.")]),
    ("a tag on its own line does not eat prose", "Before <span>inside</span> after.\n",
     [(P, "Before inside after.")]),
    # GFM extensions
    ("a table without outer pipes", "Before.\n\na | b\n--|--\n1 | 2\n\nAfter.\n", [(P, "Before."), (P, "After.")]),
    ("strikethrough", "~~gone~~ but said\n", [(P, "gone but said")]),
]


@pytest.mark.parametrize("body, expected", [row[1:] for row in BLOCKS], ids=[row[0] for row in BLOCKS])
def test_blocks(body: str, expected: list[tuple[str, str]]) -> None:
    assert kinds_and_texts(body) == expected


LINKS = [
    ("reference definition over lines", "See [the book].\n\n[the book]:\n  https://b.org\n  \"The Book\"\n",
     ["See the book."], [Link("https://b.org", "the book")]),
    ("reference definition inside a quote", "[a][x] said.\n\n> [x]: https://x.org\n",
     ["a said."], [Link("https://x.org", "a")]),
    ("collapsed and full references", "[One][] and [two][ONE].\n\n[one]: https://one.org\n",
     ["One and two."], [Link("https://one.org", "One")]),
    ("an undefined reference stays text", "[sic] and [x][y].\n", ["[sic] and [x][y]."], []),
    ("an entity in a destination", "[q](https://x.org/?a=1&amp;b=2)\n", ["q"], [Link("https://x.org/?a=1&b=2", "q")]),
    ("an escape in a destination", "[u](https://x.org/a\\_b)\n", ["u"], [Link("https://x.org/a_b", "u")]),
    ("a destination in angle brackets", "[w](<https://x.org/a(b>)\n", ["w"], [Link("https://x.org/a(b", "w")]),
    ("link text over two lines", "[the\nbook](https://b.org)\n", ["the book"], [Link("https://b.org", "the book")]),
    ("an image inside a link", "[![badge](b.png)](https://ci.org) ok.\n", ["ok."], [Link("https://ci.org")]),
    ("code hides link syntax", "Use `[x](https://y.org)` literally.\n", ["Use [x](https://y.org) literally."], []),
    ("an autolink", "Mail <jo@x.org> or <https://x.org/a>.\n", ["Mail or https://x.org/a."],
     [Link("mailto:jo@x.org"), Link("https://x.org/a")]),
    ("an unsafe link is read, not noted", "[a](javascript:alert(1)) <vbscript:x> ok.\n", ["a ok."], []),
    ("a number as link text is a citation", "Known[1](https://x.org).\n", ["Known."], [Link("https://x.org")]),
    ("an HTML link", "<a href=\"https://h.org\">here</a> it is.\n", ["here it is."], [Link("https://h.org")]),
    ("links in reading order", "A https://a.org/x and [b](https://b.org) and <https://c.org> here.\n",
     ["A https://a.org/x and b and https://c.org here."],
     [Link("https://a.org/x"), Link("https://b.org", "b"), Link("https://c.org")]),
    ("a footnote with two paragraphs", "Text.[^n]\n\n[^n]: First part.\n\n    Second part, https://x.org\n",
     ["Text."], [Link("https://x.org", "First part. Second part")]),
    ("a footnote never cited", "Text.\n\n[^a]: Orphan note.\n", ["Text."], [Link("", "Orphan note.")]),
    ("an inline footnote", "Text.^[An aside.] More.\n", ["Text. More."], [Link("", "An aside.")]),
    ("a nested list of sources", "P.\n\n## Sources\n\n- Books\n  - Jacobs (1961)\n  - Caro (1974)\n",
     ["P."], [Link("", "Books"), Link("", "Jacobs (1961)"), Link("", "Caro (1974)")]),
    ("a setext Sources heading", "P.\n\nSources\n-------\n\n- [A](https://a.org)\n\n1) Caro (1974)\n",
     ["P."], [Link("https://a.org", "A"), Link("", "Caro (1974)")]),
    ("sources entries numbered from five", "P.\n\n## References\n\n5. Jacobs (1961)\n6. Caro (1974)\n",
     ["P."], [Link("", "Jacobs (1961)"), Link("", "Caro (1974)")]),
]


@pytest.mark.parametrize("body, spoken, links", [row[1:] for row in LINKS], ids=[row[0] for row in LINKS])
def test_links(body: str, spoken: list[str], links: list[Link]) -> None:
    blocks, found, _ = clean_markdown(body, 1)
    assert [b.text for b in blocks] == spoken
    assert found == links


def test_block_lines_come_from_the_parser() -> None:
    body = ("Title\n=====\n\n> q\n> more\n\n- a\n\n  b\n\n<div>html</div>\n\n```\ncode\n```\nAfter.\n"
            "\n• one\n• two\n")
    blocks, _, _ = clean_markdown(body, 5)
    assert blocks == [
        Block(H, "Title", 5), Block(Q, "q more", 8), Block(P, "a", 11), Block(P, "b", 13),
        Block(P, "html", 15), Block(P, "After.", 20), Block(P, "one", 22), Block(P, "two", 23),
    ]


@pytest.mark.parametrize("line, text", [
    ("**Bold** and `code`", "Bold and code"),
    ("AT&amp;T \\*star\\*", "AT&T *star*"),
    ("A [link](https://x.org) and https://y.org", "A link and"),
    ("# not a heading here", "# not a heading here"),
])
def test_inline_text_reads_one_line(line: str, text: str) -> None:
    assert inline_text(line) == text


def test_many_essays_read_fast() -> None:
    body = ("# Title\n\nA *paragraph* with a [link](https://x.org) and `code`, over\ntwo lines.\n\n"
            "> A quote.\n\n- one\n- two\n\n```\ncode\n```\n\n## Sources\n\n- https://s.org\n") * 5
    start = time.perf_counter()
    for index in range(300):
        clean_markdown(body + f"\nEssay {index}.\n", 1)
    assert time.perf_counter() - start < 5.0  # about 1 s here: catches a reader many times slower
