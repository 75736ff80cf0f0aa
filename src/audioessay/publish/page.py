"""The show's web page, ``feeds/index.html``: a static, accessible page with a player per episode.

Links to episode files are relative to ``feeds/`` (``../output/<slug>/...``), so the page works
wherever the workspace is served; only the subscribe link is absolute, because podcast apps
need a full URL. Every piece of text is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from audioessay.errors import PublishError
from audioessay.fsutil import DerivedFile, write_if_changed
from audioessay.models import Episode
from audioessay.publish.feed import (
    FEED_RELPATH,
    base_with_slash,
    inputs_key,
    newest_first,
    paragraphs,
    published_memo,
    show_notes_html,
    xml_text,
)
from audioessay.workspace import ShowConfig

PAGE_DIR = "feeds"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # not strftime("%B"): that follows the locale

_CSS = """
:root { color-scheme: light dark; --accent: #7a3b8f; --muted: #666; }
@media (prefers-color-scheme: dark) { :root { --accent: #e0a8f0; --muted: #aaa; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 46rem; padding: 1rem; font: 1.05rem/1.55 system-ui, sans-serif; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
header img { width: 9rem; height: 9rem; border-radius: .5rem; }
h1 { margin: 0; font-size: 1.8rem; line-height: 1.2; }
h2 { margin: 0 0 .25rem; font-size: 1.3rem; line-height: 1.3; }
a { color: var(--accent); }
article { border-top: 1px solid #8884; padding: 1.25rem 0; }
audio { width: 100%; margin: .5rem 0; }
.meta, .subscribe small { color: var(--muted); font-size: .9rem; }
.subscribe code { word-break: break-all; }
""".strip()


def _relative(relpath: str | PurePosixPath | Path) -> str:
    """A workspace-relative path as a URL relative to ``feeds/``, each segment percent-encoded."""
    text = relpath.as_posix() if isinstance(relpath, (Path, PurePosixPath)) else str(relpath)
    return "/".join(quote(part, safe="") for part in posixpath.relpath(text, PAGE_DIR).split("/"))


def _duration(seconds: float) -> str:
    minutes, secs = divmod(max(0, round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _text(value: str) -> str:
    return html.escape(xml_text(value).strip())


def _episode_html(episode: Episode, show: ShowConfig) -> str:
    title = _text(episode.title)
    date = episode.pub_date.astimezone(dt.UTC)
    audio = html.escape(_relative(episode.audio))
    files = []
    if episode.transcript_vtt is not None:
        files.append(f'<a href="{html.escape(_relative(episode.transcript_vtt))}">Transcript (WebVTT)</a>')
    if episode.transcript_srt is not None:
        files.append(f'<a href="{html.escape(_relative(episode.transcript_srt))}">Transcript (SRT)</a>')
    if episode.chapters is not None:
        files.append(f'<a href="{html.escape(_relative(episode.chapters))}">Chapters (JSON)</a>')
    files.append(f'<a href="{audio}" download>Download audio</a>')
    if episode.aac is not None:
        aac = html.escape(_relative(episode.aac))
        files.append(f'<a href="{aac}" type="audio/mp4" download>AAC (.m4a)</a>')
    author = _text(episode.author or show.author)
    return "\n".join([
        f'<article id="{html.escape(episode.slug)}" aria-labelledby="title-{html.escape(episode.slug)}">',
        f'<h2 id="title-{html.escape(episode.slug)}">{title}</h2>',
        f'<p class="meta">Episode {episode.number} · <time datetime="{date.strftime("%Y-%m-%dT%H:%M:%SZ")}">'
        f'{date.day} {MONTHS[date.month - 1]} {date.year}</time> · {_duration(episode.duration)}'
        + (f" · {author}" if author else "") + "</p>",
        (f'<audio controls preload="metadata" src="{audio}" '
         f'aria-label="Play episode {episode.number}: {title}">'
         f'<a href="{audio}">Download the audio</a></audio>'),
        show_notes_html(episode.description, episode.links),
        "<p>" + " · ".join(files) + "</p>",
        "</article>",
    ])


def render_page(show: ShowConfig, episodes: Sequence[Episode], base_url: str, cover_relpath: str) -> str:
    """The page's HTML; the same inputs always give the same text."""
    title = _text(show.title)
    feed_url = html.escape(base_with_slash(base_url) + FEED_RELPATH)
    ordered = newest_first(episodes)
    description = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(show.description))
    body = "\n".join(_episode_html(episode, show) for episode in ordered) or "<p>No episodes yet.</p>"
    return f"""<!DOCTYPE html>
<html lang="{html.escape(show.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="alternate" type="application/rss+xml" title="{title}" href="{feed_url}">
<style>
{_CSS}
</style>
</head>
<body>
<header>
<img src="{html.escape(_relative(cover_relpath))}" alt="Cover art of {title}" width="300" height="300">
<div>
<h1>{title}</h1>
<p class="meta">By {_text(show.author)}</p>
</div>
</header>
<main>
{description}
<section class="subscribe" aria-label="Subscribe">
<p>Subscribe in your podcast app with this feed address:<br>
<a href="{feed_url}"><code>{feed_url}</code></a></p>
</section>
{body}
</main>
</body>
</html>
"""


def write_page(path: Path, show: ShowConfig, episodes: Sequence[Episode], base_url: str,
               cover_relpath: str, memo: Path | None = None) -> bool:
    """Write ``feeds/index.html`` atomically; False when the file was already identical.

    ``memo``: as for :func:`~audioessay.publish.feed.write_feed`, the page is not made again
    when its inputs and the file are what they were when it was last written."""
    derived = None
    if memo is not None:
        ordered = newest_first(episodes)
        key = inputs_key(show, ordered, base_url, cover_relpath)
        derived = DerivedFile(published_memo(memo), "page", Path(path), key)
        if derived.current():
            return False
    data = render_page(show, episodes, base_url, cover_relpath).encode("utf-8")
    try:
        wrote = write_if_changed(Path(path), data)
    except OSError as exc:
        raise PublishError(f"cannot write the web page: {exc}", path=path,
                           hint="check that the feeds/ folder is writable") from None
    if derived is not None:
        derived.record()
    return wrote
