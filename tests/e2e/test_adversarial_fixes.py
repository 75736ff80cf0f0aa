"""Cases the adversarial pass (scripts/adversarial.py) found: each is one line naming the file,
never a traceback, a silent skip or a duplicate episode."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from conftest import make_workspace, run_cli

SHORT = "# {title}\n\nA short essay about {title}. It has two sentences.\n"


def workspace(tmp_path: Path) -> Path:
    ws = make_workspace(tmp_path / "ws", [])
    (ws / "seeds" / "good.md").write_text(SHORT.format(title="Good"), encoding="utf-8")
    return ws


def errors_of(result) -> list[str]:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_entries_of_seeds_that_cannot_be_read_are_each_one_line(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    seeds = ws / "seeds"
    (seeds / "dangling.md").symlink_to(seeds / "missing.md")
    (seeds / "loop.md").symlink_to(seeds / "loop.md")
    os.mkfifo(seeds / "pipe.md")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(seeds / "sock.md"))
    try:
        result = run_cli(["render", "--json"], ws, timeout=300)
    finally:
        server.close()
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [e["slug"] for e in report["episodes"]] == ["good"]
    failed = {error["source"]: error["message"] for error in report["errors"]}
    assert set(failed) == {"seeds/dangling.md", "seeds/loop.md", "seeds/pipe.md", "seeds/sock.md"}
    assert "link to nothing" in failed["seeds/dangling.md"] and "link to nothing" in failed["seeds/loop.md"]
    assert "FIFO" in failed["seeds/pipe.md"] and "socket" in failed["seeds/sock.md"]


def test_the_same_essay_given_twice_is_one_episode(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    result = run_cli(["render", "--json", "seeds/good.md", "seeds/good.md", "./seeds/good.md"], ws)
    assert result.returncode == 0, result.stderr
    assert [e["slug"] for e in json.loads(result.stdout)["episodes"]] == ["good"]
    assert len(json.loads((ws / "episodes.json").read_text(encoding="utf-8"))["episodes"]) == 1


def test_a_script_with_no_sentences_names_the_script(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    assert run_cli(["script"], ws).returncode == 0
    script = ws / "output" / "good" / "script.txt"
    header = script.read_text(encoding="utf-8").split("---\n")[1]
    script.write_text(f"---\n{header}---\n", encoding="utf-8")
    result = run_cli(["render"], ws)
    (line,) = errors_of(result)
    assert "output/good/script.txt" in line and "no sentences" in line


def test_a_bad_base_url_on_the_command_line_is_refused_as_in_the_config(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    result = run_cli(["render", "--base-url", "http://example.org:99999/"], ws)
    assert result.returncode == 1
    assert any("--base-url" in line and "port" in line.lower() for line in errors_of(result))
    assert not (ws / "feeds" / "feed.xml").exists() or "99999" not in (ws / "feeds" / "feed.xml").read_text()


def test_seeds_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    for path in (ws / "seeds").iterdir():
        path.unlink()
    (ws / "seeds").rmdir()
    (ws / "seeds").write_text("not a folder", encoding="utf-8")
    result = run_cli(["render"], ws)
    assert result.returncode == 1
    (line,) = errors_of(result)
    assert "seeds is not a folder" in line
