"""One glibc heap per process (``audioessay.memory.one_heap``): threads do not each keep a heap of
freed memory (issue 18: memory). What it saves is measured by bench/piper_render.py; here: that
the setting really limits the heaps, in the CLI's process and in a narration worker."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading

import pytest

from audioessay.voice import narrate

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heaps")


def heaps_after_threads(threads: int = 4) -> int:
    """How many glibc heaps this process has after ``threads`` threads each allocated something
    (glibc's ``malloc_stats`` prints one "Arena N:" block per heap, to the standard error)."""
    import ctypes

    def allocate() -> None:
        bytearray(4096)

    started = [threading.Thread(target=allocate) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    with tempfile.TemporaryFile() as capture:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            ctypes.CDLL(None).malloc_stats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        return sum(line.startswith(b"Arena ") for line in capture.read().splitlines())


def heaps_in_a_fresh_process(first: str) -> int:
    code = (f"{first}\nimport sys; sys.path.insert(0, {os.path.dirname(__file__)!r})\n"
            "from test_one_heap import heaps_after_threads; print(heaps_after_threads())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return int(done.stdout)


def test_threads_share_one_heap_after_one_heap() -> None:
    without = heaps_in_a_fresh_process("pass")
    with_it = heaps_in_a_fresh_process("from audioessay.memory import one_heap; assert one_heap()")
    assert without > 1  # the test can fail: glibc gave the threads heaps of their own
    assert with_it == 1


def test_the_cli_process_has_one_heap() -> None:
    start_the_cli = ("import sys, contextlib, io, audioessay.cli as cli\nsys.argv = ['audioessay', '--version']\n"
                     "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
                     "    cli.main()")
    assert heaps_in_a_fresh_process(start_the_cli) == 1


def test_a_narration_worker_has_one_heap_for_its_threads() -> None:
    with narrate.local_executor(1, 2) as pool:
        assert pool.submit(heaps_after_threads).result(timeout=60) == 1
