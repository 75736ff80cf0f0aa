"""Rendering on an executor other than the local process pool, usually a Dask cluster.

``render --scheduler tcp://HOST:PORT`` connects a ``distributed.Client`` and uses
``client.get_executor(pure=False)``: a ``concurrent.futures.Executor``, so narration goes through
the same :func:`audioessay.voice.narrate.narrate` as the local pool, and each episode's mastering
is one more task (:func:`master_job`). Every task is idempotent (takes and episode files are
written to temporary names, then renamed), so a worker that dies mid-task costs only the rerun
Dask gives its tasks.

Workers write where they are told. Without a store, that is the workspace's own paths: the
workers must see the workspace at the same absolute path (one machine, or a shared file system).
With ``--store URL`` (:mod:`audioessay.store`), takes and episode files travel through the
store instead, and the client downloads each finished episode into the workspace before the
feed is written.

Nothing here imports Dask until a scheduler is used: it is an optional extra.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import functools
import importlib.metadata
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audioessay.environment import SCHEDULER_ENV
from audioessay.errors import AudioessayError, ToolMissingError
from audioessay.master.job import MasterJob, master_job
from audioessay.models import EPISODE_FILES, mastered_files
from audioessay.store import Store, install_hint
from audioessay.voice.cache import TakeCache, TakeRequest
from audioessay.voice.narrate import TakeOutcome, narrate, run_in_batches, synthesize_batch

if TYPE_CHECKING:
    from audioessay.master.episode import MasterResult

CONNECT_TIMEOUT = 20.0  # seconds to reach the scheduler
WORKER_TIMEOUT = 60.0  # seconds to wait for a first worker

# Dask runs tasks in threads, but an engine's state is process-global (espeak-ng keeps its state
# and its callback per process, so a process runs one engine at a time): one narration batch at a
# time per worker process, whatever its --nthreads.
_ENGINE_LOCK = threading.Lock()


def _one_engine_at_a_time(fn: Callable[..., Any], *args: Any) -> Any:
    """Task wrapper: run a narration batch holding this process's engine lock."""
    with _ENGINE_LOCK:
        return fn(*args)


class _NarrationExecutor(cf.Executor):
    """Hands narrate()'s batches to an executor, each wrapped in :func:`_one_engine_at_a_time`."""

    def __init__(self, inner: cf.Executor) -> None:
        self.inner = inner

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        if kwargs:  # a Dask executor would take them for its own options
            raise TypeError("narration tasks take positional arguments only")
        return self.inner.submit(_one_engine_at_a_time, fn, *args)


# ---------------------------------------------------------------------------------------------
# Tasks of a store render


@functools.lru_cache(maxsize=8)
def _store(url: str) -> Store:
    """One Store per URL in a worker process: opening an S3 session costs a few tenths of a second."""
    return Store(url)


def _worker_stage() -> Path:
    """This worker process's folder where takes are made before they are uploaded."""
    return Path(tempfile.gettempdir()) / "audioessay-stage" / str(os.getpid())


def synthesize_to_store(batch: list[tuple[str, TakeRequest]], store_url: str) -> list[TakeOutcome]:
    """Task: make each (key, request) take the store lacks and upload it. Idempotent.

    The client's key names the take in the store (a key can depend on files only the client
    has, such as a voice model); outcomes carry store-relative paths."""
    store = _store(store_url)
    outcomes: list[TakeOutcome] = []
    todo = []
    for key, request in batch:
        if store.exists(Store.take_relpath(key)):  # another worker (or a killed run) made it already
            outcomes.append(TakeOutcome(key, Path(Store.take_relpath(key)), synthesized=False))
        else:
            todo.append((key, request))
    with _ENGINE_LOCK:
        made = synthesize_batch([request for _, request in todo], str(_worker_stage()))
    for (key, _request), outcome in zip(todo, made):
        if outcome.path is None:
            outcomes.append(TakeOutcome(key, None, synthesized=False, error=outcome.error))
            continue
        store.put(outcome.path, Store.take_relpath(key))
        with contextlib.suppress(FileNotFoundError):
            outcome.path.unlink()  # the store holds it now
        outcomes.append(TakeOutcome(key, Path(Store.take_relpath(key)), synthesized=True))
    return outcomes


def master_to_store(job: MasterJob, store_url: str) -> MasterResult:
    """Task: fetch the takes and inputs to a private folder, master there, upload the episode's
    files to ``<store>/output/<slug>/``. Returns the MasterResult (its paths are the worker's)."""
    store = _store(store_url)
    with tempfile.TemporaryDirectory(prefix="audioessay-master-") as folder:
        work = Path(folder)
        local: dict[str, Path] = {}

        def fetch(relpath: Path) -> Path:
            return local.setdefault(relpath.as_posix(), work / "in" / f"{len(local)}{relpath.suffix}")

        takes = {text: fetch(path) for text, path in job.takes.items()}
        music = fetch(job.intro_music) if job.intro_music else None
        cover = fetch(job.tags.cover) if job.tags.cover else None
        store.get_many(local.items())
        result = master_job(dataclasses.replace(
            job, takes=takes, intro_music=music, tags=dataclasses.replace(job.tags, cover=cover),
            out_dir=work / "out",
        ))
        for path in mastered_files(result).values():  # the MP3 first: the report last says "complete"
            store.put(path, f"output/{job.out_dir.name}/{path.name}")  # the episode's folder: its slug
    return result


# ---------------------------------------------------------------------------------------------
# The client side


class ClusterRun:
    """One render's work on ``executor``: narration, then each episode's mastering, optionally
    through a store. Used by :func:`audioessay.build.render` when it is given an executor."""

    def __init__(self, executor: cf.Executor, store: Store | None, jobs: int) -> None:
        self.executor, self.store, self.jobs = executor, store, jobs
        self._jobs: dict[cf.Future[MasterResult], MasterJob] = {}

    def narrate(self, requests: Iterable[TakeRequest], cache: TakeCache,
                progress: Callable[[int, int], None] | None = None) -> dict[str, TakeOutcome]:
        """A take for every request: paths in ``cache`` (shared disk) or relative to the store."""
        with _worker_deaths("narrating"):
            return self._narrate(requests, cache, progress)

    def _narrate(self, requests: Iterable[TakeRequest], cache: TakeCache,
                 progress: Callable[[int, int], None] | None) -> dict[str, TakeOutcome]:
        if self.store is None:
            return narrate(requests, cache, _NarrationExecutor(self.executor), jobs=self.jobs, progress=progress)
        unique: dict[str, TakeRequest] = {}
        for request in requests:
            unique.setdefault(request.key, request)
        present = self.store.take_keys()
        outcomes = {key: TakeOutcome(key, Path(Store.take_relpath(key)), synthesized=False)
                    for key in unique if key in present}
        missing = [r for k, r in unique.items() if k not in present]
        url = self.store.url
        return outcomes | run_in_batches(
            missing, self.executor,
            lambda batch: self.executor.submit(synthesize_to_store, [(r.key, r) for r in batch], url),
            jobs=self.jobs, progress=progress,
        )

    def submit_master(self, job: MasterJob) -> cf.Future[MasterResult]:
        """Start mastering one episode on the executor."""
        if self.store is None:
            future = self.executor.submit(master_job, job)
        else:
            remote = dataclasses.replace(
                job,
                intro_music=Path(self.store.put_input(job.intro_music)) if job.intro_music else None,
                tags=dataclasses.replace(
                    job.tags, cover=Path(self.store.put_input(job.tags.cover)) if job.tags.cover else None),
            )
            future = self.executor.submit(master_to_store, remote, self.store.url)
        self._jobs[future] = job
        return future

    def master_result(self, future: cf.Future[MasterResult]) -> MasterResult:
        """Wait for one episode; with a store, download its files into the workspace first."""
        job = self._jobs.pop(future)
        with _worker_deaths(f"mastering {job.basename}"):
            result = future.result()
        if self.store is None:
            if not Path(result.audio).is_file():
                raise AudioessayError(
                    f"a Dask worker mastered {job.basename} into {result.audio}, which is not on this machine",
                    hint="the workers do not share this workspace's disk: render with --store s3://bucket/prefix",
                )
            return result
        files = mastered_files(result)
        self.store.get_many((f"output/{job.out_dir.name}/{p.name}", job.out_dir / p.name) for p in files.values())
        # The same result, naming the downloaded copies.
        downloaded: dict[str, Any] = {EPISODE_FILES[name]: job.out_dir / path.name for name, path in files.items()}
        return dataclasses.replace(result, **downloaded)

    def cancel(self) -> None:
        """Cancel the mastering not collected (a fail-fast stop)."""
        for future in self._jobs:
            future.cancel()
        self._jobs.clear()


@contextlib.contextmanager
def _worker_deaths(doing: str) -> Iterator[None]:
    """Dask gives up on a task whose workers keep dying (KilledWorker): say so as a user error."""
    try:
        yield
    except Exception as exc:
        if type(exc).__name__ != "KilledWorker":
            raise
        raise AudioessayError(f"Dask workers kept dying while {doing}: {exc}",
                              hint="check the workers' logs and memory limits, then render again; "
                                   "finished takes and episodes are kept") from None


def _worker_version() -> str:
    """Task: the audioessay version a worker runs (importing this module proves it is installed)."""
    return importlib.metadata.version("audioessay")


def check_address(address: str) -> None:
    """Refuse an address that is not ``SCHEME://HOST:PORT`` before any client is made: Dask would
    take 40 s to give up on it and print a traceback from its client's finalizer."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        port = parts.port
    except ValueError:
        port = None
        parts = None
    if parts is None or parts.scheme not in ("tcp", "tls", "ws", "wss", "inproc") or not parts.hostname \
            or port is None or not 0 < port < 65536 or any(c.isspace() for c in address):
        raise AudioessayError(f"the Dask scheduler address {address!r} is not tcp://HOST:PORT",
                              hint=f"check --scheduler or {SCHEDULER_ENV}, e.g. tcp://127.0.0.1:8786")


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A ``distributed.Client`` for the scheduler at ``address``, checked to have workers that
    run this version of audioessay (``timeout``: seconds to reach the scheduler)."""
    check_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise ToolMissingError("rendering on a Dask cluster needs dask.distributed, which is not installed",
                               hint=install_hint()) from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise AudioessayError(f"cannot reach the Dask scheduler at {address}: {exc}",
                              hint="start one with 'dask scheduler', check the address (tcp://HOST:PORT), "
                                   f"or unset {SCHEDULER_ENV}") from None
    try:
        _check_workers(client, address)
    except BaseException:
        client.close()
        raise
    return client


def _check_workers(client: Any, address: str) -> None:
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except (TimeoutError, OSError):
        raise AudioessayError(f"the Dask scheduler at {address} has no workers",
                              hint=f"start one with 'dask worker {address}'") from None
    mine = importlib.metadata.version("audioessay")
    versions = client.run(_worker_version, on_error="return")
    wrong = {worker: v for worker, v in versions.items() if v != mine}
    if wrong:
        details = ", ".join(f"{w}: {v if isinstance(v, str) else 'cannot import audioessay'}"
                            for w, v in sorted(wrong.items(), key=lambda item: item[0]))
        raise ToolMissingError(f"Dask workers do not run audioessay {mine} ({details})",
                               hint=f"install the same audioessay on every worker: {install_hint()}")


@contextlib.contextmanager
def cluster_executor(address: str | None) -> Iterator[cf.Executor | None]:
    """The executor for ``render --scheduler ADDRESS`` (None without an address); closes the client."""
    if not address:
        yield None
        return
    client = connect(address)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()


