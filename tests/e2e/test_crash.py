"""Crashes never lose work: ``render`` killed at any moment (SIGKILL, Ctrl-C, SIGTERM) resumes on
the next run, and nothing partial is ever published.

Each killed run is started in its own session (``start_new_session=True``) and killed with
``os.killpg``, so its worker processes, espeak-ng and ffmpeg die with it, as they do when a
terminal or systemd stops a command.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import AUDIOESSAY, make_workspace, run_cli
from lxml import etree

from audioessay.voice.cache import wav_frames

ESSAYS = ["notes-on-walking.txt", "her-ending-explained-emotionally.txt", "radio-drama-at-midnight.md"]
KILLS = 22
KILLS_BEFORE_FIRST_COMPLETE_RUN = 5  # then the guids are recorded; no later run may change them


def start_render(ws: Path, *args: str) -> subprocess.Popen[bytes]:
    """The render as a terminal starts it. A suite run in the background of a shell without job
    control inherits SIGINT ignored, and passes that on (Python then installs no Ctrl-C handler):
    the render gets SIGINT's default disposition, as from an interactive shell."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a handler is reset to the default on exec
    try:
        return subprocess.Popen([AUDIOESSAY, "render", *args], cwd=ws, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def live_members(pgid: int) -> list[str]:
    """Processes of the process group that are still alive (zombies are dead: a container's init
    may simply never reap an orphan), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(stat[: stat.rindex(")") + 1])
    return found


def wait_until_group_is_gone(pgid: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while live_members(pgid):
        if time.monotonic() > deadline:
            raise AssertionError(f"processes left behind: {live_members(pgid)}")
        time.sleep(0.05)


def leftovers(ws: Path) -> list[str]:
    """Temporary files and folders, and empty files (the lock file is empty-able by design)."""
    found = []
    for path in ws.rglob("*"):
        rel = path.relative_to(ws).as_posix()
        if ".part" in path.name or ".master-" in path.name:
            found.append(rel)
        elif path.is_file() and path.stat().st_size == 0 and rel != ".audioessay/lock":
            found.append(f"{rel} (empty)")
    return found


def ledger_guids(ws: Path) -> dict[str, str]:
    data = json.loads((ws / "episodes.json").read_text(encoding="utf-8"))
    return {slug: entry["guid"] for slug, entry in data["episodes"].items()}


def feed_items(ws: Path) -> list[etree._Element]:
    return etree.parse(str(ws / "feeds" / "feed.xml")).getroot().findall("channel/item")


def assert_consistent_if_present(ws: Path) -> None:
    """What a killed run leaves: the public files, if there, are complete (atomic writes)."""
    if (ws / "episodes.json").exists():
        ledger_guids(ws)
    if (ws / "feeds" / "feed.xml").exists():
        feed_items(ws)
    for path in (ws / "output").glob("*/script.txt"):
        assert path.read_text(encoding="utf-8").startswith("---\naudioessay-script: 1\n")


def assert_complete_and_clean(ws: Path) -> dict[str, str]:
    """After a complete run: nothing partial anywhere, the feed matches the files, every take is
    a readable WAV. Returns the guids by slug."""
    assert leftovers(ws) == []
    guids = ledger_guids(ws)
    items = feed_items(ws)
    assert len(items) == len(ESSAYS)
    for item in items:
        enclosure = item.find("enclosure")
        audio = ws / urlsplit(enclosure.get("url")).path.lstrip("/")
        assert audio.is_file(), audio
        assert int(enclosure.get("length")) == audio.stat().st_size, audio
        assert item.findtext("guid") in guids.values()
    takes = list((ws / ".audioessay" / "cache" / "takes").glob("*/*.wav"))
    assert takes and all(wav_frames(take) is not None for take in takes)
    check = run_cli(["check"], cwd=ws)
    assert check.returncode == 0, check.stdout + check.stderr
    return guids


def full_render_seconds(tmp_path: Path) -> float:
    """How long a complete render of the workspace takes from scratch (in a copy)."""
    ws = make_workspace(tmp_path / "timing", ESSAYS)
    started = time.monotonic()
    run_cli(["render"], cwd=ws, check=True)
    return time.monotonic() - started


def test_sigkill_at_random_moments_never_loses_or_publishes_partial_work(tmp_path: Path) -> None:
    rng = random.Random(20240501)
    longest = full_render_seconds(tmp_path)
    ws = make_workspace(tmp_path / "ws", ESSAYS)
    # A rate not used before re-narrates and re-masters every episode: each run has a full run's work.
    rates = iter(rng.sample(range(100, 450, 5), k=3 * KILLS))
    guids: dict[str, str] | None = None
    kills = runs = 0
    while kills < KILLS:
        runs += 1
        assert runs <= 3 * KILLS, f"only {kills} of {runs} runs were still running when killed"
        if kills == KILLS_BEFORE_FIRST_COMPLETE_RUN and guids is None:
            run_cli(["render"], cwd=ws, check=True)
            guids = assert_complete_and_clean(ws)
        process = start_render(ws, "--rate", str(next(rates)))
        time.sleep(rng.uniform(0.05, longest))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        _out, err = process.communicate(timeout=120)
        assert b"Traceback" not in err
        wait_until_group_is_gone(process.pid)
        assert_consistent_if_present(ws)
        if guids is not None:
            now = ledger_guids(ws)
            assert {slug: now[slug] for slug in guids} == guids

    final = run_cli(["render"], cwd=ws)
    assert final.returncode == 0, final.stderr
    assert "Traceback" not in final.stdout + final.stderr
    assert assert_complete_and_clean(ws) == guids


def wait_for_narration(ws: Path, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Until the first take is in the cache: the run is busy narrating (workers are running)."""
    deadline = time.monotonic() + timeout
    while not list((ws / ".audioessay" / "cache" / "takes").glob("*/*.wav")):
        assert process.poll() is None, "render ended before it narrated anything"
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.mark.parametrize(("signum", "whole_group", "word"), [
    (signal.SIGINT, True, "interrupted"),  # Ctrl-C in a terminal: the whole foreground group
    (signal.SIGTERM, False, "terminated"),  # kill PID
    (signal.SIGTERM, True, "terminated"),  # systemd stop, CI timeouts: the whole group
], ids=["ctrl-c", "sigterm", "sigterm-group"])
def test_interrupted_render_stops_cleanly_and_resumes(tmp_path: Path, signum: int, whole_group: bool,
                                                      word: str) -> None:
    ws = make_workspace(tmp_path / "ws", ESSAYS)
    process = start_render(ws)
    wait_for_narration(ws, process)
    time.sleep(0.2)
    if whole_group:
        os.killpg(process.pid, signum)
    else:
        os.kill(process.pid, signum)
    out, err = process.communicate(timeout=120)
    message = err.decode()
    assert process.returncode == 128 + signum, message
    assert "Traceback" not in message + out.decode()
    assert message.strip().splitlines()[-1].startswith(f"{word}") and "run the command again" in message
    wait_until_group_is_gone(process.pid)
    assert leftovers(ws) == []
    assert_consistent_if_present(ws)

    again = run_cli(["render"], cwd=ws)
    assert again.returncode == 0, again.stderr
    assert_complete_and_clean(ws)


def test_a_worker_killed_while_the_scripts_are_written_stops_the_render_with_one_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With several new episodes and two jobs, takes are narrated while the scripts are still
    being written (EarlyNarration). A worker killed from outside then (the OOM killer, a signal)
    stops the render with NarrationError, which the command prints in one line; the takes the
    workers finished are kept and nothing half-written is left."""
    from audioessay.errors import NarrationError
    from audioessay.pipeline.render import render
    from audioessay.voice.narrate import EarlyNarration
    from audioessay.workspace import load_workspace

    ws = make_workspace(tmp_path / "ws", ESSAYS)
    real_send = EarlyNarration.send
    killed: list[int] = []

    def send_then_kill_a_worker(self: EarlyNarration, requests: Any) -> None:
        real_send(self, requests)
        if not killed:
            self.futures[0].result(timeout=120)  # the workers are up and one batch is narrated
            killed.append(next(iter(self.executor._processes)))  # type: ignore[attr-defined]
            os.kill(killed[0], signal.SIGKILL)

    monkeypatch.setattr(EarlyNarration, "send", send_then_kill_a_worker)
    with pytest.raises(NarrationError, match="a narration worker process stopped unexpectedly"):
        render(load_workspace(ws), jobs=2)
    assert killed
    takes = list((ws / ".audioessay" / "cache").glob("takes/*/*.wav"))
    assert takes and all(wav_frames(take) for take in takes)
    assert not [p for p in ws.rglob(".*part*")]


def test_the_workers_die_with_a_render_killed_alone(tmp_path: Path) -> None:
    """SIGKILL to the render's own process only (not its group): its workers do not narrate on."""
    ws = make_workspace(tmp_path / "ws", ESSAYS)
    process = start_render(ws)  # its own process group
    wait_for_narration(ws, process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while live_members(process.pid):  # anyone left alive in the render's group?
        assert time.monotonic() < deadline, f"the workers outlived the render: {live_members(process.pid)}"
        time.sleep(0.05)


def test_a_render_killed_after_its_first_episode_was_recorded_keeps_every_identity(tmp_path: Path) -> None:
    """The kill that once left a build.json without episodes.json (and so a refused next render)."""
    ws = make_workspace(tmp_path / "ws", ESSAYS)
    process = subprocess.Popen([AUDIOESSAY, "render", "--jobs", "1"], cwd=ws, start_new_session=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not list(ws.glob("output/*/build.json")) and time.monotonic() < deadline:
            assert process.poll() is None, "the render ended before its first episode was recorded"
            time.sleep(0.005)
        assert process.poll() is None, "the render was not running any more"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert len(list(ws.glob("output/*/build.json"))) < len(ESSAYS)  # killed before the last one
    ledger = json.loads((ws / "episodes.json").read_text(encoding="utf-8"))["episodes"]
    guids = {entry["slug"]: entry["guid"] for entry in ledger.values()}
    assert len(guids) == len(ESSAYS)  # every identity was settled before anything was made
    run_cli(["render"], cwd=ws, check=True)
    after = json.loads((ws / "episodes.json").read_text(encoding="utf-8"))["episodes"]
    assert {entry["slug"]: entry["guid"] for entry in after.values()} == guids
