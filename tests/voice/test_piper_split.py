"""A Piper model cut in two, its vocoder run window by window (issue 18: memory), on the real joe voice.

Memory itself is measured by bench/voices.py and bench/piper_render.py; here: the same audio, the
cache of halves, and the models that are used whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from conftest import joe_voice
from onnx import TensorProto, helper

from audioessay.models import VoiceSettings
from audioessay.voice import piper_split
from audioessay.voice.piper_engine import PiperEngine, model_sha256, session_options
from audioessay.voice.piper_split import OVERLAP, WINDOW, WindowedSession, split_model

LONG = ("The committee, which had met only twice in the long years since the first reports, argued that the "
        "road to reform would need not only patience but also money, time, and a great deal of public goodwill "
        "that nobody had yet earned, nor could earn in a single season of speeches and promises.")


@pytest.fixture(autouse=True)
def private_cache(piper_cache: Path) -> Path:
    return piper_cache


def whole_session() -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(str(joe_voice()), sess_options=session_options(onnxruntime),
                                        providers=["CPUExecutionProvider"])


def feed_for(text: str) -> dict[str, np.ndarray]:
    """The model's inputs for ``text`` with its noise turned off, so that two runs can be compared."""
    voice = PiperEngine().load(joe_voice())
    ids = [i for phonemes in voice.phonemize(text) for i in voice.phonemes_to_ids(phonemes)]
    return {"input": np.array([ids], dtype=np.int64), "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array([0.0, 1.0, 0.0], dtype=np.float32)}


@pytest.mark.parametrize("text", [LONG, "A short one."])
def test_the_windowed_vocoder_gives_the_whole_model_s_samples(text: str) -> None:
    voice = PiperEngine().load(joe_voice())
    assert isinstance(voice.session, WindowedSession)
    feed = feed_for(text)
    (whole,) = whole_session().run(None, feed)
    (windowed,) = voice.session.run(None, feed)
    assert windowed.shape == whole.shape
    assert np.abs(windowed - whole).max() < 1e-5  # far below one step of 16-bit audio (3e-5)
    frames = whole.shape[-1] // 256
    assert (frames > 3 * WINDOW) == (text == LONG)  # the long text really spans several windows


def test_windows_cover_every_frame_once_at_any_length() -> None:
    """A stand-in decoder that outputs each latent frame's index 256 times: the joined audio is every
    frame once, in order, whatever the length (window edges, a last short window)."""

    class Echo:
        def run(self, _names: object, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
            (latent,) = feed.values()
            return [np.repeat(latent[:, :1, :], 256, axis=-1)]

    class Latent:
        def __init__(self, frames: int) -> None:
            self.frames = frames

        def run(self, _names: object, _feed: object) -> list[np.ndarray]:
            return [np.arange(self.frames, dtype=np.float32).reshape(1, 1, -1).repeat(2, axis=1)]

    for frames in [1, WINDOW, WINDOW + OVERLAP, WINDOW + OVERLAP + 1, 2 * WINDOW, 2 * WINDOW + 1, 5 * WINDOW + 7]:
        (audio,) = WindowedSession(Latent(frames), Echo(), "z").run(None, {})
        assert np.array_equal(audio[0, 0], np.repeat(np.arange(frames, dtype=np.float32), 256)), frames


def test_the_halves_are_cut_once_and_kept(private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    digest = model_sha256(joe_voice())
    assert digest
    first = split_model(joe_voice(), digest)
    assert first is not None and first.encoder.parent == private_cache / "audioessay" / "piper" / digest
    meta = json.loads((first.encoder.parent / "split.json").read_text())
    assert meta["latent"] == first.latent and meta["window"] == WINDOW
    assert first.sha256 == (model_sha256(first.encoder), model_sha256(first.decoder))

    def no_second_cut(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was cut again")

    monkeypatch.setattr(subprocess, "run", no_second_cut)
    assert split_model(joe_voice(), digest) == first


def test_a_damaged_record_is_cut_again(private_cache: Path) -> None:
    digest = model_sha256(joe_voice())
    assert digest
    first = split_model(joe_voice(), digest)
    assert first is not None
    (first.encoder.parent / "split.json").write_text("{not json")
    first.decoder.unlink()
    again = split_model(joe_voice(), digest)
    assert again == first and again.decoder.is_file()


def test_a_model_not_laid_out_as_piper_s_is_used_whole(tmp_path: Path) -> None:
    node = helper.make_node("Identity", ["input"], ["output"], name="/just/identity")
    graph = helper.make_graph([node], "plain", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1])])
    model = tmp_path / "plain.onnx"
    onnx.save(helper.make_model(graph), str(model))
    assert split_model(model, "0" * 64) is None
    meta = json.loads((piper_split.cache_dir("0" * 64) / "split.json").read_text())
    assert meta["latent"] is None  # remembered: not cut again next time


def test_without_the_onnx_library_the_model_is_used_whole_and_never_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a))

    def no_cut(*args: object, **kwargs: object) -> None:
        raise AssertionError("a child process was started to cut the model")

    monkeypatch.setattr(subprocess, "run", no_cut)
    digest = model_sha256(joe_voice())
    assert digest and split_model(joe_voice(), digest) is None
    assert isinstance(PiperEngine().load(joe_voice()).session, onnxruntime.InferenceSession)


def test_a_half_changed_after_it_was_cut_is_never_loaded(private_cache: Path) -> None:
    digest = model_sha256(joe_voice())
    assert digest
    halves = split_model(joe_voice(), digest)
    assert halves is not None
    with halves.decoder.open("ab") as decoder:
        decoder.write(b"\0")  # damaged, or replaced by someone else
    assert isinstance(PiperEngine().load(joe_voice()).session, onnxruntime.InferenceSession)  # the whole model


def test_no_cache_folder_means_the_whole_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    voice = PiperEngine().load(joe_voice())
    assert isinstance(voice.session, onnxruntime.InferenceSession)
    out = tmp_path / "take.wav"
    PiperEngine().synthesize("Still spoken.", VoiceSettings(engine="piper"), out)
    assert out.stat().st_size > 10_000


def test_the_cut_vocoder_is_two_dimensional(private_cache: Path) -> None:
    split = split_model(joe_voice(), model_sha256(joe_voice()))
    assert split is not None
    decoder = onnx.load(str(split.decoder))
    weights = {w.name: w for w in decoder.graph.initializer}
    convolutions = [n for n in decoder.graph.node if n.op_type in ("Conv", "ConvTranspose")]
    assert len(convolutions) > 20 and all(len(weights[n.input[1]].dims) == 4 for n in convolutions)


def vocoder_like(*extra: onnx.NodeProto, axes: int = 1, scale: np.ndarray | None = None) -> onnx.ModelProto:
    """A small vocoder laid out as Piper's: conv, leaky ReLU, upsampling, a residual add, a division
    by a constant, tanh and the final Unsqueeze; ``extra`` nodes go before the tanh."""
    rng = np.random.default_rng(7)

    def tensor(name: str, values: np.ndarray) -> onnx.TensorProto:
        return onnx.numpy_helper.from_array(values, name)

    weights = [tensor("pre.w", rng.standard_normal((8, 4, 5)).astype(np.float32)),
               tensor("pre.b", rng.standard_normal(8).astype(np.float32)),
               tensor("up.w", rng.standard_normal((8, 3, 4)).astype(np.float32)),
               tensor("post.w", rng.standard_normal((1, 3, 3)).astype(np.float32)),
               tensor("two", np.array(2.0 if scale is None else scale, dtype=np.float32)),
               tensor("axes", np.array([axes], dtype=np.int64))]
    nodes = [helper.make_node("Conv", ["z", "pre.w", "pre.b"], ["a"], kernel_shape=[5], pads=[2, 2], dilations=[1]),
             helper.make_node("LeakyRelu", ["a"], ["b"], alpha=0.1),
             helper.make_node("ConvTranspose", ["b", "up.w"], ["c"], kernel_shape=[4], strides=[2], pads=[1, 1]),
             helper.make_node("Conv", ["c", "post.w"], ["d"], kernel_shape=[3], pads=[1, 1]),
             helper.make_node("Add", ["d", "d"], ["e"]),
             helper.make_node("Div", ["e", "two"], ["f"]),
             *extra,
             helper.make_node("Tanh", ["f"], ["g"]),
             helper.make_node("Unsqueeze", ["g", "axes"], ["out"])]
    graph = helper.make_graph(nodes, "vocoder", [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 4, "T"])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])


def run(model: onnx.ModelProto, latent: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"z": latent})[0]


def test_a_vocoder_made_two_dimensional_gives_the_same_samples() -> None:
    latent = np.random.default_rng(1).standard_normal((1, 4, 37)).astype(np.float32)
    model = vocoder_like()
    before = run(model, latent)
    assert piper_split.as_2d(model.graph)
    after = run(model, latent)
    assert before.shape == after.shape == (1, 1, 1, 74)
    assert np.abs(before - after).max() < 1e-5


@pytest.mark.parametrize("model", [
    vocoder_like(helper.make_node("Relu", ["f"], ["f2"])),  # an operation not known to be rank-free
    vocoder_like(axes=3),  # the last Unsqueeze would make [1, 1, T, 1]
    vocoder_like(scale=np.full((2, 1), 2.0)),  # a constant that broadcasts by rank
], ids=["unknown operation", "another output shape", "a constant with a shape"])
def test_a_vocoder_that_could_change_is_left_one_dimensional(model: onnx.ModelProto) -> None:
    before = model.SerializeToString()
    assert not piper_split.as_2d(model.graph)
    assert model.SerializeToString() == before


def test_the_two_dimensional_vocoder_loads_without_warnings(private_cache: Path) -> None:
    split = split_model(joe_voice(), model_sha256(joe_voice()))
    assert split is not None
    code = ("import onnxruntime; onnxruntime.InferenceSession("
            f"{str(split.decoder)!r}, providers=['CPUExecutionProvider'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stderr == ""  # onnxruntime prints a warning for every initializer nothing uses
