"""The look-ahead limiter: no sample above the ceiling, exact length, the same output however it is fed."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from audioessay.master.limiter import ATTACK, BLOCK, HOLD, Limiter


def run(samples: np.ndarray, gain_db: float, ceiling_db: float, sizes: list[int] | None = None) -> np.ndarray:
    limiter = Limiter(gain_db, ceiling_db)
    chunks = np.split(samples, np.cumsum(sizes)[:-1]) if sizes else [samples]
    out = [limiter.process(chunk) for chunk in chunks]
    out.append(limiter.flush())
    return np.concatenate(out)


def speechy(seed: int, seconds: float = 3.0) -> np.ndarray:
    """Noise bursts at changing levels with sharp peaks, like a voice."""
    rng = np.random.default_rng(seed)
    count = int(seconds * 44100)
    envelope = np.repeat(rng.random(count // 2205 + 1), 2205)[:count]
    signal = rng.standard_normal(count) * 0.15 * envelope
    signal[rng.integers(0, count, 40)] = rng.choice([-0.99, 0.99], 40)
    return signal.astype(np.float32)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), gain=st.floats(0.0, 18.0), ceiling=st.floats(-9.0, -0.5),
       cuts=st.lists(st.integers(1, 30000), min_size=1, max_size=12))
def test_no_sample_above_the_ceiling_and_feeding_does_not_matter(seed, gain, ceiling, cuts):
    signal = speechy(seed)
    sizes = [c for c in cuts if c < len(signal)]
    total = sum(sizes)
    sizes = [*sizes, len(signal) - total] if total < len(signal) else None
    whole = run(signal, gain, ceiling)
    assert len(whole) == len(signal)
    assert np.abs(whole).max() <= 10 ** (ceiling / 20) + 1e-6
    if sizes:
        assert np.array_equal(run(signal, gain, ceiling, sizes), whole)


def test_quiet_audio_only_gets_the_gain():
    rng = np.random.default_rng(3)
    signal = (rng.standard_normal(44100) * 0.01).astype(np.float32)  # peaks near -30 dBFS
    out = run(signal, 6.0, -1.0)
    assert np.allclose(out, signal * 10 ** (6 / 20), atol=1e-6)


def test_the_gain_comes_down_before_a_peak_and_back_after_the_hold():
    signal = np.full(44100, 0.1, np.float32)
    peak_at = 22050
    signal[peak_at] = 0.9
    out = run(signal, 0.0, -6.0)
    gain = out / signal
    assert gain[peak_at] <= 10 ** (-6 / 20) / 0.9 + 1e-6
    ahead = (ATTACK + 2) * BLOCK
    behind = (HOLD + ATTACK + 3) * BLOCK
    assert np.all(gain[: peak_at - ahead] == 1.0)  # untouched before the look-ahead
    assert np.all(gain[peak_at + behind:] == 1.0)  # and after the hold and the release ramp
    assert gain[peak_at - ATTACK * BLOCK // 2] < 1.0  # already coming down ahead of the peak
    assert np.all(np.abs(np.diff(gain[peak_at - ahead: peak_at])) < 0.02)  # a ramp, not a step
