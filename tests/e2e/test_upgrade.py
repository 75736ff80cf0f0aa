"""A workspace rendered by the code before the pipeline restructuring upgrades without a take
narrated again.

The restructuring moved every stage of ``render`` and must not change what a take is keyed by:
otherwise every published show would be narrated again after an upgrade. Since then, captions
show the essay's written words (:mod:`audioessay.text.written`), so each episode is mastered once
more, from the takes it has, and keeps its guid; the render after that is a no-op. The old code is
taken from this repository's history, so the test needs the git checkout (CI's clean clone has it)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import REPO, make_workspace, run_cli

# The last commit before the restructuring (its render lived in audioessay/build.py).
BEFORE = "9b36cc5"

# Since then the default voices leave a word gap (voice/engine.py), a deliberate change of voice
# that narrates every take once more. The restructuring's promise is checked with the gap set back
# to none, as the old code had it (a sitecustomize the render and its workers import first).
WITHOUT_THE_WORD_GAP = """
from audioessay.voice import espeak_engine, pyttsx3_engine
pyttsx3_engine.ESPEAK_WORD_GAP = espeak_engine.ESPEAK_WORD_GAP = 0
for engine in (pyttsx3_engine.Pyttsx3Engine, espeak_engine.EspeakEngine):
    engine.version = (lambda version: lambda self: version(self).removesuffix("/gap0"))(engine.version)
"""

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


def guids(ws: Path) -> dict[str, str]:
    ledger = json.loads((ws / "episodes.json").read_text(encoding="utf-8"))
    return {slug: entry["guid"] for slug, entry in ledger["episodes"].items()}


def test_a_workspace_made_before_the_restructuring_upgrades_without_narrating(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", ["notes-on-walking.txt", "her-ending-explained-emotionally.txt"])
    # The demo show's voice as it was then: the old code knew no espeak-ng variants ("en-us+klatt2").
    config = ws / "audioessay.toml"
    config.write_text(re.sub(r'(?m)^voice = .*$', 'voice = "en-us"', config.read_text(encoding="utf-8")),
                      encoding="utf-8")
    old = old_source(tmp_path / "old")
    env = {**os.environ, "PYTHONPATH": str(old)}
    made = subprocess.run([sys.executable, "-m", "audioessay", "render", "--json", "--jobs", "2"], cwd=ws,
                          env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["summary"]["made"] == 2
    before, identities = records(ws), guids(ws)
    assert len(before) == 2
    old_captions = "".join(p.read_text(encoding="utf-8") for p in ws.glob("output/her-*/*.vtt"))
    assert "Spike Jones" in old_captions  # the old code captioned what the voice says

    (tmp_path / "old-voice").mkdir()
    (tmp_path / "old-voice" / "sitecustomize.py").write_text(WITHOUT_THE_WORD_GAP, encoding="utf-8")
    upgraded = run_cli(["render", "--json"], cwd=ws, check=True, env={"PYTHONPATH": str(tmp_path / "old-voice")})
    summary = json.loads(upgraded.stdout)["summary"]
    assert (summary["made"], summary["takes_narrated"]) == (2, 0)  # mastered again from the same takes
    assert guids(ws) == identities
    captions = "".join(p.read_text(encoding="utf-8") for p in ws.glob("output/her-*/*.vtt"))
    assert "Spike Jonze" in captions and "Spike Jones" not in captions

    gapped = json.loads(run_cli(["render", "--json"], cwd=ws, check=True).stdout)["summary"]
    assert gapped["made"] == 2 and gapped["takes_from_cache"] == 0 and gapped["takes_narrated"] > 20  # the gap, once
    assert guids(ws) == identities

    after = records(ws)
    again = run_cli(["render", "--json"], cwd=ws, check=True)
    summary = json.loads(again.stdout)["summary"]
    assert (summary["made"], summary["up_to_date"], summary["takes_narrated"]) == (0, 2, 0)
    assert records(ws) == after  # not even rewritten
