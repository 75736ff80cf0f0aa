"""Superscripts and subscripts: a power is said ("mc²" -> "m c squared"), a footnote marker
is dropped, and neither is ever lost without a decision saying so.

The text stage keeps a superscript that is a power (speak._is_power) for the English symbol
rule to read; one after a number and a unit ("5 km²") becomes the unit ("5 km2") for the unit
rule; any other is a footnote marker. Subscripts are made digits by NFKC ("H₂O" -> "H2O").
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audioessay.text import lang_base
from audioessay.text.lang_base import Language, Rule
from audioessay.text.speak import speak


def said(text: str, language: str = "en") -> str:
    return speak(text, language)[0]


POWERS = [
    ("E = mc².", "E equals m c squared."),
    ("x² + y³ = z⁴.", "x squared plus y cubed equals z to the power of four."),
    ("a² + b² = c²", "a squared plus b squared equals c squared"),
    ("Its area grows as r².", "Its area grows as r squared."),
    ("The dose was 10⁻³ grams.", "The dose was ten to the power of minus three grams."),
    ("2⁸ is 256.", "two to the power of eight is two hundred fifty-six."),
    ("The ratio is 10¹².", "The ratio is ten to the power of twelve."),
    ("Costs grow as 2ⁿ.", "Costs grow as two to the power of n."),
    ("Take x⁻¹ instead.", "Take x to the power of minus one instead."),
    ("(a+b)² is larger.", "(a plus b) squared is larger."),
    ("σ² is the variance.", "σ squared is the variance."),
    ("Cl⁻ and Na⁺ ions.", "Cl minus and Na plus ions."),
]

UNITS = [
    # After a number: the unit rule, British spelling, singular only for one.
    ("It is 50 m² big.", "It is fifty square metres big."),
    ("A 50 m² flat.", "A fifty square metre flat."),
    ("Add 5 cm³ of water.", "Add five cubic centimetres of water."),
    ("It covers 5 km².", "It covers five square kilometres."),
    ("It holds 1 m³.", "It holds one cubic metre."),
    ("It fell at 9.8 m/s².", "It fell at nine point eight metres per second squared."),
    ("Sound goes 340 m/s.", "Sound goes three hundred forty metres per second."),
    # Written out, said the same way.
    ("It is 30 sq m.", "It is thirty square metres."),
    ("It is 30 sq ft.", "It is thirty square feet."),
    ("It is 2 km2.", "It is two square kilometres."),
    # Without a number: the unit alone.
    ("It costs €3,000 per m².", "It costs three thousand euros per square metre."),
    ("It costs €3,000/m².", "It costs three thousand euros per square metre."),
    ("Prices are given in m².", "Prices are given in square metres."),
]

FOOTNOTES = [
    ("A claim.¹", "A claim."),
    ("Studies² show it.", "Studies show it."),
    ("In 2019² it rose.", "In twenty nineteen it rose."),  # a year carries a note, not a power
    ("Smith¹ said so.", "Smith said so."),
    ("(Smith 2019)³ said so.", "(Smith twenty nineteen) said so."),
    ("The 2ⁿᵈ one.", "The second one."),  # superscript letters: an ordinal
]

SUBSCRIPTS = [
    ("H₂O is water.", "H two O is water."),
    ("CO₂ rose.", "C-O two rose."),
    ("Compare x₁ and x₂.", "Compare x one and x two."),
]

ALL = POWERS + UNITS + FOOTNOTES + SUBSCRIPTS


@pytest.mark.parametrize(("written", "spoken"), ALL)
def test_superscripts_and_subscripts(written: str, spoken: str) -> None:
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), ALL)
def test_saying_twice_changes_nothing(written: str, spoken: str) -> None:
    assert said(spoken) == spoken


@pytest.mark.parametrize(
    ("written", "original", "spoken", "rule"),
    [
        ("E = mc².", "mc²", "m c squared", "power"),
        ("y³ here", "y³", "y cubed", "power"),
        ("10⁻³ g", "ten⁻³", "ten to the power of minus three", "power"),
        ("per m²", "m²", "square metre", "power"),
        ("€5/m²", "/m²", "per square metre", "power"),
        ("A 5 km² plot.", "5 km2", "five square kilometre", "unit"),
        ("Studies² show it.", "²", "", "footnote"),
    ],
)
def test_each_change_is_a_decision(written: str, original: str, spoken: str, rule: str) -> None:
    decisions = [(d.spoken, d.rule) for d in speak(written)[1] if d.original == original]
    assert decisions == [(spoken, rule)]


_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


@pytest.mark.parametrize(("written", "spoken"), POWERS + UNITS[:7] + FOOTNOTES[:5])
def test_no_superscript_is_lost_silently(written: str, spoken: str) -> None:
    """Every superscript in the sentence is in some decision: said, made a unit, or dropped."""
    originals = " ".join(d.original for d in speak(written)[1])
    for c in written:
        if c in _SUPERSCRIPT_DIGITS + "⁻⁺ⁿ":
            assert c in originals or str(_SUPERSCRIPT_DIGITS.find(c)) in originals, c


@given(st.text(alphabet="xmk10 =+()²³⁴⁻ⁿ¹.", max_size=24))
def test_any_mix_leaves_no_superscript_and_is_stable(text: str) -> None:
    once = said(text)
    assert not any(c in once for c in _SUPERSCRIPT_DIGITS + "⁻⁺ⁿ")
    assert said(once) == once


def test_a_language_without_a_power_rule_still_says_the_number(monkeypatch: pytest.MonkeyPatch) -> None:
    """The safety net: a power no rule read is said as its number and marked for review."""
    import re

    def number(text: str) -> str:
        return {"2": "zwei", "-3": "minus drei"}.get(text, text)

    toy = Language(
        code="xx", name="Toy", rules=(Rule("nothing", re.compile(r"(?!)"), lambda m, rec: None),),
        number=number, link_word="Verweis", note_word="Fussnote",
    )  # fmt: skip
    monkeypatch.setattr(lang_base, "_LOADED", {**lang_base._LOADED, "xx": toy})
    monkeypatch.setattr(lang_base, "_MODULES", {**lang_base._MODULES, "xx": "unused"})
    text, decisions = speak("x² und 10⁻³", "xx")
    assert text == "x zwei und 10 minus drei"
    assert [(d.original, d.spoken, d.rule, d.attention) for d in decisions] == [
        ("²", "zwei", "power", True),
        ("⁻³", "minus drei", "power", True),
        ("10", "10", "cardinal", False),
    ]


# --- What espeak-ng says ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs the espeak-ng command")
def test_espeak_says_each_letter_of_mc() -> None:
    def phonemes(text: str) -> str:
        out = subprocess.run(["espeak-ng", "-q", "-x", "-v", "en", text], capture_output=True, text=True, check=True)
        return out.stdout.strip()

    # "m c squared" is "em see squared"; "mc squared" would be "muck squared".
    assert phonemes(said("E = mc²")).endswith(phonemes("m") + " " + phonemes("c") + " " + phonemes("squared"))
    assert phonemes("mc squared") != phonemes("m c squared")
