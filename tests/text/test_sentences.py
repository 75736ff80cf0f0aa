"""split_sentences(): written prose in, sentences out (before normalization for speech)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audioessay.text.sentences import split_sentences

SPLITS = [
    # plain endings
    ("One. Two. Three.", ["One.", "Two.", "Three."]),
    ("He said hi! Did he? Yes.", ["He said hi!", "Did he?", "Yes."]),
    ("Really?! No way.", ["Really?!", "No way."]),
    ("No final stop", ["No final stop"]),
    ("", []),
    ("   ", []),
    ("  Spaces   inside\nand\tout.  Next one. ", ["Spaces inside and out.", "Next one."]),
    # titles and Latin abbreviations never end a sentence
    ("Dr. Smith went to Washington. He stayed.", ["Dr. Smith went to Washington.", "He stayed."]),
    ("I met Mr. and Mrs. Brown. They waved.", ["I met Mr. and Mrs. Brown.", "They waved."]),
    ("Ms. White came. She sat.", ["Ms. White came.", "She sat."]),
    ("We saw St. Paul's. It was big.", ["We saw St. Paul's.", "It was big."]),
    ("Fruit, e.g. apples, is good. Eat it.", ["Fruit, e.g. apples, is good.", "Eat it."]),
    ("Fruit, i.e. apples, is good. Eat it.", ["Fruit, i.e. apples, is good.", "Eat it."]),
    ("Red fruit, e.g. The Apple, sells. Buy it.", ["Red fruit, e.g. The Apple, sells.", "Buy it."]),
    ("Cats vs. Dogs is a film. See it.", ["Cats vs. Dogs is a film.", "See it."]),
    ("It costs approx. 5 dollars. Pay up.", ["It costs approx. 5 dollars.", "Pay up."]),
    ("Roe v. Wade was decided. Laws changed.", ["Roe v. Wade was decided.", "Laws changed."]),
    # etc. and a.m./p.m. end a sentence only before a usual sentence opener
    ("Pears, apples, etc. and plums.", ["Pears, apples, etc. and plums."]),
    ("Bring pears, apples, etc. The rest is fine.", ["Bring pears, apples, etc.", "The rest is fine."]),
    ("We met at 10 a.m. and left.", ["We met at 10 a.m. and left."]),
    ("It starts at 10 a.m. Eastern time.", ["It starts at 10 a.m. Eastern time."]),
    ("He slept at 10 p.m. Then he woke.", ["He slept at 10 p.m.", "Then he woke."]),
    # numbers
    ("It was 2.5 km. Then 3.5 more.", ["It was 2.5 km.", "Then 3.5 more."]),
    ("No. 5 is mine. He said no. Then he left.", ["No. 5 is mine.", "He said no.", "Then he left."]),
    ("See p. 12 for more. Then stop.", ["See p. 12 for more.", "Then stop."]),
    ("It ended in 2019. 2020 was worse.", ["It ended in 2019.", "2020 was worse."]),
    # initials
    ("J. R. R. Tolkien wrote it. We read it.", ["J. R. R. Tolkien wrote it.", "We read it."]),
    ("John F. Kennedy spoke. We listened.", ["John F. Kennedy spoke.", "We listened."]),
    ("The U.S. Army came. It left.", ["The U.S. Army came.", "It left."]),
    ("I live in the U.S. Then I moved.", ["I live in the U.S.", "Then I moved."]),
    ("He got an A. Then he cheered.", ["He got an A.", "Then he cheered."]),
    ("World War I. The war ended.", ["World War I.", "The war ended."]),
    # ellipses
    ("I wonder... maybe not. Fine.", ["I wonder... maybe not.", "Fine."]),
    ("I wonder… maybe not.", ["I wonder… maybe not."]),
    ("I wonder... Maybe not.", ["I wonder...", "Maybe not."]),
    # quotes and brackets
    (
        "“We won’t talk the same language,” she said. It hurt.",
        ["“We won’t talk the same language,” she said.", "It hurt."],
    ),
    ("“Hello.” Then he left.", ["“Hello.”", "Then he left."]),
    ("“Hello.” he said.", ["“Hello.” he said."]),
    ('"Stop!" he cried. "Why?" She asked.', ['"Stop!" he cried.', '"Why?"', "She asked."]),
    ("'Why?' she asked.", ["'Why?' she asked."]),
    ("(See Fig. 3.) Then we go.", ["(See Fig. 3.)", "Then we go."]),
    ("He left (for good). She stayed.", ["He left (for good).", "She stayed."]),
    # links glued to the end of a sentence stay with it
    (
        "It expands beyond one person.https://www.youtube.com/watch?v=WGn5y9FQClU The pain comes.",
        ["It expands beyond one person.https://www.youtube.com/watch?v=WGn5y9FQClU", "The pain comes."],
    ),
    ("See https://x.com/a.b?c=1 for more. Then go.", ["See https://x.com/a.b?c=1 for more.", "Then go."]),
]


@pytest.mark.parametrize("text, sentences", SPLITS)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_table_is_big_enough() -> None:
    assert len(SPLITS) >= 30


def _non_space(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(
            st.sampled_from(
                [
                    "Dr.",
                    "Mr.",
                    "e.g.",
                    "etc.",
                    "U.S.",
                    "J.",
                    "2.5",
                    "...",
                    "…",
                    "?",
                    "!",
                    "“",
                    "”",
                    ")",
                    "The",
                    "and",
                    "a.m.",
                    " ",
                    "\n",
                    "x.",
                ]
            ),
            max_size=20,
        ).map(" ".join),
    )
)
def test_joining_keeps_every_non_space_character_in_order(text: str) -> None:
    sentences = split_sentences(text)
    assert _non_space(" ".join(sentences)) == _non_space(text)
    assert all(s == s.strip() and s for s in sentences)
    assert all("  " not in s and "\n" not in s for s in sentences)
