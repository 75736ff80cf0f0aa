"""Measuring a finished MP3: decode with mpg123, meter with libebur128 (EBU R128 / BS.1770-4).

libebur128 is the reference implementation ffmpeg's ``ebur128`` filter was derived from; the
tests check both agree on rendered episodes. It runs inside this process (a few MB), where
``ffmpeg -af ebur128=peak=true`` would be one more 70 MB process per part being measured.

Each part of an episode is measured once, when it is encoded, and the result is kept with it:
the momentary loudness every 100 ms (400 ms blocks: the BS.1770 gating blocks), the short-term
loudness every 100 ms (3 s windows: for the loudness range), the true peak (4x oversampled) and
the number of decoded samples. :func:`combine` gates the blocks of all parts together, which
gives the integrated loudness of the parts played back to back.
"""

from __future__ import annotations

import ctypes
import math
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioessay.errors import MasteringError
from audioessay.master.pcm import SAMPLE_RATE
from audioessay.system import ebur128_library, mpg123_path

ABSOLUTE_GATE = -70.0
STEP = SAMPLE_RATE // 10  # 100 ms
_MODE_M = 1  # momentary loudness


@dataclass(frozen=True)
class PartLoudness:
    """What libebur128 says about one decoded MP3 (a part or a whole file)."""

    momentary: tuple[float, ...]  # LUFS of each full 400 ms block, one every 100 ms
    short_term: tuple[float, ...]  # LUFS of each full 3 s window, one every 100 ms
    true_peak_dbtp: float
    samples: int  # decoded samples (gapless: what a player plays)

    def to_json(self) -> dict[str, object]:
        def rounded(values: Sequence[float]) -> list[float | None]:
            return [round(v, 2) if math.isfinite(v) else None for v in values]

        return {"momentary": rounded(self.momentary), "short_term": rounded(self.short_term),
                "true_peak_dbtp": round(self.true_peak_dbtp, 3) if math.isfinite(self.true_peak_dbtp) else None,
                "samples": self.samples}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PartLoudness:
        def values(key: str) -> tuple[float, ...]:
            raw = data[key]
            assert isinstance(raw, list)
            return tuple(-math.inf if v is None else float(v) for v in raw)

        peak = data["true_peak_dbtp"]
        samples = data["samples"]
        assert isinstance(samples, int)
        return cls(values("momentary"), values("short_term"),
                   -math.inf if peak is None else float(peak),  # type: ignore[arg-type]
                   samples)


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness, loudness range and true peak of parts played back to back."""

    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float


# BS.1770-4 Annex 2: the 48-tap, 4-phase interpolation filter of the true-peak meter.
_PHASE = (
    (0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875, 0.1373291015625,
     0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500),
    (-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500, 0.4650878906250,
     0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375),
)
_TAPS = 12
# The other two phases are the first two reversed. Columns: the phases, applied to 12 samples oldest first.
_FILTER = np.array([p[::-1] for p in (_PHASE[0], _PHASE[1], _PHASE[1][::-1], _PHASE[0][::-1])],
                   np.float32).T.copy()


class TruePeak:
    """The true peak (4x oversampled, BS.1770-4 Annex 2) of a stream of float samples.

    The interpolation is a matrix product over a sliding window (numpy's BLAS): about 3x faster
    than libebur128's own true-peak mode. As libebur128 and ffmpeg do, the sample peak counts too.
    """

    def __init__(self) -> None:
        self.peak = 0.0
        self._history = np.zeros(_TAPS - 1, np.float32)

    def add(self, samples: np.ndarray) -> None:
        if len(samples) == 0:
            return
        joined = np.concatenate([self._history, samples])
        self._history = joined[-(_TAPS - 1):].copy()
        windows = np.lib.stride_tricks.sliding_window_view(joined, _TAPS)
        self.peak = max(self.peak, float(np.abs(windows @ _FILTER).max()), float(np.abs(samples).max()))

    def dbtp(self) -> float:
        return 20 * math.log10(self.peak) if self.peak > 0 else -math.inf


def measure_mp3(path: Path) -> PartLoudness:
    """Decode ``path`` (gapless, as players do) and meter it."""
    lib = ebur128_library()
    state = ctypes.c_void_p(lib.ebur128_init(1, SAMPLE_RATE, _MODE_M))
    if not state:
        raise MasteringError("libebur128 could not start a meter")
    # 16-bit output: half the pipe traffic of float, and far finer than the loudness needs.
    # stderr goes to a file: a decoder complaining about every frame of a damaged file could
    # otherwise fill a pipe nobody reads until the end, and both sides would wait for ever.
    errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    process = subprocess.Popen([mpg123_path(), "--quiet", "--no-control", "-s", "-e", "s16", "-m", "--", str(path)],
                               stdout=subprocess.PIPE, stderr=errors)
    assert process.stdout is not None
    momentary: list[float] = []
    value = ctypes.c_double()
    peak = TruePeak()
    total = 0
    carry = b""
    try:
        while True:
            data = process.stdout.read(STEP * 2 * 8)
            if not data:
                break
            data = carry + data
            usable = len(data) - len(data) % (STEP * 2)
            carry = data[usable:]
            samples = np.frombuffer(data[:usable], "<i2").astype(np.float32) / np.float32(32768)
            peak.add(samples)
            for start in range(0, len(samples), STEP):
                chunk = samples[start: start + STEP]
                lib.ebur128_add_frames_float(state, chunk.ctypes.data, len(chunk))
                total += len(chunk)
                lib.ebur128_loudness_momentary(state, ctypes.byref(value))
                momentary.append(value.value)
        if carry:  # the last partial 100 ms: counts for the peak and the length, not for a block
            tail = np.frombuffer(carry[: len(carry) - len(carry) % 2], "<i2").astype(np.float32) / np.float32(32768)
            peak.add(tail)
            total += len(tail)
        if process.wait() != 0:
            errors.seek(0)
            stderr = errors.read()
            raise MasteringError(f"mpg123 could not decode {path}: {stderr.decode('utf-8', 'replace')[-300:]}",
                                 path=path)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        errors.close()
        lib.ebur128_destroy(ctypes.byref(state))
    peak.add(np.zeros(_TAPS - 1, np.float32))  # the filter's tail after the last sample
    # The first three values are of 100, 200 and 300 ms (libebur128 counts silence before the
    # start): not gating blocks, but they give the first bins exactly.
    return PartLoudness(tuple(momentary[3:]), _short_term(momentary), peak.dbtp(), total)


def _short_term(momentary: list[float]) -> tuple[float, ...]:
    """Short-term loudness (3 s windows) every 100 ms, from the momentary values.

    Querying libebur128 for it sums 3 s of samples at every step (more than the rest of the
    measurement together); instead each 100 ms bin's energy is recovered from consecutive
    momentary values (``m[i] - m[i-1] = (e[i] - e[i-4]) / 4``; the first three, taken before
    400 ms had passed, give the first bins), and 30 bins make a window.
    """
    if len(momentary) < 30:
        return ()
    power = [10 ** ((m + 0.691) / 10) if math.isfinite(m) else 0.0 for m in momentary]
    bins: list[float] = []
    for i, value in enumerate(power):
        earlier = bins[i - 4] if i >= 4 else 0.0
        previous = power[i - 1] if i >= 1 else 0.0
        bins.append(max(0.0, earlier + 4 * (value - previous)))
    window = np.convolve(np.asarray(bins), np.ones(30) / 30, mode="valid")
    with np.errstate(divide="ignore"):
        return tuple(float(v) for v in -0.691 + 10 * np.log10(window))


def _gate(levels: np.ndarray, relative_gate: float) -> np.ndarray:
    levels = levels[levels > ABSOLUTE_GATE]
    if len(levels) == 0:
        return levels
    relative = -0.691 + 10 * math.log10(float(np.mean(10 ** ((levels + 0.691) / 10)))) + relative_gate
    return levels[levels > relative]


def integrated(momentary: Sequence[float]) -> float:
    """BS.1770 integrated loudness from 400 ms block loudness values (absolute and -10 LU gates)."""
    gated = _gate(np.asarray(momentary, np.float64), -10.0)
    if len(gated) == 0:
        return -math.inf
    return -0.691 + 10 * math.log10(float(np.mean(10 ** ((gated + 0.691) / 10))))


def combine(parts: Sequence[PartLoudness]) -> Loudness:
    """The parts played back to back: blocks gated together, the highest true peak.

    Only the few blocks straddling a join (inside a pause) are missing from the gating.
    """
    momentary = [v for p in parts for v in p.momentary]
    short = np.asarray([v for p in parts for v in p.short_term], np.float64)
    ranged = _gate(short, -20.0)  # EBU Tech 3342: short-term values, -20 LU relative gate
    loudness_range = float(np.percentile(ranged, 95) - np.percentile(ranged, 10)) if len(ranged) else 0.0
    peak = max((p.true_peak_dbtp for p in parts), default=-math.inf)
    return Loudness(round(integrated(momentary), 1), round(peak, 1), round(loudness_range, 1))
