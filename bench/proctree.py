"""Run a command and measure its wall time and the peak memory of its whole process tree.

A thread polls /proc every 20 ms while the command runs. At each poll it walks the tree of
processes below this (benchmark) process through ``/proc/PID/task/TID/children`` and sums their
resident set sizes (``/proc/PID/statm``); the figure reported is the largest such sum. It also
sums the proportional set size (``Pss`` in ``/proc/PID/smaps_rollup``), which charges shared pages
(libraries, the Python binary mapped by every worker) only once across the tree.

This process makes itself a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``), so a grandchild
whose parent exits early is re-parented here instead of to PID 1 and is still counted. Run one
measured command at a time: every descendant of this process is counted, except the processes
that already existed when the measurement started (e.g. multiprocessing's resource tracker left
by an in-process benchmark) and their descendants.

A child that has not yet replaced itself with another program (between ``vfork``/``fork`` and
``exec``, as every ``subprocess.Popen`` does for a few hundred microseconds) shares its parent's
memory: its ``statm`` is the parent's own. Such a child (same command name, same ``statm``) is
counted once, with its parent; counting it twice would report memory that does not exist.

Limits: a process that lives and dies between two polls (under 20 ms) is missed; the peak is
a sample, so it can be lower than the true peak by whatever was allocated and freed in 20 ms.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

PAGE = os.sysconf("SC_PAGE_SIZE")
PR_SET_CHILD_SUBREAPER = 36
_subreaper_set = False


def make_subreaper() -> bool:
    """Adopt orphaned descendants (Linux only); True when it worked."""
    global _subreaper_set
    if _subreaper_set:
        return True
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper_set = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        _subreaper_set = False
    return _subreaper_set


def descendants(root: int, exclude: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """Every live descendant of ``root`` (not ``root`` itself), skipping the subtrees of ``exclude``."""
    return list(_parents(root, exclude))


def _parents(root: int, exclude: set[int] | frozenset[int] = frozenset()) -> dict[int, int]:
    """Every live descendant of ``root`` mapped to its parent."""
    found: dict[int, int] = {}
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                    kids = [int(x) for x in fh.read().split() if int(x) not in exclude]
            except OSError:
                continue
            for kid in kids:
                found[kid] = pid
            stack.extend(kids)
    return found


def _statm(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def _not_yet_exec(pid: int, parent: int) -> bool:
    """True for a child still sharing its parent's memory (forked, not yet exec'd)."""
    statm = _statm(pid)
    return bool(statm) and statm == _statm(parent) and _comm(pid) == _comm(parent)


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def pss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm", "rb") as fh:
            return fh.read().decode(errors="replace").strip()
    except OSError:
        return "?"


@dataclass
class TreeSample:
    peak_rss: int = 0  # bytes, largest summed RSS of the tree
    peak_pss: int = 0  # bytes, largest summed PSS of the tree
    peak_procs: int = 0  # most processes alive in one sample
    samples: int = 0
    peak_breakdown: tuple[tuple[str, int], ...] = ()  # (command name, RSS) at the RSS peak


class TreeMonitor:
    """Poll the descendants of this process until stopped."""

    def __init__(self, interval: float = 0.02, pss: bool = True) -> None:
        make_subreaper()
        self.interval = interval
        self.pss = pss
        self.result = TreeSample()
        self.exclude = set(descendants(os.getpid()))  # already running before the command: not ours
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMonitor:  # noqa: PYI034
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        parents = _parents(os.getpid(), self.exclude)
        pids = [pid for pid, parent in parents.items() if not _not_yet_exec(pid, parent)]
        rss = [(pid, rss_bytes(pid)) for pid in pids]
        total = sum(r for _, r in rss)
        res = self.result
        res.samples += 1
        res.peak_procs = max(res.peak_procs, len(pids))
        if total > res.peak_rss:
            res.peak_rss = total
            res.peak_breakdown = tuple(sorted(((_comm(p), r) for p, r in rss), key=lambda x: -x[1]))
        if self.pss:
            res.peak_pss = max(res.peak_pss, sum(pss_bytes(p) for p in pids))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


@dataclass
class Measured:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    tree: TreeSample


def run_measured(cmd: Sequence[str], cwd: str | os.PathLike[str] | None = None,
                 env: dict[str, str] | None = None, timeout: float = 900,
                 memory: bool = True) -> Measured:
    """Run ``cmd`` (no shell), timing it with perf_counter and sampling its tree's memory."""
    monitor = TreeMonitor() if memory else None
    if monitor:
        monitor.__enter__()
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        seconds = time.perf_counter() - start
    finally:
        if monitor:
            monitor.__exit__(None, None, None)
    _reap_orphans()
    return Measured(seconds, proc.returncode, out, err, monitor.result if monitor else TreeSample())


def run_pipeline(first: Sequence[str], second: Sequence[str], cwd: str | os.PathLike[str] | None = None,
                 timeout: float = 900) -> Measured:
    """``first | second`` as two Popen processes joined by a pipe (no shell); time and tree memory."""
    with TreeMonitor() as monitor:
        start = time.perf_counter()
        p1 = subprocess.Popen(list(first), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
        p2 = subprocess.Popen(list(second), cwd=cwd, stdin=p1.stdout, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        assert p1.stdout is not None
        p1.stdout.close()  # so that p1 gets SIGPIPE if p2 exits early
        try:
            _, err = p2.communicate(timeout=timeout)
            p1.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p1.kill()
            p2.kill()
            _, err = p2.communicate()
            p1.wait()
        seconds = time.perf_counter() - start
    _reap_orphans()
    rc = p1.returncode or p2.returncode
    return Measured(seconds, rc, "", err, monitor.result)


def _reap_orphans() -> None:
    """Collect any adopted orphan that has exited (we are a subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
