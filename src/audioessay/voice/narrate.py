"""Narrate many takes over a ``concurrent.futures.Executor``, through the take cache.

The executor is anything that implements ``concurrent.futures.Executor``: the local
process pool made by :func:`local_executor` (spawn-started workers, one engine each), or a
Dask ``Client.get_executor(pure=False)``. Work is sent in small batches so that per-task
overhead stays low while both cores stay busy.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from audioessay.errors import AudioessayError, NarrationError
from audioessay.voice.cache import TakeCache, TakeRequest, wav_frames
from audioessay.voice.engine import Engine, get_engine

_ENGINES: dict[str, Engine] = {}  # one engine per worker process (espeak state is process-global)


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
    """Worker task: make every take of the batch that the cache lacks. Idempotent."""
    cache = TakeCache(Path(cache_root))
    outcomes = []
    for request in requests:
        key = request.key
        cached = cache.get(key)
        if cached is not None:  # another worker (or a killed run) made it already
            outcomes.append(TakeOutcome(key, cached, synthesized=False))
            continue
        temp = cache.temp_path(key)
        try:
            _engine(request.settings.engine).synthesize(request.text, request.settings, temp)
            if wav_frames(temp) is None:
                raise NarrationError("the engine wrote an empty or unreadable take")
            outcomes.append(TakeOutcome(key, cache.commit(key, temp), synthesized=True))
        except AudioessayError as exc:
            outcomes.append(TakeOutcome(key, None, synthesized=False, error=exc.format()))
        finally:
            if temp.exists():
                temp.unlink()
    return outcomes


def local_executor(jobs: int) -> cf.ProcessPoolExecutor:
    """A process pool with ``spawn`` workers: forking after pyttsx3 was used hangs (NOTES.md)."""
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def narrate(
    requests: Iterable[TakeRequest],
    cache: TakeCache,
    executor: cf.Executor,
    *,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, TakeOutcome]:
    """Make sure every request has a take; returns an outcome per key (path or error).

    Takes already in the cache are found here without touching the executor.
    """
    unique: dict[str, TakeRequest] = {}
    for request in requests:
        unique.setdefault(request.key, request)
    outcomes: dict[str, TakeOutcome] = {}
    missing: list[TakeRequest] = []
    for key, request in unique.items():
        cached = cache.get(key)
        if cached is not None:
            outcomes[key] = TakeOutcome(key, cached, synthesized=False)
        else:
            missing.append(request)
    return outcomes | run_in_batches(
        missing, executor, lambda batch: executor.submit(synthesize_batch, batch, str(cache.root)),
        jobs=jobs, progress=progress,
    )


def run_in_batches(
    missing: list[TakeRequest],
    executor: cf.Executor,
    submit: Callable[[list[TakeRequest]], cf.Future[list[TakeOutcome]]],
    *,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, TakeOutcome]:
    """Send ``missing`` to ``submit`` in batches and gather the outcomes as they complete.

    Shared by the local pool and the cluster (which submits a store-aware task instead)."""
    outcomes: dict[str, TakeOutcome] = {}
    total, done = len(missing), 0
    if progress:
        progress(0, total)
    if not missing:
        return outcomes
    # Longest first, so that a long sentence does not finish alone at the end.
    missing = sorted(missing, key=lambda r: len(r.text), reverse=True)
    # Small batches cut per-task overhead; enough of them (6 per worker) keeps both cores busy.
    batch_size = max(1, min(12, total // (jobs * 6)))
    n_batches = math.ceil(total / batch_size)
    batches = [missing[i::n_batches] for i in range(n_batches)]  # interleaved: similar sizes
    futures = [submit(batch) for batch in batches]
    try:
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
