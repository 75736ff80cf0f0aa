"""MP3 encoding: gain and limiter in the encode pass, several encoders in parallel, exact timing.

Encoding dominates the cost of an episode, so the timeline is cut into parts inside pauses,
each part is streamed (float PCM through a pipe) into its own ffmpeg/LAME process, and the
parts are joined with the concat demuxer (``-c copy``).

Why the timing stays exact: LAME turns N samples into ``ceil(N / 1152) + 1`` frames of 1152
samples: 1105 samples of encoder delay before the audio and the rest as padding after it.
A decoder skips the delay and padding of the joined file as a whole (its LAME header), but
inside the join it plays part k's padding and part k+1's delay. So part k+1 starts its input
exactly ``frames(k) * 1152`` samples after part k's input started, and the samples in between,
pure silence inside a pause, are simply not encoded: the decoded episode has every sample
where the timeline put it, and the same total length.

One more measured quirk: ffmpeg 5.1 records at most 1681 samples of padding in the LAME
header, so when the last part's length is 1 to 46 samples past a multiple of 1152 the decoded
file is up to 46 samples too long. The last part then gets a few more samples of silence and
:attr:`Encoded.total` says so.
"""

from __future__ import annotations

import itertools
import struct
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioessay.errors import MasteringError
from audioessay.master.ffmpeg import ffmpeg_command, file_arg, run_ffmpeg, stderr_tail
from audioessay.master.pcm import SAMPLE_RATE
from audioessay.master.timeline import Silence, Timeline

FRAME = 1152  # samples per MPEG-1 Layer III frame
SPLIT_MARGIN = 441  # keep 10 ms of the pause on each side of a cut
MIN_SPLIT_PAUSE = 4410  # a pause must be 100 ms long to hold a cut (margins plus up to 2303 dropped)
MIN_PART = 5 * SAMPLE_RATE  # not worth a process for less
LIMITER_MARGIN_DB = 1.5  # the limiter's sample-peak ceiling sits this far under the true-peak target
# LAME 3.100 plays back about 0.45 dB quieter than its input, evenly across the spectrum (measured
# with ffmpeg's decoder and mpg123 on tones and speech, 64-192 kbps); the gain makes up for it.
ENCODER_LEVEL_DB = -0.45


MAX_RECORDED_PADDING = 1681  # ffmpeg's LAME header never says more (1152 + 529)
ENCODER_DELAY = 576  # LAME's own delay, as the header records it


def lame_frames(samples: int) -> int:
    """Frames LAME writes for ``samples`` (measured with ffmpeg 5.1/LAME 3.100, checked after each encode)."""
    return 0 if samples <= 0 else -(-samples // FRAME) + 1


@dataclass(frozen=True)
class Part:
    """A stretch of the timeline for one encoder: input samples [start, end)."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


def plan_parts(timeline: Timeline, jobs: int) -> list[Part]:
    """Cut the timeline into up to ``jobs`` parts, each cut inside a pause near an even share."""
    parts: list[Part] = []
    start = 0
    pauses = [p for p in timeline.pieces if isinstance(p, Silence) and p.length >= MIN_SPLIT_PAUSE]
    for k in range(1, max(1, jobs)):
        target = timeline.total * k // jobs
        best = None
        for pause in pauses:
            end = pause.start + SPLIT_MARGIN
            next_start = start + lame_frames(end - start) * FRAME
            fits = end - start >= MIN_PART and next_start <= pause.start + pause.length - SPLIT_MARGIN
            closer = best is None or abs(end - target) < abs(best[0] - target)
            if fits and timeline.total - next_start >= MIN_PART and closer:
                best = (end, next_start)
        if best is None:
            break
        parts.append(Part(start, best[0]))
        start = best[1]
    parts.append(Part(start, timeline.total))
    return parts


@dataclass(frozen=True)
class EncodeSettings:
    bitrate: int  # kbps, constant
    gain_db: float
    limit_dbfs: float  # the limiter's sample-peak ceiling

    def filters(self) -> str:
        # level=disabled: alimiter would otherwise normalize to 0 dBFS. latency=1: no delay,
        # the same number of samples out as in, so the timeline stays exact.
        limit = min(1.0, 10 ** (self.limit_dbfs / 20))
        return (f"volume={self.gain_db:.3f}dB,"
                f"alimiter=limit={limit:.5f}:attack=5:release=50:level=disabled:latency=1")


def _encoder_args(settings: EncodeSettings, out: Path) -> list[str]:
    return ffmpeg_command(
        "-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0",
        "-af", settings.filters(),
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate}k", "-compression_level", "7",
        "-ar", str(SAMPLE_RATE), "-ac", "1", "-id3v2_version", "0", "-write_xing", "1",
        "-f", "mp3", "-y", file_arg(out),
    )


def xing_frames(path: Path) -> int | None:
    """Audio frames in an MP3 as its Xing/Info header counts them (None if there is none)."""
    with open(path, "rb") as handle:
        data = handle.read(4096)
    if data[:3] == b"ID3":
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        with open(path, "rb") as handle:
            handle.seek(10 + size)
            data = handle.read(4096)
    for tag in (b"Info", b"Xing"):
        at = data.find(tag)
        if 0 <= at < 64:
            flags = struct.unpack(">I", data[at + 4: at + 8])[0]
            return struct.unpack(">I", data[at + 8: at + 12])[0] if flags & 1 else None
    return None


class _Encoder:
    """One ffmpeg process reading float PCM from its stdin."""

    def __init__(self, settings: EncodeSettings, out: Path, log: Path) -> None:
        self.out = out
        # A file, not a pipe: a chatty ffmpeg can never block us. Closed in close().
        self._log = open(log, "w+b")  # noqa: SIM115
        self.process = subprocess.Popen(_encoder_args(settings, out), stdin=subprocess.PIPE,
                                        stdout=subprocess.DEVNULL, stderr=self._log)

    def feed(self, chunks: Iterator[np.ndarray]) -> None:
        assert self.process.stdin is not None
        try:
            for chunk in chunks:
                self.process.stdin.write(chunk.astype("<f4", copy=False).tobytes())
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg died; wait() reports why
        if self.process.wait() != 0:
            self._log.seek(0)
            raise MasteringError(f"the MP3 encoder failed (exit {self.process.returncode}): "
                                 f"{stderr_tail(self._log.read())}", hint="check that ffmpeg has libmp3lame")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


def end_padding(samples: int) -> int:
    """Silence to add after the last part so the LAME header can record all of its padding."""
    padding = lame_frames(samples) * FRAME - samples - ENCODER_DELAY
    return max(0, padding - MAX_RECORDED_PADDING)  # fewer frames would not do: this keeps the frame count


@dataclass(frozen=True)
class Encoded:
    path: Path
    parts: tuple[Part, ...]
    frames: tuple[int, ...]  # frames each part really got
    shift: tuple[int, ...]  # samples each part's audio lands later than planned (0 when LAME behaves)
    total: int  # samples in the decoded file
    part_files: tuple[Path, ...]  # the parts as encoded (``path`` itself when there is one part)

    def time_map(self, sample: int) -> int:
        """Where a timeline sample is in the decoded MP3."""
        for part, shift in zip(reversed(self.parts), reversed(self.shift)):
            if sample >= part.start:
                return sample + shift
        return sample



def encode(timeline: Timeline, render: Callable[[int, int], Iterator[np.ndarray]], settings: EncodeSettings,
           out: Path, *, jobs: int, work: Path) -> Encoded:
    """Encode the timeline to ``out`` (an MP3), with up to ``jobs`` encoders running at once.

    Parts and logs go to ``work`` (a private folder the caller removes); the parts stay there
    so they can be measured in parallel.
    """
    parts = plan_parts(timeline, jobs)
    extra = end_padding(parts[-1].length)
    paths = [work / f"part{k}.mp3" for k in range(len(parts))] if len(parts) > 1 else [out]
    encoders: list[_Encoder] = []
    lock = threading.Lock()

    def run(k: int) -> None:
        encoder = _Encoder(settings, paths[k], work / f"part{k}.log")
        with lock:
            encoders.append(encoder)
        chunks = render(parts[k].start, parts[k].end)
        if k == len(parts) - 1 and extra:
            chunks = itertools.chain(chunks, [np.zeros(extra, np.float32)])
        encoder.feed(chunks)

    try:
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            for future in [pool.submit(run, k) for k in range(len(parts))]:
                future.result()
    finally:
        for encoder in encoders:
            encoder.close()
    frames = tuple(xing_frames(p) or lame_frames(part.length) for p, part in zip(paths, parts))
    if len(parts) > 1:
        _concat(paths, work, out)
    shift, offset = [], 0
    for k, part in enumerate(parts):
        shift.append(offset - part.start)
        offset += frames[k] * FRAME
    return Encoded(out, tuple(parts), frames, tuple(shift), timeline.total + shift[-1] + extra, tuple(paths))


def _concat(paths: list[Path], work: Path, out: Path) -> None:
    listing = work / "parts.txt"
    # Plain names beside the list: the concat demuxer resolves them relative to it.
    listing.write_text("".join(f"file '{p.name}'\n" for p in paths), encoding="utf-8")
    run_ffmpeg(["-f", "concat", "-i", file_arg(listing), "-c", "copy", "-id3v2_version", "0",
                "-write_xing", "1", "-f", "mp3", "-y", file_arg(out)], what="joining the encoded parts")
