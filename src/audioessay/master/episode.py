"""Mastering one episode: takes + intro music -> MP3, transcripts, chapters, tags, QA report.

    plan the timeline (WAV headers only), then cut it into parts inside pauses (encode.py)
    -> each part whose content changed since the last render, on ``jobs`` threads:
         read its takes once: loudness, speech extent, silences, faults
         gain = target - predicted loudness (the intro's music sits under the announcement)
         stream it through the limiter into LAME; decode and measure the result (libebur128);
         correct the gain once if it missed the target by more than 0.5 LU
         keep it, with everything measured, in ``.encoded/`` beside the episode
    -> join the parts frame by frame (one LAME header for the whole), gate all parts' loudness
       blocks together,
       check the silences across the joins
    -> tags, transcripts, chapters, then the MP3, then the report (each written atomically)

Each part is levelled to the target on its own, like a slow leveller: synthetic voices keep
the same level from one minute to the next, so this changes the sound by a fraction of a dB,
and it is what lets an edited sentence re-master one part instead of the whole episode.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from audioessay.errors import MasteringError
from audioessay.fsutil import (
    atomic_write_text,
    code_version,
    disk_full_as_error,
    sha256_file_cached,
    temp_sibling,
)
from audioessay.master.aac import write_aac
from audioessay.master.analysis import (
    SHORT_TAKE_RATIO,
    SILENCE_DBFS,
    TRUNCATED_TAKE_RATIO,
    SilenceProfile,
    TakeAnalysis,
    analyse_take,
    clock,
    describe,
    predicted_seconds,
    silence_profile,
)
from audioessay.master.encode import (
    CUT_EVERY,
    ENCODER_LEVEL_DB,
    LAME_QUALITY,
    LIMITER_MARGIN_DB,
    PART_MAX,
    PART_MIN,
    Encoded,
    Part,
    encode_part,
    join,
    plan_parts,
    xing_frames,
)
from audioessay.master.ffmpeg import decode_to_float32
from audioessay.master.limiter import ATTACK, BLOCK, HOLD, Limiter
from audioessay.master.loudness import LoudnessMeter, loudness_of
from audioessay.master.measure import Loudness, PartLoudness, combine, integrated, measure_mp3
from audioessay.master.mix import loop_to, render, render_intro, take_audio
from audioessay.master.pcm import SAMPLE_RATE, clip_length, window_levels
from audioessay.master.tags import EpisodeTags, tag_bytes
from audioessay.master.timeline import (
    ANNOUNCE_AT,
    MUSIC_ALONE_MAX,
    MUSIC_FADE,
    IntroLayout,
    Piece,
    Silence,
    Take,
    Timeline,
    as_line,
    plan_timeline,
)
from audioessay.master.transcript import Cue, chapters_json, finish_cues, sentence_cues, to_srt, to_vtt
from audioessay.master.trim import take_span
from audioessay.memory import trim
from audioessay.models import Script, Sentence
from audioessay.system import require_mastering_tools
from audioessay.workspace import AudioConfig

__all__ = ["EpisodeTags", "MasterResult", "master_episode", "require_mastering_tools"]

MUSIC_UNDER_SPEECH_LU = 4.0  # intro music alone sits this far below the speech
LOUDNESS_TOLERANCE = 0.5  # LU: a part that misses by more is encoded once more with a corrected gain
FALLBACK_SPEECH_LUFS = -20.0
BOOST_BODY_CAP = 120.0  # seconds of body speech past which the intro is not raised (_intro_boost)
BOOST_TOLERANCE = 0.3  # LU: a predicted miss smaller than this raises nothing
BOOST_MAX = 6.0  # dB
PART_RECIPE = 4  # with _code(): kept parts made by other code or another recipe are not reused
PARTS_DIR = ".encoded"


@dataclass(frozen=True)
class MasterResult:
    """What mastering wrote (all in ``out_dir``) and what the finished file measures."""

    audio: Path
    duration: float  # seconds
    audio_bytes: int
    loudness_lufs: float  # measured on the finished MP3's parts (libebur128), gated together
    true_peak_dbtp: float
    transcript_vtt: Path
    transcript_srt: Path
    chapters: Path
    report: Path
    problems: tuple[str, ...]  # warnings worth a look; hard faults raise MasteringError instead
    parts: int = 1
    parts_reused: int = 0
    aac: Path | None = None  # the AAC copy, when ``audio.aac`` asks for one


@dataclass
class _PartRecord:
    """A mastered part and everything measured on it: kept as ``.encoded/<key>.json``."""

    key: str
    frames: int
    audio_bytes: int
    gain_db: float
    limit_dbfs: float
    passes: int
    loudness: PartLoudness
    cues: list[tuple[float, float, list[str]]]  # seconds from the part's start
    first_sound: float | None  # seconds from the part's start
    sound_end: float | None
    last_take: int | None  # where the last take before sound_end starts, from the part's start
    silence: dict[str, Any]  # the longest silence inside: start (from the part's start), seconds, after (a take's start)
    short: list[dict[str, Any]]  # takes much shorter than their text, by start ("at") from the part's start
    clipped: int
    clipped_takes: int
    limited_ms: float
    problems: list[str] = field(default_factory=list)
    intro: dict[str, Any] | None = None  # speech and music loudness, for the report

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "loudness"}
        data["loudness"] = self.loudness.to_json()
        return json.dumps(data, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> _PartRecord:
        data = json.loads(text)
        data["loudness"] = PartLoudness.from_json(data["loudness"])
        data["cues"] = [(float(a), float(b), list(lines)) for a, b, lines in data["cues"]]
        return cls(**data)


@dataclass(frozen=True)
class _Context:
    """What every part job of one episode shares."""

    timeline: Timeline
    config: AudioConfig
    basename: str
    music: _Music | None
    music_name: str | None
    work: Path  # the part cache folder


def master_episode(
    script: Script,
    takes: Mapping[str, Path],
    *,
    out_dir: Path,
    basename: str,
    config: AudioConfig,
    intro_music: Path | None,
    announcement: str | Sentence | None,
    outro: str | Sentence | None,
    tags: EpisodeTags,
    jobs: int = 2,
    heard: Mapping[str, Any] | None = None,
    heard_problems: Sequence[str] = (),
) -> MasterResult:
    """Master one episode into ``out_dir/<basename>.mp3`` with its transcripts, chapters and report.

    ``takes`` maps every sentence text (and the announcement and outro texts) to a mono WAV.
    ``heard``: what the offline listener heard in the takes (``render --verify``), kept in the
    report as ``verify``, with ``heard_problems`` (its flagged takes) among the report's problems.
    Raises :class:`MasteringError` for a missing, empty or truncated take or a silence longer
    than the longest configured pause plus one second; the episode's files are not written then.
    Parts already made by an earlier render from the same content are reused.
    """
    started = time.monotonic()
    _check_request(script, basename)
    require_mastering_tools()  # fail now, not after the first part, when a tool is missing
    announcement, outro = as_line(announcement), as_line(outro)
    jobs = max(1, jobs)
    out_dir = Path(out_dir)
    parts_dir = out_dir / PARTS_DIR
    parts_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_work(out_dir, basename)

    context = _plan(script, takes, basename=basename, config=config, intro_music=intro_music,
                    announcement=announcement, outro=outro, title=tags.title, parts_dir=parts_dir)
    parts = plan_parts(context.timeline)
    keys = [_part_key(context, part, index == len(parts) - 1) for index, part in enumerate(parts)]
    done, reused = _master_parts(context, parts, keys, jobs)
    encoded = Encoded.of(parts, [r.frames for r in done])
    offsets = [o / SAMPLE_RATE for o in encoded.offsets()]
    duration = encoded.total / SAMPLE_RATE
    review = _review(context, parts, done, offsets, duration)

    written = _write_episode(out_dir, context, keys, done, encoded, offsets, tags)
    problems = review.problems + written.problems + list(heard_problems)
    if config.keep_parts:
        _forget_other_parts(parts_dir, keys)
    else:  # a large archive's disk: an edit will re-encode the whole episode instead of one part
        shutil.rmtree(parts_dir, ignore_errors=True)
    aac = _write_aac(written, out_dir / f"{basename}.m4a", config, tags)

    audio_bytes = written.audio.stat().st_size
    report = out_dir / "report.json"
    atomic_write_text(report, _report_json(
        basename=basename, tags=tags, duration=duration, audio_bytes=audio_bytes, measured=review.measured,
        config=config, records=done, short=review.short, reused=reused, silence=review.silence,
        allowed=review.allowed, clipped=review.clipped, timeline=context.timeline, encoded=encoded, jobs=jobs,
        seconds=time.monotonic() - started, problems=problems, heard=heard,
    ), durable=False)
    return MasterResult(written.audio, duration, audio_bytes, review.measured.integrated_lufs,
                        review.measured.true_peak_dbtp, written.vtt, written.srt, written.chapters_path, report,
                        tuple(problems), len(parts), reused, aac)


def _check_request(script: Script, basename: str) -> None:
    """Refuse an episode file name that is not plain ASCII, and a script with nothing to say."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", basename):
        raise MasteringError(f"episode file name {basename!r} must be ASCII letters, digits, '.', '_' or '-'")
    if not script.sentences():
        raise MasteringError(f"{basename}: the script has no sentences", hint="check the script file")


def _plan(script: Script, takes: Mapping[str, Path], *, basename: str, config: AudioConfig,
          intro_music: Path | None, announcement: Sentence | None, outro: Sentence | None, title: str,
          parts_dir: Path) -> _Context:
    """The intro music (its length only), then the timeline: what every part job shares."""
    music = _Music(Path(intro_music), takes.get(announcement.text) if announcement else None, parts_dir) \
        if intro_music else None
    timeline = plan_timeline(script, takes, take_span, config, episode_title=title,
                             music_available=music.length() if music is not None else None,
                             announcement=announcement, outro=outro)
    return _Context(timeline, config, basename, music, music.sha256 if music is not None else None, parts_dir)


def _master_parts(context: _Context, parts: list[Part], keys: list[str],
                  jobs: int) -> tuple[list[_PartRecord], int]:
    """Every part's record, in order: kept parts are reused, the others are made on ``jobs``
    threads. Also returns how many parts were reused."""
    records: list[_PartRecord | None] = [_load_part(context.work, key) for key in keys]
    todo = [index for index, record in enumerate(records) if record is None]
    if len(todo) == 1 or (todo and jobs == 1):  # no threads for one part at a time
        for index in todo:
            records[index] = _make_part(context, parts[index], keys[index])
    elif todo:
        # Longest first, so that the last part to finish is a short one.
        todo.sort(key=lambda i: -parts[i].length)
        with ThreadPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
            futures = {i: pool.submit(_make_part, context, parts[i], keys[i]) for i in todo}
            try:
                for index, future in futures.items():
                    records[index] = future.result()
            finally:
                for future in futures.values():
                    future.cancel()
    done: list[_PartRecord] = [r for r in records if r is not None]
    assert len(done) == len(parts)
    return done, len(parts) - len(todo)


@dataclass(frozen=True)
class _Review:
    """The finished episode's checks, from its parts' records (nothing is decoded again)."""

    problems: list[str]
    short: list[dict[str, Any]]
    silence: _Silence
    allowed: float  # seconds: the longest silence expected
    measured: Loudness
    clipped: int


def _review(context: _Context, parts: list[Part], records: list[_PartRecord], offsets: list[float],
            duration: float) -> _Review:
    """Check the episode as a whole: short takes, the longest silence (across joins too, which
    raises :class:`MasteringError` when it is too long), clipping and loudness."""
    timeline, config = context.timeline, context.config
    problems = [p for r in records for p in r.problems]
    starts = {t.start: t for t in timeline.spoken}

    def take_in(index: int, at: int | None) -> Take | None:
        return starts.get(parts[index].start + at) if at is not None else None

    short: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        for entry in record.short:
            take = take_in(index, entry["at"])
            short.append({"sentence": take.number if take else 0,
                          **{k: v for k, v in entry.items() if k != "at"}})
            problems.append(f"the take of {describe(take)} is short: {entry['seconds']:.2f} s of speech "
                            f"where about {entry['expected_seconds']:.1f} s was expected")
    silence = _longest_silence(records, offsets, duration, take_in)
    allowed = timeline.longest_allowed_pause + 1.0
    if silence.seconds > allowed:
        raise MasteringError(
            f"{context.basename}: {silence.seconds:.1f} s of silence at {clock(silence.start)}, after "
            f"{silence.after}; at most {allowed:.1f} s is expected (the longest pause plus 1 s)",
            path=silence.path, hint="the engine may have produced silence: delete that take to narrate it "
                                    "again, or shorten the [pause] in the script",
        )
    measured = combine([r.loudness for r in records])
    clipped = sum(r.clipped for r in records)
    if clipped:
        problems.append(f"{clipped} samples at full scale in {sum(r.clipped_takes for r in records)} take(s): "
                        "the voice may be distorted; lower the engine's volume")
    problems += _level_problems(measured, config)
    return _Review(problems, short, silence, allowed, measured, clipped)


def _level_problems(measured: Loudness, config: AudioConfig) -> list[str]:
    """The finished episode's misses of the loudness target and of the true-peak ceiling."""
    problems = []
    if abs(measured.integrated_lufs - config.loudness) > 1.0:
        problems.append(f"loudness {measured.integrated_lufs:.1f} LUFS misses the {config.loudness:.1f} "
                        "LUFS target by more than 1 LU")
    if measured.true_peak_dbtp > config.true_peak:
        problems.append(f"true peak {measured.true_peak_dbtp:.1f} dBTP is above {config.true_peak:.1f} dBTP")
    return problems


@dataclass(frozen=True)
class _Written:
    """The episode's files, in place, and what writing them found."""

    audio: Path
    vtt: Path
    srt: Path
    chapters_path: Path
    chapters: list[tuple[float, float, str]]  # (start, end, title) in seconds
    problems: list[str]


def _write_episode(out_dir: Path, context: _Context, keys: list[str], records: list[_PartRecord],
                   encoded: Encoded, offsets: list[float], tags: EpisodeTags) -> _Written:
    """Join the parts into the tagged MP3 and write the transcripts and chapters; the MP3 is
    renamed into place last."""
    basename = context.basename
    final = out_dir / f"{basename}.mp3"
    problems: list[str] = []
    # A private folder beside the output: the same file system, so the final rename is atomic.
    with tempfile.TemporaryDirectory(prefix=f".{basename}.master-", dir=out_dir) as work_dir:
        work = Path(work_dir)
        tmp = work / f"{basename}.mp3"
        chapters = _chapters(context.timeline, encoded)
        try:
            with disk_full_as_error(final):
                join([_part_path(context.work, key) for key in keys], tmp,
                     tag_bytes(tags, [(round(s * 1000), round(e * 1000), t) for s, e, t in chapters]))
        except OSError as exc:
            raise MasteringError(f"cannot write the episode: {exc.strerror or exc}", path=final,
                                 hint="check the free space and permissions of the output folder") from None
        frames = xing_frames(tmp)
        if frames is not None and frames != sum(encoded.frames):
            problems.append(f"the joined MP3 has {frames} frames where its parts have {sum(encoded.frames)}")
        cues = finish_cues([Cue(offset + a, offset + b, tuple(lines))
                            for record, offset in zip(records, offsets) for a, b, lines in record.cues])
        vtt, srt, chapters_path = out_dir / f"{basename}.vtt", out_dir / f"{basename}.srt", out_dir / "chapters.json"
        # Derived files: not flushed one by one (fsutil.atomic_open); build.json records their sizes.
        atomic_write_text(vtt, to_vtt(cues), durable=False)
        atomic_write_text(srt, to_srt(cues), durable=False)
        atomic_write_text(chapters_path, chapters_json([(s, t) for s, _, t in chapters]), durable=False)
        os.replace(tmp, final)
    return _Written(final, vtt, srt, chapters_path, chapters, problems)


def _write_aac(written: _Written, aac: Path, config: AudioConfig, tags: EpisodeTags) -> Path | None:
    """The AAC copy when ``audio.aac`` asks for one; otherwise an old copy is removed."""
    if config.aac:
        write_aac(written.audio, aac, bitrate=config.bitrate, tags=tags,
                  chapters=[(round(s * 1000), round(e * 1000), t) for s, e, t in written.chapters])
        return aac
    if aac.exists():
        aac.unlink()  # no longer asked for: not left to be published by mistake
    return None


# --------------------------------------------------------------------------- one part


def _pieces(timeline: Timeline, part: Part) -> list[Piece]:
    # An empty take (0 samples) belongs to the part it starts in: its fault must be seen.
    return [p for p in timeline.pieces if p.start < part.end and
            (p.start + p.length > part.start or (p.length == 0 and p.start >= part.start))]


def _part_key(context: _Context, part: Part, last: bool) -> str:
    """A hash of everything the part's audio is made from, with positions counted from its start."""
    config = context.config
    items: list[Any] = []
    for piece in _pieces(context.timeline, part):
        lo, hi = max(part.start, piece.start) - part.start, min(part.end, piece.start + piece.length) - part.start
        if isinstance(piece, Silence):
            items.append(["pause", lo, hi])
        elif isinstance(piece, Take):
            stat = piece.path.stat()
            items.append(["take", lo, hi, piece.start - part.start, piece.text, piece.role, str(piece.path),
                          stat.st_size, stat.st_mtime_ns, piece.length, piece.skip, piece.lead, piece.tail,
                          piece.written])  # the part's captions are made with its audio
        else:
            announcement = context.timeline.announcement
            items.append(["intro", lo, hi, piece.length, piece.music_length, piece.speech_start,
                          piece.speech_length, context.music_name,
                          [str(announcement.path), announcement.path.stat().st_size,
                           announcement.path.stat().st_mtime_ns, announcement.skip, announcement.lead,
                           announcement.tail, announcement.written] if announcement else None,
                          round(_body_seconds(context.timeline) * SAMPLE_RATE)])
    recipe = [PART_RECIPE, _code(), config.bitrate, config.loudness, config.true_peak, LIMITER_MARGIN_DB, ENCODER_LEVEL_DB,
              LAME_QUALITY, BLOCK, ATTACK, HOLD, MUSIC_UNDER_SPEECH_LU, last, PART_MIN, PART_MAX,
              CUT_EVERY, BOOST_BODY_CAP, BOOST_TOLERANCE, BOOST_MAX]
    text = json.dumps([recipe, part.end - part.start, items], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@functools.cache
def _code() -> str:
    """The mastering code and the libraries that shape a part's sound: kept parts made by other
    code (an upgrade, a local edit) are made again rather than reused."""
    return code_version(("audioessay.master",), ("numpy", "pydub"))


def _part_path(parts_dir: Path, key: str) -> Path:
    return parts_dir / f"{key}.mp3"


def _load_part(parts_dir: Path, key: str) -> _PartRecord | None:
    """The kept part, if both its files are there and agree; None means it is made again."""
    try:
        record = _PartRecord.from_json((parts_dir / f"{key}.json").read_text(encoding="utf-8"))
        if _part_path(parts_dir, key).stat().st_size != record.audio_bytes or record.key != key:
            return None
        return record
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        return None


def _forget_other_parts(parts_dir: Path, keys: list[str]) -> None:
    """Keep only this episode's current parts (and nothing a killed run left)."""
    wanted = {*keys, "music"}
    for path in parts_dir.iterdir():
        if path.stem not in wanted:
            with contextlib.suppress(OSError):
                path.unlink()


def _make_part(context: _Context, part: Part, key: str) -> _PartRecord:
    """Analyse, level, limit, encode and measure one part; keep it in the part folder."""
    pieces = _pieces(context.timeline, part)
    layout = next((p for p in pieces if isinstance(p, IntroLayout)), None)
    analyses = _analyse_part(context, part, pieces, layout)
    problems: list[str] = []
    level = _level_part(context, part, layout, analyses, problems)
    short, clipped, clipped_takes = _check_takes(analyses, level.gain, context.basename, part.start)
    by_start = {a.take.start: a for a in analyses if a.take.role != "announcement"}
    profile = silence_profile(pieces, by_start, level.intro_levels, level.gain)
    _check_part_silence(context, profile)

    out = _part_path(context.work, key)
    temporary = temp_sibling(out)
    log = temp_sibling(out.with_suffix(".log"))
    try:
        # A full disk: LAME fails in its own words, or the part decodes short. Seen here, while the
        # temporary files are still there, so the disk is as full as the encoder found it.
        with disk_full_as_error(out, check=(MasteringError,)):
            encoding = _encode_part(context, part, level, temporary, log)
        origin = part.start / SAMPLE_RATE
        longest = profile.longest
        record = _PartRecord(
            key=key, frames=encoding.frames, audio_bytes=temporary.stat().st_size,
            gain_db=round(encoding.gain, 3), limit_dbfs=round(encoding.limit, 3), passes=encoding.passes,
            loudness=encoding.loudness, cues=_part_cues(analyses, part, encoding.gain),
            first_sound=None if profile.first_sound is None else profile.first_sound - origin,
            sound_end=None if profile.sound_end is None else profile.sound_end - origin,
            # Takes are named by where they start in the part, not by their number: a kept part
            # is reused after sentences were added before it, and the numbers are looked up then.
            last_take=profile.last_take.start - part.start if profile.last_take else None,
            silence={"start": longest.start - origin, "seconds": longest.seconds,
                     "after": longest.after.start - part.start if longest.after else None},
            short=short, clipped=clipped, clipped_takes=clipped_takes,
            limited_ms=round(encoding.limiter.reduced_blocks * BLOCK / SAMPLE_RATE * 1000, 1),
            problems=problems, intro=level.intro_info,
        )
        os.replace(temporary, out)
        atomic_write_text(out.with_suffix(".json"), record.to_json(), durable=False)
        return record
    finally:
        for path in (temporary, log):
            with contextlib.suppress(OSError):
                path.unlink()
        trim()


def _analyse_part(context: _Context, part: Part, pieces: list[Piece],
                  layout: IntroLayout | None) -> list[TakeAnalysis]:
    """Every take heard in the part (the announcement too, when the intro is in it), read once."""
    spoken = [p for p in pieces if isinstance(p, Take)]
    if layout is not None and context.timeline.announcement is not None:
        spoken.insert(0, context.timeline.announcement)
    return [analyse_take(take, origin=part.start) for take in spoken]


@dataclass(frozen=True)
class _PartLevel:
    """How loud one part is to be: the gain and limit it is first encoded with."""

    meter: LoudnessMeter
    target: float  # LUFS
    gain: float  # dB
    limit: float  # dBFS
    intro_audio: np.ndarray | None  # the rendered intro, when the part holds it
    intro_levels: np.ndarray | None
    intro_info: dict[str, Any] | None  # speech and music loudness, for the report


def _level_part(context: _Context, part: Part, layout: IntroLayout | None, analyses: list[TakeAnalysis],
                problems: list[str]) -> _PartLevel:
    """Measure the part's takes (and intro), then the gain that brings it to its target."""
    config = context.config
    meter = LoudnessMeter(end_seconds=part.length / SAMPLE_RATE)
    for analysis in analyses:
        if analysis.take.role != "announcement":
            meter.add(analysis.loudness)
    target = config.loudness
    intro_audio = intro_levels = None
    intro_info = None
    if layout is not None:
        intro_audio, intro_info = _intro(context, layout, analyses, problems)
        meter.add_samples(intro_audio, SAMPLE_RATE, (layout.start - part.start) / SAMPLE_RATE)
        intro_levels = window_levels(intro_audio, SAMPLE_RATE)
        announced = [a for a in analyses if a.take.role == "announcement"]
        mix = loudness_of(intro_audio, SAMPLE_RATE)  # the intro alone, even if speech follows in this part
        if announced and math.isfinite(mix):
            # As loud as the intro is when the announcement in it speaks at the target: the music
            # keeps its place under the voice, and the voice matches the body's.
            target += mix - intro_info["speech_lufs"]
        elif context.music is not None:
            target -= MUSIC_UNDER_SPEECH_LU  # music alone: under where the speech will be
    limit = config.true_peak - LIMITER_MARGIN_DB
    if layout is not None:
        boost = _intro_boost(meter, target, _body_seconds(context.timeline), config.loudness)
        target += boost
        if intro_info is not None:
            intro_info["boost_db"] = boost
    gain = meter.gain_for(target - ENCODER_LEVEL_DB, limit)
    return _PartLevel(meter, target, gain, limit, intro_audio, intro_levels, intro_info)


def _body_seconds(timeline: Timeline) -> float:
    """The seconds of speech after the intro, up to :data:`BOOST_BODY_CAP` (beyond it the intro
    never needs a boost, and the intro part's key stays the same whatever the body's length)."""
    return min(sum(t.length for t in timeline.takes) / SAMPLE_RATE, BOOST_BODY_CAP)


def _intro_boost(meter: LoudnessMeter, target: float, body_seconds: float, loudness: float) -> float:
    """dB the intro is raised above ``target`` so that a short episode reaches ``loudness``.

    The intro's music-alone stretches sit MUSIC_UNDER_SPEECH_LU under the voice and pass the
    relative gate, so the intro measures 2-3 LU under the target; each body part is levelled to
    the target on its own, so an episode of a few sentences, mostly intro, came out at -17.8 LUFS.
    The body is taken as ``body_seconds`` at the target; the intro is raised (in 0.1 dB steps)
    until the two together are predicted at the target, when they would miss it by more than
    BOOST_TOLERANCE. The announcement is then that much louder than the body (at most
    BOOST_MAX)."""
    if body_seconds <= 0:
        return 0.0
    base = meter.integrated()
    if not math.isfinite(base):
        return 0.0

    def predicted(boost: float) -> float:  # the intro levelled to target + boost, the limiter's loss even
        return meter.integrated_beside(target + boost - ENCODER_LEVEL_DB - base, body_seconds,
                                       loudness - ENCODER_LEVEL_DB)

    if predicted(0.0) >= loudness - ENCODER_LEVEL_DB - BOOST_TOLERANCE:
        return 0.0
    low, high = 0.0, BOOST_MAX
    for _ in range(30):
        middle = (low + high) / 2
        low, high = (middle, high) if predicted(middle) < loudness - ENCODER_LEVEL_DB else (low, middle)
    return round(high, 1)


def _check_part_silence(context: _Context, profile: SilenceProfile) -> None:
    """Raise :class:`MasteringError` when the part's longest silence is longer than any pause allows."""
    allowed = context.timeline.longest_allowed_pause + 1.0
    if profile.longest.seconds > allowed:
        where = profile.longest.after
        raise MasteringError(
            f"{context.basename}: {profile.longest.seconds:.1f} s of silence at {clock(profile.longest.start)}, "
            f"after {describe(where)}; at most {allowed:.1f} s is expected (the longest pause plus 1 s)",
            path=where.path if where else None,
            hint="the engine may have produced silence: delete that take to narrate it again, "
                 "or shorten the [pause] in the script",
        )


@dataclass(frozen=True)
class _PartEncoding:
    """A part encoded into its temporary file, and what its last pass measured."""

    frames: int
    loudness: PartLoudness
    limiter: Limiter
    gain: float
    limit: float
    passes: int


def _encode_part(context: _Context, part: Part, level: _PartLevel, temporary: Path, log: Path) -> _PartEncoding:
    """Encode the part into ``temporary`` and measure it; once more with a corrected gain and
    limit if it missed its loudness target or the true-peak ceiling."""
    timeline, config = context.timeline, context.config

    def encode(gain_db: float, limit_dbfs: float) -> tuple[int, PartLoudness, Limiter]:
        limiter = Limiter(gain_db, limit_dbfs)
        chunks = render(timeline, level.intro_audio, part.start, part.end)
        frames = encode_part(chunks, limiter, config.bitrate, temporary, log)
        return frames, measure_mp3(temporary), limiter

    gain, limit = level.gain, level.limit
    frames, loudness, limiter = encode(gain, limit)
    passes = 1
    corrected = _correction(gain, limit, loudness, level.target, config.true_peak, level.meter)
    if corrected is not None:
        gain, limit = corrected
        frames, loudness, limiter = encode(gain, limit)
        passes = 2
    if loudness.samples != part.length:
        raise MasteringError(f"{context.basename}: a part decodes to {loudness.samples} samples, "
                             f"{part.length} were encoded", hint="check the lame and mpg123 installation")
    return _PartEncoding(frames, loudness, limiter, gain, limit, passes)


def _part_cues(analyses: list[TakeAnalysis], part: Part, gain: float) -> list[tuple[float, float, list[str]]]:
    """The part's captions, each sentence's from when its speech starts to when it ends (seconds
    from the part's start)."""
    cues = []
    threshold = SILENCE_DBFS - gain
    for analysis in analyses:
        take = analysis.take
        onset, offset = analysis.speech_extent(threshold) or (0.0, take.length / SAMPLE_RATE)
        base = (take.start - part.start) / SAMPLE_RATE
        cues += [(c.start, c.end, list(c.lines)) for c in sentence_cues(take.caption, base + onset, base + offset)]
    return cues


def _intro(context: _Context, layout: IntroLayout, analyses: list[TakeAnalysis],
           problems: list[str]) -> tuple[np.ndarray, dict[str, Any]]:
    """The rendered intro: music under the announcement by MUSIC_UNDER_SPEECH_LU."""
    speech = [a for a in analyses if a.take.role == "announcement"]
    speech_lufs = FALLBACK_SPEECH_LUFS
    if speech:
        meter = LoudnessMeter()
        meter.add(speech[0].loudness)
        level = meter.integrated()
        speech_lufs = level if math.isfinite(level) else FALLBACK_SPEECH_LUFS
    music_gain, music_lufs = 0.0, None
    music = context.music.audio() if context.music is not None and layout.music_length else None
    if music is not None and layout.music_length:
        music_lufs = loudness_of(loop_to(music, layout.music_length), SAMPLE_RATE)
        if math.isfinite(music_lufs):
            music_gain = speech_lufs - MUSIC_UNDER_SPEECH_LU - music_lufs
        else:
            problems.append("the intro music is silent")
            music_lufs = None
    announcement = context.timeline.announcement
    spoken = take_audio(announcement) if announcement else None
    audio = render_intro(layout, music, music_gain, spoken)
    return audio, {"speech_lufs": round(speech_lufs, 2), "music_lufs": None if music_lufs is None
                   else round(music_lufs, 2)}


def _correction(gain: float, limit: float, measured: PartLoudness, target: float, ceiling: float,
                meter: LoudnessMeter) -> tuple[float, float] | None:
    """A new (gain, limit) if the part missed its loudness target or the true-peak ceiling.

    The meter's limiter model gives the slope (under heavy limiting 1 dB more gain is much
    less than 1 LU louder); the measured miss corrects its offset.
    """
    level = integrated(measured.momentary)
    if not math.isfinite(level):
        return None
    loud_miss = abs(level - target) > LOUDNESS_TOLERANCE
    peak_miss = measured.true_peak_dbtp > ceiling
    if not (loud_miss or peak_miss):
        return None
    # The model's error, with the limit the part was measured with; then the new limit.
    model_error = level - (meter.limited(gain, limit) + ENCODER_LEVEL_DB)
    if peak_miss:
        limit -= measured.true_peak_dbtp - ceiling + 0.3
    return meter.gain_for(target - ENCODER_LEVEL_DB - model_error, limit), limit


# --------------------------------------------------------------------------- the whole episode


@dataclass(frozen=True)
class _Silence:
    start: float
    seconds: float
    after: str
    path: str | None


def _longest_silence(records: list[_PartRecord], offsets: list[float], duration: float,
                     take_in: Callable[[int, int | None], Take | None]) -> _Silence:
    """The longest silence of the finished episode: inside parts, across joins, at either end."""
    best: tuple[float, float, Take | None] = (0.0, 0.0, None)
    end, after = 0.0, None
    for index, (record, offset) in enumerate(zip(records, offsets)):
        inner = record.silence
        if inner["seconds"] > best[1]:
            best = (offset + inner["start"], inner["seconds"], take_in(index, inner["after"]))
        if record.first_sound is None or record.sound_end is None:
            continue
        gap = offset + record.first_sound - end
        if gap > best[1]:
            best = (end, gap, after)
        end, after = offset + record.sound_end, take_in(index, record.last_take)
    if duration - end > best[1]:
        best = (end, duration - end, after)
    start, seconds, take = best
    return _Silence(start, seconds, describe(take), str(take.path) if take else None)


def _remove_stale_work(out_dir: Path, basename: str) -> None:
    """Remove the private folders of killed runs (an hour old: never one that is still working)."""
    for folder in out_dir.glob(f".{basename}.master-*"):
        with contextlib.suppress(OSError):
            if folder.is_dir() and time.time() - folder.stat().st_mtime > 3600:
                shutil.rmtree(folder)


class _Music:
    """The intro music at 44.1 kHz mono, only as much as the intro can use, decoded only when the
    intro part is made (and then once per process: :func:`_decoded_music`); its length (all that
    planning needs) is remembered in the part folder, so a render that reuses the intro part does
    not decode the music at all."""

    def __init__(self, path: Path, announcement_take: Path | None, parts_dir: Path) -> None:
        self.path = path
        self.sha256 = sha256_file_cached(path)
        needed = MUSIC_ALONE_MAX
        if announcement_take is not None and Path(announcement_take).exists():
            needed = max(needed, ANNOUNCE_AT + clip_length(Path(announcement_take)) / SAMPLE_RATE + 1.0 + MUSIC_FADE)
        self.seconds = needed + 1.0
        self._memo = parts_dir / "music.json"
        self._audio: np.ndarray | None = None
        self._lock = threading.Lock()

    def length(self) -> int:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            memo = json.loads(self._memo.read_text(encoding="utf-8"))
            if memo["sha256"] == self.sha256 and memo["seconds"] == self.seconds:
                return int(memo["samples"])
        samples = len(self.audio())
        atomic_write_text(self._memo, json.dumps({"sha256": self.sha256, "seconds": self.seconds,
                                                  "samples": samples}) + "\n", durable=False)
        return samples

    def audio(self) -> np.ndarray:
        with self._lock:
            if self._audio is None:
                decoded = _decoded_music(self.path, self.sha256, math.ceil(self.seconds / MUSIC_BUCKET) * MUSIC_BUCKET)
                self._audio = decoded[: round(self.seconds * SAMPLE_RATE)]
                if len(self._audio) < SAMPLE_RATE // 10:
                    raise MasteringError("the intro music has no audio (less than 0.1 s)", path=self.path,
                                         hint="use another file, or set audio.intro = \"\" for no music")
            return self._audio


MUSIC_BUCKET = 10.0  # seconds: music is decoded to a whole number of these, then cut to what is needed
_MUSIC_MEMO: dict[tuple[str, float], np.ndarray] = {}  # (sha256, seconds) -> samples, in this process
_MUSIC_MEMO_LOCK = threading.Lock()


def _decoded_music(path: Path, sha256: str, seconds: float) -> np.ndarray:
    """The music decoded (by ffmpeg) to ``seconds``, once per process and content.

    Every episode of a show has the same intro music, and starting ffmpeg costs about 60 ms of
    CPU however little it decodes: a worker mastering a hundred short episodes decoded it a
    hundred times. The samples are read-only; the memo keeps the last two pieces of music."""
    key = (sha256, seconds)
    with _MUSIC_MEMO_LOCK:
        found = _MUSIC_MEMO.get(key)
        if found is not None:
            return found
        data = decode_to_float32(path, max_seconds=seconds)
        decoded = np.frombuffer(data, np.float32).astype(np.float64)
        decoded.setflags(write=False)
        while len(_MUSIC_MEMO) >= 2:
            del _MUSIC_MEMO[next(iter(_MUSIC_MEMO))]
        _MUSIC_MEMO[key] = decoded
        return decoded


def _check_takes(analyses: list[TakeAnalysis], gain: float, basename: str,
                 origin: int) -> tuple[list[dict[str, Any]], int, int]:
    """Raise on broken takes; return the suspiciously short ones (by start from ``origin``) and clipping."""
    short: list[dict[str, Any]] = []
    threshold = SILENCE_DBFS - gain
    for analysis in analyses:
        take = analysis.take
        expected = predicted_seconds(take.text)
        extent = analysis.speech_extent(threshold)
        voiced = extent[1] - extent[0] if extent else 0.0
        fault = None
        if analysis.frames == 0:
            fault = "is empty (0 samples)"
        elif analysis.truncated:
            fault = "is truncated (the file holds less audio than its header says)"
        elif extent is None:
            fault = "is silent"
        elif voiced < TRUNCATED_TAKE_RATIO * expected:
            fault = f"is far too short: {voiced:.2f} s of speech for {len(take.text)} characters"
        if fault:
            raise MasteringError(
                f"{basename}: the take of {describe(take)} {fault}", path=take.path,
                hint="delete that take file so it is narrated again, then rerun; other episodes are not affected",
            )
        if voiced < SHORT_TAKE_RATIO * expected:
            short.append({"at": take.start - origin, "role": take.role, "text": take.text,
                          "seconds": round(voiced, 2), "expected_seconds": round(expected, 2)})
    clipped = [a.clipped for a in analyses if a.clipped]
    return short, sum(clipped), len(clipped)


def _chapters(timeline: Timeline, encoded: Encoded) -> list[tuple[float, float, str]]:
    """(start, end, title) in seconds on the finished MP3."""
    starts = [(encoded.time_map(c.start) / SAMPLE_RATE, c.title) for c in timeline.chapters]
    ends = [s for s, _ in starts[1:]] + [encoded.total / SAMPLE_RATE]
    return [(start, end, title) for (start, title), end in zip(starts, ends)]


def _report_json(*, basename: str, tags: EpisodeTags, duration: float, audio_bytes: int, measured: Loudness,
                 config: AudioConfig, records: list[_PartRecord], short: list[dict[str, Any]], reused: int,
                 silence: _Silence, allowed: float,
                 clipped: int, timeline: Timeline, encoded: Encoded, jobs: int, seconds: float,
                 problems: list[str], heard: Mapping[str, Any] | None = None) -> str:
    def num(value: float | None, digits: int = 2) -> float | None:
        return round(value, digits) if value is not None and math.isfinite(value) else None

    gains = [r.gain_db for r in records]
    intro = next((r.intro for r in records if r.intro), None) or {}
    report = {
        "episode": basename,
        "title": tags.title,
        "audio": f"{basename}.mp3",
        "duration": round(duration, 3),
        "audio_bytes": audio_bytes,
        "aac": f"{basename}.m4a" if config.aac else None,
        "bitrate_kbps": config.bitrate,
        "loudness": {
            "integrated_lufs": num(measured.integrated_lufs, 1),
            "true_peak_dbtp": num(measured.true_peak_dbtp, 1),
            "range_lu": num(measured.loudness_range_lu, 1),
            "target_lufs": config.loudness,
            "true_peak_ceiling_dbtp": config.true_peak,
            "speech_lufs": intro.get("speech_lufs"),
            "intro_music_lufs": intro.get("music_lufs"),
            "intro_boost_db": intro.get("boost_db"),  # a short episode's intro raised to reach the target
            "gain_db": {"min": num(min(gains)), "max": num(max(gains))},
            "encode_passes": max(r.passes for r in records),
            "limited_seconds": round(sum(r.limited_ms for r in records) / 1000, 2),
            "measured_by": "libebur128 (BS.1770-4, true peak 4x oversampled) on the MP3's parts decoded "
                           "by mpg123, blocks gated together",
        },
        "longest_silence": {
            "seconds": num(silence.seconds),
            "at": clock(silence.start),
            "after": silence.after,
            "allowed_seconds": num(allowed),
            "threshold_dbfs": SILENCE_DBFS,
        },
        "clipped_samples": clipped,
        "short_takes": short,
        "sentences": sum(1 for t in timeline.takes if t.role == "sentence"),
        "chapters": len(timeline.chapters),
        "encoder": {"encoder": f"LAME -q {LAME_QUALITY}, CBR", "parts": len(records), "parts_reused": reused,
                    "jobs": jobs, "frames": sum(encoded.frames)},
        "mastering_seconds": round(seconds, 2),
        "problems": problems,
        **({"verify": dict(heard)} if heard is not None else {}),
    }
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
