"""Mastering one episode: takes + intro music -> MP3, transcripts, chapters, tags, QA report.

    plan the timeline (WAV headers only)
    -> first pass: read every take once, measure loudness bins, speech extent, faults
    -> mix the intro (music normalized relative to the speech, ducked under the announcement)
    -> gain = target - predicted loudness; stop here on a broken take or a long silence
    -> encode in parallel parts (gain + limiter in the encode pass), join, measure with ebur128;
       correct the gain once if the result misses the target by more than 0.5 LU
    -> tags, transcripts, chapters, then the MP3, then the report (each written atomically)
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audioessay.errors import MasteringError
from audioessay.fsutil import atomic_write_text
from audioessay.master.analysis import (
    SHORT_TAKE_RATIO,
    SILENCE_DBFS,
    TRUNCATED_TAKE_RATIO,
    SilenceRun,
    TakeAnalysis,
    analyse_take,
    clock,
    describe,
    longest_silence,
    predicted_seconds,
)
from audioessay.master.encode import ENCODER_LEVEL_DB, LIMITER_MARGIN_DB, Encoded, EncodeSettings, encode
from audioessay.master.ffmpeg import decode_to_float32, ffmpeg_path
from audioessay.master.loudness import LoudnessMeter, Measurement, loudness_of, measure_parts
from audioessay.master.mix import loop_to, render, render_intro, take_audio
from audioessay.master.pcm import SAMPLE_RATE, clip_length, window_levels
from audioessay.master.tags import EpisodeTags, write_tags
from audioessay.master.timeline import ANNOUNCE_AT, MUSIC_ALONE_MAX, MUSIC_FADE, Timeline, plan_timeline
from audioessay.master.transcript import Cue, chapters_json, finish_cues, sentence_cues, to_srt, to_vtt
from audioessay.models import Script
from audioessay.workspace import AudioConfig

__all__ = ["EpisodeTags", "MasterResult", "master_episode"]

MUSIC_UNDER_SPEECH_LU = 4.0  # intro music alone sits this far below the speech
LOUDNESS_TOLERANCE = 0.5  # LU: a bigger miss is corrected with one more encode
FALLBACK_SPEECH_LUFS = -20.0


@dataclass(frozen=True)
class MasterResult:
    """What mastering wrote (all in ``out_dir``) and what the finished file measures."""

    audio: Path
    duration: float  # seconds
    audio_bytes: int
    loudness_lufs: float  # measured on the finished MP3 (ffmpeg ebur128)
    true_peak_dbtp: float
    transcript_vtt: Path
    transcript_srt: Path
    chapters: Path
    report: Path
    problems: tuple[str, ...]  # warnings worth a look; hard faults raise MasteringError instead


def master_episode(
    script: Script,
    takes: Mapping[str, Path],
    *,
    out_dir: Path,
    basename: str,
    config: AudioConfig,
    intro_music: Path | None,
    announcement: str | None,
    outro: str | None,
    tags: EpisodeTags,
    jobs: int = 2,
) -> MasterResult:
    """Master one episode into ``out_dir/<basename>.mp3`` with its transcripts, chapters and report.

    ``takes`` maps every sentence text (and the announcement and outro texts) to a mono WAV.
    Raises :class:`MasteringError` for a missing, empty or truncated take or a silence longer
    than the longest configured pause plus one second; nothing is written then.
    """
    started = time.monotonic()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", basename):
        raise MasteringError(f"episode file name {basename!r} must be ASCII letters, digits, '.', '_' or '-'")
    ffmpeg_path()  # fail now, not after the first pass, when ffmpeg is missing
    if not script.sentences():
        raise MasteringError(f"{basename}: the script has no sentences", hint="check the script file")
    announcement = announcement.strip() if announcement and announcement.strip() else None
    outro = outro.strip() if outro and outro.strip() else None
    jobs = max(1, jobs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_work(out_dir, basename)
    problems: list[str] = []

    music = _load_music(intro_music, takes.get(announcement) if announcement else None) if intro_music else None
    timeline = plan_timeline(script, takes, clip_length, config, episode_title=tags.title,
                             music_available=len(music) if music is not None else None,
                             announcement=announcement, outro=outro)

    # First pass: every take once, in parallel (numpy's FFTs run outside the GIL).
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        analyses = list(pool.map(analyse_take, timeline.spoken))
    by_start = {a.take.start: a for a in analyses if a.take.role != "announcement"}

    meter = LoudnessMeter(end_seconds=timeline.total / SAMPLE_RATE)
    for analysis in analyses:
        if analysis.take.role != "announcement":
            meter.add(analysis.loudness)
    speech_lufs = meter.integrated()
    if not math.isfinite(speech_lufs):
        speech_lufs = FALLBACK_SPEECH_LUFS
    intro_audio, intro_levels, music_lufs = None, None, None
    layout = timeline.intro
    if layout is not None:
        music_gain = 0.0
        if music is not None and layout.music_length:
            music_lufs = loudness_of(loop_to(music, layout.music_length), SAMPLE_RATE)
            if math.isfinite(music_lufs):
                music_gain = speech_lufs - MUSIC_UNDER_SPEECH_LU - music_lufs
            else:
                problems.append(f"the intro music {intro_music} is silent")
        spoken = take_audio(timeline.announcement) if timeline.announcement else None
        intro_audio = render_intro(layout, music, music_gain, spoken)
        meter.add_samples(intro_audio, SAMPLE_RATE, 0.0)
        intro_levels = window_levels(intro_audio, SAMPLE_RATE)
    unprocessed = meter.integrated()
    limit = config.true_peak - LIMITER_MARGIN_DB
    gain = meter.gain_for(config.loudness - ENCODER_LEVEL_DB, limit)
    predicted = meter.limited(gain, limit) + ENCODER_LEVEL_DB

    short = _check_takes(analyses, gain, basename, problems)
    silence = longest_silence(timeline, by_start, intro_levels, gain)
    allowed = timeline.longest_allowed_pause + 1.0
    if silence.seconds > allowed:
        where = silence.after.path if silence.after else None
        raise MasteringError(
            f"{basename}: {silence.seconds:.1f} s of silence at {clock(silence.start)}, after "
            f"{describe(silence.after)}; at most {allowed:.1f} s is expected (the longest pause plus 1 s)",
            path=where, hint="the engine may have produced silence: delete that take to narrate it again, "
                             "or shorten the [pause] in the script",
        )
    clipped = sum(a.clipped for a in analyses)
    if clipped:
        problems.append(f"{clipped} samples at full scale in {sum(1 for a in analyses if a.clipped)} take(s): "
                        "the voice may be distorted; lower the engine's volume")

    # Encode, measure, correct once.
    final = out_dir / f"{basename}.mp3"
    # A private folder beside the output: the same file system, so the final rename is atomic.
    with tempfile.TemporaryDirectory(prefix=f".{basename}.master-", dir=out_dir) as work_dir:
        work = Path(work_dir)
        tmp = work / f"{basename}.mp3"

        def pcm(start: int, end: int) -> Iterator[np.ndarray]:
            return render(timeline, intro_audio, start, end)

        settings = EncodeSettings(config.bitrate, gain, limit)
        encoded = encode(timeline, pcm, settings, tmp, jobs=jobs, work=work)
        measured = measure_parts(list(encoded.part_files), joined=tmp)
        passes = 1
        corrected = _correction(settings, measured, config, meter)
        if corrected is not None:
            settings = corrected
            encoded = encode(timeline, pcm, settings, tmp, jobs=jobs, work=work)
            measured = measure_parts(list(encoded.part_files), joined=tmp)
            passes = 2
        if abs(measured.integrated_lufs - config.loudness) > 1.0:
            problems.append(f"loudness {measured.integrated_lufs:.1f} LUFS misses the {config.loudness:.1f} "
                            "LUFS target by more than 1 LU")
        if measured.true_peak_dbtp > config.true_peak:
            problems.append(f"true peak {measured.true_peak_dbtp:.1f} dBTP is above {config.true_peak:.1f} dBTP")
        duration = encoded.total / SAMPLE_RATE
        if measured.duration and abs(measured.duration - duration) > 0.05:
            problems.append(f"the MP3 decodes to {measured.duration:.2f} s, the timeline says {duration:.2f} s")
        if encoded.shift[-1]:
            problems.append(f"the encoder wrote unexpected frame counts; timings shifted by "
                            f"{encoded.shift[-1] / SAMPLE_RATE * 1000:.0f} ms and were corrected")

        chapters = _chapters(timeline, encoded)
        write_tags(tmp, tags, [(round(s * 1000), round(e * 1000), t) for s, e, t in chapters])
        cues = finish_cues(_cues(analyses, encoded, gain))
        vtt, srt, chapters_path = out_dir / f"{basename}.vtt", out_dir / f"{basename}.srt", out_dir / "chapters.json"
        atomic_write_text(vtt, to_vtt(cues))
        atomic_write_text(srt, to_srt(cues))
        atomic_write_text(chapters_path, chapters_json([(s, t) for s, _, t in chapters]))
        os.replace(tmp, final)

    audio_bytes = final.stat().st_size
    report = out_dir / "report.json"
    atomic_write_text(report, _report_json(
        basename=basename, tags=tags, duration=duration, audio_bytes=audio_bytes, measured=measured,
        config=config, unprocessed=unprocessed, predicted=predicted, speech_lufs=speech_lufs, music_lufs=music_lufs, gain=settings.gain_db,
        passes=passes, silence=silence, allowed=allowed, clipped=clipped, short=short, timeline=timeline,
        encoded=encoded, jobs=jobs, seconds=time.monotonic() - started, problems=problems,
    ))
    return MasterResult(final, duration, audio_bytes, measured.integrated_lufs, measured.true_peak_dbtp,
                        vtt, srt, chapters_path, report, tuple(problems))


def _remove_stale_work(out_dir: Path, basename: str) -> None:
    """Remove the private folders of killed runs (an hour old: never one that is still working)."""
    for folder in out_dir.glob(f".{basename}.master-*"):
        with contextlib.suppress(OSError):
            if folder.is_dir() and time.time() - folder.stat().st_mtime > 3600:
                shutil.rmtree(folder)


def _load_music(path: Path, announcement_take: Path | None) -> np.ndarray:
    """The intro music at 44.1 kHz mono, only as much as the intro can use."""
    needed = MUSIC_ALONE_MAX
    if announcement_take is not None and Path(announcement_take).exists():
        needed = max(needed, ANNOUNCE_AT + clip_length(Path(announcement_take)) / SAMPLE_RATE + 1.0 + MUSIC_FADE)
    music = np.frombuffer(decode_to_float32(Path(path), max_seconds=needed + 1.0), np.float32).astype(np.float64)
    if len(music) == 0:
        raise MasteringError("the intro music has no audio", path=path,
                             hint="use another file, or set audio.intro = \"\" for no music")
    return music


def _check_takes(analyses: list[TakeAnalysis], gain: float, basename: str,
                 problems: list[str]) -> list[dict[str, Any]]:
    """Raise on broken takes; report suspiciously short ones (returned for the report)."""
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
            short.append({"sentence": take.number, "role": take.role, "text": take.text,
                          "seconds": round(voiced, 2), "expected_seconds": round(expected, 2)})
            problems.append(f"the take of {describe(take)} is short: {voiced:.2f} s of speech "
                            f"where about {expected:.1f} s was expected")
    return short


def _correction(settings: EncodeSettings, measured: Measurement, config: AudioConfig,
                meter: LoudnessMeter) -> EncodeSettings | None:
    """New settings if the first encode missed the loudness target or the true-peak ceiling.

    The meter's limiter model gives the slope (under heavy limiting 1 dB more gain is much
    less than 1 LU louder); the measured miss corrects its offset.
    """
    if not math.isfinite(measured.integrated_lufs):
        return None
    loud_miss = abs(measured.integrated_lufs - config.loudness) > LOUDNESS_TOLERANCE
    peak_miss = measured.true_peak_dbtp > config.true_peak
    if not (loud_miss or peak_miss):
        return None
    limit = settings.limit_dbfs
    if peak_miss:
        limit -= measured.true_peak_dbtp - config.true_peak + 0.3
    model_error = measured.integrated_lufs - (meter.limited(settings.gain_db, settings.limit_dbfs) + ENCODER_LEVEL_DB)
    gain = meter.gain_for(config.loudness - ENCODER_LEVEL_DB - model_error, limit)
    return EncodeSettings(settings.bitrate, gain, limit)


def _chapters(timeline: Timeline, encoded: Encoded) -> list[tuple[float, float, str]]:
    """(start, end, title) in seconds on the finished MP3."""
    starts = [(encoded.time_map(c.start) / SAMPLE_RATE, c.title) for c in timeline.chapters]
    ends = [s for s, _ in starts[1:]] + [encoded.total / SAMPLE_RATE]
    return [(start, end, title) for (start, title), end in zip(starts, ends)]


def _cues(analyses: list[TakeAnalysis], encoded: Encoded, gain: float) -> list[Cue]:
    """One or more cues per spoken take, from its speech onset to its speech end."""
    cues: list[Cue] = []
    threshold = SILENCE_DBFS - gain
    for analysis in analyses:
        take = analysis.take
        base = encoded.time_map(take.start) / SAMPLE_RATE
        onset, offset = analysis.speech_extent(threshold) or (0.0, take.length / SAMPLE_RATE)
        cues.extend(sentence_cues(take.text, base + onset, base + offset))
    return cues


def _report_json(*, basename: str, tags: EpisodeTags, duration: float, audio_bytes: int, measured: Measurement,
                 config: AudioConfig, unprocessed: float, predicted: float, speech_lufs: float, music_lufs: float | None, gain: float,
                 passes: int, silence: SilenceRun, allowed: float, clipped: int, short: list[dict[str, Any]],
                 timeline: Timeline, encoded: Encoded, jobs: int, seconds: float, problems: list[str]) -> str:
    def num(value: float | None, digits: int = 2) -> float | None:
        return round(value, digits) if value is not None and math.isfinite(value) else None

    report = {
        "episode": basename,
        "title": tags.title,
        "audio": f"{basename}.mp3",
        "duration": round(duration, 3),
        "audio_bytes": audio_bytes,
        "bitrate_kbps": config.bitrate,
        "loudness": {
            "integrated_lufs": num(measured.integrated_lufs, 1),
            "true_peak_dbtp": num(measured.true_peak_dbtp, 1),
            "range_lu": num(measured.loudness_range_lu, 1),
            "target_lufs": config.loudness,
            "true_peak_ceiling_dbtp": config.true_peak,
            "before_gain_lufs": num(unprocessed),
            "predicted_lufs": num(predicted),
            "speech_lufs": num(speech_lufs),
            "intro_music_lufs": num(music_lufs),
            "gain_db": num(gain),
            "encode_passes": passes,
            "measured_by": "ffmpeg ebur128=peak=true on the finished MP3",
        },
        "longest_silence": {
            "seconds": num(silence.seconds),
            "at": clock(silence.start),
            "after": describe(silence.after),
            "allowed_seconds": num(allowed),
            "threshold_dbfs": SILENCE_DBFS,
        },
        "clipped_samples": clipped,
        "short_takes": short,
        "sentences": sum(1 for t in timeline.takes if t.role == "sentence"),
        "chapters": len(timeline.chapters),
        "encoder": {"parts": len(encoded.parts), "jobs": jobs, "frames": sum(encoded.frames)},
        "mastering_seconds": round(seconds, 2),
        "problems": problems,
    }
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
