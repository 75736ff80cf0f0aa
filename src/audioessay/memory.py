"""Give freed memory back to the system between big steps, and keep threads from hoarding it.

Mastering allocates and frees numpy arrays of a few MB (a take, its spectrum) over and over, on
several threads. glibc keeps much of what is freed in its heaps, so the resident size ratchets
up; ``malloc_trim`` after each part returns it. (Making every large array its own mapping with
``mallopt`` does the same continuously, but page faults then cost more time than the encoder.)
"""

from __future__ import annotations

import contextlib
import ctypes
import functools


@functools.cache
def libc() -> ctypes.CDLL | None:
    """The C library (with ``errno`` kept for ``ctypes.get_errno``), or None where it cannot be loaded.

    The process's own symbols hold libc's: ``find_library`` would run ``ldconfig`` in a subprocess,
    and this is called as every command and every narration worker starts."""
    with contextlib.suppress(OSError, TypeError):
        return ctypes.CDLL(None, use_errno=True)
    return None


def trim() -> None:
    """Return free heap memory to the system (glibc only; elsewhere nothing happens)."""
    c = libc()
    with contextlib.suppress(AttributeError):
        if c is not None:
            c.malloc_trim(0)


M_ARENA_MAX = -8  # glibc's mallopt parameter: how many heaps the threads of a process may use


def one_heap() -> bool:
    """Have every thread of this process allocate from one glibc heap; True when glibc took the setting
    (elsewhere nothing happens). Call it before the process starts threads.

    Why: glibc gives each new thread that meets a busy heap a heap of its own, up to eight per core,
    and each heap keeps what its thread freed. audioessay's threads spend their time inside numpy,
    onnxruntime (which has its own arena), CTranslate2 and ffmpeg, not in malloc, so one heap costs
    no measurable time. Measured on whole piper renders (bench/piper_render.py): the render process
    held 50 MB instead of 59, and the narration worker about 5 MB less, for the same CPU time; and
    ``verify --jobs 2`` of three demo episodes took 63-72 CPU seconds with it, 64-68 without.
    """
    c = libc()
    with contextlib.suppress(AttributeError):
        if c is not None:
            return bool(c.mallopt(M_ARENA_MAX, 1))
    return False
