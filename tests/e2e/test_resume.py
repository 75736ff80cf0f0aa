"""The take cache and resuming, proven by counting narrated takes in real renders: an edit
re-narrates one take, a render killed with SIGKILL loses none of the takes it made, and the
progress bar shows only on a terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import AUDIOESSAY, make_workspace, run_cli

from audioessay.text.scriptfile import parse_script
from audioessay.voice.cache import TakeCache

EDITED = "Most of us walk at about five kilometres an hour, which is quick enough to miss nearly everything."


def render_json(ws: Path) -> dict:
    result = run_cli(["render", "--json"], ws)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def takes(ws: Path) -> int:
    """Committed takes in the cache (temporary files of a killed run do not count)."""
    return TakeCache(ws / ".audioessay" / "cache").size()[0]


def cue_text(vtt: Path) -> str:
    """The words of a WebVTT file, cue lines joined by spaces (a sentence may span cues)."""
    lines = vtt.read_text(encoding="utf-8").splitlines()
    words = [line for line in lines[1:] if line.strip() and "-->" not in line and not line.strip().isdigit()]
    return " ".join(" ".join(words).split())


def test_editing_one_sentence_renarrates_one_take(workspace: Path) -> None:
    first = render_json(workspace)
    assert {e["slug"]: e["synthesized"] > 0 for e in first["episodes"]} == {
        "notes-on-walking": True, "her-ending-explained-emotionally": True}
    script = workspace / "output" / "notes-on-walking" / "script.txt"
    text = script.read_text(encoding="utf-8")
    original = "Most of us walk at about five kilometres an hour, which is fast enough to miss almost everything."
    assert text.count(original) == 1
    script.write_text(text.replace(original, EDITED), encoding="utf-8")

    second = render_json(workspace)
    by_slug = {e["slug"]: e for e in second["episodes"]}
    walking, other = by_slug["notes-on-walking"], by_slug["her-ending-explained-emotionally"]
    assert walking["synthesized"] == 1 and walking["remade"]
    assert walking["cached"] == len(set(parse_script(script.read_text(encoding="utf-8"), script).sentences()))
    assert other["synthesized"] == 0 and not other["remade"]
    spoken = cue_text(workspace / walking["transcript"])
    # the caption follows the edit, and shows the words kept as the essay writes them
    assert "Most of us walk at about 5 km an hour, which is quick enough to miss nearly everything." in spoken
    assert "fast enough to miss" not in spoken


def long_essay(count: int) -> str:
    sentences = [f"This is sentence {n}."
                 for n in range(1, count + 1)]
    paragraphs = [" ".join(sentences[i:i + 10]) for i in range(0, count, 10)]
    return "---\ntitle: A Long Essay\n---\n" + "\n\n".join(paragraphs) + "\n"


def test_a_render_killed_with_sigkill_reuses_every_take_it_made(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", [])
    (ws / "seeds" / "long.md").write_text(long_essay(160), encoding="utf-8")
    run_cli(["script"], ws, check=True)
    script = ws / "output" / "long" / "script.txt"
    distinct = len(set(parse_script(script.read_text(encoding="utf-8"), script).sentences())) + 1  # + announcement

    process = subprocess.Popen([AUDIOESSAY, "render", "--jobs", "2"], cwd=ws, start_new_session=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while takes(ws) < 30:
            assert process.poll() is None, "render finished before it could be killed: make the essay longer"
            assert time.monotonic() < deadline, "no takes appeared"
            time.sleep(0.01)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the render and its worker processes
        process.wait()
    for _ in range(500):  # the workers are gone too (they were in the render's process group)
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    else:
        pytest.fail("worker processes survived the SIGKILL of their process group")
    before = takes(ws)
    assert 30 <= before < distinct

    report = render_json(ws)
    (episode,) = report["episodes"]
    assert episode["cached"] == before  # every take made before the kill is reused
    assert episode["synthesized"] + before == distinct == takes(ws)
    assert (ws / episode["audio"]).stat().st_size > 0
    assert not list((ws / ".audioessay" / "cache").glob("takes/*/.*.part.wav"))


def run_on_terminal(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run the installed command with stderr on a pseudo-terminal; returns (code, stdout, stderr)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([AUDIOESSAY, *args], cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(controller, 4096)
            except OSError:  # EIO: the terminal's other side is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    stdout, _ = process.communicate(timeout=600)
    reader.join(timeout=30)
    os.close(controller)
    return process.returncode, stdout.decode(), b"".join(chunks).decode(errors="replace")


PROGRESS = re.compile(r"narrating \[[#-]+\] \d+/\d+ takes, ETA +\d+s")


def test_progress_bar_shows_on_a_terminal_only(workspace: Path, tmp_path: Path) -> None:
    code, stdout, stderr = run_on_terminal(["render"], workspace)
    assert code == 0, stderr
    assert "takes" in stderr and "ETA" in stderr
    assert PROGRESS.search(stderr)
    final = re.findall(r"(\d+)/(\d+) takes", stderr)[-1]
    assert final[0] == final[1]  # the bar ends full
    mastered = re.findall(r"mastering \[[#-]+\] (\d+)/(\d+) episodes", stderr)
    assert mastered and mastered[-1][0] == mastered[-1][1] == "2"  # and a second one while mastering
    assert "summary:" in stdout

    other = make_workspace(tmp_path / "json", ["notes-on-walking.txt"])
    code, stdout, stderr = run_on_terminal(["render", "--json"], other)
    assert code == 0, stderr
    assert "ETA" not in stderr and "takes" not in stderr and "episodes" not in stderr
    assert json.loads(stdout)["episodes"][0]["synthesized"] > 0

    piped = make_workspace(tmp_path / "piped", ["notes-on-walking.txt"])
    result = run_cli(["render"], piped)
    assert result.returncode == 0, result.stderr
    assert "ETA" not in result.stderr and "narrating [" not in result.stderr
    assert "takes narrated" in result.stdout
