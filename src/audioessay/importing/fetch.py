"""Plain HTTP(S) fetching for ``import``: a timeout, a User-Agent, a size limit and a few redirects.

Only ``http`` and ``https`` URLs are fetched, also after a redirect; nothing is ever fetched for a
file given on the command line. Every failure is one :class:`ImportSourceError` naming the URL.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from audioessay import __version__
from audioessay.importing.models import ImportSourceError

USER_AGENT = f"audioessay/{__version__} (essay importer; +https://pypi.org/project/audioessay/)"
TIMEOUT = 20.0  # seconds without a byte from the server
MAX_BYTES = 10_000_000  # a blog page or feed is far smaller; more is a mistake or an attack
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Fetched:
    """A response body: ``url`` is where it came from after redirects."""

    url: str
    body: bytes
    content_type: str  # e.g. "text/html", without parameters; "" when the server sent none
    charset: str | None


DEADLINE = 120.0  # seconds for a whole response: a server that drips bytes is cut off


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = TIMEOUT
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    deadline: float = DEADLINE
    # Whether a private, loopback or link-local address may be fetched. False for the pages a feed
    # links to when the feed itself is on a public address: a feed must not make the importer read
    # (and publish) a page of the machine's own network.
    private_ok: bool = True


def is_private(url: str) -> bool:
    """Whether ``url``'s host is, or resolves to, a loopback, private, link-local or reserved address."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False  # it cannot be fetched either: fetching it says why
    return any(_private_address(address) for address in addresses)


def _private_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified


def _check_public(url: str, limits: FetchLimits, where: str) -> None:
    if not limits.private_ok and is_private(url):
        raise ImportSourceError(f"links to {url}, an address of a private network, which is not fetched",
                                path=where, hint="import that page by its URL yourself if you mean it")


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows at most ``max_redirections`` redirects, and only to http(s) URLs."""

    def __init__(self, limits: FetchLimits) -> None:
        super().__init__()
        self.limit, self.limits = limits.max_redirects, limits

    def http_error_302(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                       headers: http.client.HTTPMessage) -> Any:
        # urllib counts redirects per request in ``redirect_dict``; its limit is a class constant.
        target = urljoin(req.full_url, headers.get("Location") or headers.get("URI") or "")
        if urlsplit(target).scheme.lower() not in ("http", "https"):
            raise ImportSourceError(f"redirects to {target}, which is not an http(s) URL", path=req.full_url)
        _check_public(target, self.limits, req.full_url)
        if len(getattr(req, "redirect_dict", {})) >= self.limit:
            raise ImportSourceError(f"more than {self.limit} redirects", path=req.full_url,
                                    hint="give the address the redirects end at")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: http.client.HTTPMessage, newurl: str) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise ImportSourceError(f"redirects to {newurl}, which is not an http(s) URL", path=req.full_url)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def is_url(text: str) -> bool:
    """Whether a command-line SOURCE is a web address rather than a file."""
    return urlsplit(text).scheme.lower() in ("http", "https")


DEFAULT_LIMITS = FetchLimits()


def fetch(url: str, limits: FetchLimits = DEFAULT_LIMITS) -> Fetched:
    """GET ``url``; an HTTP error, a timeout, too many redirects or a body over the limit is an
    :class:`ImportSourceError` naming the URL, with a hint."""
    if not is_url(url):
        raise ImportSourceError("is not an http(s) URL", path=url, hint="give an http:// or https:// address")
    _check_public(url, limits, url)
    opener = urllib.request.build_opener(_LimitedRedirects(limits))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    try:
        with opener.open(request, timeout=limits.timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise _too_big(url, limits.max_bytes)
            body = _read_body(response, url, limits)
            return Fetched(response.geturl(), body, response.headers.get_content_type() if
                           response.headers.get("Content-Type") else "", response.headers.get_content_charset())
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 303, 307, 308):
            raise ImportSourceError(f"more than {limits.max_redirects} redirects", path=url,
                                    hint="give the address the redirects end at") from None
        raise ImportSourceError(f"HTTP {exc.code} {exc.reason}", path=url,
                                hint="check the address, or try again later") from None
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, str) else (getattr(exc.reason, "strerror", None)
                                                                  or str(exc.reason))
        raise ImportSourceError(f"cannot be fetched: {reason}", path=url,
                                hint="check the address and the network") from None
    except TimeoutError:
        raise ImportSourceError(f"no answer within {limits.timeout:g} s", path=url,
                                hint="try again later") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # a reset or short body, a bad URL
        raise ImportSourceError(f"cannot be fetched: {exc}", path=url, hint="check the address") from None


def _read_body(response: Any, url: str, limits: FetchLimits) -> bytes:
    """The body, read in pieces against the size limit and the deadline for the whole response."""
    give_up = time.monotonic() + limits.deadline
    pieces, size = [], 0
    while piece := response.read(min(65536, limits.max_bytes + 1 - size)):
        pieces.append(piece)
        size += len(piece)
        if size > limits.max_bytes:
            raise _too_big(url, limits.max_bytes)
        if time.monotonic() > give_up:
            raise ImportSourceError(f"took more than {limits.deadline:g} s to send", path=url,
                                    hint="try again later, or save the page and import the file")
    return b"".join(pieces)


def _too_big(url: str, limit: int) -> ImportSourceError:
    return ImportSourceError(f"is larger than {limit // 1_000_000} MB", path=url,
                             hint="save the page and import the file, trimmed to the essay")
