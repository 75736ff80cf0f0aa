"""Rendering the timeline to PCM, piece by piece: the intro mix, the takes, the pauses.

Every piece becomes a pydub ``AudioSegment`` (16-bit mono, 44.1 kHz, made from its exact
samples, never from milliseconds), and the intro is mixed with pydub: the announcement is
overlaid on the music bed. What pydub does not do is done in numpy before a piece becomes a
segment: band-limited resampling (pydub's is linear and mirrors 22 kHz speech into audible
hiss) and the ducking curve (pydub fades only in straight steps). Nothing here holds more than
one piece (a take, a pause chunk, the intro) at a time: the pieces are streamed to the
encoder, never added up into one long segment (for ~480 sentences, adding segments with ``+=``
took 25 s and 488 MB at its peak; streaming the same audio takes 55 MB).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
from pydub import AudioSegment

from audioessay.master.pcm import SAMPLE_RATE, read_clip, resample
from audioessay.master.timeline import IntroLayout, Silence, Take, Timeline
from audioessay.master.trim import fade_margins

LOOP_CROSSFADE = 0.5  # seconds, when intro music must repeat to cover a long announcement
SILENCE_CHUNK = SAMPLE_RATE  # pauses are written a second at a time
_TAKE_HEADROOM = 0.5


def take_audio(take: Take) -> np.ndarray:
    """A take at 44.1 kHz without its own leading and trailing silence (what the timeline
    placed: ``take.skip`` samples cut, then exactly ``take.length``), its kept margins faded."""
    clip = read_clip(take.path)
    audio = resample(clip.samples, clip.rate)[take.skip:]
    if len(audio) != take.length:  # trimmed, or the file changed since planning: keep the timeline exact
        audio = np.pad(audio, (0, max(0, take.length - len(audio))))[: take.length]
    return fade_margins(audio, take.lead, take.tail)


def segment(samples: np.ndarray) -> AudioSegment:
    """Float samples (full scale 1.0) as a pydub segment, sample for sample."""
    pcm = np.clip(np.rint(np.asarray(samples, np.float64) * 32767.0), -32768, 32767).astype("<i2")
    return AudioSegment(data=pcm.tobytes(), sample_width=2, frame_rate=SAMPLE_RATE, channels=1)


def samples_of(piece: AudioSegment) -> np.ndarray:
    """A pydub segment's samples as float32 (full scale 1.0)."""
    return np.frombuffer(piece.raw_data, "<i2").astype(np.float32) / np.float32(32768.0)


def silence(count: int) -> AudioSegment:
    """Exactly ``count`` samples of digital silence (``AudioSegment.silent`` counts milliseconds)."""
    return AudioSegment(data=bytes(2 * count), sample_width=2, frame_rate=SAMPLE_RATE, channels=1)


def s_curve(count: int) -> np.ndarray:
    """0 to 1 over ``count`` samples along a raised cosine: no click at either end."""
    return 0.5 - 0.5 * np.cos(np.linspace(0.0, math.pi, count)) if count > 0 else np.zeros(0)


def gain_curve(points: list[tuple[int, float]], length: int) -> np.ndarray:
    """A gain envelope through (sample, gain) breakpoints; flat before the first and after the last."""
    curve = np.full(length, points[-1][1])
    curve[: max(0, min(points[0][0], length))] = points[0][1]
    for (a, ga), (b, gb) in itertools.pairwise(points):
        lo, hi = max(a, 0), min(b, length)
        if hi <= lo:
            continue
        ramp = s_curve(b - a)[lo - a: hi - a]
        curve[lo:hi] = ga + (gb - ga) * ramp
    return curve


def loop_to(music: np.ndarray, length: int) -> np.ndarray:
    """``music`` repeated (with a short crossfade at each join) until it is ``length`` samples long."""
    if len(music) >= length:
        return music[:length]
    fade = min(round(LOOP_CROSSFADE * SAMPLE_RATE), len(music) // 4)
    out = music.copy()
    ramp = s_curve(fade)
    while len(out) < length:
        joined = out[len(out) - fade:] * (1 - ramp) + music[:fade] * ramp if fade else np.zeros(0)
        out = np.concatenate([out[: len(out) - fade], joined, music[fade:]])
    return out[:length]


def render_intro(layout: IntroLayout, music: np.ndarray | None, music_gain_db: float,
                 announcement: np.ndarray | None) -> np.ndarray:
    """The intro: music at ``music_gain_db``, ducked under the announcement, then faded out."""
    # pydub mixes in 16 bits and saturates at full scale, where the gain stage that follows could
    # still bring a loud sum back down: the mix is made 12 dB lower and raised again afterwards.
    headroom = 0.25
    # pydub slices in whole milliseconds: a base of whole 10 ms (441 samples) loses no sample,
    # and it is cut back to the exact length afterwards.
    mix = silence(-(-layout.length // 441) * 441)
    if music is not None and layout.music_length:
        bed = loop_to(music, layout.music_length) * gain_curve(layout.music_gain(), layout.music_length)
        mix = mix.overlay(segment(bed * headroom * 10 ** (music_gain_db / 20)))
    if announcement is not None and layout.speech_length:
        # pydub places overlays in milliseconds: the announcement starts on a whole millisecond
        # (ANNOUNCE_AT), so the position below is exact.
        position = layout.speech_start * 1000 / SAMPLE_RATE
        assert position == int(position), "the announcement must start on a whole millisecond"
        mix = mix.overlay(segment(announcement[: layout.speech_length] * headroom), position=int(position))
    return samples_of(mix.get_sample_slice(0, layout.length)).astype(np.float64) / headroom


def render(timeline: Timeline, intro: np.ndarray | None, start: int, end: int) -> Iterator[np.ndarray]:
    """The samples of the timeline from ``start`` to ``end`` as float32 chunks (takes whole),
    each piece passing through a pydub segment on its way."""
    for piece in timeline.pieces:
        lo, hi = max(start, piece.start), min(end, piece.start + piece.length)
        if hi <= lo:
            continue
        if isinstance(piece, Silence):
            for chunk_start in range(lo, hi, SILENCE_CHUNK):
                yield samples_of(silence(min(SILENCE_CHUNK, hi - chunk_start)))
        elif isinstance(piece, Take):
            # 6 dB of headroom: resampling can overshoot full scale, and the limiter, not a 16-bit
            # clip, must deal with that.
            take = segment(take_audio(piece)[lo - piece.start: hi - piece.start] * _TAKE_HEADROOM)
            yield samples_of(take) / np.float32(_TAKE_HEADROOM)
        else:
            assert intro is not None
            yield intro[lo - piece.start: hi - piece.start].astype(np.float32)
