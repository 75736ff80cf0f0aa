"""``output/<slug>/build.json``: what an episode was made from, what it is made of, and what the feed
says about it, so that a render knows what is up to date and publishing never re-reads essays.

The JSON is written in a fixed key order, the same as every earlier version, so that a workspace
made before stays up to date (nothing is narrated or mastered again after an upgrade).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audioessay.fsutil import atomic_write_text
from audioessay.models import EPISODE_FILES, SIDECARS, Link, mastered_files
from audioessay.workspace import Workspace

if TYPE_CHECKING:
    from audioessay.master.episode import MasterResult

RECORD_NAME = "build.json"


@dataclass(frozen=True)
class FeedFields:
    """What the feed says about an episode, from its essay."""

    title: str | None = None
    description: str = ""
    links: tuple[Link, ...] = ()
    explicit: bool | None = None
    author: str | None = None


@dataclass(frozen=True)
class BuildRecord:
    """One episode's build.json. Paths are relative to the workspace; sizes are in bytes."""

    inputs: str  # hash of what the audio, transcripts and chapters are made from
    audio: str
    audio_bytes: int
    duration: float  # seconds
    tag_inputs: str | None = None  # hash of what only the MP3's tags are made from
    aac: str | None = None
    aac_bytes: int | None = None
    aac_bitrate: int | None = None  # bits per second
    loudness: float | None = None
    true_peak: float | None = None
    transcript: str | None = None
    transcript_srt: str | None = None
    chapters: str | None = None
    report: str | None = None
    feed: FeedFields = FeedFields()
    # Sidecar sizes, by sidecar name; one an older build.json did not record is absent.
    sizes: tuple[tuple[str, int], ...] = ()
    voice: str | None = None  # the voice it was narrated with, in words (absent before voices were recorded)
    written_source: str | None = None  # see pipeline.plan.written_source
    captions: str | None = None  # hash of what listeners read (pipeline.plan.captions_hash)

    def path_of(self, name: str) -> str | None:
        """The workspace-relative path of one of the episode's files (see models.EPISODE_FILES)."""
        value = getattr(self, name)
        return value if isinstance(value, str) else None

    def expected_size(self, name: str) -> int | None:
        if name == "audio":
            return self.audio_bytes
        if name == "aac":
            return self.aac_bytes
        return dict(self.sizes).get(name)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "inputs": self.inputs, "tag_inputs": self.tag_inputs,
            "audio": self.audio, "audio_bytes": self.audio_bytes, "duration": self.duration,
            "aac": self.aac, "aac_bytes": self.aac_bytes, "aac_bitrate": self.aac_bitrate,
            "loudness": self.loudness, "true_peak": self.true_peak,
            "transcript": self.transcript, "transcript_srt": self.transcript_srt,
            "chapters": self.chapters, "report": self.report,
            "title": self.feed.title, "description": self.feed.description,
            "links": [[link.url, link.text] for link in self.feed.links],
            "explicit": self.feed.explicit, "author": self.feed.author,
        }
        sizes = dict(self.sizes)
        data |= {f"{name}_bytes": sizes[name] for name in SIDECARS if name in sizes}
        # Keys added later are written only when set, so a build.json made before stays as it was.
        for key in ("voice", "written_source", "captions"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return json.dumps(data, indent=2) + "\n"


def next_basename(slug: str, record: BuildRecord | None, version: str) -> str:
    """The name of an episode's files: its slug the first time, ``slug.VERSION`` for every version
    after it (never the slug again: an app that keeps files by URL would keep the first version's
    audio). The feed then never names a file that changes under it: the new files get their own
    names, the feed switches to them, and only then are the old ones removed
    (:func:`remove_superseded`), so an interrupt at any point leaves them agreeing. The same
    version gets the same name: only a damaged episode is remade from unchanged inputs."""
    if record is None:
        return slug
    return f"{slug}.{version[:10]}"


_EPISODE_SUFFIXES = (".mp3", ".m4a", ".vtt", ".srt")


def remove_superseded(ws: Workspace, records: Mapping[str, BuildRecord]) -> None:
    """Delete the files of earlier versions of these episodes: audio, AAC copy and transcripts that
    their records no longer name. Only call it once the feed names the current ones."""
    for slug, record in records.items():
        named = {Path(path).name for name in EPISODE_FILES if (path := record.path_of(name))}
        with contextlib.suppress(OSError), os.scandir(ws.episode_dir(slug)) as entries:
            for entry in entries:
                mine = entry.name.startswith(f"{slug}.") and entry.name.endswith(_EPISODE_SUFFIXES)
                if mine and entry.name not in named and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)


def quality_problems(ws: Workspace, record: BuildRecord) -> list[str]:
    """The problems the episode's quality report (report.json) found: things worth a listen that
    did not stop mastering (a loudness miss, a long silence, a short take, full-scale samples, a
    take the offline listener heard wrong)."""
    return report_facts(ws, record)[0]


def report_facts(ws: Workspace, record: BuildRecord) -> tuple[list[str], float | None]:
    """The episode's quality problems and, when render --verify heard its takes, their pooled WER."""
    if not record.report:
        return [], None
    try:
        data = json.loads((ws.root / record.report).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [], None  # a damaged report makes the episode be remade; the feed check says so
    if not isinstance(data, dict):
        return [], None
    problems, heard = data.get("problems"), data.get("verify")
    wer = heard.get("wer") if isinstance(heard, dict) else None
    return ([str(p) for p in problems] if isinstance(problems, list) else [],
            float(wer) if isinstance(wer, (int, float)) and not isinstance(wer, bool) else None)


def record_path(ws: Workspace, slug: str) -> Path:
    return ws.episode_dir(slug) / RECORD_NAME


def read_record(ws: Workspace, slug: str) -> BuildRecord | None:
    """The episode's build.json, or None when it is missing or damaged (the episode is then remade:
    a file edited by hand into nonsense is never a traceback)."""
    try:
        data = json.loads(record_path(ws, slug).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        return _parse(data)
    except (KeyError, TypeError, ValueError):
        return None


def _typed(data: dict[str, Any], key: str, kind: type | tuple[type, ...], required: bool = False) -> Any:
    value = data[key] if required else data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise TypeError(key)
    if not isinstance(value, kind):
        raise TypeError(key)
    return value


def _size(data: dict[str, Any], key: str, required: bool = False) -> int | None:
    value = _typed(data, key, (int, float), required)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(key)
        return int(value)
    return value if isinstance(value, int) else None


def _parse(data: dict[str, Any]) -> BuildRecord:
    paths = {key: _typed(data, key, str, required=key == "audio") for key in EPISODE_FILES}
    links = data.get("links") or []
    if not isinstance(links, list) or not all(isinstance(pair, list) and len(pair) == 2 for pair in links):
        raise TypeError("links")
    sizes = tuple((name, size) for name in SIDECARS
                  if (size := _size(data, f"{name}_bytes")) is not None)
    return BuildRecord(
        inputs=_typed(data, "inputs", str, required=True), tag_inputs=_typed(data, "tag_inputs", str),
        audio_bytes=_size(data, "audio_bytes", required=True) or 0,
        duration=float(_typed(data, "duration", (int, float), required=True)),
        aac_bytes=_size(data, "aac_bytes"), aac_bitrate=_size(data, "aac_bitrate"),
        loudness=_typed(data, "loudness", (int, float)), true_peak=_typed(data, "true_peak", (int, float)),
        feed=FeedFields(title=_typed(data, "title", str), description=_typed(data, "description", str) or "",
                        links=tuple(Link(str(url), str(text)) for url, text in links),
                        explicit=_typed(data, "explicit", bool), author=_typed(data, "author", str)),
        sizes=sizes, voice=_typed(data, "voice", str), written_source=_typed(data, "written_source", str),
        captions=_typed(data, "captions", str), **paths,
    )


def write_record(ws: Workspace, slug: str, record: BuildRecord) -> None:
    # Not flushed: after a power cut an empty or stale build.json only makes the episode be remade.
    atomic_write_text(record_path(ws, slug), record.to_json(), durable=False)


def intact(ws: Workspace, record: BuildRecord, name: str) -> bool:
    """True when the file that ``record`` names for ``name`` is there with the size the record
    gives (a sidecar that an older build.json gave no size for: any size but 0). Derived files are
    not flushed to the disk one by one, so a power cut can leave one empty or short: it is remade."""
    path = record.path_of(name)
    if path is None:
        return False
    try:
        info = (ws.root / path).stat()
    except OSError:
        return False
    expected = record.expected_size(name)
    if expected is None and name in SIDECARS:
        return stat.S_ISREG(info.st_mode) and info.st_size > 0
    return stat.S_ISREG(info.st_mode) and info.st_size == expected


def is_current(ws: Workspace, record: BuildRecord | None, inputs: str) -> bool:
    """Whether the episode ``record`` describes was made from ``inputs`` and all its files are whole."""
    if record is None or record.inputs != inputs:
        return False
    return all(intact(ws, record, name) for name in ("audio", "aac", *SIDECARS) if record.path_of(name))


def with_sidecar_sizes(ws: Workspace, record: BuildRecord) -> BuildRecord:
    """``record`` with the sizes of the sidecar files it names, as the files are now (a file that is
    gone keeps the size recorded before: the next render sees the mismatch and remakes it)."""
    sizes = dict(record.sizes)
    for name in SIDECARS:
        path = record.path_of(name)
        with contextlib.suppress(OSError):
            if path:
                sizes[name] = (ws.root / path).stat().st_size
    return dataclasses.replace(record, sizes=tuple((name, sizes[name]) for name in SIDECARS if name in sizes))


def record_of(ws: Workspace, mastered: MasterResult, *, inputs: str, tag_inputs: str, feed: FeedFields,
              bitrate_kbps: int, voice: str | None = None, written_source: str | None = None,
              captions: str | None = None) -> BuildRecord:
    """The build.json of an episode just mastered."""
    files = {name: ws.relative(path) for name, path in mastered_files(mastered).items()}
    aac = mastered.aac
    record = BuildRecord(
        inputs=inputs, tag_inputs=tag_inputs, audio=files["audio"],
        audio_bytes=mastered.audio_bytes, duration=mastered.duration,
        aac=files.get("aac"), aac_bytes=Path(aac).stat().st_size if aac else None,
        aac_bitrate=bitrate_kbps * 1000 if aac else None,
        loudness=mastered.loudness_lufs, true_peak=mastered.true_peak_dbtp,
        transcript=files.get("transcript"), transcript_srt=files.get("transcript_srt"),
        chapters=files.get("chapters"), report=files.get("report"), feed=feed, voice=voice,
        written_source=written_source, captions=captions,
    )
    return with_sidecar_sizes(ws, record)
