"""The project's own intro music: the committed file, and the synthesizer that makes it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO
from mutagen.mp3 import MP3
from test_master_support import decode

from audioessay.master.loudness import loudness_of, measure_file
from audioessay.master.music import LENGTH_SECONDS, RATE, synthesize_intro

INTRO = REPO / "audio" / "intro.mp3"


@pytest.fixture(scope="module")
def intro() -> np.ndarray:
    return synthesize_intro()


def test_committed_intro_is_a_small_mono_mp3_of_6_to_12_seconds():
    assert INTRO.is_file(), "run scripts/make-intro"
    info = MP3(INTRO).info
    assert (info.channels, info.sample_rate) == (1, 44100)
    assert 96000 <= info.bitrate <= 128000
    assert 6.0 <= info.length <= 12.0
    assert INTRO.stat().st_size < 200_000


def test_committed_intro_does_not_clip():
    measured = measure_file(INTRO)
    assert measured.true_peak_dbtp < -1.0
    assert -24 < measured.integrated_lufs < -12


def test_synthesis_is_deterministic(intro: np.ndarray):
    assert np.array_equal(intro, synthesize_intro())


def test_synthesized_intro_is_clean(intro: np.ndarray):
    assert len(intro) == round(LENGTH_SECONDS * RATE)
    assert np.abs(intro).max() == pytest.approx(10 ** (-3 / 20), rel=1e-6)  # peak -3 dBFS, no clipping
    assert np.abs(intro[:20]).max() < 1e-3 and np.abs(intro[-20:]).max() < 1e-4  # fades in and out to silence
    # No clicks: sample-to-sample steps stay below what the loudest partials can produce.
    assert np.abs(np.diff(intro)).max() < 0.1
    # A steady level through the chords, then the fade: no holes, no bursts (100 ms windows).
    windows = intro[: int(8 * RATE)].reshape(-1, RATE // 10)
    levels = 10 * np.log10((windows ** 2).mean(axis=1) + 1e-20)
    assert levels[2:].max() - levels[2:].min() < 12
    assert -24 < loudness_of(intro, RATE) < -12


def test_make_intro_rebuilds_the_committed_file(tmp_path: Path):
    out = tmp_path / "made.mp3"
    result = subprocess.run([str(REPO / "scripts" / "make-intro"), str(out)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    # Same audio (bytes may differ with another ffmpeg or numpy build): the difference is inaudible.
    made, committed = decode(out), decode(INTRO)
    assert len(made) == len(committed)
    difference = 10 * np.log10(((made - committed) ** 2).mean() / (committed ** 2).mean() + 1e-12)
    assert difference < -40, "audio/intro.mp3 is stale: run scripts/make-intro"


def test_init_copies_the_committed_intro() -> None:
    """'audioessay init' copies the intro instead of synthesizing it again (seconds): the copy in the
    package is the committed file (scripts/make-intro refreshes both)."""
    packaged = REPO / "src" / "audioessay" / "data" / "intro.mp3"
    assert packaged.read_bytes() == INTRO.read_bytes()
