"""A crowd at once: 200 simultaneous loopback clients all get a complete answer from ``serve``.

With Python's default listen backlog of 5, 37 of 200 simultaneous feed requests and 60 of 200
MP3 downloads got no answer. Each client here has a timeout; all must get a complete 200 or 206,
with the server on its production limits (backlog, worker bound, timeouts).
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from audioessay.publish.serve import MAX_WORKERS, PublicServer, make_server

CLIENTS = 200
CLIENT_TIMEOUT = 10.0  # seconds, for each client's connect and every read
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel>' + b"<item>episode</item>" * 2000 + b"</channel></rss>"
MP3 = os.urandom(1024 * 1024)


@dataclass
class Outcome:
    status: int = 0
    body: bytes = b""
    content_range: str | None = None
    connect_seconds: float = 0.0
    error: str = ""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PublicServer]:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "feed.xml").write_bytes(FEED)
    (tmp_path / "output" / "ep").mkdir(parents=True)
    (tmp_path / "output" / "ep" / "ep.mp3").write_bytes(MP3)
    server = make_server(tmp_path)  # the production limits
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def fetch(port: int, path: str, headers: dict[str, str], barrier: threading.Barrier, outcome: Outcome) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        barrier.wait()
        start = time.monotonic()
        conn.connect()
        outcome.connect_seconds = time.monotonic() - start
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        outcome.body = response.read()
        outcome.status, outcome.content_range = response.status, response.getheader("Content-Range")
    except Exception as exc:  # noqa: BLE001 - reported by the test
        outcome.error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


def crowd(server: PublicServer, path: str, headers: dict[str, str]) -> tuple[list[Outcome], float, int]:
    """CLIENTS requests at once; their outcomes, the seconds they took, the most workers seen busy."""
    port = server.server_address[1]
    barrier = threading.Barrier(CLIENTS + 1)
    outcomes = [Outcome() for _ in range(CLIENTS)]
    threads = [threading.Thread(target=fetch, args=(port, path, headers, barrier, o), daemon=True)
               for o in outcomes]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.monotonic()
    peak = 0
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, server.active_workers)
        time.sleep(0.002)
    return outcomes, time.monotonic() - start, peak


@pytest.mark.parametrize("path, headers, status, expected", [
    ("/feeds/feed.xml", {}, 200, FEED),
    ("/output/ep/ep.mp3", {}, 200, MP3),
    ("/output/ep/ep.mp3", {"Range": "bytes=1000-"}, 206, MP3[1000:]),
], ids=["feed", "mp3", "mp3-range"])
def test_200_simultaneous_clients_are_all_answered(server: PublicServer, path: str, headers: dict[str, str],
                                                   status: int, expected: bytes):
    outcomes, seconds, peak = crowd(server, path, headers)
    failures = [o.error or f"status {o.status}, {len(o.body)} bytes" for o in outcomes
                if o.error or o.status != status or o.body != expected]
    assert not failures, f"{len(failures)} of {CLIENTS} failed: {sorted(set(failures))[:5]}"
    if status == 206:
        assert {o.content_range for o in outcomes} == {f"bytes 1000-{len(MP3) - 1}/{len(MP3)}"}
    # A connection the listen backlog cannot hold is dropped by the kernel and retried after 1 s:
    # with the backlog deep enough, every connect completes at once.
    slowest_connect = max(o.connect_seconds for o in outcomes)
    assert slowest_connect < 1.0, slowest_connect
    assert peak <= MAX_WORKERS
    assert seconds < CLIENT_TIMEOUT
    print(f"{CLIENTS} clients, {path}: {seconds:.2f} s, slowest connect {slowest_connect:.3f} s, "
          f"at most {peak} workers busy")


def test_200_clients_wait_in_the_backlog_for_a_few_workers(tmp_path: Path):
    """With only 8 workers, the other 192 connections wait in the backlog; all are still answered."""
    (tmp_path / "output" / "ep").mkdir(parents=True)
    (tmp_path / "output" / "ep" / "ep.mp3").write_bytes(MP3)
    small = make_server(tmp_path, max_workers=8)
    thread = threading.Thread(target=small.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        outcomes, seconds, peak = crowd(small, "/output/ep/ep.mp3", {})
    finally:
        small.shutdown()
        small.server_close()
        thread.join(5)
    failures = [o.error or f"status {o.status}" for o in outcomes if o.error or o.status != 200 or o.body != MP3]
    assert not failures, f"{len(failures)} of {CLIENTS} failed: {sorted(set(failures))[:5]}"
    assert max(o.connect_seconds for o in outcomes) < 1.0
    assert peak <= 8
    assert seconds < CLIENT_TIMEOUT
    print(f"{CLIENTS} clients, 8 workers: {seconds:.2f} s, at most {peak} workers busy")
