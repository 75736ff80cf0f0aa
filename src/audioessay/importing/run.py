"""``import`` as a table of contents: read each source -> decide what to skip -> write the seeds."""

from __future__ import annotations

import time
from collections.abc import Sequence

from audioessay.errors import AudioessayError
from audioessay.importing.fetch import DEFAULT_LIMITS, FetchLimits
from audioessay.importing.markdown import word_count
from audioessay.importing.models import ImportOptions, ImportReport, Post, PostFailure, SeedOutcome
from audioessay.importing.seeds import SeedWriter
from audioessay.importing.sources import read_source
from audioessay.workspace import Workspace

DEFAULT_OPTIONS = ImportOptions()


def import_sources(ws: Workspace, sources: Sequence[str], options: ImportOptions = DEFAULT_OPTIONS,
                   limits: FetchLimits = DEFAULT_LIMITS) -> ImportReport:
    """Import every post of ``sources`` into ``ws``'s ``seeds/``. A source or post that fails is one
    line in the report's failures; the others are imported."""
    started = time.monotonic()
    posts: list[Post] = []
    failures: list[PostFailure] = []
    notes: list[str] = []
    for source in sources:
        result = read_source(source, options, limits)
        posts += result.posts
        failures += result.failures
        notes += result.notes
    outcomes, unwritten = write_posts(ws, posts, options)
    failures += unwritten
    return ImportReport(tuple(outcomes), tuple(failures), tuple(notes), time.monotonic() - started)


def skip_reason(post: Post, options: ImportOptions) -> str | None:
    """Why ``post`` is not imported by default (a draft, a paywalled stub, very short), or None."""
    if options.include_skipped:
        return None
    if post.draft:
        return "a draft, not published"
    if post.paywalled:
        return "paywalled: the source holds only its free preview"
    words = word_count(post.body)
    if words < options.min_words:
        return f"very short ({words} words, fewer than {options.min_words})"
    return None


def write_posts(ws: Workspace, posts: Sequence[Post],
                options: ImportOptions) -> tuple[list[SeedOutcome], list[PostFailure]]:
    """Write each post that is not skipped; also returns the posts that could not be written."""
    writer = SeedWriter(ws, options)
    outcomes: list[SeedOutcome] = []
    failures: list[PostFailure] = []
    try:
        for post in posts:
            reason = skip_reason(post, options)
            if reason is not None:
                outcomes.append(SeedOutcome("skipped", post.origin, post.title, f"skipped {post.origin}: {reason} "
                                            "(--include-skipped imports it)", source_url=post.source_url))
                continue
            try:
                outcomes.append(writer.place(post))
            except AudioessayError as exc:
                failures.append(PostFailure(post.origin, exc.format()))
    finally:
        writer.save()  # what was written is recorded even when a full disk stops the run
    return outcomes, failures
