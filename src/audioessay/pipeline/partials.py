"""Removing what a killed run left half-written: temporary files and mastering folders."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import shutil
from pathlib import Path

from audioessay.workspace import Workspace

# Temporary names: fsutil.atomic_open ".x.1a2b.part", fsutil.temp_sibling ".x.1a2b.part.mp3", the take
# cache ".key.pid.part.wav" and engines' pieces of one (".key.pid.part.wav.0.chunk.wav").
_PARTIAL_NAMES = (".*.part", ".*.part.*")  # every pattern names a dotfile (see _matching)
_MASTER_FOLDERS = ".*.master-*"  # an episode's mastering work folder


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:  # missing, or not a folder
        return []


def _matching(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    """The entries of ``folder`` whose names match a pattern: one listing per folder, however many
    patterns (a render looks into every episode's folder)."""
    return [Path(e.path) for e in _entries(folder)
            if e.name.startswith(".") and any(fnmatch.fnmatchcase(e.name, p) for p in patterns)]


def remove_partials(ws: Workspace) -> int:
    """Delete the temporary files and mastering folders that a killed run left in the workspace.

    Only call it while holding the workspace lock: then no other run can be writing them.
    Returns how many were removed."""
    removed = 0
    episodes = [Path(e.path) for e in _entries(ws.output) if e.is_dir()]
    found: list[Path] = []
    for folder in [ws.root, ws.feeds, ws.state, *(Path(e.path) for e in _entries(ws.cache / "takes"))]:
        found.extend(_matching(folder, _PARTIAL_NAMES))
    for episode in episodes:
        found.extend(_matching(episode, (*_PARTIAL_NAMES, _MASTER_FOLDERS)))
    for path in found:
        with contextlib.suppress(FileNotFoundError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
    return removed
