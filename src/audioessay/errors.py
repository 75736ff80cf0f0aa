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
