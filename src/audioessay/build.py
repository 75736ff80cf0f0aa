"""Run the stages over a workspace: read, script, narrate, master, publish.

One bad essay never stops the others: each essay's failure is recorded in the report and
the rest go on. Episodes are re-made only when their inputs changed (``output/<slug>/build.json``
records the hash of everything an episode is made from); when only what its tags say changed
(the cover, the show's author), the MP3 is re-tagged, not re-encoded.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import datetime as dt
import fnmatch
import hashlib
import json
import os
import shutil
import signal
import stat
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audioessay.errors import (
    AudioessayError,
    EssayError,
    MasteringError,
    NarrationError,
    PublishError,
    ScriptError,
)
from audioessay.fsutil import as_plain, atomic_open, atomic_write_text, sha256_file, sha256_file_cached
from audioessay.models import Episode, Essay, Link, Script, VoiceSettings
from audioessay.text.memo import EssayMemo, ScriptMemo
from audioessay.text.read import read_essay, unique_slugs
from audioessay.text.scriptfile import (
    WriteKind,
    WriteOutcome,
    build_script,
    built_from,
    current_outcome,
    read_script,
    script_settings,
    status_of,
    write_script,
)
from audioessay.text.speak import speak
from audioessay.voice.cache import TakeCache, TakeRequest
from audioessay.voice.engine import require_available
from audioessay.voice.narrate import EarlyNarration, default_jobs, local_executor, narrate
from audioessay.workspace import Workspace

Progress = Callable[[int, int], None]

# In .audioessay/: the feed check's results for episode files by file version; the feed and page last written.
CHECKED_FILE, PUBLISHED_FILE = "checked.json", "published.json"


@dataclass(frozen=True)
class VoiceOverrides:
    """Voice choices from the command line; they beat front matter and the config."""

    engine: str | None = None
    voice: str | None = None
    rate: int | None = None


@dataclass
class EpisodeResult:
    """What happened to one essay, for the summary and ``--json``."""

    source: str
    slug: str
    title: str
    script: str
    status: str = "draft"  # the script's review status
    attention: int = 0
    audio: str | None = None
    aac: str | None = None  # the AAC copy (audio.aac), e.g. output/her/her.m4a
    synthesized: int = 0
    cached: int = 0
    remade: bool = False  # False when the episode was up to date
    duration: float | None = None
    loudness: float | None = None
    true_peak: float | None = None
    transcript: str | None = None
    transcript_srt: str | None = None
    chapters: str | None = None
    report: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class BuildReport:
    feed: str | None = None
    episodes: list[EpisodeResult] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # feed check findings

    def fail(self, source: str, error: AudioessayError | str) -> None:
        message = error.format() if isinstance(error, AudioessayError) else error
        self.errors.append({"source": source, "message": message})

    def summary(self) -> dict[str, Any]:
        """The counts ``render`` ends with: episodes made and already up to date, essays that failed
        (and which), takes narrated and taken from the cache."""
        made = sum(1 for e in self.episodes if e.remade)
        return {
            "made": made, "up_to_date": len(self.episodes) - made, "failed": len(self.errors),
            "failed_sources": [error["source"] for error in self.errors],
            "takes_narrated": sum(e.synthesized for e in self.episodes),
            "takes_from_cache": sum(e.cached for e in self.episodes),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "episodes": [dataclasses.asdict(e) for e in self.episodes],
            "errors": self.errors,
            "problems": self.problems,
        }


# ---------------------------------------------------------------------------------------------
# Reading essays and writing scripts


def essay_paths(ws: Workspace, paths: Sequence[Path]) -> list[Path]:
    """The essays to work on: the given files (folders are searched), or everything in seeds/.

    An episode's script file (``output/<slug>/script.txt``, as messages name it) stands for its essay."""
    if not paths:
        return ws.essay_paths()
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".md", ".txt")))
        elif path.name == "script.txt" and path.resolve().parent.parent == ws.output.resolve():
            slug = path.resolve().parent.name
            essays = [ws.root / e.source for e in read_essays(ws, (), BuildReport()) if e.slug == slug]
            found.extend(essays or [path])
        else:
            found.append(path)
    return found


def read_essays(ws: Workspace, paths: Sequence[Path], report: BuildReport,
                fail_fast: bool = False, memo: EssayMemo | None = None) -> list[Essay]:
    """Read every essay (with ``fail_fast``, until one fails); failures go into the report. Slugs
    are made unique across the batch. ``memo``: essays whose bytes did not change are not parsed
    again (:mod:`audioessay.text.memo`)."""
    essays = []
    for path in essay_paths(ws, paths):
        try:
            if not path.exists():
                raise EssayError("no such file", path=path, hint="check the path")
            essays.append(read_essay(path.resolve(), ws.root, ws.config.text.max_bytes, memo))
        except AudioessayError as exc:
            report.fail(_display(ws, path), exc)
            if fail_fast:
                break
    return unique_slugs(essays)


def find_essay(ws: Workspace, slug: str) -> Essay:
    """The essay in seeds/ whose slug is ``slug``, or an error listing the known slugs."""
    essays = read_essays(ws, (), BuildReport(), memo=EssayMemo(ws.state))  # only read: no lock is held
    for essay in essays:
        if essay.slug == slug:
            return essay
    known = ", ".join(e.slug for e in essays) or "none"
    raise AudioessayError(f"no essay with slug '{slug}'", hint=f"known slugs: {known}")


def _display(ws: Workspace, path: Path) -> str:
    return ws.relative(path) if Path(path).exists() else str(path)


def lexicon(ws: Workspace) -> dict[str, str]:
    return ws.config.pronunciations


def make_script(ws: Workspace, essay: Essay, force: bool,
                memo: ScriptMemo | None = None) -> tuple[Script, EpisodeResult]:
    """Write (or keep) the essay's script file and return the script that render will narrate.

    With a ``memo``, a script file that this code built from the same essay and settings is used
    as it is, without building the script again to compare (see :func:`_current_script`)."""
    path = ws.script_path(essay.slug)
    shown = ws.relative(path)
    if memo is not None and not force:
        current = _current_script(ws, essay, path, shown, memo)
        if current is not None:
            return current
    script, decisions = build_script(essay, ws.config.text.language, lexicon(ws))
    try:
        outcome = write_script(path, script, force=force)
    except ScriptError as exc:  # the same message, with workspace-relative paths
        root = str(ws.root) + "/"
        raise ScriptError(exc.message.replace(root, ""), path=shown,
                          hint=exc.hint.replace(root, "") if exc.hint else None) from None
    attention = sum(1 for d in decisions if d.attention)
    if memo is not None:
        memo.put(shown, script.header, attention)
    text, on_disk = read_script(path, shown)  # read once: the script and its status
    return on_disk, _script_result(ws, essay, shown, attention, outcome, text, on_disk)


def _current_script(ws: Workspace, essay: Essay, path: Path, shown: str,
                    memo: ScriptMemo) -> tuple[Script, EpisodeResult] | None:
    """The script on disk and its result when building it again would change nothing: its header
    names this essay (path, bytes, title) and the language and lexicon, and ``memo`` says this code
    built exactly that header (body hash included) last time. A person's edit or approval stays
    as it is, as :func:`write_script` would keep it. None when the script must be built: missing,
    unreadable, stale, or built by other code."""
    try:
        text, on_disk = read_script(path, shown)
    except ScriptError:
        return None  # the full path writes it, or says what is wrong with it
    attention = memo.attention(shown, on_disk.header)
    settings = script_settings(ws.config.text.language, lexicon(ws))
    if attention is None or not built_from(on_disk.header, essay, settings):
        return None
    outcome = current_outcome(path, text, on_disk)
    return on_disk, _script_result(ws, essay, shown, attention, outcome, text, on_disk)


def _script_result(ws: Workspace, essay: Essay, shown: str, attention: int, outcome: WriteOutcome,
                   text: str, on_disk: Script) -> EpisodeResult:
    result = EpisodeResult(source=essay.source.as_posix(), slug=essay.slug, title=essay.title, script=shown,
                           attention=attention)
    if outcome.message and outcome.kind != WriteKind.UNCHANGED:
        result.notes.append(outcome.message.replace(str(ws.root) + "/", ""))
    status = status_of(text, on_disk, essay)
    result.status = "approved" if status.approved else ("edited" if status.edited else "draft")
    return result


def write_scripts(ws: Workspace, paths: Sequence[Path], force: bool = False, fail_fast: bool = False) -> BuildReport:
    """``audioessay script``: write each essay's narration script."""
    report = BuildReport()
    remove_partials(ws)  # left by a killed run; the caller holds the workspace lock
    memos = _Memos(ws)
    essays = read_essays(ws, paths, report, fail_fast=fail_fast, memo=memos.essays)
    for essay in essays:
        try:
            _script, result = make_script(ws, essay, force, memos.scripts)
            memos.scripts_used.add(result.script)
            report.episodes.append(result)
        except AudioessayError as exc:
            report.fail(essay.source.as_posix(), exc)
        if fail_fast and report.errors:
            break
    memos.save(essays, every=not paths and not (fail_fast and report.errors))
    return report


class _Memos:
    """The essay and script memos of one run (:mod:`audioessay.text.memo`); only a run holding
    the workspace lock saves them."""

    def __init__(self, ws: Workspace) -> None:
        self.essays = EssayMemo(ws.state)
        self.scripts = ScriptMemo(ws.state)
        self.scripts_used: set[str] = set()

    def save(self, essays: list[Essay], every: bool) -> None:
        """Save both; ``every``: the run read all of seeds/, so entries for essays it did not see
        (deleted, renamed) are dropped."""
        if every:
            self.essays.keep_only(e.source.as_posix() for e in essays)
            self.scripts.keep_only(self.scripts_used)
        self.essays.save()
        self.scripts.save()


# ---------------------------------------------------------------------------------------------
# Rendering


def voice_settings(ws: Workspace, essay: Essay, overrides: VoiceOverrides) -> VoiceSettings:
    """Config, then front matter, then the command line: the later one wins."""
    cfg = ws.config.voice
    engine = overrides.engine or essay.engine or cfg.engine
    voice = overrides.voice or essay.voice or cfg.voice
    rate = overrides.rate or essay.rate or cfg.rate
    model = cfg.model
    if engine == "piper" and voice.endswith(".onnx"):
        model, voice = str(ws.resolve(voice)), "default"
    elif model:
        model = str(ws.resolve(model))
    return VoiceSettings(engine=engine, voice=voice, rate=rate, volume=cfg.volume, model=model)


@dataclass
class _Planned:
    essay: Essay
    script: Script
    result: EpisodeResult
    settings: VoiceSettings
    requests: list[TakeRequest]
    announcement: str | None
    outro: str | None
    number: int
    inputs: str = ""  # hash of what the audio, transcripts and chapters are made from
    tag_inputs: str = ""  # hash of what only the MP3's tags are made from
    pub_date: dt.datetime | None = None  # the ledger's; the tags' date when the essay has none
    record: dict[str, Any] | None = None  # build.json as on disk, read once per render


def _spoken(text: str, ws: Workspace) -> str:
    return speak(text, ws.config.text.language, lexicon(ws))[0]


def sync_ledger(ws: Workspace, ledger: Any, essays: list[Essay], now: dt.datetime,
                report: BuildReport | None = None, *, all_seeds: bool = False,
                memo: EssayMemo | None = None) -> tuple[Any, dict[str, Any]]:
    """Give every essay its ledger entry (guid, number, pubDate), matching all of seeds/ at once so
    that a copied essay never takes the original's identity. Returns the ledger and entries by slug;
    an essay whose front matter episode number clashes is left out and reported.

    Entries whose essay is gone are marked removed; an essay that still exists but failed to read
    this time keeps its entry current. ``all_seeds``: ``essays`` already holds every essay of
    seeds/ that could be read, so they are not read a second time; otherwise the others are read
    (through ``memo`` when given)."""
    from audioessay.publish.ledger import EssayRef

    chosen = {e.source for e in essays}
    others = [] if all_seeds else \
        [e for e in read_essays(ws, (), BuildReport(), memo=memo) if e.source not in chosen]
    everyone = essays + others
    refs = [EssayRef(e.slug, e.source.as_posix(), e.title, e.source_sha256, e.date, e.episode) for e in everyone]
    errors: dict[int, AudioessayError] = {}
    ledger, entries = ledger.sync(refs, now, errors=errors)
    for index, error in errors.items():
        if report is not None and index < len(essays):
            report.fail(everyone[index].source.as_posix(), error)
    for entry in ledger.entries:
        if entry.removed and (ws.root / entry.source).is_file():
            ledger = ledger.restore(entry.id)
    return ledger, {essay.slug: entry for essay, entry in zip(everyone, entries) if entry is not None}


def _plan(ws: Workspace, essay: Essay, script: Script, result: EpisodeResult, overrides: VoiceOverrides,
          entry: Any, engines: dict[str, str]) -> _Planned:
    """List the takes the essay's episode needs."""
    settings = voice_settings(ws, essay, overrides)
    if settings.engine not in engines:
        engines[settings.engine] = require_available(settings.engine).version()
    announcement = _announcement(ws, essay, entry.number)
    outro = _spoken(ws.config.audio.outro, ws) if ws.config.audio.outro.strip() else None
    texts = script.sentences() + [t for t in (announcement, outro) if t]
    requests = [TakeRequest(text, settings, engines[settings.engine]) for text in texts]
    return _Planned(essay, script, result, settings, requests, announcement, outro, entry.number,
                    pub_date=entry.pub_date)


def used_take_keys(ws: Workspace) -> set[str]:
    """The cache keys of every take the workspace's current scripts need (for ``cache prune``)."""
    from audioessay.publish.ledger import load_ledger

    essays = read_essays(ws, (), BuildReport(), memo=EssayMemo(ws.state))
    _ledger, entries = sync_ledger(ws, load_ledger(ws.ledger_path), essays, dt.datetime.now(dt.UTC),
                                   all_seeds=True)
    engines: dict[str, str] = {}
    keys: set[str] = set()
    for essay in essays:
        path = ws.script_path(essay.slug)
        if essay.slug not in entries:
            continue
        try:
            _text, script = read_script(path, ws.relative(path))  # a non-UTF-8 script is a ScriptError
            result = EpisodeResult(essay.source.as_posix(), essay.slug, essay.title, ws.relative(path))
            plan = _plan(ws, essay, script, result, VoiceOverrides(), entries[essay.slug], engines)
        except (OSError, AudioessayError):
            continue
        keys.update(r.key for r in plan.requests)
    return keys


def render(
    ws: Workspace,
    paths: Sequence[Path] = (),
    *,
    base_url: str | None = None,
    jobs: int | None = None,
    overrides: VoiceOverrides = VoiceOverrides(),
    executor: cf.Executor | None = None,
    store: str | None = None,
    progress: Progress | None = None,
    fail_fast: bool = False,
    now: dt.datetime | None = None,
) -> BuildReport:
    """``audioessay render``: script (when missing), narrate, master, and publish the feed.

    Given an ``executor`` (e.g. a Dask ``Client.get_executor(pure=False)``), narration and every
    episode's mastering run on it; a ``store`` URL (needs an executor) carries takes and episode
    files between the workers and this workspace (:mod:`audioessay.cluster`)."""
    from audioessay.cluster import ClusterRun, MasterJob, master_job
    from audioessay.master.tools import require_mastering_tools
    from audioessay.publish.ledger import load_ledger
    from audioessay.store import Store

    if store is not None and executor is None:
        raise AudioessayError("a store needs an executor to render on",
                              hint="pass --scheduler tcp://HOST:PORT with --store")
    jobs = jobs or default_jobs()
    remote = ClusterRun(executor, Store(store) if store else None, jobs) if executor is not None else None
    now = now or dt.datetime.now(dt.UTC)
    report = BuildReport()
    cache = TakeCache(ws.cache)
    cache.clean_partials()
    remove_partials(ws)  # left by a killed run; we hold the workspace lock
    # The default cover (drawn once per show) is made while the essays are read.
    drawing = cf.ThreadPoolExecutor(max_workers=1)
    cover_future = drawing.submit(ensure_cover, ws)
    drawing.shutdown(wait=False)  # the drawing goes on; its result is collected below
    music = intro_music(ws)
    ledger = load_ledger(ws.ledger_path)

    planned: list[_Planned] = []
    engines: dict[str, str] = {}
    memos = _Memos(ws)
    essays = read_essays(ws, paths, report, fail_fast=fail_fast, memo=memos.essays)
    new = {e.slug for e in essays if not _build_record_path(ws, e.slug).exists()}  # never made before
    # Several new episodes: the local workers will be needed, so they start now and import while
    # the scripts are written.
    early = local_executor(jobs) if executor is None and jobs > 1 and len(new) > 1 else None
    handed_over = False  # once the pool below owns the early workers, it stops them
    sent_early: EarlyNarration | None = None
    try:
        if early is not None:
            _start_workers(early, jobs)
        cover = cover_future.result()
        if overrides.engine or any(e.engine is None for e in essays):
            # A missing engine is this machine's problem, not each essay's: one message, before any work.
            require_available(overrides.engine or ws.config.voice.engine)
        if early is not None and _mastering_tools_found():
            # The early workers narrate each new episode's takes as soon as its script is written.
            # Not when the episodes could not be mastered: that is said once, below, before any take.
            sent_early = EarlyNarration(cache, early)
        ledger, entries = sync_ledger(ws, ledger, essays, now, report, all_seeds=not paths and not fail_fast,
                                      memo=memos.essays)
        for essay in essays:
            if fail_fast and report.errors:
                break
            if essay.slug not in entries:
                continue
            try:
                script, result = make_script(ws, essay, False, memos.scripts)
                memos.scripts_used.add(result.script)
                if ws.config.text.require_approval and result.status != "approved":
                    raise ScriptError(
                        "the script is not approved and text.require_approval is true", path=result.script,
                        hint=f"review it, then run 'audioessay review {essay.slug} --approve'",
                    )
                planned.append(_plan(ws, essay, script, result, overrides, entries[essay.slug], engines))
                if sent_early is not None and essay.slug in new:
                    sent_early.send(planned[-1].requests)  # a new episode: its takes are all needed
            except AudioessayError as exc:
                report.fail(essay.source.as_posix(), exc)
        memos.save(essays, every=not paths and not (fail_fast and report.errors))
        if fail_fast and report.errors:
            return _finish(ws, report, ledger, base_url, cover, publish=False)

        for plan in planned:
            plan.inputs = _episode_inputs(ws, plan, music)
            plan.tag_inputs = _tag_inputs(_episode_tags(ws, plan, cover, now))
        todo = [p for p in planned if not _up_to_date(ws, p)]
        if todo and remote is None:
            require_mastering_tools()  # every episode needs them: say so once, before narrating anything

        # Locally, several episodes are mastered side by side in the worker processes that narrated
        # them: mastering many short episodes is mostly Python bookkeeping, which threads would
        # serialise on the GIL. A single episode is mastered here, its parts on every core instead.
        process_masters = executor is None and jobs > 1 and len(todo) > 1
        owned = executor is None and (any(p.requests for p in todo) or process_masters)
        if not owned:
            _stop_pool(ws, early)
        pool = (early or local_executor(jobs)) if owned else executor
        handed_over = True
    except cf.BrokenExecutor:  # an early worker was killed from outside while the scripts were written
        raise _worker_stopped() from None
    finally:
        if not handed_over:  # an error or a stop before narration: the early workers must go
            _stop_pool(ws, early)
    try:
        if owned and pool is not None and pool is not early:
            missing = {r.key for p in todo for r in p.requests if cache.get(r.key) is None}
            _start_workers(pool, jobs if process_masters else min(jobs, len(missing)))
        if remote is not None:
            outcomes = remote.narrate([r for p in todo for r in p.requests], cache, progress=progress) if todo else {}
        else:
            outcomes = narrate([r for p in todo for r in p.requests], cache, pool, jobs=jobs,
                               progress=progress, early=sent_early) if todo and pool is not None else {}
    except cf.BrokenExecutor:  # a worker was killed from outside (a signal, the OOM killer)
        _stop_pool(ws, pool if owned else None)
        raise _worker_stopped() from None
    except BaseException:
        _stop_pool(ws, pool if owned else None)
        raise
    if not process_masters:
        _stop_pool(ws, pool if owned else None)

    def job_for(plan: _Planned) -> MasterJob:
        result = plan.result
        takes: dict[str, Path] = {}
        for request in plan.requests:
            outcome = outcomes[request.key]
            if outcome.path is None:
                raise AudioessayError(f"narration failed: {outcome.error}", path=result.source)
            takes[request.text] = outcome.path
        result.synthesized = sum(1 for r in {r.key for r in plan.requests} if outcomes[r].synthesized)
        result.cached = len({r.key for r in plan.requests}) - result.synthesized
        return MasterJob(plan.script, takes, out_dir=ws.episode_dir(plan.essay.slug), basename=plan.essay.slug,
                         config=ws.config.audio, intro_music=music, announcement=plan.announcement,
                         outro=plan.outro, tags=_episode_tags(ws, plan, cover, now), jobs=jobs)

    # On an executor every episode is mastered at once; the results are collected in order below.
    local_masters = pool if process_masters else None
    started: dict[str, cf.Future[Any] | AudioessayError] = {}
    try:
        for plan in todo if remote is not None or local_masters is not None else ():
            try:
                if remote is not None:
                    started[plan.essay.slug] = remote.submit_master(job_for(plan))
                elif local_masters is not None:
                    started[plan.essay.slug] = local_masters.submit(
                        master_job, dataclasses.replace(job_for(plan), jobs=1))
            except AudioessayError as exc:
                started[plan.essay.slug] = exc

        for plan in planned:
            result = plan.result
            if plan not in todo:
                try:
                    _refresh(ws, plan, _episode_tags(ws, plan, cover, now))
                except AudioessayError as exc:
                    report.fail(result.source, exc)
                    continue
                _load_recorded(ws, plan)
                report.episodes.append(result)
                continue
            try:
                begun = started.get(plan.essay.slug)
                if isinstance(begun, AudioessayError):
                    raise begun
                if remote is not None and begun is not None:
                    mastered = remote.master_result(begun)
                elif begun is not None:
                    mastered = begun.result()
                else:
                    mastered = master_job(job_for(plan))
                _record(ws, plan, mastered)
                _load_recorded(ws, plan)
                result.remade = True
                report.episodes.append(result)
            except AudioessayError as exc:
                report.fail(result.source, exc)
            if fail_fast and report.errors:
                break
    except cf.BrokenExecutor:  # a worker was killed from outside (a signal, the OOM killer)
        raise MasteringError("a mastering worker process stopped unexpectedly",
                             hint="run the command again; the episodes already made are kept") from None
    finally:
        if remote is not None:
            remote.cancel()
        if local_masters is not None:
            _stop_pool(ws, local_masters)
    records = {plan.essay.slug: plan.record for plan in planned if plan.record is not None}
    return _finish(ws, report, ledger, base_url, cover, publish=True, records=records)


def _mastering_tools_found() -> bool:
    """Whether ffmpeg, lame, mpg123 and libebur128 are all there (render says which is not)."""
    from audioessay.master.tools import require_mastering_tools

    try:
        require_mastering_tools()
    except AudioessayError:
        return False
    return True


def _worker_stopped() -> NarrationError:
    return NarrationError("a narration worker process stopped unexpectedly",
                          hint="run the command again; the takes already made are kept")


def _stop_pool(ws: Workspace, pool: cf.Executor | None) -> None:
    """Shut the local worker pool down (finishing what runs, cancelling what waits), then remove
    what workers that a signal killed left half-written."""
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
        remove_partials(ws)


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


# Temporary names: fsutil.atomic_open ".x.1a2b.part", fsutil.temp_sibling ".x.1a2b.part.mp3", the take
# cache ".key.pid.part.wav" and engines' pieces of one (".key.pid.part.wav.0.chunk.wav").
_PARTIAL_NAMES = (".*.part", ".*.part.*")  # every pattern names a dotfile (see _matching)
_MASTER_FOLDERS = ".*.master-*"  # an episode's mastering work folder


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:  # missing, or not a folder
        return []


def _matching(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    """The entries of ``folder`` whose names match a pattern: one listing per folder, however many
    patterns (a render looks into every episode's folder)."""
    return [Path(e.path) for e in _entries(folder)
            if e.name.startswith(".") and any(fnmatch.fnmatchcase(e.name, p) for p in patterns)]


def remove_partials(ws: Workspace) -> int:
    """Delete the temporary files and mastering folders that a killed run left in the workspace.

    Only call it while holding the workspace lock: then no other run can be writing them.
    Returns how many were removed."""
    removed = 0
    episodes = [Path(e.path) for e in _entries(ws.output) if e.is_dir()]
    found: list[Path] = []
    for folder in [ws.root, ws.feeds, ws.state, *(Path(e.path) for e in _entries(ws.cache / "takes"))]:
        found.extend(_matching(folder, _PARTIAL_NAMES))
    for episode in episodes:
        found.extend(_matching(episode, (*_PARTIAL_NAMES, _MASTER_FOLDERS)))
    for path in found:
        with contextlib.suppress(FileNotFoundError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
    return removed


def _announcement(ws: Workspace, essay: Essay, number: int) -> str | None:
    template = ws.config.audio.announce
    if not template.strip():
        return None
    try:
        text = template.format(show=ws.config.show.title, number=number, title=essay.title)
    except (KeyError, IndexError, ValueError):
        raise AudioessayError(
            f"audio.announce {template!r} has an unknown placeholder",
            hint="use only {show}, {number} and {title}",
        ) from None
    return _spoken(text, ws)


def _episode_inputs(ws: Workspace, plan: _Planned, music: Path | None) -> str:
    """A hash of everything the episode's audio, transcripts and chapters are made from.

    Whatever is spoken (the announcement holds the show title and episode number by default)
    is in the take keys; the title also names the first chapter. Tag-only inputs are
    :func:`_tag_inputs`: changing them re-tags the MP3 without re-encoding it."""
    digest = hashlib.sha256()
    parts: list[Any] = [
        [r.key for r in plan.requests],
        as_plain(plan.script.sections),
        # Where the encoded parts go afterwards does not change the episode.
        as_plain(dataclasses.replace(ws.config.audio, keep_parts=True)),
        plan.essay.title,
        sha256_file_cached(music) if music else None,
    ]
    digest.update(json.dumps(parts, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _episode_tags(ws: Workspace, plan: _Planned, cover: Path | None, now: dt.datetime) -> Any:
    """The MP3's ID3 tags; the date is the essay's, else the ledger's publication date."""
    from audioessay.master.tags import EpisodeTags

    return EpisodeTags(
        title=plan.essay.title, artist=plan.essay.author or ws.config.show.author,
        album=ws.config.show.title, date=(plan.essay.date or plan.pub_date or now).strftime("%Y-%m-%d"),
        track=plan.number, description=plan.essay.description, cover=cover,
        language=ws.config.show.language,
    )


def _tag_inputs(tags: Any) -> str:
    """A hash of what the MP3's tags are made from (the cover by its content)."""
    fields = as_plain(tags)
    fields["cover"] = sha256_file_cached(tags.cover) if tags.cover else None
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def _build_record_path(ws: Workspace, slug: str) -> Path:
    return ws.episode_dir(slug) / "build.json"


# The episode's files beside its audio, by their build.json keys; their sizes are kept as KEY_bytes.
_SIDECARS = ("transcript", "transcript_srt", "chapters", "report")


def _up_to_date(ws: Workspace, plan: _Planned) -> bool:
    record = plan.record = _read_record(ws, plan.essay.slug)
    if not record or record.get("inputs") != plan.inputs:
        return False
    return all(_intact(ws, record, key) for key in ("audio", "aac", *_SIDECARS) if record.get(key))


def _intact(ws: Workspace, record: dict[str, Any], key: str) -> bool:
    """True when the file that ``record[key]`` names is there with the size ``record[key + "_bytes"]``
    (a sidecar that an older build.json gave no size for: any size but 0). Derived files are not
    flushed to the disk one by one, so a power cut can leave one empty or short: it is remade."""
    try:
        info = (ws.root / record[key]).stat()
    except OSError:
        return False
    expected = record.get(f"{key}_bytes")
    if expected is None and key in _SIDECARS:
        return stat.S_ISREG(info.st_mode) and info.st_size > 0
    return stat.S_ISREG(info.st_mode) and info.st_size == expected


def _sidecar_sizes(ws: Workspace, record: dict[str, Any]) -> dict[str, int]:
    """``KEY_bytes`` for each sidecar file ``record`` names, as the files are now (none for a file
    that is gone: the next render remakes the episode)."""
    sizes = {}
    for key in _SIDECARS:
        with contextlib.suppress(OSError):
            if record.get(key):
                sizes[f"{key}_bytes"] = (ws.root / record[key]).stat().st_size
    return sizes


_RECORD_KEYS = ("inputs", "audio", "audio_bytes", "duration")


def _read_record(ws: Workspace, slug: str) -> dict[str, Any] | None:
    """The episode's build.json, or None when it is missing or damaged (the episode is then remade)."""
    try:
        record = json.loads(_build_record_path(ws, slug).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not all(key in record for key in _RECORD_KEYS):
        return None
    paths_ok = all(isinstance(record.get(key), str) or (record.get(key) is None and key != "audio")
                   for key in ("audio", "aac", "transcript", "transcript_srt", "chapters", "report"))
    numbers_ok = all(isinstance(record.get(key), (int, float)) and not isinstance(record.get(key), bool)
                     for key in ("audio_bytes", "duration"))
    if not (paths_ok and numbers_ok):  # edited by hand into nonsense: remade, never a traceback
        return None
    return record


def _record(ws: Workspace, plan: _Planned, mastered: Any) -> None:
    rel = ws.relative
    aac = getattr(mastered, "aac", None)
    record = {
        "inputs": plan.inputs, "tag_inputs": plan.tag_inputs,
        "audio": rel(mastered.audio), "audio_bytes": mastered.audio_bytes, "duration": mastered.duration,
        "aac": rel(aac) if aac else None, "aac_bytes": Path(aac).stat().st_size if aac else None,
        "aac_bitrate": ws.config.audio.bitrate * 1000 if aac else None,  # bits per second
        "loudness": mastered.loudness_lufs, "true_peak": mastered.true_peak_dbtp,
        "transcript": rel(mastered.transcript_vtt), "transcript_srt": rel(mastered.transcript_srt),
        "chapters": rel(mastered.chapters), "report": rel(mastered.report),
        **_feed_fields(plan),
    }
    record |= _sidecar_sizes(ws, record)
    # Not flushed: after a power cut an empty or stale build.json only makes the episode be remade.
    atomic_write_text(_build_record_path(ws, plan.essay.slug), json.dumps(record, indent=2) + "\n", durable=False)
    plan.record = None  # read back from the file when needed


def _feed_fields(plan: _Planned) -> dict[str, Any]:
    """What the feed says about the episode, so that publishing never re-reads essays."""
    return {
        "title": plan.essay.title, "description": plan.essay.description,
        "links": [[link.url, link.text] for link in plan.essay.links],
        "explicit": plan.essay.explicit, "author": plan.essay.author,
    }


def _refresh(ws: Workspace, plan: _Planned, tags: Any) -> None:
    """Bring an episode whose audio is current up to date without re-encoding it: re-tag the MP3
    when a tag-only input changed (cover, show author...), and rewrite build.json when what the
    feed says about the episode changed. Nothing is written when nothing changed."""
    record = plan.record or {}
    updated = {**record, **_feed_fields(plan), "tag_inputs": plan.tag_inputs}
    path = _build_record_path(ws, plan.essay.slug)
    if record.get("tag_inputs") != plan.tag_inputs:
        updated["audio_bytes"] = _retag(ws.root / record["audio"], tags,
                                        ws.root / record["report"] if record.get("report") else None)
        updated |= _sidecar_sizes(ws, updated)  # the report states the new size
        plan.result.notes.append("tags rewritten; the audio was kept")
        if record.get("aac"):
            # The MP3's new size is recorded first: if the AAC copy then fails, the episode
            # stays in the feed (without a current AAC, which the next render remakes).
            atomic_write_text(path, json.dumps({**updated, "tag_inputs": record.get("tag_inputs")}, indent=2)
                              + "\n", durable=False)
            updated["aac_bytes"] = _remake_aac(ws, ws.root / record["audio"], ws.root / record["aac"], tags)
    if updated != record:
        atomic_write_text(path, json.dumps(updated, indent=2) + "\n", durable=False)
        plan.record = updated


def _retag(audio: Path, tags: Any, report: Path | None) -> int:
    """Rewrite the MP3's ID3 tags (chapters read back from it) on a copy renamed over it; returns
    its new size. The audio frames are copied untouched."""
    from mutagen import MutagenError

    from audioessay.fsutil import temp_sibling
    from audioessay.master.tags import write_tags

    temp = temp_sibling(audio)
    try:
        chapters = _id3_chapters(audio)
        shutil.copyfile(audio, temp)
        write_tags(temp, tags, chapters)
        os.replace(temp, audio)
    except (OSError, MutagenError) as exc:
        raise MasteringError(f"cannot rewrite the episode's tags: {exc}", path=audio,
                             hint="delete the episode's build.json to master it again") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    size = audio.stat().st_size
    if report is not None and report.is_file():  # the QA report states the file's size too
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise MasteringError(f"{report.name} is unreadable", path=report.parent,
                                 hint="delete the episode's build.json to master it again") from None
        if isinstance(data, dict) and data.get("audio_bytes") != size:
            data["audio_bytes"] = size
            atomic_write_text(report, json.dumps(data, ensure_ascii=False, indent=2) + "\n", durable=False)
    return size


def _id3_chapters(audio: Path) -> list[tuple[int, int, str]]:
    """The MP3's CHAP frames in table-of-contents order: (start ms, end ms, title)."""
    from mutagen.id3 import ID3

    tag = ID3(audio)
    by_id = {frame.element_id: frame for frame in tag.getall("CHAP")}
    tocs = tag.getall("CTOC")
    order = list(tocs[0].child_element_ids) if tocs else sorted(by_id, key=lambda i: by_id[i].start_time)
    return [(by_id[i].start_time, by_id[i].end_time,
             str(by_id[i].sub_frames["TIT2"].text[0]) if "TIT2" in by_id[i].sub_frames else "")
            for i in order if i in by_id]


def _remake_aac(ws: Workspace, mp3: Path, aac: Path, tags: Any) -> int:
    """Make the AAC copy again from the re-tagged MP3, so that its MP4 tags say what the MP3's
    say (the audio comes out the same); returns its size."""
    from mutagen import MutagenError

    from audioessay.master.aac import write_aac

    try:
        chapters = _id3_chapters(mp3)
    except (OSError, MutagenError) as exc:
        raise MasteringError(f"cannot read the episode's chapters: {exc}", path=mp3,
                             hint="delete the episode's build.json to master it again") from None
    write_aac(mp3, aac, bitrate=ws.config.audio.bitrate, tags=tags, chapters=chapters)
    return aac.stat().st_size


def _load_recorded(ws: Workspace, plan: _Planned) -> None:
    if plan.record is None:
        plan.record = _read_record(ws, plan.essay.slug)
    record = plan.record or {}
    result = plan.result
    result.audio = record.get("audio")
    result.aac = record.get("aac")
    result.duration = record.get("duration")
    result.loudness = record.get("loudness")
    result.true_peak = record.get("true_peak")
    result.transcript = record.get("transcript")
    result.transcript_srt = record.get("transcript_srt")
    result.chapters = record.get("chapters")
    result.report = record.get("report")


def _finish(ws: Workspace, report: BuildReport, ledger: Any, base_url: str | None, cover: Path,
            publish: bool, records: dict[str, dict[str, Any]] | None = None) -> BuildReport:
    """Save the ledger and, unless stopping early, write the feed and page and check them.
    ``records``: build.json of episodes, by slug, as this run read or wrote them."""
    from audioessay.publish.ledger import save_ledger

    save_ledger(ws.ledger_path, ledger)
    if publish:
        try:
            report.feed = ws.relative(publish_feed(ws, base_url, cover, ledger, records))
            from audioessay.publish.feed import check_feed

            report.problems = check_feed(ws.root, ws.feed_path, ws.state / CHECKED_FILE)
        except AudioessayError as exc:
            report.fail(ws.relative(ws.feed_path), exc)
    return report


# ---------------------------------------------------------------------------------------------
# Publishing


def intro_music(ws: Workspace) -> Path | None:
    """The configured intro music file, checked to exist."""
    name = ws.config.audio.intro
    if not name.strip():
        return None
    path = ws.resolve(name)
    if not path.is_file():
        from audioessay.errors import ConfigError

        raise ConfigError(
            f"audio.intro names {name}, which does not exist", path=ws.root / "audioessay.toml",
            hint="fix the path, or set intro = \"\" for no music",
        )
    return path


def ensure_cover(ws: Workspace) -> Path:
    """The show's cover in feeds/: the configured image (checked), or a generated default."""
    from audioessay.publish.cover import check_cover, make_default_cover

    configured = ws.config.show.cover
    if configured.strip():
        source = ws.resolve(configured)
        if not source.is_file():
            from audioessay.errors import ConfigError

            raise ConfigError(f"show.cover names {configured}, which does not exist",
                              path=ws.root / "audioessay.toml", hint="fix the path, or remove the key to generate one")
        check_cover(source)
        target = ws.feeds / f"cover{source.suffix.lower().replace('.jpeg', '.jpg')}"
        if not target.exists() or sha256_file(target) != sha256_file(source):
            ws.feeds.mkdir(parents=True, exist_ok=True)
            with atomic_open(target, "wb") as out, open(source, "rb") as data:
                shutil.copyfileobj(data, out)
        return target
    return make_default_cover(ws.config.show.title, ws.config.show.author, ws.feeds / "cover.jpg")


def published_episodes(ws: Workspace, ledger: Any,
                       records: dict[str, dict[str, Any]] | None = None) -> list[Episode]:
    """Episodes whose audio is complete on disk, with their ledger identity. ``records``: build.json
    of episodes already read in this run, by slug (the others are read here)."""
    episodes = []
    for entry in ledger.entries_for_feed(ws.config.feed.removed):
        record = (records or {}).get(entry.slug) or _read_record(ws, entry.slug)
        if not record:
            continue
        if not _intact(ws, record, "audio"):
            continue  # never point the feed at a missing or partial file

        def whole(key: str, record: dict[str, Any] = record) -> Path | None:
            """The file, unless it is missing or partial (then it is left out of the feed until
            the next render makes it again; the MP3 is enough)."""
            return Path(record[key]) if record.get(key) and _intact(ws, record, key) else None

        aac = whole("aac")

        episodes.append(Episode(
            slug=entry.slug, title=record.get("title") or entry.title, source=Path(entry.source),
            audio=Path(record["audio"]), audio_bytes=record["audio_bytes"], duration=record["duration"],
            description=record.get("description", ""),
            links=tuple(Link(url, text) for url, text in record.get("links", [])),
            guid=entry.guid, pub_date=entry.pub_date, number=entry.number,
            explicit=record.get("explicit"), author=record.get("author"),
            transcript_vtt=whole("transcript"), transcript_srt=whole("transcript_srt"),
            chapters=whole("chapters"), aac=aac,
            aac_bitrate=record.get("aac_bitrate") if aac is not None else None,
        ))
    return episodes


def publish_feed(ws: Workspace, base_url: str | None, cover: Path, ledger: Any,
                 records: dict[str, dict[str, Any]] | None = None) -> Path:
    """Write feeds/feed.xml and feeds/index.html from the episodes that are complete (``records``:
    see :func:`published_episodes`)."""
    from audioessay.publish.feed import write_feed
    from audioessay.publish.page import write_page

    base = base_url or ws.config.show.base_url
    if not base.startswith(("http://", "https://")):
        raise PublishError(f"base URL {base!r} must start with http:// or https://", hint="pass --base-url http://...")
    episodes = published_episodes(ws, ledger, records)
    cover_rel = ws.relative(cover)
    memo = ws.state / PUBLISHED_FILE
    write_feed(ws.feed_path, ws.config.show, episodes, base, cover_rel, ws.root, memo)
    write_page(ws.feeds / "index.html", ws.config.show, episodes, base, cover_rel, memo)
    return ws.feed_path


def republish(ws: Workspace, base_url: str | None, *, lock: bool = True) -> Path:
    """Rewrite the feed and page for ``base_url`` (``serve``, ``publish``); touches no audio.

    ``lock=False`` when the caller already holds the workspace lock."""
    from audioessay.lock import workspace_lock
    from audioessay.publish.ledger import load_ledger

    if not lock:
        return publish_feed(ws, base_url, ensure_cover(ws), load_ledger(ws.ledger_path))
    with workspace_lock(ws.state, "serve"):
        return publish_feed(ws, base_url, ensure_cover(ws), load_ledger(ws.ledger_path))
