"""A Piper voice model in two halves, so that a long sentence is voiced a few seconds at a time.

Why: a Piper (VITS) model turns a sentence's phonemes into its whole waveform in one run, and its
last part, the vocoder, holds tensors in proportion to the sentence: a 26-second sentence took a
process to 780 MB, and a worker's peak was always its longest sentence (issue 18). The vocoder is
a stack of convolutions with a bounded context, so decoding the latent in windows with
:data:`OVERLAP` frames of context on either side gives the same samples, to within float
rounding (at most 5e-7 on the joe voice, where one 16-bit step is 3e-5; compared in
``tests/voice/test_piper_split.py``), in memory bounded by the window. A sentence shorter than a
window and its overlap is decoded in one run. The vocoder's convolutions are also made
two-dimensional when it is cut (:func:`as_2d`), which onnxruntime runs faster.

The halves are cut once per model content (its sha256) by a child process, because loading a
model with the ``onnx`` library peaks near 300 MB, and kept in
``$XDG_CACHE_HOME/audioessay/piper/<sha256>/`` with their own sha256, which the engine checks
before loading them (a changed half means the whole model is used). A model that is not laid
out as Piper's own export (no ``/dec/conv_pre/Conv`` node, a speaker input, a second output) is
used whole, as before.

    python -m audioessay.voice.piper_split MODEL.onnx DIRECTORY   # what the child process runs
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# Measured on the joe voice (largest difference from the whole model): 0 frames of context 0.6,
# 4 frames 0.02, 8 frames 1e-3, 16 frames 2e-7, float rounding, as with 24 or 32. Whole piper renders
# (bench/piper_render.py, two takes at once) peaked at 304-310 MB with windows of 160 frames, 295-305
# with 128, 289-294 with 112 and 278-279 with 96; the overlaps made the vocoder's CPU time per frame
# 1.3%, 4% and 11% more than with 160.
WINDOW = 112  # latent frames decoded per run: about 1.3 s of audio at 22,050 Hz (256 samples a frame)
OVERLAP = 16  # latent frames decoded on each side of a window, then dropped: the convolutions' context
VOCODER_ENTRY = "/dec/conv_pre/Conv"  # the vocoder's first node in Piper's own ONNX export
SPLIT_VERSION = 4  # bump when the halves are cut differently: older cached halves are cut again
# Every operation in Piper's vocoder, which all work on a tensor of any rank (see ``as_2d``).
_RANK_FREE = frozenset({"Conv", "ConvTranspose", "LeakyRelu", "Add", "Div", "Mul", "Tanh"})
_META = "split.json"


@dataclass(frozen=True)
class SplitModel:
    """The two halves of a model: phonemes -> latent (``encoder``), latent -> audio (``decoder``)."""

    encoder: Path
    decoder: Path
    latent: str  # the name of the tensor between them
    sha256: tuple[str, str] = ("", "")  # of the encoder and the decoder as they were cut (checked before use)


def cache_dir(digest: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "audioessay" / "piper" / digest


def split_model(model: Path, digest: str) -> SplitModel | None:
    """The halves of ``model`` (whose sha256 is ``digest``), cut on first use; None when it is used whole
    (not Piper's layout, or the ``onnx`` library is not installed)."""
    folder = cache_dir(digest)
    found = _read_split(folder)
    if found is not None:
        return found or None
    if importlib.util.find_spec("onnx") is None:  # piper-tts installed without the piper extra
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be cutting the same model
            found = _read_split(folder)
            if found is None:
                subprocess.run([sys.executable, "-m", __name__, str(model), str(folder)],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=600, check=False)
                found = _read_split(folder)
    except (OSError, subprocess.SubprocessError):
        return None  # no cache to write to: the whole model still works
    return found or None


def _read_split(folder: Path) -> SplitModel | Literal[False] | None:
    """The halves recorded in ``folder``; False when the model was found to be used whole; None when
    nothing (current) is recorded."""
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("version") != SPLIT_VERSION:
        return None
    if not meta.get("latent"):
        return False
    digests = meta.get("sha256")
    if not (isinstance(digests, list) and len(digests) == 2 and all(isinstance(d, str) for d in digests)):
        return None
    split = SplitModel(folder / "encoder.onnx", folder / "decoder.onnx", str(meta["latent"]), (digests[0], digests[1]))
    return split if split.encoder.is_file() and split.decoder.is_file() else None


class WindowedSession:
    """Stands in for a Piper model's onnxruntime session (``PiperVoice.session``): ``run`` takes the
    same inputs and gives the same audio, made by the encoder once and the decoder window by window."""

    def __init__(self, encoder: Any, decoder: Any, latent: str) -> None:
        self.encoder, self.decoder, self.latent = encoder, decoder, latent

    def run(self, _output_names: Any, feed: dict[str, Any]) -> list[Any]:
        """The audio for ``feed`` (Piper's model has one output, so the names asked for do not matter)."""
        import numpy as np

        (latent,) = self.encoder.run(None, feed)
        frames = latent.shape[2]
        if frames <= WINDOW + OVERLAP:
            return self.decoder.run(None, {self.latent: latent})
        pieces = []
        for start in range(0, frames, WINDOW):
            end = min(frames, start + WINDOW)
            low, high = max(0, start - OVERLAP), min(frames, end + OVERLAP)
            window = np.ascontiguousarray(latent[:, :, low:high])
            (audio,) = self.decoder.run(None, {self.latent: window})
            per_frame = audio.shape[-1] // (high - low)
            pieces.append(audio[..., (start - low) * per_frame:(end - low) * per_frame])
        return [np.concatenate(pieces, axis=-1)]


def cut(model: Path, folder: Path) -> str | None:
    """Write ``model``'s two halves into ``folder`` (atomically, then ``split.json``); the latent's name,
    or None when the model is to be used whole."""
    import onnx
    import onnx.utils

    proto = onnx.load(str(model))
    graph = proto.graph
    entry = next((node for node in graph.node if node.name == VOCODER_ENTRY), None)
    inputs = [i.name for i in graph.input]
    latent = entry.input[0] if entry is not None else None
    if latent is None or len(graph.output) != 1 or inputs != ["input", "input_lengths", "scales"]:
        _write_meta(folder, None)
        return None
    extractor = onnx.utils.Extractor(proto)
    halves = {"encoder.onnx": extractor.extract_model(inputs, [latent]),
              "decoder.onnx": extractor.extract_model([latent], [graph.output[0].name])}
    if [i.name for i in halves["decoder.onnx"].graph.input] != [latent]:
        _write_meta(folder, None)  # the vocoder needs more than the latent (a speaker, say)
        return None
    as_2d(halves["decoder.onnx"].graph)
    digests = []
    for name, half in halves.items():
        data = half.SerializeToString()
        _write_atomically(folder / name, data)
        digests.append(hashlib.sha256(data).hexdigest())
    _write_meta(folder, latent, digests)
    return latent


def as_2d(graph: Any) -> bool:
    """Make the vocoder's one-dimensional convolutions two-dimensional, one row high, in place; False
    (and untouched) when the graph has an operation that this could change.

    Why: onnxruntime runs a 2-D convolution in its blocked (NCHWc) layout, with kernels for the CPU's
    vector width, and only a 1-D one through im2col: the vocoder took 14% less CPU time for the same
    samples (to within 2e-7), measured on the joe voice. The latent gains a row (``[1, C, T]`` ->
    ``[1, C, 1, T]``); every weight gains one too; the elementwise operations do not care; the final
    ``Unsqueeze`` that made Piper's ``[1, 1, 1, T]`` output is then already done.
    """
    import numpy as np
    from onnx import helper, numpy_helper

    if not _can_be_2d(graph):
        return False
    *body, last = graph.node
    weights = {w.name: w for w in graph.initializer}
    latent = graph.input[0].name
    graph.initializer.append(numpy_helper.from_array(np.array([2], dtype=np.int64), "as_2d/row"))
    for node in body:
        node.input[:] = ["as_2d/latent" if name == latent else name for name in node.input]
        if node.op_type in ("Conv", "ConvTranspose"):
            _conv_as_2d(node, weights[node.input[1]])
    last.op_type = "Identity"
    axes = last.input[1]
    del last.input[1:]
    if not any(axes in node.input for node in graph.node):  # else onnxruntime warns of it at every load
        graph.initializer.remove(weights[axes])
    graph.node.insert(0, helper.make_node("Unsqueeze", [latent, "as_2d/row"], ["as_2d/latent"], name="as_2d/latent"))
    del graph.value_info[:]  # the recorded shapes are 1-D ones
    return True


def _can_be_2d(graph: Any) -> bool:
    """Whether every operation gives the same values on a tensor one row higher: rank-free operations,
    weights known in advance, only single numbers as the elementwise operations' constants (a
    ``[C, 1]`` constant would broadcast differently), and a last ``Unsqueeze`` to ``[1, 1, 1, T]``."""
    from onnx import numpy_helper

    *body, last = graph.node
    weights = {w.name: w for w in graph.initializer}
    if last.op_type != "Unsqueeze" or last.output[0] != graph.output[0].name or len(last.input) != 2:
        return False
    axes = weights.get(last.input[1])
    if axes is None or set(numpy_helper.to_array(axes).tolist()) - {0, 1, 2}:
        return False
    for node in body:
        if node.op_type not in _RANK_FREE:
            return False
        if node.op_type in ("Conv", "ConvTranspose"):
            if node.input[1] not in weights or len(weights[node.input[1]].dims) != 3:
                return False
        elif any(name in weights and math.prod(weights[name].dims) != 1 for name in node.input):
            return False
    return True


def _conv_as_2d(node: Any, weight: Any) -> None:
    """One convolution's weight ``[O, I, K]`` -> ``[O, I, 1, K]`` and its attributes to match."""
    from onnx import numpy_helper

    if len(weight.dims) == 3:  # (a weight shared by two convolutions is made 2-D once)
        weight.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(weight)[:, :, None, :], weight.name))
    for attribute in node.attribute:
        values = list(attribute.ints)
        if attribute.name in ("dilations", "kernel_shape", "strides", "output_padding"):
            attribute.ints[:] = [1, *values]
        elif attribute.name == "pads":  # [begin, end] -> [row begin, begin, row end, end]
            attribute.ints[:] = [0, values[0], 0, values[1]]


def _write_meta(folder: Path, latent: str | None, digests: list[str] | None = None) -> None:
    meta = {"version": SPLIT_VERSION, "latent": latent, "sha256": digests, "window": WINDOW, "overlap": OVERLAP}
    _write_atomically(folder / _META, json.dumps(meta).encode())


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


if __name__ == "__main__":
    cut(Path(sys.argv[1]), Path(sys.argv[2]))
