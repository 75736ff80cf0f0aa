"""Atomic file writes: a temporary file in the same folder, then ``os.replace``.

A reader (a podcast app, a second process, a rerun after SIGKILL) sees either the old
file or the complete new one, never a partial file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import hashlib
import importlib.util
import json
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from audioessay.errors import DiskFullError


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "wb", encoding: str | None = None, *,
                durable: bool = True) -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing; rename it over ``path`` on success.

    ``durable``: flush the data to the disk (fsync) before the rename, so that even a power cut
    leaves the old file or the whole new one. Files that are only ever derived from others
    (transcripts, reports, build records, memos) pass False, like the takes and the audio: a
    power cut can leave such a file empty, and the next render notices and makes it again. An
    fsync also commits the file system's journal, so the workers' fsyncs queued behind each other:
    on a slow disk they cost a two-job render of short episodes more than a tenth of its time.
    """
    path = Path(path)
    with disk_full_as_error(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; published files must be readable by a web server
    try:
        # A full disk: the old file stays as it was, the temporary goes, and the error names ``path``.
        with disk_full_as_error(path), \
                os.fdopen(fd, mode, encoding=encoding, newline="" if "b" not in mode else None) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (``durable``: see :func:`atomic_open`)."""
    with atomic_open(path, "wb", durable=durable) as handle:
        handle.write(data)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``path`` already holds exactly it (so its mtime stays);
    returns whether it wrote. Incremental builds rely on unchanged files not being touched."""
    try:
        if Path(path).read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


def atomic_write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically (newlines written as given; ``durable``: see
    :func:`atomic_open`)."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def temp_sibling(path: Path) -> Path:
    """A fresh temporary path beside ``path`` for tools (ffmpeg) that write a file themselves."""
    with disk_full_as_error(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".part" + path.suffix, dir=path.parent)
    os.fchmod(fd, 0o666 & ~_UMASK)
    os.close(fd)
    return Path(tmp)


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
DISK_FULL_MARGIN = 64 * 1024  # bytes: a file system with less than this free is full (see disk_is_full)
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[A-Za-z0-9_]+\.part(?P<suffix>\.[^.]+)?(\.\d+\.chunk\.wav)?")


def disk_full_errno(exc: BaseException | None) -> int | None:
    """ENOSPC or EDQUOT when ``exc``, or an error it was raised from or wraps (mutagen wraps the
    ``OSError`` it met), is a full disk or quota; otherwise None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
            return exc.errno
        wrapped = next((arg for arg in exc.args if isinstance(arg, OSError)), None)
        exc = exc.__cause__ or exc.__context__ or wrapped
    return None


def no_space_message(text: str | bytes) -> bool:
    """True when a tool's error output says the disk or quota is full (strerror's words)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lowered = text.lower()
    return "no space left on device" in lowered or "disk quota exceeded" in lowered


def disk_is_full(path: Path | str) -> bool:
    """True when the file system that holds ``path`` (or its nearest existing folder) has less than
    :data:`DISK_FULL_MARGIN` bytes or no inode left for this user (root may use the blocks reserved
    for it). A quota is not seen here; its errors are (:func:`disk_full_errno`)."""
    folder = Path(path)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        info = os.statvfs(folder)
    except OSError:
        return False
    root = os.geteuid() == 0
    blocks = info.f_bfree if root else info.f_bavail
    inodes = info.f_ffree if root else info.f_favail
    return blocks * info.f_frsize < DISK_FULL_MARGIN or (info.f_files > 0 and inodes == 0)


def written_name(path: Path | str) -> Path:
    """The file a temporary name stands for (``.x.mp3.1a2b.part`` -> ``x.mp3``, ``.x.1a2b.part.mp3``
    -> ``x.mp3``, a take's ``.KEY.123.part.wav`` -> ``KEY.wav``); any other path as it is."""
    path = Path(path)
    match = _TEMPORARY.fullmatch(path.name)
    if match is None:
        return path
    return path.with_name(match.group("name") + (match.group("suffix") or ""))


def disk_full(path: Path | str, exc: BaseException | None = None) -> DiskFullError:
    """The :class:`DiskFullError` for writing ``path`` (a temporary name counts as the file it
    stands for), a quota one when ``exc`` says so."""
    return DiskFullError(written_name(path), quota=disk_full_errno(exc) == errno.EDQUOT)


@contextlib.contextmanager
def disk_full_as_error(path: Path | str, *, check: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Turn a full disk met while writing ``path`` into a :class:`DiskFullError`, raised at once.

    That is an ``OSError`` with ENOSPC or EDQUOT (also wrapped in another error), or an error of
    a type in ``check`` (a tool that failed, a take too short) while the file system of ``path``
    is full: tools and engines report a full disk in their own words, or not at all. Used inside
    the block that removes the temporary files, so the disk is seen as full as the tool left it.
    """
    try:
        yield
    except DiskFullError:
        raise
    except Exception as exc:
        if disk_full_errno(exc) is not None or (isinstance(exc, check) and disk_is_full(path)):
            raise disk_full(path, exc) from exc
        raise


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def _sha256_file_version(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(Path(path))


def sha256_file_cached(path: Path) -> str:
    """:func:`sha256_file`, computed once per file version (size and mtime) in this process:
    the music, the cover and voice models are hashed once per render, not once per episode."""
    info = Path(path).stat()
    return _sha256_file_version(str(path), info.st_size, info.st_mtime_ns)


def file_version(path: Path | str) -> list[int] | None:
    """What says a file changed without reading it: size, mtime, ctime and inode (an atomic
    replace makes a new inode). None when the file is missing or not a regular file."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


SETTLE_NS = 2_000_000_000  # see settled()


def settled(version: list[int] | None) -> bool:
    """True when a :func:`file_version` is old enough to stand for the file's content.

    File times advance in clock ticks (milliseconds, or seconds on some file systems): a file
    changed again within the tick of its last change, keeping its size, keeps its version too.
    A version last changed ``SETTLE_NS`` ago or more cannot be confused with a later one (git
    calls the other entries "racily clean"), so only such versions are remembered."""
    if version is None:
        return False
    return time.time_ns() - max(version[1], version[2]) >= SETTLE_NS


@functools.cache
def code_version(modules: tuple[str, ...], distributions: tuple[str, ...] = ()) -> str:
    """A hash of the source of ``modules`` (a package counts with every ``.py`` file in it), of
    the installed versions of ``distributions`` and of Python's (its Unicode tables normalize text).

    Caches of derived results (:class:`StateFile`) are keyed by it, so that a result made by other
    code (an upgrade, a local edit, a new num2words) is made again rather than trusted."""
    from importlib import metadata  # not at import time: only runs that use a cache need it

    from audioessay import __version__

    digest = hashlib.sha256(f"{sys.version}\0audioessay={__version__}\0".encode())  # also when no source is found
    for name in modules:
        spec = importlib.util.find_spec(name)
        files: list[Path] = []
        if spec is not None and spec.submodule_search_locations:
            for folder in spec.submodule_search_locations:
                files.extend(sorted(Path(folder).glob("*.py")))
        elif spec is not None and spec.origin:
            files.append(Path(spec.origin))
        digest.update(f"{name}\0".encode())
        for file in files:
            with contextlib.suppress(OSError):
                digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    for dist in distributions:
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "none"
        digest.update(f"{dist}={version}\0".encode())
    return digest.hexdigest()


class StateFile:
    """A small JSON file of derived results in the workspace's private state (``.audioessay/``).

    Only ever a shortcut: a missing or damaged file, or one written for another ``version`` (see
    :func:`code_version`), reads as empty and the work is simply done again. :meth:`save` writes
    atomically, and only when an entry changed, so a no-op run writes nothing.
    """

    def __init__(self, path: Path, version: str) -> None:
        self.path = Path(path)
        self.version = version
        self.entries: dict[str, Any] = {}
        self.changed = False
        try:
            document = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return
        if isinstance(document, dict) and document.get("version") == version \
                and isinstance(document.get("entries"), dict):
            self.entries = document["entries"]

    def get(self, key: str) -> Any:
        return self.entries.get(key)

    def put(self, key: str, value: Any) -> None:
        if self.entries.get(key) != value:
            self.entries[key] = value
            self.changed = True

    def keep_only(self, keys: Iterable[str]) -> None:
        """Forget every entry but ``keys`` (e.g. essays that were deleted)."""
        keep = set(keys)
        for key in [k for k in self.entries if k not in keep]:
            del self.entries[key]
            self.changed = True

    def save(self) -> None:
        """Write the file if anything changed; a file that cannot be written costs time, nothing else."""
        if not self.changed:
            return
        document = {"version": self.version, "entries": self.entries}
        # ASCII: a lone surrogate that YAML let into a front matter value is escaped, not an error.
        # A full disk too costs only time here: what needs the space says so.
        with contextlib.suppress(OSError, ValueError, DiskFullError):
            atomic_write_text(self.path, json.dumps(document, separators=(",", ":")), durable=False)
            self.changed = False


class DerivedFile:
    """A file made only from inputs that ``key`` sums up (the feed, the web page).

    Remembers, in a :class:`StateFile` under ``name``, the key and the file's version as last
    written (or found identical), so that when both are unchanged the file need not be made
    again just to compare its bytes. A file changed by anything else has another version and
    is made again.
    """

    def __init__(self, state: StateFile, name: str, path: Path, key: str) -> None:
        self.state, self.name, self.path, self.key = state, name, Path(path), key

    def current(self) -> bool:
        """True when the file on disk is the one these inputs made last time."""
        version = file_version(self.path)
        return version is not None and self.state.get(self.name) == {"key": self.key, "file": version}

    def record(self) -> None:
        """Remember the file as it is now (just written, or found identical) for the key."""
        version = file_version(self.path)
        if version is not None:
            self.state.put(self.name, {"key": self.key, "file": version})
            self.state.save()


def real_relative(path: Path | str, real_root: str) -> str | None:
    """``path`` with symbolic links resolved, relative to ``real_root`` (already resolved, e.g. by
    ``os.path.realpath``) with forward slashes, ``.`` for the root itself; None when outside it.

    The same answer as resolving the whole path, but cheaper for the usual case, a path spelled
    from the root (render asks for one per essay and episode): only its parts below the root
    are looked at, and resolved in full only when one of them is a symbolic link."""
    text = os.fspath(path)
    prefix = real_root.rstrip("/") + "/"
    if text.startswith(prefix):
        rest = text[len(prefix):]
        parts = rest.split("/")
        if rest and all(part not in ("", ".", "..") for part in parts) and not _has_link(prefix, parts):
            return rest
    real = os.path.realpath(text)
    if real == real_root:
        return "."
    return real[len(prefix):] if real.startswith(prefix) else None


def _has_link(prefix: str, parts: list[str]) -> bool:
    """True when a part of ``prefix`` + ``parts`` is a symbolic link (parts after a missing one
    cannot be: ``os.path.realpath`` keeps them as written)."""
    current = prefix.rstrip("/")
    for part in parts:
        current = f"{current}/{part}"
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                return True
        except OSError:
            return False
    return False


def as_plain(value: Any) -> Any:
    """``value`` as :func:`dataclasses.asdict` gives it, as far as JSON can tell (tuples become
    lists), without its deep copies: the hashes in every episode's build.json were made from that
    form and must stay the same, and a no-op render makes them for every episode."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [as_plain(item) for item in value]
    if isinstance(value, dict):
        return {as_plain(key): as_plain(item) for key, item in value.items()}
    return value
