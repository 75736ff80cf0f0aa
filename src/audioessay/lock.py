"""One writer per workspace: ``render``, ``script`` and ``publish`` take an exclusive lock.

The lock is ``flock`` on ``.audioessay/lock``: the kernel releases it when the holder dies,
even by SIGKILL, so a stale lock can never block a later run. A second command on the same
workspace exits at once with a message naming the process that holds the lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from audioessay.errors import AudioessayError


class WorkspaceBusyError(AudioessayError):
    """Another audioessay command is writing to this workspace."""


class WorkspaceNotWritableError(AudioessayError):
    """The workspace's private folder (.audioessay/) cannot be written: read-only or not ours."""


def _open_lock(state_dir: Path) -> IO[str]:
    """The lock file, opened for writing; a one-line error when the workspace cannot be written."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        return open(state_dir / "lock", "a+", encoding="utf-8")  # noqa: SIM115 - the caller closes it
    except OSError as exc:
        if exc.errno == errno.EROFS:
            why = "the file system is read-only"
        elif exc.errno in (errno.EACCES, errno.EPERM):
            why = "permission denied"
        else:
            why = exc.strerror or str(exc)
        raise WorkspaceNotWritableError(
            f"cannot write to {state_dir.name}/: {why}", path=state_dir.parent,
            hint=f"this command writes to the workspace: make the workspace and its {state_dir.name} "
                 "folder writable by you (chmod u+w), or copy the workspace to a writable disk",
        ) from None


@contextlib.contextmanager
def workspace_lock(state_dir: Path, command: str) -> Iterator[None]:
    handle = _open_lock(state_dir)
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
