"""The quality report's problems reach the writer: `warning:` lines in render, `warnings` in
--json, and `check` lists them (without failing: they are worth a listen, not errors)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_workspace, run_cli


def test_report_problems_are_printed_in_render_json_and_check(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", ["notes-on-walking.txt"])
    config = ws / "audioessay.toml"
    text = config.read_text(encoding="utf-8")
    # A loudness no limiter can reach under so low a peak ceiling: the report says it was missed.
    assert "\n[audio]\n" in text
    config.write_text(text.replace("\n[audio]\n", "\n[audio]\nloudness = -10.0\ntrue_peak = -9.0\n"), encoding="utf-8")

    shown = run_cli(["render"], ws)
    assert shown.returncode == 0, shown.stderr
    warnings = [line for line in shown.stderr.splitlines() if line.startswith("warning:")]
    assert warnings and all("output/notes-on-walking/report.json: " in line for line in warnings)
    assert any("loudness" in line and "misses" in line for line in warnings), warnings
    assert f"{len(warnings)} quality warnings" in shown.stderr + shown.stdout

    report = json.loads(run_cli(["render", "--json"], ws, check=True).stdout)
    (episode,) = report["episodes"]
    assert episode["warnings"] and report["summary"]["warnings"] == len(episode["warnings"])
    assert [f"warning: {episode['report']}: {w}" for w in episode["warnings"]] == warnings

    check = run_cli(["check"], ws)
    assert check.returncode == 0, check.stdout
    assert [line for line in check.stdout.splitlines() if line.startswith("warning:")] == warnings
