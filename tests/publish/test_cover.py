"""Cover art: Apple's rules, and the default cover audioessay draws."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from audioessay.errors import PublishError
from audioessay.publish.cover import check_cover, make_default_cover


def save(path: Path, size: tuple[int, int], mode: str = "RGB", kind: str | None = None) -> Path:
    Image.new(mode, size).save(path, kind)
    return path


@pytest.fixture(scope="module")
def default_cover(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_default_cover("The Quiet Machine: Essays on Attention", "Jane Doe",
                              tmp_path_factory.mktemp("cover") / "cover.jpg")


def test_default_cover_is_a_3000_px_rgb_jpeg(default_cover: Path):
    with Image.open(default_cover) as image:
        assert (image.format, image.size, image.mode) == ("JPEG", (3000, 3000), "RGB")
    check_cover(default_cover)


def test_default_cover_is_not_blank(default_cover: Path):
    with Image.open(default_cover) as image:
        small = image.resize((200, 200))
        colours = small.getcolors(200 * 200)
    assert colours is None or len(colours) > 500  # gradient, text and waveform, not a flat fill
    assert small.convert("L").getextrema()[1] > 240  # the white title is there


def test_default_cover_is_deterministic_and_not_redrawn(tmp_path: Path, default_cover: Path):
    again = make_default_cover("The Quiet Machine: Essays on Attention", "Jane Doe", tmp_path / "cover.jpg")
    assert again.read_bytes() == default_cover.read_bytes()
    mtime = again.stat().st_mtime_ns
    make_default_cover("The Quiet Machine: Essays on Attention", "Jane Doe", again)
    assert again.stat().st_mtime_ns == mtime


def test_default_cover_is_redrawn_when_inputs_change(tmp_path: Path, default_cover: Path):
    out = tmp_path / "cover.jpg"
    out.write_bytes(default_cover.read_bytes())
    make_default_cover("Another Title", "Jane Doe", out)
    assert out.read_bytes() != default_cover.read_bytes()
    check_cover(out)


@pytest.mark.parametrize("title, author", [
    ("", ""),
    ("Pneumonoultramicroscopicsilicovolcanoconiosis and Hippopotomonstrosesquippedaliophobia", "A. B."),
    ("word " * 60, "An author with a really remarkably long name, more than fits on one line of the cover"),
    ("Émile, Ærø & Œuvre — “quotes” · 日本語", "Zoë"),
])
def test_default_cover_handles_awkward_titles(tmp_path: Path, title: str, author: str):
    check_cover(make_default_cover(title, author, tmp_path / "cover.jpg"))


def test_default_cover_must_be_a_jpg(tmp_path: Path):
    with pytest.raises(PublishError, match=r"\.jpg"):
        make_default_cover("T", "A", tmp_path / "cover.png")


@pytest.mark.parametrize("name, size, mode, kind", [
    ("ok.jpg", (1400, 1400), "RGB", "JPEG"),
    ("ok.jpeg", (2000, 2000), "RGB", "JPEG"),
    ("ok.png", (3000, 3000), "RGB", "PNG"),
])
def test_check_cover_accepts_valid_art(tmp_path: Path, name, size, mode, kind):
    check_cover(save(tmp_path / name, size, mode, kind))


@pytest.mark.parametrize("name, size, mode, kind, reason", [
    ("wide.jpg", (2000, 1500), "RGB", "JPEG", "2000x1500 px, not square"),
    ("small.jpg", (1000, 1000), "RGB", "JPEG", "smaller than 1400"),
    ("big.png", (3200, 3200), "RGB", "PNG", "larger than 3000"),
    ("cmyk.jpg", (1400, 1400), "CMYK", "JPEG", "colour mode is CMYK, not RGB"),
    ("alpha.png", (1400, 1400), "RGBA", "PNG", "colour mode is RGBA, not RGB"),
    ("palette.png", (1400, 1400), "P", "PNG", "colour mode is P, not RGB"),
    ("grey.png", (1400, 1400), "L", "PNG", "colour mode is L, not RGB"),
    ("really-png.jpg", (1400, 1400), "RGB", "PNG", "PNG image but its name ends in '.jpg'"),
    ("really-jpeg.png", (1400, 1400), "RGB", "JPEG", "JPEG image but its name ends in '.png'"),
    ("cover.gif", (1400, 1400), "P", "GIF", "GIF image, not JPEG or PNG"),
])
def test_check_cover_rejects_with_a_clear_message(tmp_path: Path, name, size, mode, kind, reason):
    path = save(tmp_path / name, size, mode, kind)
    with pytest.raises(PublishError) as info:
        check_cover(path)
    message = str(info.value)
    assert reason in message
    assert str(path) in message and "square RGB JPEG or PNG" in message


def test_check_cover_lists_every_problem(tmp_path: Path):
    path = save(tmp_path / "bad.png", (100, 50), "RGBA", "PNG")
    with pytest.raises(PublishError, match="not square; it is smaller than 1400 px; its colour mode is RGBA"):
        check_cover(path)


def test_check_cover_missing_or_not_an_image(tmp_path: Path):
    with pytest.raises(PublishError, match="not found"):
        check_cover(tmp_path / "nope.jpg")
    (tmp_path / "text.jpg").write_text("hello")
    with pytest.raises(PublishError, match="not an image"):
        check_cover(tmp_path / "text.jpg")


# --- damaged, huge and special files ----------------------------------------------------------------


def _noise(path: Path, kind: str) -> Path:
    """A 1400 px cover of random pixels (so it compresses badly and truncation cuts real data)."""
    import os

    Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3)).save(path, kind)
    return path


@pytest.mark.parametrize(("name", "kind", "keep"), [
    ("cut.jpg", "JPEG", 0.5),
    ("cut.png", "PNG", 0.5),
    ("nearly.jpg", "JPEG", 0.98),
    ("nearly.png", "PNG", 0.98),
])
def test_check_cover_decodes_the_whole_image(tmp_path: Path, name: str, kind: str, keep: float):
    path = _noise(tmp_path / name, kind)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(PublishError) as info:
        check_cover(path)
    assert "truncated or damaged" in str(info.value) and str(path) in str(info.value)


def _png_header(path: Path, width: int, height: int) -> Path:
    """A PNG that only claims its size: Pillow reads the header and stops there."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("side", [10_000, 20_000])  # Pillow's warning (over 89 M pixels), then its error
def test_a_decompression_bomb_is_a_one_line_message(tmp_path: Path, side: int):
    import warnings

    path = _png_header(tmp_path / "huge.png", side, side)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may leak to the terminal
        with pytest.raises(PublishError) as info:
            check_cover(path)
    message = str(info.value)
    assert f"too large to open ({side}x{side} pixels)" in message and "at most 3000x3000" in message
    assert "\n" not in message


def test_check_cover_never_opens_a_fifo_or_a_folder(tmp_path: Path):
    import os
    import threading

    fifo = tmp_path / "cover.jpg"
    os.mkfifo(fifo)
    found: list[str] = []

    def check() -> None:
        try:
            check_cover(fifo)
        except PublishError as exc:
            found.append(str(exc))

    thread = threading.Thread(target=check, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # the old code blocked in open(): unblock it before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("check_cover blocked on a FIFO")
    assert found and "not a regular file" in found[0]
    (tmp_path / "folder.jpg").mkdir()
    with pytest.raises(PublishError, match="is a folder"):
        check_cover(tmp_path / "folder.jpg")
