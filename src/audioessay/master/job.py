"""One episode's mastering as a task: plain values in (:class:`MasterJob`), a :class:`MasterResult` out.

The local process pool and a Dask cluster (:mod:`audioessay.cluster`) run the same
:func:`master_job`. Importing this module loads neither Dask nor the mastering code itself
(numpy): that is imported by the task when it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audioessay.fsutil import disk_full_as_error
from audioessay.master.tags import EpisodeTags
from audioessay.models import Script, Sentence
from audioessay.workspace import AudioConfig

if TYPE_CHECKING:
    from audioessay.master.episode import MasterResult


@dataclass(frozen=True)
class MasterJob:
    """Everything one episode's mastering needs, as plain values a worker can receive.

    In a store render, ``takes``, ``intro_music`` and ``tags.cover`` are paths relative to
    the store, and ``out_dir`` is where the client puts the downloaded files."""

    script: Script
    takes: Mapping[str, Path]  # sentence (and announcement, outro) text -> its take
    out_dir: Path
    basename: str
    config: AudioConfig
    intro_music: Path | None
    announcement: Sentence | None  # said as its text, captioned as written
    outro: Sentence | None
    tags: EpisodeTags
    jobs: int
    heard: Mapping[str, Any] | None = None  # what the offline listener heard (render --verify), for the report
    heard_problems: tuple[str, ...] = ()  # its flagged takes, as problems of the episode


def master_job(job: MasterJob) -> MasterResult:
    """Task: master one episode into ``job.out_dir``; returns the :class:`MasterResult`.

    Idempotent: ``master_episode`` writes temporary files and renames them into place."""
    from audioessay.master.episode import master_episode

    # A full disk met anywhere in mastering (a folder, a memo) stops the render in one line.
    with disk_full_as_error(Path(job.out_dir) / f"{job.basename}.mp3"):
        return master_episode(
            job.script, job.takes, out_dir=job.out_dir, basename=job.basename, config=job.config,
            intro_music=job.intro_music, announcement=job.announcement, outro=job.outro, tags=job.tags,
            jobs=job.jobs, heard=job.heard, heard_problems=job.heard_problems,
        )
