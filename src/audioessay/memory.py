"""Give freed memory back to the system between big steps.

Mastering allocates and frees numpy arrays of a few MB (a take, its spectrum) over and over, on
several threads. glibc keeps much of what is freed in its heaps, so the resident size ratchets
up; ``malloc_trim`` after each part returns it. (Making every large array its own mapping with
``mallopt`` does the same continuously, but page faults then cost more time than the encoder.)
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    with contextlib.suppress(OSError):
        return ctypes.CDLL(name)
    return None


def trim() -> None:
    """Return free heap memory to the system (glibc only; elsewhere nothing happens)."""
    libc = _libc()
    with contextlib.suppress(AttributeError):
        if libc is not None:
            libc.malloc_trim(0)
