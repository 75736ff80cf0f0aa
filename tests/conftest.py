"""Shared fixtures: sample workspaces and the installed ``audioessay`` command."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
E2E = TESTS / "e2e"
BIN = Path(sys.executable).parent
AUDIOESSAY = str(BIN / "audioessay")


def make_workspace(root: Path, essays: list[str] | None = None, config: str | None = None) -> Path:
    """A workspace in ``root`` with the repository's config, music and some of its seeds."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "audioessay.toml").write_text(config or (REPO / "audioessay.toml").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    shutil.copytree(REPO / "audio", root / "audio", dirs_exist_ok=True)
    (root / "seeds").mkdir(exist_ok=True)
    for name in essays if essays is not None else [p.name for p in (REPO / "seeds").iterdir()]:
        shutil.copy(REPO / "seeds" / name, root / "seeds" / name)
    return root


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A small workspace with two short sample essays."""
    return make_workspace(tmp_path / "ws", ["notes-on-walking.txt", "her-ending-explained-emotionally.txt"])


def working_install(extra: str) -> str:
    """The install command audioessay prints for an extra: this Python's pip, and this checkout
    (installed in editable mode by the Makefile), never the PyPI name, which is not published."""
    return f"{shlex.quote(sys.executable)} -m pip install -e {shlex.quote(f'{REPO}[{extra}]')}"


def run_cli(args: list[str], cwd: Path, timeout: float = 600, env: dict[str, str] | None = None,
            check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the installed ``audioessay`` command in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run([AUDIOESSAY, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                            env=full_env, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise AssertionError(f"audioessay {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/e2e/ is an end-to-end test, so ``pytest -m "not e2e"`` leaves it out."""
    for item in items:
        if item.path.is_relative_to(E2E) and item.get_closest_marker("e2e") is None:
            item.add_marker(pytest.mark.e2e)
