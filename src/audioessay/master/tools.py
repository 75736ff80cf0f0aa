"""The mastering tools, found without loading anything heavy (no numpy): ``render`` checks them
before narrating anything, so a missing tool costs no work and no memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import shutil

from audioessay.errors import ToolMissingError
from audioessay.master.ffmpeg import ffmpeg_path
from audioessay.voice.system import install_hint


def lame_path() -> str:
    path = shutil.which("lame")
    if path is None:
        raise ToolMissingError("lame (the MP3 encoder) is not installed", hint=install_hint("lame"))
    return path


def mpg123_path() -> str:
    path = shutil.which("mpg123")
    if path is None:
        raise ToolMissingError("mpg123 (the MP3 decoder used to measure episodes) is not installed",
                               hint=install_hint("mpg123"))
    return path


@functools.cache
def ebur128_library() -> ctypes.CDLL:
    """libebur128, with the signatures of the functions the meter calls."""
    name = ctypes.util.find_library("ebur128") or "libebur128.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise ToolMissingError("libebur128 (the EBU R128 loudness library) is not installed",
                               hint=install_hint("libebur128")) from None
    lib.ebur128_init.restype = ctypes.c_void_p
    lib.ebur128_init.argtypes = [ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
    lib.ebur128_destroy.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    lib.ebur128_add_frames_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    lib.ebur128_loudness_momentary.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double)]
    return lib


def require_mastering_tools() -> None:
    """Raise :class:`ToolMissingError` (with install commands) unless ffmpeg, lame, mpg123 and
    libebur128 are there."""
    ffmpeg_path()
    lame_path()
    mpg123_path()
    ebur128_library()
