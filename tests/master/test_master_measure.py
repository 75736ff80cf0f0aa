"""Measuring finished MP3s: libebur128 + the BS.1770 true-peak filter, checked against ffmpeg's ebur128."""

from __future__ import annotations

import ctypes
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from audioessay.master.loudness import measure_file
from audioessay.master.measure import (
    PartLoudness,
    TruePeak,
    _short_term,
    combine,
    integrated,
    measure_mp3,
)
from audioessay.system import ebur128_library

RATE = 44100


def encode(samples: np.ndarray, path: Path) -> Path:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "-",
                    "-c:a", "libmp3lame", "-b:a", "128k", "-y", str(path)],
                   input=samples.astype("<f4").tobytes(), check=True)
    return path


def varied(seconds: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    count = int(seconds * RATE)
    envelope = np.repeat(rng.uniform(0.02, 0.3, count // 4410 + 1), 4410)[:count]
    return (np.sin(np.arange(count) * 2 * np.pi * 440 / RATE) * envelope).astype(np.float32)


def test_true_peak_finds_the_peak_between_samples():
    # A tone at a quarter of the sample rate, sampled 45 degrees off its crests: every sample is
    # at 0.707 of the real peak (-3 dB); the 4x interpolation finds the crest.
    n = np.arange(RATE)
    tone = (0.5 * np.sin(np.pi / 2 * n + np.pi / 4)).astype(np.float32)
    meter = TruePeak()
    meter.add(tone)
    assert 20 * math.log10(np.abs(tone).max()) == pytest.approx(20 * math.log10(0.5) - 3.01, abs=0.05)
    assert meter.dbtp() == pytest.approx(20 * math.log10(0.5), abs=0.3)


def test_true_peak_is_the_same_however_the_stream_is_cut():
    signal = varied(3.0)
    whole = TruePeak()
    whole.add(signal)
    pieces = TruePeak()
    for piece in np.array_split(signal, 17):
        pieces.add(piece)
    assert pieces.dbtp() == whole.dbtp()


def test_short_term_from_momentary_matches_libebur128():
    """The 3 s values derived from the 400 ms blocks equal libebur128's own short-term loudness."""
    lib = ebur128_library()
    lib.ebur128_loudness_shortterm.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double)]
    state = ctypes.c_void_p(lib.ebur128_init(1, RATE, 3))  # momentary and short-term
    signal = varied(12.0, seed=4)
    momentary, short = [], []
    value = ctypes.c_double()
    for index, start in enumerate(range(0, len(signal), RATE // 10)):
        chunk = np.ascontiguousarray(signal[start: start + RATE // 10])
        lib.ebur128_add_frames_float(state, chunk.ctypes.data, len(chunk))
        lib.ebur128_loudness_momentary(state, ctypes.byref(value))
        momentary.append(value.value)
        if index >= 29:
            lib.ebur128_loudness_shortterm(state, ctypes.byref(value))
            short.append(value.value)
    lib.ebur128_destroy(ctypes.byref(state))
    derived = _short_term(momentary)
    assert len(derived) == len(short)
    assert np.allclose(derived, short, atol=0.02)


def test_measure_mp3_agrees_with_ffmpeg(tmp_path: Path):
    path = encode(varied(20.0), tmp_path / "x.mp3")
    ours = measure_mp3(path)
    ffmpeg = measure_file(path)
    assert ours.samples == 20 * RATE  # gapless decoding: exactly what was encoded
    assert integrated(ours.momentary) == pytest.approx(ffmpeg.integrated_lufs, abs=0.1)
    assert ours.true_peak_dbtp == pytest.approx(ffmpeg.true_peak_dbtp, abs=0.2)
    again = PartLoudness.from_json(ours.to_json())  # what a kept part stores
    assert again.samples == ours.samples and integrated(again.momentary) == pytest.approx(
        integrated(ours.momentary), abs=0.01)


def test_parts_combine_like_the_whole(tmp_path: Path):
    signal = varied(30.0, seed=9)
    cut = 13 * RATE
    parts = [measure_mp3(encode(signal[:cut], tmp_path / "a.mp3")),
             measure_mp3(encode(signal[cut:], tmp_path / "b.mp3"))]
    whole = measure_file(encode(signal, tmp_path / "whole.mp3"))
    combined = combine(parts)
    assert combined.integrated_lufs == pytest.approx(whole.integrated_lufs, abs=0.15)
    assert combined.true_peak_dbtp == pytest.approx(whole.true_peak_dbtp, abs=0.25)
    assert combined.loudness_range_lu == pytest.approx(whole.loudness_range_lu, abs=1.0)


def test_a_file_that_is_not_audio_is_a_clear_error(tmp_path: Path):
    from audioessay.errors import MasteringError

    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"\x00" * 100)
    try:
        result = measure_mp3(bad)
    except MasteringError as exc:
        assert "bad.mp3" in str(exc)
    else:  # mpg123 may decode nothing without failing: then there is nothing measured
        assert result.samples == 0 and result.momentary == ()
