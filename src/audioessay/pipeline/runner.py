"""Runners: where a render's takes are narrated and its episodes mastered.

A runner owns its workers from the moment it is made until :meth:`Runner.close`, so the render
that uses it holds no flags about who owns what. :class:`LocalRunner` uses this machine's cores;
the Dask runner (:mod:`audioessay.pipeline.dask_runner`, loaded only for ``--scheduler``) a cluster.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import functools
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from audioessay.errors import AudioessayError, MasteringError, NarrationError
from audioessay.master.job import MasterJob, master_job
from audioessay.pipeline.partials import remove_partials
from audioessay.pipeline.report import bug
from audioessay.voice.cache import TakeCache, TakeRequest
from audioessay.voice.engine import shares_one_model
from audioessay.voice.narrate import EarlyNarration, TakeOutcome, local_executor, narrate
from audioessay.workspace import Workspace

if TYPE_CHECKING:
    from audioessay.master.episode import MasterResult

Progress = Callable[[int, int], None]
Mastered = Iterator["MasterResult | AudioessayError"]


class Runner(Protocol):
    """Narrates takes and masters episodes for one render, then lets its workers go."""

    masters_here: bool  # episodes are mastered on this machine (so its tools are checked first)

    def expect(self, new_episodes: int) -> None:
        """Called once the essays are read: ``new_episodes`` were never made before."""

    def send_early(self, requests: Sequence[TakeRequest]) -> None:
        """A new episode's takes, as soon as its script is written (a runner may start on them)."""

    def narrate(self, requests: Sequence[TakeRequest], episodes: int,
                progress: Progress | None) -> dict[str, TakeOutcome]:
        """A take for every request, for ``episodes`` episodes to be mastered next."""

    def master(self, jobs: Sequence[MasterJob | AudioessayError]) -> Mastered:
        """Start every job; the iterator gives each result (or its error) in the order of ``jobs``."""

    def close(self) -> None:
        """Stop the workers (what runs finishes, what waits is cancelled)."""


def worker_stopped() -> NarrationError:
    return NarrationError("a narration worker process stopped unexpectedly",
                          hint="run the command again; the takes already made are kept")


@contextlib.contextmanager
def _narration_workers_alive() -> Iterator[None]:
    try:
        yield
    except cf.BrokenExecutor:  # a worker was killed from outside (a signal, the OOM killer)
        raise worker_stopped() from None


@contextlib.contextmanager
def mastering_workers_alive() -> Iterator[None]:
    try:
        yield
    except cf.BrokenExecutor:
        raise MasteringError("a mastering worker process stopped unexpectedly",
                             hint="run the command again; the episodes already made are kept") from None


def mastering_tools_found() -> bool:
    """Whether ffmpeg, lame, mpg123 and libebur128 are all there (render says which is not)."""
    from audioessay.system import require_mastering_tools

    try:
        require_mastering_tools()
    except AudioessayError:
        return False
    return True


class LocalRunner:
    """This machine's cores: a pool of ``jobs`` spawned worker processes, each with its own engine;
    or, for an engine that shares one model between threads (Piper), one worker narrating ``jobs``
    takes at once, so that the model and its memory are held once. The show's engine for this run
    decides; an essay whose front matter picks an engine that does not share its model is then
    narrated one take at a time.

    - Several new episodes: the workers start while the scripts are written (their imports take a
      while) and narrate each new episode's takes as soon as its script is written.
    - Several episodes to master: each is mastered in a worker, in the process that narrated it.
      Mastering many short episodes is mostly Python bookkeeping, which threads would serialise on
      the GIL. A single episode is mastered here, its parts on every core instead.
    """

    masters_here = True

    def __init__(self, ws: Workspace, cache: TakeCache, jobs: int, engine: str = "") -> None:
        """``engine``: the show's engine for this run, which decides between processes and threads."""
        self.ws, self.cache, self.jobs = ws, cache, jobs
        self.workers, self.threads = (1, jobs) if shares_one_model(engine) else (jobs, 1)
        self._pool: cf.ProcessPoolExecutor | None = None
        self._early: EarlyNarration | None = None
        self._masters_in_workers = False

    def expect(self, new_episodes: int) -> None:
        if self.jobs > 1 and new_episodes > 1:
            self._pool = local_executor(self.workers, self.threads)
            with _narration_workers_alive():
                _start_workers(self._pool, self.workers)
            if mastering_tools_found():  # else that is said once, before any take
                self._early = EarlyNarration(self.cache, self._pool)

    def send_early(self, requests: Sequence[TakeRequest]) -> None:
        if self._early is not None:
            with _narration_workers_alive():  # an early worker was killed while scripts were written
                self._early.send(requests)

    def narrate(self, requests: Sequence[TakeRequest], episodes: int,
                progress: Progress | None) -> dict[str, TakeOutcome]:
        self._masters_in_workers = self.workers > 1 and episodes > 1
        if not requests and not self._masters_in_workers:
            self.close()
            return {}
        pool = self._workers(requests)
        with _narration_workers_alive():
            outcomes = narrate(requests, self.cache, pool, jobs=self.jobs, progress=progress,
                               early=self._early) if episodes else {}
        self._early = None  # gathered: a later call (render --verify's second take) narrates afresh
        if not self._masters_in_workers:
            self.close()
        return outcomes

    def _workers(self, requests: Sequence[TakeRequest]) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = local_executor(self.workers, self.threads)
            missing = {r.key for r in requests if self.cache.get(r.key) is None}
            with _narration_workers_alive():
                _start_workers(self._pool, self.workers if self._masters_in_workers else min(self.workers, len(missing)))
        return self._pool

    def master(self, jobs: Sequence[MasterJob | AudioessayError]) -> Mastered:
        if self._masters_in_workers and self._pool is not None:
            return self._in_workers(jobs)
        return self._here(jobs)

    def _in_workers(self, jobs: Sequence[MasterJob | AudioessayError]) -> Mastered:
        pool = self._pool
        assert pool is not None
        with mastering_workers_alive():
            started = [job if isinstance(job, AudioessayError)
                       else pool.submit(master_job, dataclasses.replace(job, jobs=1)) for job in jobs]
        return collect(started)

    def _here(self, jobs: Sequence[MasterJob | AudioessayError]) -> Mastered:
        for job in jobs:
            if isinstance(job, AudioessayError):
                yield job
                continue
            yield _one_episode(functools.partial(master_job, job))  # its parts on every core

    def close(self) -> None:
        """Shut the pool down, then remove what workers that a signal killed left half-written."""
        pool, self._pool, self._early = self._pool, None, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            remove_partials(self.ws)


def collect(started: Sequence[cf.Future[MasterResult] | AudioessayError],
            result_of: Callable[[cf.Future[MasterResult]], MasterResult] = cf.Future.result) -> Mastered:
    """Each started job's result (through ``result_of``), in order; an error in one is that episode's alone."""
    for item in started:
        yield item if isinstance(item, AudioessayError) else _one_episode(functools.partial(result_of, item))


def _one_episode(make: Callable[[], MasterResult]) -> MasterResult | AudioessayError:
    """One episode's mastering result, or its error: a bug in one episode is that episode's alone,
    but a dead worker stops the render (the pool is gone for all)."""
    with mastering_workers_alive():
        try:
            return make()
        except AudioessayError as exc:
            return exc
        except (cf.CancelledError, cf.BrokenExecutor):
            raise
        except Exception as exc:
            return bug(exc)


def _start_workers(pool: cf.Executor, count: int) -> None:
    """Start ``count`` workers of the local pool now, with SIGINT blocked in them.

    Ctrl-C signals the whole process group: a worker that got it would die with a traceback
    (even while still importing) and leave half-written takes. Only this process should react:
    it stops submitting and shuts the pool down. A child inherits the signal mask and keeps it
    across exec, so the workers are started (one no-op task each) while SIGINT is blocked here;
    blocked, not ignored, so that a Ctrl-C during those milliseconds is delivered right after.
    """
    if count <= 0 or threading.current_thread() is not threading.main_thread():
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        for _ in range(count):
            pool.submit(int)  # ProcessPoolExecutor starts a worker per submit until it has max_workers
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def make_runner(ws: Workspace, cache: TakeCache, jobs: int, executor: cf.Executor | None,
                store: str | None, engine: str = "") -> Runner:
    """The local runner, or with an ``executor`` (e.g. a Dask ``Client.get_executor(pure=False)``)
    the Dask runner; a ``store`` URL (needs an executor) carries takes and episode files between
    the workers and this workspace."""
    if executor is None:
        if store is not None:
            raise AudioessayError("a store needs an executor to render on",
                                  hint="pass --scheduler tcp://HOST:PORT with --store")
        return LocalRunner(ws, cache, jobs, engine)
    from audioessay.pipeline.dask_runner import DaskRunner

    return DaskRunner(executor, store, cache, jobs)
