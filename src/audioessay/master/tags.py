"""ID3v2.4 tags on the episode MP3: title, show, date, description, cover art and chapters."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TRCK, CTOCFlags
from PIL import Image

from audioessay.errors import MasteringError
from audioessay.fsutil import disk_full_as_error, sha256_file_cached

# ISO 639-1 to the ISO 639-2 codes ID3 expects; "XXX" is ID3's "unknown language".
_LANGUAGES = {
    "en": "eng", "de": "ger", "fr": "fre", "es": "spa", "it": "ita", "nl": "dut", "pt": "por", "sv": "swe",
    "da": "dan", "no": "nor", "nb": "nob", "fi": "fin", "pl": "pol", "ru": "rus", "ja": "jpn", "zh": "chi",
    "cs": "cze", "el": "gre", "tr": "tur", "uk": "ukr", "hu": "hun", "ro": "rum", "ko": "kor", "ar": "ara",
}


@dataclass(frozen=True)
class EpisodeTags:
    """What the MP3's tags say. ``album`` is the show; ``date`` is YYYY-MM-DD."""

    title: str
    artist: str
    album: str
    date: str
    track: int
    description: str
    cover: Path | None
    language: str = "en"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.date):
            raise ValueError(f"EpisodeTags.date must be YYYY-MM-DD, not {self.date!r}")
        dt.date.fromisoformat(self.date)  # a real day
        if self.track < 0:
            raise ValueError(f"EpisodeTags.track must not be negative, not {self.track}")

    @property
    def id3_language(self) -> str:
        code = self.language.lower().replace("_", "-").split("-")[0]
        return _LANGUAGES.get(code, code if len(code) == 3 else "XXX")


EMBEDDED_COVER_PX = 600  # the cover in the tags: at most this many pixels a side (the feed's stays full size)
EMBEDDED_COVER_QUALITY = 85  # JPEG quality of a cover made smaller
_COVERS: dict[str, tuple[bytes, str]] = {}  # sha256 of the cover file -> (embedded bytes, MIME type)
_COVERS_LOCK = threading.Lock()


def _read_cover(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise MasteringError(f"cannot read the cover art: {exc.strerror}", path=path,
                             hint="check the cover path in audioessay.toml") from None


def embedded_cover(path: Path) -> tuple[bytes, str]:
    """The cover art as the episode's tags hold it: (bytes, MIME type).

    A 3000 px podcast cover is some 300 KB, a third of a one-minute episode, in every episode
    file; players show it a few hundred pixels wide. A cover larger than
    :data:`EMBEDDED_COVER_PX` a side is embedded as a smaller JPEG, made once per cover
    content in this process (by its SHA-256), not once per episode."""
    path = Path(path)
    try:
        key = sha256_file_cached(path)
    except OSError as exc:
        raise MasteringError(f"cannot read the cover art: {exc.strerror}", path=path,
                             hint="check the cover path in audioessay.toml") from None
    with _COVERS_LOCK:
        found = _COVERS.get(key)
    if found is None:
        found = _smaller_cover(_read_cover(path), path)
        with _COVERS_LOCK:
            while len(_COVERS) >= 4:
                del _COVERS[next(iter(_COVERS))]
            _COVERS[key] = found
    return found


def _smaller_cover(data: bytes, path: Path) -> tuple[bytes, str]:
    if data.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    else:
        raise MasteringError("cover art is neither JPEG nor PNG", path=path, hint="convert it to JPEG or PNG")
    size = (EMBEDDED_COVER_PX, EMBEDDED_COVER_PX)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if max(image.size) <= EMBEDDED_COVER_PX:
                image.load()
                return data, mime  # small already: as it is
            # A JPEG is decoded at a fraction of its size (1/2, 1/4...): a 3000 px cover would
            # take some 100 MB in each worker to decode whole and convert, for a 600 px copy.
            image.draft("RGB", size)
            image.thumbnail(size, Image.Resampling.LANCZOS)
            small = image.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise MasteringError(f"cannot read the cover art: {exc}", path=path,
                             hint="check that the file is a whole JPEG or PNG image") from None
    flat = Image.new("RGB", small.size, (255, 255, 255))
    flat.paste(small, mask=small.getchannel("A"))  # a transparent PNG on white, as a JPEG must be
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=EMBEDDED_COVER_QUALITY, optimize=True)
    return out.getvalue(), "image/jpeg"


def _cover_frame(path: Path) -> APIC:
    data, mime = embedded_cover(path)
    return APIC(encoding=3, mime=mime, type=3, desc="Cover", data=data)


MAX_CHAPTERS = 255  # an ID3 CTOC counts its children in one byte; so does an MP4's Nero chapter list
MAX_TITLE_BYTES = 255  # a chapter title in the tags (UTF-8); an MP4's Nero list stores its length in one byte

Chapters = list[tuple[int, int, str]]


def tag_chapters(chapters: Chapters, limit: int = MAX_CHAPTERS) -> Chapters:
    """``chapters`` (start ms, end ms, title) as the MP3's and MP4's tags can hold them.

    More than ``limit``: neighbours are merged evenly into ``limit`` groups, each from its first
    chapter's start to its last one's end, under its first title, so the chapters still cover the
    whole episode in order (chapters.json and the transcripts keep every one). A title is cut to
    :data:`MAX_TITLE_BYTES` of UTF-8 (at a character, with an ellipsis); an empty one is named by
    its number."""
    count = len(chapters)
    if count > limit:
        groups = [chapters[i * count // limit: (i + 1) * count // limit] for i in range(limit)]
        chapters = [(group[0][0], group[-1][1], group[0][2]) for group in groups]
    return [(start, end, _short_title(title) if title.strip() else f"Chapter {number}")
            for number, (start, end, title) in enumerate(chapters, 1)]


def _short_title(title: str) -> str:
    title = tag_text(title)
    if len(title.encode("utf-8")) <= MAX_TITLE_BYTES:
        return title
    cut = title.encode("utf-8")[: MAX_TITLE_BYTES - 3].decode("utf-8", "ignore")  # 3: the ellipsis
    return cut.rstrip() + "\u2026"


def write_tags(path: Path, tags: EpisodeTags, chapters: Chapters) -> None:
    """Replace every tag on ``path`` with ID3v2.4 frames; ``chapters`` are (start ms, end ms, title).
    A full disk is a :class:`DiskFullError` (mutagen's error wraps the ``OSError``)."""
    with disk_full_as_error(path):
        _frames(tags, chapters).save(path, v2_version=4)


def tag_bytes(tags: EpisodeTags, chapters: list[tuple[int, int, str]]) -> bytes:
    """The ID3v2.4 tag :func:`write_tags` would write, as bytes to put in front of the MP3 frames
    (so a new file is written once, tag first, instead of the tag being inserted afterwards)."""
    buffer = io.BytesIO()
    _frames(tags, chapters).save(buffer, v2_version=4)
    return buffer.getvalue()


_SURROGATE = re.compile("[\ud800-\udfff]")


def tag_text(text: str) -> str:
    """``text`` as tags can store it: a lone surrogate (front matter can carry one) becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def _frames(tags: EpisodeTags, chapters: list[tuple[int, int, str]]) -> ID3:
    tags = dataclasses.replace(tags, title=tag_text(tags.title), artist=tag_text(tags.artist),
                               album=tag_text(tags.album), description=tag_text(tags.description))
    chapters = tag_chapters(chapters)
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=[tags.title]))
    id3.add(TPE1(encoding=3, text=[tags.artist]))
    id3.add(TALB(encoding=3, text=[tags.album]))
    id3.add(TDRC(encoding=3, text=[tags.date]))
    id3.add(TRCK(encoding=3, text=[str(tags.track)]))
    id3.add(TCON(encoding=3, text=["Podcast"]))
    if tags.id3_language != "XXX":
        id3.add(TLAN(encoding=3, text=[tags.id3_language]))
    if tags.description:
        id3.add(COMM(encoding=3, lang=tags.id3_language, desc="", text=[tags.description]))
    if tags.cover is not None:
        id3.add(_cover_frame(tags.cover))
    ids = [f"chp{index}" for index in range(len(chapters))]
    if chapters:
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                     sub_frames=[TIT2(encoding=3, text=["Chapters"])]))
    for element_id, (start, end, title) in zip(ids, chapters):
        # 0xFFFFFFFF: no byte offsets; players use the times.
        id3.add(CHAP(element_id=element_id, start_time=start, end_time=end, start_offset=0xFFFFFFFF,
                     end_offset=0xFFFFFFFF, sub_frames=[TIT2(encoding=3, text=[title])]))
    return id3
