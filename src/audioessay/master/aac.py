"""The optional AAC copy of an episode (``audio.aac = true``): ``<slug>.m4a`` beside the MP3.

It is made from the finished MP3 (decoded, then encoded with ffmpeg's AAC encoder at the same
bitrate), so it has the same loudness, timing and chapters; the tags (title, show, date, track,
description, cover) are MP4 atoms written with mutagen, the chapters are the MP4 chapter list.
An MP3 made from PCM and an AAC made from that MP3 is one more lossy generation: at 96 kbps
and up, for speech, it is not audible, and it keeps mastering to one encoder per part.
"""

from __future__ import annotations

import os
from pathlib import Path

from mutagen import MutagenError
from mutagen.mp4 import MP4, MP4Cover

from audioessay.errors import MasteringError
from audioessay.fsutil import disk_full_as_error, temp_sibling
from audioessay.master.ffmpeg import file_arg, run_ffmpeg
from audioessay.master.tags import EpisodeTags, embedded_cover, tag_chapters, tag_text


def _metadata_value(text: str) -> str:
    """ffmpeg's FFMETADATA escaping: ``=``, ``;``, ``#``, ``\\`` and newlines get a backslash."""
    out = []
    for char in text:
        if char in "=;#\\\n":
            out.append("\\")
        out.append(char)
    return "".join(out)


def _ffmetadata(chapters: list[tuple[int, int, str]]) -> str:
    """The chapters as the MP3's tags hold them (at most 255, titles of at most 255 bytes): an MP4's
    Nero chapter list counts them, and each title's length, in one byte (ffmpeg would drop the
    chapters past 255 and cut a title inside a character)."""
    lines = [";FFMETADATA1"]
    for start, end, title in tag_chapters(chapters):
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}",
                  f"title={_metadata_value(title)}"]
    return "\n".join(lines) + "\n"


def write_aac(mp3: Path, out: Path, *, bitrate: int, tags: EpisodeTags,
              chapters: list[tuple[int, int, str]]) -> Path:
    """Encode ``mp3`` as AAC into ``out`` (atomically) with tags and chapters; return ``out``."""
    temporary = temp_sibling(out)
    metadata = temp_sibling(out.with_suffix(".txt"))
    try:
        with disk_full_as_error(out, check=(MutagenError,)):  # mutagen wraps the OSError it met
            _encode(mp3, temporary, metadata, bitrate=bitrate, tags=tags, chapters=chapters)
            os.replace(temporary, out)
    except (OSError, MutagenError) as exc:
        raise MasteringError(f"cannot write the AAC copy: {getattr(exc, 'strerror', None) or exc}", path=out,
                             hint="check the free space of the output folder and the cover file") from None
    finally:
        for path in (temporary, metadata):
            if path.exists():
                path.unlink()
    return out


def _encode(mp3: Path, temporary: Path, metadata: Path, *, bitrate: int, tags: EpisodeTags,
            chapters: list[tuple[int, int, str]]) -> None:
    """The AAC copy in ``temporary``, with its chapters (through ``metadata``) and tags."""
    metadata.write_text(_ffmetadata(chapters), encoding="utf-8")
    run_ffmpeg(["-i", file_arg(mp3), "-f", "ffmetadata", "-i", file_arg(metadata), "-map", "0:a",
                "-map_metadata", "1", "-map_chapters", "1", "-c:a", "aac", "-b:a", f"{bitrate}k",
                "-ac", "1", "-ar", "44100", "-movflags", "+faststart", "-f", "mp4", "-y",
                file_arg(temporary)], what="encoding the AAC copy")
    audio = MP4(temporary)
    audio["\xa9nam"] = [tag_text(tags.title)]
    audio["\xa9ART"] = [tag_text(tags.artist)]
    audio["\xa9alb"] = [tag_text(tags.album)]
    audio["\xa9day"] = [tags.date]
    audio["trkn"] = [(tags.track, 0)]
    audio["\xa9gen"] = ["Podcast"]
    if tags.description:
        audio["desc"] = [tag_text(tags.description)]
    if tags.cover is not None:
        data, mime = embedded_cover(Path(tags.cover))
        kind = MP4Cover.FORMAT_PNG if mime == "image/png" else MP4Cover.FORMAT_JPEG
        audio["covr"] = [MP4Cover(data, imageformat=kind)]
    audio.save()
