"""Trimming a take's own silence, so the configured pauses are the gaps a listener hears.

Engines pad every take with silence of their own (espeak-ng about 0.15 s at each end, piper
less, and other engines differently): left in, a 0.35 s sentence pause is heard as 0.65 s. The
speech is found from 1 ms peak levels relative to the take's loudest: everything quieter than
:data:`TRIM_BELOW_PEAK_DB` under it at either end is cut, keeping :data:`KEEP_BEFORE` and
:data:`KEEP_AFTER` of it (faded, in :mod:`mix`) so no word is clipped. The timeline shortens each
pause by those kept margins, so the pause runs from the end of one take's speech to the start of
the next one's.

Finding the span reads the take, which planning otherwise avoids (about a millisecond a take);
each take is read once per process and file version (size and modification time).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioessay.master.pcm import SAMPLE_RATE, clip_length, frames_at, read_clip

TRIM_BELOW_PEAK_DB = 45.0  # quieter than this under the take's loudest 1 ms: silence
KEEP_BEFORE = 0.010  # seconds kept (faded in) before the speech starts
KEEP_AFTER = 0.020  # seconds kept (faded out) after it ends: release tails are longer than attacks
_BLOCK_SECONDS = 0.001
_FLOOR = 10 ** (-90 / 20)  # a take whose loudest 1 ms is under -90 dBFS is silent: left whole


@dataclass(frozen=True)
class Span:
    """The part of a take that is placed on the timeline, in samples at 44.1 kHz."""

    skip: int  # samples cut from the start
    length: int  # samples kept
    lead: int = 0  # of those, quiet samples before the speech starts
    tail: int = 0  # and after it ends


def find_span(samples: np.ndarray, rate: int) -> Span:
    """The speech of a take (mono float at ``rate``) with its kept margins; a silent or empty
    take is kept whole (its fault is reported by the analysis)."""
    total = frames_at(len(samples), rate)
    if len(samples) == 0:
        return Span(0, total)
    block = max(1, round(rate * _BLOCK_SECONDS))
    count = -(-len(samples) // block)
    peaks = np.abs(np.pad(samples, (0, count * block - len(samples)))).reshape(count, block).max(axis=1)
    top = float(peaks.max())
    if top <= _FLOOR:
        return Span(0, total)
    loud = np.flatnonzero(peaks > top * 10 ** (-TRIM_BELOW_PEAK_DB / 20))
    onset, offset = int(loud[0]) * block, min((int(loud[-1]) + 1) * block, len(samples))
    start = max(0, onset - round(KEEP_BEFORE * rate))
    end = min(len(samples), offset + round(KEEP_AFTER * rate))
    skip, stop = frames_at(start, rate), frames_at(end, rate)
    lead = frames_at(onset, rate) - skip
    tail = stop - frames_at(offset, rate)
    return Span(skip, stop - skip, max(0, lead), max(0, tail))


def span_of(path: Path) -> Span:
    """The span of the take at ``path``; a file that cannot be read is kept whole (mastering
    reports it when it reads the take)."""
    try:
        clip = read_clip(path)
    except (OSError, ValueError):
        return Span(0, clip_length(path))
    return find_span(clip.samples, clip.rate)


def take_span(path: Path) -> Span:
    """:func:`span_of`, found once per file version (size and modification time) in this process."""
    try:
        info = Path(path).stat()
    except OSError:
        return Span(0, 0)
    return _span_of_version(str(path), info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _span_of_version(path: str, size: int, mtime_ns: int) -> Span:
    return span_of(Path(path))


def fade_margins(audio: np.ndarray, lead: int, tail: int) -> np.ndarray:
    """``audio`` (a trimmed take) faded in over its first ``lead`` samples and out over its last
    ``tail``: the cut falls in near-silence, and the fade keeps it from clicking."""
    out = audio
    if lead > 0 and len(audio):
        out = out.copy()
        lead = min(lead, len(out))
        out[:lead] *= 0.5 - 0.5 * np.cos(np.linspace(0.0, math.pi, lead))
    if tail > 0 and len(audio):
        out = out.copy() if out is audio else out
        tail = min(tail, len(out))
        out[len(out) - tail:] *= 0.5 + 0.5 * np.cos(np.linspace(0.0, math.pi, tail))
    return out


__all__ = ["SAMPLE_RATE", "Span", "fade_margins", "find_span", "span_of", "take_span"]
