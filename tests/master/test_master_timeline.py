"""The timeline plan: exact sample positions of takes, pauses, the intro and chapters."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_master_support import script_of

from audioessay.errors import MasteringError
from audioessay.master import timeline as tl
from audioessay.master.timeline import IntroLayout, Silence, Take, plan_timeline
from audioessay.workspace import AudioConfig

CONFIG = AudioConfig(sentence_pause=0.35, paragraph_pause=0.9, section_pause=1.6)


def plan(script, lengths: dict[str, int], **kwargs):
    takes = {text: Path(f"/takes/{index}.wav") for index, text in enumerate(lengths)}
    by_path = {takes[text]: length for text, length in lengths.items()}
    options = {"episode_title": "Episode", "music_available": None, "announcement": None, "outro": None, **kwargs}
    return plan_timeline(script, takes, lambda p: by_path[p], CONFIG, **options)


def gaps(timeline) -> list[int]:
    return [p.length for p in timeline.pieces if isinstance(p, Silence)]


def test_pieces_are_back_to_back_and_total_is_exact():
    script = script_of(("One", [["a", "b"], ["c"]]), ("Two", [["d"]]))
    timeline = plan(script, {"a": 1001, "b": 2003, "c": 3005, "d": 4007})
    position = 0
    for piece in timeline.pieces:
        assert piece.start == position
        position += piece.length
    assert timeline.total == position
    assert [t.length for t in timeline.takes] == [1001, 2003, 3005, 4007]


def test_pause_after_sentence_paragraph_section_and_tail():
    script = script_of(("One", [["a", "b"], ["c"]]), ("Two", [["d"]]))
    timeline = plan(script, {"a": 100, "b": 100, "c": 100, "d": 100})
    assert gaps(timeline) == [tl.samples(0.35), tl.samples(0.9), tl.samples(1.6), tl.samples(tl.END_TAIL)]


def test_explicit_pause_is_the_silence_there_but_never_shortens_a_break():
    script = script_of(("One", [["a", 2.0, "b", 0.1, "c"], [0.2, "d"]]))
    timeline = plan(script, {"a": 100, "b": 100, "c": 100, "d": 100})
    assert gaps(timeline)[:3] == [tl.samples(2.0), tl.samples(0.35), tl.samples(0.9)]
    assert timeline.longest_allowed_pause == pytest.approx(2.0)


def test_intro_with_music_and_announcement():
    script = script_of(("One", [["a"]]))
    timeline = plan(script, {"a": 1000, "Hello show.": 44100}, music_available=10 * 44100, announcement="Hello show.")
    intro = timeline.pieces[0]
    assert isinstance(intro, IntroLayout)
    assert intro.speech_start == tl.samples(tl.ANNOUNCE_AT)
    assert intro.length == intro.speech_start + 44100 + tl.samples(tl.DUCK_UP + tl.MUSIC_HOLD + tl.MUSIC_FADE)
    assert timeline.announcement == Take(intro.speech_start, 44100, "Hello show.", Path("/takes/1.wav"),
                                         "announcement", 0, -1)
    # The pause after the intro starts where the music has faded 40 dB down (heard as silence).
    assert isinstance(timeline.pieces[1], Silence)
    assert timeline.pieces[1].length == tl.samples(1.6) - tl.samples(tl.MUSIC_QUIET_TAIL)
    assert [t.text for t in timeline.spoken] == ["Hello show.", "a"]
    gain = dict(intro.music_gain())
    assert gain[intro.speech_start] == pytest.approx(10 ** (tl.DUCK_DB / 20))
    assert intro.music_gain()[-1] == (intro.length, 0.0)


def test_intro_music_alone_is_capped_and_announcement_alone_has_no_music():
    script = script_of(("One", [["a"]]))
    music_only = plan(script, {"a": 1000}, music_available=60 * 44100)
    assert music_only.pieces[0].length == tl.samples(tl.MUSIC_ALONE_MAX)
    speech_only = plan(script, {"a": 1000, "Hi.": 5000}, announcement="Hi.")
    assert speech_only.pieces[0] == IntroLayout(0, 5000, 0, 0, 5000)


def test_outro_follows_a_section_pause():
    script = script_of(("One", [["a"]]))
    timeline = plan(script, {"a": 1000, "Bye.": 2000}, outro="Bye.")
    assert timeline.takes[-1].role == "outro"
    assert gaps(timeline) == [tl.samples(1.6), tl.samples(tl.END_TAIL)]


def test_chapters_name_untitled_sections():
    script = script_of((None, [["a"]]), ("Middle", [["b"]]), (None, [["c"]]), ("Empty", []))
    timeline = plan(script, {"a": 100, "b": 100, "c": 100}, music_available=44100)
    titles = [c.title for c in timeline.chapters]
    assert titles == ["Intro", "Episode", "Middle", "Part 3"]
    starts = [c.start for c in timeline.chapters]
    assert starts[1:] == [t.start for t in timeline.takes]


def test_missing_take_names_the_sentence():
    script = script_of(("One", [["present", "absent sentence"]]))
    with pytest.raises(MasteringError, match="absent sentence"):
        plan(script, {"present": 100})
