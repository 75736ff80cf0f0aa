"""Planning: each essay's ledger identity, the takes its episode needs, and the hashes that say
whether the episode on disk is up to date. Nothing here writes a file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audioessay.errors import AudioessayError, EssayError, PublishError
from audioessay.fsutil import as_plain, sha256_file_cached
from audioessay.master.tags import EpisodeTags
from audioessay.models import Essay, Script, Sentence, VoiceSettings
from audioessay.pipeline.essays import is_sample, lexicon, read_essays
from audioessay.pipeline.identity import essay_ref, open_ledger, present_sources
from audioessay.pipeline.records import BuildRecord, FeedFields
from audioessay.pipeline.report import BuildReport, EpisodeResult, VoiceOverrides
from audioessay.publish.ledger import Ledger, LedgerEntry
from audioessay.text.memo import EssayMemo
from audioessay.text.scriptfile import build_script, script_settings
from audioessay.text.speak import speak
from audioessay.text.written import WRITTEN_FORMS_VERSION, with_written_forms
from audioessay.voice.cache import TakeRequest
from audioessay.voice.engine import require_available
from audioessay.workspace import Workspace


@dataclass(frozen=True)
class Takes:
    """Everything an episode says, as take requests: the script's sentences, then the announcement
    and the outro (when the show has them)."""

    settings: VoiceSettings
    requests: tuple[TakeRequest, ...]
    announcement: Sentence | None  # said, and shown in the captions as written
    outro: Sentence | None


@dataclass(frozen=True)
class EpisodePlan:
    """One essay's episode as this render means to make it."""

    essay: Essay
    script: Script
    result: EpisodeResult  # the script stage's row of the report
    takes: Takes
    number: int
    tags: EpisodeTags
    inputs: str  # hash of what the audio, transcripts and chapters are made from
    tag_inputs: str  # hash of what only the MP3's tags are made from
    written_source: str  # hash of what the captions' written forms come from besides the script

    @property
    def slug(self) -> str:
        return self.essay.slug

    @property
    def version(self) -> str:
        """A hash of everything the episode's files are made from, tags included."""
        return hashlib.sha256(f"{self.inputs}:{self.tag_inputs}".encode()).hexdigest()

    @property
    def voice(self) -> str:
        """The voice the episode is narrated with, in words: "piper (en_US-joe-medium)"."""
        return describe_voice(self.takes.settings)

    @property
    def feed(self) -> FeedFields:
        """What the feed says about the episode, so that publishing never re-reads essays."""
        essay = self.essay
        return FeedFields(title=essay.title, description=essay.description, links=essay.links,
                          explicit=essay.explicit, author=essay.author)


@dataclass(frozen=True)
class ShowInputs:
    """What every episode of one render shares."""

    overrides: VoiceOverrides
    cover: Path
    music: Path | None
    now: dt.datetime


class EngineVersions:
    """Each engine's version, asked once per run (it is part of every take's key)."""

    def __init__(self) -> None:
        self._versions: dict[str, str] = {}

    def of(self, engine: str) -> str:
        if engine not in self._versions:
            self._versions[engine] = require_available(engine).version()
        return self._versions[engine]


def voice_settings(ws: Workspace, essay: Essay, overrides: VoiceOverrides) -> VoiceSettings:
    """Config, then front matter, then the command line: the later one wins."""
    cfg = ws.config.voice
    engine = overrides.engine or essay.engine or cfg.engine
    voice = overrides.voice or essay.voice or cfg.voice
    rate = overrides.rate or essay.rate or cfg.rate
    if engine == "kokoro":  # its own keys: a show may narrate some essays with piper, some with kokoro
        return VoiceSettings(engine=engine, voice=voice, rate=rate, volume=cfg.volume,
                             model=str(ws.resolve(cfg.kokoro_model)) if cfg.kokoro_model else "",
                             voices=str(ws.resolve(cfg.kokoro_voices)) if cfg.kokoro_voices else "")
    model = cfg.model
    if engine == "piper" and voice.endswith(".onnx"):
        model, voice = str(ws.resolve(voice)), "default"
    elif model:
        model = str(ws.resolve(model))
    return VoiceSettings(engine=engine, voice=voice, rate=rate, volume=cfg.volume, model=model)


def sync_ledger(ws: Workspace, ledger: Ledger, essays: list[Essay], now: dt.datetime,
                report: BuildReport | None = None, *, all_seeds: bool = False,
                memo: EssayMemo | None = None) -> tuple[Ledger, dict[str, LedgerEntry]]:
    """Give every essay its ledger entry (guid, number, pubDate), matching all of seeds/ at once so
    that a copied essay never takes the original's identity. Returns the ledger and entries by slug;
    an essay whose front matter episode number clashes is left out and reported.

    Entries whose essay is gone are marked removed; an essay that still exists but failed to read
    this time keeps its entry current. ``all_seeds``: ``essays`` already holds every essay of
    seeds/ that could be read, so they are not read a second time; otherwise the others are read
    (through ``memo`` when given)."""
    chosen = {e.source for e in essays}
    others = [] if all_seeds else [e for e in read_essays(ws, (), BuildReport(), memo=memo, ledger=ledger)
                                   if e.source not in chosen and not is_sample(e)]
    everyone = essays + others
    errors: dict[int, PublishError] = {}
    before = ledger
    ledger, entries = ledger.sync([essay_ref(e) for e in everyone], now, errors=errors,
                                  present=present_sources(ws, everyone))
    for index, error in errors.items():
        if report is not None and index < len(essays):
            report.fail(everyone[index].source.as_posix(), error)
    for entry in ledger.entries:
        if entry.removed and (ws.root / entry.source).is_file():
            ledger = ledger.restore(entry.id)
    if report is not None:
        report.notes += _removed_notes(ws, before, ledger)
    return ledger, {essay.slug: entry for essay, entry in zip(everyone, entries) if entry is not None}


def _removed_notes(ws: Workspace, before: Ledger, after: Ledger) -> list[str]:
    """A note for each episode whose essay left seeds/ (or came back) in this run, saying what the
    feed does with it."""
    kept = ws.config.feed.removed == "keep"
    notes = []
    for entry in after.entries:
        old = before.get(entry.id)
        if entry.removed and (old is None or not old.removed):
            fate = ("kept in the feed (feed.removed = \"keep\"; set it to \"drop\" to leave it out)" if kept
                    else "left out of the feed (feed.removed = \"drop\"); its guid and number stay reserved")
            notes.append(f"episode {entry.number} '{entry.title}' lost its essay {entry.source or entry.slug}: {fate}")
        elif old is not None and old.removed and not entry.removed:
            notes.append(f"episode {entry.number} '{entry.title}' has its essay {entry.source} again: published as before")
    return notes


def describe_voice(settings: VoiceSettings) -> str:
    """A voice in words, as build.json records it and notes name it."""
    name = Path(settings.model).name.removesuffix(".onnx") if settings.model else settings.voice
    if settings.voice.endswith(".onnx"):
        name = Path(settings.voice).name.removesuffix(".onnx")
    return f"{settings.engine} ({name}, {settings.rate} words a minute)"


def voice_change_notes(ws: Workspace, plan: EpisodePlan, before: BuildRecord | None) -> list[str]:
    """A note when a remade episode is said in another voice than before (a build.json from before
    voices were recorded says nothing)."""
    if before is None or before.voice is None or before.voice == plan.voice:
        return []
    note = f"episode {plan.number} '{plan.essay.title}' is narrated in a new voice: {plan.voice}, was {before.voice}"
    show_engine = ws.config.voice.engine
    if plan.takes.settings.engine == show_engine and not before.voice.startswith(f"{show_engine} "):
        note += ("; this is the show's voice from audioessay.toml (--engine lasts one run): to switch the "
                 "show, set engine under [voice]")
    return [note]


def one_run_engine_note(ws: Workspace, overrides: VoiceOverrides) -> list[str]:
    """``--engine`` other than the show's: say that it lasts this run only."""
    engine, show_engine = overrides.engine, ws.config.voice.engine
    if not engine or engine == show_engine:
        return []
    return [f"--engine {engine} is for this run only: a plain 'audioessay render' narrates these episodes "
            f"again in the show's voice ({show_engine}); to switch the show, set engine = \"{engine}\" "
            f"under [voice] in audioessay.toml"]


def _said(text: str, ws: Workspace) -> Sentence:
    """A line of the show's own (announcement, outro): said as the rules say it, shown as written."""
    spoken = " ".join(speak(text, ws.config.text.language, lexicon(ws))[0].split())
    written = " ".join(text.split())
    return Sentence(spoken, written if written != spoken else None)


def _announcement(ws: Workspace, essay: Essay, number: int) -> Sentence | None:
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
    return _said(text, ws)


def takes_for(ws: Workspace, essay: Essay, script: Script, number: int, overrides: VoiceOverrides,
              engines: EngineVersions) -> Takes:
    """The takes the essay's episode needs."""
    settings = voice_settings(ws, essay, overrides)
    version = engines.of(settings.engine)
    announcement = _announcement(ws, essay, number)
    outro = _said(ws.config.audio.outro, ws) if ws.config.audio.outro.strip() else None
    texts = script.sentences() + [line.text for line in (announcement, outro) if line]
    return Takes(settings, tuple(TakeRequest(text, settings, version) for text in texts), announcement, outro)


def plan_episode(ws: Workspace, show: ShowInputs, essay: Essay, script: Script, result: EpisodeResult,
                 entry: LedgerEntry, engines: EngineVersions) -> EpisodePlan:
    """The essay's episode: its takes, tags and the hashes of its inputs."""
    takes = takes_for(ws, essay, script, entry.number, show.overrides, engines)
    tags = _episode_tags(ws, essay, entry, show)
    return EpisodePlan(essay, script, result, takes, entry.number, tags,
                       inputs=_episode_inputs(ws, essay, script, takes, show.music),
                       tag_inputs=_tag_inputs(tags), written_source=written_source(ws, essay, takes))


def _episode_inputs(ws: Workspace, essay: Essay, script: Script, takes: Takes, music: Path | None) -> str:
    """A hash of everything the episode's audio, transcripts and chapters are made from.

    Whatever is spoken (the announcement holds the show title and episode number by default)
    is in the take keys; the title also names the first chapter. Tag-only inputs are
    :func:`_tag_inputs`: changing them re-tags the MP3 without re-encoding it."""
    digest = hashlib.sha256()
    parts: list[Any] = [
        [r.key for r in takes.requests],
        as_plain(script.sections),
        # Where the encoded parts go afterwards does not change the episode.
        as_plain(dataclasses.replace(ws.config.audio, keep_parts=True)),
        essay.title,
        sha256_file_cached(music) if music else None,
    ]
    digest.update(json.dumps(parts, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def written_source(ws: Workspace, essay: Essay, takes: Takes) -> str:
    """A hash of what the captions' written forms come from besides the script itself
    (:func:`published_script`): the essay's text, the language and lexicon the script would be
    built with, the announcement and outro as written, and how written forms are found. When it
    changes, the written forms are found again and compared (:func:`captions_hash`): an essay
    edit behind a kept script usually leaves the captions as they are, and then the episode too."""
    parts = [WRITTEN_FORMS_VERSION, [[block.kind, block.text] for block in essay.blocks],
             script_settings(ws.config.text.language, lexicon(ws)),
             [line.written for line in (takes.announcement, takes.outro) if line]]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def captions_hash(script: Script, takes: Takes) -> str:
    """A hash of everything listeners read: each line and chapter title as shown."""
    shown = [[section.shown_title, [[item.shown for item in paragraph.items if isinstance(item, Sentence)]
                                    for paragraph in section.paragraphs]] for section in script.sections]
    ends = [line.shown for line in (takes.announcement, takes.outro) if line]
    return hashlib.sha256(json.dumps([shown, ends]).encode()).hexdigest()


def published_script(ws: Workspace, essay: Essay, script: Script) -> Script:
    """The script with the written form of every line, for captions, transcripts and chapters
    (:mod:`audioessay.text.written`). Built again from the essay: only episodes being made need it."""
    try:
        generated, _decisions = build_script(essay, ws.config.text.language, lexicon(ws))
    except EssayError:  # nothing left to read in the essay: the kept script is shown as said
        return script
    return with_written_forms(script, generated)


def _episode_tags(ws: Workspace, essay: Essay, entry: LedgerEntry, show: ShowInputs) -> EpisodeTags:
    """The MP3's ID3 tags; the date is the essay's, else the ledger's publication date."""
    return EpisodeTags(
        title=essay.title, artist=essay.author or ws.config.show.author,
        album=ws.config.show.title, date=(essay.date or entry.pub_date or show.now).strftime("%Y-%m-%d"),
        track=entry.number, description=essay.description, cover=show.cover,
        language=ws.config.show.language,
    )


def _tag_inputs(tags: EpisodeTags) -> str:
    """A hash of what the MP3's tags are made from (the cover by its content)."""
    fields = as_plain(tags)
    fields["cover"] = sha256_file_cached(tags.cover) if tags.cover else None
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def intro_music(ws: Workspace) -> Path | None:
    """The configured intro music file, checked to be a regular file (see Workspace.config_file)."""
    name = ws.config.audio.intro
    if not name.strip():
        return None
    return ws.config_file("audio.intro", name, hint="fix the path, or set intro = \"\" for no music")


def used_take_keys(ws: Workspace) -> set[str]:
    """The cache keys of every take the workspace's current scripts need (for ``cache prune``)."""
    from audioessay.text.scriptfile import read_script

    ledger = open_ledger(ws).ledger
    essays = read_essays(ws, (), BuildReport(), memo=EssayMemo(ws.state), ledger=ledger)
    _ledger, entries = sync_ledger(ws, ledger, essays, dt.datetime.now(dt.UTC), all_seeds=True)
    engines = EngineVersions()
    keys: set[str] = set()
    for essay in essays:
        path = ws.script_path(essay.slug)
        if essay.slug not in entries:
            continue
        try:
            _text, script = read_script(path, ws.relative(path))  # a non-UTF-8 script is a ScriptError
            takes = takes_for(ws, essay, script, entries[essay.slug].number, VoiceOverrides(), engines)
        except (OSError, AudioessayError):
            continue
        keys.update(r.key for r in takes.requests)
    return keys


def takes_of(plans: Sequence[EpisodePlan]) -> list[TakeRequest]:
    """Every take of ``plans``, in order."""
    return [request for plan in plans for request in plan.takes.requests]
