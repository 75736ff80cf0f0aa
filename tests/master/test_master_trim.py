"""Trimming a take's own silence; the smaller embedded cover."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from audioessay.master import tags as tags_module
from audioessay.master.tags import EMBEDDED_COVER_PX, embedded_cover
from audioessay.master.trim import KEEP_AFTER, KEEP_BEFORE, Span, fade_margins, find_span


def take(rate: int, before: float, speech: float, after: float, noise: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(1)
    t = np.arange(round(speech * rate)) / rate
    voice = 0.3 * np.sin(2 * np.pi * 220 * t) * np.hanning(len(t)) ** 0.1
    out = np.concatenate([np.zeros(round(before * rate)), voice, np.zeros(round(after * rate))])
    return out + noise * rng.standard_normal(len(out))


@pytest.mark.parametrize("rate", [22050, 44100, 16000])
def test_span_cuts_the_silence_and_keeps_short_faded_margins(rate: int) -> None:
    span = find_span(take(rate, 0.3, 1.0, 0.25), rate)
    assert span.skip == pytest.approx((0.3 - KEEP_BEFORE) * 44100, abs=0.002 * 44100)
    assert span.length == pytest.approx((1.0 + KEEP_BEFORE + KEEP_AFTER) * 44100, abs=0.004 * 44100)
    assert span.lead == pytest.approx(KEEP_BEFORE * 44100, abs=0.002 * 44100)
    assert span.tail == pytest.approx(KEEP_AFTER * 44100, abs=0.002 * 44100)


def test_quiet_speech_is_never_trimmed_and_noise_is() -> None:
    rate = 22050
    audio = take(rate, 0.2, 1.0, 0.2, noise=1e-5)  # a noise floor 90 dB under the voice
    audio[round(0.2 * rate) - 400: round(0.2 * rate)] += 0.3 * 10 ** (-40 / 20)  # a soft onset, 40 dB down
    span = find_span(audio, rate)
    assert span.skip <= (0.2 * rate - 400) * 2 - span.lead + 2


def test_silent_or_empty_takes_are_kept_whole() -> None:
    assert find_span(np.zeros(22050), 22050) == Span(0, 44100)
    assert find_span(np.zeros(0), 22050) == Span(0, 0)


def test_fade_margins_start_and_end_at_zero() -> None:
    faded = fade_margins(np.ones(1000), 100, 200)
    assert faded[0] == 0 and faded[-1] == 0 and faded[100] == 1 and faded[799] == 1


def test_a_large_cover_is_embedded_smaller_and_made_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cover = tmp_path / "cover.png"
    Image.new("RGBA", (3000, 2000), (200, 40, 40, 128)).save(cover)
    made = []
    original = tags_module._smaller_cover
    monkeypatch.setattr(tags_module, "_smaller_cover", lambda data, path: made.append(path) or original(data, path))
    data, mime = embedded_cover(cover)
    assert embedded_cover(cover) == (data, mime) and len(made) == 1  # by its hash: once
    image = Image.open(io.BytesIO(data))
    assert mime == "image/jpeg" and image.format == "JPEG" and image.size == (EMBEDDED_COVER_PX, 400)
    small = tmp_path / "small.jpg"
    Image.new("RGB", (500, 500), (1, 2, 3)).save(small, "JPEG")
    assert embedded_cover(small) == (small.read_bytes(), "image/jpeg")  # small already: as it is
