"""Mixing without encoding: gain curves, music looping, the intro mix, rendering a range of the timeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_master_support import TAGS, script_of, tone_take

from audioessay.errors import MasteringError
from audioessay.master.episode import master_episode
from audioessay.master.mix import gain_curve, loop_to, render, render_intro
from audioessay.master.pcm import clip_length
from audioessay.master.timeline import DUCK_DB, intro_layout, plan_timeline, samples
from audioessay.models import Script, ScriptHeader
from audioessay.workspace import AudioConfig


def test_gain_curve_passes_through_its_breakpoints_smoothly():
    curve = gain_curve([(0, 1.0), (100, 1.0), (200, 0.25), (300, 0.25), (400, 0.0)], 450)
    assert len(curve) == 450
    assert curve[:100] == pytest.approx(1.0)
    assert curve[200:300] == pytest.approx(0.25, abs=1e-3)
    assert curve[400:] == pytest.approx(0.0)
    assert np.all(np.diff(curve[100:200]) <= 1e-12) and np.abs(np.diff(curve)).max() < 0.03  # no jumps


def test_short_music_is_looped_without_a_jump():
    music = np.sin(np.arange(30000) * 2 * np.pi * 220 / 44100)
    looped = loop_to(music, 100000)
    assert len(looped) == 100000
    assert np.abs(np.diff(looped)).max() < 0.05
    assert loop_to(music, 1000) == pytest.approx(music[:1000])


def test_intro_mix_ducks_the_music_and_places_the_announcement():
    layout = intro_layout(music_available=20 * 44100, announcement_length=44100)
    assert layout is not None
    music = np.full(20 * 44100, 0.1)
    voice = np.full(44100, 0.5)
    intro = render_intro(layout, music, 0.0, voice)
    assert len(intro) == layout.length
    odd = intro_layout(music_available=20 * 44100, announcement_length=44100 + 17)  # not whole milliseconds
    assert odd is not None and len(render_intro(odd, music, 0.0, np.full(44100 + 17, 0.5))) == odd.length
    assert intro[1000] == pytest.approx(0.1, abs=2e-4)  # music alone (mixed by pydub in 16 bits)
    middle = layout.speech_start + 22050
    assert intro[middle] == pytest.approx(0.5 + 0.1 * 10 ** (DUCK_DB / 20), abs=2e-4)
    assert intro[-1] == pytest.approx(0.0, abs=1e-6)  # faded out


def test_render_covers_any_range_exactly(tmp_path: Path):
    texts = ["One.", "Two.", "Three."]
    takes = {t: tone_take(tmp_path / f"{i}.wav", 0.3 + 0.1 * i, rate=22050) for i, t in enumerate(texts)}
    timeline = plan_timeline(script_of(("A", [texts[:2], texts[2:]])), takes, clip_length, AudioConfig(),
                             episode_title="T", music_available=None, announcement=None, outro=None)
    whole = np.concatenate(list(render(timeline, None, 0, timeline.total)))
    assert len(whole) == timeline.total
    for start, end in [(0, 1), (1234, 50000), (timeline.total - 10, timeline.total)]:
        assert np.array_equal(np.concatenate(list(render(timeline, None, start, end))), whole[start:end])
    silence = timeline.pieces[1]
    assert not whole[silence.start: silence.start + silence.length].any()
    assert samples(0.35) == silence.length


def test_a_script_without_sentences_is_refused(tmp_path: Path):
    empty = Script(ScriptHeader(source="s", source_sha256="0", title="T", body_sha256="0"), ())
    with pytest.raises(MasteringError, match="no sentences"):
        master_episode(empty, {}, out_dir=tmp_path, basename="e", config=AudioConfig(), intro_music=None,
                       announcement=None, outro=None, tags=TAGS)
