"""The take cache: one WAV per narration request, keyed by the request, never by the audio.

Audio is not bit-reproducible (the same sentence can differ by a few hundred samples), so
the key is what was asked: engine, engine version, voice settings and the exact text.
A voice model file (``settings.model``) counts by its content, so replacing the model at the
same path re-narrates. Entries are written atomically; an unreadable or truncated entry is
detected and remade.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

from audioessay.fsutil import disk_full_as_error, sha256_file_cached
from audioessay.models import VoiceSettings
from audioessay.voice.engine import engine_text
from audioessay.voice.kokoro_speakers import speakers_sha256

KEY_VERSION = 1  # bump when the meaning of a take changes (e.g. a new chunking rule)


@dataclass(frozen=True)
class TakeRequest:
    """One thing to say, with everything that decides how it sounds."""

    text: str
    settings: VoiceSettings
    engine_version: str

    @functools.cached_property
    def key(self) -> str:
        """The cache key; computed once per request (a render asks for it several times per take)."""
        settings = asdict(self.settings)
        if not settings["voices"]:  # only a kokoro take has one: every other key stays as it was
            del settings["voices"]
        payload = {"v": KEY_VERSION, "text": engine_text(self.settings, self.text), "settings": settings,
                   "engine_version": self.engine_version}
        if self.settings.model:  # only then, so that keys without a model stay as they were
            payload["model_sha256"] = file_sha256(Path(self.settings.model))
        if self.settings.voices:
            payload["voices_sha256"] = speakers_sha256(Path(self.settings.voices))
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def file_sha256(path: Path) -> str | None:
    """A file's content hash, memoized on its size and mtime (a voice model is tens of megabytes and
    every take's key asks for it); None when it is missing (narrating then fails with a clear error)."""
    try:
        return sha256_file_cached(path.resolve())
    except OSError:
        return None


def wav_frames(path: Path) -> int | None:
    """Frames in a complete, readable WAV file; None if it is missing, corrupt or empty."""
    try:
        size = path.stat().st_size
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
            expected = frames * wav.getsampwidth() * wav.getnchannels()
    except (OSError, EOFError, wave.Error):
        return None
    # 44 bytes: the smallest RIFF/WAVE header; a truncated data chunk is shorter than it claims.
    if frames == 0 or size < 44 + expected:
        return None
    return frames


class TakeCache:
    """Takes stored under ``<root>/takes/<key[:2]>/<key>.wav``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / "takes" / key[:2] / f"{key}.wav"

    def get(self, key: str) -> Path | None:
        """The cached take, or None; a corrupt entry is deleted so that it is remade."""
        path = self.path(key)
        if not path.exists():
            return None
        if wav_frames(path) is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return None
        return path

    def temp_path(self, key: str) -> Path:
        """A private temporary file beside the entry, so that ``commit`` is an atomic rename."""
        path = self.path(key)
        with disk_full_as_error(path):
            path.parent.mkdir(parents=True, exist_ok=True)
        return path.with_name(f".{key}.{os.getpid()}.part.wav")

    def commit(self, key: str, temp: Path) -> Path:
        path = self.path(key)
        with disk_full_as_error(path):
            os.replace(temp, path)
        return path

    def entries(self) -> list[Path]:
        """Every committed take. pathlib's glob also matches dot files: skip ``.*.part.wav`` temporaries."""
        return sorted(p for p in (self.root / "takes").glob("*/*.wav") if not p.name.startswith("."))

    def size(self) -> tuple[int, int]:
        """(number of entries, total bytes)."""
        files = self.entries()
        return len(files), sum(f.stat().st_size for f in files)

    def prune(self, keep: set[str]) -> tuple[int, int]:
        """Delete entries whose key is not in ``keep``; returns (entries removed, bytes freed)."""
        removed = freed = 0
        for path in self.entries():
            if path.stem not in keep:
                freed += path.stat().st_size
                path.unlink()
                removed += 1
        return removed, freed

    def clean_partials(self) -> int:
        """Remove temporary files left by a killed run (only call while holding the workspace lock)."""
        count = 0
        for path in (self.root / "takes").glob("*/.*.part.wav"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                count += 1
        return count
