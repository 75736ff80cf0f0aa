"""``audioessay render``: plan each essay's episode, keep those out of date, narrate, master,
record, publish. One bad essay never stops the others: its failure goes into the report.

Episodes are remade only when their inputs changed (``output/<slug>/build.json`` records the hash
of everything an episode is made from); when only what its tags say changed (the cover, the
show's author), the MP3 is re-tagged, not re-encoded.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from audioessay.errors import AudioessayError, ScriptError
from audioessay.master.job import MasterJob
from audioessay.models import Essay, Script
from audioessay.pipeline.essays import SAMPLE_NOTE, Memos, is_sample, make_script, read_essays
from audioessay.pipeline.identity import open_ledger
from audioessay.pipeline.partials import remove_partials
from audioessay.pipeline.plan import (
    EngineVersions,
    EpisodePlan,
    ShowInputs,
    captions_hash,
    intro_music,
    one_run_engine_note,
    plan_episode,
    published_script,
    sync_ledger,
    takes_of,
    voice_change_notes,
)
from audioessay.pipeline.publish import ensure_cover, finish
from audioessay.pipeline.records import (
    BuildRecord,
    is_current,
    next_basename,
    read_record,
    record_of,
    record_path,
    report_facts,
    write_record,
)
from audioessay.pipeline.refresh import refresh
from audioessay.pipeline.report import BuildReport, EpisodeResult, VoiceOverrides, bug
from audioessay.pipeline.runner import Progress, Runner, make_runner
from audioessay.pipeline.verify import RenderVerifier, report_of
from audioessay.publish.ledger import Ledger, LedgerEntry, save_ledger
from audioessay.voice.cache import TakeCache
from audioessay.voice.engine import require_available
from audioessay.voice.narrate import TakeOutcome, default_jobs
from audioessay.workspace import Workspace

if TYPE_CHECKING:
    from audioessay.master.episode import MasterResult
    from audioessay.verify import EpisodeVerdict


T = TypeVar("T")


@dataclass(frozen=True)
class RenderOptions:
    """How ``render`` was asked to run."""

    paths: tuple[Path, ...] = ()
    jobs: int = 1
    overrides: VoiceOverrides = VoiceOverrides()
    fail_fast: bool = False
    verify: bool = False  # hear the takes of the episodes made (render --verify, [verify] enabled)


def render(
    ws: Workspace,
    paths: Sequence[Path] = (),
    *,
    base_url: str | None = None,
    jobs: int | None = None,
    overrides: VoiceOverrides | None = None,
    executor: cf.Executor | None = None,
    store: str | None = None,
    progress: Progress | None = None,
    mastering: Progress | None = None,
    fail_fast: bool = False,
    now: dt.datetime | None = None,
    verify: bool | None = None,
) -> BuildReport:
    """Script (when missing), narrate, master, and publish the feed.

    Given an ``executor`` (e.g. a Dask ``Client.get_executor(pure=False)``), narration and every
    episode's mastering run on it; a ``store`` URL (needs an executor) carries takes and episode
    files between the workers and this workspace (:mod:`audioessay.cluster`). ``progress`` and
    ``mastering`` are told (done, total) as takes are narrated and episodes mastered. ``verify``
    (default: ``[verify] enabled``) hears the takes of the episodes made (:mod:`.verify`)."""
    options = RenderOptions(tuple(paths), jobs or default_jobs(), overrides or VoiceOverrides(), fail_fast,
                            ws.config.verify.enabled if verify is None else verify)
    verifier = RenderVerifier(ws, ws.config.verify.model, options.jobs) if options.verify else None
    cache = TakeCache(ws.cache)
    runner = make_runner(ws, cache, options.jobs, executor, store, options.overrides.engine or ws.config.voice.engine)
    report = BuildReport()
    with contextlib.closing(runner):
        # 1. plan each essay's episode
        show, ledger, plans = _plan(ws, options, runner, cache, report, now or dt.datetime.now(dt.UTC))
        if options.fail_fast and report.errors:
            return finish(ws, report, ledger, base_url, show.cover, publish=False)
        # 2. keep the plans whose episode is out of date
        records = {plan.slug: read_record(ws, plan.slug) for plan in plans}
        published: dict[str, Script] = {}  # scripts with their written forms, by slug (found once)
        todo = [plan for plan in plans if not is_current(ws, records[plan.slug], plan.inputs)
                or _captions_changed(ws, plan, records[plan.slug], published)]
        if todo and runner.masters_here:
            _require_mastering_tools()  # every episode needs them: said once, before any take
        # 3. narrate (and hear the takes back, with --verify), 4. master, 5. record
        outcomes = runner.narrate(takes_of(todo), len(todo), progress)
        heard = verifier.check(todo, outcomes, runner, cache) if verifier is not None and todo else {}
        made = _counted(runner.master([_master_job(ws, plan, outcomes, show, options.jobs, records[plan.slug],
                                                   published, heard.get(plan.slug)) for plan in todo]),
                        len(todo), mastering)
        kept = _record_all(ws, plans, records, todo, made, outcomes, report, options.fail_fast, published)
    return finish(ws, report, ledger, base_url, show.cover, kept)  # 6. publish


def _plan(ws: Workspace, options: RenderOptions, runner: Runner, cache: TakeCache, report: BuildReport,
          now: dt.datetime) -> tuple[ShowInputs, Ledger, list[EpisodePlan]]:
    """Read the essays, give each its ledger entry and script, and plan its episode. A new episode's
    takes go to the runner as soon as its script is written."""
    cache.clean_partials()
    remove_partials(ws)  # left by a killed run; we hold the workspace lock
    # The default cover (drawn once per show) is made while the essays are read.
    drawing = cf.ThreadPoolExecutor(max_workers=1)
    cover = drawing.submit(ensure_cover, ws)
    drawing.shutdown(wait=False)  # the drawing goes on; its result is collected below
    music = intro_music(ws)
    opened = open_ledger(ws, for_writing=True)
    ledger = opened.ledger
    if opened.note:
        report.notes.append(opened.note)
    memos = Memos(ws)
    read = read_essays(ws, options.paths, report, fail_fast=options.fail_fast, memo=memos.essays, ledger=ledger)
    report.notes += [SAMPLE_NOTE.format(source=e.source.as_posix()) for e in read if is_sample(e)]
    report.notes += one_run_engine_note(ws, options.overrides)
    essays = [essay for essay in read if not is_sample(essay)]
    new = {e.slug for e in essays if not record_path(ws, e.slug).exists()}  # never made before
    runner.expect(len(new))
    show = ShowInputs(options.overrides, cover.result(), music, now)
    if options.overrides.engine or any(e.engine is None for e in essays):
        # A missing engine is this machine's problem, not each essay's: one message, before any script.
        require_available(options.overrides.engine or ws.config.voice.engine)
    every = not options.paths and not options.fail_fast
    known = {entry.guid for entry in ledger.entries}
    ledger, entries = sync_ledger(ws, ledger, essays, now, report, all_seeds=every, memo=memos.essays)
    if any(entry.guid not in known for entry in ledger.entries):
        # New identities are saved before any episode is made: a render killed after an episode's
        # build.json was written must never leave that episode without the guid it is published with.
        # (Other changes, such as an edited essay's content hash, are saved at the end as before.)
        save_ledger(ws.ledger_path, ledger)
    plans = []
    engines = EngineVersions()
    for essay in _until_failure(essays, report, options.fail_fast):
        if essay.slug not in entries:
            continue
        try:
            plans.append(_plan_one(ws, show, essay, entries[essay.slug], memos, engines))
        except Exception as exc:  # one essay never stops the others, even through a bug
            report.fail(essay.source.as_posix(), exc if isinstance(exc, AudioessayError) else bug(exc))
            continue
        if essay.slug in new:  # a new episode: its takes are all needed (a dead worker stops the render)
            runner.send_early(plans[-1].takes.requests)
    memos.save(read, every=not options.paths and not (options.fail_fast and report.errors))
    return show, ledger, plans


def _counted(made: Iterator[T], total: int, progress: Progress | None) -> Iterator[T]:
    """``made``, telling ``progress`` how many of ``total`` have come."""
    if progress is not None and total:
        progress(0, total)
    for done, item in enumerate(made, 1):
        if progress is not None:
            progress(done, total)
        yield item


def _until_failure(essays: list[Essay], report: BuildReport, fail_fast: bool) -> Iterator[Essay]:
    for essay in essays:
        if fail_fast and report.errors:
            return
        yield essay


def _plan_one(ws: Workspace, show: ShowInputs, essay: Essay, entry: LedgerEntry, memos: Memos,
              engines: EngineVersions) -> EpisodePlan:
    script, result = make_script(ws, essay, False, memos.scripts)
    memos.scripts_used.add(result.script)
    if not script.sentences():
        raise ScriptError("the script has no sentences: there is nothing to narrate", path=result.script,
                          hint=f"write at least one sentence, or regenerate it with 'audioessay script --force {essay.slug}'")
    if ws.config.text.require_approval and result.status != "approved":
        raise ScriptError(
            "the script is not approved and text.require_approval is true", path=result.script,
            hint=f"review it, then run 'audioessay review {essay.slug} --approve'",
        )
    return plan_episode(ws, show, essay, script, result, entry, engines)


def _require_mastering_tools() -> None:
    from audioessay.system import require_mastering_tools

    require_mastering_tools()


def _captions_changed(ws: Workspace, plan: EpisodePlan, record: BuildRecord | None,
                      published: dict[str, Script]) -> bool:
    """Whether what listeners read changed although the audio did not: only looked at when what the
    written forms come from changed (an essay edited behind a kept script, a new lexicon)."""
    if record is None or record.written_source == plan.written_source:
        return False
    published[plan.slug] = published_script(ws, plan.essay, plan.script)
    return captions_hash(published[plan.slug], plan.takes) != record.captions


def _master_job(ws: Workspace, plan: EpisodePlan, outcomes: dict[str, TakeOutcome], show: ShowInputs,
                jobs: int, record: BuildRecord | None, published: dict[str, Script],
                heard: EpisodeVerdict | None = None) -> MasterJob | AudioessayError:
    """What mastering the episode needs, or why it cannot be mastered (a take that failed).
    ``published`` gets the script with its written forms, for the record."""
    takes: dict[str, Path] = {}
    for request in plan.takes.requests:
        outcome = outcomes[request.key]
        if outcome.path is None:
            return AudioessayError(f"narration failed: {outcome.error}", path=plan.result.source)
        takes[request.text] = outcome.path
    basename = next_basename(plan.slug, record, plan.version)
    if plan.slug not in published:
        published[plan.slug] = published_script(ws, plan.essay, plan.script)
    section, problems = report_of(heard) if heard is not None else (None, [])
    return MasterJob(published[plan.slug], takes, out_dir=ws.episode_dir(plan.slug), basename=basename,
                     config=ws.config.audio, intro_music=show.music, announcement=plan.takes.announcement,
                     outro=plan.takes.outro, tags=plan.tags, jobs=jobs, heard=section, heard_problems=tuple(problems))


def _take_counts(plan: EpisodePlan, outcomes: dict[str, TakeOutcome]) -> tuple[int, int]:
    """How many of the episode's distinct takes were narrated now, and how many came from the cache."""
    keys = {request.key for request in plan.takes.requests}
    synthesized = sum(1 for key in keys if outcomes[key].synthesized)
    return synthesized, len(keys) - synthesized


def _record_all(ws: Workspace, plans: list[EpisodePlan], records: dict[str, BuildRecord | None],
                todo: list[EpisodePlan], made: Iterator[MasterResult | AudioessayError],
                outcomes: dict[str, TakeOutcome], report: BuildReport, fail_fast: bool,
                published: dict[str, Script]) -> dict[str, BuildRecord]:
    """Record each episode in the order of ``plans``: an up-to-date one refreshed, a remade one from
    its mastering result (``made``, in the order of ``todo``). Returns build.json by slug as it is now
    (a failed episode's earlier one stays, and so does its place in the feed)."""
    kept = {slug: record for slug, record in records.items() if record is not None}
    remade = {plan.slug for plan in todo}
    for plan in plans:
        old = records[plan.slug]
        try:
            if plan.slug not in remade and old is not None:
                kept[plan.slug], notes = refresh(ws, plan, old)
                report.episodes.append(_row(ws, plan.result, kept[plan.slug], notes=notes))
                continue
            mastered = next(made)
            if isinstance(mastered, AudioessayError):
                raise mastered
            kept[plan.slug] = record_of(ws, mastered, inputs=plan.inputs, tag_inputs=plan.tag_inputs,
                                        feed=plan.feed, bitrate_kbps=ws.config.audio.bitrate, voice=plan.voice,
                                        written_source=plan.written_source,
                                        captions=captions_hash(published[plan.slug], plan.takes))
            write_record(ws, plan.slug, kept[plan.slug])
            synthesized, cached = _take_counts(plan, outcomes)
            report.episodes.append(_row(ws, plan.result, kept[plan.slug], remade=True, synthesized=synthesized,
                                        cached=cached, notes=voice_change_notes(ws, plan, old)))
        except Exception as exc:  # one episode never stops the others, even through a bug
            report.fail(plan.result.source, exc if isinstance(exc, AudioessayError) else bug(exc))
            if plan.slug not in remade:
                kept.pop(plan.slug)  # a refresh may have stopped halfway: the feed reads what is on disk
                continue
        if fail_fast and report.errors:
            break
    return kept


def _row(ws: Workspace, result: EpisodeResult, record: BuildRecord, *, notes: Sequence[str] = (), remade: bool = False,
         synthesized: int = 0, cached: int = 0) -> EpisodeResult:
    """The report's row for an episode on disk as ``record`` describes it."""
    warnings, wer = report_facts(ws, record)
    return dataclasses.replace(
        result, warnings=warnings, wer=wer, audio=record.audio, aac=record.aac, duration=record.duration, loudness=record.loudness,
        true_peak=record.true_peak, transcript=record.transcript, transcript_srt=record.transcript_srt,
        chapters=record.chapters, report=record.report, notes=[*result.notes, *notes], remade=remade,
        synthesized=synthesized, cached=cached,
    )
