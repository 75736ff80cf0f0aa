"""What a run tells its caller: one row per episode, the essays that failed, the feed check."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from audioessay.errors import AudioessayError, DiskFullError


def bug(exc: Exception) -> AudioessayError:
    """An exception nobody expected, as one essay's error: the others go on and the feed is written.
    The message says it is a bug, so that it gets reported instead of worked around. A full disk
    is not one essay's problem: it is raised again, to stop the run with one line."""
    if isinstance(exc, DiskFullError):
        raise exc
    detail = " ".join(str(exc).split())[:300]
    return AudioessayError(f"unexpected {type(exc).__name__}{': ' + detail if detail else ''}",
                           hint="this is a bug in audioessay: please report it with this message; "
                                "the other essays were not affected")


@dataclass(frozen=True)
class VoiceOverrides:
    """Voice choices from the command line; they beat front matter and the config."""

    engine: str | None = None
    voice: str | None = None
    rate: int | None = None


@dataclass(frozen=True)
class EpisodeResult:
    """What happened to one essay, for the summary and ``--json`` (the field order is the JSON's)."""

    source: str
    slug: str
    title: str
    script: str
    status: str = "draft"  # the script's review status: draft, edited (by hand, not approved), approved
    stale: bool = False  # the essay changed since the script was written (a kept, edited or approved one)
    attention: int = 0
    audio: str | None = None
    aac: str | None = None  # the AAC copy (audio.aac), e.g. output/her/her.m4a
    synthesized: int = 0
    cached: int = 0
    remade: bool = False  # False when the episode was up to date
    duration: float | None = None
    loudness: float | None = None
    true_peak: float | None = None
    transcript: str | None = None
    transcript_srt: str | None = None
    chapters: str | None = None
    report: str | None = None
    notes: list[str] = field(default_factory=list)
    # The quality report's problems (report.json): a loudness miss, long silences, short takes...
    warnings: list[str] = field(default_factory=list)
    wer: float | None = None  # the takes' pooled word error rate, when render --verify heard them


@dataclass
class BuildReport:
    """Collected while a run goes on: the one mutable value, owned by the function that runs."""

    feed: str | None = None
    episodes: list[EpisodeResult] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # feed check findings
    notes: list[str] = field(default_factory=list)  # about the whole run (e.g. a recovered ledger)

    def fail(self, source: str, error: AudioessayError | str) -> None:
        message = error.format() if isinstance(error, AudioessayError) else error
        self.errors.append({"source": source, "message": message})

    def summary(self) -> dict[str, Any]:
        """The counts ``render`` ends with: episodes made and already up to date, essays that failed
        (and which), scripts stale (the essay changed since a kept script was written; and which),
        takes narrated and taken from the cache."""
        made = sum(1 for e in self.episodes if e.remade)
        return {
            "made": made, "up_to_date": len(self.episodes) - made, "failed": len(self.errors),
            "scripts_stale": sum(1 for e in self.episodes if e.stale),
            "stale_slugs": [e.slug for e in self.episodes if e.stale],
            "warnings": sum(len(e.warnings) for e in self.episodes),
            "failed_sources": [error["source"] for error in self.errors],
            "takes_narrated": sum(e.synthesized for e in self.episodes),
            "takes_from_cache": sum(e.cached for e in self.episodes),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "episodes": [dataclasses.asdict(e) for e in self.episodes],
            "errors": self.errors,
            "problems": self.problems,
            "notes": self.notes,
        }
