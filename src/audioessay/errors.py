"""One base error for everything a user can cause; each message says what to do next.

The CLI turns any :class:`AudioessayError` into ``error: <message>`` and a non-zero exit,
in one place (``cli.main``). Library code raises; it never prints or exits.
"""

from __future__ import annotations

from pathlib import Path


class AudioessayError(Exception):
    """Base class. ``str(error)`` is a complete, one-line message for the user."""

    def __init__(self, message: str, *, path: Path | str | None = None, hint: str | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.hint = hint
        super().__init__(self.format())

    def format(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class ConfigError(AudioessayError):
    """audioessay.toml is missing, unreadable or has a bad key or value."""


class EssayError(AudioessayError):
    """An essay cannot be read or turned into a script."""


class ScriptError(AudioessayError):
    """A script file is malformed, stale or not approved."""


class ToolMissingError(AudioessayError):
    """A system tool (espeak-ng, ffmpeg) or library is not installed."""


class NarrationError(AudioessayError):
    """An engine failed to produce a usable take."""


class MasteringError(AudioessayError):
    """Mixing or encoding an episode failed."""


class PublishError(AudioessayError):
    """The feed, cover art or public files cannot be written or served."""


class DiskFullError(Exception):
    """The disk (or the user's quota) is full: ``no space left on device while writing PATH``.

    Not an :class:`AudioessayError` on purpose: a full disk is the machine's problem, not one
    essay's, so ``render`` does not report it per essay and go on (every other essay would fail
    the same way, each after its own attempt); it stops the command, which ``cli.main`` reports
    in one line. Nothing is corrupted (every file is written under a temporary name and renamed
    into place) and what was made is kept, so the same command run again, once there is space,
    goes on from there. It is never retried or waited on.

    ``path`` is the file being written (as given: ``cli.main`` shows it relative to the workspace).
    """

    def __init__(self, path: Path | str, *, quota: bool = False) -> None:
        self.path = str(path)
        self.quota = quota
        super().__init__(self.path)  # args: what pickling (a worker process's error) rebuilds it from

    def __reduce__(self) -> tuple[type[DiskFullError], tuple[str], dict[str, bool]]:
        return (DiskFullError, (self.path,), {"quota": self.quota})

    @property
    def hint(self) -> str:
        what = "free some space or raise the disk quota" if self.quota else "free some space"
        return f"{what}, then run the command again; what was made is kept"

    def format(self, shown: str | None = None) -> str:
        """The one-line message, naming the file as ``shown`` (e.g. workspace-relative) or as given."""
        return f"no space left on device while writing {shown or self.path} ({self.hint})"

    def __str__(self) -> str:
        return self.format()
