"""Small field rules every source shares: dates, identity keys from URLs, slugs, one-line text."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from audioessay.text.read import slugify

_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_cid$|mc_eid$|ref$|source$|r$|s$)", re.IGNORECASE)


def identity_url(url: str) -> str:
    """The form of a URL that identifies an essay across imports: http and https, ``www.``, a final
    slash, a fragment and tracking parameters (``utm_*``, Substack's ``r``) make no difference."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit(("https", host + port, parts.path.rstrip("/") or "/", query, ""))


def url_key(url: str | None) -> tuple[str, ...]:
    """The identity key of a URL (none for no URL or one that is not http(s))."""
    if not url or urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return ()
    return (f"url:{identity_url(url)}",)


def clean_url(url: str) -> str:
    """A URL as a seed's ``source_url``: without tracking parameters or fragment."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def slug_from_url(url: str | None) -> str:
    """The last part of a URL's path as a slug (``/p/on-maps/`` -> ``on-maps``); empty when none."""
    if not url:
        return ""
    parts = [part for part in urlsplit(url).path.split("/") if part]
    last = re.sub(r"\.(html?|php|aspx?)$", "", parts[-1]) if parts else ""
    return "" if last.isdigit() else slugify(last)


def one_line(text: str | None, limit: int = 4000) -> str | None:
    """Text for front matter: whitespace collapsed, capped; None when empty."""
    if not text:
        return None
    flat = " ".join(str(text).split())
    return flat[:limit].rstrip() or None


def parse_date(value: object) -> dt.datetime | None:
    """A date as sources write it (ISO 8601, RFC 822, a WordPress ``2024-03-01 09:00:00``, a
    ``time.struct_time`` from feedparser), in UTC; None when it cannot be read or is not set."""
    if value is None or value == "" or str(value).startswith("0000-00-00"):
        return None
    parsed: dt.datetime | None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, time.struct_time):
        parsed = dt.datetime(*value[:6], tzinfo=dt.UTC)
    else:
        parsed = _parse_text_date(str(value).strip())
    if parsed is None or not 1000 <= parsed.year <= 9999:  # the years a seed's date may have
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _parse_text_date(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
