"""The streaming BS.1770 meter against the standard and ffmpeg, and the ebur128 summary parser."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from test_master_support import wav_bytes

from audioessay.master.loudness import (
    LoudnessMeter,
    _biquad_k_weighting,
    loudness_of,
    measure_file,
    measure_piece,
    parse_ebur128,
)

FFMPEG_51_SUMMARY = """\
[Parsed_ebur128_0 @ 0x55d0c1c3e5c0] Summary:

  Integrated loudness:
    I:         -16.4 LUFS
    Threshold: -26.5 LUFS

  Loudness range:
    LRA:         3.1 LU
    Threshold: -36.5 LUFS
    LRA low:   -18.0 LUFS
    LRA high:  -14.9 LUFS

  True peak:
    Peak:       -1.8 dBFS
size=N/A time=00:37:02.51 bitrate=N/A speed= 412x
"""


def test_k_weighting_matches_the_published_48k_coefficients():
    shelf, high_pass = _biquad_k_weighting(48000)
    assert shelf[0] == pytest.approx((1.53512485958697, -2.69169618940638, 1.19839281085285), abs=1e-9)
    assert shelf[1] == pytest.approx((1.0, -1.69065929318241, 0.73248077421585), abs=1e-9)
    assert high_pass[0] == (1.0, -2.0, 1.0)
    assert high_pass[1] == pytest.approx((1.0, -1.99004745483398, 0.99007225036621), abs=1e-9)


def test_a_1khz_sine_at_minus_20_dbfs_reads_about_minus_23_lufs():
    t = np.arange(48000 * 5) / 48000
    sine = 0.1 * np.sin(2 * math.pi * 997 * t)
    assert loudness_of(sine, 48000) == pytest.approx(-23.0, abs=0.15)  # -20 dBFS peak: -23 dB RMS, K-gain ~0


@pytest.mark.parametrize("rate", [22050, 44100])
def test_meter_agrees_with_ffmpeg(tmp_path: Path, rate: int):
    rng = np.random.default_rng(4)
    # Speech-like: noise bursts with pauses and changing levels, so both gates matter.
    bursts = [rng.standard_normal(int(rate * d)) * a for d, a in ((1.3, 0.05), (0.4, 0), (2.1, 0.12), (0.7, 0),
                                                                   (1.5, 0.02), (3.0, 0.0005), (1.0, 0.08))]
    signal = np.concatenate(bursts)
    path = tmp_path / "n.wav"
    path.write_bytes(wav_bytes(signal, rate))
    assert loudness_of(signal, rate) == pytest.approx(measure_file(path).integrated_lufs, abs=0.1)


def test_pieces_placed_on_a_timeline_measure_like_the_whole():
    rate = 22050
    rng = np.random.default_rng(5)
    one, two = rng.standard_normal(rate * 2) * 0.1, rng.standard_normal(rate * 3) * 0.03
    whole = np.concatenate([one, np.zeros(int(rate * 0.55)), two])
    meter = LoudnessMeter(end_seconds=len(whole) / rate)
    meter.add(measure_piece(one, rate, 0.0))
    meter.add(measure_piece(two, rate, 2.55))
    assert meter.integrated() == pytest.approx(loudness_of(whole, rate), abs=0.05)
    assert meter.integrated(gain_db=6.0) == pytest.approx(loudness_of(whole, rate) + 6.0, abs=0.05)


def test_limiter_model_costs_nothing_below_the_limit_and_something_above():
    rate = 44100
    signal = np.random.default_rng(6).standard_normal(rate * 3) * 0.05  # peaks near -12 dBFS
    meter = LoudnessMeter()
    meter.add(measure_piece(signal, rate, 0.0))
    assert meter.limiter_loss(0.0, -2.0) == 0.0
    assert meter.limiter_loss(20.0, -2.0) < -1.0
    gain = meter.gain_for(-16.0, -2.0)
    assert meter.limited(gain, -2.0) == pytest.approx(-16.0, abs=0.01)


def test_silence_is_minus_infinity():
    assert loudness_of(np.zeros(44100), 44100) == -math.inf


def test_parse_ebur128_summary():
    measured = parse_ebur128(FFMPEG_51_SUMMARY)
    assert (measured.integrated_lufs, measured.true_peak_dbtp, measured.loudness_range_lu) == (-16.4, -1.8, 3.1)
    assert measured.duration == pytest.approx(2222.51)
    with pytest.raises(ValueError):
        parse_ebur128("no summary here")
