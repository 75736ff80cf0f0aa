"""Plurals and possessives of initialisms and acronyms: the ending must be heard.

Spelled initialisms keep their letters and take an apostrophe ("AIs" -> "A-I's"): it is the only
spelling measured on which espeak-ng says the letters and then a plain /z/ or /s/. "A-Is" is
"ay iz", "C-E-Os" is "see ee oh ess", "A-I-s" ends in "ess". Acronyms said as words take a
capital only ("NASA's" -> "Nasa's"): in capitals espeak-ng says the word and drops the ending.
The end-to-end tests at the bottom check those facts against the real espeak-ng.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audioessay.text.speak import speak


def said(text: str) -> str:
    return speak(text)[0]


SPELLED = [
    # Plurals.
    ("The other AIs left.", "The other A-I's left."),
    ("The CEOs met.", "The C-E-O's met."),
    ("Two PDFs arrived.", "Two P-D-F's arrived."),
    ("Paste the URLs here.", "Paste the U-R-L's here."),
    ("Old TVs hum.", "Old T-V's hum."),
    ("The MPs voted.", "The M-P's voted."),
    ("Many NGOs helped.", "Many N-G-O's helped."),
    ("She sold DVDs.", "She sold D-V-D's."),
    ("UFOs and IQs.", "U-F-O's and I-Q's."),
    ("Two GPs.", "Two G-P's."),
    ("Read the FAQs.", "Read the F-A-Q's."),
    ("Both OSes crashed.", "Both O-S's crashed."),  # after S, X or Z the plural is "es"
    ("Two M.P.s spoke.", "Two M-P's spoke."),  # dotted: the s is the plural, not a letter
    ("Two C.E.O.s agreed.", "Two C-E-O's agreed."),
    # Possessives.
    ("The AI's answer.", "The A-I's answer."),
    ("The AI’s answer.", "The A-I's answer."),
    ("The BBC's show.", "The B-B-C's show."),
    ("The NHS's budget.", "The N-H-S's budget."),
    ("The U.K.'s role.", "The U-K's role."),
    ("The WHO's advice.", "The W-H-O's advice."),  # the organization: spelled
    # Plural possessives: the same sound as the plural, the apostrophe kept.
    ("The CEOs' pay rose.", "The C-E-O's' pay rose."),
    ("The CEOs’ pay rose.", "The C-E-O's’ pay rose."),
    ("The AIs' servers.", "The A-I's' servers."),
    ("CEOs' and CFOs' pay.", "C-E-O's' and C-F-O's' pay."),
]

SAID_AS_WORDS = [
    ("NASA's rocket flew.", "Nasa's rocket flew."),
    ("NATO's members met.", "Nato's members met."),
    ("LEGOs are fun.", "Legos are fun."),
    ("Reset your PINs.", "Reset your Pins."),
    ("Two GIFs looped.", "Two Gifs looped."),
    ("OPEC's output fell.", "Opec's output fell."),
    ("UNESCO's list grew.", "Unesco's list grew."),
    ("ISIS's claim.", "Isis's claim."),
    ("The NASA launch.", "The NASA launch."),  # no ending: unchanged, espeak-ng says it right
    ("It is OK's call.", "It is OK's call."),  # "Ok's" would be "ox": OK keeps its capitals
    ("Legos are fun.", "Legos are fun."),
]

SHOUTING = [
    # Three capital words in a row are shouting: left as written, but a known initialism's
    # plural is still spelled ("PDFs" in capitals is said "P-D-F").
    ("THE CEOs ARE HERE.", "THE C-E-O's ARE HERE."),
    ("WE LOVE PDFs TOO.", "WE LOVE P-D-F's TOO."),
    ("WE LOVE NASA's SHOWS TOO.", "WE LOVE NASA's SHOWS TOO."),
    ("THE BBC IS HERE.", "THE BBC IS HERE."),
]


@pytest.mark.parametrize(("written", "spoken"), SPELLED + SAID_AS_WORDS + SHOUTING)
def test_plural_and_possessive(written: str, spoken: str) -> None:
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), SPELLED + SAID_AS_WORDS + SHOUTING)
def test_saying_twice_changes_nothing(written: str, spoken: str) -> None:
    assert said(spoken) == spoken


@pytest.mark.parametrize(
    ("written", "original", "spoken", "rule", "attention"),
    [
        ("The other AIs left.", "AIs", "A-I's", "initialism", False),
        ("The CEOs' pay.", "CEOs'", "C-E-O's'", "initialism", False),
        ("Both OSes crashed.", "OSes", "O-S's", "initialism", False),
        ("NASA's rocket.", "NASA's", "Nasa's", "acronym", False),
        ("LEGOs are fun.", "LEGOs", "Legos", "acronym", False),
        ("Two SPAMs.", "SPAMs", "S-P-A-M's", "initialism", True),  # unknown: maybe said as a word
    ],
)
def test_each_change_is_a_decision(written: str, original: str, spoken: str, rule: str, attention: bool) -> None:
    decisions = [d for d in speak(written)[1] if d.original == original]
    assert [(d.spoken, d.rule, d.attention) for d in decisions] == [(spoken, rule, attention)]


@given(
    word=st.sampled_from(["AI", "CEO", "PDF", "NGO", "NASA", "LEGO", "OK", "BBC", "FAQ", "OS"]),
    ending=st.sampled_from(["s", "'s", "’s", "s'", "s’", "es"]),
    before=st.sampled_from(["The", "Two", "WE LOVE", "the new"]),
)
def test_endings_are_stable(word: str, ending: str, before: str) -> None:
    once = said(f"{before} {word}{ending} left.")
    assert said(once) == once


# --- What espeak-ng says (the evidence for the spellings above) ----------------------------

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs the espeak-ng command")


def phonemes(text: str) -> str:
    """espeak-ng's phonemes for ``text`` with the stress marks taken out."""
    out = subprocess.run(["espeak-ng", "-q", "-x", "-v", "en", text], capture_output=True, text=True, check=True)
    return out.stdout.strip().replace("'", "").replace(",", "")


@pytest.mark.e2e
@needs_espeak
@pytest.mark.parametrize(
    ("spoken", "base", "ending"),
    [
        ("A-I's", "A-I", "z"), ("C-E-O's", "C-E-O", "z"), ("P-D-F's", "P-D-F", "s"), ("T-V's", "T-V", "z"),
        ("M-P's", "M-P", "z"), ("N-G-O's", "N-G-O", "z"), ("D-V-D's", "D-V-D", "z"), ("U-R-L's", "U-R-L", "z"),
        ("B-B-C's", "B-B-C", "z"), ("C-E-O's'", "C-E-O", "z"), ("O-S's", "O-S", "I2z"),
        ("Nasa's", "NASA", "z"), ("Legos", "LEGO", "z"), ("Pins", "PIN", "z"), ("Gifs", "GIF", "s"),
        ("OK's", "OK", "z"),
    ],
)  # fmt: skip
def test_espeak_says_the_word_then_the_ending(spoken: str, base: str, ending: str) -> None:
    assert phonemes(spoken) == phonemes(base) + ending


@pytest.mark.e2e
@needs_espeak
@pytest.mark.parametrize("spelling", ["A-Is", "C-E-Os", "P-D-Fs", "A-I-s", "NASA's", "LEGOs", "PINs"])
def test_espeak_says_the_spellings_not_chosen_wrong(spelling: str) -> None:
    """Why the apostrophe and the capital: without them espeak-ng says "is", an extra letter
    S, or no ending at all."""
    word = spelling.replace("'s", "").rstrip("s").rstrip("-")
    assert phonemes(spelling) not in {phonemes(word) + end for end in ("z", "s", "I2z")}
