"""Keep the process's memory close to what it really holds.

Mastering allocates and frees numpy arrays of a few MB (a take, its spectrum) over and over, on
several threads. glibc's malloc raises its mmap threshold after each large free and then serves
such arrays from heaps it rarely gives back, so the resident size ratchets up to several times
the live data. A fixed threshold keeps every large array in its own mapping, returned to the
system when it is freed.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
LARGE = 256 * 1024  # bytes: arrays this big or bigger get their own mapping


def return_freed_memory() -> bool:
    """Tune glibc's malloc as described above; False where there is no glibc (nothing changes)."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(name)
        ok = libc.mallopt(_M_MMAP_THRESHOLD, LARGE) == 1
        return bool(libc.mallopt(_M_TRIM_THRESHOLD, LARGE) == 1 and ok)
    return False
