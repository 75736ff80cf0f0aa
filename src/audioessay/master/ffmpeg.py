"""Running ffmpeg and ffprobe (found by :mod:`audioessay.system`).

Commands are argument lists (never a shell). Every file name goes through :func:`file_arg`,
so a name starting with ``-`` or looking like a URL (``http:...``) is always read as a file.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from audioessay.errors import MasteringError
from audioessay.fsutil import disk_full, disk_is_full, no_space_message
from audioessay.system import ffmpeg_path, ffprobe_path

# Options every ffmpeg call gets: never read the terminal, no banner, no progress lines.
_QUIET = ("-nostdin", "-hide_banner", "-nostats")


def file_arg(path: Path | str) -> str:
    """``path`` as an ffmpeg input/output argument that can never be taken for an option or URL."""
    return "file:" + str(path)


def ffmpeg_command(*args: str, loglevel: str = "error") -> list[str]:
    """A complete ffmpeg command line: the tool, quiet options, then ``args``."""
    return [ffmpeg_path(), *_QUIET, "-loglevel", loglevel, *args]


def stderr_tail(text: str | bytes, lines: int = 6) -> str:
    """The last few lines of a tool's error output, on one line, for an error message."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept) or "no error output"


def output_file(args: list[str]) -> Path | None:
    """The file an ffmpeg command writes: its last ``file:`` argument that is not an input."""
    for index in range(len(args) - 1, -1, -1):
        if args[index].startswith("file:") and (index == 0 or args[index - 1] != "-i"):
            return Path(args[index][len("file:"):])
    return None


def run_ffmpeg(args: list[str], *, what: str, loglevel: str = "error",
               input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args``; a failure becomes a :class:`MasteringError` about ``what``, or a
    :class:`DiskFullError` when the disk of the file it writes is full."""
    command = ffmpeg_command(*args, loglevel=loglevel)
    result = subprocess.run(command, input=input, capture_output=True, check=False)
    if result.returncode != 0:
        output = output_file(args)
        if output is not None and (no_space_message(result.stderr) or disk_is_full(output)):
            raise disk_full(output)
        raise MasteringError(
            f"ffmpeg failed while {what} (exit {result.returncode}): {stderr_tail(result.stderr)}",
            hint="check that the file is a readable audio file and that the disk is not full",
        )
    return result


def decode_to_float32(path: Path, *, sample_rate: int = 44100, max_seconds: float | None = None) -> bytes:
    """Decode any audio file ffmpeg reads to mono float32 PCM at ``sample_rate`` (raw bytes)."""
    if not Path(path).is_file():
        raise MasteringError("audio file not found", path=path, hint="check the path in audioessay.toml")
    limit = ["-t", f"{max_seconds:.3f}"] if max_seconds is not None else []
    result = run_ffmpeg(
        ["-i", file_arg(path), *limit, "-map", "0:a:0", "-ac", "1", "-ar", str(sample_rate),
         "-f", "f32le", "pipe:1"],
        what=f"decoding {path}",
    )
    return result.stdout


def probe(path: Path) -> dict[str, Any]:
    """ffprobe's view of the first audio stream and the container (codec, rate, channels, duration)."""
    command = [ffprobe_path(), "-v", "error", "-select_streams", "a:0", "-show_entries",
               "stream=codec_name,sample_rate,channels,bit_rate:format=duration,bit_rate,format_name",
               "-of", "json", file_arg(path)]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        raise MasteringError(f"ffprobe cannot read the file: {stderr_tail(result.stderr)}", path=path)
    data = json.loads(result.stdout or b"{}")
    streams = data.get("streams") or [{}]
    return {**streams[0], **{f"format_{k}": v for k, v in data.get("format", {}).items()}}
