"""Read an essay from ``seeds/``: bytes -> text -> front matter, title, slug -> :class:`Essay`.

Decoding is forgiving (BOMs, UTF-16, Windows-1252, mojibake repair) but refusals are loud:
an empty, binary, oversized or badly front-mattered essay is an :class:`EssayError` that
names the file and says what to do.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import stat
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import charset_normalizer
import ftfy
import yaml
from yaml.composer import ComposerError

from audioessay.errors import EssayError
from audioessay.fsutil import real_relative, sha256_bytes
from audioessay.models import Block, Essay
from audioessay.text.clean import cap_text, clean_markdown, describe, inline_text
from audioessay.text.memo import EssayMemo

SUFFIXES = (".txt", ".md")
TITLE_MAX = 300  # characters; longer titles are cut at a word with an ellipsis
SLUG_MAX = 80
FALLBACK_SLUG = "episode"
TXT_TITLE_MAX = 120  # a .txt first line longer than this is prose, not a title

# Leading bytes of formats people drop into a folder by mistake.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.odt document)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
    # A text may well start with "ID3" or "RIFF": these carry their binary version bytes.
    (b"ID3\x02", "an MP3 file"),
    (b"ID3\x03", "an MP3 file"),
    (b"ID3\x04", "an MP3 file"),
    (b"OggS\x00", "an Ogg audio file"),
    (b"fLaC\x00", "a FLAC audio file"),
    (b"{\\rtf", "an RTF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
)

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_SAVE_HINT = "save it as UTF-8 text (.txt or .md)"
_EMPTY_HINT = "write the essay, or remove the file from seeds/"


# --------------------------------------------------------------------------- decoding


def _refuse_binary(rel: str, what: str) -> EssayError:
    return EssayError(f"is {what}, not text", path=rel, hint=f"move it out of seeds/, or {_SAVE_HINT}")


def _looks_western(text: str) -> bool:
    """True when a cp1252 reading of the bytes looks like real Latin-script prose.

    charset-normalizer often calls short English/French/German text cp1250 or cp775
    (turning "crème" into "crčme"), so cp1252 wins unless its reading looks wrong: many
    non-ASCII letters (Cyrillic or Greek read as cp1252) or symbols inside words
    ("Za¿ó³æ" is Polish cp1250).
    """
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ord(ch) > 127 for ch in letters) / len(letters) > 0.3:
        return False
    return re.search(r"[^\W\d_][\u00a1-\u00bf\u00d7\u00f7\u0192\u02c6\u02dc][^\W\d_]", text) is None


def _printable_share(text: str) -> float:
    if not text:
        return 0.0
    return sum(1 for ch in text if ch.isprintable() or ch in "\t\n\r\f") / len(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a byte order mark (Windows tools do that), or None.

    Latin-script UTF-16 has a NUL in nearly every other byte: most odd bytes (little-endian) or
    most even bytes (big-endian) are NUL and almost none of the others. The decoded text must
    then be nearly all printable, so that binary data with many NULs is still refused."""
    if len(data) < 2 or len(data) % 2:
        return None
    half = len(data) // 2
    even_nul, odd_nul = data[0::2].count(0) / half, data[1::2].count(0) / half
    if odd_nul >= 0.5 and even_nul <= 0.02:
        encoding = "utf-16-le"
    elif even_nul >= 0.5 and odd_nul <= 0.02:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return text if _printable_share(text[:65536]) >= 0.95 else None


_REPLACEMENT_BYTES = "\ufffd".encode()


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few invalid bytes (a bad paste, a file cut in the middle of a character),
    decoded with U+FFFD in their place; the script marks each one for review. None when the bytes
    read better in another encoding: a cp1252 or latin-1 file has no valid multi-byte UTF-8
    sequences, only invalid bytes."""
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - data.count(_REPLACEMENT_BYTES)
    valid = sum(1 for ch in text if ord(ch) > 127) - invalid
    if _cut_in_a_character(data) or (valid >= 1 and valid >= 2 * invalid):
        return text
    return None


def _cut_in_a_character(data: bytes) -> bool:
    """True when the only invalid UTF-8 is an incomplete character of two or more bytes at the
    very end (a file cut short). A single last byte like 0xE9 is more likely cp1252 "é"."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data" and exc.end == len(data) and len(data) - exc.start >= 2
    return False


def _decode(data: bytes, rel: str) -> str:
    """Bytes to text: BOM first (UTF-16 legitimately contains NULs), then UTF-8, then detect."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise EssayError(
                    f"starts with a {encoding.upper()} byte order mark but is not valid {encoding.upper()} "
                    f"(byte {exc.start + len(bom)})", path=rel, hint=_SAVE_HINT,
                ) from None
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise _refuse_binary(rel, what)
    if data.startswith(b"RIFF") and data[8:12] in (b"WAVE", b"WEBP", b"AVI "):
        raise _refuse_binary(rel, "a RIFF (WAV, WebP or AVI) file")
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise _refuse_binary(rel, "binary data (it contains NUL bytes)")
        return utf16
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    mostly_utf8 = _mostly_utf8(data)
    if mostly_utf8 is not None:
        return mostly_utf8
    try:
        western: str | None = data.decode("cp1252")
    except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
        western = None
    if western is not None and _looks_western(western):
        return western
    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        return str(best)
    if western is not None:
        return western
    raise EssayError(
        "is not text in any encoding audioessay recognizes (mostly undecodable bytes)",
        path=rel, hint=f"move it out of seeds/, or {_SAVE_HINT}",
    )


def _check_not_binary(text: str, rel: str) -> None:
    """Refuse decoded text that is mostly control characters (a binary file that decoded)."""
    sample = text[:65536]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if sample and controls / len(sample) > 0.05:
        raise EssayError("looks like binary data, not text (many control characters)", path=rel,
                         hint=f"move it out of seeds/, or {_SAVE_HINT}")


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # ftfy removes some of these


def decode_text(data: bytes, rel: str) -> str:
    """Decode, repair mojibake, normalize line endings to ``\\n`` and Unicode to NFC."""
    text = _decode(data, rel)
    _check_not_binary(text, rel)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii() and not _ASCII_CONTROL.search(text):
        return text  # nothing for ftfy or NFC to change (and ftfy takes a second per 50,000 lines)
    # ftfy repairs "donâ€™t" -> "don’t"; the options stop it from restyling the author's
    # curly quotes, full-width characters, entities or line breaks.
    text = ftfy.fix_text(
        text, uncurl_quotes=False, fix_character_width=False, unescape_html=False,
        fix_line_breaks=False, normalization="NFC", explain=False,
    )
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- front matter

_FM_CLOSE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_FM_MAX_DEPTH = 50  # nested lists and mappings; a real essay's front matter uses two or three
_FM_MAX_INT_DIGITS = 1000  # a longer "number" stays text (Python refuses very long ones anyway)


class _FrontMatterLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` for front matter people write, hardened against what they may not mean:

    * aliases (``*name``) are refused: an alias chain ("billion laughs") grows without bound when
      the essay is stored, and an alias inside its own anchor is a value that contains itself;
    * nesting deeper than ``_FM_MAX_DEPTH`` is refused (instead of a RecursionError);
    * a timestamp that is no real date (``2024-02-30``, ``2024-13-01``, ``+25:00``) or an integer
      too long for Python stays the text it was, so the key that uses it says what is wrong;
      every valid date is loaded exactly as ``yaml.safe_load`` loads it."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None, None, f"an alias (*{event.anchor}) is not allowed in front matter; write the value out",
                event.start_mark)
        self._depth += 1
        try:
            if self._depth > _FM_MAX_DEPTH:
                event = self.peek_event()
                raise ComposerError(
                    None, None, f"values are nested more than {_FM_MAX_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)

    def construct_yaml_int(self, node: Any) -> Any:
        text = self.construct_scalar(node)
        if len(text) > _FM_MAX_INT_DIGITS:
            return text
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            return text


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _FrontMatterLoader.construct_yaml_timestamp)
_FrontMatterLoader.add_constructor("tag:yaml.org,2002:int", _FrontMatterLoader.construct_yaml_int)


def load_front_matter(source: str) -> Any:
    """Parse front matter YAML with :class:`_FrontMatterLoader`; raises ``yaml.YAMLError``."""
    loader = _FrontMatterLoader(source)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def split_front_matter(text: str, rel: str) -> tuple[dict[str, Any] | None, str, int]:
    """Return (front matter or None, body, 1-based line number where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if _FM_CLOSE.match(lines[index]):
            break
    else:
        raise EssayError("front matter starting on line 1 ('---') is never closed", path=rel,
                         hint="end the front matter with a line '---', or remove the first line")
    source = "\n".join(lines[1:index])
    try:
        data = load_front_matter(source) if source.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" on line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise EssayError(
            f"front matter is not valid YAML{where}: {problem}", path=rel,
            hint="fix the YAML between the '---' lines (quote values that contain ':')",
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise EssayError(f"front matter must be 'key: value' lines, not a {type(data).__name__}", path=rel,
                         hint="write e.g. 'title: My essay' between the '---' lines")
    fields = _without_surrogates({str(k): v for k, v in data.items()})
    return fields, "\n".join(lines[index + 1:]), index + 2


def _without_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate (YAML's "\\ud800" escape, which is no character and
    cannot be written to the script, the ledger or the feed) replaced by U+FFFD, which the script
    flags for review like any undecodable byte."""
    if isinstance(value, dict):
        return {_without_surrogates(name): _without_surrogates(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, str) and any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in value)
    return value


def _type_error(key: str, expected: str, value: Any, rel: str, hint: str | None = None) -> EssayError:
    return EssayError(
        f"front matter '{key}' must be {expected}, not {value!r}", path=rel,
        hint=hint or f"fix '{key}' in the front matter",
    )


def _text_field(data: dict[str, Any], key: str, rel: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _type_error(key, "text", value, rel, hint=f"put the value in quotes: {key}: \"{value}\"")
    if not value.strip():
        raise EssayError(f"front matter '{key}' is empty", path=rel,
                         hint=f"give it a value or remove the '{key}' line")
    return value.strip()


_DATE_FORMS = "a date like 2024-05-01 or 2024-05-01T09:00:00+02:00"
DATE_MIN_YEAR, DATE_MAX_YEAR = 1000, 9999  # four-digit years, once converted to UTC


def _date_field(value: Any, rel: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise _type_error("date", _DATE_FORMS, value, rel) from None
    else:
        raise _type_error("date", _DATE_FORMS, value, rel)
    # A date without a zone is taken as UTC so that feeds sort the same everywhere.
    parsed = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)
    # The ledger keeps it in UTC and the MP3 tags write its year with four digits.
    try:
        year = parsed.astimezone(dt.UTC).year
    except OverflowError:
        year = 0
    if not DATE_MIN_YEAR <= year <= DATE_MAX_YEAR:
        shown = value.strip() if isinstance(value, str) else value.isoformat()
        raise EssayError(
            f"front matter 'date' must be from {DATE_MIN_YEAR}-01-01 to {DATE_MAX_YEAR}-12-31 in UTC, "
            f"not {shown!r}", path=rel, hint="fix 'date' in the front matter")
    return parsed


def _int_field(data: dict[str, Any], key: str, rel: str, low: int, high: int) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _type_error(key, "a whole number", value, rel)
    if not low <= value <= high:
        raise EssayError(f"front matter '{key}' must be between {low} and {high}, not {value}", path=rel,
                         hint=f"fix '{key}' in the front matter")
    return value


def _front_matter_fields(data: dict[str, Any], rel: str) -> dict[str, Any]:
    """Validate the keys audioessay understands; every key is also kept in ``meta``."""
    explicit = data.get("explicit")
    if explicit is not None and not isinstance(explicit, bool):
        raise _type_error("explicit", "true or false", explicit, rel)
    return {
        "title": _text_field(data, "title", rel),
        "author": _text_field(data, "author", rel),
        "description": _text_field(data, "description", rel),
        "slug": _text_field(data, "slug", rel),
        "voice": _text_field(data, "voice", rel),
        "engine": _text_field(data, "engine", rel),
        "date": _date_field(data.get("date"), rel),
        "explicit": explicit,
        "episode": _int_field(data, "episode", rel, 1, 1_000_000),
        "rate": _int_field(data, "rate", rel, 80, 450),  # the range voice.rate accepts
    }


# --------------------------------------------------------------------------- title and slug


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _title_prefix(heading: str, title: str) -> bool:
    heading, title = " ".join(heading.split()).casefold(), " ".join(title.split()).casefold()
    return bool(heading) and (title.startswith(heading) or heading.startswith(title))


def _is_title_line(line: str) -> bool:
    """A short line that does not end like a sentence: 'Her Ending Explained Emotionally'."""
    line = line.strip()
    return 0 < len(line) < TXT_TITLE_MAX and not line.endswith((".", ",", ";", ":", "…"))


def slugify(text: str) -> str:
    """ASCII, lowercase, ``[a-z0-9-]``, at most 80 characters; empty when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def unique_slugs(essays: list[Essay]) -> list[Essay]:
    """Give every essay a distinct slug; later duplicates get ``-2``, ``-3``... in input order.

    Every slug asked for is reserved first, so an essay that asked for ``her-2`` keeps it
    even when a duplicate ``her`` comes before it.
    """
    reserved = {essay.slug for essay in essays}
    used: set[str] = set()
    result = []
    for essay in essays:
        slug = essay.slug
        if slug in used:
            n = 2
            while True:
                suffix = f"-{n}"
                candidate = essay.slug[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
                if candidate not in used and candidate not in reserved:
                    break
                n += 1
            slug = candidate
        used.add(slug)
        result.append(essay if slug == essay.slug else replace(essay, slug=slug))
    return result


# --------------------------------------------------------------------------- the essay


def _relative(path: Path, root: Path) -> str:
    found = real_relative(path.absolute(), os.path.realpath(root))
    return path.as_posix() if found is None else found


_UNWRITABLE_NAME = frozenset({"Cc", "Cs", "Zl", "Zp"})  # control, undecodable, line breaks


def shown_path(text: str) -> str:
    """``text`` (a path) as a message shows it on one printable line: as it is when it can be,
    else quoted with its line breaks, control characters and undecodable bytes escaped
    (``'seeds/caf\\xe9.md'``: a byte that is not UTF-8 is its surrogate escape's byte)."""
    if not any(unicodedata.category(ch) in _UNWRITABLE_NAME for ch in text):
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's escape of an undecodable byte
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch in "\\'":
            out.append("\\" + ch)
        elif unicodedata.category(ch) in _UNWRITABLE_NAME:
            out.append(repr(ch)[1:-1])
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def _check_name(rel: str) -> None:
    """Refuse a path that cannot be written where an episode records it (the script header, the
    ledger, the feed): one with a line break or control character, or one that is not UTF-8."""
    bad = {unicodedata.category(ch) for ch in rel} & _UNWRITABLE_NAME
    if not bad:
        return
    what = "is not valid UTF-8" if "Cs" in bad else "contains a line break or control character"
    raise EssayError(f"its name {what}", path=shown_path(rel),
                     hint="rename the file (letters, digits, spaces and punctuation)")


def _not_regular(mode: int) -> str | None:
    """What a file that is not a regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _check_regular(info: os.stat_result, rel: str, max_bytes: int) -> None:
    kind = _not_regular(info.st_mode)
    if kind is not None:
        raise EssayError(f"is {kind}, not an essay", path=rel,
                         hint="essays are .md or .txt files; move it out of seeds/")
    if info.st_size > max_bytes:
        raise _too_big(info.st_size, max_bytes, rel)


def _open_regular(path: Path, rel: str, max_bytes: int) -> bytes:
    """Read a regular file. Anything else is refused before it is opened (opening a FIFO waits
    for a writer forever); O_NONBLOCK and a second look at what was opened cover a FIFO put in
    its place in between."""
    _check_regular(os.stat(path), rel, max_bytes)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        _check_regular(os.fstat(handle.fileno()), rel, max_bytes)
        return handle.read(max_bytes + 1)  # the file may grow between stat and read


def _read_bytes(path: Path, rel: str, max_bytes: int) -> bytes:
    if path.suffix.lower() not in SUFFIXES:
        raise EssayError(f"is not an essay: only {' and '.join(SUFFIXES)} files are read", path=rel,
                         hint="rename it to .md or .txt if it is text")
    try:
        data = _open_regular(path, rel, max_bytes)
    except IsADirectoryError:
        raise EssayError("is a folder, not an essay", path=rel, hint="essays are .md or .txt files") from None
    except FileNotFoundError:
        raise EssayError("does not exist", path=rel, hint="check the path") from None
    except PermissionError:
        raise EssayError("cannot be read (permission denied)", path=rel,
                         hint="check the file's permissions") from None
    except OSError as exc:  # a name too long, a loop of symbolic links, an I/O error
        raise EssayError(f"cannot be read: {exc.strerror or exc}", path=rel,
                         hint="check the file and its folder") from None
    if len(data) > max_bytes:
        raise _too_big(len(data), max_bytes, rel)
    return data


def _too_big(size: int, limit: int, rel: str) -> EssayError:
    return EssayError(
        f"is {size:,} bytes, more than the limit of {limit:,} bytes", path=rel,
        hint="split the essay, or raise text.max_bytes in audioessay.toml",
    )


def read_essay(path: Path, root: Path, max_bytes: int = 2_000_000, memo: EssayMemo | None = None) -> Essay:
    """Read ``path`` (a .txt or .md essay) into an :class:`Essay`; ``source`` is relative to ``root``.

    With a ``memo``, an essay whose bytes it has seen at this path is not decoded and parsed again
    (the bytes are still read and hashed), and a newly read one is added to it."""
    path, root = Path(path), Path(root)
    rel = _relative(path, root)
    _check_name(rel)
    data = _read_bytes(path, rel, max_bytes)
    if memo is not None and (known := memo.get(rel, sha256_bytes(data), path.name)) is not None:
        return known
    essay = _parse_essay(path, rel, data)
    if memo is not None:
        memo.put(essay, path.name)
    return essay


def _parse_essay(path: Path, rel: str, data: bytes) -> Essay:
    if not data.strip():
        raise EssayError("is empty", path=rel, hint=_EMPTY_HINT)
    text = decode_text(data, rel)
    if not text.strip():
        raise EssayError("is empty (only whitespace)", path=rel, hint=_EMPTY_HINT)

    front, body, first_line = split_front_matter(text, rel)
    fields = _front_matter_fields(front or {}, rel)
    plain = path.suffix.lower() == ".txt"

    title = fields["title"]
    if plain:
        title, body, first_line = _txt_title(title, body, first_line)
    blocks, links, description = clean_markdown(body, first_line, plain=plain)
    if not plain:
        title, blocks, description = _md_title(title, blocks, body, first_line, description)
    if not title:
        title = path.stem.replace("_", " ").replace("-", " ").strip() or "Untitled"
    title = cap_text(title, TITLE_MAX)

    slug = slugify(fields["slug"] or "") or slugify(path.stem) or slugify(title) or FALLBACK_SLUG
    return Essay(
        source=Path(rel),
        source_sha256=sha256_bytes(data),
        slug=slug,
        title=title,
        blocks=tuple(blocks),
        links=tuple(links),
        description=cap_text(fields["description"], 4000) if fields["description"] else description,
        author=fields["author"],
        date=fields["date"],
        explicit=fields["explicit"],
        episode=fields["episode"],
        voice=fields["voice"],
        engine=fields["engine"],
        rate=fields["rate"],
        meta=tuple((front or {}).items()),
    )


def _txt_title(title: str | None, body: str, first_line: int) -> tuple[str | None, str, int]:
    """In a .txt the first line is the title when it looks like one (and is not all there is)."""
    lines = body.split("\n")
    nonempty = [i for i, line in enumerate(lines) if line.strip()]
    if not nonempty:
        return title, body, first_line
    first = nonempty[0]
    candidate = inline_text(lines[first])
    matches = title is None or _same_text(title, candidate)
    if len(nonempty) > 1 and candidate and _is_title_line(lines[first]) and matches:
        return title or candidate, "\n".join(lines[first + 1:]), first_line + first + 1
    return title or candidate, body, first_line


def _md_title(
    title: str | None, blocks: list[Block], body: str, first_line: int, description: str,
) -> tuple[str | None, list[Block], str]:
    """Front matter title, else the first heading, else the first line; not read twice."""
    first = blocks[0] if blocks else None
    if title is not None:
        # "# Radio Drama" under the title "Radio Drama: Voices & Static" is the title again.
        if first is not None and first.kind == "heading" and _title_prefix(first.text, title):
            blocks = blocks[1:]
        return title, blocks, description
    heading = next((b for b in blocks if b.kind == "heading"), None)
    if heading is not None:
        if heading is first:
            blocks = blocks[1:]
        return heading.text, blocks, description
    if first is None:
        return None, blocks, description
    source_line = body.split("\n")[first.line - first_line] if first.line >= first_line else first.text
    candidate = inline_text(source_line) or first.text
    if len(blocks) > 1 and _same_text(candidate, first.text) and _is_title_line(first.text):
        blocks = blocks[1:]
        description = describe(blocks)
    return candidate, blocks, description
