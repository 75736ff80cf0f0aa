"""The values ``import`` passes between its steps: posts read from a source, what became of each.

source --read--> Post (Markdown body, identity keys) --filter--> --write--> SeedOutcome -> ImportReport
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from audioessay.errors import AudioessayError


class ImportSourceError(AudioessayError):
    """A source (or one post of it) cannot be fetched or read: that post's one-line error."""


_PLURALS = {"subscribe box": "subscribe boxes"}


@dataclass(frozen=True)
class Dropped:
    """What the Markdown leaves out of a post, by kind ("image", "embed", "subscribe box", ...)."""

    counts: tuple[tuple[str, int], ...] = ()

    def __add__(self, other: Dropped) -> Dropped:
        merged: dict[str, int] = dict(self.counts)
        for kind, count in other.counts:
            merged[kind] = merged.get(kind, 0) + count
        return Dropped(tuple(sorted(merged.items())))

    def describe(self) -> str:
        """``3 images, 1 embed``; empty when nothing was dropped."""
        return ", ".join(f"{count} {kind if count == 1 else _PLURALS.get(kind, kind + 's')}"
                         for kind, count in self.counts)

    def as_dict(self) -> dict[str, int]:
        return dict(self.counts)


@dataclass(frozen=True)
class Post:
    """One essay as a source gives it, already in Markdown.

    ``keys`` say which essay it is across imports: the canonical URL (normalized) first, then any
    other id the source has for it (a feed entry's guid, a Ghost uuid). ``origin`` says where it
    came from, for messages."""

    origin: str
    title: str
    body: str
    keys: tuple[str, ...]
    slug_hint: str
    source_url: str | None = None
    author: str | None = None
    date: dt.datetime | None = None
    description: str | None = None
    dropped: Dropped = Dropped()
    draft: bool = False
    paywalled: bool = False


@dataclass(frozen=True)
class PostFailure:
    """A source or one of its posts that could not be read: one line, never a traceback."""

    origin: str
    message: str


@dataclass(frozen=True)
class SourceResult:
    """What one SOURCE argument gave: its posts, the posts that failed, and notes about it."""

    posts: tuple[Post, ...] = ()
    failures: tuple[PostFailure, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportOptions:
    """The choices of one ``import`` run."""

    include_skipped: bool = False  # drafts, paywalled stubs and very short posts too
    min_words: int = 100  # a published post shorter than this is skipped (a note, a "coming soon")
    force: bool = False  # overwrite seeds a person edited (after a backup)
    site_url: str | None = None  # for exports that do not record the blog's address


OUTCOME_KINDS = ("added", "updated", "unchanged", "kept", "conflict", "forced", "skipped")


@dataclass(frozen=True)
class SeedOutcome:
    """What became of one post: ``kind`` is one of :data:`OUTCOME_KINDS`; ``message`` is one line."""

    kind: str
    origin: str
    title: str
    message: str
    seed: str | None = None  # workspace-relative path of the seed
    slug: str | None = None
    source_url: str | None = None
    dropped: Dropped = Dropped()
    backup: str | None = None

    @property
    def wrote(self) -> bool:
        return self.kind in ("added", "updated", "forced")


@dataclass(frozen=True)
class ImportReport:
    """Everything an ``import`` run did, for the CLI's lines and ``--json``."""

    outcomes: tuple[SeedOutcome, ...] = ()
    failures: tuple[PostFailure, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    def summary(self) -> dict[str, int]:
        found = {kind: 0 for kind in OUTCOME_KINDS}
        for outcome in self.outcomes:
            found[outcome.kind] += 1
        found["failed"] = len(self.failures)
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "essays": [{"kind": o.kind, "origin": o.origin, "title": o.title, "seed": o.seed, "slug": o.slug,
                        "source_url": o.source_url, "dropped": o.dropped.as_dict(), "backup": o.backup,
                        "message": o.message} for o in self.outcomes],
            "errors": [{"source": f.origin, "message": f.message} for f in self.failures],
            "notes": list(self.notes),
            "summary": self.summary(),
            "seconds": round(self.seconds, 3),
        }
