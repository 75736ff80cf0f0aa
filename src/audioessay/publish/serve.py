"""A small HTTP server for the public files of a workspace, good enough for podcast apps.

It answers GET and HEAD for the public set only (see :mod:`audioessay.publish.public`), with
byte ranges (``Accept-Ranges: bytes``; 206 and 416), conditional requests (ETag and
Last-Modified; 304) and the MIME types podcast apps expect. Anything else is a plain 404 that
reveals nothing about the workspace. ``/`` redirects to the show's page.

Python's ``http.server`` ignores ``Range`` entirely, which podcast apps and Apple need; hence
this module. One request, one line given to ``log``; library code prints nothing.
"""

from __future__ import annotations

import email.utils
import functools
import os
import re
import sys
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseServer
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from audioessay.errors import PublishError
from audioessay.publish.public import resolve_public

CHUNK = 64 * 1024
INDEX = "/feeds/index.html"
MIME_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/srt; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)

LogFunction = Callable[[str], None]


def _no_log(line: str) -> None:
    """The default log: drop the line."""


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """The inclusive byte range a ``Range`` header asks of a file of ``size`` bytes.

    Returns ``(first, last)``; None to send the whole file (no header, a malformed header, or
    several ranges, which may be answered in full); or ``"unsatisfiable"`` for a 416.
    """
    match = _RANGE.match(header.replace(" ", ""))
    if not match:
        return None
    start, end = match.groups()
    if not start and not end:
        return None
    if not start:  # suffix: the last n bytes
        length = int(end)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    first = int(start)
    last = int(end) if end else size - 1
    if end and last < first:
        return None  # syntactically invalid: ignore the header
    if first >= size:
        return "unsatisfiable"
    return first, min(last, size - 1)


def _etag(stat: os.stat_result) -> str:
    return f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'


def _not_modified(headers: dict[str, str], etag: str, mtime: int) -> bool:
    """True when the request's validators say the client's copy is current."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since:
        try:
            parsed = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        return parsed is not None and mtime <= int(parsed.timestamp())
    return False


def _range_applies(headers: dict[str, str], etag: str, mtime: int) -> bool:
    """``If-Range``: honour ``Range`` only when the client's validator still matches."""
    if_range = headers.get("if-range")
    if if_range is None:
        return True
    if if_range.strip().startswith(('"', "W/")):
        return if_range.strip() == etag
    try:
        parsed = email.utils.parsedate_to_datetime(if_range)
    except (TypeError, ValueError):
        return False
    return parsed is not None and mtime <= int(parsed.timestamp())


def _common_headers(suffix: str, etag: str, mtime: int) -> dict[str, str]:
    """The headers of every answer about a file: its validators, ranges, no sniffing."""
    common = {
        "ETag": etag,
        "Last-Modified": email.utils.formatdate(mtime, usegmt=True),
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
    }
    if suffix in (".xml", ".html"):
        common["Cache-Control"] = "no-cache"  # revalidate (cheaply, with the ETag) every time
    return common


def _wanted_range(headers: dict[str, str], size: int, etag: str, mtime: int) -> tuple[int, int] | str | None:
    """The range to send (as :func:`parse_range`), given ``Range`` and ``If-Range``; None: the whole file."""
    wanted = parse_range(headers["range"], size) if "range" in headers else None
    if wanted is not None and not _range_applies(headers, etag, mtime):
        return None
    return wanted


class PublicFileHandler(BaseHTTPRequestHandler):
    """Serves the public files of ``root``; one line per request to ``log``.

    Made per connection by the server, with the workspace and the log bound (see :func:`_handler`).
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small responses on kept-alive connections, without delays
    _status = 0  # of the current request, for the log line
    _sent = 0  # body bytes sent

    def __init__(self, request: Any, client_address: Any, server: BaseServer, *,
                 root: Path, log: LogFunction) -> None:
        self._root, self._log = root, log
        super().__init__(request, client_address, server)  # handles the request

    def version_string(self) -> str:
        """The Server header: no Python version given away."""
        return "audioessay"

    def do_GET(self) -> None:
        self._handle(body=True)

    def do_HEAD(self) -> None:
        self._handle(body=False)

    def _handle(self, body: bool) -> None:
        self._status, self._sent = 0, 0
        try:
            self._respond(body)
        except _DISCONNECTS:
            self.close_connection = True  # the client went away: nothing to tell anyone
        finally:
            self._log_line()

    def _respond(self, body: bool) -> None:
        path = urlsplit(self.path).path if "://" in self.path else self.path
        if path.split("?", 1)[0] in ("/", "/feeds", "/feeds/", "/index.html"):
            self._simple(HTTPStatus.FOUND, "Found", {"Location": INDEX}, body)
            return
        real = resolve_public(self._root, path)
        if real is None:
            self._simple(HTTPStatus.NOT_FOUND, "Not found", {}, body)
            return
        try:
            # Not a with-statement: errors opening the file (404) differ from errors sending it.
            handle = open(real, "rb")  # noqa: SIM115
        except OSError:
            self._simple(HTTPStatus.NOT_FOUND, "Not found", {}, body)
            return
        with handle:
            self._send_file(handle, real.suffix.lower(), body)

    def _send_file(self, handle: BinaryIO, suffix: str, body: bool) -> None:
        stat = os.fstat(handle.fileno())
        size, mtime, etag = stat.st_size, int(stat.st_mtime), _etag(stat)
        headers = {k.lower(): v for k, v in self.headers.items()}
        common = _common_headers(suffix, etag, mtime)
        if _not_modified(headers, etag, mtime):
            self._start(HTTPStatus.NOT_MODIFIED, common)
            return
        wanted = _wanted_range(headers, size, etag, mtime)
        if wanted == "unsatisfiable":
            self._simple(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "Range not satisfiable",
                         {**common, "Content-Range": f"bytes */{size}"}, body)
            return
        content_type = MIME_TYPES.get(suffix, "application/octet-stream")
        if isinstance(wanted, tuple):
            first, last = wanted
            self._start(HTTPStatus.PARTIAL_CONTENT, {
                **common, "Content-Type": content_type, "Content-Length": str(last - first + 1),
                "Content-Range": f"bytes {first}-{last}/{size}",
            })
        else:
            first, last = 0, size - 1
            self._start(HTTPStatus.OK,
                        {**common, "Content-Type": content_type, "Content-Length": str(size)})
        if body:
            self._copy(handle, first, last - first + 1)

    def _copy(self, handle: BinaryIO, offset: int, length: int) -> None:
        handle.seek(offset)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:  # the file shrank while being sent: the length header was wrong
                self.close_connection = True
                return
            self.wfile.write(chunk)
            self._sent += len(chunk)
            length -= len(chunk)

    def _start(self, status: HTTPStatus, headers: dict[str, str]) -> None:
        self._status = status.value
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _simple(self, status: HTTPStatus, message: str, headers: dict[str, str], body: bool) -> None:
        data = f"{status.value} {message}\n".encode()
        self._start(status, {**headers, "Content-Type": "text/plain; charset=utf-8",
                             "Content-Length": str(len(data))})
        if body:
            self.wfile.write(data)
            self._sent += len(data)

    def _log_line(self) -> None:
        request = self.requestline.replace("\r", "").replace("\n", "")
        self._log(f'{self.client_address[0]} "{request}" {self._status or "-"} {self._sent}')

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: :meth:`_log_line` writes one line per request instead."""

    def log_error(self, format: str, *args: object) -> None:
        """Malformed requests (answered by http.server itself) are logged too."""
        self._log(f"{self.client_address[0]} error: " + (format % args).replace("\n", " "))

    def log_message(self, format: str, *args: object) -> None:
        """Never write to stderr."""


def _handler(root: Path, log: LogFunction) -> Callable[..., PublicFileHandler]:
    """What the server makes a handler for each connection with: root and log bound."""
    return functools.partial(PublicFileHandler, root=root, log=log)


class PublicServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose unexpected errors go to ``log``, not to stderr."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: Callable[..., BaseHTTPRequestHandler],
                 log: LogFunction) -> None:
        self.log = log
        super().__init__(address, handler)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A client that disconnects is normal; anything else is one log line."""
        error = sys.exc_info()[1]
        if not isinstance(error, _DISCONNECTS):
            self.log(f"{client_address[0]} error: {type(error).__name__}: {error}")


def make_server(root: Path, host: str = "127.0.0.1", port: int = 0,
                log: LogFunction = _no_log) -> ThreadingHTTPServer:
    """A threading HTTP server for the public files of ``root`` (port 0: any free port).

    Start it with :func:`serve_forever` or ``server.serve_forever()`` in a thread; the address
    actually bound is ``server.server_address``.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise PublishError("the workspace folder does not exist", path=root,
                           hint="run this inside a workspace")
    try:
        server = PublicServer((host, port), _handler(root, log), log)
    except OSError as exc:
        raise PublishError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                           hint="choose another port, or stop the program using this one") from None
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    """The base URL a browser on this machine can use for the server."""
    host, port = server.server_address[:2]
    host = str(host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def serve_forever(server: ThreadingHTTPServer) -> None:
    """Serve until interrupted (Ctrl-C), then close the socket cleanly."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
