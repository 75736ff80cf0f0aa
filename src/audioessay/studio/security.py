"""Who may use the studio, and which files it may touch.

The studio edits a person's scripts and configuration, so it is guarded as Jupyter guards a
notebook server, plus what a page that writes needs:

* **A secret token.** ``audioessay studio`` prints a URL holding ``?token=...``; the first request
  with it sets a cookie (HttpOnly, SameSite=Strict, named for the port) and is redirected to the
  same URL without the token, so it does not stay in the address bar. Every request without the
  cookie or the token is refused: another local user, or a web page guessing the port, gets 403.
* **The Host header** must name the address the studio listens on (or ``localhost``), so a DNS
  rebinding page (evil.example resolving to 127.0.0.1) is refused even before the token.
* **Cross-site requests.** A state-changing request must be a ``POST`` with a JSON body, an
  ``Origin`` (or, without one, a ``Referer``) of the studio itself, and the page's CSRF token in
  the ``X-Studio-CSRF`` header. A form or ``fetch`` from another site can give none of them.
* **Paths.** Requests name episodes by slug, never by path; a slug must look like one
  (``[a-z0-9-]``) and be an essay's. Every file served or written is resolved (symbolic links
  followed) and refused unless it is inside the workspace.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from audioessay.errors import AudioessayError

TOKEN_BYTES = 32
CSRF_HEADER = "X-Studio-CSRF"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")  # what read.slugify makes; nothing else names an episode
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class StudioRefusedError(AudioessayError):
    """A request the studio refuses (no token, another site, a path outside the workspace)."""

    def __init__(self, message: str, *, status: int = 403, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


def new_token() -> str:
    """A fresh random token for the printed URL."""
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True)
class Guard:
    """The studio's secrets and the addresses it answers to."""

    token: str
    hosts: tuple[str, ...]  # allowed Host header values, e.g. ("127.0.0.1:8377", "localhost:8377")
    port: int = 0  # part of the cookie's name: cookies are shared between the ports of one host

    @property
    def cookie_name(self) -> str:
        return f"audioessay-studio-{self.port}"

    @property
    def csrf_token(self) -> str:
        """The token the page sends back with every change (derived: nothing more to keep)."""
        return hmac.new(self.token.encode(), b"csrf", hashlib.sha256).hexdigest()

    def token_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def check_host(self, host: str | None) -> None:
        if (host or "").lower() not in self.hosts:
            raise StudioRefusedError(f"this studio does not answer to the host {host!r}", status=421,
                                     hint="open the URL that 'audioessay studio' printed")

    def check_write(self, method: str, origin: str | None, referer: str | None, csrf: str | None,
                    content_type: str | None) -> None:
        """Refuse a state-changing request that did not come from the studio's own page."""
        if method not in _STATE_CHANGING:
            return
        source = origin if origin and origin != "null" else referer
        if not source or (urlsplit(source).netloc or "").lower() not in self.hosts:
            raise StudioRefusedError("a change must come from the studio's own page (cross-site request refused)")
        if not csrf or not hmac.compare_digest(csrf.encode(), self.csrf_token.encode()):
            raise StudioRefusedError("the request lacks the page's CSRF token", hint="reload the page")
        if (content_type or "").split(";")[0].strip().lower() != "application/json":
            raise StudioRefusedError("a change must be sent as JSON", status=415)


def loopback_hosts(host: str, port: int) -> tuple[str, ...]:
    """The Host header values a studio bound to ``host``:``port`` accepts."""
    names = {host, "localhost", "127.0.0.1", "[::1]"} if host in ("127.0.0.1", "localhost", "::1") else {host}
    shown = {f"[{name}]" if ":" in name and not name.startswith("[") else name for name in names}
    return tuple(sorted(f"{name}:{port}".lower() for name in shown))


def checked_slug(slug: str, known: set[str] | frozenset[str]) -> str:
    """``slug`` if it is the slug of one of the workspace's essays; refused otherwise."""
    if not _SLUG.match(slug) or slug not in known:
        raise StudioRefusedError(f"no episode {slug[:60]!r} in this workspace", status=404,
                                 hint="pick an episode from the show list")
    return slug


def inside(root: Path, candidate: Path | str) -> Path:
    """``candidate`` (relative to ``root``, or absolute) resolved, if it is inside ``root``."""
    real_root = Path(root).resolve()
    path = (real_root / candidate).resolve()
    if not path.is_relative_to(real_root):
        raise StudioRefusedError("that file is outside the workspace", status=404)
    return path
