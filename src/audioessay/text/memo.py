"""Shortcuts for a render where nothing changed: essays already read, scripts already written.

Reading an essay (decoding, mojibake repair, front matter YAML, Markdown cleaning) and building
its script (normalizing every sentence for speech) are pure functions of the essay's bytes and
path, the workspace's language and lexicon, and this code. Doing them again for every essay of
a large show is most of the time a no-op render takes, so two files in ``.audioessay/`` keep
what they gave:

- ``essays.json``: each essay as read, keyed by its workspace-relative path and checked
  against its file name and the hash of its bytes (read anyway: the ledger and scripts need it);
- ``scripts.json``: per script file, the header of the script last built for it (which holds the
  essay's hash, its title and the language and lexicon settings) and how many of its
  decisions need attention (``render --json`` reports it).

Both are keyed by :func:`~audioessay.fsutil.code_version` of the text stage and the libraries
it uses: after an upgrade or an edit of the rules, every essay is read and every script built
again. Deleting them is always safe.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from audioessay.fsutil import StateFile, code_version
from audioessay.models import Block, Essay, Link, ScriptHeader

TEXT_MODULES = ("audioessay.text", "audioessay.models")
TEXT_DISTRIBUTIONS = ("ftfy", "charset-normalizer", "PyYAML", "num2words", "markdown-it-py", "mdit-py-plugins")
ESSAYS_FILE = "essays.json"
SCRIPTS_FILE = "scripts.json"


def text_code_version() -> str:
    """The version of everything that turns an essay's bytes into an Essay and a Script."""
    return code_version(TEXT_MODULES, TEXT_DISTRIBUTIONS)


# --------------------------------------------------------------------------- essays


class _Unstorable(Exception):
    """A front matter value JSON cannot carry exactly (a set, binary data...): not memoized."""


def _store_value(value: Any) -> Any:
    """Front matter value -> JSON. Lists, mappings and dates are tagged objects, so that every
    JSON object read back is a tag and nothing is ambiguous."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, list):
        return {"list": [_store_value(item) for item in value]}
    if isinstance(value, dict):
        return {"map": [[_store_value(k), _store_value(v)] for k, v in value.items()]}
    raise _Unstorable(type(value).__name__)


def _load_value(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    if "datetime" in data:
        return dt.datetime.fromisoformat(data["datetime"])
    if "date" in data:
        return dt.date.fromisoformat(data["date"])
    if "list" in data:
        return [_load_value(item) for item in data["list"]]
    return {_load_value(k): _load_value(v) for k, v in data["map"]}


def _essay_to_json(essay: Essay) -> dict[str, Any]:
    return {
        "slug": essay.slug, "title": essay.title,
        "blocks": [[block.kind, block.text, block.line] for block in essay.blocks],
        "links": [[link.url, link.text] for link in essay.links],
        "description": essay.description, "author": essay.author,
        "date": essay.date.isoformat() if essay.date is not None else None,
        "explicit": essay.explicit, "episode": essay.episode, "voice": essay.voice, "engine": essay.engine,
        "rate": essay.rate, "meta": [[key, _store_value(value)] for key, value in essay.meta],
    }


def _essay_from_json(source: str, sha256: str, data: dict[str, Any]) -> Essay:
    return Essay(
        source=Path(source), source_sha256=sha256, slug=data["slug"], title=data["title"],
        blocks=tuple(Block(kind, text, line) for kind, text, line in data["blocks"]),
        links=tuple(Link(url, text) for url, text in data["links"]),
        description=data["description"], author=data["author"],
        date=dt.datetime.fromisoformat(data["date"]) if data["date"] is not None else None,
        explicit=data["explicit"], episode=data["episode"], voice=data["voice"], engine=data["engine"],
        rate=data["rate"], meta=tuple((key, _load_value(value)) for key, value in data["meta"]),
    )


class EssayMemo:
    """Essays as read, by workspace-relative path (``.audioessay/essays.json``)."""

    def __init__(self, state: Path) -> None:
        self._file = StateFile(Path(state) / ESSAYS_FILE, text_code_version())

    def get(self, source: str, sha256: str, name: str) -> Essay | None:
        """The essay read earlier from exactly these bytes at this path, or None. ``name`` is the
        file name it is read under (its slug and fallback title come from it, and a symbolic link's
        name is not its target's)."""
        entry = self._file.get(source)
        if not isinstance(entry, dict) or entry.get("sha256") != sha256 or entry.get("name") != name:
            return None
        try:
            essay = _essay_from_json(source, sha256, entry["essay"])
        except (KeyError, TypeError, ValueError, AttributeError):  # damaged by hand: read it again
            return None
        return essay if isinstance(essay.title, str) and isinstance(essay.slug, str) else None

    def put(self, essay: Essay, name: str) -> None:
        try:
            data = _essay_to_json(essay)
        except _Unstorable:
            return
        self._file.put(essay.source.as_posix(), {"sha256": essay.source_sha256, "name": name, "essay": data})

    def keep_only(self, sources: Iterable[str]) -> None:
        self._file.keep_only(sources)

    def save(self) -> None:
        self._file.save()


# --------------------------------------------------------------------------- scripts


def header_key(header: ScriptHeader) -> str:
    """What a script was built from and what its body was: the header without its review status."""
    fields = [header.source, header.source_sha256, header.title, header.body_sha256, list(header.settings)]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=True).encode()).hexdigest()


class ScriptMemo:
    """Per script file, the header this code last built for it and its attention count
    (``.audioessay/scripts.json``)."""

    def __init__(self, state: Path) -> None:
        self._file = StateFile(Path(state) / SCRIPTS_FILE, text_code_version())

    def attention(self, script: str, header: ScriptHeader) -> int | None:
        """The attention count when this code, building the script now, would write exactly
        ``header`` (as found on disk, review status aside); None when it must be built."""
        entry = self._file.get(script)
        if not isinstance(entry, dict) or entry.get("key") != header_key(header):
            return None
        count = entry.get("attention")
        return count if isinstance(count, int) and not isinstance(count, bool) else None

    def put(self, script: str, built: ScriptHeader, attention: int) -> None:
        self._file.put(script, {"key": header_key(built), "attention": attention})

    def keep_only(self, scripts: Iterable[str]) -> None:
        self._file.keep_only(scripts)

    def save(self) -> None:
        self._file.save()
