"""Reading takes and turning them into the episode's PCM: mono float, 44.1 kHz.

WAV files are parsed here rather than with pydub or :mod:`wave` because mastering must
tell a complete take from a truncated one: a header that promises more frames than the
file holds is what an engine killed mid-write leaves behind. Other formats go through ffmpeg.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioessay.master.ffmpeg import decode_to_float32

SAMPLE_RATE = 44100
WINDOW_SECONDS = 0.01  # silence and onset analysis resolution


@dataclass(frozen=True)
class WavInfo:
    """What a WAV header says, checked against the file size."""

    rate: int
    channels: int
    sample_format: str  # numpy dtype code or "u8"/"s24"
    data_offset: int
    frames: int  # frames really present in the file (at most what the header promises)
    declared_frames: int  # frames the header promises

    @property
    def truncated(self) -> bool:
        """The writer did not finish: the header promises more than the file holds, or still
        carries the zero size that writers patch when they close the file."""
        return self.declared_frames > self.frames or (self.declared_frames == 0 and self.frames > 0)


class NotWav(ValueError):
    """The file is not a PCM/float WAV that :func:`read_wav_info` understands."""


def read_wav_info(path: Path) -> WavInfo:
    """Parse the RIFF header of ``path`` (PCM 8/16/24/32-bit or float 32/64, any channels)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise NotWav("not a RIFF/WAVE file")
        fmt: tuple[int, int, int, int, int] | None = None
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                raise NotWav("no data chunk")
            chunk_id, chunk_size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if chunk_id == b"fmt ":
                body = handle.read(chunk_size + (chunk_size & 1))
                tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", body[:16])
                if tag == 0xFFFE and len(body) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag is in the GUID
                    tag = struct.unpack("<H", body[24:26])[0]
                fmt = (tag, channels, rate, block_align, bits)
            elif chunk_id == b"data":
                if fmt is None:
                    raise NotWav("data before fmt chunk")
                tag, channels, rate, block_align, bits = fmt
                kinds = {(1, 8): "u8", (1, 16): "<i2", (1, 24): "s24", (1, 32): "<i4", (3, 32): "<f4", (3, 64): "<f8"}
                kind = kinds.get((tag, bits))
                if kind is None or channels < 1 or rate < 1 or block_align != channels * bits // 8:
                    raise NotWav(f"unsupported WAV format (tag {tag}, {bits} bits)")
                offset = handle.tell()
                present = max(size - offset, 0) // block_align
                declared = chunk_size // block_align
                frames = present if declared == 0 else min(present, declared)
                return WavInfo(rate, channels, kind, offset, frames, declared)
            else:
                handle.seek(chunk_size + (chunk_size & 1), 1)


def read_wav_samples(path: Path, info: WavInfo) -> np.ndarray:
    """The samples of a WAV as mono float64 (full scale 1.0); channels are averaged."""
    count = info.frames * info.channels
    with open(path, "rb") as handle:
        handle.seek(info.data_offset)
        width = {"u8": 1, "s24": 3}.get(info.sample_format) or np.dtype(info.sample_format).itemsize
        raw = handle.read(count * width)
    if info.sample_format == "u8":
        samples = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128) / 128
    elif info.sample_format == "s24":
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        samples = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8) / 8388608.0
    else:
        dtype = np.dtype(info.sample_format)
        data = np.frombuffer(raw, dtype).astype(np.float64)
        samples = data if dtype.kind == "f" else data / float(2 ** (8 * dtype.itemsize - 1))
    if info.channels > 1:
        samples = samples.reshape(-1, info.channels).mean(axis=1)
    return samples


@dataclass(frozen=True)
class Clip:
    """A take's audio as read from disk, before resampling."""

    samples: np.ndarray  # mono float64, full scale 1.0
    rate: int
    truncated: bool  # the file holds fewer frames than its header promises
    clipped: int  # samples at digital full scale in the source


def read_clip(path: Path) -> Clip:
    """Read a take. WAV is parsed directly; anything else is decoded by ffmpeg at 44.1 kHz."""
    try:
        info = read_wav_info(path)
    except NotWav:
        samples = np.frombuffer(decode_to_float32(path), np.float32).astype(np.float64)
        return Clip(samples, SAMPLE_RATE, False, int(np.count_nonzero(np.abs(samples) >= 1.0)))
    samples = read_wav_samples(path, info)
    full_scale = 1.0 - 1.0 / 32768 if info.sample_format != "u8" else 127 / 128
    clipped = int(np.count_nonzero(np.abs(samples) >= full_scale))
    return Clip(samples, info.rate, info.truncated, clipped)


def frames_at(frames: int, rate: int, target: int = SAMPLE_RATE) -> int:
    """How many samples ``frames`` at ``rate`` become at ``target``: the length :func:`resample` returns."""
    return round(frames * target / rate)


def clip_length(path: Path) -> int:
    """A take's length in samples at 44.1 kHz, from its header alone (for planning the timeline)."""
    try:
        info = read_wav_info(path)
    except NotWav:
        return len(decode_to_float32(path)) // 4
    return frames_at(info.frames, info.rate)


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited resampling through the FFT; returns exactly ``frames_at(len, rate, target)`` samples.

    pydub's ``set_frame_rate`` interpolates linearly, which mirrors 22 kHz speech's upper band
    into 11-16 kHz as audible hiss. Takes start and end near silence, so the FFT's circular
    wrap-around is harmless after zero padding.
    """
    if rate == target or len(samples) == 0:
        return samples.copy()
    if target == 2 * rate:
        return _double(samples)
    out_len = frames_at(len(samples), rate, target)
    # Pad to a length whose resampled length is a whole number, so timing stays exact.
    # The FFTs are only fast for lengths made of small primes.
    step = rate // math.gcd(rate, target)
    padded = step * _smooth_at_least(-(-(len(samples) + max(64, len(samples) // 64)) // step))
    padded_out = padded * target // rate
    spectrum = np.fft.rfft(samples, padded)
    bins = min(len(spectrum), padded_out // 2 + 1)
    taper_from = int(bins * 0.95)  # a gentle roll-off before the cut avoids ringing
    spectrum = spectrum[:bins].copy()
    spectrum[taper_from:] *= 0.5 + 0.5 * np.cos(np.linspace(0, math.pi, bins - taper_from))
    result = np.fft.irfft(spectrum, padded_out) * (padded_out / padded)
    return result[:out_len]


def _half_band(half: int = 16, beta: float = 8.0) -> np.ndarray:
    """The taps that interpolate the sample halfway between two: a Kaiser-windowed sinc, 2 * half long.

    Pass band flat to about 9.5 kHz at 22.05 kHz in (where synthetic voices have little left),
    stop band from 12.5 kHz at -80 dB: no mirrored hiss.
    """
    offsets = np.arange(-half + 1, half + 1) - 0.5
    taps = np.sinc(offsets) * np.kaiser(2 * half, beta)
    return (taps / taps.sum()).astype(np.float32)


_HALF_BAND = _half_band()


def _double(samples: np.ndarray) -> np.ndarray:
    """Exactly twice the samples (22.05 to 44.1 kHz, the usual case): the originals, and between
    each two the interpolated one (a 32-tap filter: several times faster than the FFT)."""
    half = len(_HALF_BAND) // 2
    padded = np.zeros(len(samples) + 2 * half - 1, np.float32)
    padded[half - 1: half - 1 + len(samples)] = samples
    out = np.empty(2 * len(samples), np.float32)
    out[0::2] = samples
    out[1::2] = np.convolve(padded, _HALF_BAND[::-1], mode="valid")  # numpy's SIMD path for short filters
    return out


def _smooth_at_least(n: int) -> int:
    """The smallest number >= ``n`` whose prime factors are all 2, 3, 5 or 7."""
    best = 1 << max(0, (n - 1).bit_length())
    for f7 in (1, 7, 49):
        for f5 in (1, 5, 25, 125):
            for f3 in (1, 3, 9, 27, 81):
                base = f7 * f5 * f3
                if base >= best:
                    continue
                candidate = base << max(0, (-(-n // base) - 1).bit_length())
                best = min(best, candidate)
    return best


def window_levels(samples: np.ndarray, rate: int) -> np.ndarray:
    """RMS level in dBFS of each 10 ms window (float32; the last partial window counts)."""
    window = max(1, round(rate * WINDOW_SECONDS))
    count = -(-len(samples) // window)
    padded = np.zeros(count * window)
    padded[: len(samples)] = samples
    power = (padded.reshape(count, window) ** 2).mean(axis=1)
    with np.errstate(divide="ignore"):
        return (10 * np.log10(power)).astype(np.float32)
