"""Where things live in a workspace, and its typed configuration (``audioessay.toml``).

Every key has its default here, in one place; an unknown key or a wrong type is a
:class:`ConfigError` naming the key and the file.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import math
import os
import re
import stat
import string
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

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
    kokoro_model: str = ""  # kokoro-v1.0.onnx or kokoro-v1.0.int8.onnx; empty: the registry packages' model
    kokoro_voices: str = ""  # voices-v1.0.bin or a folder of speaker .bin files; empty: the registries' speakers


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
class VerifyConfig:
    """``[verify]``: hearing every take back during a render (the verify extra)."""

    enabled: bool = False  # like render --verify
    model: Literal["", "base", "tiny.en"] = ""  # empty: base when installed, else tiny.en


@dataclass(frozen=True)
class Config:
    show: ShowConfig = field(default_factory=ShowConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    text: TextConfig = field(default_factory=TextConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    feed: FeedConfig = field(default_factory=FeedConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
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
        if not math.isfinite(value):  # TOML allows nan and inf; no setting means either
            raise ConfigError(f"'{key}' must be a finite number, not {value!r}", path=path,
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
        "verify": VerifyConfig,
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


# Every number's allowed range: (low, high, unit, why). A value outside is refused at load, naming
# the key, so that nothing absurd (a 2**63 byte limit, a 30 LUFS target) reaches a later stage.
NUMBER_RANGES: dict[str, tuple[float, float, str, str]] = {
    "voice.rate": (80, 450, "words per minute", "175 is espeak-ng's normal speed"),
    "text.max_bytes": (1, 1_000_000_000, "bytes", "1 GB is far more than any essay"),
    "audio.sentence_pause": (0.0, 10.0, "seconds", "longer silences fail the silence check"),
    "audio.paragraph_pause": (0.0, 10.0, "seconds", "longer silences fail the silence check"),
    "audio.section_pause": (0.0, 10.0, "seconds", "longer silences fail the silence check"),
    # Integrated loudness: -10 LUFS is louder than any platform's target (Apple -16, Spotify -14)
    # and speech levelled any higher under the true-peak ceiling is crushed by the limiter, so the
    # target cannot be met; -30 is quieter than any broadcast norm (EBU R128 -23, ATSC -24), and
    # an episode quieter than that is lost in listening noise.
    "audio.loudness": (-30.0, -10.0, "LUFS", "podcasts use -16 (stereo) or -19 (mono)"),
    "audio.true_peak": (-9.0, -0.5, "dBTP", "podcast platforms ask for -1 dBTP or lower"),
}
# MPEG-1 Layer III's constant bitrates from 64 to 192 kbps: lame would round any other value.
MP3_BITRATES = (64, 80, 96, 112, 128, 160, 192)
ANNOUNCE_FIELDS = ("show", "number", "title")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # the feed's podcast:transcript rule


def _number(config: Config, dotted: str) -> float:
    section, key = dotted.split(".")
    value: float = getattr(getattr(config, section), key)
    return value


def _check_numbers(config: Config, path: Path) -> None:
    for dotted, (low, high, unit, why) in NUMBER_RANGES.items():
        value = _number(config, dotted)
        if not low <= value <= high:  # also refuses nan
            raise ConfigError(f"'{dotted}' must be between {low:g} and {high:g} {unit}, not {value!r}",
                              path=path, hint=why)
    if config.audio.bitrate not in MP3_BITRATES:
        raise ConfigError(
            f"'audio.bitrate' must be one of {', '.join(map(str, MP3_BITRATES))} kbps "
            f"(MP3's constant bitrates between 64 and 192), not {config.audio.bitrate}", path=path,
            hint="96 is plenty for speech")
    if not 0.0 < config.voice.volume <= 1.0:
        raise ConfigError(f"'voice.volume' must be above 0 and at most 1, not {config.voice.volume}", path=path)


def check_url(value: str, key: str, path: Path, *, base: bool = False) -> None:
    """Raise :class:`ConfigError` unless ``value`` is an absolute http(s) URL with a host and a
    valid port (``base``: one that file paths can be appended to: no query or fragment)."""
    def bad(why: str) -> ConfigError:
        return ConfigError(f"'{key}' {value!r} {why}", path=path,
                           hint="write an http(s) URL such as https://example.com/podcast/")

    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        raise bad("has spaces or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port  # ValueError when it is not a number from 0 to 65535
    except ValueError as exc:
        raise bad(f"is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise bad("must start with http:// or https://")
    if not parts.hostname:
        raise bad("has no host name")
    if port == 0:
        raise bad("has port 0")
    if parts.username is not None or parts.password is not None:
        raise bad("holds a user name or password, which the feed would publish")
    if base and (parts.query or parts.fragment or "?" in value or "#" in value):
        raise bad("must not have a query (?) or fragment (#): file paths are appended to it")


ANNOUNCE_MAX = 300  # characters: one or two sentences, said over the intro of every episode


def check_announce(template: str, path: Path) -> None:
    """The announcement template may hold only the plain fields {show}, {number} and {title}, and
    is short (it is narrated for every episode, over the intro music)."""
    if len(template) > ANNOUNCE_MAX:
        raise ConfigError(f"'audio.announce' is {len(template):,} characters long, more than {ANNOUNCE_MAX}",
                          path=path, hint="keep the announcement to a sentence or two; the essay is the episode")
    hint = "use only {show}, {number} and {title}, with no format spec, conversion, index or attribute; " \
           "write {{ and }} for braces"
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ConfigError(f"'audio.announce' {template!r} is not a valid template ({exc})", path=path,
                          hint=hint) from None
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in ANNOUNCE_FIELDS or spec or conversion:
            raw = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ConfigError(f"'audio.announce' has the placeholder {raw}, which is not allowed", path=path,
                              hint=hint)


@functools.cache
def installed_engines() -> tuple[str, ...]:
    """The names of every registered engine (entry points: read, not imported)."""
    from audioessay.voice.engine import ENTRY_POINT_GROUP

    return tuple(sorted({entry.name for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}))


def _check_names(config: Config, path: Path) -> None:
    """Keys that name something: the speech language, the feed language, the engine."""
    from audioessay.text.lang_base import available_languages

    language = config.text.language
    key = language.strip().lower().replace("_", "-").split("-")[0]  # as lang_base.get_language reads it
    if key not in available_languages():
        raise ConfigError(f"'text.language' {language!r} is not a supported language", path=path,
                          hint=f"supported: {', '.join(available_languages())}")
    if not _LANGUAGE_TAG.match(config.show.language):
        raise ConfigError(f"'show.language' {config.show.language!r} is not a language code", path=path,
                          hint="write a code like en or en-GB")
    engines = installed_engines()
    if config.voice.engine not in engines:
        raise ConfigError(f"voice.engine = {config.voice.engine!r}: no such engine", path=path,
                          hint=f"installed: {', '.join(engines) or 'none'}; see 'audioessay voices'")


def _check_ranges(config: Config, path: Path) -> None:
    show = config.show
    if show.category not in APPLE_CATEGORIES:
        raise ConfigError(f"'show.category' {show.category!r} is not an Apple Podcasts category", path=path,
                          hint="use one of: " + ", ".join(APPLE_CATEGORIES))
    if "@" not in show.owner_email:
        raise ConfigError(f"'show.owner_email' {show.owner_email!r} is not an email address", path=path)
    check_url(show.base_url, "show.base_url", path, base=True)
    if show.link:
        check_url(show.link, "show.link", path)
    if not show.title.strip():
        raise ConfigError("'show.title' is empty", path=path, hint="give the show a title")
    _check_numbers(config, path)
    check_announce(config.audio.announce, path)
    _check_names(config, path)


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

    def config_file(self, key: str, name: str, hint: str) -> Path:
        """The regular file the config key ``key`` (e.g. ``audio.intro``) names, resolved.

        A missing file, a folder, a device, a FIFO or a socket is a :class:`ConfigError` naming the
        key and saying what the path is. Only ``stat`` is used, so a FIFO never blocks.
        """
        path = self.resolve(name)
        config = self.root / CONFIG_NAME
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise ConfigError(f"{key} names {name}, which does not exist", path=config, hint=hint) from None
        except OSError as exc:
            raise ConfigError(f"{key} names {name}, which cannot be read: {exc.strerror or exc}", path=config,
                              hint=hint) from None
        if stat.S_ISDIR(mode):
            raise ConfigError(f"{key} names {name}, which is a folder, not a file", path=config, hint=hint)
        if not stat.S_ISREG(mode):
            raise ConfigError(f"{key} names {name}, which is not a regular file (a device, FIFO or socket)",
                              path=config, hint=hint)
        if not os.access(path, os.R_OK):
            raise ConfigError(f"{key} names {name}, which cannot be read: permission denied", path=config,
                              hint=hint)
        return path

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
        """Every essay in ``seeds/`` (``.txt`` and ``.md``), sorted by name. An entry that is not a
        readable file (a FIFO, a socket, a broken or looping link) is listed too, so that reading it
        says what it is instead of passing over it in silence; folders are not."""
        if not self.seeds.is_dir():
            if self.seeds.exists():
                raise ConfigError("seeds is not a folder", path=self.seeds,
                                  hint="make seeds/ a folder of .md and .txt essays")
            return []
        return sorted(p for p in self.seeds.iterdir()
                      if p.suffix.lower() in (".txt", ".md") and not _is_folder(p))


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a symlink loop: not a folder, and reading it says what is wrong
        return False


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


