"""Loudness: a streaming ITU-R BS.1770-4 meter (numpy) and ffmpeg's ``ebur128`` for the finished file.

The meter never holds a whole episode. Each piece of audio (a take, the intro) is K-weighted
on its own and its energy is added into 100 ms bins on the episode's timeline; the gating
(400 ms blocks every 100 ms, -70 LUFS absolute, -10 LU relative) runs over those bins at the
end. Only the bins (10 floats a second) grow with the episode.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioessay.errors import MasteringError
from audioessay.master.ffmpeg import file_arg, run_ffmpeg
from audioessay.master.limiter import ATTACK, BLOCK, HOLD

BIN_SECONDS = 0.1  # BS.1770 blocks are 4 bins long and start every bin
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0


def _biquad_k_weighting(rate: int) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    """The two K-weighting biquads (high shelf, then high pass) designed for ``rate``.

    The analogue prototypes reproduce BS.1770's published 48 kHz coefficients (the design
    libebur128 uses), so other sample rates get the same curve.
    """
    # Stage 1: high shelf, +4 dB above about 1.7 kHz (the head's acoustic effect).
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0), \
        (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    # Stage 2: the "RLB" high pass at about 38 Hz.
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    high_pass = (1.0, -2.0, 1.0), (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    return [shelf, high_pass]


@functools.cache
def k_weighting_response(rate: int, seconds: float = 0.25) -> np.ndarray:
    """The K-weighting filter's impulse response at ``rate``, long enough that the rest is < -120 dB.

    Filtering is then an FFT convolution: numpy has no IIR filter, and a per-sample Python
    loop over an episode would take minutes.
    """
    length = int(rate * seconds)
    signal = [0.0] * length
    signal[0] = 1.0
    for b, a in _biquad_k_weighting(rate):
        x1 = x2 = y1 = y2 = 0.0
        out = [0.0] * length
        for i, x in enumerate(signal):
            y = b[0] * x + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
            x2, x1, y2, y1 = x1, x, y1, y
            out[i] = y
        signal = out
    return np.asarray(signal)


_FFT_SIZE = 1 << 16  # overlap-add block: one cached filter spectrum per sample rate, flat memory


def k_weighted_energy(samples: np.ndarray, rate: int) -> np.ndarray:
    """The squared K-weighted signal, including the filter's tail after the last sample."""
    if len(samples) == 0:
        return np.zeros(0)
    response = k_weighting_response(rate)
    spectrum = _response_spectrum(rate)
    step = _FFT_SIZE - len(response) + 1
    filtered = np.zeros(len(samples) + len(response) - 1)
    for start in range(0, len(samples), step):
        block = samples[start: start + step]
        out = np.fft.irfft(np.fft.rfft(block, _FFT_SIZE) * spectrum, _FFT_SIZE)[: len(block) + len(response) - 1]
        filtered[start: start + len(out)] += out
    return filtered * filtered


@functools.cache
def _response_spectrum(rate: int) -> np.ndarray:
    return np.fft.rfft(k_weighting_response(rate), _FFT_SIZE)


@dataclass(frozen=True)
class PieceLoudness:
    """What the meter keeps of one piece of audio placed on the timeline.

    ``energy``: K-weighted energy (sum of squares / rate, an integral over time) per 100 ms
    bin, from ``first_bin``. ``peaks``: the same energy spread over the limiter model's
    peak-envelope histogram (see :class:`LoudnessMeter.limited`).
    """

    first_bin: int
    energy: np.ndarray
    peaks: np.ndarray


# The limiter model: limiter.py pulls the gain down from ATTACK blocks before a peak until HOLD
# blocks after it (ramping in and out over ATTACK blocks), so each 1 ms block is modelled as
# scaled by the highest peak from about 4 ms ahead to 44 ms back (the ramps counted half).
_BLOCK = 0.001
_AHEAD = round((ATTACK + 1) * BLOCK / 44100 / _BLOCK * 0.75)
_BEHIND = round((HOLD + ATTACK * 0.5 + 1) * BLOCK / 44100 / _BLOCK)
_HIST_LOW, _HIST_STEP, _HIST_BINS = -100.0, 0.1, 1300  # envelope in dBFS: -100 to +30


def measure_piece(samples: np.ndarray, rate: int, start_seconds: float, *, peaks: bool = True) -> PieceLoudness:
    """K-weight ``samples`` (float, full scale 1.0) placed at ``start_seconds``; bin its energy.

    ``peaks=False`` leaves out the limiter model's histogram (empty), for a loudness alone."""
    energy = k_weighted_energy(samples, rate)
    if len(energy) == 0:
        return PieceLoudness(0, np.zeros(0), np.zeros(_HIST_BINS))
    first = math.floor(start_seconds / BIN_SECONDS + 1e-9)
    last = math.floor((start_seconds + (len(energy) - 1) / rate) / BIN_SECONDS + 1e-9)
    # The first sample of each bin after the first: the samples whose time reaches the bin start.
    edges = np.ceil((np.arange(first + 1, last + 1) * BIN_SECONDS - start_seconds) * rate - 1e-6).astype(np.int64)
    edges = np.clip(edges, 0, len(energy))
    bins = np.add.reduceat(energy, np.concatenate([[0], edges])) / rate
    histogram = _peak_histogram(samples, energy[: len(samples)], rate) if peaks else np.zeros(_HIST_BINS)
    return PieceLoudness(first, bins, histogram)


def _peak_histogram(samples: np.ndarray, energy: np.ndarray, rate: int) -> np.ndarray:
    block = max(1, round(rate * _BLOCK))
    count = -(-len(samples) // block)
    pad = count * block - len(samples)
    peaks = np.abs(np.pad(samples, (0, pad))).reshape(count, block).max(axis=1)
    block_energy = np.pad(energy, (0, pad)).reshape(count, block).sum(axis=1) / rate
    padded = np.pad(peaks, (_BEHIND, _AHEAD))
    envelope = np.lib.stride_tricks.sliding_window_view(padded, _AHEAD + _BEHIND + 1).max(axis=1)
    with np.errstate(divide="ignore"):
        index = np.floor((20 * np.log10(envelope) - _HIST_LOW) / _HIST_STEP)
    index = np.clip(np.nan_to_num(index, neginf=0), 0, _HIST_BINS - 1).astype(np.int64)
    return np.bincount(index, weights=block_energy, minlength=_HIST_BINS)


class LoudnessMeter:
    """Accumulates :class:`PieceLoudness` from anywhere on a timeline; gates at the end.

    ``end_seconds`` is where the program ends: blocks reaching past it (into a filter's
    tail) are not part of the measurement, as BS.1770 requires.
    """

    def __init__(self, end_seconds: float | None = None) -> None:
        self.end_seconds = end_seconds
        self._parts: list[PieceLoudness] = []
        self._peaks = np.zeros(_HIST_BINS)

    def add(self, part: PieceLoudness) -> None:
        self._parts.append(PieceLoudness(part.first_bin, part.energy, np.zeros(0)))
        self._peaks += part.peaks

    def add_samples(self, samples: np.ndarray, rate: int, start_seconds: float) -> None:
        self.add(measure_piece(samples, rate, start_seconds))

    def integrated(self, gain_db: float = 0.0) -> float:
        """Integrated loudness in LUFS (``-inf`` for silence) after applying ``gain_db``."""
        return integrated_loudness(self._bins(), gain_db)

    def integrated_beside(self, gain_db: float, seconds: float, lufs: float) -> float:
        """Integrated loudness of this meter's audio after ``gain_db``, gated together with
        ``seconds`` more of steady audio at ``lufs`` (played after it)."""
        steady = 10 ** ((lufs + 0.691) / 10) * BIN_SECONDS  # a bin's energy at that loudness
        bins = np.concatenate([self._bins() * 10 ** (gain_db / 10), np.zeros(4),
                               np.full(max(0, round(seconds / BIN_SECONDS)), steady)])
        return integrated_loudness(bins)

    def limiter_loss(self, gain_db: float, limit_dbfs: float) -> float:
        """The loudness (dB, <= 0) a peak limiter at ``limit_dbfs`` takes away after ``gain_db``."""
        total = self._peaks.sum()
        if total <= 0:
            return 0.0
        envelope = 10 ** ((_HIST_LOW + (np.arange(_HIST_BINS) + 0.5) * _HIST_STEP + gain_db) / 20)
        scale = np.minimum(1.0, 10 ** (limit_dbfs / 20) / envelope)
        return 10 * math.log10(float((self._peaks * scale * scale).sum()) / total)

    def limited(self, gain_db: float, limit_dbfs: float) -> float:
        """Predicted integrated loudness after ``gain_db`` and the limiter."""
        return self.integrated() + gain_db + self.limiter_loss(gain_db, limit_dbfs)

    def gain_for(self, target: float, limit_dbfs: float) -> float:
        """The gain that brings the limited loudness to ``target`` (bisection: it only grows with gain)."""
        base = self.integrated()
        if not math.isfinite(base):
            return 0.0
        low, high = target - base - 1.0, target - base + 30.0
        for _ in range(40):
            middle = (low + high) / 2
            if self.limited(middle, limit_dbfs) < target:
                low = middle
            else:
                high = middle
        return (low + high) / 2

    def _bins(self) -> np.ndarray:
        if not self._parts:
            return np.zeros(0)
        end = max(p.first_bin + len(p.energy) for p in self._parts)
        bins = np.zeros(max(end, 0))
        for part in self._parts:
            bins[part.first_bin: part.first_bin + len(part.energy)] += part.energy
        if self.end_seconds is not None:
            bins = bins[: math.floor(self.end_seconds / BIN_SECONDS + 1e-9)]
        return bins


def integrated_loudness(bins: np.ndarray, gain_db: float = 0.0) -> float:
    """BS.1770-4 integrated loudness from 100 ms energy bins."""
    if len(bins) < 4:  # shorter than one block: measure what there is
        bins = np.concatenate([bins, np.zeros(4 - len(bins))])
    block_energy = np.convolve(bins, np.ones(4), mode="valid")  # 400 ms blocks, 75% overlap
    power = block_energy / (4 * BIN_SECONDS) * 10 ** (gain_db / 10)
    with np.errstate(divide="ignore"):
        block_loudness = -0.691 + 10 * np.log10(power)
    gated = power[block_loudness > ABSOLUTE_GATE]
    if len(gated) == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(gated.mean()) + RELATIVE_GATE
    gated = power[(block_loudness > ABSOLUTE_GATE) & (block_loudness > relative)]
    return -0.691 + 10 * math.log10(gated.mean())


def loudness_of(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness of one clip (float, full scale 1.0)."""
    meter = LoudnessMeter(end_seconds=len(samples) / rate if len(samples) >= 0.4 * rate else None)
    meter.add(measure_piece(samples, rate, 0.0, peaks=False))  # the limiter model is not needed here
    return meter.integrated()


@dataclass(frozen=True)
class Measurement:
    """What ffmpeg's ebur128 filter says about a finished file."""

    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float
    duration: float  # seconds of decoded audio (ffmpeg's final progress line); 0.0 when unknown


_SUMMARY = re.compile(
    r"Summary:.*?I:\s*(?P<i>-?[\d.]+|-inf|nan)\s*LUFS.*?LRA:\s*(?P<lra>-?[\d.]+|nan)\s*LU"
    r".*?Peak:\s*(?P<peak>-?[\d.]+|-inf|nan)\s*dBFS",
    re.DOTALL,
)
_TIME = re.compile(r"time=(\d+):(\d\d):(\d\d(?:\.\d+)?)")


def parse_ebur128(stderr: str) -> Measurement:
    """Parse the Summary that ffmpeg 5.x prints for ``ebur128=peak=true`` (and its last ``time=``)."""
    match = _SUMMARY.search(stderr)
    if match is None:
        raise ValueError("no ebur128 summary in ffmpeg's output")
    times = _TIME.findall(stderr)
    duration = 0.0
    if times:
        h, m, s = times[-1]
        duration = int(h) * 3600 + int(m) * 60 + float(s)
    return Measurement(float(match["i"]), float(match["peak"]), float(match["lra"]), duration)


def measure_file(path: Path) -> Measurement:
    """Decode ``path`` and measure it with ffmpeg's ``ebur128`` (integrated, range, true peak)."""
    # framelog=verbose moves the ten-lines-a-second log below the info level we ask for, so
    # only the summary and the final progress line are printed.
    result = run_ffmpeg(
        ["-stats", "-i", file_arg(path), "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        what=f"measuring the loudness of {path}", loglevel="info",
    )
    try:
        return parse_ebur128(result.stderr.decode("utf-8", "replace"))
    except ValueError as exc:
        raise MasteringError(f"cannot read ffmpeg's loudness measurement: {exc}", path=path) from None
