"""A workspace rendered by the code before the pipeline restructuring re-renders as a no-op.

The restructuring moved every stage of ``render`` but must not change a hash in ``build.json``:
otherwise every published show would be narrated and mastered again after an upgrade. The old
code is taken from this repository's history, so the test needs the git checkout (CI's clean
clone has it)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import REPO, make_workspace, run_cli

# The last commit before the restructuring (its render lived in audioessay/build.py).
BEFORE = "9b36cc5"

pytestmark = pytest.mark.e2e


def old_source(folder: Path) -> Path:
    """The package as it was at ``BEFORE``, unpacked into ``folder``."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BEFORE, "src"], capture_output=True, check=False)
    if archive.returncode != 0:
        pytest.fail(f"cannot read commit {BEFORE} from the repository's history: "
                    f"{archive.stderr.decode(errors='replace').strip()} (run the tests in a full git clone)")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def records(ws: Path) -> dict[str, bytes]:
    return {p.relative_to(ws).as_posix(): p.read_bytes() for p in sorted(ws.glob("output/*/build.json"))}


def test_a_workspace_made_before_the_restructuring_rerenders_as_a_noop(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", ["notes-on-walking.txt", "her-ending-explained-emotionally.txt"])
    old = old_source(tmp_path / "old")
    env = {**os.environ, "PYTHONPATH": str(old)}
    made = subprocess.run([sys.executable, "-m", "audioessay", "render", "--json", "--jobs", "2"], cwd=ws,
                          env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["summary"]["made"] == 2
    before = records(ws)
    assert len(before) == 2

    again = run_cli(["render", "--json"], cwd=ws, check=True)
    summary = json.loads(again.stdout)["summary"]
    assert (summary["made"], summary["up_to_date"]) == (0, 2)
    assert summary["takes_narrated"] == 0
    assert records(ws) == before  # not even rewritten
