"""The pyttsx3 engine (espeak-ng's library on Linux), with every known pyttsx3 bug contained here.

pyttsx3 2.99's espeak driver has bugs that bite a batch renderer (file names and line numbers
below are inside the installed ``pyttsx3/drivers/``). Each workaround below names the bug:

1. ``runAndWait()`` can return before the file exists: we wait for the file and the
   ``finished-utterance`` callback, with a timeout.
2. A ``save_to_file`` of ~13,500+ characters segfaults (``_espeak.py`` ~213): chunks are
   kept under :data:`MAX_CHUNK` characters, split at clause or word boundaries.
3. Audio accumulates with ``bytes +=`` (``espeak.py`` 254), quadratic in chunk length:
   the same small chunks keep that cheap.
4. Several ``save_to_file`` calls before one ``runAndWait`` write only the last file
   (``espeak.py`` 162-163): exactly one file per ``runAndWait``.
5. ``runAndWait`` ends with ``stop()``, which cancels espeak while it is still finishing:
   rate/volume silently dropped and empty WAVs reported as success. We replace ``stop``
   with a no-op on *this engine's driver instance only* (not the class), re-apply voice,
   rate and volume before every take, and check every take's length.
6. ``getProperty('rate')`` reports a wrong value (``_espeak.py`` 381): we never read it back.
7. Forking after pyttsx3 was used hangs: workers are started with ``spawn`` (voice/narrate.py).
8. espeak state is process-global: one engine per process (the module-level instance).
9. It prints ``Audio saved to ...`` on stdout: silenced around each call.
10. Output is 22,050 Hz mono 16-bit; the mixer resamples.
11. Audio is not bit-reproducible: the take cache keys on the request, never the audio.
12. The driver's loop sleeps 10 ms after each poll: see :class:`_FastPoll`.
13. The driver writes the file inside espeak's ctypes callback (``espeak.py`` 208), where an
    error (a full disk) is printed and ignored, and the callback never ends the driver's loop:
    ``runAndWait`` then ran until our timeout, three times over, and blamed the sentence. The
    driver's WAV is kept in memory instead (:class:`_SavedInMemory`); the engine writes the take
    itself, where an error is raised at once (a full disk as :class:`DiskFullError`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import io
import re
import signal
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from audioessay.errors import NarrationError
from audioessay.fsutil import disk_full_as_error
from audioessay.models import VoiceSettings
from audioessay.system import espeak_ng_library, install_hint
from audioessay.voice.engine import (
    ESPEAK_WORD_GAP,
    UNKNOWN_VOICE_HINT,
    Availability,
    VoiceInfo,
    engine_text,
    espeak_voice,
    variant_names,
    voice_names,
)

MAX_CHUNK = 3000  # characters: far below the ~13,500-character crash (bug 2) and cheap for bug 3
TAKE_TIMEOUT = 60.0  # seconds for one chunk, generous for 3,000 characters (~20 s of speech)
RETRIES = 3
ESPEAK_WORDGAP = 7  # espeak_PARAMETER's espeakWORDGAP (speak_lib.h), which pyttsx3's _espeak does not name


def split_for_engine(text: str, limit: int = MAX_CHUNK) -> list[str]:
    """Split text into chunks of at most ``limit`` characters at the best boundary available:
    sentence end, then clause punctuation, then a space, and only as a last resort mid-word."""
    text = " ".join(text.split())
    chunks: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = -1
        for pattern in (r"[.!?]\s", r"[;:,)\]]\s|\s[-–—]\s", r"\s"):
            matches = list(re.finditer(pattern, window))
            if matches:
                cut = matches[-1].start() + 1
                break
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        chunks.append(text)
    return chunks


def expected_seconds(text: str, rate: int) -> float:
    """A rough duration for ``text`` at ``rate`` words per minute (used to catch truncated takes)."""
    words = max(1, len(re.findall(r"\w+", text)))
    return words * 60.0 / rate


def check_take(take: Path | bytes, text: str, rate: int) -> int:
    """Frames in the WAV at ``take`` (a path, or the file's bytes); raises NarrationError if it
    is empty or implausibly short."""
    try:
        with wave.open(io.BytesIO(take) if isinstance(take, bytes) else str(take), "rb") as wav:
            frames, framerate = wav.getnframes(), wav.getframerate()
    except (OSError, EOFError, wave.Error) as exc:
        raise NarrationError(f"the engine wrote an unreadable take ({exc})") from None
    seconds = frames / framerate if framerate else 0.0
    if frames == 0 or seconds < 0.25 * expected_seconds(text, rate):
        raise NarrationError(
            f"the engine produced a take of {seconds:.2f} s for {len(text)} characters of text"
        )
    return frames


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt a hung runAndWait loop (bug 1) via SIGALRM; only possible in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Pyttsx3Engine:
    """pyttsx3 driving espeak-ng's library in this process (one per worker process)."""

    name = "pyttsx3"

    def __init__(self) -> None:
        self._engine: Any = None
        self._finished = threading.Event()
        self._voice_names: set[str] | None = None
        self._variants: dict[str, str] | None = None

    def availability(self) -> Availability:
        try:
            import pyttsx3  # noqa: F401
        except ImportError as exc:
            return Availability(False, f"the Python package pyttsx3 is missing ({exc})",
                                "pip install pyttsx3")
        if not _espeak_library():
            return Availability(False, "the espeak-ng library (libespeak-ng1) is not installed",
                                install_hint("espeak-ng"))
        return Availability(True)

    def version(self) -> str:
        return f"pyttsx3-{importlib.metadata.version('pyttsx3')}/{_espeak_library() or 'none'}/gap{ESPEAK_WORD_GAP}"

    def voices(self) -> list[VoiceInfo]:
        engine = self._start()
        found = []
        for voice in engine.getProperty("voices"):
            languages = [str(lang) for lang in (voice.languages or [])]
            found.append(VoiceInfo(id=voice.id, name=voice.name,
                                   language=languages[0] if languages else "", gender=voice.gender or ""))
        return found

    def _start(self) -> Any:
        if self._engine is None:
            import pyttsx3

            with contextlib.redirect_stdout(io.StringIO()):  # bug 9
                engine = pyttsx3.init("espeak")
            # Bug 5: the driver's stop() cancels espeak mid-utterance. A no-op on this one
            # driver instance; the class and other engines are untouched.
            engine.proxy._driver.stop = lambda: None
            _poll_faster()
            _save_in_memory()
            engine.connect("finished-utterance", lambda name, completed: self._finished.set())
            self._engine = engine
        return self._engine

    def _espeak_voice(self, voice: str) -> str | None:
        if self._voice_names is None or self._variants is None:
            self._voice_names = voice_names(self.voices())
            self._variants = _variants()
        return espeak_voice(voice, self._voice_names, self._variants)

    def synthesize(self, text: str, settings: VoiceSettings, out: Path) -> None:
        engine = self._start()
        voice = self._espeak_voice(settings.voice)
        if voice is None:
            # espeak silently keeps the previous voice for an unknown name: refuse instead.
            raise NarrationError(f"unknown voice '{settings.voice}' for engine pyttsx3", hint=UNKNOWN_VOICE_HINT)
        said = dataclasses.replace(settings, voice=voice)
        pieces: list[bytes] = []
        for index, chunk in enumerate(split_for_engine(engine_text(settings, text))):
            name = f"{out}.{index}.chunk.wav"  # what the driver is told to save: kept in memory (bug 13)
            pieces.append(self._take_with_retries(engine, chunk, said, name))
        with disk_full_as_error(out), wave.open(str(out), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(22050)
            for data in pieces:
                wav.writeframes(data)

    def _take_with_retries(self, engine: Any, chunk: str, settings: VoiceSettings, name: str) -> bytes:
        last_error: Exception | None = None
        for _attempt in range(RETRIES):
            try:
                saved = self._one_take(engine, chunk, settings, name)
                check_take(saved, chunk, settings.rate)
                with wave.open(io.BytesIO(saved), "rb") as wav:
                    return wav.readframes(wav.getnframes())
            except (NarrationError, _Timeout) as exc:
                last_error = exc
            finally:
                _SAVED.files.pop(name, None)
        reason = "it timed out" if isinstance(last_error, _Timeout) else str(last_error)
        raise NarrationError(
            f"pyttsx3 failed {RETRIES} times on: {chunk[:60]!r}: {reason}",
            hint="try 'audioessay render --engine espeak-ng', or check the text of that sentence",
        )

    def _one_take(self, engine: Any, chunk: str, settings: VoiceSettings, name: str) -> bytes:
        """The WAV file's bytes for ``chunk``, as the driver saved it under ``name`` (in memory)."""
        self._finished.clear()
        _SAVED.files.pop(name, None)
        # Bug 5: properties may have been dropped after the previous take: set them every time.
        engine.setProperty("voice", settings.voice)
        engine.setProperty("rate", settings.rate)
        engine.setProperty("volume", settings.volume)
        # pyttsx3 has no property for espeak-ng's word gap: queued like the properties, after the voice.
        engine.proxy._push(_set_word_gap, (ESPEAK_WORD_GAP,))
        engine.save_to_file(chunk, name)  # bug 4: one file per runAndWait
        with _time_limit(TAKE_TIMEOUT), contextlib.redirect_stdout(io.StringIO()):
            engine.runAndWait()
            # Bug 1: runAndWait may return before the file is complete (the driver closes it,
            # then says the utterance finished).
            deadline = time.monotonic() + TAKE_TIMEOUT
            while not (self._finished.is_set() and name in _SAVED.files):
                if time.monotonic() > deadline:
                    raise _Timeout()
                time.sleep(0.005)
        return _SAVED.files[name].getvalue()


class _FastPoll:
    """The ``time`` module as pyttsx3's espeak driver sees it, with short sleeps.

    Bug 12: the driver's ``startLoop`` sleeps 10 ms after each poll (``espeak.py`` 273), so every
    take costs at least 10 ms of idle time, longer than espeak needs for a short sentence. Polling
    every millisecond costs nothing measurable and keeps the worker busy.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(min(seconds, 0.001))


def _poll_faster() -> None:
    import pyttsx3.drivers.espeak as driver

    if getattr(driver, "time", None) is time:
        driver.time = _FastPoll()


class _SavedInMemory:
    """The ``wave`` module as pyttsx3's espeak driver sees it: a WAV it saves by name is written
    into memory (``files``, by that name), never to the disk (bug 13). Everything else, e.g. the
    file object its ``say`` plays from, is the real module's."""

    def __init__(self) -> None:
        self.files: dict[str, io.BytesIO] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(wave, name)

    def open(self, f: Any, mode: str | None = None) -> Any:
        if isinstance(f, str) and mode == "wb":
            buffer = self.files[f] = io.BytesIO()
            return wave.open(buffer, "wb")  # closing it keeps the buffer (wave closes only what it opened)
        return wave.open(f, mode)


_SAVED = _SavedInMemory()


def _save_in_memory() -> None:
    import pyttsx3.drivers.espeak as driver

    if getattr(driver, "wave", None) is wave:
        driver.wave = _SAVED


def _variants() -> dict[str, str]:
    """espeak-ng's voice variants, as its library lists them (the spec "variant" is how the
    ``espeak-ng --voices=variant`` command asks for them; pyttsx3 has no call for it)."""
    import ctypes

    from pyttsx3.drivers import _espeak

    spec = _espeak.VOICE()
    spec.languages = b"variant"
    return variant_names(v.identifier.decode(errors="replace") for v in _espeak.ListVoices(ctypes.pointer(spec)))


def _set_word_gap(gap: int) -> None:
    from pyttsx3.drivers import _espeak

    _espeak.SetParameter(ESPEAK_WORDGAP, gap, 0)


def _espeak_library() -> str | None:
    """The loadable espeak-ng shared library's name, or None. Loading does not start espeak."""
    return espeak_ng_library()
