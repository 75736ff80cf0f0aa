"""A shared store for cluster renders whose workers do not share the workspace's disk.

``--store s3://bucket/prefix`` (any fsspec URL; ``file:///path`` for a shared folder) holds:

    <store>/takes/<key[:2]>/<key>.wav      the take cache, keyed like the local one
    <store>/inputs/<sha256><suffix>        intro music and cover art, by content
    <store>/output/<slug>/<files>          each mastered episode: MP3, transcripts, chapters, report

Every write is whole-object (S3) or a temporary file renamed into place (a folder), so a
worker killed mid-upload leaves nothing half-written and its task can simply run again.
S3 endpoint, region and credentials come from the standard AWS settings
(``AWS_ENDPOINT_URL_S3``, ``AWS_ACCESS_KEY_ID``...), on the client and on every worker.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from audioessay.errors import AudioessayError, ToolMissingError
from audioessay.fsutil import sha256_file
from audioessay.system import extra_install_command


def install_hint() -> str:
    return extra_install_command("cluster")


class StoreError(AudioessayError):
    """The store cannot be opened, read or written."""


class Store:
    """Files under one fsspec URL; opened afresh in each process (a Store is sent as its URL)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        try:
            import fsspec.core
        except ImportError:
            raise ToolMissingError("a --store needs the fsspec library, which is not installed",
                                   path=url, hint=install_hint()) from None
        with self.errors():
            # A fresh instance without listing caches: other processes write here all the time.
            self.fs, self.root = fsspec.core.url_to_fs(self.url, skip_instance_cache=True,
                                                       use_listings_cache=False)
        self.root = self.root.rstrip("/")
        self.local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,))

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return Store, (self.url,)

    def path(self, relpath: str) -> str:
        return f"{self.root}/{relpath}"

    @staticmethod
    def take_relpath(key: str) -> str:
        return f"takes/{key[:2]}/{key}.wav"

    def take_keys(self) -> set[str]:
        """The keys of every take in the store (one listing)."""
        with self.errors():
            try:
                found = self.fs.find(self.path("takes"))
            except FileNotFoundError:
                return set()
        return {Path(p).stem for p in found if p.endswith(".wav") and not Path(p).name.startswith(".")}

    def exists(self, relpath: str) -> bool:
        with self.errors(relpath):
            return bool(self.fs.exists(self.path(relpath)))

    def put(self, local: Path, relpath: str) -> None:
        """Upload ``local`` to ``relpath``, whole or not at all."""
        with self.errors(relpath):
            target = self.path(relpath)
            if not self.local:
                self.fs.put_file(str(local), target)  # an S3 object appears complete or not at all
                return
            self.fs.makedirs(str(Path(target).parent), exist_ok=True)
            temp = Path(target).with_name(f".{Path(target).name}.{uuid.uuid4().hex}.part")
            try:
                self.fs.put_file(str(local), str(temp))
                os.replace(temp, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()

    def get_many(self, pairs: Iterable[tuple[str, Path]]) -> None:
        """Download (relpath, local path) pairs, each to a temporary sibling renamed into place."""
        pairs = list(pairs)
        if not pairs:
            return
        temps = [local.with_name(f".{local.name}.{uuid.uuid4().hex}.part") for _, local in pairs]
        for local in temps:
            local.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.errors():
                # One call: s3fs fetches the files concurrently.
                self.fs.get([self.path(rel) for rel, _ in pairs], [str(t) for t in temps])
            for temp, (_, local) in zip(temps, pairs):
                os.replace(temp, local)
        finally:
            for temp in temps:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()

    def put_input(self, local: Path) -> str:
        """Upload a client file (music, cover) once, by content; returns its relpath."""
        relpath = f"inputs/{sha256_file(local)}{local.suffix.lower()}"
        if not self.exists(relpath):
            self.put(local, relpath)
        return relpath

    @contextlib.contextmanager
    def errors(self, relpath: str | None = None) -> Iterator[None]:
        """Turn fsspec, s3fs and botocore errors into a StoreError that says what to check."""
        where = f"{self.url}/{relpath}" if relpath else self.url
        try:
            yield
        except ImportError as exc:
            raise ToolMissingError(f"the store needs a library that is not installed ({exc})",
                                   path=where, hint=install_hint()) from None
        except FileNotFoundError as exc:
            raise StoreError(f"not found in the store: {exc}", path=where,
                             hint="check that the bucket exists and that the client and every worker "
                                  "use the same endpoint (AWS_ENDPOINT_URL_S3)") from None
        except PermissionError as exc:
            raise StoreError(f"access denied: {exc}", path=where,
                             hint="check the credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE) on the client "
                                  "and on every worker") from None
        except (OSError, ValueError) as exc:
            raise StoreError(f"store error: {exc}", path=where,
                             hint="check the URL, the endpoint and the credentials, then render again; "
                                  "finished takes and episodes are kept") from None
        except Exception as exc:
            if type(exc).__module__.split(".")[0] in ("botocore", "aiobotocore", "s3fs"):
                raise StoreError(f"S3 error: {exc}", path=where,
                                 hint="check the bucket, the endpoint and the credentials") from None
            raise
