"""A URL taken out of a sentence leaves a sentence that reads; each rewrite is a `!` decision."""

from __future__ import annotations

import pytest

from audioessay.text.clean import clean_markdown
from audioessay.text.speak import speak

# written -> spoken, and the written form the decision shows (with its URL)
REWRITES = [
    ("The NOAA tables (see https://noaa.gov/t) had predicted it.", "The NOAA tables had predicted it.",
     "(see https://noaa.gov/t)"),
    ("Please visit www.example.org/about for the full list.",
     "Please visit the link in the show notes for the full list.", "visit www.example.org/about"),
    ("You can read it here: https://example.com/a.", "You can read it in the show notes.",
     "here: https://example.com/a"),
    ("The full report is at https://example.com/r.", "The full report is in the show notes.",
     "at https://example.com/r"),
    ("The tables at https://example.com/t show it.", "The tables at the link in the show notes show it.",
     "at https://example.com/t"),
    ("The data (via https://x.org/d) were clear.", "The data were clear.", "(via https://x.org/d)"),
    ("The data (NOAA, source: https://x.org/d) were clear.", "The data (NOAA) were clear.",
     ", source: https://x.org/d"),
    ("Wiki (see https://en.wikipedia.org/wiki/Her_(film)) says so.", "Wiki says so.",
     "(see https://en.wikipedia.org/wiki/Her_(film))"),
    ("See https://en.wikipedia.org/wiki/Her_(film).", "See the link in the show notes.",
     "See https://en.wikipedia.org/wiki/Her_(film)"),
    ("Download it from https://x.org/f.zip and unzip it.",
     "Download it from the link in the show notes and unzip it.", "Download it from https://x.org/f.zip"),
    ("It was noted [link: https://p.com/q] before.", "It was noted before.", "[link: https://p.com/q]"),
    ("Go to https://x.org/signup, then log in.", "Go to the link in the show notes, then log in.",
     "Go to https://x.org/signup"),
    ("Check out www.example.com today!", "Check out the link in the show notes today!",
     "Check out www.example.com"),
    ("It is available at https://x.org/a (free).", "It is available at the link in the show notes (free).",
     "at https://x.org/a"),
]

# Near-misses: nothing to rewrite (a plain drop, a bare domain, no URL at all).
UNCHANGED = [
    ("A https://a.com/x B here.", "A B here."),
    ("one person.https://www.youtube.com/watch?v=WG", "one person."),
    ("More at janedoe.net and example.org.", "More at janedoe.net and example.org."),
    ("I visit janedoe.net every day.", "I visit janedoe.net every day."),
    ("We met at noon (see below).", "We met at noon (see below)."),
    ("Visit the museum at 5 p.m.", "Visit the museum at five p-m."),
    ("She said (via a friend) it was fine.", "She said (via a friend) it was fine."),
    ("Read it here, then sleep.", "Read it here, then sleep."),
    ("The ratio is 3/4 at most.", "The ratio is three quarters at most."),
    ("It runs on Node.js today.", "It runs on Node.js today."),
    ("Mail jo@example.org for details.", "Mail jo at example dot org for details."),
]


@pytest.mark.parametrize("written, spoken, shown", REWRITES)
def test_rewrites_read_naturally_and_are_flagged(written, spoken, shown):
    said, decisions = speak(written)
    assert said == spoken
    flagged = [d for d in decisions if d.rule == "url" and d.attention]
    assert [d.original for d in flagged] == [shown]
    assert flagged[0].spoken == (spoken and flagged[0].spoken)  # the rewritten words, or nothing
    assert speak(said)[0] == said  # idempotent


@pytest.mark.parametrize("written, spoken", UNCHANGED)
def test_near_misses_are_not_rewritten(written, spoken):
    said, decisions = speak(written)
    assert said == spoken
    assert not [d for d in decisions if d.rule == "url" and d.attention]


@pytest.mark.parametrize("body, text", [
    ("The tables (see <https://noaa.gov/t>) had predicted it.\n", "The tables had predicted it."),
    ("Visit www.example.org/about for the list.\n", "Visit the link in the show notes for the list."),
    ("Read it here: https://x.org/a.\n", "Read it in the show notes."),
])
def test_markdown_keeps_the_url_for_speech_and_the_notes(body, text):
    blocks, links, description = clean_markdown(body, 1)
    assert len(links) == 1 and links[0].url.removeprefix("https://") in blocks[0].text  # speech sees it, the notes list it
    assert speak(blocks[0].text)[0] == text
    assert description == text  # the description reads as speech does, without the URL


def test_a_url_on_its_own_is_still_dropped_before_speech():
    blocks, links, _ = clean_markdown("Prose.\n\nhttps://x.org/a\n\nMore. (https://y.org/b)\n", 1)
    assert [b.text for b in blocks] == ["Prose.", "More."]
    assert [link.url for link in links] == ["https://x.org/a", "https://y.org/b"]
