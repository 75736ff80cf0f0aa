"""The public set of a workspace and the HTTP server that serves it (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audioessay.errors import PublishError
from audioessay.publish.public import is_public, public_files, resolve_public
from audioessay.publish.serve import MAX_RANGE_DIGITS, PublicServer, make_server, parse_range

AUDIO = bytes(range(256)) * 40  # 10,240 bytes
SIZE = len(AUDIO)
HUGE = "9" * 5000  # more digits than int() converts in Python 3.11 (4,300)


def build_workspace(root: Path) -> Path:
    """A workspace with public files, private files and traps."""
    (root / "audioessay.toml").write_text('[show]\ntitle = "T"\n')
    (root / "episodes.json").write_text("{}")
    (root / "seeds").mkdir()
    (root / "seeds" / "a.txt").write_text("secret draft")
    (root / ".audioessay" / "cache").mkdir(parents=True)
    (root / ".audioessay" / "cache" / "take.wav").write_bytes(b"RIFF")
    (root / ".audioessay" / "episodes.json.bak").write_text("{}")
    feeds = root / "feeds"
    feeds.mkdir()
    (feeds / "feed.xml").write_text("<rss/>")
    (feeds / "index.html").write_text("<!DOCTYPE html><title>t</title>")
    (feeds / "cover.jpg").write_bytes(b"\xff\xd8\xff fake jpeg")
    (feeds / "other.xml").write_text("<private/>")
    her = root / "output" / "her"
    her.mkdir(parents=True)
    (her / "her.mp3").write_bytes(AUDIO)
    (her / "her.m4a").write_bytes(b"m4a")
    (her / "her.vtt").write_text("WEBVTT\n")
    (her / "her.srt").write_text("1\n")
    (her / "chapters.json").write_text('{"version": "1.2.0", "chapters": []}')
    (her / "script.txt").write_text("the script")
    (her / "notes.json").write_text("{}")
    (her / ".her.x1y2.part.mp3").write_bytes(b"partial")  # fsutil.temp_sibling's name pattern
    (her / "her.mp3.part").write_bytes(b"partial")
    (her / ".hidden.mp3").write_bytes(b"hidden")
    (her / "sub").mkdir()
    (her / "sub" / "deep.mp3").write_bytes(b"too deep")
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir()
    (outside / "outside.mp3").write_bytes(b"outside the workspace")
    (her / "escape.mp3").symlink_to(outside / "outside.mp3")
    (her / "config.mp3").symlink_to(root / "audioessay.toml")
    (her / "alias.mp3").symlink_to(her / "her.mp3")
    (root / "output" / "linked").symlink_to(outside, target_is_directory=True)
    (root / "output" / ".private").mkdir()
    (root / "output" / ".private" / "x.mp3").write_bytes(b"x")
    return root


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return build_workspace(root)


# --- public.py -------------------------------------------------------------------------------------

def test_public_files_is_exactly_the_allow_list(workspace: Path):
    assert [p.as_posix() for p in public_files(workspace)] == [
        "feeds/cover.jpg", "feeds/feed.xml", "feeds/index.html",
        "output/her/alias.mp3", "output/her/chapters.json", "output/her/her.m4a", "output/her/her.mp3",
        "output/her/her.srt", "output/her/her.vtt",
    ]


@pytest.mark.parametrize("relpath, public", [
    ("feeds/feed.xml", True),
    ("feeds/cover.png", False),  # allowed by name, but it does not exist
    ("feeds/other.xml", False),
    ("output/her/her.mp3", True),
    ("output/her/chapters.json", True),
    ("output/her/notes.json", False),
    ("output/her/script.txt", False),
    ("output/her/her.mp3.part", False),
    ("output/her/.her.x1y2.part.mp3", False),
    ("output/her/.hidden.mp3", False),
    ("output/her/sub/deep.mp3", False),
    ("output/her/escape.mp3", False),
    ("output/her/config.mp3", False),
    ("output/linked/outside.mp3", False),
    ("output/.private/x.mp3", False),
    ("output/her/../her/her.mp3", False),
    ("output//her/her.mp3", False),
    ("/etc/passwd", False),
    ("output\\her\\her.mp3", False),
    ("output/her/her.mp3\x00", False),
    ("audioessay.toml", False),
    ("episodes.json", False),
    ("seeds/a.txt", False),
    (".audioessay/cache/take.wav", False),
    ("", False),
])
def test_is_public(workspace: Path, relpath: str, public: bool):
    assert is_public(workspace, relpath) is public


def test_resolve_public_decodes_percent_and_ignores_query(workspace: Path):
    (workspace / "output" / "her" / "é 1.mp3").write_bytes(b"x")
    expected = (workspace / "output/her/é 1.mp3").resolve()
    assert resolve_public(workspace, "/output/her/%C3%A9%201.mp3?x=1#t") == expected
    assert resolve_public(workspace, "/output/her/alias.mp3") == (workspace / "output/her/her.mp3").resolve()
    for bad in ("/output/her%2Fher.mp3", "/output/her/%2e%2e/her/her.mp3", "/output/her/her.mp3%00",
                "output/her/her.mp3", "/output/her/%ff.mp3", "/output/her/her.mp3/", "//output/her/her.mp3"):
        assert resolve_public(workspace, bad) is None, bad


# --- the server --------------------------------------------------------------------------------------

class Served:
    def __init__(self, root: Path, port: int, log: list[str]):
        self.root, self.port, self.log = root, port, log

    def request(self, path: str, method: str = "GET", headers: dict[str, str] | None = None,
                connection: http.client.HTTPConnection | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        if connection is None:
            conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.fixture
def served(workspace: Path) -> Iterator[Served]:
    log: list[str] = []
    server = make_server(workspace, log=log.append)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Served(workspace, server.server_address[1], log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.parametrize("path, content_type", [
    ("/feeds/feed.xml", "application/rss+xml; charset=utf-8"),
    ("/feeds/index.html", "text/html; charset=utf-8"),
    ("/feeds/cover.jpg", "image/jpeg"),
    ("/output/her/her.mp3", "audio/mpeg"),
    ("/output/her/her.m4a", "audio/mp4"),
    ("/output/her/her.vtt", "text/vtt; charset=utf-8"),
    ("/output/her/her.srt", "application/srt; charset=utf-8"),
    ("/output/her/chapters.json", "application/json"),
])
def test_mime_types_and_bodies(served: Served, path: str, content_type: str):
    status, headers, body = served.request(path)
    assert status == 200
    assert headers["content-type"] == content_type
    assert body == (served.root / path.lstrip("/")).read_bytes()
    assert headers["content-length"] == str(len(body))
    assert headers["accept-ranges"] == "bytes"
    assert headers["etag"].startswith('"') and headers["last-modified"].endswith("GMT")


def test_head_sends_headers_only(served: Served):
    status, headers, body = served.request("/output/her/her.mp3", "HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(SIZE) and headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize("range_header, first, last", [
    ("bytes=0-99", 0, 99),
    ("bytes=100-", 100, SIZE - 1),
    ("bytes=-50", SIZE - 50, SIZE - 1),
    ("bytes=-999999", 0, SIZE - 1),
    ("bytes=10000-999999", 10000, SIZE - 1),
    ("bytes=0-0", 0, 0),
    (f"bytes={SIZE - 1}-", SIZE - 1, SIZE - 1),
])
def test_byte_ranges(served: Served, range_header: str, first: int, last: int):
    status, headers, body = served.request("/output/her/her.mp3", headers={"Range": range_header})
    assert status == 206
    assert headers["content-range"] == f"bytes {first}-{last}/{SIZE}"
    assert headers["content-length"] == str(last - first + 1)
    assert body == AUDIO[first:last + 1]


def test_head_with_range(served: Served):
    status, headers, body = served.request("/output/her/her.mp3", "HEAD", {"Range": "bytes=0-9"})
    assert (status, body) == (206, b"")
    assert (headers["content-range"], headers["content-length"]) == (f"bytes 0-9/{SIZE}", "10")


@pytest.mark.parametrize("range_header", [
    f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 10}", "bytes=-0",
    f"bytes={HUGE}-", f"bytes=0-{HUGE}", f"bytes=-{HUGE}", f"bytes={HUGE}-{HUGE}", f"bytes=0-1,{HUGE}-",
    "bytes=5-1", "bytes=abc", "bytes=-", "bytes=", "bytes", "bytes=1-2-3", "bytes=0x10-20",
    "bytes=0-1,abc", "bytes=1.5-2", "bytes=+1-2",
])
def test_unsatisfiable_range_is_416(served: Served, range_header: str):
    for method in ("GET", "HEAD"):
        status, headers, body = served.request("/output/her/her.mp3", method, headers={"Range": range_header})
        assert status == 416, method
        assert headers["content-range"] == f"bytes */{SIZE}"
        assert body == (b"416 Range not satisfiable\n" if method == "GET" else b"")
    assert served.request("/output/her/her.mp3")[0] == 200  # and the server is fine


@pytest.mark.parametrize("range_header", ["bytes=0-1,5-6", "items=0-1", "pages=abc", ""])
def test_multiple_ranges_or_other_units_get_the_whole_file(served: Served, range_header: str):
    status, headers, body = served.request("/output/her/her.mp3", headers={"Range": range_header})
    assert (status, body) == (200, AUDIO)
    assert "content-range" not in headers


def test_if_range(served: Served):
    _, headers, _ = served.request("/output/her/her.mp3", "HEAD")
    fresh = {"Range": "bytes=0-9", "If-Range": headers["etag"]}
    assert served.request("/output/her/her.mp3", headers=fresh)[0] == 206
    stale = {"Range": "bytes=0-9", "If-Range": '"stale"'}
    status, _, body = served.request("/output/her/her.mp3", headers=stale)
    assert (status, body) == (200, AUDIO)


def test_conditional_get(served: Served):
    _, headers, _ = served.request("/feeds/feed.xml")
    etag, modified = headers["etag"], headers["last-modified"]
    status, headers304, body = served.request("/feeds/feed.xml", headers={"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert headers304["etag"] == etag
    assert served.request("/feeds/feed.xml", headers={"If-None-Match": f'"other", W/{etag}'})[0] == 304
    assert served.request("/feeds/feed.xml", headers={"If-None-Match": '"other"'})[0] == 200
    assert served.request("/feeds/feed.xml", headers={"If-Modified-Since": modified})[0] == 304
    old = email.utils.format_datetime(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), usegmt=True)
    assert served.request("/feeds/feed.xml", headers={"If-Modified-Since": old})[0] == 200
    # If-None-Match wins over If-Modified-Since.
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert served.request("/feeds/feed.xml", headers=both)[0] == 200


def test_changed_file_gets_a_new_etag(served: Served):
    _, before, _ = served.request("/feeds/feed.xml")
    path = served.root / "feeds" / "feed.xml"
    path.write_text("<rss>changed</rss>")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 2_000_000_000))
    status, after, body = served.request("/feeds/feed.xml", headers={"If-None-Match": before["etag"]})
    assert (status, body) == (200, b"<rss>changed</rss>") and after["etag"] != before["etag"]


@pytest.mark.parametrize("path", ["/", "/feeds/", "/feeds", "/?utm=1"])
def test_root_redirects_to_the_page(served: Served, path: str):
    status, headers, _ = served.request(path)
    assert status == 302 and headers["location"] == "/feeds/index.html"


@pytest.mark.parametrize("path", [
    "/../audioessay.toml",
    "/%2e%2e/audioessay.toml",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/feeds/../audioessay.toml",
    "/feeds/%2e%2e/audioessay.toml",
    "/audioessay.toml",
    "/episodes.json",
    "/output/her/script.txt",
    "/output/her/notes.json",
    "/output/her/her.mp3.part",
    "/output/her/.her.x1y2.part.mp3",
    "/output/her/.hidden.mp3",
    "/seeds/a.txt",
    "/.audioessay/cache/take.wav",
    "/.audioessay/episodes.json.bak",
    "/output%2Fher%2Fher.mp3",
    "/output/her%2fher.mp3",
    "/output/her/..%2fher/her.mp3",
    "/output\\her\\her.mp3",
    "/output/her/%5c..%5c..%5caudioessay.toml",
    "/output/her/escape.mp3",
    "/output/her/config.mp3",
    "/output/linked/outside.mp3",
    "/output/her/sub/deep.mp3",
    "/feeds/other.xml",
    "//etc/passwd",
    "/output/her/her.mp3%00.txt",
    "http://127.0.0.1/../audioessay.toml",
    "/nothing/here",
])
def test_everything_outside_the_public_set_is_404(served: Served, path: str):
    for method in ("GET", "HEAD"):
        status, _headers, body = served.request(path, method)
        assert status == 404, (method, path)
    assert str(served.root) not in body.decode() and "toml" not in body.decode()


def test_one_log_line_per_request(served: Served):
    served.request("/feeds/feed.xml")
    served.request("/output/her/script.txt")
    served.request("/output/her/her.mp3", headers={"Range": "bytes=0-9"})
    deadline = time.monotonic() + 5
    while len(served.log) < 3 and time.monotonic() < deadline:  # logged just after the response
        time.sleep(0.01)
    lines = sorted(served.log)  # one thread per connection: lines may come in any order
    assert len(lines) == 3
    assert lines[0].startswith('127.0.0.1 "GET /feeds/feed.xml HTTP/1.1" 200 ')
    assert lines[1] == '127.0.0.1 "GET /output/her/her.mp3 HTTP/1.1" 206 10'
    assert lines[2] == '127.0.0.1 "GET /output/her/script.txt HTTP/1.1" 404 14'


def test_keep_alive_serves_several_requests_on_one_connection(served: Served):
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        for _ in range(3):
            status, _, body = served.request("/output/her/her.mp3", connection=conn,
                                             headers={"Range": "bytes=0-3"})
            assert (status, body) == (206, AUDIO[:4])
        assert served.request("/nope", connection=conn)[0] == 404
        assert served.request("/feeds/feed.xml", connection=conn)[0] == 200
    finally:
        conn.close()


def test_client_disconnect_is_quiet(served: Served, capfd: pytest.CaptureFixture[str]):
    big = served.root / "output" / "her" / "big.mp3"
    big.write_bytes(os.urandom(8 * 1024 * 1024))
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", served.port)) as sock:
            sock.sendall(b"GET /output/her/big.mp3 HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(1000)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    assert served.request("/feeds/feed.xml")[0] == 200  # still serving
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert not [line for line in served.log if "error" in line]


def test_malformed_request_is_answered_and_logged(served: Served, capfd: pytest.CaptureFixture[str]):
    headers = b"".join(b"X-%d: y\r\n" % i for i in range(120))
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /feeds/feed.xml HTTP/1.1\r\n" + headers + b"\r\n")
        assert sock.recv(1000).startswith(b"HTTP/1.1 431")
    deadline = time.monotonic() + 5
    while not served.log and time.monotonic() < deadline:
        time.sleep(0.01)
    assert any("error" in line and "431" in line for line in served.log), served.log
    assert capfd.readouterr().err == ""


def test_port_in_use_is_a_publish_error(workspace: Path):
    server = make_server(workspace)
    try:
        with pytest.raises(PublishError, match=r"cannot listen on 127\.0\.0\.1"):
            make_server(workspace, port=server.server_address[1])
    finally:
        server.server_close()


U = "unsatisfiable"
LONGEST = "9" * MAX_RANGE_DIGITS  # 19 digits: still a number a file position could have


@pytest.mark.parametrize("header, expected", [
    # valid ranges
    ("bytes=0-9", (0, 9)), ("bytes=5-", (5, 99)), ("bytes=-10", (90, 99)), ("bytes=-200", (0, 99)),
    ("bytes=0-0", (0, 0)), ("bytes=99-", (99, 99)), ("bytes=99-99", (99, 99)), ("bytes=-1", (99, 99)),
    ("bytes=-100", (0, 99)), ("bytes=50-1000", (50, 99)), ("bytes = 0 - 9", (0, 9)), ("bytes=\t0-9", (0, 9)),
    ("Bytes=0-9", (0, 9)), ("BYTES=0-9", (0, 9)), ("bytes=007-010", (7, 10)),
    (f"bytes=0-{LONGEST}", (0, 99)), (f"bytes=-{LONGEST}", (0, 99)),
    # no range: the whole file
    ("", None), ("   ", None), ("bytes=0-1,3-4", None), ("bytes=0-1, 3-4", None), ("items=0-9", None),
    ("0-9", None), ("=0-9", None), ("byte=0-9", None),
    # start beyond the file, empty suffix
    ("bytes=100-", U), ("bytes=100-200", U), ("bytes=1000-", U), ("bytes=-0", U), ("bytes=-000", U),
    (f"bytes={LONGEST}-", U),
    # reversed
    ("bytes=9-5", U), ("bytes=1-0", U), ("bytes=99-98", U),
    # absurd numbers: never converted
    (f"bytes={HUGE}-", U), (f"bytes=0-{HUGE}", U), (f"bytes=-{HUGE}", U), (f"bytes={HUGE}-{HUGE}", U),
    (f"bytes=0-{LONGEST}9", U), (f"bytes=-{LONGEST}9", U), ("bytes=" + "0" * 5000 + "-9", U),
    (f"bytes=0-1,{HUGE}-", U),
    # garbage
    ("bytes=", U), ("bytes", U), ("bytes=-", U), ("bytes=abc", U), ("bytes=a-b", U), ("bytes=1-2-3", U),
    ("bytes=0x10-20", U), ("bytes=1e3-", U), ("bytes=1.5-2", U), ("bytes=+1-2", U), ("bytes=-1-2", U),
    ("bytes=0-1,", U), ("bytes=,0-1", U), ("bytes=0-1,abc", U), ("bytes=0-1;2-3", U), ("bytes==0-1", U),
    ("bytes=\u0663-\u0665", U), ("bytes=\uff10-\uff19", U),  # digits of other scripts
])
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=0-", "bytes=-5", "bytes=0-0"])
def test_parse_range_of_an_empty_file(header):
    assert parse_range(header, 0) == U


# --- limits: idle connections, bounded workers ---------------------------------------------------

@contextlib.contextmanager
def running(root: Path, **limits: Any) -> Iterator[tuple[PublicServer, Served]]:
    """A server with the given limits (timeout, keep_alive, max_workers), serving in a thread."""
    log: list[str] = []
    server = make_server(root, log=log.append, **limits)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server, Served(root, server.server_address[1], log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def worker_threads(server: PublicServer) -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith(server.thread_prefix))


def wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_silent_and_stalled_connections_are_dropped(workspace: Path):
    with running(workspace, timeout=0.5) as (server, served):
        with socket.create_connection(("127.0.0.1", served.port)) as silent, \
                socket.create_connection(("127.0.0.1", served.port)) as stalled:
            stalled.sendall(b"GET /feeds/feed.xml HTTP/1.1\r\nHost: x\r\n")  # no blank line: stops midway
            silent.settimeout(5)
            stalled.settimeout(5)
            start = time.monotonic()
            assert silent.recv(100) == b""  # closed by the server, without an answer
            assert stalled.recv(100) == b""
            assert time.monotonic() - start < 3
        assert wait_for(lambda: server.active_workers == 0 and worker_threads(server) == 0)
        assert [line for line in served.log if "timed out" in line] == [
            "127.0.0.1 error: Request timed out: TimeoutError('timed out')"]  # the silent one is not an error
        assert served.request("/feeds/feed.xml")[0] == 200


def test_stalled_download_is_dropped(workspace: Path):
    big = workspace / "output" / "her" / "big.mp3"
    big.write_bytes(os.urandom(16 * 1024 * 1024))  # more than the socket buffers hold
    with running(workspace, timeout=0.5) as (server, served):
        with socket.create_connection(("127.0.0.1", served.port)) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /output/her/big.mp3 HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(100)  # then reads no more
            assert wait_for(lambda: server.active_workers == 0, 10)
        assert wait_for(lambda: len(served.log) == 1)
        assert served.log[0].startswith('127.0.0.1 "GET /output/her/big.mp3 HTTP/1.1" 200 ')
        assert int(served.log[0].split()[-1]) < big.stat().st_size


def test_idle_keep_alive_connection_is_dropped_sooner(workspace: Path):
    with running(workspace, timeout=10, keep_alive=0.3) as (server, served):
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        try:
            assert served.request("/feeds/feed.xml", connection=conn)[0] == 200
            assert served.request("/feeds/feed.xml", connection=conn)[0] == 200  # kept alive
            assert conn.sock is not None
            start = time.monotonic()
            assert conn.sock.recv(100) == b""  # the server closed the idle connection
            assert 0.2 < time.monotonic() - start < 5
        finally:
            conn.close()
        assert wait_for(lambda: server.active_workers == 0)


def test_pipelined_requests_are_all_answered(workspace: Path):
    with running(workspace, timeout=5, keep_alive=0.2) as (_server, served):
        with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
            one = b"GET /output/her/her.mp3 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\n\r\n"
            sock.sendall(one * 3)
            data = b""
            while data.count(b"HTTP/1.1 206") < 3 or not data.endswith(AUDIO[:4]):
                chunk = sock.recv(65536)
                assert chunk, data
                data += chunk
            assert sock.recv(100) == b""  # then closed after keep_alive


def test_worker_threads_are_bounded(workspace: Path):
    with running(workspace, timeout=0.5, keep_alive=0.5, max_workers=4) as (server, served):
        idle = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(12)]
        try:
            # Sampled before the first idle connections time out (0.5 s): a worker thread that
            # has just given its slot back lives on for a few microseconds while it exits.
            peak, deadline = 0, time.monotonic() + 0.4
            while time.monotonic() < deadline:
                peak = max(peak, server.active_workers, worker_threads(server))
                time.sleep(0.005)
            assert peak == 4  # all busy with idle connections, no thread for the other eight
            start = time.monotonic()
            # Waits in the backlog behind the idle ones, which time out four at a time.
            status, _, body = served.request("/feeds/feed.xml")
            assert (status, body) == (200, b"<rss/>")
            assert time.monotonic() - start < 5
        finally:
            for sock in idle:
                sock.close()
        assert wait_for(lambda: server.active_workers == 0 and worker_threads(server) == 0)


def test_requests_are_served_while_some_workers_hold_idle_connections(workspace: Path):
    with running(workspace, timeout=30, max_workers=4) as (server, served):
        idle = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(3)]
        try:
            assert wait_for(lambda: server.active_workers == 3)
            start = time.monotonic()
            for _ in range(5):
                assert served.request("/output/her/her.mp3")[2] == AUDIO
            assert time.monotonic() - start < 2  # the fourth worker; nobody waits for the timeout
            assert server.active_workers <= 4
        finally:
            for sock in idle:
                sock.close()


def test_shutdown_does_not_wait_for_busy_workers(workspace: Path):
    server = make_server(workspace, timeout=30, max_workers=1)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    idle = [socket.create_connection(("127.0.0.1", server.server_address[1])) for _ in range(3)]
    try:
        assert wait_for(lambda: server.active_workers == 1)
        time.sleep(0.2)  # the loop has accepted the second and waits for a free worker
        start = time.monotonic()
        server.shutdown()
        assert time.monotonic() - start < 2
        thread.join(5)
        assert not thread.is_alive()
    finally:
        server.server_close()
        for sock in idle:
            sock.close()


# --- a real podcast client ----------------------------------------------------------------------------

@pytest.mark.e2e
def test_gpodder_subscribes_and_downloads(tmp_path: Path):
    """gPodder's ``gpo`` subscribes to the served feed and downloads the episode (read from its database)."""
    # gpo and ffmpeg are installed by `make test` (scripts/system-packages.sh): never skipped.
    from audioessay.models import Episode
    from audioessay.publish.cover import make_default_cover
    from audioessay.publish.feed import write_feed
    from audioessay.workspace import ShowConfig

    root = tmp_path / "ws"
    (root / "output" / "her").mkdir(parents=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=1", "-ac", "1",
                    "-ar", "44100", "-b:a", "96k", str(root / "output/her/her.mp3")], check=True)
    (root / "output/her/her.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello <b>there</b>.\n")
    chapters = {"version": "1.2.0", "chapters": [{"startTime": 0}]}
    (root / "output/her/chapters.json").write_text(json.dumps(chapters))
    make_default_cover("Read Aloud", "Jane", root / "feeds" / "cover.jpg")
    server = make_server(root)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    episode = Episode(slug="her", title="Her <i>film</i> & me", source=Path("seeds/her.md"),
                      audio=Path("output/her/her.mp3"), audio_bytes=0, duration=1.0,
                      description="A film about <word>.", links=(),
                      guid="urn:uuid:5f7c8f4e-1111-4111-8111-111111111111",
                      pub_date=dt.datetime(2024, 5, 1, tzinfo=dt.UTC), number=1,
                      transcript_vtt=Path("output/her/her.vtt"), chapters=Path("output/her/chapters.json"))
    write_feed(root / "feeds/feed.xml", ShowConfig(title="Read Aloud", base_url=base), [episode], base,
               "feeds/cover.jpg", root)
    home = tmp_path / "gpodder"
    env = {**os.environ, "GPODDER_HOME": str(home), "GPODDER_DOWNLOAD_DIR": str(home / "downloads"),
           "HOME": str(tmp_path)}
    feed_url = base + "feeds/feed.xml"
    try:
        for command in (["subscribe", feed_url], ["update", feed_url], ["download", feed_url]):
            subprocess.run(["gpo", *command], env=env, check=True, capture_output=True, timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    with sqlite3.connect(home / "Database") as db:
        rows = db.execute("SELECT title, guid, state, file_size, description_html FROM episode").fetchall()
    assert len(rows) == 1
    title, guid, state, file_size, description = rows[0]
    assert (title, guid, state) == ("Her <i>film</i> & me", episode.guid, 1)  # state 1: downloaded
    assert file_size == (root / "output/her/her.mp3").stat().st_size
    assert "&lt;word&gt;" in description  # the word is text, not a tag that vanishes
    downloaded = list((home / "downloads").rglob("*.mp3"))
    assert [p.read_bytes() for p in downloaded] == [(root / "output/her/her.mp3").read_bytes()]
