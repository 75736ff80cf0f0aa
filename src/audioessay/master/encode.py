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
that frame gap (1152 to 2303 samples, 1728 on average), the pause plays within 13 ms of its
planned length; :class:`Encoded` maps every timeline position to its exact place in the file.
A part's content depends only on its own pieces and the pauses at its two ends, never on
where earlier parts ended: that is what lets an unchanged part be reused.
"""

from __future__ import annotations

import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audioessay.errors import MasteringError
from audioessay.fsutil import disk_full, disk_is_full, no_space_message
from audioessay.master.ffmpeg import stderr_tail
from audioessay.master.limiter import Limiter
from audioessay.master.pcm import SAMPLE_RATE
from audioessay.master.timeline import IntroLayout, Silence, Take, Timeline
from audioessay.system import lame_path

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

_INT16_SCALE = np.float32(32767.0)
FEED = SAMPLE_RATE // 4  # samples handed to the limiter at a time


@dataclass(frozen=True)
class Part:
    """A stretch of the timeline for one encoder: input samples [start, end)."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


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
    return [*parts, Part(start, timeline.total)]


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
                said = errors.read()
                if no_space_message(said) or disk_is_full(out):  # LAME says "Error writing mp3 output"
                    raise disk_full(out)
                raise MasteringError(f"the MP3 encoder failed (exit {process.returncode}): "
                                     f"{stderr_tail(said)}", hint="check that lame 3.100 is installed")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return xing_frames(out) or 0


def _int16(samples: np.ndarray) -> bytes:
    """16-bit PCM, rounded: half the pipe traffic of float, and 98 dB below full scale is far under
    what a 96 kbps MP3 keeps. The limiter keeps every sample under full scale."""
    return np.rint(samples * _INT16_SCALE).astype("<i2").tobytes()


# --------------------------------------------------------------------------- joining

_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_INFO_FLAGS = 0x0F  # frames, bytes, TOC and quality fields present
_LAME_TAG = 4 + 4 + 4 + 4 + 100 + 4  # the LAME extension starts this far after "Info"


def _crc16_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC16 = _crc16_table()  # CRC-16 (polynomial 0x8005, reflected): LAME's tag and music CRCs


def crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        crc = (crc >> 8) ^ _CRC16[(crc ^ byte) & 0xFF]
    return crc


def _gf2_times(matrix: list[int], vector: int) -> int:
    out, column = 0, 0
    while vector:
        if vector & 1:
            out ^= matrix[column]
        vector >>= 1
        column += 1
    return out


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, column) for column in matrix]


def crc16_combine(first: int, second: int, second_length: int) -> int:
    """The CRC-16 of A + B from crc(A), crc(B) and len(B), without reading either (zlib's method)."""
    if second_length <= 0:
        return first
    odd = [0xA001] + [1 << n for n in range(15)]  # the register after one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    length = second_length
    while True:
        even = _gf2_square(odd)  # the first pass: one zero byte
        if length & 1:
            first = _gf2_times(even, first)
        length >>= 1
        if not length:
            break
        odd = _gf2_square(even)
        if length & 1:
            first = _gf2_times(odd, first)
        length >>= 1
        if not length:
            break
    return first ^ second


@dataclass(frozen=True)
class _PartFile:
    path: Path
    info: bytes  # the Info frame
    audio_start: int  # where the audio frames start in the file, and how many bytes they take
    audio_bytes: int
    frames: int
    delay: int
    padding: int
    music_crc: int


def _read_part(path: Path) -> _PartFile:
    """A part's Info frame and where its audio frames are (the audio itself is not read)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
        size = handle.seek(0, 2)
        handle.seek(max(0, size - 128))
        tail = handle.read(128)
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        raise MasteringError("an encoded part does not start with an MP3 frame", path=path,
                             hint="delete the output folder's .encoded/ so the part is encoded again")
    header = int.from_bytes(head[:4], "big")
    length = 144 * _BITRATES[(header >> 12) & 15] * 1000 // SAMPLE_RATE + ((header >> 9) & 1)
    at = head.find(b"Info", 0, 64)
    if at < 0 or length < at + _LAME_TAG + 36 or length > len(head):
        raise MasteringError("an encoded part has no LAME Info header", path=path,
                             hint="delete the output folder's .encoded/ so the part is encoded again")
    info = head[:length]
    frames = struct.unpack(">I", info[at + 8: at + 12])[0]
    lame = at + _LAME_TAG
    delay = (info[lame + 21] << 4) | (info[lame + 22] >> 4)
    padding = ((info[lame + 22] & 0x0F) << 8) | info[lame + 23]
    end = size - 128 if tail[:3] == b"TAG" else size  # an ID3v1 tag is not audio
    return _PartFile(Path(path), info, length, end - length, frames, delay, padding,
                     struct.unpack(">H", info[lame + 32: lame + 34])[0])


def join(paths: list[Path], out: Path, tag: bytes = b"") -> None:
    """Write ``tag`` (an ID3v2 tag) and the part MP3s' frames into ``out``, with one LAME Info
    header for the whole file.

    The header is the first part's, with the totals of the whole: frames, bytes, a CBR seek
    table, the first part's encoder delay and the last part's padding (so decoders trim
    exactly the joined file's delay and padding), the music length and CRCs. The audio is
    copied a megabyte at a time: memory does not grow with the episode.
    """
    parts = [_read_part(p) for p in paths]
    first, last = parts[0], parts[-1]
    info = bytearray(first.info)
    at = info.find(b"Info")
    frames = sum(p.frames for p in parts)
    total = len(info) + sum(p.audio_bytes for p in parts)
    struct.pack_into(">III", info, at + 4, _INFO_FLAGS, frames, total)
    info[at + 16: at + 116] = bytes(min(255, i * 256 // 100) for i in range(100))  # CBR: a straight line
    lame = at + _LAME_TAG
    info[lame + 21: lame + 24] = bytes([first.delay >> 4, ((first.delay & 0x0F) << 4) | (last.padding >> 8),
                                        last.padding & 0xFF])
    music_crc = first.music_crc
    for part in parts[1:]:
        music_crc = crc16_combine(music_crc, part.music_crc, part.audio_bytes)
    struct.pack_into(">IH", info, lame + 28, total, music_crc)
    # The tag CRC covers everything before it (190 bytes in a stereo frame, 175 in a mono one).
    struct.pack_into(">H", info, lame + 34, crc16(bytes(info[: lame + 34])))
    with open(out, "wb") as handle:
        handle.write(tag)
        handle.write(info)
        for part in parts:
            with open(part.path, "rb") as source:
                source.seek(part.audio_start)
                left = part.audio_bytes
                while left > 0:
                    chunk = source.read(min(left, 1 << 20))
                    if not chunk:
                        raise MasteringError("an encoded part is shorter than its header says", path=part.path,
                                             hint="delete the output folder's .encoded/ so it is encoded again")
                    handle.write(chunk)
                    left -= len(chunk)
