"""The public files of a workspace: what ``serve`` answers and ``publish`` uploads.

Public, and nothing else:

- ``feeds/feed.xml``, ``feeds/index.html``, ``feeds/cover.jpg`` and ``feeds/cover.png``;
- the readable transcript pages, ``feeds/transcripts/<name>.html`` (directly in that folder);
- under ``output/<slug>/``: files ending in ``.mp3``, ``.m4a``, ``.vtt`` or ``.srt``, and files
  named ``chapters.json``.

Never public: scripts, seeds, ``audioessay.toml``, ``episodes.json``, ``.audioessay/``, backups,
``.part`` temporary files, dotfiles, and symbolic links that lead outside the workspace or to a
file that is not public itself. The rules are deliberately an allow-list: a new kind of file
stays private until it is added here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import unquote

FEED_FILES = frozenset({"feeds/feed.xml", "feeds/index.html", "feeds/cover.jpg", "feeds/cover.png"})
EPISODE_SUFFIXES = frozenset({".mp3", ".m4a", ".vtt", ".srt"})
CHAPTERS_NAME = "chapters.json"
TRANSCRIPTS_FOLDER = ("feeds", "transcripts")  # the readable transcript pages (publish/transcript_page.py)
TRANSCRIPT_SUFFIX = ".html"


def _public_name(parts: tuple[str, ...]) -> bool:
    """True when a workspace-relative path (split in parts) names a public file by the rules."""
    if not parts or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return False
    if "/".join(parts) in FEED_FILES:
        return True
    if len(parts) == 3 and parts[:2] == TRANSCRIPTS_FOLDER:
        return parts[2].endswith(TRANSCRIPT_SUFFIX) and len(parts[2]) > len(TRANSCRIPT_SUFFIX)
    if len(parts) != 3 or parts[0] != "output":
        return False
    name = parts[2]
    return name == CHAPTERS_NAME or os.path.splitext(name)[1] in EPISODE_SUFFIXES  # no leading dot here


def _split(relpath: str | os.PathLike[str]) -> tuple[str, ...] | None:
    text = os.fspath(relpath)
    if not text or "\\" in text or "\x00" in text or text.startswith("/"):
        return None
    return tuple(text.split("/"))


def is_public(root: Path | str, relpath: str | os.PathLike[str], *, root_is_real: bool = False) -> bool:
    """True when ``relpath`` (relative to ``root``, forward slashes) is an existing public file.

    A symbolic link counts only when its target is a regular file inside ``root`` whose own
    workspace-relative path is public too. ``root_is_real``: the caller passes a root that is
    already resolved (``os.path.realpath``), to ask about many files without resolving it each time.
    """
    return public_stat(root, relpath, root_is_real=root_is_real) is not None


def public_stat(root: Path | str, relpath: str | os.PathLike[str], *,
                root_is_real: bool = False) -> os.stat_result | None:
    """The ``os.stat`` of the file when ``relpath`` is public (see :func:`is_public`), else None."""
    parts = _split(relpath)
    if parts is None or not _public_name(parts):
        return None
    real_root = os.fspath(root) if root_is_real else os.path.realpath(root)
    # The usual case, without resolving the whole path (the feed and its check ask about every
    # episode file on every render): no part below the real root is a symbolic link, so the path
    # is its own target. Any link on the way is resolved in full.
    path = real_root
    for part in parts:
        path = os.path.join(path, part)
        try:
            info = os.lstat(path)
        except OSError:  # missing, or a part on the way is not a folder
            return None
        if stat.S_ISLNK(info.st_mode):
            return _resolved_stat(Path(real_root), parts)
    return info if stat.S_ISREG(info.st_mode) else None


def _resolved_stat(real_root: Path, parts: tuple[str, ...]) -> os.stat_result | None:
    try:
        target = (real_root / Path(*parts)).resolve(strict=True)
        inside = target.relative_to(real_root)
        info = target.stat()
    except (OSError, ValueError, RuntimeError):  # missing, outside root, or a symlink loop
        return None
    return info if stat.S_ISREG(info.st_mode) and _public_name(inside.parts) else None


def public_files(root: Path) -> list[Path]:
    """Every public file of the workspace, as sorted workspace-relative paths."""
    root = Path(root)
    candidates = [Path(name) for name in FEED_FILES]
    transcripts = root.joinpath(*TRANSCRIPTS_FOLDER)
    if transcripts.is_dir():
        candidates.extend(Path(*TRANSCRIPTS_FOLDER, f.name) for f in transcripts.iterdir())
    output = root / "output"
    if output.is_dir():
        for episode_dir in output.iterdir():
            if episode_dir.is_dir() and not episode_dir.name.startswith("."):
                candidates.extend(Path("output", episode_dir.name, f.name) for f in episode_dir.iterdir())
    return sorted(path for path in candidates if is_public(root, path.as_posix()))


def resolve_public(root: Path, url_path: str) -> Path | None:
    """The real file for a URL path such as ``/output/her/her.mp3``, or None if it is not public.

    Each segment is percent-decoded on its own, so an encoded slash (``%2F``) cannot join
    segments. Rejected: ``.`` and ``..`` segments, empty segments (``//``), backslashes, NUL,
    invalid UTF-8, and anything :func:`is_public` refuses. A query string or fragment is ignored.
    """
    path = url_path.split("#", 1)[0].split("?", 1)[0]
    if not path.startswith("/"):
        return None
    segments = []
    for raw in path[1:].split("/"):
        try:
            segment = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            return None
        if segment in ("", ".", "..") or any(c in segment for c in "/\\\x00"):
            return None
        segments.append(segment)
    relpath = "/".join(segments)
    if not is_public(root, relpath):
        return None
    return (Path(root).resolve() / relpath).resolve()
