"""One writer per workspace: a second render, script, publish or cache prune exits at once with a
message naming the holder, and a lock left by a killed process never blocks anyone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import AUDIOESSAY, make_workspace, run_cli

from audioessay.lock import WorkspaceBusyError, workspace_lock

WRITERS = [
    ["render"],
    ["script"],
    ["publish", "DEST", "--base-url", "https://podcast.example.com/"],
    ["cache", "prune"],
]


def busy_line(result: subprocess.CompletedProcess[str], holder: str) -> str:
    """The one line a refused command prints; it names the holder and says what to do."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and f"the workspace is busy: {holder} is running" in lines[0]
    assert "wait for it to finish and run the command again" in lines[0]
    return lines[0]


@pytest.mark.parametrize("args", WRITERS, ids=lambda args: args[0] if args[0] != "cache" else "cache-prune")
def test_a_second_writer_exits_at_once_while_the_lock_is_held(workspace: Path, tmp_path: Path,
                                                              args: list[str]) -> None:
    args = [str(tmp_path / "dest") if arg == "DEST" else arg for arg in args]
    with workspace_lock(workspace / ".audioessay", "render"):
        started = time.monotonic()
        # If the command waited for the lock, it would never return while we hold it.
        result = run_cli(args, cwd=workspace, timeout=120)
        elapsed = time.monotonic() - started
    busy_line(result, f"'audioessay render' (pid {os.getpid()})")
    assert elapsed < 60
    assert not (workspace / "output").exists() and not (tmp_path / "dest").exists()


def test_a_second_command_is_refused_while_a_real_render_runs(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", ["notes-on-walking.txt", "radio-drama-at-midnight.md"])
    render = subprocess.Popen([AUDIOESSAY, "render"], cwd=ws, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    holder = f"'audioessay render' (pid {render.pid})"
    lock = ws / ".audioessay" / "lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text(encoding="utf-8") == holder):
        assert render.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    second = run_cli(["script"], cwd=ws)
    still_running = render.poll() is None
    _out, err = render.communicate(timeout=300)
    assert render.returncode == 0, err
    if still_running:  # a very fast render may have finished meanwhile; then the script simply ran
        busy_line(second, holder)


HOLD_THE_LOCK = """
import sys, time
from pathlib import Path
from audioessay.lock import workspace_lock
with workspace_lock(Path(sys.argv[1]), "render"):
    print("locked", flush=True)
    time.sleep(600)
"""


def test_a_lock_left_by_a_killed_process_is_taken_over(workspace: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(workspace / ".audioessay")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        busy_line(run_cli(["script"], cwd=workspace), f"'audioessay render' (pid {holder.pid})")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The lock file still names the dead process: only the kernel's flock says who holds it.
    lock = workspace / ".audioessay" / "lock"
    assert lock.read_text(encoding="utf-8") == f"'audioessay render' (pid {holder.pid})"
    result = run_cli(["script"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert (workspace / "output" / "notes-on-walking" / "script.txt").is_file()


def test_the_lock_is_released_when_a_command_fails(workspace: Path) -> None:
    state = workspace / ".audioessay"
    with workspace_lock(state, "script"):
        # flock belongs to an open file, so even this process cannot take it twice.
        with pytest.raises(WorkspaceBusyError) as caught, workspace_lock(state, "render"):
            pass
        assert f"'audioessay script' (pid {os.getpid()}) is running" in str(caught.value)
    with pytest.raises(RuntimeError), workspace_lock(state, "render"):
        raise RuntimeError("a command that fails")
    with workspace_lock(state, "render"):  # released by the failure above
        pass
