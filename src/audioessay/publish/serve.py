"""A small HTTP server for the public files of a workspace, good enough for podcast apps.

It answers GET and HEAD for the public set only (see :mod:`audioessay.publish.public`), with
byte ranges (``Accept-Ranges: bytes``; 206 and 416), conditional requests (ETag and
Last-Modified; 304) and the MIME types podcast apps expect. Anything else is a plain 404 that
reveals nothing about the workspace. ``/`` redirects to the show's page.

Python's ``http.server`` ignores ``Range`` entirely, which podcast apps and Apple need; hence
this module. One request, one line given to ``log``; library code prints nothing.

The server is hardened against crowds and stragglers (see :class:`PublicServer` for the limits
and why each has its value): a deep listen backlog, a bounded number of worker threads, idle
connections dropped after a timeout, and absurd ``Range`` headers answered with a 416.
"""

from __future__ import annotations

import email.utils
import functools
import io
import itertools
import os
import re
import sys
import threading
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
_SPEC = re.compile(r"^([0-9]*)-([0-9]*)$")  # [0-9], not \d: no other script's digits
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)

# The limits (see PublicServer for why each has its value).
REQUEST_QUEUE_SIZE = 1024
MAX_WORKERS = 64
IDLE_TIMEOUT = 30.0
KEEP_ALIVE_TIMEOUT = 5.0
# The most digits a byte position can have: 2**63 - 1 (the largest file offset) has 19. A longer
# number cannot be a position in any file, so it is rejected (416) without ever calling int() on it,
# which also keeps clear of Python's 4,300-digit limit on int() (ValueError, no answer at all).
MAX_RANGE_DIGITS = len(str(2**63 - 1))

LogFunction = Callable[[str], None]


OwnCopy = Callable[[str], Path | None]  # a public path -> the file to serve instead, or None

def _no_log(line: str) -> None:
    """The default log: drop the line."""


def _range_specs(header: str) -> list[tuple[str, str]] | str | None:
    """The ``first-last`` pairs (as digit strings) of a ``bytes`` Range header.

    None: no header or another unit (RFC 9110: ignore it, send the whole file);
    ``"unsatisfiable"``: a ``bytes`` header that is garbage (not ``first-last`` pairs of digits,
    nothing on either side of a dash, or a number longer than :data:`MAX_RANGE_DIGITS`).
    """
    value = header.replace(" ", "").replace("\t", "")
    unit, equals, specs = value.partition("=")
    if not value or unit.lower() != "bytes":
        return None
    if not equals:
        return "unsatisfiable"
    pairs = []
    for spec in specs.split(","):
        match = _SPEC.match(spec)
        if not match or spec == "-":
            return "unsatisfiable"
        first, last = match.groups()
        if len(first) > MAX_RANGE_DIGITS or len(last) > MAX_RANGE_DIGITS:
            return "unsatisfiable"  # never converted: see MAX_RANGE_DIGITS
        pairs.append((first, last))
    return pairs


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """The inclusive byte range a ``Range`` header asks of a file of ``size`` bytes.

    Returns ``(first, last)``; None to send the whole file (no header, another unit than
    ``bytes``, or several well-formed ranges, which may be answered in full); or
    ``"unsatisfiable"`` for a 416: garbage, a number of more than :data:`MAX_RANGE_DIGITS` digits,
    a reversed range (``9-5``), a start at or beyond the end of the file, or an empty suffix.
    A last position beyond the file, or a suffix longer than it, is clamped to the file (RFC 9110).
    """
    specs = _range_specs(header)
    if not isinstance(specs, list) or len(specs) > 1:
        return None if isinstance(specs, list) else specs
    start, end = specs[0]
    if not start:  # suffix: the last n bytes
        length = int(end)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    first = int(start)
    last = int(end) if end else size - 1
    if last < first or first >= size:
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

    Made per connection by the server, with the workspace, the log and the timeouts bound (see
    :func:`_handler`). Every socket operation (reading a request, sending a chunk) must finish
    within ``timeout`` seconds, and a kept-alive connection must start its next request within
    ``keep_alive`` seconds; otherwise the connection is dropped and its worker thread freed.
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small responses on kept-alive connections, without delays
    _status = 0  # of the current request, for the log line
    _sent = 0  # body bytes sent

    def __init__(self, request: Any, client_address: Any, server: BaseServer, *,
                 root: Path, log: LogFunction, timeout: float = IDLE_TIMEOUT,
                 keep_alive: float = KEEP_ALIVE_TIMEOUT, own_copy: OwnCopy | None = None) -> None:
        self._root, self._log, self._own_copy = root, log, own_copy
        self._timeout, self._keep_alive = timeout, min(keep_alive, timeout)
        super().__init__(request, client_address, server)  # handles the request

    def setup(self) -> None:
        """Every read and write on the connection times out (the class attribute is shared)."""
        super().setup()
        self.connection.settimeout(self._timeout)

    def handle(self) -> None:
        """Requests one after the other on one connection, while the client keeps it alive.

        As :meth:`BaseHTTPRequestHandler.handle`, but a connection on which no request starts in
        time (``timeout`` for the first, ``keep_alive`` between requests) is closed quietly: that is
        a browser's spare connection or an idle podcast app, not an error. A request that stops
        midway times out in :meth:`handle_one_request`, which logs it.
        """
        self.close_connection = True
        wait = self._timeout
        while self._request_arrives(wait):
            self.handle_one_request()
            if self.close_connection:
                return
            wait = self._keep_alive

    def _request_arrives(self, wait: float) -> bool:
        """True once the first byte of a request is here (or buffered); False after ``wait`` seconds or EOF."""
        reader = self.rfile
        if not isinstance(reader, io.BufferedReader):  # pragma: no cover - always buffered
            return True
        self.connection.settimeout(wait)
        try:
            arrived = bool(reader.peek(1))
        except TimeoutError:
            return False
        self.connection.settimeout(self._timeout)
        return arrived

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
        if self._own_copy is not None:  # this server's own feed and page, for its own address
            real = self._own_copy(real.relative_to(self._root).as_posix()) or real
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


def _handler(root: Path, log: LogFunction, timeout: float = IDLE_TIMEOUT,
             keep_alive: float = KEEP_ALIVE_TIMEOUT, own_copy: OwnCopy | None = None) -> Callable[..., PublicFileHandler]:
    """What the server makes a handler for each connection with: root, log and timeouts bound."""
    return functools.partial(PublicFileHandler, root=root, log=log, timeout=timeout, keep_alive=keep_alive,
                             own_copy=own_copy)


class PublicServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer with a bounded pool of workers; unexpected errors go to ``log``.

    One thread serves one connection, as in ThreadingHTTPServer, but at most ``max_workers`` at a
    time: the server accepts a connection only when a worker is free, so connections beyond the
    bound wait in the kernel's listen backlog instead of each getting a thread. The limits:

    * ``request_queue_size`` (:data:`REQUEST_QUEUE_SIZE`, 1024): the listen backlog. Python's default
      of 5 left 37 of 200 simultaneous feed requests and 60 of 200 downloads unanswered (the
      kernel drops connections beyond the backlog). 1024 holds a crowd of several hundred podcast
      apps refreshing at once, on top of the busy workers; a waiting connection costs the kernel
      a few hundred bytes, and Linux caps the value at ``net.core.somaxconn`` (4096 since 5.4) anyway.
    * ``max_workers`` (:data:`MAX_WORKERS`, 64): the most threads serving at once. A podcast app
      downloads one or a few episodes at a time, so 64 serves dozens of listeners in parallel,
      and loopback/LAN requests take milliseconds, so a burst of hundreds drains from the backlog
      in a second or two. The bound keeps a flood of connections (or slow clients) from making
      thousands of threads: each reserves a stack and file descriptors.
    * the handler's ``timeout`` (:data:`IDLE_TIMEOUT`, 30 s): how long one read or one 64 KiB
      write may take before the connection is dropped; generous for a phone on a bad network
      (about 2 KiB/s), short enough that a client that connects and sends nothing, or stops
      midway, frees its worker in half a minute.
    * the handler's ``keep_alive`` (:data:`KEEP_ALIVE_TIMEOUT`, 5 s, Apache's default): how long a
      kept-alive connection may sit idle between requests. Each holds a worker, so idle
      keep-alives must give way quickly to waiting clients; an app that asks again later simply
      reconnects.
    """

    daemon_threads = True
    request_queue_size = REQUEST_QUEUE_SIZE

    def __init__(self, address: tuple[str, int], handler: Callable[..., BaseHTTPRequestHandler],
                 log: LogFunction, max_workers: int = MAX_WORKERS) -> None:
        self.log = log
        self.max_workers = max_workers
        self._slots = threading.BoundedSemaphore(max_workers)
        self._stopping = threading.Event()
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._numbers = itertools.count(1)
        super().__init__(address, handler)

    @property
    def thread_prefix(self) -> str:
        """The start of the names of this server's worker threads."""
        return f"audioessay-serve-{self.server_address[1]}-"

    @property
    def active_workers(self) -> int:
        """How many worker threads are serving a connection now (at most ``max_workers``)."""
        with self._busy_lock:
            return self._busy

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the accepted connection in a worker thread, once one of ``max_workers`` is free.

        While all are busy, the loop waits here and accepts nothing more: further connections
        wait in the listen backlog. A shutdown stops the wait (the connection is closed).
        """
        while not self._slots.acquire(timeout=0.05):
            if self._stopping.is_set():
                self.shutdown_request(request)
                return
        with self._busy_lock:
            self._busy += 1
        thread = threading.Thread(target=self.process_request_thread, args=(request, client_address),
                                  name=f"{self.thread_prefix}{next(self._numbers)}", daemon=True)
        try:
            thread.start()
        except BaseException:
            self._release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve the connection (as ThreadingMixIn does), then give the worker's slot back."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release()

    def _release(self) -> None:
        with self._busy_lock:
            self._busy -= 1
        self._slots.release()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever`, even while it waits for a free worker."""
        self._stopping.set()
        super().shutdown()

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A client that disconnects is normal; anything else is one log line."""
        error = sys.exc_info()[1]
        if not isinstance(error, _DISCONNECTS):
            self.log(f"{client_address[0]} error: {type(error).__name__}: {error}")


def make_server(root: Path, host: str = "127.0.0.1", port: int = 0,
                log: LogFunction = _no_log, *, timeout: float = IDLE_TIMEOUT,
                keep_alive: float = KEEP_ALIVE_TIMEOUT, max_workers: int = MAX_WORKERS,
                own_copy: OwnCopy | None = None) -> PublicServer:
    """A threading HTTP server for the public files of ``root`` (port 0: any free port).

    Start it with :func:`serve_forever` or ``server.serve_forever()`` in a thread; the address
    actually bound is ``server.server_address``. ``timeout``, ``keep_alive`` and ``max_workers``
    are the limits described in :class:`PublicServer` (smaller in tests). ``own_copy``: given a
    public path, the file to send instead (``serve``'s own feed and page), or None.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise PublishError("the workspace folder does not exist", path=root,
                           hint="run this inside a workspace")
    try:
        server = PublicServer((host, port), _handler(root, log, timeout, keep_alive, own_copy), log, max_workers)
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
