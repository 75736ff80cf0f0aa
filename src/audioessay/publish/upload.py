"""Copy a workspace's public files to a folder or an S3-compatible bucket, changed files only.

``publish(root, dest)`` sends exactly :func:`audioessay.publish.public.public_files` (never
scripts, seeds, config or ``.audioessay/``) to ``dest``:

- a local folder path or a ``file://`` URL: each file is written to a temporary file in its
  destination folder, then renamed over the old one, so a web server serving the folder never
  sends half a file. A file is unchanged when the copy there has the same size and SHA-256.
- ``s3://bucket/prefix``, through s3fs (``pip install 'audioessay[s3]'``). The endpoint,
  region and credentials come from the standard AWS settings (``AWS_ENDPOINT_URL_S3`` or
  ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE``, ``~/.aws/config``...). A
  manifest object, ``<prefix>/.audioessay-manifest.json``, records the SHA-256 of each file
  uploaded; an object is unchanged when its size matches and the manifest has the same
  hash, or, without a manifest entry, when its ETag is the MD5 of the file (single-part uploads).

Order matters to listeners: every episode file (audio, transcripts, chapters) goes first, then
the cover, then ``feeds/feed.xml`` and ``feeds/index.html`` last, so a podcast app never sees
an item whose audio is not there yet.

Nothing is ever deleted: files at the destination that are no longer public (an episode
removed from the workspace, the user's own files) are left alone. Remove them by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit
from urllib.request import url2pathname

from audioessay.errors import PublishError, ToolMissingError
from audioessay.fsutil import atomic_open, sha256_file
from audioessay.publish.feed import FEED_RELPATH
from audioessay.publish.public import public_files
from audioessay.publish.serve import MIME_TYPES
from audioessay.system import extra_install_command

PAGE_RELPATH = "feeds/index.html"
MANIFEST_NAME = ".audioessay-manifest.json"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_MD5_ETAG = re.compile(r"^[0-9a-f]{32}$")

LogFunction = Callable[[str], None]


@dataclass(frozen=True)
class PublishResult:
    """What one :func:`publish` did."""

    dest: str  # the destination as given
    uploaded: tuple[str, ...]  # workspace-relative paths, in the order they were sent
    unchanged: tuple[str, ...]  # workspace-relative paths already current at the destination

    @property
    def uploaded_count(self) -> int:
        return len(self.uploaded)

    @property
    def unchanged_count(self) -> int:
        return len(self.unchanged)


@dataclass(frozen=True)
class LocalFile:
    """One public file of the workspace, hashed once."""

    relpath: str  # forward slashes, e.g. output/her/her.mp3
    path: Path
    size: int
    sha256: str

    def md5(self) -> str:
        digest = hashlib.md5(usedforsecurity=False)
        with open(self.path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


class Target(Protocol):
    """Where files go: a folder or a bucket."""

    def is_current(self, local: LocalFile) -> bool: ...

    def put(self, local: LocalFile) -> None: ...

    def finish(self, files: Sequence[LocalFile]) -> None: ...


def upload_order(relpath: str) -> tuple[int, str]:
    """Sort key: episode files, then the cover, then the feed, then the page."""
    if relpath == PAGE_RELPATH:
        rank = 3
    elif relpath == FEED_RELPATH:
        rank = 2
    elif relpath.startswith("feeds/"):
        rank = 1
    else:
        rank = 0
    return rank, relpath


def _content_headers(relpath: str) -> dict[str, str]:
    headers = {"ContentType": MIME_TYPES.get(Path(relpath).suffix.lower(), "application/octet-stream")}
    if relpath in (FEED_RELPATH, PAGE_RELPATH):
        headers["CacheControl"] = "no-cache"  # apps and browsers revalidate the feed and page each time
    return headers


# The workspace's own folders: a copy of the public files inside one of them would be mixed with
# the files it is made from (output/output/...), served or read as an essay, or deleted as a cache.
WORKSPACE_FOLDERS = ("seeds", "audio", "output", "feeds", ".audioessay")


def _check_not_in_workspace(dest: str, folder: Path, root: Path) -> None:
    """Refuse a destination folder that would mix the published copy with the workspace.

    A user publishing into the workspace expects a separate copy of the site, as for a static host
    that serves one folder of a repository (``audioessay publish site`` or ``docs``): so a folder
    of its own inside the workspace is accepted. Refused: the workspace itself, any folder inside
    its own folders (``seeds/``, ``audio/``, ``output/``, ``feeds/``, ``.audioessay/``), where
    the copy would land beside the files it is made from (``output/site/output/...``). Symbolic
    links are resolved first.
    """
    real_root, real = root.resolve(), folder.resolve()
    if real == real_root:
        raise PublishError("the destination is the workspace itself", path=dest,
                           hint="choose another folder, e.g. a new folder 'site' or one outside the workspace")
    if real.is_relative_to(real_root):
        top = real.relative_to(real_root).parts[0]
        if top in WORKSPACE_FOLDERS:
            raise PublishError(
                f"the destination is inside the workspace's {top}/ folder: the copy would be mixed with "
                "the files it is made from", path=dest,
                hint="publish to a folder of its own (e.g. 'site', beside seeds/) or outside the workspace")


class FolderTarget:
    """A local folder; each file written atomically (temporary sibling, then rename)."""

    def __init__(self, dest: str, folder: Path, root: Path):
        self.dest = dest
        self.folder = folder
        _check_not_in_workspace(dest, folder, root)
        if folder.exists() and not folder.is_dir():
            raise PublishError("the destination exists and is not a folder", path=dest,
                               hint="choose a folder, or remove the file")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PublishError(f"cannot create the destination folder: {exc.strerror or exc}", path=dest,
                               hint="check the path and that its parent folder is writable") from None

    def is_current(self, local: LocalFile) -> bool:
        target = self.folder / local.relpath
        try:
            if not target.is_file() or target.stat().st_size != local.size:
                return False
            return sha256_file(target) == local.sha256
        except OSError:
            return False  # unreadable: try to replace it, and report if that fails

    def put(self, local: LocalFile) -> None:
        target = self.folder / local.relpath
        try:
            stat = local.path.stat()
            with atomic_open(target, "wb") as out, open(local.path, "rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)
                out.flush()
                # The source's modification time, so web servers' Last-Modified reflects the content.
                os.utime(out.fileno(), ns=(stat.st_atime_ns, stat.st_mtime_ns))
        except OSError as exc:
            raise PublishError(f"cannot write {local.relpath}: {exc.strerror or exc}", path=self.dest,
                               hint="check that the destination folder is writable and has free space, "
                                    "or choose another destination") from None

    def finish(self, files: Sequence[LocalFile]) -> None:
        """Nothing to record: the folder's own bytes are compared next time."""


def _endpoint_kwargs() -> dict[str, Any]:
    """s3fs client arguments for an endpoint set in the environment, only where botocore needs them.

    botocore 1.31 and later read ``AWS_ENDPOINT_URL_S3`` and ``AWS_ENDPOINT_URL`` (and honour
    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` and ``~/.aws/config``) by themselves; older ones
    ignore them and would silently talk to AWS instead.
    """
    from botocore.args import ClientArgsCreator

    if hasattr(ClientArgsCreator, "_compute_configured_endpoint_url"):
        return {}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return {"client_kwargs": {"endpoint_url": endpoint}} if endpoint else {}


class S3Target:
    """A bucket and key prefix, through s3fs; a manifest object remembers the hashes uploaded."""

    def __init__(self, dest: str, bucket: str, prefix: str):
        try:
            import s3fs  # optional: imported only for s3:// destinations
        except ImportError:
            raise ToolMissingError("publishing to s3:// needs the s3fs library, which is not installed",
                                   path=dest, hint=extra_install_command("s3")) from None
        self.dest, self.bucket, self.prefix = dest, bucket, prefix
        # A fresh instance: fsspec's cache would keep the credentials and endpoint of an earlier call.
        self.fs = s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False, **_endpoint_kwargs())
        base = f"{bucket}/{prefix}" if prefix else bucket
        with self._errors():
            listing = self.fs.find(base, detail=True)
        self.objects: dict[str, dict[str, Any]] = dict(listing)
        self.manifest = self._read_manifest()

    def _key(self, relpath: str) -> str:
        return f"{self.bucket}/{self.prefix}/{relpath}" if self.prefix else f"{self.bucket}/{relpath}"

    def _read_manifest(self) -> dict[str, str]:
        """The manifest's path -> SHA-256 map; empty when missing or unreadable (then ETags decide)."""
        key = self._key(MANIFEST_NAME)
        if key not in self.objects:
            return {}
        with self._errors():
            try:
                data = json.loads(self.fs.cat_file(key))
            except (FileNotFoundError, ValueError):
                return {}
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict):
            return {}
        return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}

    def is_current(self, local: LocalFile) -> bool:
        info = self.objects.get(self._key(local.relpath))
        if info is None or info.get("size") != local.size:
            return False
        if self.manifest.get(local.relpath) == local.sha256:
            return True
        etag = str(info.get("ETag", "")).strip('"').lower()
        return bool(_MD5_ETAG.match(etag)) and etag == local.md5()

    def put(self, local: LocalFile) -> None:
        with self._errors(local.relpath):
            self.fs.put_file(str(local.path), self._key(local.relpath), **_content_headers(local.relpath))

    def finish(self, files: Sequence[LocalFile]) -> None:
        """Write the manifest of what is now at the destination, if it changed."""
        files_map = {f.relpath: f.sha256 for f in sorted(files, key=lambda f: f.relpath)}
        if files_map == self.manifest and self._key(MANIFEST_NAME) in self.objects:
            return
        data = json.dumps({"version": 1, "files": files_map}, indent=1, sort_keys=True).encode()
        with self._errors(MANIFEST_NAME):
            self.fs.pipe_file(self._key(MANIFEST_NAME), data, ContentType="application/json")

    @contextmanager
    def _errors(self, relpath: str | None = None) -> Iterator[None]:
        """Turn s3fs and botocore errors into a PublishError that says what to do."""
        from botocore.exceptions import (  # installed with s3fs
            BotoCoreError,
            ClientError,
            EndpointConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
        )

        what = f" while uploading {relpath}" if relpath else ""
        try:
            yield
        except (NoCredentialsError, PartialCredentialsError):
            raise PublishError(f"no S3 credentials were found{what}", path=self.dest,
                               hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE") from None
        except EndpointConnectionError as exc:
            raise PublishError(f"cannot reach the S3 endpoint{what}: {exc}", path=self.dest,
                               hint="check AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) and the network") from None
        except FileNotFoundError as exc:
            if exc.filename is not None:  # a local file vanished; s3fs's own errors carry no file name
                raise PublishError(f"cannot read {exc.filename}: {exc.strerror}", path=self.dest,
                                   hint="run the command again when no other program changes the workspace") from None
            raise PublishError(f"the bucket '{self.bucket}' does not exist{what}", path=self.dest,
                               hint="create it first, or check the bucket name and the endpoint "
                                    "(AWS_ENDPOINT_URL_S3)") from None
        except PermissionError as exc:
            raise PublishError(f"access denied{what}: {exc}", path=self.dest,
                               hint="check the credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE) and that "
                                    "they may list and write this bucket") from None
        except (OSError, ClientError, BotoCoreError) as exc:
            raise PublishError(f"S3 error{what}: {exc}", path=self.dest,
                               hint="check the bucket, the endpoint and the credentials, then publish again; "
                                    "files already uploaded are not sent twice") from None


def open_target(root: Path, dest: str) -> Target:
    """The folder or bucket that ``dest`` names (a path, ``file://`` URL or ``s3://bucket/prefix``)."""
    if not dest.strip():
        raise PublishError("no destination given", hint="give a folder, file:///path or s3://bucket/prefix")
    match = _SCHEME.match(dest)
    if match is None:
        return FolderTarget(dest, Path(dest).expanduser(), root)
    scheme = match.group(1).lower()
    parts = urlsplit(dest)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise PublishError(f"file:// URLs on another host ({parts.netloc}) are not supported", path=dest,
                               hint="use file:///path/on/this/machine")
        return FolderTarget(dest, Path(url2pathname(parts.path)), root)
    if scheme == "s3":
        bucket, prefix = parts.netloc, parts.path.removeprefix("/").removesuffix("/")
        if not bucket:
            raise PublishError("the S3 URL has no bucket", path=dest, hint="write it as s3://bucket/prefix")
        if parts.query or parts.fragment or (prefix and "" in prefix.split("/")):
            raise PublishError("the S3 prefix is malformed", path=dest,
                               hint="write it as s3://bucket/prefix, without '//', '?' or '#'")
        return S3Target(dest, bucket, prefix)
    raise PublishError(f"cannot publish to {scheme}:// URLs", path=dest,
                       hint="give a folder, file:///path or s3://bucket/prefix")


def publish(root: Path, dest: str, *, log: LogFunction = lambda s: None) -> PublishResult:
    """Copy the workspace's public files to ``dest``, changed files only, the feed and page last.

    ``log`` receives one line per file sent. Raises :class:`PublishError` (nothing to publish,
    unwritable folder, missing bucket, credentials) or :class:`ToolMissingError` (no s3fs).
    """
    root = Path(root)
    relpaths = sorted((p.as_posix() for p in public_files(root)), key=upload_order)
    if FEED_RELPATH not in relpaths:
        raise PublishError("there is no feed to publish", path=root / FEED_RELPATH,
                           hint="run 'audioessay render' first")
    files = []
    for relpath in relpaths:
        path = root / relpath
        try:
            files.append(LocalFile(relpath, path, path.stat().st_size, sha256_file(path)))
        except OSError as exc:
            raise PublishError(f"cannot read {relpath}: {exc.strerror or exc}", path=root,
                               hint="check the workspace's files, then publish again") from None
    target = open_target(root, dest)
    uploaded, unchanged = [], []
    for local in files:
        if target.is_current(local):
            unchanged.append(local.relpath)
            continue
        target.put(local)
        uploaded.append(local.relpath)
        log(f"uploaded {local.relpath} ({local.size} bytes)")
    target.finish(files)
    return PublishResult(dest=dest, uploaded=tuple(uploaded), unchanged=tuple(unchanged))
