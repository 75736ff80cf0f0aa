"""MP3 encoding in parts: cut inside pauses, each part encoded by its own LAME, joined frame-exactly.

Why parts: encoding dominates the cost of an episode. Parts let both cores encode, and a
part whose content did not change is not encoded again (an edited sentence re-encodes only
its part; see episode.py).

Where the cuts go (:func:`plan_parts`): inside pauses, chosen from the content so that an edit
moves no cut but its own. A pause after a sentence becomes a cut when the part has reached
PART_MIN and either reaches PART_MAX or the sentence's text hashes to 0 modulo CUT_EVERY. The
intro is always a part of its own.

Why the timing stays exact: LAME turns N samples into ``ceil(N / 1152) + 1`` frames of 1152
samples (576 samples of encoder delay, plus the decoder's 529, before the audio, padding after
it). A decoder skips the delay and padding of the joined file as a whole (its LAME header), but
inside the join it plays part k's padding and part k+1's delay. So part k+1's first input
sample plays exactly ``frames(k) * 1152`` samples after part k's first input sample. Each cut
pause is shared out as part k's trailing silence and part k+1's leading silence so that, with
that frame gap (1153 to 2304 samples, 1728 on average), the pause plays within 13 ms of its
planned length; :class:`Encoded` maps every timeline position to its exact place in the file.
A part's content depends only on its own pieces and the pauses at its two ends, never on
where earlier parts ended: that is what lets an unchanged part be reused.

One more measured quirk: ffmpeg 5.1 records at most 1681 samples of padding in the LAME header
of a joined file, so when the last part's length is 1 to 46 samples past a multiple of 1152 the
decoded file is up to 46 samples too long. The last part then gets a few more samples of silence
and :attr:`Encoded.total` says so.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioessay.errors import MasteringError, ToolMissingError
from audioessay.master.ffmpeg import file_arg, run_ffmpeg, stderr_tail
from audioessay.master.limiter import Limiter
from audioessay.master.pcm import SAMPLE_RATE
from audioessay.master.timeline import IntroLayout, Silence, Take, Timeline
from audioessay.voice.system import install_hint

FRAME = 1152  # samples per MPEG-1 Layer III frame
FRAME_GAP = FRAME + FRAME // 2  # the average samples a join adds between two parts' inputs
CUT_MARGIN = 441  # at least 10 ms of the pause stays on each side of a cut
MIN_CUT_PAUSE = FRAME_GAP + 2 * CUT_MARGIN + FRAME // 2  # 60 ms: shorter pauses are never cut
PART_MIN = 20 * SAMPLE_RATE
PART_MAX = 120 * SAMPLE_RATE
CUT_EVERY = 5  # about one sentence end in five past PART_MIN becomes a cut: parts of about a minute
LIMITER_MARGIN_DB = 1.5  # the limiter's sample-peak ceiling sits this far under the true-peak target
# LAME 3.100 plays back about 0.45 dB quieter than its input, evenly across the spectrum (measured
# with ffmpeg's decoder and mpg123 on tones and speech, 64-192 kbps); the gain makes up for it.
ENCODER_LEVEL_DB = -0.45
LAME_QUALITY = "7"  # LAME's fast mode: no audible difference on speech at these bitrates, 40% faster

MAX_RECORDED_PADDING = 1681  # ffmpeg's LAME header never says more (1152 + 529)
ENCODER_DELAY = 576  # LAME's own delay, as the header records it
_INT16_SCALE = np.float32(32767.0)
FEED = SAMPLE_RATE // 4  # samples handed to the limiter at a time


def lame_frames(samples: int) -> int:
    """Frames LAME writes for ``samples`` (measured with LAME 3.100, checked after each encode)."""
    return 0 if samples <= 0 else -(-samples // FRAME) + 1


def end_padding(samples: int) -> int:
    """Silence to add after the last part so the LAME header can record all of its padding."""
    padding = lame_frames(samples) * FRAME - samples - ENCODER_DELAY
    return max(0, padding - MAX_RECORDED_PADDING)  # fewer frames would not do: this keeps the frame count


@dataclass(frozen=True)
class Part:
    """A stretch of the timeline for one encoder: input samples [start, end), then ``extra`` zeros."""

    start: int
    end: int
    extra: int = 0

    @property
    def length(self) -> int:
        return self.end - self.start + self.extra


def _cut_here(text: str) -> bool:
    return zlib.crc32(text.encode("utf-8")) % CUT_EVERY == 0


def plan_parts(timeline: Timeline) -> list[Part]:
    """Cut the timeline into parts inside pauses (see the module docstring)."""
    parts: list[Part] = []
    start = 0
    pieces = timeline.pieces
    for index in range(1, len(pieces) - 1):
        pause, before = pieces[index], pieces[index - 1]
        if not isinstance(pause, Silence) or pause.length < MIN_CUT_PAUSE:
            continue
        elapsed = pause.start - start
        left = timeline.total - (pause.start + pause.length)
        if isinstance(before, IntroLayout):
            cut = True
        elif isinstance(before, Take):
            cut = elapsed >= PART_MIN and left >= PART_MIN // 2 and (elapsed >= PART_MAX or _cut_here(before.text))
        else:
            cut = False
        if cut:
            lead = (pause.length - FRAME_GAP) // 2
            trail = pause.length - FRAME_GAP - lead
            parts.append(Part(start, pause.start + trail))
            start = pause.start + pause.length - lead
    last = Part(start, timeline.total)
    if parts:
        last = Part(start, timeline.total, end_padding(last.length))
    return [*parts, last]


@dataclass(frozen=True)
class Encoded:
    """Where the parts landed in the joined file."""

    parts: tuple[Part, ...]
    frames: tuple[int, ...]  # frames each part got
    total: int  # samples in the decoded file

    def offsets(self) -> list[int]:
        """Where each part's first input sample plays in the decoded file."""
        out, position = [], 0
        for frames in self.frames:
            out.append(position)
            position += frames * FRAME
        return out

    def time_map(self, sample: int) -> int:
        """Where a timeline sample plays in the decoded file."""
        for part, offset in zip(reversed(self.parts), reversed(self.offsets())):
            if sample >= part.start:
                return offset + sample - part.start
        return sample

    @classmethod
    def of(cls, parts: list[Part], frames: list[int]) -> Encoded:
        offsets = [0]
        for count in frames[:-1]:
            offsets.append(offsets[-1] + count * FRAME)
        return cls(tuple(parts), tuple(frames), offsets[-1] + parts[-1].length)


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


def lame_path() -> str:
    path = shutil.which("lame")
    if path is None:
        raise ToolMissingError("lame (the MP3 encoder) is not installed", hint=install_hint("lame"))
    return path


def encode_part(chunks: Iterator[np.ndarray], limiter: Limiter, bitrate: int, out: Path, log: Path) -> int:
    """Stream ``chunks`` through ``limiter`` into LAME, writing ``out``; return its frame count."""
    command = [lame_path(), "--quiet", "--noreplaygain", "-r", "-s", "44.1", "--bitwidth", "16", "--signed",
               "--little-endian", "-m", "m", "-b", str(bitrate), "--cbr", "-q", LAME_QUALITY, "-",
               str(Path(out).resolve())]  # absolute: a name starting with '-' is never an option
    # A file, not a pipe, for stderr: a chatty encoder can never block us.
    with open(log, "w+b") as errors:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        assert process.stdin is not None
        try:
            try:
                for chunk in chunks:
                    for start in range(0, len(chunk), FEED):  # small pieces: small temporaries
                        process.stdin.write(_int16(limiter.process(chunk[start: start + FEED])))
                process.stdin.write(_int16(limiter.flush()))
                process.stdin.close()
            except BrokenPipeError:
                pass  # LAME died; wait() reports why
            if process.wait() != 0:
                errors.seek(0)
                raise MasteringError(f"the MP3 encoder failed (exit {process.returncode}): "
                                     f"{stderr_tail(errors.read())}", hint="check that lame 3.100 is installed")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return xing_frames(out) or 0


def _int16(samples: np.ndarray) -> bytes:
    """16-bit PCM, rounded: half the pipe traffic of float, and 98 dB below full scale is far under
    what a 96 kbps MP3 keeps. The limiter keeps every sample under full scale."""
    return np.rint(samples * _INT16_SCALE).astype("<i2").tobytes()


def join(paths: list[Path], work: Path, out: Path) -> None:
    """Join part MP3s frame by frame (``-c copy``) into ``out``, with one LAME header for the whole."""
    if len(paths) == 1:
        shutil.copyfile(paths[0], out)
        return
    listing = work / "parts.txt"
    # Absolute names: the concat demuxer resolves relative ones against the list's folder.
    listing.write_text("".join(f"file '{_quoted(p)}'\n" for p in paths), encoding="utf-8")
    run_ffmpeg(["-f", "concat", "-safe", "0", "-i", file_arg(listing), "-c", "copy", "-id3v2_version", "0",
                "-write_xing", "1", "-f", "mp3", "-y", file_arg(out)], what="joining the encoded parts")


def _quoted(path: Path) -> str:
    # The concat list's quoting: ' ends a quoted string; '\'' puts one back.
    return str(path.resolve()).replace("'", "'\\''")
