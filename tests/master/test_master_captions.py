"""Caption cues: line breaking within the cue limits, with no cue left holding one word."""

from __future__ import annotations

import pytest

from audioessay.master.transcript import MAX_LINE, MAX_LINES, cue_groups, sentence_cues, wrap

# A sentence whose greedy breaking leaves its last word alone in a cue of its own.
_WORDS = "the quick brown fox jumps over a lazy dog while we watch it all day long and then some more".split()
ORPHAN = " ".join((_WORDS * 2)[:26]) + " ending."  # three lines, the last one "ending."
LONG = " ".join(f"word{i}" for i in range(60))
URL = "See https://example.com/" + "a" * 150 + " now"


@pytest.mark.parametrize(("text", "cues"), [
    ("", 0),
    ("Hello.", 1),
    ("A short sentence fits in one cue.", 1),
    (ORPHAN, 2),
    (ORPHAN + " today", 2),
    (LONG, None),
    (URL, None),
    ("x" * 200, None),  # one word cut into pieces: nothing to re-balance
])
def test_cue_limits_and_no_orphan_word(text: str, cues: int | None) -> None:
    groups = cue_groups(text)
    if cues is not None:
        assert len(groups) == cues
    words = text.split()
    assert " ".join(" ".join(g) for g in groups).replace(" ", "") == "".join(words)  # every word, in order
    for group in groups:
        assert 1 <= len(group) <= MAX_LINES
        assert all(0 < len(line) <= MAX_LINE for line in group)
        if len(words) > 1:
            assert len(" ".join(group).split()) > 1, f"a cue of one word: {group}"


def test_greedy_breaking_left_an_orphan_before() -> None:
    """The case the re-balancing is for: plain greedy breaking leaves one word in the last cue."""
    lines = wrap(ORPHAN)
    greedy = [lines[i: i + MAX_LINES] for i in range(0, len(lines), MAX_LINES)]
    assert greedy[-1] == ["ending."]
    groups = cue_groups(ORPHAN)
    assert groups[-1] == ("over ending.",)
    assert groups[:1] == cue_groups(ORPHAN.rsplit(" ", 2)[0])  # the cue before gave up one word


def test_unchanged_when_there_is_no_orphan() -> None:
    text = ORPHAN + " and today"
    lines = wrap(text)
    assert cue_groups(text) == [tuple(lines[i: i + MAX_LINES]) for i in range(0, len(lines), MAX_LINES)]


def test_sentence_cues_share_the_time_and_follow_the_groups() -> None:
    cues = sentence_cues(ORPHAN, 10.0, 20.0)
    assert [c.lines for c in cues] == cue_groups(ORPHAN)
    assert cues[0].start == 10.0 and cues[-1].end == pytest.approx(20.0)
    assert cues[0].end == pytest.approx(cues[1].start)
    assert len(cues[-1].lines[0].split()) == 2
