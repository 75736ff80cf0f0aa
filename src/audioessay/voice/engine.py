"""The engine interface and the registry of engines.

Built-in engines register through the same entry-point group that outside plugins use
(``audioessay.engines`` in ``pyproject.toml``), so a plugin package only has to declare::

    [project.entry-points."audioessay.engines"]
    myengine = "mypackage.module:MyEngine"
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from audioessay.errors import ToolMissingError
from audioessay.models import VoiceSettings

ENTRY_POINT_GROUP = "audioessay.engines"


@dataclass(frozen=True)
class Availability:
    """Whether an engine can run here; if not, why and how to install what is missing."""

    ok: bool
    reason: str = ""
    install: str = ""
    note: str = ""  # when it can run: what it still lacks (Kokoro without its English speakers)

    def describe(self, voices: int) -> str:
        """How ``doctor`` and ``voices`` show an engine that can run."""
        return f"available, {voices} voices" + (f"; {self.note}" if self.note else "")


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    language: str = ""
    gender: str = ""


ESPEAK_ENGINES = frozenset({"pyttsx3", "espeak-ng"})  # pyttsx3 drives espeak-ng's library on Linux
# espeak-ng's pause between words, in its units (10 ms at 175 words a minute; shorter when faster).
# The listener mishears espeak-ng's short words run together ("her" as "for", "of" as "on"): with
# 40 ms between words it misheard about a third fewer of the demo essays' words (docs/voices.md).
ESPEAK_WORD_GAP = 4
UNKNOWN_VOICE_HINT = "list voices with 'audioessay voices'; espeak-ng's variants (+klatt2, +f3) with 'espeak-ng --voices=variant'"
_MIDDLE_A = re.compile(r"(?<=[A-Z]-)A(?=-[A-Z])")
_ENGLISH_VOICE = re.compile(r"(?:.*/)?en(?:[-_].*)?$", re.IGNORECASE)  # en, en-us, en-gb-x-rp, gmw/en-US


def engine_text(settings: VoiceSettings, text: str) -> str:
    """The text as the engine is given it, which is also what its takes are keyed on.

    espeak-ng's English voices read a capital A *inside* a spelled initialism as the article:
    "F-A-Q" is said "eff uh queue" (at either end, "A-I" and "U-S-A", it is said right). Given
    "eh" there instead, they say "ay": "F-eh-Q" is "eff ay queue". Only that A changes, so the
    script, captions and every other take keep their text, and their cached takes their keys.
    """
    if settings.engine in ESPEAK_ENGINES and _ENGLISH_VOICE.match(settings.voice):
        return _MIDDLE_A.sub("eh", text)
    return text


def espeak_voice(voice: str, names: set[str], variants: dict[str, str]) -> str | None:
    """``voice`` as espeak-ng is given it, or None when it is unknown: one of ``names`` (see
    :func:`voice_names`), optionally with one of espeak-ng's ``variants`` after a ``+``
    ("en-us+klatt2", "en-gb+f3"; see :func:`variant_names`), named in any case."""
    base, plus, variant = voice.partition("+")
    if base.lower() not in names:
        return None
    if not plus:
        return voice
    named = variants.get(variant.lower())
    return f"{base}+{named}" if named else None


def variant_names(files: Iterable[str]) -> dict[str, str]:
    """espeak-ng's variants from their files ("!v/klatt2"): lower-case name -> the name espeak-ng
    loads the file by (file names are case-sensitive: "Alex", "klatt2")."""
    return {name.lower(): name for name in (file.rsplit("/", 1)[-1] for file in files) if name}


def voice_names(voices: list[VoiceInfo]) -> set[str]:
    """Every lower-case name a voice may be called by: id ("gmw/en-us"), its last part
    ("en-us"), display name and language."""
    names: set[str] = set()
    for v in voices:
        names.update(n.lower() for n in (v.id, v.id.rsplit("/", 1)[-1], v.name, v.language) if n)
    return names


@runtime_checkable
class Engine(Protocol):
    """A text-to-speech engine. Instances are created once per worker process.

    An engine class may set ``shares_one_model = True`` when one instance can narrate several takes
    at once on threads (its model loaded once): the local runner then starts one worker with a
    thread per job instead of a process per job (:func:`shares_one_model`)."""

    name: str

    def availability(self) -> Availability:
        """Can this engine run here? Must be cheap and must not start the engine."""
        ...

    def version(self) -> str:
        """Part of every take's cache key: a new engine version re-narrates."""
        ...

    def voices(self) -> list[VoiceInfo]:
        ...

    def synthesize(self, text: str, settings: VoiceSettings, out: Path) -> None:
        """Say ``text`` into a mono 16-bit WAV file at ``out`` (the caller makes it atomic)."""
        ...


@functools.cache
def engine_classes() -> dict[str, type]:
    """Every registered engine class by name (built-in and plugins)."""
    classes: dict[str, type] = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            classes[entry.name] = entry.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the other engines
            classes[entry.name] = _broken_engine(entry.name, exc)
    return classes


def _broken_engine(name: str, exc: Exception) -> type:
    class Broken:
        def __init__(self) -> None:
            self.name = name

        def availability(self) -> Availability:
            return Availability(False, f"the plugin failed to load: {exc}", "reinstall the package that provides it")

        def version(self) -> str:
            return "broken"

        def voices(self) -> list[VoiceInfo]:
            return []

        def synthesize(self, text: str, settings: VoiceSettings, out: Path) -> None:
            raise ToolMissingError(f"engine '{name}' failed to load: {exc}")

    return Broken


def get_engine(name: str) -> Engine:
    """A new instance of the named engine, or a clear error listing the known ones."""
    classes = engine_classes()
    if name not in classes:
        raise ToolMissingError(
            f"unknown engine '{name}': no such engine is installed",
            hint=f"known engines: {', '.join(sorted(classes))}; name one in --engine, the essay's 'engine:' "
                 "or voice.engine in audioessay.toml (see 'audioessay voices')",
        )
    return classes[name]()


def require_available(name: str) -> Engine:
    """The named engine, if it can run here; otherwise a one-line error with the install command."""
    engine = get_engine(name)
    status = engine.availability()
    if not status.ok:
        raise ToolMissingError(f"engine '{name}' is not available: {status.reason}", hint=status.install)
    return engine


def shares_one_model(name: str) -> bool:
    """Whether the named engine narrates several takes at once on threads, sharing one loaded model
    (see :class:`Engine`); False for an unknown engine."""
    return bool(getattr(engine_classes().get(name), "shares_one_model", False))
