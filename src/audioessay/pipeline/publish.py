"""The last stage: the show's cover, then the feed and page from the episodes that are complete."""

from __future__ import annotations

import shutil
import threading
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
                 records: Records | None = None, folder: Path | None = None) -> Path:
    """Write feeds/feed.xml and feeds/index.html from the episodes that are complete (``records``:
    see :func:`published_episodes`); ``folder``: write them there instead (``serve``'s own copy)."""
    from audioessay.publish.feed import write_feed
    from audioessay.publish.page import write_page
    from audioessay.publish.transcript_page import TRANSCRIPTS_MEMO, write_transcript_pages

    base = base_url or ws.config.show.base_url
    if not base.startswith(("http://", "https://")):
        raise PublishError(f"base URL {base!r} must start with http:// or https://", hint="pass --base-url http://...")
    if base_url:  # the command line's, checked as the config's is when it is read
        from audioessay.errors import ConfigError
        from audioessay.workspace import check_url

        try:
            check_url(base_url, "--base-url", ws.root, base=True)
        except ConfigError as exc:
            raise PublishError(exc.message, hint=exc.hint) from None
    episodes = published_episodes(ws, ledger, records)
    cover_rel = ws.relative(cover)
    out = folder or ws.feeds
    memo = (folder / PUBLISHED_FILE) if folder else ws.state / PUBLISHED_FILE
    # The readable transcripts first (the page links them); always in feeds/transcripts/, even for
    # serve's copy: they link only relatively, so they are the same for every base URL.
    write_transcript_pages(ws.root, ws.config.show, episodes, ws.state / TRANSCRIPTS_MEMO)
    write_feed(out / ws.feed_path.name, ws.config.show, episodes, base, cover_rel, ws.root, memo)
    write_page(out / "index.html", ws.config.show, episodes, base, cover_rel, memo)
    return out / ws.feed_path.name


def finish(ws: Workspace, report: BuildReport, ledger: Ledger, base_url: str | None, cover: Path,
           records: Records | None = None, *, publish: bool = True) -> BuildReport:
    """Save the ledger and, unless stopping early, write the feed and page and check them; then
    remove the earlier versions of the episodes' files, including those a run stopped before its
    feed left behind (every episode folder is looked at: one listing each)."""
    from audioessay.publish.feed import check_feed

    save_ledger(ws.ledger_path, ledger)
    if publish:
        try:
            report.feed = ws.relative(publish_feed(ws, base_url, cover, ledger, records))
            remove_superseded(ws, records or {})  # the feed names the current versions now
            report.problems = check_feed(ws.root, ws.feed_path, ws.state / CHECKED_FILE)
        except AudioessayError as exc:
            report.fail(ws.relative(ws.feed_path), exc)
    return report


class ServedFeed:
    """The feed and page as ``serve`` shows them: written for the server's own address into a
    private folder (``.audioessay/serve/``), never over ``feeds/``, so that a ``render`` that writes
    the public feed for ``show.base_url`` does not change the URLs a running server hands out.
    When a render changes the ledger or the public feed, the copy is written again at the next
    request (or the last one is served while a render holds the workspace)."""

    NAMES = ("feeds/feed.xml", "feeds/index.html")

    def __init__(self, ws: Workspace, base_url: str) -> None:
        import hashlib

        self.ws, self.base_url = ws, base_url
        self.folder = ws.state / "serve" / hashlib.sha256(base_url.encode()).hexdigest()[:16]
        self._seen: tuple[tuple[int, int] | None, ...] | None = None
        self._lock = threading.Lock()

    def path_for(self, relpath: str) -> Path | None:
        """The file to serve for a public path: this server's copy of the feed or page, else None."""
        if relpath not in self.NAMES:
            return None
        with self._lock:
            self.refresh(wait=False)
        return self.folder / relpath.rsplit("/", 1)[1]

    def refresh(self, *, wait: bool = True) -> Path:
        """Write the copy again if the ledger or the public feed changed since it was written."""
        from audioessay.lock import WorkspaceBusyError, workspace_lock
        from audioessay.pipeline.identity import open_ledger

        seen = tuple(_signature(path) for path in (self.ws.ledger_path, self.ws.feed_path))
        target = self.folder / self.ws.feed_path.name
        if seen == self._seen and target.is_file():
            return target
        try:
            with workspace_lock(self.ws.state, "serve"):
                publish_feed(self.ws, self.base_url, ensure_cover(self.ws), open_ledger(self.ws, for_writing=True).ledger,
                             folder=self.folder)
        except WorkspaceBusyError:
            if wait or not target.is_file():
                raise
            return target  # a render is writing: the last copy until it is done
        self._seen = seen
        return target


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def republish(ws: Workspace, base_url: str | None, *, lock: bool = True) -> Path:
    """Rewrite the feed and page for ``base_url`` (``serve``, ``publish``); touches no audio.

    ``lock=False`` when the caller already holds the workspace lock."""
    from audioessay.lock import workspace_lock
    from audioessay.pipeline.identity import open_ledger

    if not lock:
        return publish_feed(ws, base_url, ensure_cover(ws), open_ledger(ws, for_writing=True).ledger)
    with workspace_lock(ws.state, "serve"):
        return publish_feed(ws, base_url, ensure_cover(ws), open_ledger(ws, for_writing=True).ledger)
