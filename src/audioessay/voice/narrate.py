"""Narrate many takes over a ``concurrent.futures.Executor``, through the take cache.

The executor is anything that implements ``concurrent.futures.Executor``: the local
process pool made by :func:`local_executor` (spawn-started workers, one engine each), or a
Dask ``Client.get_executor(pure=False)``. Work is sent in small batches so that per-task
overhead stays low while both cores stay busy.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from audioessay.errors import AudioessayError, NarrationError
from audioessay.fsutil import disk_full_as_error
from audioessay.memory import libc, one_heap
from audioessay.voice.cache import TakeCache, TakeRequest, wav_frames
from audioessay.voice.engine import Engine, get_engine

BATCH_MAX = 12  # takes in one task at most
_ENGINES: dict[str, Engine] = {}  # one engine per worker process (espeak state is process-global)
_THREADS = 1  # takes this worker narrates at once with an engine that shares one model (local_executor)


@dataclass(frozen=True)
class TakeOutcome:
    key: str
    path: Path | None
    synthesized: bool
    error: str | None = None


def _engine(name: str) -> Engine:
    if name not in _ENGINES:
        _ENGINES[name] = get_engine(name)
    return _ENGINES[name]


def synthesize_batch(requests: list[TakeRequest], cache_root: str) -> list[TakeOutcome]:
    """Worker task: make every take of the batch that the cache lacks. Idempotent. With an engine
    that shares one model, the takes are narrated :data:`_THREADS` at a time."""
    cache = TakeCache(Path(cache_root))

    def made(request: TakeRequest) -> TakeOutcome:
        cached = cache.get(request.key)
        if cached is not None:  # another worker (or a killed run) made it already
            return TakeOutcome(request.key, cached, synthesized=False)
        return _narrate_one(cache, request, request.key)

    if _THREADS > 1 and len(requests) > 1 and _one_shared_model(requests):
        with cf.ThreadPoolExecutor(_THREADS, thread_name_prefix="take") as threads:
            return list(threads.map(made, requests))
    return [made(request) for request in requests]


def _one_shared_model(requests: list[TakeRequest]) -> bool:
    """Whether every take's engine narrates takes at once on threads (each engine is made here, before
    any thread starts; an unknown one is each take's own error, narrated one by one)."""
    try:
        engines = [_engine(request.settings.engine) for request in requests]
    except AudioessayError:
        return False
    return all(getattr(engine, "shares_one_model", False) for engine in engines)


def _narrate_one(cache: TakeCache, request: TakeRequest, key: str) -> TakeOutcome:
    """Narrate one take into the cache. A full disk raises :class:`DiskFullError` at once, which
    ends the batch and the render: every other take would fail the same way. An engine says a
    full disk in its own words (a failure, a timeout, a short take), so any failure while the
    cache's disk is full counts as one, checked before the temporary file is removed."""
    with disk_full_as_error(cache.path(key)):
        temp = cache.temp_path(key)
    try:
        with disk_full_as_error(cache.path(key), check=(AudioessayError,)):
            _engine(request.settings.engine).synthesize(request.text, request.settings, temp)
            if wav_frames(temp) is None:
                raise NarrationError("the engine wrote an empty or unreadable take")
            return TakeOutcome(key, cache.commit(key, temp), synthesized=True)
    except AudioessayError as exc:
        return TakeOutcome(key, None, synthesized=False, error=exc.format())
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def local_executor(jobs: int, threads: int = 1) -> cf.ProcessPoolExecutor:
    """A process pool of ``jobs`` ``spawn`` workers (a process forked after pyttsx3 was used hangs in
    its first take: the espeak driver's threads and its audio state do not survive a fork), each
    narrating ``threads`` takes at once with an engine that shares one model."""
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_worker_start, initargs=(threads,))


def _worker_start(threads: int) -> None:
    global _THREADS
    _THREADS = threads
    one_heap()  # before the narration threads start
    _die_with_parent()


def _die_with_parent() -> None:
    """Worker start: be killed when the render that started it dies, even by SIGKILL, instead of
    narrating on for nobody (Linux's PR_SET_PDEATHSIG; elsewhere the pool's pipes end it later)."""
    import signal

    parent = os.getppid()
    prctl = getattr(libc(), "prctl", None)  # None without a C library or off Linux
    if prctl is None:
        return
    prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class EarlyNarration:
    """Takes sent to the workers while render is still writing scripts.

    With several new episodes and more than one job, render hands each new episode's takes here
    as soon as its script is written, so that the workers narrate while the main process writes
    the remaining scripts instead of waiting for all of them. :func:`narrate` then gathers these
    takes with the rest. A key sent here is never sent again, and its outcome comes from the worker
    that made it (so it counts as narrated, not as taken from the cache).
    """

    def __init__(self, cache: TakeCache, executor: cf.Executor) -> None:
        self.cache, self.executor = cache, executor
        self.futures: list[cf.Future[list[TakeOutcome]]] = []
        self.keys: set[str] = set()

    def send(self, requests: Iterable[TakeRequest]) -> None:
        """Start narrating those of ``requests`` the cache lacks and nobody was sent yet."""
        missing: dict[str, TakeRequest] = {}
        for request in requests:
            if request.key not in self.keys and request.key not in missing and self.cache.get(request.key) is None:
                missing[request.key] = request
        if not missing:
            return
        self.keys.update(missing)
        # One episode's takes at a time, in tasks of at most BATCH_MAX: a short essay's few takes
        # are one round trip to a worker, not one per sentence; other episodes' keep the others busy.
        wanted = list(missing.values())
        for batch in _interleaved(wanted, math.ceil(len(wanted) / BATCH_MAX)):
            self.futures.append(self.executor.submit(synthesize_batch, batch, str(self.cache.root)))


def narrate(
    requests: Iterable[TakeRequest],
    cache: TakeCache,
    executor: cf.Executor,
    *,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
    early: EarlyNarration | None = None,
) -> dict[str, TakeOutcome]:
    """Make sure every request has a take; returns an outcome per key (path or error).

    Takes already in the cache are found here without touching the executor; takes already
    sent by ``early`` are waited for, not sent again.
    """
    unique: dict[str, TakeRequest] = {}
    for request in requests:
        unique.setdefault(request.key, request)
    outcomes: dict[str, TakeOutcome] = {}
    missing: list[TakeRequest] = []
    sent = early.keys if early is not None else set()
    for key, request in unique.items():
        if key in sent:
            continue
        cached = cache.get(key)
        if cached is not None:
            outcomes[key] = TakeOutcome(key, cached, synthesized=False)
        else:
            missing.append(request)
    return outcomes | run_in_batches(
        missing, executor, lambda batch: executor.submit(synthesize_batch, batch, str(cache.root)),
        jobs=jobs, progress=progress, started=early.futures if early is not None else (),
        started_count=len(sent),
    )


def _batches(requests: list[TakeRequest], jobs: int) -> list[list[TakeRequest]]:
    """``requests`` cut into batches of similar size, the longest sentences in the first ones.

    Small batches cut per-task overhead; enough of them (6 per worker) keeps every core busy,
    and sending the longest first means that a long sentence does not finish alone at the end."""
    size = max(1, min(BATCH_MAX, len(requests) // (jobs * 6)))
    return _interleaved(requests, math.ceil(len(requests) / size))


def _interleaved(requests: list[TakeRequest], count: int) -> list[list[TakeRequest]]:
    """``count`` batches of similar sizes, dealt out longest sentence first."""
    ordered = sorted(requests, key=lambda r: len(r.text), reverse=True)
    return [ordered[i::count] for i in range(count)]


def run_in_batches(
    missing: list[TakeRequest],
    executor: cf.Executor,
    submit: Callable[[list[TakeRequest]], cf.Future[list[TakeOutcome]]],
    *,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
    started: Iterable[cf.Future[list[TakeOutcome]]] = (),
    started_count: int = 0,
) -> dict[str, TakeOutcome]:
    """Send ``missing`` to ``submit`` in batches and gather the outcomes as they complete, with
    those of the batches already ``started`` (``started_count`` takes).

    Shared by the local pool and the cluster (which submits a store-aware task instead)."""
    outcomes: dict[str, TakeOutcome] = {}
    total, done = len(missing) + started_count, 0
    if progress:
        progress(0, total)
    futures = list(started)
    if not missing and not futures:
        return outcomes
    try:
        futures += [submit(batch) for batch in _batches(missing, jobs)]
        for future in cf.as_completed(futures):
            for outcome in future.result():
                outcomes[outcome.key] = outcome
                done += 1
            if progress:
                progress(done, total)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return outcomes
