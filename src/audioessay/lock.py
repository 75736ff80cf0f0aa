"""One writer per workspace: ``render``, ``script`` and ``publish`` take an exclusive lock.

The lock is ``flock`` on ``.audioessay/lock``: the kernel releases it when the holder dies,
even by SIGKILL, so a stale lock can never block a later run. A second command on the same
workspace exits at once with a message naming the process that holds the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from audioessay.errors import AudioessayError


class WorkspaceBusyError(AudioessayError):
    """Another audioessay command is writing to this workspace."""


@contextlib.contextmanager
def workspace_lock(state_dir: Path, command: str) -> Iterator[None]:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "lock"
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WorkspaceBusyError(
                f"the workspace is busy: {holder} is running",
                path=state_dir.parent,
                hint="wait for it to finish and run the command again",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"'audioessay {command}' (pid {os.getpid()})")
        handle.flush()
        yield
    finally:
        handle.close()
