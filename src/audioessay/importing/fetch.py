"""Plain HTTP(S) fetching for ``import``: a timeout, a User-Agent, a size limit and a few redirects.

Only ``http`` and ``https`` URLs are fetched, also after a redirect; nothing is ever fetched for a
file given on the command line. Every failure is one :class:`ImportSourceError` naming the URL.
"""

from __future__ import annotations

import http.client
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


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = TIMEOUT
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows at most ``max_redirections`` redirects, and only to http(s) URLs."""

    def __init__(self, max_redirects: int) -> None:
        super().__init__()
        self.limit = max_redirects

    def http_error_302(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                       headers: http.client.HTTPMessage) -> Any:
        # urllib counts redirects per request in ``redirect_dict``; its limit is a class constant.
        target = urljoin(req.full_url, headers.get("Location") or headers.get("URI") or "")
        if urlsplit(target).scheme.lower() not in ("http", "https"):
            raise ImportSourceError(f"redirects to {target}, which is not an http(s) URL", path=req.full_url)
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
    opener = urllib.request.build_opener(_LimitedRedirects(limits.max_redirects))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    try:
        with opener.open(request, timeout=limits.timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise _too_big(url, limits.max_bytes)
            body = response.read(limits.max_bytes + 1)
            if len(body) > limits.max_bytes:
                raise _too_big(url, limits.max_bytes)
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


def _too_big(url: str, limit: int) -> ImportSourceError:
    return ImportSourceError(f"is larger than {limit // 1_000_000} MB", path=url,
                             hint="save the page and import the file, trimmed to the essay")
