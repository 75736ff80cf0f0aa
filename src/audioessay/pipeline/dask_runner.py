"""The Dask runner: narration and every episode's mastering on a cluster's workers, optionally
through a store (:mod:`audioessay.cluster`). Loaded only when a render is given an executor."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Sequence
from typing import TYPE_CHECKING

from audioessay.cluster import ClusterRun
from audioessay.errors import AudioessayError
from audioessay.master.job import MasterJob
from audioessay.pipeline.runner import Mastered, Progress, collect, mastering_workers_alive
from audioessay.store import Store
from audioessay.voice.cache import TakeCache, TakeRequest
from audioessay.voice.narrate import TakeOutcome

if TYPE_CHECKING:
    from audioessay.master.episode import MasterResult


class DaskRunner:
    """Every episode is mastered on the cluster at once; the results are collected in order."""

    masters_here = False  # the workers need the mastering tools, not this machine

    def __init__(self, executor: cf.Executor, store: str | None, cache: TakeCache, jobs: int) -> None:
        self.cache = cache
        self.run = ClusterRun(executor, Store(store) if store else None, jobs)

    def expect(self, new_episodes: int) -> None:
        pass  # the cluster's workers are already running

    def send_early(self, requests: Sequence[TakeRequest]) -> None:
        pass  # takes go to the cluster in one batch, once every script is written

    def narrate(self, requests: Sequence[TakeRequest], episodes: int,
                progress: Progress | None) -> dict[str, TakeOutcome]:
        return self.run.narrate(requests, self.cache, progress=progress) if episodes else {}

    def master(self, jobs: Sequence[MasterJob | AudioessayError]) -> Mastered:
        started: list[cf.Future[MasterResult] | AudioessayError] = []
        with mastering_workers_alive():
            for job in jobs:
                try:
                    started.append(job if isinstance(job, AudioessayError) else self.run.submit_master(job))
                except AudioessayError as exc:
                    started.append(exc)
        return collect(started, self.run.master_result)

    def close(self) -> None:
        self.run.cancel()  # the mastering not collected (a fail-fast stop)
