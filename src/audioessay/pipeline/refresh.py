"""Bringing an episode whose audio is current up to date without re-encoding it: new tags when a
tag-only input changed (the cover, the show's author), a new build.json when what the feed says
about the episode changed."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
from pathlib import Path

from audioessay.errors import MasteringError
from audioessay.fsutil import atomic_write_text, disk_full, disk_full_errno, temp_sibling
from audioessay.master.tags import EpisodeTags
from audioessay.pipeline.plan import EpisodePlan
from audioessay.pipeline.records import BuildRecord, next_basename, with_sidecar_sizes, write_record
from audioessay.workspace import Workspace

RETAGGED = "tags rewritten; the audio was kept"


def refresh(ws: Workspace, plan: EpisodePlan, record: BuildRecord) -> tuple[BuildRecord, list[str]]:
    """The episode's record after bringing it up to date, and the notes for its report row.
    Nothing is written when nothing changed."""
    # A new written_source whose captions came out the same (else the episode was remade).
    updated = dataclasses.replace(record, feed=plan.feed, tag_inputs=plan.tag_inputs,
                                  written_source=plan.written_source)
    notes = []
    if record.tag_inputs != plan.tag_inputs:
        # The re-tagged copies get new names (next_basename): the feed names the old ones until it
        # is rewritten, after which the old ones are removed.
        name = next_basename(plan.slug, record, plan.version)
        audio = Path(record.audio).with_name(f"{name}.mp3")
        size = _retag(ws.root / record.audio, ws.root / audio, plan.tags,
                      ws.root / record.report if record.report else None)
        updated = with_sidecar_sizes(ws, dataclasses.replace(
            updated, audio=audio.as_posix(), audio_bytes=size))  # the report states the size
        notes.append(RETAGGED)
        if record.aac:
            # The MP3's new size is recorded first: if the AAC copy then fails, the episode
            # stays in the feed (without a current AAC, which the next render remakes).
            write_record(ws, plan.slug, dataclasses.replace(updated, tag_inputs=record.tag_inputs))
            aac = Path(record.aac).with_name(f"{name}.m4a")
            updated = dataclasses.replace(updated, aac=aac.as_posix(), aac_bytes=_remake_aac(
                ws, ws.root / audio, ws.root / aac, plan.tags))
    if updated != record:
        write_record(ws, plan.slug, updated)
    return updated, notes


def _retag(audio: Path, target: Path, tags: EpisodeTags, report: Path | None) -> int:
    """Copy the MP3 to ``target`` with new ID3 tags (chapters read back from it); returns its size.
    The audio frames are copied untouched."""
    from mutagen import MutagenError

    from audioessay.master.tags import write_tags

    temp = temp_sibling(target)
    try:
        chapters = _id3_chapters(audio)
        shutil.copyfile(audio, temp)
        write_tags(temp, tags, chapters)
        os.replace(temp, target)
    except (OSError, MutagenError) as exc:
        if disk_full_errno(exc):
            raise disk_full(target, exc) from None
        raise MasteringError(f"cannot rewrite the episode's tags: {exc}", path=audio,
                             hint="delete the episode's build.json to master it again") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    size = target.stat().st_size
    if report is not None and report.is_file():  # the QA report states the file's size too
        _restate_size(report, size)
    return size


def _restate_size(report: Path, size: int) -> None:
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise MasteringError(f"{report.name} is unreadable", path=report.parent,
                             hint="delete the episode's build.json to master it again") from None
    if isinstance(data, dict) and data.get("audio_bytes") != size:
        data["audio_bytes"] = size
        atomic_write_text(report, json.dumps(data, ensure_ascii=False, indent=2) + "\n", durable=False)


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


def _remake_aac(ws: Workspace, mp3: Path, aac: Path, tags: EpisodeTags) -> int:
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
