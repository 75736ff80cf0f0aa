"""Where things live in a workspace, and its typed configuration (``audioessay.toml``).

Every key has its default here, in one place; an unknown key or a wrong type is a
:class:`ConfigError` naming the key and the file.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from audioessay.errors import ConfigError
from audioessay.fsutil import real_relative

CONFIG_NAME = "audioessay.toml"

APPLE_CATEGORIES = (
    "Arts", "Business", "Comedy", "Education", "Fiction", "Government", "History",
    "Health & Fitness", "Kids & Family", "Leisure", "Music", "News", "Religion & Spirituality",
    "Science", "Society & Culture", "Sports", "Technology", "True Crime", "TV & Film",
)


@dataclass(frozen=True)
class ShowConfig:
    """``[show]``: what the feed says about the podcast."""

    title: str = "Untitled show"
    author: str = "Anonymous"
    owner_name: str = ""  # defaults to author
    owner_email: str = "owner@example.com"
    language: str = "en"
    category: str = "Society & Culture"  # one of Apple's 19 top-level categories
    explicit: bool = False
    description: str = "Essays, read aloud."
    base_url: str = "http://127.0.0.1:8000/"  # where the workspace root is served
    link: str = ""  # the show's website; defaults to base_url
    cover: str = ""  # path to a square JPEG/PNG, 1400-3000 px; empty: generate one
    copyright: str = ""
    locked: bool = True  # podcast:locked: only the owner may move the feed


@dataclass(frozen=True)
class VoiceConfig:
    """``[voice]``: default narration settings (front matter and CLI options override)."""

    engine: str = "pyttsx3"
    voice: str = "en"
    rate: int = 175  # words per minute
    volume: float = 1.0
    model: str = ""  # piper voice model (.onnx); empty: the engine's default


@dataclass(frozen=True)
class TextConfig:
    """``[text]``: reading essays and writing scripts."""

    language: str = "en"
    max_bytes: int = 2_000_000  # larger essays are refused
    require_approval: bool = False  # render refuses scripts nobody approved


@dataclass(frozen=True)
class AudioConfig:
    """``[audio]``: the episode timeline and encoding."""

    intro: str = "audio/intro.mp3"  # intro music; empty: none
    announce: str = "{show}. Episode {number}: {title}."  # spoken over the intro; empty: none
    outro: str = ""  # closing line; empty: none
    sentence_pause: float = 0.35  # seconds after each sentence
    paragraph_pause: float = 0.9
    section_pause: float = 1.6
    bitrate: int = 96  # kbps, constant bitrate, 64-192
    loudness: float = -16.0  # LUFS integrated target
    true_peak: float = -1.0  # dBTP ceiling
    aac: bool = False  # also write <slug>.m4a (AAC, same bitrate) beside the MP3
    keep_parts: bool = True  # keep each episode's encoded parts, so that an edit re-encodes one part


@dataclass(frozen=True)
class FeedConfig:
    """``[feed]``: publishing."""

    removed: Literal["keep", "drop"] = "keep"  # what happens to episodes whose essay was removed


@dataclass(frozen=True)
class Config:
    show: ShowConfig = field(default_factory=ShowConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    text: TextConfig = field(default_factory=TextConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    feed: FeedConfig = field(default_factory=FeedConfig)
    pronunciations: dict[str, str] = field(default_factory=dict)  # word or phrase -> how to say it


def _check_value(value: Any, annotation: Any, key: str, path: Path) -> Any:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        allowed = typing.get_args(annotation)
        if value not in allowed:
            raise ConfigError(
                f"'{key}' must be one of {', '.join(map(repr, allowed))}, not {value!r}", path=path,
                hint="fix the value in the config file",
            )
        return value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"'{key}' must be a number, not {value!r}", path=path,
                              hint="fix the value in the config file")
        return float(value)
    expected = {str: "text", int: "a whole number", bool: "true or false"}.get(annotation)
    if expected is not None:
        ok = isinstance(value, annotation) and not (annotation is int and isinstance(value, bool))
        if not ok:
            raise ConfigError(f"'{key}' must be {expected}, not {value!r}", path=path,
                              hint="fix the value in the config file")
        return value
    raise AssertionError(f"unsupported config annotation {annotation}")  # a bug, not user input


def _build_section(cls: type, data: Any, section: str, path: Path) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"[{section}] must be a table", path=path, hint=f"write it as [{section}] with key = value lines")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for key, value in data.items():
        if key not in names:
            raise ConfigError(
                f"unknown key '{section}.{key}'", path=path,
                hint=f"known keys in [{section}]: {', '.join(sorted(names))}",
            )
        values[key] = _check_value(value, hints[key], f"{section}.{key}", path)
    return cls(**values)


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Validate a parsed TOML document into a :class:`Config`."""
    sections: dict[str, type] = {
        "show": ShowConfig, "voice": VoiceConfig, "text": TextConfig, "audio": AudioConfig, "feed": FeedConfig,
    }
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "pronunciations":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and k.strip() for k, v in value.items()
            ):
                raise ConfigError("[pronunciations] must map words to text, e.g. Jonze = \"Jones\"", path=path)
            values[key] = dict(value)
        elif key in sections:
            values[key] = _build_section(sections[key], value, key, path)
        else:
            raise ConfigError(
                f"unknown key '{key}'", path=path,
                hint=f"known tables: {', '.join(sorted([*sections, 'pronunciations']))}",
            )
    config = Config(**values)
    _check_ranges(config, path)
    return config


def _check_ranges(config: Config, path: Path) -> None:
    show, audio, voice = config.show, config.audio, config.voice
    if show.category not in APPLE_CATEGORIES:
        raise ConfigError(f"'show.category' {show.category!r} is not an Apple Podcasts category", path=path,
                          hint="use one of: " + ", ".join(APPLE_CATEGORIES))
    if "@" not in show.owner_email:
        raise ConfigError(f"'show.owner_email' {show.owner_email!r} is not an email address", path=path)
    if not show.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"'show.base_url' {show.base_url!r} must start with http:// or https://", path=path)
    if not show.title.strip():
        raise ConfigError("'show.title' is empty", path=path, hint="give the show a title")
    if not -9.0 <= audio.true_peak <= -0.5:
        raise ConfigError(f"'audio.true_peak' must be between -9 and -0.5 dBTP, not {audio.true_peak}", path=path,
                          hint="podcast platforms ask for -1 dBTP or lower")
    if not 64 <= audio.bitrate <= 192:
        raise ConfigError(f"'audio.bitrate' must be between 64 and 192 kbps, not {audio.bitrate}", path=path)
    if not 80 <= voice.rate <= 450:
        raise ConfigError(f"'voice.rate' must be between 80 and 450 words per minute, not {voice.rate}", path=path)
    if not 0.0 < voice.volume <= 1.0:
        raise ConfigError(f"'voice.volume' must be above 0 and at most 1, not {voice.volume}", path=path)
    for name in ("sentence_pause", "paragraph_pause", "section_pause"):
        if not 0.0 <= getattr(audio, name) <= 10.0:
            raise ConfigError(f"'audio.{name}' must be between 0 and 10 seconds", path=path)
    if config.text.max_bytes < 1:
        raise ConfigError("'text.max_bytes' must be positive", path=path)


@dataclass(frozen=True)
class Workspace:
    """A folder holding ``audioessay.toml``, ``seeds/``, ``audio/``, ``output/`` and ``feeds/``."""

    root: Path
    config: Config

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def feeds(self) -> Path:
        return self.root / "feeds"

    @property
    def feed_path(self) -> Path:
        return self.feeds / "feed.xml"

    @property
    def state(self) -> Path:
        """Private state: take cache, ledger backups, lock. Never served."""
        return self.root / ".audioessay"

    @property
    def cache(self) -> Path:
        return self.state / "cache"

    @property
    def ledger_path(self) -> Path:
        return self.root / "episodes.json"

    def episode_dir(self, slug: str) -> Path:
        return self.output / slug

    def script_path(self, slug: str) -> Path:
        return self.episode_dir(slug) / "script.txt"

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the workspace root."""
        return (self.root / relative).resolve()

    @functools.cached_property
    def real_root(self) -> str:
        """The root with symbolic links resolved, once (messages name every episode's files by it)."""
        return os.path.realpath(self.root)

    def relative(self, path: Path | str) -> str:
        """``path`` relative to the root, with forward slashes (for JSON and messages); symbolic
        links are resolved first. A path outside the workspace is returned as given."""
        found = real_relative(path, self.real_root)
        return str(path) if found is None else found

    def essay_paths(self) -> list[Path]:
        """Every essay in ``seeds/`` (``.txt`` and ``.md``), sorted by name."""
        if not self.seeds.is_dir():
            return []
        return sorted(p for p in self.seeds.iterdir() if p.is_file() and p.suffix.lower() in (".txt", ".md"))


def load_workspace(root: Path | str = ".") -> Workspace:
    """Read and validate ``audioessay.toml`` in ``root``."""
    root = Path(root).resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            f"no {CONFIG_NAME} here", path=root,
            hint="run this inside a workspace, or create one with 'audioessay init DIR'",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", path=path, hint="save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"is not valid TOML: {exc}", path=path, hint="fix the syntax") from None
    return Workspace(root=root, config=parse_config(data, path))


