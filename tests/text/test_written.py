"""Published text is the writer's: written forms of script lines (audioessay.text.written)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioessay.errors import ScriptError
from audioessay.models import Block, Essay, Script, Sentence
from audioessay.text.scriptfile import build_script, format_script, parse_script
from audioessay.text.speak import speak
from audioessay.text.written import align, resolve, with_written_forms

LEXICON = {"Jonze": "Jones", "Joaquin": "Wah keen"}


def said(written: str) -> str:
    return " ".join(speak(written, lexicon=LEXICON)[0].split())


# The essay's sentence, the script line a person left (None: as generated), and what listeners read.
ALIGNED = [
    ("In 2013, Spike Jonze made Her.", None, "In 2013, Spike Jonze made Her."),
    ("Joaquin Phoenix stars at 8 p.m. on the BBC.", None, "Joaquin Phoenix stars at 8 p.m. on the BBC."),
    ("The AI talks for 2 hours.", None, "The AI talks for 2 hours."),
    ("It costs $5 (about 4.5p a day).", None, "It costs $5 (about 4.5p a day)."),
    # a rewording: the caption follows the new words, the kept ones stay as written
    ("In 2013, Spike Jonze made Her.", "In twenty thirteen, Spike Jones directed Her.",
     "In 2013, Spike Jonze directed Her."),
    ("In 2013, Spike Jonze made Her.", "Spike Jones made Her.", "Spike Jonze made Her."),
    ("In 2013, Spike Jonze made Her.", "In twenty thirteen, a director made a film.",
     "In 2013, a director made a film."),
    # a respelling for the voice only never reaches the caption
    ("The NOAA tables had predicted it.", "The {NOAA|Noah} tables had predicted it.",
     "The NOAA tables had predicted it."),
    ("He works at the BBC.", "He works at the {BBC|bee bee see}.", "He works at the BBC."),
    ("In 2013, Spike Jonze made Her.", "In twenty thirteen, {Spike Jonze|Spyke Jonz} made Her.",
     "In 2013, Spike Jonze made Her."),
    # what the voice skips is still shown where the writer put it
    ("The NOAA tables (see https://noaa.gov/t) had predicted it.", None,
     "The NOAA tables (see https://noaa.gov/t) had predicted it."),
    ("Read more at https://example.org/a", None, "Read more at https://example.org/a"),
]


@pytest.mark.parametrize(("written", "line", "shown"), ALIGNED)
def test_a_line_shows_the_essays_words(written: str, line: str | None, shown: str) -> None:
    spoken = said(written)
    assert align(written, spoken, spoken if line is None else line) == shown


@pytest.mark.parametrize(("line", "spoken", "written"), [
    ("The {NOAA|Noah} tables.", "The Noah tables.", "The NOAA tables."),
    ("At the {BBC|bee bee see}.", "At the bee bee see.", "At the BBC."),
    ("{Jonze|Jones} and {Joaquin|Wah keen}!", "Jones and Wah keen!", "Jonze and Joaquin!"),
    ("No respelling here.", "No respelling here.", None),
    ("Braces {alone} stay.", "Braces {alone} stay.", None),
])
def test_respellings_resolve(line: str, spoken: str, written: str | None) -> None:
    assert resolve(line) == (spoken, written)


def essay(*blocks: Block) -> Essay:
    return Essay(source=Path("seeds/x.md"), source_sha256="0" * 64, slug="x",
                 title="X", blocks=blocks)


def test_a_script_file_keeps_its_respellings_and_says_them(tmp_path: Path) -> None:
    generated, _ = build_script(essay(Block("paragraph", "The NOAA tables had predicted it. It rained.", 1)),
                                "en", {})
    text = format_script(generated).replace("The NOAA tables", "The {NOAA|Noah} tables")
    parsed = parse_script(text, tmp_path / "x.txt")
    assert parsed.sentences() == ["The Noah tables had predicted it.", "It rained."]
    assert format_script(parsed) == text  # the file is written back exactly as the person wrote it
    shown = with_written_forms(parsed, generated)
    assert [s.shown for s in _sentences(shown)] == ["The NOAA tables had predicted it.", "It rained."]


def test_a_respelling_that_says_nothing_is_refused(tmp_path: Path) -> None:
    generated, _ = build_script(essay(Block("paragraph", "It rained.", 1)), "en", {})
    text = format_script(generated).replace("It rained.", "{It rained.|}")
    with pytest.raises(ScriptError, match="says nothing"):
        parse_script(text, tmp_path / "x.txt")


def _sentences(script: Script) -> list[Sentence]:
    return [item for s in script.sections for p in s.paragraphs for item in p.items if isinstance(item, Sentence)]


def test_lines_find_their_sentences_when_a_person_moves_adds_and_deletes() -> None:
    generated, _ = build_script(essay(
        Block("heading", "Part 2", 1),
        Block("paragraph", "In 2013, Spike Jonze made Her. It cost $23 million. Critics loved it.", 2),
    ), "en", LEXICON)
    text = format_script(generated)
    lines = generated.sentences()
    edited = (text.replace(lines[0], "A line I added.\n" + lines[0])
              .replace(lines[1] + "\n", "").replace(lines[2], "Critics loved the film."))
    shown = with_written_forms(parse_script(edited, "x.txt"), generated)
    assert [s.shown for s in _sentences(shown)] == [
        "A line I added.", "In 2013, Spike Jonze made Her.", "Critics loved the film."]
    assert shown.sections[0].shown_title == "Part 2"  # the chapter title as written


def test_an_edited_heading_shows_its_new_words() -> None:
    generated, _ = build_script(essay(Block("heading", "Act 2 of 3", 1), Block("paragraph", "Words.", 2)),
                                "en", {})
    edited = format_script(generated).replace("# " + (generated.sections[0].title or ""), "# Act two, the end")
    shown = with_written_forms(parse_script(edited, "x.txt"), generated)
    assert shown.sections[0].shown_title == "Act 2, the end"
