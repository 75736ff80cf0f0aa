"""The last stage: the show's cover, then the feed and page from the episodes that are complete."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from audioessay.errors import AudioessayError, PublishError
from audioessay.fsutil import atomic_open, sha256_file
from audioessay.models import Episode, Link
from audioessay.pipeline.records import BuildRecord, intact, quality_problems, read_record, remove_superseded
from audioessay.pipeline.report import BuildReport
from audioessay.publish.ledger import Ledger, save_ledger
from audioessay.workspace import Workspace

# In .audioessay/: the feed check's results for episode files by file version; the feed and page last written.
CHECKED_FILE, PUBLISHED_FILE = "checked.json", "published.json"

Records = Mapping[str, BuildRecord]  # build.json of episodes as a run read or wrote them, by slug


def ensure_cover(ws: Workspace) -> Path:
    """The show's cover in feeds/: the configured image (checked), or a generated default."""
    from audioessay.publish.cover import check_cover, make_default_cover

    configured = ws.config.show.cover
    if configured.strip():
        source = ws.config_file("show.cover", configured, hint="fix the path, or remove the key to generate one")
        check_cover(source)
        target = ws.feeds / f"cover{source.suffix.lower().replace('.jpeg', '.jpg')}"
        if not target.exists() or sha256_file(target) != sha256_file(source):
            ws.feeds.mkdir(parents=True, exist_ok=True)
            with atomic_open(target, "wb") as out, open(source, "rb") as data:
                shutil.copyfileobj(data, out)
        return target
    return make_default_cover(ws.config.show.title, ws.config.show.author, ws.feeds / "cover.jpg")


def published_episodes(ws: Workspace, ledger: Ledger, records: Records | None = None) -> list[Episode]:
    """Episodes whose audio is complete on disk, with their ledger identity. ``records``: build.json
    of episodes already read in this run, by slug (the others are read here)."""
    episodes = []
    for entry in ledger.entries_for_feed(ws.config.feed.removed):
        record = (records or {}).get(entry.slug) or read_record(ws, entry.slug)
        if record is None or not intact(ws, record, "audio"):
            continue  # never point the feed at a missing or partial file

        def whole(name: str, record: BuildRecord = record) -> Path | None:
            """The file, unless it is missing or partial (then it is left out of the feed until
            the next render makes it again; the MP3 is enough)."""
            path = record.path_of(name)
            return Path(path) if path and intact(ws, record, name) else None

        aac = whole("aac")
        feed = record.feed
        episodes.append(Episode(
            slug=entry.slug, title=feed.title or entry.title, source=Path(entry.source),
            audio=Path(record.audio), audio_bytes=record.audio_bytes, duration=record.duration,
            description=feed.description, links=tuple(Link(link.url, link.text) for link in feed.links),
            guid=entry.guid, pub_date=entry.pub_date, number=entry.number,
            explicit=feed.explicit, author=feed.author,
            transcript_vtt=whole("transcript"), transcript_srt=whole("transcript_srt"),
            chapters=whole("chapters"), aac=aac,
            aac_bitrate=record.aac_bitrate if aac is not None else None,
        ))
    return episodes


def quality_warnings(ws: Workspace) -> list[str]:
    """Every published episode's quality-report problems, each as ``REPORT: PROBLEM`` (``check``)."""
    from audioessay.pipeline.identity import open_ledger

    warnings = []
    for entry in open_ledger(ws).ledger.entries_for_feed(ws.config.feed.removed):
        record = read_record(ws, entry.slug)
        if record is not None and record.report:
            warnings += [f"{record.report}: {problem}" for problem in quality_problems(ws, record)]
    return warnings


def publish_feed(ws: Workspace, base_url: str | None, cover: Path, ledger: Ledger,
                 records: Records | None = None) -> Path:
    """Write feeds/feed.xml and feeds/index.html from the episodes that are complete (``records``:
    see :func:`published_episodes`)."""
    from audioessay.publish.feed import write_feed
    from audioessay.publish.page import write_page

    base = base_url or ws.config.show.base_url
    if not base.startswith(("http://", "https://")):
        raise PublishError(f"base URL {base!r} must start with http:// or https://", hint="pass --base-url http://...")
    episodes = published_episodes(ws, ledger, records)
    cover_rel = ws.relative(cover)
    memo = ws.state / PUBLISHED_FILE
    write_feed(ws.feed_path, ws.config.show, episodes, base, cover_rel, ws.root, memo)
    write_page(ws.feeds / "index.html", ws.config.show, episodes, base, cover_rel, memo)
    return ws.feed_path


def finish(ws: Workspace, report: BuildReport, ledger: Ledger, base_url: str | None, cover: Path,
           records: Records | None = None, *, publish: bool = True) -> BuildReport:
    """Save the ledger and, unless stopping early, write the feed and page and check them."""
    from audioessay.publish.feed import check_feed

    save_ledger(ws.ledger_path, ledger)
    if publish:
        try:
            report.feed = ws.relative(publish_feed(ws, base_url, cover, ledger, records))
            remove_superseded(ws, records or {})  # the feed names the new versions now
            report.problems = check_feed(ws.root, ws.feed_path, ws.state / CHECKED_FILE)
        except AudioessayError as exc:
            report.fail(ws.relative(ws.feed_path), exc)
    return report


def republish(ws: Workspace, base_url: str | None, *, lock: bool = True) -> Path:
    """Rewrite the feed and page for ``base_url`` (``serve``, ``publish``); touches no audio.

    ``lock=False`` when the caller already holds the workspace lock."""
    from audioessay.lock import workspace_lock
    from audioessay.pipeline.identity import open_ledger

    if not lock:
        return publish_feed(ws, base_url, ensure_cover(ws), open_ledger(ws, for_writing=True).ledger)
    with workspace_lock(ws.state, "serve"):
        return publish_feed(ws, base_url, ensure_cover(ws), open_ledger(ws, for_writing=True).ledger)
