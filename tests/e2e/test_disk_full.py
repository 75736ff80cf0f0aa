"""A full disk, for real: a workspace on a small tmpfs that is filled up before a render.

What must hold, wherever the disk fills (the script, a take, an encoded part, the episode): the
render ends at once (no take is retried or waited on) with exit code 1 and one line,
``error: no space left on device while writing PATH``, never a traceback; every file that was
there before is intact (everything is written under a temporary name and renamed into place,
and the temporaries are removed); and once space is freed, the same command goes on and succeeds.

These tests mount a tmpfs, so they need root (as the developers' machines and CI run). Where
mounting is impossible they fail, saying so: a skipped test would hide that nothing was checked.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_workspace, run_cli

ESSAY = "notes-on-walking.txt"
SLUG = "notes-on-walking"
DISK_SIZE = "8m"  # one short episode (takes, parts, MP3, cover) takes about 4 MB
FAST = 45  # seconds: a full disk is said at once; pyttsx3's retries used to wait 3 x 60 s per take


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """An empty tmpfs of DISK_SIZE, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE},mode=0755", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs at {mount} (these tests need root and 'mount -t tmpfs'): "
                    f"{(done.stderr or done.stdout).strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], capture_output=True, check=False)


def fill(disk: Path) -> Path:
    """Fill the file system up to the last byte; returns the file that holds the space."""
    filler = disk / "filler"
    block = 1 << 20
    with open(filler, "ab", buffering=0) as handle:
        while block >= 512:
            try:
                handle.write(b"\0" * block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                block //= 2
    info = os.statvfs(disk)
    assert info.f_bfree * info.f_frsize < 4096, "the disk is not full"
    return filler


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` by its relative path, with its content's hash."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def render_on_full_disk(ws: Path, disk: Path) -> str:
    """Fill the disk, render, check everything a full disk must give; free the space again.
    Returns the error line."""
    filler = fill(disk)
    before = snapshot(ws)
    result = run_cli(["render"], ws, timeout=FAST)  # TimeoutExpired: it waited instead of stopping
    filler.unlink()
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "Exception ignored" not in output, output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert re.fullmatch(r"error: no space left on device while writing \S+ \(free some space, then run the "
                        r"command again; what was made is kept\)", errors[0]), errors[0]
    after = snapshot(ws)
    # The lock file names its holder (each run's pid): it is not content.
    changed = [path for path, digest in before.items() if after.get(path) != digest and path != ".audioessay/lock"]
    assert not changed, f"changed or lost on a full disk: {changed}"
    leftovers = [path for path in after if re.search(r"(^|/)\.[^/]*\.part|\.master-", path)]
    assert not leftovers, f"temporary files left behind: {leftovers}"
    return errors[0]


def rendered(ws: Path) -> str:
    result = run_cli(["render"], ws, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((ws / "output" / SLUG / "build.json").read_text(encoding="utf-8"))
    assert (ws / record["audio"]).stat().st_size == record["audio_bytes"]
    assert SLUG in (ws / "feeds" / "feed.xml").read_text(encoding="utf-8")
    return result.stdout


def edit(ws: Path) -> None:
    essay = ws / "seeds" / ESSAY
    essay.write_text(essay.read_text(encoding="utf-8").replace("very surprised cat", "very startled cat"),
                     encoding="utf-8")


def test_a_first_render_on_a_full_disk_is_one_line_and_the_next_render_recovers(disk: Path) -> None:
    ws = make_workspace(disk / "ws", [ESSAY])
    line = render_on_full_disk(ws, disk)
    assert "writing /" not in line, "the path is named from the workspace"
    assert "1 made" in rendered(ws)


@pytest.mark.parametrize("stage", ["script", "take", "part", "episode"])
def test_a_re_render_after_an_edit_on_a_full_disk_is_one_line_and_the_next_render_recovers(
        disk: Path, stage: str) -> None:
    """The disk fills while the edited script is written, a take narrated, a part encoded, or the
    episode joined: each is one line naming that file, and after it the render goes on."""
    ws = make_workspace(disk / "ws", [ESSAY])
    rendered(ws)
    edit(ws)
    if stage != "script":  # the script is written while there is space: the disk fills at the new take
        assert run_cli(["script"], ws).returncode == 0
    if stage == "part":  # the takes are made: another bitrate re-encodes every part
        assert "1 made" in rendered(ws)
        config = ws / "audioessay.toml"
        config.write_text(config.read_text(encoding="utf-8").replace("bitrate = 96", "bitrate = 128"),
                          encoding="utf-8")
    if stage == "episode":  # takes and parts are made: without its build.json the episode is joined again
        assert "1 made" in rendered(ws)
        (ws / "output" / SLUG / "build.json").unlink()
    line = render_on_full_disk(ws, disk)
    # An edit is first written to the ledger (it matches a renamed essay by content), then the script.
    expected = {"script": rf"(\.audioessay/episodes\.json\.bak|episodes\.json|output/{SLUG}/script\.txt)",
                "take": r"\.audioessay/cache/takes/[0-9a-f]{2}/[0-9a-f]{64}\.wav",
                "part": rf"output/{SLUG}/\.encoded/[0-9a-f]{{32}}\.mp3",
                "episode": rf"output/{SLUG}/{SLUG}[^/ ]*\.mp3"}[stage]
    assert re.search(rf"writing {expected} \(", line), line
    summary = rendered(ws)
    assert "1 made" in summary
    assert "very startled cat" in (ws / "output" / SLUG / "script.txt").read_text(encoding="utf-8")
