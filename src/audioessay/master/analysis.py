"""The first pass over the takes: loudness bins, speech extent, silences, faults.

Each take is read once at its own sample rate; what is kept (100 ms energy bins, 10 ms levels,
a 10 KB peak histogram) is small next to the audio, so the pass runs in flat memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audioessay.master.loudness import PieceLoudness, measure_piece
from audioessay.master.pcm import SAMPLE_RATE, WINDOW_SECONDS, frames_at, read_clip, window_levels
from audioessay.master.timeline import Piece, Silence, Take

SILENCE_DBFS = -55.0  # a 10 ms window quieter than this, in the finished episode, is silence
CHARS_PER_SECOND = 15.0  # a generous speaking rate: a take shorter than its text allows is suspicious
SHORT_TAKE_RATIO = 0.25  # below this share of the predicted length: reported
TRUNCATED_TAKE_RATIO = 0.08  # below this share: the take is broken and mastering stops


@dataclass(frozen=True)
class TakeAnalysis:
    take: Take
    rate: int  # the take file's own sample rate
    frames: int  # frames in the file
    truncated: bool  # header promises more than the file holds
    clipped: int  # source samples at full scale
    loudness: PieceLoudness  # K-weighted energy placed on the episode timeline
    levels: np.ndarray  # dBFS per analysis window, before the episode gain
    window: float  # seconds per analysis window (about 10 ms; exact for the take's rate)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def speech_extent(self, threshold_db: float) -> tuple[float, float] | None:
        """(onset, offset) of sound in seconds from the take's start, or None if it is all silence."""
        loud = np.flatnonzero(self.levels > threshold_db)
        if len(loud) == 0:
            return None
        return float(loud[0] * self.window), float(min((loud[-1] + 1) * self.window, self.seconds))


def predicted_seconds(text: str) -> float:
    return len(text.strip()) / CHARS_PER_SECOND


def analyse_take(take: Take, origin: int = 0) -> TakeAnalysis:
    """Read one take and measure it where it sits on the timeline (counted from sample ``origin``)."""
    clip = read_clip(take.path)
    window = max(1, round(clip.rate * WINDOW_SECONDS)) / clip.rate
    placed = clip.samples
    if take.skip or take.length != frames_at(len(placed), clip.rate):  # trimmed: what the timeline placed
        first = round(take.skip * clip.rate / SAMPLE_RATE)
        placed = placed[first: first + round(take.length * clip.rate / SAMPLE_RATE)]
    return TakeAnalysis(
        take=take, rate=clip.rate, frames=len(placed), truncated=clip.truncated, clipped=clip.clipped,
        loudness=measure_piece(placed, clip.rate, (take.start - origin) / SAMPLE_RATE),
        levels=window_levels(placed, clip.rate), window=window,
    )


@dataclass(frozen=True)
class SilenceRun:
    start: float  # seconds on the timeline
    seconds: float
    after: Take | None  # the take that precedes it (None: the start of the episode)


@dataclass(frozen=True)
class SilenceProfile:
    """Where sound starts and ends in a stretch of the timeline, and its longest inner silence."""

    first_sound: float | None  # seconds on the timeline (None: the stretch is all silence)
    sound_end: float | None
    last_take: Take | None  # the last take before ``sound_end``
    longest: SilenceRun  # between ``first_sound`` and ``sound_end``


def silence_profile(
    pieces: list[Piece], analyses: dict[int, TakeAnalysis], intro_levels: np.ndarray | None, gain_db: float,
) -> SilenceProfile:
    """The silences inside ``pieces`` (back-to-back pieces of the timeline) as the listener hears them.

    ``analyses`` maps a take's start sample to its analysis; ``intro_levels`` are the 10 ms
    levels of the rendered intro. ``gain_db`` is the gain the encoder will apply.
    """
    threshold = SILENCE_DBFS - gain_db
    best = SilenceRun(0.0, 0.0, None)
    first: float | None = None
    end: float | None = None
    last: Take | None = None
    for piece in pieces:
        start = piece.start / SAMPLE_RATE
        if isinstance(piece, Silence):
            continue
        if isinstance(piece, Take):
            levels, window = analyses[piece.start].levels, analyses[piece.start].window
        else:
            assert intro_levels is not None
            levels, window = intro_levels, WINDOW_SECONDS
        loud = np.flatnonzero(levels > threshold)
        if len(loud) == 0:
            continue
        onset = start + loud[0] * window
        if first is None:
            first = onset
        elif end is not None and onset - end > best.seconds:
            best = SilenceRun(end, onset - end, last)
        gaps = np.diff(loud) - 1
        if len(gaps) and gaps.max() * window > best.seconds:
            at = int(np.argmax(gaps))
            best = SilenceRun(start + (loud[at] + 1) * window, float(gaps[at] * window),
                              piece if isinstance(piece, Take) else last)
        end = start + (loud[-1] + 1) * window
        last = piece if isinstance(piece, Take) else last
    return SilenceProfile(first, end, last, best)


def describe(take: Take | None) -> str:
    """How a message names a take: 'sentence 12 ("It was ...")'."""
    if take is None:
        return "the start of the episode"
    label = f"sentence {take.number}" if take.role == "sentence" else f"the {take.role}"
    text = take.text if len(take.text) <= 60 else take.text[:57] + "..."
    return f'{label} ("{text}")'


def clock(seconds: float) -> str:
    """12:34.5 style position for messages."""
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"
