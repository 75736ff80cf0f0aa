"""``audioessay init``: a new workspace with a config, a sample essay and intro music."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from audioessay.errors import ConfigError
from audioessay.fsutil import atomic_write_bytes
from audioessay.workspace import CONFIG_NAME


def init_workspace(directory: Path) -> list[str]:
    """Create the workspace layout in ``directory``; refuses to touch an existing workspace."""
    try:
        return _init(Path(directory))
    except OSError as exc:  # a parent that cannot be made, a name too long, a read-only disk...
        raise ConfigError(f"cannot create the workspace: {exc.strerror or exc}", path=directory,
                          hint="choose a folder you can write to, with a shorter name") from None


def _init(directory: Path) -> list[str]:
    if (directory / CONFIG_NAME).exists():
        raise ConfigError("already holds a workspace", path=directory / CONFIG_NAME,
                          hint="edit it, or choose another folder")
    if directory.exists() and not directory.is_dir():
        raise ConfigError("exists and is not a folder", path=directory, hint="choose another name")
    data = resources.files("audioessay") / "data"
    files = {
        CONFIG_NAME: (data / "audioessay.toml").read_bytes(),
        "seeds/welcome.md": (data / "welcome.md").read_bytes(),
        # Made by the project's own synthesizer (scripts/make-intro): royalty-free by construction.
        # Copied, not made again: that takes seconds.
        "audio/intro.mp3": (data / "intro.mp3").read_bytes(),
    }
    created = []
    for name, content in files.items():
        target = directory / name
        if not target.exists():
            atomic_write_bytes(target, content)
            created.append(name)
    for folder in ("output", "feeds"):
        (directory / folder).mkdir(parents=True, exist_ok=True)
        created.append(folder + "/")
    return created
