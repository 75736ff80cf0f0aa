"""Helpers shared by the mastering tests (no tests here): generated takes, scripts, decoding."""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import numpy as np
from pydub import AudioSegment
from pydub.generators import Sine, WhiteNoise

from audioessay.master.episode import EpisodeTags
from audioessay.models import Paragraph, Pause, Script, ScriptHeader, Section, Sentence
from audioessay.workspace import AudioConfig

RATE = 44100
TAGS = EpisodeTags(title="Tone Test", artist="Tester", album="The Tone Show", date="2024-05-01", track=7,
                   description="An episode of generated tones.", cover=None)


def tone_take(path: Path, seconds: float, *, freq: float = 440.0, rate: int = 22050, volume_db: float = -20.0,
              lead: float = 0.0, tail: float = 0.0, noise: bool = False) -> Path:
    """A mono 16-bit WAV: ``lead`` s of silence, a tone (or noise) burst with 5 ms fades, ``tail`` s of silence."""
    generator = WhiteNoise(sample_rate=rate) if noise else Sine(freq, sample_rate=rate)
    burst = generator.to_audio_segment(duration=seconds * 1000, volume=volume_db).fade_in(5).fade_out(5)
    audio = AudioSegment.silent(lead * 1000, frame_rate=rate) + burst + AudioSegment.silent(tail * 1000, frame_rate=rate)
    audio.set_channels(1).set_sample_width(2).export(path, format="wav")
    return path


def wav_bytes(samples: np.ndarray, rate: int, *, declared_frames: int | None = None) -> bytes:
    """A 16-bit mono WAV; ``declared_frames`` lets a test lie in the header (a truncated file)."""
    data = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    frames = len(samples) if declared_frames is None else declared_frames
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    return (b"RIFF" + struct.pack("<I", 36 + frames * 2) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
            + b"data" + struct.pack("<I", frames * 2) + data)


def script_of(*sections: tuple[str | None, list[list[str | float]]]) -> Script:
    """A Script from (title, paragraphs) where a paragraph lists sentences and pause seconds."""
    built = tuple(
        Section(title, tuple(Paragraph(tuple(Pause(i) if isinstance(i, float) else Sentence(i) for i in para))
                             for para in paragraphs))
        for title, paragraphs in sections
    )
    return Script(ScriptHeader(source="seeds/t.txt", source_sha256="0", title="T", body_sha256="0"), built)


def decode(path: Path) -> np.ndarray:
    """An audio file as mono float samples at 44.1 kHz (ffmpeg's gapless MP3 decoding)."""
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", f"file:{path}", "-f", "f32le", "-ac", "1",
                          "-ar", str(RATE), "pipe:1"], capture_output=True, check=True).stdout
    return np.frombuffer(out, "<f4").astype(np.float64)


def levels_db(samples: np.ndarray, window: int = 441) -> np.ndarray:
    count = len(samples) // window
    power = (samples[: count * window].reshape(count, window) ** 2).mean(axis=1)
    return 10 * np.log10(power + 1e-20)


def onsets(samples: np.ndarray, threshold_db: float = -45.0, min_gap: float = 0.15) -> list[float]:
    """Times (s) where sound starts after at least ``min_gap`` s of silence (10 ms resolution)."""
    loud = levels_db(samples) > threshold_db
    found, quiet_run = [], int(min_gap * 100)
    for index, is_loud in enumerate(loud):
        if is_loud and quiet_run >= min_gap * 100:
            found.append(index / 100)
        quiet_run = 0 if is_loud else quiet_run + 1
    return found


def tone_level(samples: np.ndarray, freq: float, start: float, end: float) -> float:
    """Amplitude (dBFS) of the ``freq`` component between ``start`` and ``end`` seconds (windowed FFT peak)."""
    piece = samples[int(start * RATE): int(end * RATE)]
    window = np.hanning(len(piece))
    spectrum = 2 * np.abs(np.fft.rfft(piece * window)) / window.sum()
    freqs = np.fft.rfftfreq(len(piece), 1 / RATE)
    band = (freqs > freq * 0.97) & (freqs < freq * 1.03)
    return 20 * np.log10(spectrum[band].max() + 1e-20)


def vtt_cues(text: str) -> list[tuple[float, float, list[str]]]:
    """(start, end, lines) of each cue in a WebVTT file."""
    cues = []
    for block in text.split("\n\n")[1:]:
        lines = [line for line in block.splitlines() if line]
        if not lines:
            continue
        match = re.fullmatch(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})", lines[0])
        assert match, f"bad cue timing line {lines[0]!r}"
        g = [int(x) for x in match.groups()]
        cues.append((g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000, g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000,
                     lines[1:]))
    return cues


def config(**changes: float) -> AudioConfig:
    return AudioConfig(**changes)  # type: ignore[arg-type]


