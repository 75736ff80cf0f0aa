"""The system tools audioessay runs, found in one place: espeak-ng, ffmpeg, lame, mpg123, libebur128.

Everything that needs one of them (the engines, mastering, ``doctor``) asks here, so a tool is
found the same way everywhere, and a missing one is always reported with the same message and
the commands that install it on each platform. This module is light to import (no numpy, no
mutagen): ``render`` checks the mastering tools before narrating anything, so a missing tool
costs no work and no memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil

from audioessay.errors import ToolMissingError

INSTALL: dict[str, dict[str, str]] = {
    "espeak-ng": {
        "Debian/Ubuntu": "sudo apt-get install -y espeak-ng libespeak-ng1",
        "Fedora": "sudo dnf install -y espeak-ng",
        "macOS": "brew install espeak-ng",
    },
    "ffmpeg": {
        "Debian/Ubuntu": "sudo apt-get install -y ffmpeg",
        "Fedora": "sudo dnf install -y ffmpeg-free",
        "macOS": "brew install ffmpeg",
    },
    "lame": {
        "Debian/Ubuntu": "sudo apt-get install -y lame",
        "Fedora": "sudo dnf install -y lame",
        "macOS": "brew install lame",
    },
    "mpg123": {
        "Debian/Ubuntu": "sudo apt-get install -y mpg123",
        "Fedora": "sudo dnf install -y mpg123",
        "macOS": "brew install mpg123",
    },
    "libebur128": {
        "Debian/Ubuntu": "sudo apt-get install -y libebur128-1",
        "Fedora": "sudo dnf install -y libebur128",
        "macOS": "brew install libebur128",
    },
}

TOOLS = tuple(INSTALL)  # every tool, in the order doctor lists them
LIBRARIES = frozenset({"libebur128"})  # tools that are a shared library, not a command on PATH

# What a missing command is reported as, and the tool whose package installs it.
_MISSING_COMMAND = {
    "espeak-ng": ("espeak-ng is not installed", "espeak-ng"),
    "ffmpeg": ("ffmpeg is not installed or not on PATH", "ffmpeg"),
    "ffprobe": ("ffprobe is not installed or not on PATH", "ffmpeg"),
    "lame": ("lame (the MP3 encoder) is not installed", "lame"),
    "mpg123": ("mpg123 (the MP3 decoder used to measure episodes) is not installed", "mpg123"),
}


def install_lines(tool: str) -> tuple[str, ...]:
    """How to install ``tool``: one ``"Platform: command"`` line per platform."""
    return tuple(f"{os_name}: {cmd}" for os_name, cmd in INSTALL[tool].items())


def install_hint(tool: str) -> str:
    """One line: how to install ``tool`` on each platform."""
    return "install it: " + "; ".join(install_lines(tool))


# --------------------------------------------------------------------------- commands


def find_command(name: str) -> str | None:
    """The full path of the command ``name`` on PATH, or None."""
    return shutil.which(name)


def command_path(name: str) -> str:
    """The full path of ``name`` (espeak-ng, ffmpeg, ffprobe, lame or mpg123);
    :class:`ToolMissingError` with the install commands if it is not on PATH."""
    path = find_command(name)
    if path is None:
        message, tool = _MISSING_COMMAND[name]
        raise ToolMissingError(message, hint=install_hint(tool))
    return path


def espeak_ng_path() -> str:
    return command_path("espeak-ng")


def ffmpeg_path() -> str:
    return command_path("ffmpeg")


def ffprobe_path() -> str:
    return command_path("ffprobe")


def lame_path() -> str:
    return command_path("lame")


def mpg123_path() -> str:
    return command_path("mpg123")


# --------------------------------------------------------------------------- libraries


def _ebur128_name() -> str:
    return ctypes.util.find_library("ebur128") or "libebur128.so.1"


@functools.cache
def ebur128_library() -> ctypes.CDLL:
    """libebur128, with the signatures of the functions the loudness meter calls."""
    try:
        lib = ctypes.CDLL(_ebur128_name())
    except OSError:
        raise ToolMissingError("libebur128 (the EBU R128 loudness library) is not installed",
                               hint=install_hint("libebur128")) from None
    lib.ebur128_init.restype = ctypes.c_void_p
    lib.ebur128_init.argtypes = [ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
    lib.ebur128_destroy.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    lib.ebur128_add_frames_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    lib.ebur128_loudness_momentary.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double)]
    return lib


def ebur128_library_name() -> str | None:
    """The name libebur128 is loaded by, or None when it cannot be loaded."""
    try:
        ebur128_library()
    except ToolMissingError:
        return None
    return _ebur128_name()


def espeak_ng_library() -> str | None:
    """The loadable espeak-ng shared library's name (what pyttsx3 drives), or None.
    Loading it does not start espeak."""
    candidates = [ctypes.util.find_library("espeak-ng"), "libespeak-ng.so.1", "libespeak-ng.1.dylib"]
    for name in candidates:
        if not name:
            continue
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return os.path.basename(name)
    return None


# --------------------------------------------------------------------------- all of them


def locate(tool: str) -> str | None:
    """Where ``tool`` (one of :data:`TOOLS`) is: a command's path, a library's name; None if missing."""
    if tool == "libebur128":
        return ebur128_library_name()
    return find_command(tool)


def require_mastering_tools() -> None:
    """Raise :class:`ToolMissingError` (with install commands) unless ffmpeg, lame, mpg123 and
    libebur128 are there."""
    ffmpeg_path()
    lame_path()
    mpg123_path()
    ebur128_library()


def extra_install_command(extra: str) -> str:
    """The command that installs one of audioessay's extras (``piper``, ``cluster``...) into the
    Python running now. audioessay is installed from its source folder, not from PyPI, so
    ``pip install 'audioessay[piper]'`` would fail: the command names that folder when pip
    recorded one (an editable or local install)."""
    import importlib.metadata
    import json
    import shlex
    import sys
    from urllib.parse import unquote, urlsplit

    where = "audioessay"
    try:
        recorded = importlib.metadata.distribution("audioessay").read_text("direct_url.json")
        url = json.loads(recorded or "{}").get("url", "")
    except (importlib.metadata.PackageNotFoundError, ValueError, AttributeError):
        url = ""
    if url.startswith("file://") and os.path.isdir(folder := unquote(urlsplit(url).path)):
        editable = "-e " if "editable" in (recorded or "") else ""
        return f"{shlex.quote(sys.executable)} -m pip install {editable}{shlex.quote(f'{folder}[{extra}]')}"
    return f"{shlex.quote(sys.executable)} -m pip install {shlex.quote(f'{where}[{extra}]')}"
