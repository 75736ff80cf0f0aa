"""clean_markdown: Markdown and plain text become speakable blocks, links and a description."""

from __future__ import annotations

import pytest
from conftest import TESTS

from audioessay.models import Block, Link
from audioessay.text.clean import cap_text, clean_markdown, inline_text
from audioessay.text.read import read_essay
from audioessay.text.sentences import split_sentences
from audioessay.text.speak import speak

CORPUS = TESTS / "corpus" / "text"


def blocks_of(body: str, *, plain: bool = False, first_line: int = 1) -> list[tuple[str, str]]:
    blocks, _, _ = clean_markdown(body, first_line, plain=plain)
    return [(b.kind, b.text) for b in blocks]


def texts(body: str, **kwargs) -> list[str]:
    return [text for _, text in blocks_of(body, **kwargs)]


def links_of(body: str, **kwargs) -> list[Link]:
    return clean_markdown(body, 1, **kwargs)[1]


# --------------------------------------------------------------------------- blocks


def test_headings_atx_and_setext():
    body = "# One #\n\nText.\n\nTwo\n===\n\nThree\n---\n\n###### Six\n#NotAHeading here.\n"
    assert blocks_of(body) == [
        ("heading", "One"), ("paragraph", "Text."), ("heading", "Two"), ("heading", "Three"),
        ("heading", "Six"), ("paragraph", "#NotAHeading here."),
    ]


def test_paragraph_lines_are_joined_and_numbered():
    blocks, _, _ = clean_markdown("First line\nsecond line.\n\n\nNext   paragraph.\n", 10)
    assert blocks == [
        Block("paragraph", "First line second line.", 10), Block("paragraph", "Next paragraph.", 14),
    ]


def test_block_quotes():
    body = "> Quoted\n> text.\n>\n> Second quote.\nlazy line\n\n>> nested\n"
    assert blocks_of(body) == [
        ("quote", "Quoted text."), ("quote", "Second quote. lazy line"), ("quote", "nested"),
    ]


def test_list_items_are_paragraphs():
    body = "Intro:\n\n- one\n- two\n  wrapped\n* three\n+ four\n    - nested\n1. five\n2) six\n- [x] task\n"
    assert texts(body) == ["Intro:", "one", "two wrapped", "three", "four", "nested", "five", "six", "task"]


def test_numbers_inside_prose_do_not_start_lists():
    assert texts("It began in\n2013. That was the year.\n") == ["It began in 2013. That was the year."]


def test_links_keep_text_and_record_targets():
    body = "See [the *film*](https://ex.com/her_(film) \"Her\") and <https://auto.com> or <me@ex.com>.\n"
    blocks, links, _ = clean_markdown(body, 1)
    # A bare or <autolinked> URL stays in prose for speech to rewrite around (test_links_in_sentences).
    assert blocks[0].text == "See the film and https://auto.com or."
    assert links == [
        Link("https://ex.com/her_(film)", "the film"), Link("https://auto.com"), Link("mailto:me@ex.com"),
    ]


def test_reference_links():
    body = ("Read [the book][b] and [Other] and [sic].\n\n"
            "[b]: https://b.com \"Book\"\n[other]: <https://o.com>\n")
    blocks, links, _ = clean_markdown(body, 1)
    assert [b.text for b in blocks] == ["Read the book and Other and [sic]."]
    assert links == [Link("https://b.com", "the book"), Link("https://o.com", "Other")]


def test_images_are_dropped():
    assert texts("Before ![alt text](a.png \"t\") after ![x][ref].\n") == ["Before after."]
    assert texts("![only an image](a.png)\n") == []


def test_code_is_dropped_but_inline_code_text_is_kept():
    body = "Use `grep -r` here.\n\n```sh\nrm -rf /\n```\n\n~~~\ncode\n~~~\n\n    indented\n    code\n\nEnd.\n"
    assert texts(body) == ["Use grep -r here.", "End."]


def test_unclosed_fence_drops_the_rest():
    assert texts("Before.\n\n```\nnever closed\nstill code\n") == ["Before."]


def test_list_continuation_is_not_code():
    assert texts("- item\n\n    continued paragraph\n") == ["item", "continued paragraph"]


def test_html_tags_comments_and_entities():
    body = "<div class=\"x\">Kept <em>text</em></div> &amp; more &mdash; ok<br>line.\n<!-- gone -->\n"
    assert texts(body) == ["Kept text & more — ok line."]
    assert texts("<script>\nalert('x')\n</script>\n\n<style>p{}</style>\n\nProse.\n") == ["Prose."]
    assert texts("One <!-- a\nmulti-line comment --> two.\n") == ["One two."]


def test_tables_are_dropped():
    body = "Before.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\nAfter.\n"
    assert texts(body) == ["Before.", "After."]


def test_horizontal_rules_are_dropped():
    assert texts("One.\n\n---\n\n* * *\n\n___\n\nTwo.\n") == ["One.", "Two."]


def test_emphasis_markers_are_removed():
    body = "*a* **b** ***c*** _d_ __e__ ~~f~~ snake_case_name 5 * 3 = 15 2*3 **bold.**\n"
    assert texts(body) == ["a b c d e f snake_case_name 5 * 3 = 15 2*3 bold."]


def test_escapes_stay_literal():
    assert texts("Not \\*emphasis\\* and \\[not a link\\](x).\n") == ["Not *emphasis* and [not a link](x)."]


def test_footnotes_move_to_show_notes():
    body = ("Claim.[^1] Another[^note].\n\n"
            "[^1]: Source one, https://one.com\n[^note]: A plain note\n    over two lines.\n")
    blocks, links, _ = clean_markdown(body, 1)
    assert [b.text for b in blocks] == ["Claim. Another."]
    assert links == [Link("https://one.com", "Source one"), Link("", "A plain note over two lines.")]


def test_citation_numbers_are_dropped():
    assert texts("Known fact.[12] And [3] alone.\n") == ["Known fact. And [3] alone."]


# --------------------------------------------------------------------------- URLs


def test_glued_and_bare_urls_are_removed_from_speech():
    body = ("one person.https://www.youtube.com/watch?v=WG\n"
            "See https://ex.com/a, then www.ex.org/b. (https://p.com)\n")
    blocks, links, _ = clean_markdown(body, 1, plain=True)
    # A URL on its own (a sentence, a line) goes too; one inside a sentence stays for speech.
    assert [b.text for b in blocks] == ["one person.", "See https://ex.com/a, then www.ex.org/b."]
    assert [speak(s)[0] for s in split_sentences(blocks[1].text)] == ["See the link in the show notes, then."]
    assert [link.url for link in links] == [
        "https://www.youtube.com/watch?v=WG", "https://ex.com/a", "https://www.ex.org/b", "https://p.com",
    ]


def test_url_trailing_punctuation_and_parentheses():
    body = "Wiki https://en.wikipedia.org/wiki/Her_(film). And (see https://x.com/y)."
    _, links, _ = clean_markdown(body, 1)
    assert [link.url for link in links] == ["https://en.wikipedia.org/wiki/Her_(film)", "https://x.com/y"]


def test_links_are_deduplicated_in_order():
    body = ("A https://a.com B https://b.com\nC https://a.com\n\n"
            "## Sources\n\n- [Site A](https://a.com)\n- https://c.com")
    assert links_of(body) == [Link("https://a.com", "Site A"), Link("https://b.com"), Link("https://c.com")]


# --------------------------------------------------------------------------- sources


@pytest.mark.parametrize("title", ["Sources", "sources:", "References", "Further reading", "BIBLIOGRAPHY",
                                   "Notes", "Links:"])
def test_sources_heading_becomes_show_notes(title):
    body = (f"Prose.\n\n## {title}\n\n"
            "- [A](https://a.com)\n- Smith, J. *A Book*. 2020.\n- Text then https://c.com")
    blocks, links, _ = clean_markdown(body, 1)
    assert [b.text for b in blocks] == ["Prose."]
    assert links == [
        Link("https://a.com", "A"), Link("", "Smith, J. A Book. 2020."), Link("https://c.com", "Text then"),
    ]


def test_sources_section_ends_at_next_heading_of_same_level():
    body = "# Essay\n\n## Sources\n\nhttps://a.com\n\n### Sub\n\nStill notes.\n\n## Epilogue\n\nSpoken again."
    assert texts(body) == ["Essay", "Epilogue", "Spoken again."]


def test_bold_pseudo_heading_starts_show_notes():
    assert texts("Prose.\n\n**Sources:**\nhttps://a.com\nhttps://b.com\n") == ["Prose."]


def test_plain_text_sources_line():
    body = "Prose line.\nSources\nhttps://a.com\nBook title, 2019\n"
    blocks, links, _ = clean_markdown(body, 1, plain=True)
    assert [b.text for b in blocks] == ["Prose line."]
    assert links == [Link("https://a.com"), Link("", "Book title, 2019")]


def test_plain_notes_line_followed_by_prose_is_spoken():
    long_prose = "This is a long paragraph of prose that goes on and on. " * 5
    body = f"Notes\n{long_prose}\n"
    assert len(texts(body, plain=True)) == 2


def test_plain_text_lines_are_paragraphs():
    body = "Line one.\nLine two.\n\n- a bullet\n12. numbered\n2013. A year.\n# not a heading in txt\n"
    assert blocks_of(body, plain=True) == [
        ("paragraph", "Line one."), ("paragraph", "Line two."), ("paragraph", "a bullet"),
        ("paragraph", "numbered"), ("paragraph", "2013. A year."), ("paragraph", "# not a heading in txt"),
    ]


# --------------------------------------------------------------------------- description and helpers


def test_description_is_first_paragraph_without_urls():
    first = ("First paragraph with https://x.com a link, "
             "long enough to stand alone as the episode description.")
    _, _, description = clean_markdown(f"# H\n\n{first}\n\nSecond.\n", 1)
    assert description == first.replace("https://x.com ", "")


def test_short_first_paragraph_takes_the_next():
    body = "Dear Sam,\n\nYou asked which books to start with, and I will answer.\n\n# Part\n\nLater.\n"
    _, _, description = clean_markdown(body, 1)
    assert description == "Dear Sam, You asked which books to start with, and I will answer."


def test_description_is_cut_at_a_word():
    _, _, description = clean_markdown("word " * 200 + "\n", 1)
    assert len(description) <= 400 and description.endswith("word…")


def test_cap_text():
    assert cap_text("  a   b  ", 10) == "a b"
    capped = cap_text("alpha beta gamma delta", 12)
    assert capped == "alpha beta…" and len(capped) <= 12
    assert len(cap_text("x" * 1000, 300)) == 300


def test_inline_text():
    assert inline_text("**Bold** [link](https://x.com) `code` https://y.com") == "Bold link code"


def test_corpus_constructs():
    essay = read_essay(CORPUS / "constructs.md", CORPUS)
    assert essay.title == "Every Construct"
    assert [(b.kind, b.text) for b in essay.blocks] == [
        ("paragraph", "Plain emphasis, strong, both, under, double and struck text. A hard-wrapped line "
                      "continues here, with inline code and a link."),
        ("quote", "A block quote over two lines."),
        ("paragraph", "First item"), ("paragraph", "Second item wrapped"),
        ("paragraph", "Ordered one"), ("paragraph", "Ordered two"),
        ("paragraph", "Text with a footnote, HTML tags, & entities. A URL glued to a word. and a bare one "
                      "https://example.com/bare."),
    ]
    assert essay.links == (
        Link("https://example.com/link", "link"), Link("https://example.com/glued"),
        Link("https://example.com/bare"), Link("https://example.com/ref1", "Reference one"),
        Link("", "A book without a URL. Publisher, 2020."),
        Link("https://example.com/footnote", "The footnote"),
    )
    assert essay.description == "One of each Markdown construct, for tests/test_clean.py."
