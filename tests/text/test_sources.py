"""Every entry of a Sources / References / Further reading list reaches the show notes."""

from __future__ import annotations

import pytest

from audioessay.models import Link
from audioessay.text.clean import clean_markdown

BOOK = "Jane Jacobs, The Death and Life of Great American Cities (1961)"
CASES = [
    ("bullet without a link", f"P.\n\n## Sources\n\n- {BOOK}\n", [Link("", BOOK)]),
    ("numbered without links", f"P.\n\n## References\n\n1. {BOOK}\n2. Robert Caro, The Power Broker (1974)\n",
     [Link("", BOOK), Link("", "Robert Caro, The Power Broker (1974)")]),
    ("markdown link", "P.\n\n## Sources\n\n- [NOAA tables](https://noaa.gov/t)\n",
     [Link("https://noaa.gov/t", "NOAA tables")]),
    ("bare URL after text", "P.\n\n## Sources\n\n- Caro, The Power Broker, https://b.org/c\n",
     [Link("https://b.org/c", "Caro, The Power Broker")]),
    ("angle-bracket URL", "P.\n\n## Sources\n\n- Archive <https://a.org/x>\n", [Link("https://a.org/x", "Archive")]),
    ("plain lines, one entry each", f"P.\n\n## Further reading\n\n{BOOK}\nRobert Caro, The Power Broker (1974)\n",
     [Link("", BOOK), Link("", "Robert Caro, The Power Broker (1974)")]),
    ("an entry wrapped over lines", "P.\n\n## Sources\n\nJane Jacobs, The Death and Life of\nGreat American Cities (1961)\n",
     [Link("", BOOK)]),
    ("a URL on the line under its title", "P.\n\n## Sources\n\nThe Power Broker (1974)\nhttps://b.org/c\n",
     [Link("https://b.org/c", "The Power Broker (1974)")]),
    ("bold pseudo-heading", f"P.\n\n**Further reading:**\n\n- {BOOK}\n", [Link("", BOOK)]),
    ("reference definitions in the section", "P.\n\n## Sources\n\n[1]: https://one.org\n[2]: https://two.org \"Two\"\n",
     [Link("https://one.org", ""), Link("https://two.org", "Two")]),
    ("numbered [1] entries as text", f"P.\n\n## Sources\n\n[1] {BOOK}\n\n[2]: https://two.org/x Caro\n",
     [Link("", BOOK), Link("https://two.org/x", "Caro")]),
    ("mixed list", f"P.\n\n## Sources\n\n- {BOOK}\n- https://c.org/\n- [D](https://d.org)\n",
     [Link("", BOOK), Link("https://c.org/", ""), Link("https://d.org", "D")]),
]


@pytest.mark.parametrize("body, notes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_entry_reaches_the_notes(body, notes):
    blocks, links, _ = clean_markdown(body, 1)
    assert [b.text for b in blocks] == ["P."]
    assert links == notes


def test_footnote_style_citations_are_not_spoken_and_all_definitions_are_notes():
    body = "Cited here [1] and there.\n\n[1]: https://one.org \"One\"\n[2]: https://two.org\n"
    blocks, links, _ = clean_markdown(body, 1)
    assert [b.text for b in blocks] == ["Cited here and there."]
    assert links == [Link("https://one.org", "One"), Link("https://two.org", "")]


def test_plain_text_sources_keep_books():
    body = f"Prose.\nSources\n{BOOK}\n1. Caro, Power (1974)\n- https://x.org/a\n"
    _, links, _ = clean_markdown(body, 1, plain=True)
    assert links == [Link("", BOOK), Link("", "Caro, Power (1974)"), Link("https://x.org/a", "")]


# Near-misses: outside a sources section nothing becomes a note; prose lists stay prose.
@pytest.mark.parametrize("body, spoken", [
    (f"P.\n\n- {BOOK}\n", ["P.", BOOK]),
    ("P.\n\n## Sourcing the data\n\n- Robert Caro (1974)\n", ["P.", "Sourcing the data", "Robert Caro (1974)"]),
    ("P.\n\n## Notes on style\n\nPlain prose.\n", ["P.", "Notes on style", "Plain prose."]),
])
def test_near_misses_stay_spoken(body, spoken):
    blocks, links, _ = clean_markdown(body, 1)
    assert [b.text for b in blocks] == spoken
    assert links == []
