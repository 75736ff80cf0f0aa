"""The project's own intro music, synthesized with numpy: no samples, no licence to track.

About ten seconds in D major: a soft pad over a bass line plays I-V-vi-IV and comes home to
I, while a bell-like arpeggio walks the chord tones; a synthetic room reverb adds a tail and
the whole fades out. Mono, 44.1 kHz. Everything is deterministic (a fixed seed), so
``scripts/make-intro`` rebuilds ``audio/intro.mp3`` identically.

Run ``python -m audioessay.master.music [OUTPUT]`` to write the MP3.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

import numpy as np

from audioessay.fsutil import temp_sibling
from audioessay.master.ffmpeg import file_arg, run_ffmpeg

RATE = 44100
CHORD_SECONDS = 1.8
LENGTH_SECONDS = 10.0
FADE_OUT_SECONDS = 1.8
PEAK_DBFS = -3.0

# (pad voicing, bass note, arpeggio tones) as MIDI note numbers, with smooth voice leading.
PROGRESSION: list[tuple[tuple[int, ...], int, tuple[int, ...]]] = [
    ((50, 57, 62, 66), 38, (74, 78, 81, 86)),  # I   D
    ((52, 57, 61, 64), 33, (73, 76, 81, 85)),  # V   A
    ((54, 59, 62, 66), 35, (74, 78, 83, 86)),  # vi  Bm
    ((55, 59, 62, 67), 31, (74, 79, 83, 86)),  # IV  G
    ((50, 57, 62, 66), 38, (74, 78, 81, 86)),  # I   D, held to the end
]
ARPEGGIO = (0, 1, 2, 3, 2, 1, 2, 1)  # indices into the arpeggio tones, eight notes a chord
ACCENTS = (1.0, 0.55, 0.75, 0.6, 0.85, 0.5, 0.7, 0.55)  # gentle swing in the dynamics


def midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _time(seconds: float) -> np.ndarray:
    return np.arange(round(seconds * RATE)) / RATE


def _raised(count: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(np.linspace(0.0, math.pi, count))


def _add(out: np.ndarray, sound: np.ndarray, at: float) -> None:
    start = round(at * RATE)
    end = min(len(out), start + len(sound))
    if end > start:
        out[start:end] += sound[: end - start]


def bell(note: int, seconds: float = 2.6) -> np.ndarray:
    """A soft celesta-like tone: slightly inharmonic partials, the high ones dying first."""
    t = _time(seconds)
    f = midi_hz(note)
    partials = ((1.0, 1.0, 1.0), (2.0, 0.30, 0.5), (3.0, 0.10, 0.35), (4.07, 0.06, 0.22), (5.2, 0.025, 0.12))
    tone = np.zeros_like(t)
    for ratio, amp, tau in partials:
        if f * ratio < RATE / 2.5:  # no partials near Nyquist: they would alias into harsh tones
            tone += amp * np.exp(-t / tau) * np.sin(2 * math.pi * f * ratio * t)
    attack = round(0.004 * RATE)
    tone[:attack] *= _raised(attack)
    release = round(0.05 * RATE)
    tone[-release:] *= _raised(release)[::-1]
    return tone


def pad_voice(note: int, seconds: float, attack: float = 0.6, release: float = 0.9) -> np.ndarray:
    """A warm, slowly breathing pad voice: two detuned soft-sawtooth copies with a slow swell."""
    t = _time(seconds)
    f = midi_hz(note)
    voice = np.zeros_like(t)
    for detune in (-0.0018, 0.0018):
        for k in range(1, 9):
            if f * k * (1 + detune) < 6000:  # keep the pad dark: it must sit under a voice
                voice += np.sin(2 * math.pi * f * k * (1 + detune) * t + k * 0.7) / k ** 1.8
    voice *= 1 + 0.08 * np.sin(2 * math.pi * 0.4 * t)  # slow movement, like a bowed chord
    envelope = np.ones_like(t)
    a, r = round(attack * RATE), round(release * RATE)
    envelope[:a] = _raised(a)
    envelope[-r:] = _raised(r)[::-1]
    return voice * envelope


def bass(note: int, seconds: float) -> np.ndarray:
    t = _time(seconds)
    f = midi_hz(note)
    tone = np.sin(2 * math.pi * f * t) + 0.35 * np.sin(4 * math.pi * f * t) + 0.12 * np.sin(6 * math.pi * f * t)
    envelope = np.exp(-t / 2.5)
    a, r = round(0.03 * RATE), round(0.6 * RATE)
    envelope[:a] *= _raised(a)
    envelope[-r:] *= _raised(r)[::-1]
    return tone * envelope


def reverb(dry: np.ndarray, seconds: float = 2.2, wet: float = 0.28, seed: int = 7) -> np.ndarray:
    """Convolution with a synthetic room: decaying, darkened noise after a short pre-delay."""
    rng = np.random.default_rng(seed)
    t = _time(seconds)
    response = rng.standard_normal(len(t)) * np.exp(-t * 6.91 / seconds)  # -60 dB at the end
    spectrum = np.fft.rfft(response)
    freqs = np.fft.rfftfreq(len(response), 1 / RATE)
    response = np.fft.irfft(spectrum / (1 + (freqs / 3500) ** 2), len(response))  # air absorbs highs
    response = np.concatenate([np.zeros(round(0.025 * RATE)), response])
    response /= math.sqrt(np.sum(response ** 2))
    size = 1 << (len(dry) + len(response)).bit_length()
    tail = np.fft.irfft(np.fft.rfft(dry, size) * np.fft.rfft(response, size), size)[: len(dry)]
    return (1 - wet) * dry + wet * tail * 4.0


def synthesize_intro() -> np.ndarray:
    """The intro as mono float64 samples at 44.1 kHz, peak at ``PEAK_DBFS``."""
    out = np.zeros(round(LENGTH_SECONDS * RATE))
    last = len(PROGRESSION) - 1
    for index, (voicing, bass_note, tones) in enumerate(PROGRESSION):
        start = index * CHORD_SECONDS
        hold = LENGTH_SECONDS - start if index == last else CHORD_SECONDS + 0.9  # overlap into the next chord
        for note in voicing:
            _add(out, 0.05 * pad_voice(note, hold), start)
        _add(out, 0.16 * bass(bass_note, hold), start)
        if index == last:
            # Home: a slow rolled chord that rings out.
            for step, tone_index in enumerate((0, 1, 2, 3)):
                _add(out, 0.16 * (1 - 0.1 * step) * bell(tones[tone_index], 3.0), start + step * 0.14)
            continue
        note_seconds = CHORD_SECONDS / len(ARPEGGIO)
        for step, (tone_index, accent) in enumerate(zip(ARPEGGIO, ACCENTS)):
            _add(out, 0.14 * accent * bell(tones[tone_index]), start + step * note_seconds)
    out = reverb(out)
    fade_in = round(0.02 * RATE)
    out[:fade_in] *= _raised(fade_in)
    fade_out = round(FADE_OUT_SECONDS * RATE)
    out[-fade_out:] *= _raised(fade_out)[::-1]
    return out * (10 ** (PEAK_DBFS / 20) / np.max(np.abs(out)))


def write_intro(path: Path, bitrate: int = 128) -> None:
    """Synthesize the intro and write it as a mono 44.1 kHz CBR MP3, atomically."""
    samples = synthesize_intro().astype("<f4")
    tmp = temp_sibling(path)
    try:
        run_ffmpeg(
            ["-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
             "-c:a", "libmp3lame", "-b:a", f"{bitrate}k", "-compression_level", "0",
             "-fflags", "+bitexact", "-flags:a", "+bitexact",  # no encoder version: rebuilds are identical
             "-metadata", "title=audioessay intro", "-metadata", "artist=audioessay",
             "-metadata", "comment=Synthesized by audioessay.master.music; free to use (CC0)",
             "-f", "mp3", "-y", file_arg(tmp)],
            what="encoding the intro music", input=samples.tobytes(),
        )
        os.replace(tmp, path)  # temp_sibling already made it readable (umask), like any published file
    finally:
        if tmp.exists():
            tmp.unlink()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write audioessay's synthesized intro music as an MP3.")
    parser.add_argument("output", nargs="?", default="audio/intro.mp3", type=Path)
    parser.add_argument("--bitrate", type=int, default=128, help="kbps (default 128)")
    args = parser.parse_args(argv)
    write_intro(args.output, args.bitrate)
    print(f"wrote {args.output} ({args.output.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
