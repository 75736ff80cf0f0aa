"""Cover art: check a person's image against Apple's rules, or draw a default one.

Apple's artwork rules: square, 1400 to 3000 px, JPEG or PNG with a file extension that matches
the real type, RGB colour. The default cover is a 3000 x 3000 RGB JPEG drawn with Pillow and the
bundled DejaVu Sans Bold font (``audioessay/data``), so it never depends on system fonts.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import math
import re
import stat
import warnings
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from audioessay.errors import PublishError
from audioessay.fsutil import atomic_write_bytes, sha256_text
from audioessay.memory import trim

MIN_SIZE, MAX_SIZE = 1400, 3000
SIZE = 3000  # the default cover's width and height
EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
FONT_FILE = "DejaVuSans-Bold.ttf"
COVER_VERSION = "1"  # bump when the drawing changes, so existing default covers are redrawn

COVER_HINT = ("export it as a square RGB JPEG or PNG of 1400 to 3000 px, "
              "or leave show.cover empty to have audioessay draw one")

# Deep two-colour gradients (top left, bottom right) with a warm accent; chosen by the title's hash.
PALETTES: tuple[tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]], ...] = (
    ((24, 28, 92), (112, 28, 88), (250, 204, 102)),  # indigo to magenta, gold
    ((6, 82, 96), (10, 22, 56), (255, 178, 107)),  # teal to navy, apricot
    ((120, 20, 60), (28, 18, 50), (249, 213, 150)),  # wine to ink, sand
    ((12, 88, 70), (16, 28, 64), (240, 200, 100)),  # forest to ink, saffron
    ((150, 50, 30), (46, 12, 40), (255, 214, 165)),  # ember to oxblood, peach
    ((24, 74, 150), (12, 20, 56), (255, 150, 130)),  # ocean to midnight, coral
)


def _too_large(path: Path, size: tuple[int, int] | None, pixels: int | None = None) -> PublishError:
    what = f"{size[0]}x{size[1]} pixels" if size else f"{pixels or 'too many'} pixels"
    return PublishError(f"cover art is far too large to open ({what})", path=path,
                        hint=f"use an image of at most {MAX_SIZE}x{MAX_SIZE} pixels")


def _bomb_size(path: Path, exc: Exception) -> PublishError:
    """The message for an image Pillow refused to open as a decompression bomb: its size is read
    from the header by the JPEG or PNG reader alone (which makes no such check)."""
    from PIL.JpegImagePlugin import JpegImageFile
    from PIL.PngImagePlugin import PngImageFile

    for reader in (JpegImageFile, PngImageFile):
        try:
            with reader(path) as image:
                return _too_large(path, image.size)
        except Exception:  # noqa: BLE001, S112 - not this format: try the next one
            continue
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return _too_large(path, None, int(found.group(1)) if found else None)


def _read_cover(path: Path) -> tuple[str | None, tuple[int, int], str]:
    """The image's format, size and mode, after decoding all of it (so a truncated or damaged file
    is refused). An image beyond the size rules is not decoded: its size is enough to refuse it."""
    mode_bits = path.stat().st_mode  # never open a FIFO (it would block) or a device
    if stat.S_ISDIR(mode_bits):
        raise PublishError("cover art is a folder, not an image file", path=path, hint=COVER_HINT)
    if not stat.S_ISREG(mode_bits):
        raise PublishError("cover art is not a regular file (a device, FIFO or socket)", path=path,
                           hint=COVER_HINT)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", Image.DecompressionBombWarning)  # caught here, never printed
        with Image.open(path) as image:
            kind, size, mode = image.format, image.size, image.mode
            if any(issubclass(w.category, Image.DecompressionBombWarning) for w in caught):
                raise _too_large(path, size)
            if max(size) <= MAX_SIZE:
                if kind == "JPEG":  # decode at 1/8 scale: every byte is still read, in 1/64 of the memory
                    image.draft(mode, (max(1, size[0] // 8), max(1, size[1] // 8)))
                image.load()
    return kind, size, mode


def check_cover(path: Path) -> None:
    """Raise :class:`PublishError` naming every way ``path`` breaks Apple's artwork rules.

    The whole image is decoded: a truncated or damaged file is refused, not published.
    """
    path = Path(path)
    try:
        kind, (width, height), mode = _read_cover(path)
    except FileNotFoundError:
        raise PublishError("cover art not found", path=path, hint="set show.cover to an existing image, "
                           "or leave it empty to generate one") from None
    except Image.DecompressionBombError as exc:
        raise _bomb_size(path, exc) from None
    except UnidentifiedImageError as exc:
        raise PublishError(f"cover art is not an image that can be read ({exc})", path=path,
                           hint=COVER_HINT) from None
    except OSError as exc:
        if exc.errno is None:  # a decoder's error: "image file is truncated", "broken data stream"
            raise PublishError(f"cover art is truncated or damaged ({exc})", path=path,
                               hint="export the image again; " + COVER_HINT) from None
        raise PublishError(f"cover art cannot be read: {exc.strerror or exc}", path=path,
                           hint="check the file and its permissions") from None
    except (SyntaxError, ValueError, EOFError) as exc:  # what Pillow's decoders also raise
        raise PublishError(f"cover art is truncated or damaged ({exc})", path=path,
                           hint="export the image again; " + COVER_HINT) from None
    problems = []
    if kind not in EXTENSIONS:
        problems.append(f"it is a {kind} image, not JPEG or PNG")
    elif path.suffix.lower() not in EXTENSIONS[kind]:
        problems.append(f"it is a {kind} image but its name ends in {path.suffix or '(nothing)'!r}: "
                        f"rename it to end in {EXTENSIONS[kind][0]}")
    if width != height:
        problems.append(f"it is {width}x{height} px, not square")
    if max(width, height) > MAX_SIZE:
        problems.append(f"it is larger than {MAX_SIZE} px")
    if min(width, height) < MIN_SIZE:
        problems.append(f"it is smaller than {MIN_SIZE} px")
    if mode != "RGB":
        problems.append(f"its colour mode is {mode}, not RGB")
    if problems:
        raise PublishError("cover art breaks Apple's rules: " + "; ".join(problems), path=path,
                           hint=COVER_HINT)


@functools.lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    resource = resources.files("audioessay") / "data" / FONT_FILE
    try:
        with resources.as_file(resource) as font_path:
            # The basic layout engine gives the same pixels everywhere (raqm may be absent or differ).
            return ImageFont.truetype(str(font_path), size, layout_engine=ImageFont.Layout.BASIC)
    except OSError:
        raise PublishError(f"the bundled font {FONT_FILE} is missing from the audioessay package",
                           hint="reinstall audioessay") from None


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap to ``width`` px; a word wider than a line is split between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and font.getlength(line + char) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def _fit_title(title: str, width: int, height: int) -> tuple[ImageFont.FreeTypeFont, list[str], int]:
    """The largest font (with its lines and line height) that fits the title in the box.

    Words are split only when even a 200 px font cannot fit the longest word on a line.
    """
    words = title.split(" ")
    for size in range(680, 119, -10):
        font = _font(size)
        if size > 200 and max(font.getlength(word) for word in words) > width:
            continue
        lines = _wrap(title, font, width)
        line_height = round(size * 1.12)
        if len(lines) <= 6 and len(lines) * line_height <= height:
            return font, lines, line_height
    font = _font(160)
    line_height = round(160 * 1.12)
    lines = _wrap(title, font, width)
    fitting = min(6, height // line_height)
    if len(lines) > fitting:
        lines = lines[:fitting]
        lines[-1] = _ellipsize(lines[-1], font, width)
    return font, lines, line_height


def _ellipsize(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """``text`` shortened to end in an ellipsis within ``width`` px."""
    text = text.rstrip()
    while text and font.getlength(text + "…") > width:
        text = text[:-1].rstrip()
    return text + "…"


def _gradient(top_left: tuple[int, int, int], bottom_right: tuple[int, int, int]) -> Image.Image:
    """The diagonal background gradient with a soft light in the top right corner.

    Each row is a slice of one 6000-pixel ramp (the colour depends on y - x), so no full-size
    image is made besides the cover itself and the 8-bit glow mask: the cover is drawn in the
    render process, whose memory the benchmarks count.
    """
    # The colour runs from ``top_left`` in the top right corner to ``bottom_right`` in the bottom
    # left one: t = (y + SIZE - 1 - x) / (2 SIZE - 2). Ramp pixel k has t = 1 - k / (2 SIZE - 2),
    # so row y is the ramp from k = SIZE - 1 - y on.
    span = 2 * SIZE - 1
    ramp = bytearray()
    for k in range(span):
        t = 1 - k / (span - 1)
        ramp += bytes(round(a + (b - a) * t) for a, b in zip(top_left, bottom_right))
    row = Image.frombytes("RGB", (span, 1), bytes(ramp))
    image = Image.new("RGB", (SIZE, SIZE))
    for y in range(SIZE):
        start = SIZE - 1 - y
        image.paste(row.crop((start, 0, start + SIZE, 1)), (0, y))
    # A soft light in the top right corner gives the flat gradient some depth.
    glow = Image.radial_gradient("L").crop((0, 128, 128, 256)).resize((SIZE, SIZE))
    glow = glow.point(lambda v: (255 - v) * 60 // 255)
    image.paste((255, 255, 255), (0, 0, SIZE, SIZE), glow)
    return image


def _waveform(draw: ImageDraw.ImageDraw, seed: bytes, box: tuple[int, int, int, int],
              color: tuple[int, int, int]) -> None:
    """Rounded vertical bars like a sound wave, their heights fixed by ``seed``."""
    left, top, right, bottom = box
    bar, gap = 34, 26
    count = (right - left + gap) // (bar + gap)
    middle = (top + bottom) / 2
    for i in range(count):
        x = left + i * (bar + gap)
        t = i / max(1, count - 1)
        envelope = 0.35 + 0.65 * math.sin(math.pi * t) ** 0.8
        wobble = 0.55 + 0.45 * abs(math.sin(i * 0.9 + seed[i % len(seed)] / 40))
        jitter = 0.75 + 0.25 * (seed[(i * 7) % len(seed)] / 255)
        half = max(bar / 2, (bottom - top) / 2 * envelope * wobble * jitter)
        alpha = 255 if i % 5 else 170
        draw.rounded_rectangle((x, middle - half, x + bar, middle + half), radius=bar // 2,
                               fill=(*color, alpha))


def _cover_key(title: str, author: str) -> str:
    return sha256_text(f"audioessay-cover-{COVER_VERSION}\0{title}\0{author}")


def _clean(text: str, fallback: str) -> str:
    return re.sub(r"\s+", " ", text).strip() or fallback


def render_default_cover(title: str, author: str) -> Image.Image:
    """The default cover as a 3000 x 3000 RGB image (see :func:`make_default_cover`)."""
    title, author = _clean(title, "Untitled"), _clean(author, "")
    seed = hashlib.sha256(title.encode()).digest()
    top_left, bottom_right, accent = PALETTES[seed[0] % len(PALETTES)]
    image = _gradient(top_left, bottom_right)
    draw = ImageDraw.Draw(image, "RGBA")  # shapes blend straight onto the image: no full-size overlay
    margin = 260

    draw.rounded_rectangle((margin, 330, margin + 300, 362), radius=16, fill=(*accent, 255))
    font, lines, line_height = _fit_title(title, SIZE - 2 * margin, 1480)
    block = len(lines) * line_height
    y = 470 + (1480 - block) // 2 if len(lines) > 2 else 470 + (1480 - block) * 2 // 3
    for line in lines:
        draw.text((margin, y), line, font=font, fill=(255, 255, 255, 255))
        y += line_height

    _waveform(draw, seed, (margin, 2120, SIZE - margin, 2460), accent)
    if author:
        author_size = 120
        author_font = _font(author_size)
        while author_size > 80 and author_font.getlength(author) > SIZE - 2 * margin:
            author_size -= 10
            author_font = _font(author_size)
        if author_font.getlength(author) > SIZE - 2 * margin:
            author = _ellipsize(author, author_font, SIZE - 2 * margin)
        draw.text((margin, 2590), author, font=author_font, fill=(255, 255, 255, 215))
    return image


def release_image_memory() -> None:
    """Hand the memory of the 3000 px images back: Pillow keeps freed blocks for reuse and glibc
    keeps freed heap, and the render goes on to narrate and master in this same process."""
    with contextlib.suppress(AttributeError):
        Image.core.clear_cache()
    trim()


def make_default_cover(title: str, author: str, out: Path) -> Path:
    """Draw the default cover for ``title`` and ``author`` to ``out`` (a .jpg); return ``out``.

    The same inputs give the same image. An existing file drawn from the same inputs (its JPEG
    comment holds a hash of them) is left alone, so rebuilding never rewrites the cover.
    """
    out = Path(out)
    if out.suffix.lower() not in (".jpg", ".jpeg"):
        raise PublishError("the default cover is a JPEG: its file name must end in .jpg", path=out,
                           hint="this is a bug in audioessay")
    key = _cover_key(title, author).encode("ascii")
    try:
        with Image.open(out) as existing:
            if existing.info.get("comment") == key:
                return out
    except (OSError, UnidentifiedImageError):
        pass
    buffer = io.BytesIO()
    render_default_cover(title, author).save(buffer, "JPEG", quality=90, optimize=True, comment=key)
    release_image_memory()
    try:
        atomic_write_bytes(out, buffer.getvalue())
    except OSError as exc:
        raise PublishError(f"cannot write the cover art: {exc}", path=out,
                           hint="check that the feeds/ folder is writable") from None
    return out
