"""Normalizing, aligning and judging: one row per case (no recognizer needed)."""

from __future__ import annotations

import pytest

from audioessay.verify.check import episode_wer, judge
from audioessay.verify.compare import compare, heard_words, number_differences, words
from audioessay.verify.episode import sentence_lines


@pytest.mark.parametrize(("text", "expected"), [
    ("Samantha’s “heart” expands.", "samanthas heart expands"),
    ("Forty-six bridges, A-I and a-m.", "forty six bridges ai and am"),
    ("Mister and Missus Alvarez", "mister and missus alvarez"),
])
def test_script_words(text: str, expected: str) -> None:
    assert " ".join(words(text)) == expected


@pytest.mark.parametrize(("said", "heard", "expected"), [
    # numbers: the reading that matches the script
    ("a twenty thirteen movie", "a 2013 movie", "a twenty thirteen movie"),
    ("in two thousand five", "in 2005", "in two thousand five"),
    ("cost one hundred ten thousand dollars", "cost $110,000", "cost one hundred ten thousand dollars"),
    ("one point two billion dollars", "$1.2 billion", "one point two billion dollars"),
    ("sixty-two percent of residents", "62% of residents", "sixty two percent of residents"),
    ("on January twenty-eighth", "on January 28", "on january twenty eighth"),
    ("in the nineteen thirties", "in the 1930s", "in the nineteen thirties"),
    ("opens at nine thirty a-m", "opens at 9.30 a.m.", "opens at nine thirty am"),
    ("at five thirty a-m", "at 5:30 AM", "at five thirty am"),
    ("call five five five one two three four", "call 555-1234", "call five five five one two three four"),
    ("fourteen dollars and ninety-nine cents", "$14.99", "fourteen dollars and ninety nine cents"),
    ("Mister Smith", "Mr. Smith", "mister smith"),
    # a number read digit by digit stays digits
    ("in twenty thirteen", "in 2-0-1-3", "in two zero one three"),
    ("more than one thousand five hundred years", "more than 1.5.0.0 years", "more than one five zero zero years"),
])
def test_heard_words(said: str, heard: str, expected: str) -> None:
    assert " ".join(heard_words(heard, words(said))) == expected


@pytest.mark.parametrize(("said", "heard", "errors", "missing_at_end"), [
    ("He then climbs the stairs to watch the sunrise.", "He then climbs the stairs to watch the sun rise.", 0, 0),
    ("Keep a list.", "Keep at least.", 2, 0),
    ("The city of bridges is a city that has to keep deciding.", "The city of bridges is a city", 0 + 5, 5),
    ("It is not.", "", 3, 3),
])
def test_alignment(said: str, heard: str, errors: int, missing_at_end: int) -> None:
    comparison = compare(said, heard)
    assert (comparison.errors, comparison.missing_at_end) == (errors, missing_at_end)


@pytest.mark.parametrize(("said", "heard", "pace", "reason"), [
    ("Keep a list.", "Keep at least.", None, ""),  # two words misheard in three: the recognizer's noise
    ("Her is a twenty thirteen movie.", "There is a 2013 movie.", None, ""),
    ("Her is a twenty thirteen movie.", "There is a 2-0-1 free movie.", None, "a number was said differently"),
    ("since nineteen eighty-seven", "since 1877", None, "a number was said differently"),
    ("It was in nineteen sixty-one.", "It was in 1960.", None, ""),  # one number word: noise
    ("Work began in eighteen oh seven.", "", None, "nothing was heard"),
    ("A friend keeps a notebook of what she sees on these walks.", "A friend keeps a notebook of what", None,
     "the last 5 words were not heard"),
    ("A friend keeps a notebook of what she sees.", "A friend keeps a notebook of what she sees.", 0.5,
     "the take is much shorter than its text"),
    ("A friend keeps a notebook of what she sees.", "Try walking at half that speed for twenty minutes.", None,
     "the words differ"),
])
def test_judge(said: str, heard: str, pace: float | None, reason: str) -> None:
    found = judge(compare(said, heard), pace)
    assert found.startswith(reason) and bool(found) == bool(reason), found


def test_a_correct_number_is_not_a_number_difference() -> None:
    assert number_differences(compare("opened in eighteen eighteen", "opened in 1818")) == []


def test_episode_wer_is_pooled() -> None:
    from pathlib import Path

    from audioessay.verify.check import TakeToVerify, verdict_of

    verdicts = [verdict_of(TakeToVerify("a", "one two three four five six seven eight nine ten", Path("x")),
                           "one two three four five six seven eight nine ten"),
                verdict_of(TakeToVerify("b", "Keep a list.", Path("y")), "Keep at least.")]
    assert episode_wer(verdicts) == pytest.approx(2 / 13)


def test_sentence_lines_skip_header_headings_pauses_and_blanks() -> None:
    text = "---\naudioessay-script: 1\ntitle: T\n---\n# Heading\nOne.\n\nTwo.\n[pause 2s]\nThree.\n"
    assert sentence_lines(text) == [6, 8, 10]


# --------------------------------------------------------------------------- written forms
# The script respells some words for the voice only ("Wah keen" for Joaquin); a listener who hears the
# writer's word heard it right, and so did one who heard the respelling. Numbers are still judged as said.

@pytest.mark.parametrize(("said", "written", "heard", "errors"), [
    ("Wah keen Phoenix plays Theodore.", "Joaquin Phoenix plays Theodore.", "Joaquin Phoenix plays Theodore.", 0),
    ("Wah keen Phoenix plays Theodore.", "Joaquin Phoenix plays Theodore.", "Wah keen Phoenix plays Theodore.", 0),
    ("Wah keen Phoenix plays Theodore.", "Joaquin Phoenix plays Theodore.", "Joe Confenix plays Theodore.", 2),
    # two respellings in a line, one heard each way
    ("Spike Jones directs Wah keen.", "Spike Jonze directs Joaquin.", "Spike Jones directs Joaquin.", 0),
    ("Spike Jones directs Wah keen.", "Spike Jonze directs Joaquin.", "Spike Jonze directs wah keen.", 0),
    # a spelled initialism, with a number the written form has in digits
    ("In nineteen ninety-eight, F-eh-Q was new.", "In 1998, FAQ was new.", "In 1998, FAQ was new.", 0),
    ("In nineteen ninety-eight, F-eh-Q was new.", "In 1998, FAQ was new.", "In 1989, FAQ was new.", 2),
    ("It cost seventy pounds at eight p-m.", "It cost £70 at 8 p.m.", "It cost £70 at 8pm.", 0),
    # the written number is never a reason to accept another number
    ("nine in ten", "9 in 10", "nine in eleven", 1),
    # a line the reviewer reworded: the written words are theirs, nothing to accept
    ("He said hello there.", "He said hello.", "He said hello.", 1),
    ("Wah keen", "Joaquin", "", 1),
])
def test_written_forms_are_accepted_where_the_script_respells(said: str, written: str, heard: str,
                                                             errors: int) -> None:
    assert compare(said, heard, written).errors == errors


def test_without_a_written_form_only_the_script_counts() -> None:
    assert compare("Wah keen Phoenix.", "Joaquin Phoenix.").errors == 2
    assert compare("Wah keen Phoenix.", "Joaquin Phoenix.", "Joaquin Phoenix.").errors == 0


def test_a_respelling_in_a_long_episode_is_judged_where_it_is_heard() -> None:
    """Whole episodes are judged at once (bench/voices.py): each respelled run is decided by the words
    heard around it, not by the episode as a whole."""
    filler = " ".join(f"word{n}" for n in range(200))
    said = f"Spike Jones met Wah keen. {filler} Wah keen met Spike Jones."
    written = f"Spike Jonze met Joaquin. {filler} Joaquin met Spike Jonze."
    heard = f"Spike Jones met Joaquin. {filler} Wah keen met Spike Jonze."
    assert compare(said, heard, written).errors == 0
    assert compare(said, heard.replace("Wah keen met", "Walking met"), written).errors == 1  # joaquin -> walking
