"""Kokoro's speakers: the style vectors that make one voice of the model sound like af_heart or
bm_george.

They come in two layouts, and both are read here:

* one file of every speaker, ``voices-v1.0.bin`` of the kokoro-onnx release (a NumPy ``.npz``);
* a folder of one raw file per speaker, ``af_heart.bin`` (510 x 256 little-endian float32), as
  Kokoro's author publishes them in the npm package ``kokoro-js`` and on Hugging Face.

The npm package is the only registry that ships Kokoro's English speakers. ``make kokoro`` (and
``make test``) install its ``voices/`` folder into this Python environment with
``scripts/install-kokoro-voices``, which checks the package against :data:`KOKORO_JS_SHA256`;
every speaker file is checked against its pinned hash (``data/kokoro-js-voices.sha256``) again
before it is used. audioessay itself never downloads them.
"""

from __future__ import annotations

import importlib.resources
import sys
from functools import cache
from pathlib import Path
from typing import Any

from audioessay.errors import NarrationError
from audioessay.fsutil import sha256_bytes, sha256_file_cached, sha256_text

KOKORO_JS_VERSION = "1.2.1"
KOKORO_JS_URL = f"https://registry.npmjs.org/kokoro-js/-/kokoro-js-{KOKORO_JS_VERSION}.tgz"
KOKORO_JS_SHA256 = "1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860"
SPEAKER_SHAPE = (510, 1, 256)  # a style vector per phoneme count, as kokoro-onnx's voices file holds them
_SPEAKER_BYTES = 510 * 256 * 4


def pinned_hashes() -> dict[str, str]:
    """``af_heart.bin`` -> its sha256, for every speaker file of kokoro-js (``sha256sum`` format)."""
    text = (importlib.resources.files("audioessay") / "data" / "kokoro-js-voices.sha256").read_text("utf-8")
    return {name: digest for digest, name in (line.split() for line in text.splitlines() if line.strip())}


def registry_dir(prefix: Path | None = None) -> Path:
    """Where ``scripts/install-kokoro-voices`` puts kokoro-js's speakers: inside the Python
    environment (``sys.prefix``), like a package's data, so that ``make clean`` removes them."""
    return Path(prefix or sys.prefix) / "share" / "audioessay" / f"kokoro-js-{KOKORO_JS_VERSION}" / "voices"


def registry_speakers() -> Path | None:
    """The installed kokoro-js speakers folder, or None when it was not installed."""
    folder = registry_dir()
    return folder if (folder / "af_heart.bin").is_file() else None


def registry_digest() -> str:
    """What stands for the installed speakers in a take's key: every one is checked against these
    pins before use, so the pins are their content."""
    return sha256_text("".join(f"{name} {digest}\n" for name, digest in sorted(pinned_hashes().items())))


def speakers_sha256(path: Path) -> str | None:
    """A speakers file's content hash; for a folder, one hash over every speaker file in it (so a
    changed speaker re-narrates). None when it cannot be read (narrating then fails clearly)."""
    try:
        if not path.is_dir():
            return sha256_file_cached(path.resolve())
        return sha256_text("".join(f"{file.name} {sha256_file_cached(file)}\n"
                                   for file in sorted(path.resolve().glob("*.bin"))))
    except OSError:
        return None


class Speakers:
    """The speakers of one voices file or folder, each read when first asked for."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pins = pinned_hashes() if path.is_dir() and path.resolve() == registry_dir().resolve() else None
        self._vectors: dict[str, Any] = {}
        self._names = self._read_names()

    @property
    def names(self) -> list[str]:
        return self._names

    def _read_names(self) -> list[str]:
        try:
            if self.path.is_dir():
                return sorted(file.stem for file in self.path.glob("*.bin") if file.is_file())
            import numpy as np

            with np.load(self.path) as speakers:
                return sorted(speakers.files)
        except (OSError, ValueError) as exc:
            raise NarrationError(f"cannot read the Kokoro speakers: {exc}", path=self.path,
                                 hint="give voices-v1.0.bin or a folder of speaker .bin files") from None

    def vector(self, name: str) -> Any:
        """The speaker's style vectors, shaped :data:`SPEAKER_SHAPE`."""
        if name not in self._vectors:
            self._vectors[name] = self._read(name)
        return self._vectors[name]

    def _read(self, name: str) -> Any:
        import numpy as np

        if not self.path.is_dir():
            with np.load(self.path) as speakers:
                return np.asarray(speakers[name], dtype=np.float32)
        file = self.path / f"{name}.bin"
        try:
            data = file.read_bytes()  # once: the bytes checked are the bytes used
        except OSError as exc:
            raise NarrationError(f"cannot read the Kokoro speaker: {exc.strerror}", path=file) from None
        if self._pins is not None and sha256_bytes(data) != self._pins.get(file.name):
            raise NarrationError("the Kokoro speaker file does not have its pinned sha256", path=file,
                                 hint="install it again: make kokoro")
        if len(data) != _SPEAKER_BYTES:
            raise NarrationError(f"a Kokoro speaker file holds {_SPEAKER_BYTES} bytes, this one {len(data)}",
                                 path=file, hint="use the speaker files of kokoro-js or Kokoro-82M-v1.0-ONNX")
        return np.frombuffer(data, dtype="<f4").reshape(SPEAKER_SHAPE)


@cache
def no_speakers_file() -> Path:
    """kokoro-onnx insists on loading a voices file. The engine hands it each speaker's vectors
    itself (:class:`Speakers` reads both layouts), so it is given this empty one."""
    return Path(str(importlib.resources.files("audioessay") / "data" / "kokoro-no-speakers.npz"))
