"""Fixtures for the studio: a workspace with scripts, and an HTTP client that holds the token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from audioessay.pipeline.essays import write_scripts
from audioessay.studio.app import create_app
from audioessay.studio.security import Guard
from audioessay.workspace import load_workspace

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
    app = create_app(studio_ws, GUARD)
    http = app.test_client()
    http.set_cookie(GUARD.cookie_name, TOKEN, domain="localhost")
    yield Client(http, studio_ws)
    app.extensions["audioessay_studio"].narrator.close()


@pytest.fixture
def anonymous(studio_ws: Path) -> Iterator[Any]:
    """A client without the token's cookie."""
    app = create_app(studio_ws, GUARD)
    yield app.test_client()
    app.extensions["audioessay_studio"].narrator.close()
