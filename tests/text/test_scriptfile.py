"""The script file: format, parser, round trips, build_script, status, safe writes, approval, review."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from audioessay.errors import EssayError, ScriptError
from audioessay.models import (
    Block,
    Decision,
    Essay,
    Paragraph,
    Pause,
    Script,
    ScriptHeader,
    Section,
    Sentence,
)
from audioessay.text import scriptfile
from audioessay.text.read import read_essay
from audioessay.text.review import format_review, review_lines
from audioessay.text.scriptfile import (
    HEADER_LINES,
    WriteKind,
    approve_script,
    body_sha256,
    body_text,
    build_script,
    format_script,
    lexicon_hash,
    parse_script,
    read_script,
    script_status,
    write_script,
)
from audioessay.text.written import with_written_forms

HEX_A, HEX_B = "a" * 64, "b" * 64
ROOT = REPO


def header(**changes) -> ScriptHeader:
    base = ScriptHeader(source="seeds/x.md", source_sha256=HEX_A, title="A Title", body_sha256=HEX_B,
                        settings=(("language", "en"), ("lexicon", "abc")))
    return replace(base, **changes)


def essay(*blocks: Block, sha: str = HEX_A, source: str = "seeds/x.md") -> Essay:
    return Essay(source=Path(source), source_sha256=sha, slug="x", title="A Title", blocks=tuple(blocks))


def para(text: str, line: int = 1) -> Block:
    return Block("paragraph", text, line)


# --------------------------------------------------------------------------- the format

SAMPLE = f"""---
audioessay-script: 1
source: seeds/x.md
source-sha256: {HEX_A}
title: A Title
status: draft
approved-sha256:
body-sha256: {HEX_B}
settings: language=en lexicon=abc
---
First sentence.
Second sentence.

[pause 1s]
A quote.

# Part I
Under the heading.
\\#MeToo started in 2006.
\\[not a marker]
[pause 1.5s]

# Empty section

# Last
Done.
"""


def test_format_and_parse_a_known_file():
    script = Script(header(), (
        Section(None, (Paragraph((Sentence("First sentence."), Sentence("Second sentence."))),
                       Paragraph((Pause(1.0), Sentence("A quote."))))),
        Section("Part I", (Paragraph((Sentence("Under the heading."), Sentence("#MeToo started in 2006."),
                                      Sentence("[not a marker]"), Pause(1.5))),)),
        Section("Empty section", ()),
        Section("Last", (Paragraph((Sentence("Done."),)),)),
    ))
    assert format_script(script) == SAMPLE
    assert parse_script(SAMPLE, "x") == script
    assert script.sentences()[4] == "#MeToo started in 2006."


def test_header_lines_constant_matches_the_format():
    assert format_script(Script(header(), ())).count("\n") == HEADER_LINES


# Any Unicode but line breaks; no outer whitespace; '#', '[' and '\' starts are escaped.
_line_text = st.tuples(
    st.sampled_from(["", "#", "[", "\\", "\\#", "# ", "[pause 2s] ", "---", "\ufeff"]),
    st.text(min_size=0, max_size=30),
).map(lambda parts: " ".join((parts[0] + parts[1]).split())).filter(bool)
_pause = st.one_of(st.integers(1, 60_000).map(lambda ms: ms / 1000), st.floats(0.001, 60.0))
_item = st.one_of(_line_text.map(Sentence), _pause.map(Pause))
_paragraph = st.lists(_item, min_size=1, max_size=4).map(lambda items: Paragraph(tuple(items)))
_paragraphs = st.lists(_paragraph, max_size=3).map(tuple)
_titled = st.builds(Section, _line_text, _paragraphs)
_untitled = st.lists(_paragraph, min_size=1, max_size=3).map(lambda ps: Section(None, tuple(ps)))
_sections = st.tuples(st.one_of(st.none(), _untitled), st.lists(_titled, max_size=3)).map(
    lambda parts: tuple(([parts[0]] if parts[0] else []) + parts[1])
)
_no_space = st.text(
    st.characters(blacklist_categories=("Cs",)).filter(lambda ch: not ch.isspace() and ch != "="),
    max_size=8,
)
_hex = st.text("0123456789abcdef", min_size=64, max_size=64)
_header = st.builds(
    ScriptHeader,
    source=st.text(max_size=30).map(lambda t: " ".join(t.split())),
    source_sha256=_hex,
    title=st.text(max_size=30).map(lambda t: " ".join(t.split())),
    body_sha256=_hex,
    status=st.sampled_from(["draft", "approved"]),
    approved_sha256=st.one_of(st.just(""), _hex),
    settings=st.lists(st.tuples(_no_space.filter(bool), _no_space), max_size=3).map(tuple),
)
_scripts = st.builds(Script, _header, _sections)


@settings(max_examples=300, deadline=None)
@given(_scripts)
def test_parse_format_round_trip(script):
    text = format_script(script)
    assert parse_script(text, "s.txt") == script
    assert format_script(parse_script(text, "s.txt")) == text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parser_accepts_or_refuses_cleanly_any_body(body):
    text = format_script(Script(header(), ())) + body
    try:
        script = parse_script(text, "s.txt")
    except ScriptError as error:
        assert "s.txt" in str(error) and re.search(r"line \d+", str(error))
        return
    # Whatever a person typed, once parsed it writes back in canonical form, stably.
    canonical = format_script(script)
    assert parse_script(canonical, "s.txt") == script


def test_writer_refuses_what_the_format_cannot_hold():
    bad = [
        Script(header(), (Section(None, (Paragraph((Sentence("two\nlines"),)),)),)),
        Script(header(), (Section(None, (Paragraph((Sentence(" padded"),)),)),)),
        Script(header(), (Section(None, (Paragraph((Sentence(""),)),)),)),
        Script(header(), (Section(None, (Paragraph(()),)),)),
        Script(header(), (Section(None, ()),)),
        Script(header(), (Section("A", ()), Section(None, (Paragraph((Sentence("x"),)),)))),
        Script(header(), (Section(None, (Paragraph((Pause(0.0),)),)),)),
        Script(header(), (Section(None, (Paragraph((Pause(61.0),)),)),)),
        Script(header(title="two\nlines"), ()),
        Script(header(settings=(("a b", "c"),)), ()),
    ]
    for script in bad:
        with pytest.raises(ValueError):
            format_script(script)


@pytest.mark.parametrize(
    "marker, seconds",
    [("[pause 2s]", 2.0), ("[pause 1.5s]", 1.5), ("[pause 500ms]", 0.5), ("[Pause 2 s]", 2.0),
     ("[pause 60s]", 60.0)],
)
def test_pause_values(marker, seconds):
    script = parse_script(SAMPLE.replace("[pause 1s]", marker), "x")
    assert script.sections[0].paragraphs[1].items[0] == Pause(seconds)


# --------------------------------------------------------------------------- parse errors


def error_for(text: str, path: str = "output/x/script.txt") -> ScriptError:
    with pytest.raises(ScriptError) as info:
        parse_script(text, path)
    assert info.value.path == path and info.value.hint
    return info.value


def test_unknown_marker_names_file_and_line():
    error = error_for(SAMPLE.replace("[pause 1.5s]", "[music fades]"))
    assert str(error).startswith("output/x/script.txt: line 21: unknown marker '[music fades]'")
    assert "\\[" in error.hint


@pytest.mark.parametrize("value", ["0s", "-1s", "2", "61s", "2 minutes", "", "1e-5s", "0ms", "abc"])
def test_bad_pause_value(value):
    error = error_for(SAMPLE.replace("[pause 1s]", f"[pause {value}]"))
    assert "line 14: bad pause value" in str(error)


@pytest.mark.parametrize(
    "old, new, line, fragment",
    [
        ("title: A Title", "title A Title", 5, "is not 'key: value'"),
        ("title: A Title", "titel: A Title", 5, "unknown header key 'titel'"),
        ("status: draft", "status: done", 6, "status must be draft, approved or edited"),
        (f"source-sha256: {HEX_A}", "source-sha256: xyz", 4, "source-sha256 must be a 64-digit hex hash"),
        ("approved-sha256:", "approved-sha256: 123", 7, "approved-sha256 must be"),
        ("audioessay-script: 1", "audioessay-script: 2", 2, "unsupported script format"),
        ("settings: language=en lexicon=abc", "settings: language", 9, "setting 'language' is not key=value"),
        ("status: draft\n", "", 9, "header is missing status"),
        ("title: A Title", "title: A Title\ntitle: Again", 6, "appears twice"),
    ],
)
def test_broken_header_names_file_and_line(old, new, line, fragment):
    error = error_for(SAMPLE.replace(old, new, 1))
    assert f"line {line}: " in str(error) and fragment in str(error)


def test_header_must_start_and_end():
    assert "line 1: a script must start" in str(error_for("First sentence.\n"))
    assert "never closed" in str(error_for(SAMPLE.split("---\nFirst")[0]))
    assert "line 1:" in str(error_for(""))


def test_empty_heading_is_an_error():
    assert "line 17: a heading line needs text" in str(error_for(SAMPLE.replace("# Part I", "#")))


def test_parser_tolerates_hand_editing_styles():
    edited = "\ufeff" + SAMPLE.replace("\n", "\r\n").replace("First sentence.", "  First sentence.  ")
    edited = edited.replace("Second sentence.\r\n\r\n", "Second sentence.\r\n\r\n\r\n")
    assert parse_script(edited, "x") == parse_script(SAMPLE, "x")
    assert parse_script(SAMPLE.replace("# Part I", "## Part I"), "x") == parse_script(SAMPLE, "x")


# --------------------------------------------------------------------------- hashes


def test_body_text_and_hash():
    assert body_text(SAMPLE).startswith("First sentence.\n")
    assert body_text(SAMPLE.replace("\n", "\r\n")).startswith("First sentence.\r\n")
    body = body_text(SAMPLE)
    assert body_sha256(body) == body_sha256(body.replace("\n", "\r\n"))
    assert body_sha256(body) == body_sha256(body.replace(".\n", ".   \n") + "\n\n")
    assert body_sha256(body) != body_sha256(body.replace("First", "first"))


def test_lexicon_hash_is_short_and_order_independent():
    assert lexicon_hash({"a": "1", "b": "2"}) == lexicon_hash({"b": "2", "a": "1"})
    assert lexicon_hash({}) == lexicon_hash(None) != lexicon_hash({"a": "1"})
    assert len(lexicon_hash({})) == 12


# --------------------------------------------------------------------------- build_script


@pytest.fixture
def fake_text_stage(monkeypatch):
    """Predictable splitting and speaking, so these tests do not depend on the real rules."""

    def split(text: str) -> list[str]:
        return [part.strip() + "." for part in text.split(".") if part.strip()]

    def speak(sentence: str, language: str = "en", lexicon=None) -> tuple[str, list[Decision]]:
        decisions = []
        for number in re.findall(r"\d+", sentence):
            decisions.append(Decision(number, f"<{number}>", "number", attention=number == "4"))
        for word, said in (lexicon or {}).items():
            if word in sentence:
                decisions.append(Decision(word, said, "lexicon"))
                sentence = sentence.replace(word, said)
        if sentence.startswith("SILENT"):
            return "", decisions
        return re.sub(r"\d+", lambda m: f"<{m.group(0)}>", sentence).replace("|", "\n"), decisions

    monkeypatch.setattr(scriptfile, "split_sentences", split)
    monkeypatch.setattr(scriptfile, "speak", speak)


def test_build_script_structure(fake_text_stage):
    source = essay(
        para("Intro one. Intro 2.", 3),
        Block("heading", "Part 4", 5),
        para("Body.", 7),
        Block("quote", "Quoted. Words.", 9),
        Block("heading", "SILENT heading", 11),
        para("After|the silent heading. SILENT sentence.", 13),
    )
    script, decisions = build_script(source, "en", {"Jonze": "Jones"})
    assert script.sections == (  # each line keeps the essay's words for the captions
        Section(None, (Paragraph((Sentence("Intro one."), Sentence("Intro <2>.", "Intro 2."))),)),
        Section("Part <4>", (
            Paragraph((Sentence("Body."),)),
            Paragraph((Pause(1.0), Sentence("Quoted."), Sentence("Words."))),
            Paragraph((Sentence("After the silent heading.", "After|the silent heading."),)),
        ), "Part 4"),
    )
    assert script.header == ScriptHeader(
        source="seeds/x.md", source_sha256=HEX_A, title="A Title",
        body_sha256=body_sha256(body_text(format_script(script))),
        settings=(("language", "en"), ("lexicon", lexicon_hash({"Jonze": "Jones"}))),
    )
    lines = format_script(script).split("\n")
    by_original = {d.original: d for d in decisions}
    assert lines[by_original["2"].line - 1] == "Intro <2>."
    assert lines[by_original["4"].line - 1] == "# Part <4>"
    assert by_original["4"].attention
    assert len(decisions) == 2  # the silent sentence's decisions went with it


def test_decision_lines_follow_the_file(fake_text_stage):
    source = essay(para("A 1. B 2.", 1), para("C 3.", 2), Block("quote", "D 5.", 3),
                   Block("heading", "H 6", 4), para("E 7.", 5))
    script, decisions = build_script(source, "en", {})
    lines = format_script(script).split("\n")
    for decision in decisions:
        assert f"<{decision.original}>" in lines[decision.line - 1]


def test_lexicon_reaches_speak(fake_text_stage):
    script, decisions = build_script(essay(para("Spike Jonze directed it.")), "en", {"Jonze": "Jones"})
    assert script.sentences() == ["Spike Jones directed it."]
    assert decisions[0].rule == "lexicon" and decisions[0].line == HEADER_LINES + 1


def test_nothing_to_say_is_an_essay_error(fake_text_stage):
    for source in (essay(), essay(Block("heading", "Only a heading", 1)), essay(para("SILENT.", 1))):
        with pytest.raises(EssayError, match="nothing to read aloud") as info:
            build_script(source, "en", {})
        assert info.value.path == "seeds/x.md" and info.value.hint


def test_built_scripts_round_trip_with_the_real_text_stage():
    paths = sorted((ROOT / "seeds").glob("*.*")) + sorted((ROOT / "tests" / "golden" / "seeds").glob("*.*"))
    for path in paths:
        script, decisions = build_script(read_essay(path, ROOT), "en", {"Jonze": "Jones"})
        text = format_script(script)
        parsed = parse_script(text, path)
        assert parsed == said_only(script) and format_script(parsed) == text
        # The essay's words are found again for every line of the file as written.
        assert with_written_forms(parsed, script) == script
        count = text.count("\n")
        assert all(HEADER_LINES < d.line <= count for d in decisions)
        assert all(s and s == s.strip() and "\n" not in s for s in script.sentences())


def said_only(script: Script) -> Script:
    """``script`` as its file holds it: what is said, without the essay's written words."""
    return replace(script, sections=tuple(
        replace(section, written_title=None, paragraphs=tuple(
            Paragraph(tuple(replace(i, written=None) if isinstance(i, Sentence) else i for i in p.items))
            for p in section.paragraphs))
        for section in script.sections))


# --------------------------------------------------------------------------- status and safe writes


@pytest.fixture
def built(fake_text_stage):
    def build(text: str = "One. Two.", sha: str = HEX_A, lexicon: dict | None = None) -> Script:
        return build_script(essay(para(text), sha=sha), "en", lexicon or {})[0]

    return build


def test_status_of_missing_script(tmp_path):
    assert script_status(tmp_path / "none.txt", None) == scriptfile.ScriptStatus(exists=False)


def test_write_new_then_unchanged_then_regenerated(tmp_path, built):
    path = tmp_path / "out" / "script.txt"
    first = write_script(path, built(), force=False)
    assert first.kind is WriteKind.WRITTEN and first.wrote and path.read_text() == format_script(built())
    assert write_script(path, built(), force=False).kind is WriteKind.UNCHANGED
    status = script_status(path, essay(sha=HEX_A))
    assert status == scriptfile.ScriptStatus(exists=True, edited=False, approved=False, stale=False)
    assert script_status(path, essay(sha=HEX_B)).stale
    # Nobody touched it: a changed essay simply regenerates it.
    again = write_script(path, built("Three.", sha=HEX_B), force=False)
    assert again.kind is WriteKind.WRITTEN and "Three." in path.read_text()
    assert list(path.parent.iterdir()) == [path], "no temporary or backup files are left behind"


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new, 1))


def test_edited_script_is_kept(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    edit(path, "One.", "Won.")
    before = path.read_bytes()
    assert script_status(path, None).edited
    outcome = write_script(path, built(lexicon={"One": "Uno"}), force=False)
    assert outcome.kind is WriteKind.KEPT_EDITED and not outcome.wrote
    assert "edited by hand" in outcome.message
    assert "--force" not in outcome.message, "--force is the one command that discards the edit"
    assert path.read_bytes() == before


def test_edited_script_with_changed_essay_is_stale(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    edit(path, "One.", "Won.")
    before = path.read_bytes()
    outcome = write_script(path, built("New text.", sha=HEX_B), force=False)
    assert outcome.kind is WriteKind.STALE
    assert "merge" in outcome.message and "--force" in outcome.message and "backup" in outcome.message
    assert path.read_bytes() == before


def test_force_keeps_a_backup(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    edit(path, "One.", "Won.")
    before = path.read_bytes()
    outcome = write_script(path, built("New text.", sha=HEX_B), force=True)
    assert outcome.kind is WriteKind.FORCED_WITH_BACKUP and outcome.backup is not None
    assert outcome.backup.read_bytes() == before and outcome.backup.name.startswith("script.txt.bak-")
    assert str(outcome.backup) in outcome.message
    assert path.read_text() == format_script(built("New text.", sha=HEX_B))
    # A second forced write in the same second gets its own backup.
    edit(path, "New", "Newer")
    second = write_script(path, built("Other.", sha=HEX_B), force=True)
    assert second.backup != outcome.backup and outcome.backup.exists() and second.backup.exists()


def test_approval(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    body_before = body_text(path.read_text())
    script = approve_script(path)
    text = path.read_text()
    assert body_text(text) == body_before
    assert script.header.status == "approved" and script.header.approved_sha256 == body_sha256(body_before)
    assert script.header.body_sha256 == built().header.body_sha256  # left as audioessay wrote it
    assert parse_script(text, path) == script
    assert script_status(path, None) == scriptfile.ScriptStatus(exists=True, approved=True)
    # The same essay and rules: nothing to do. New rules: the approved text is kept.
    assert write_script(path, built(), force=False).kind is WriteKind.UNCHANGED
    kept = write_script(path, built(lexicon={"One": "Uno"}), force=False)
    assert kept.kind is WriteKind.KEPT_EDITED and "approved" in kept.message
    # The essay changed: stale, and the approval is not silently dropped.
    assert write_script(path, built("Changed.", sha=HEX_B), force=False).kind is WriteKind.STALE
    assert path.read_text() == text


def test_editing_after_approval_withdraws_it(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    approve_script(path)
    edit(path, "Two.", "Too.")
    assert script_status(path, None) == scriptfile.ScriptStatus(exists=True, edited=True, approved=False)
    approve_script(path)
    assert script_status(path, None) == scriptfile.ScriptStatus(exists=True, edited=True, approved=True)


def header_status(path: Path) -> str:
    return read_script(path)[1].header.status


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_edit_after_approval_is_recorded_in_the_status_line_only(tmp_path, built, newline):
    """status: approved is never left standing once an edit withdrew approval: the next write
    changes that one word to 'edited', and nothing else in the file (the body least of all)."""
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    approve_script(path)
    text = path.read_text().replace("Two.", "Too.").replace("\n", newline)
    path.write_bytes(text.encode())
    assert header_status(path) == "approved" and not script_status(path, None).approved
    outcome = write_script(path, built(lexicon={"One": "Uno"}), force=False)
    assert outcome.kind is WriteKind.KEPT_EDITED
    after = path.read_bytes().decode()
    assert after == text.replace("status: approved", "status: edited", 1)
    assert body_text(after) == body_text(text)
    assert header_status(path) == "edited"
    assert script_status(path, None) == scriptfile.ScriptStatus(exists=True, edited=True, approved=False)
    # Approving again approves the edited text.
    approve_script(path)
    assert header_status(path) == "approved" and script_status(path, None).approved


def test_the_status_line_is_also_corrected_when_the_essay_changed_and_by_the_memo_shortcut(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    approve_script(path)
    edit(path, "Two.", "Too.")
    assert write_script(path, built("Changed.", sha=HEX_B), force=False).kind is WriteKind.STALE
    assert header_status(path) == "edited" and "Too." in path.read_text()

    other = tmp_path / "other.txt"
    write_script(other, built(), force=False)
    approve_script(other)
    edit(other, "Two.", "Too.")
    text, script = read_script(other)
    assert scriptfile.current_outcome(other, text, script).kind is WriteKind.KEPT_EDITED
    assert header_status(other) == "edited"


def test_the_status_line_is_left_alone_when_the_file_changed_meanwhile(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    approve_script(path)
    edit(path, "Two.", "Too.")
    text, script = read_script(path)
    edit(path, "Too.", "Two, too.")  # the person saves again after audioessay read the file
    saved = path.read_bytes()
    assert not scriptfile.withdraw_approval(path, text, script)
    assert path.read_bytes() == saved


def test_an_approved_script_that_still_matches_keeps_its_status_line(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    approve_script(path)
    text = path.read_text()
    assert write_script(path, built(lexicon={"One": "Uno"}), force=False).kind is WriteKind.KEPT_EDITED
    assert path.read_text() == text and header_status(path) == "approved"


def test_approving_a_stale_script_takes_the_essay_as_it_is_now(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    edit(path, "Two.", "Too.")
    changed = essay(para("One. Two. Three."), sha=HEX_B)
    assert script_status(path, changed).stale
    approve_script(path, changed)
    status = script_status(path, changed)
    assert status.approved and not status.stale and "Too." in path.read_text()


def test_approving_keeps_a_hand_edited_body_byte_identical(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    text = path.read_text()
    head, body = text[: len(text) - len(body_text(text))], body_text(text)
    odd_body = body.replace("\n", "\r\n") + "\r\n\r\n"
    path.write_bytes((head + odd_body).encode())
    approve_script(path)
    assert path.read_bytes().endswith(odd_body.encode())
    assert not script_status(path, None).edited  # line endings alone are not an edit


def test_same_words_from_a_changed_essay_keep_the_approval(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    approve_script(path)
    outcome = write_script(path, built(sha=HEX_B), force=False)
    assert outcome.kind is WriteKind.WRITTEN
    status = script_status(path, essay(sha=HEX_B))
    assert status.approved and not status.stale


def test_broken_script_is_not_overwritten_without_force(tmp_path, built):
    path = tmp_path / "script.txt"
    write_script(path, built(), force=False)
    edit(path, "Two.", "[applause]")
    with pytest.raises(ScriptError, match=r"line \d+: unknown marker") as info:
        write_script(path, built("Else.", sha=HEX_B), force=False)
    assert "--force" in info.value.hint
    outcome = write_script(path, built("Else.", sha=HEX_B), force=True)
    assert outcome.kind is WriteKind.FORCED_WITH_BACKUP and "[applause]" in outcome.backup.read_text()


def test_non_utf8_script_is_a_script_error(tmp_path):
    path = tmp_path / "script.txt"
    path.write_bytes(b"---\n\xff\xfe\n")
    with pytest.raises(ScriptError, match="not UTF-8"):
        script_status(path, None)


# --------------------------------------------------------------------------- review


def test_review_lists_decisions_with_lines(tmp_path, fake_text_stage):
    source = essay(para("We met in 4 places. Then 5.", 1))
    path = tmp_path / "script.txt"
    script, _ = build_script(source, "en", {})
    write_script(path, script, force=False)
    items = review_lines(source, path)
    assert [(i.line, i.original, i.spoken, i.attention) for i in items] == [
        (HEADER_LINES + 1, "4", "<4>", True), (HEADER_LINES + 2, "5", "<5>", False),
    ]
    text = format_review(items, script_path=path, status=script_status(path, source))
    assert text.splitlines()[0] == f"{path}: 2 decisions, 1 needs attention"
    assert text.splitlines()[1].startswith("! line 11") and text.splitlines()[2].startswith("  line 12")
    assert "edited" not in text


def test_review_of_an_edited_script_says_so_and_follows_the_lines(tmp_path, fake_text_stage):
    source = essay(para("We met in 4 places. Then 5.", 1))
    path = tmp_path / "script.txt"
    write_script(path, build_script(source, "en", {})[0], force=False)
    edit(path, "We met in <4> places.\n", "A new first line.\n\nWe met in <4> places, twice.\n")
    items = review_lines(source, path)
    assert [i.line for i in items] == [HEADER_LINES + 3, HEADER_LINES + 4]  # the edited line is still found
    text = format_review(items, script_path=path, status=script_status(path, source))
    assert "edited by hand" in text.splitlines()[1]


def test_review_lists_respellings_and_drops_deleted_lines(tmp_path, fake_text_stage):
    source = essay(para("We met in 4 places. Then 5. The NOAA said so.", 1))
    path = tmp_path / "script.txt"
    write_script(path, build_script(source, "en", {})[0], force=False)
    edit(path, "Then <5>.\n", "")
    edit(path, "The NOAA said so.", "The {NOAA|Noah} said so.")
    items = review_lines(source, path)
    assert [(i.line, i.original, i.rule) for i in items] == [
        (HEADER_LINES + 1, "4", "number"), (0, "5", "number"), (HEADER_LINES + 2, "NOAA", "respelling")]
    assert items[-1].spoken == "Noah"


def test_review_before_the_script_exists(tmp_path, fake_text_stage):
    source = essay(para("Nothing numeric here.", 1))
    items = review_lines(source, tmp_path / "none.txt")
    text = format_review(items, status=script_status(tmp_path / "none.txt", source))
    assert text.startswith("0 decisions, 0 need attention") and "does not exist yet" in text


def test_a_script_path_that_is_a_folder_is_a_script_error_not_a_traceback(tmp_path):
    folder = tmp_path / "script.txt"
    folder.mkdir()
    with pytest.raises(ScriptError, match="cannot be read"):
        read_script(folder, "output/x/script.txt")
