"""A missing tool is reported in one line with the command that installs it, never a traceback:
``doctor`` lists every gap; ``render`` stops before doing any work."""

from __future__ import annotations

import shutil
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_workspace, run_cli

from audioessay import cli as cli_module
from audioessay.voice import pyttsx3_engine

INSTALL = {
    "espeak-ng": ["Debian/Ubuntu: sudo apt-get install -y espeak-ng libespeak-ng1",
                  "Fedora: sudo dnf install -y espeak-ng", "macOS: brew install espeak-ng"],
    "ffmpeg": ["apt-get install", "dnf install", "brew install ffmpeg"],
    "lame": ["Debian/Ubuntu: sudo apt-get install -y lame", "brew install lame"],
    "mpg123": ["Debian/Ubuntu: sudo apt-get install -y mpg123", "brew install mpg123"],
}


def path_with(tmp_path: Path, *tools: str) -> dict[str, str]:
    """A PATH holding only ``tools`` (symlinks to the real ones); audioessay runs by absolute path."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    for tool in tools:
        real = shutil.which(tool)
        assert real is not None, f"{tool} is needed to run this test"
        (folder / tool).symlink_to(real)
    return {"PATH": str(folder)}


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and "Traceback" not in stderr
    return lines[0]


def no_takes(ws: Path) -> bool:
    return not list((ws / ".audioessay" / "cache").glob("takes/*/*.wav"))


def test_doctor_names_each_missing_tool_and_its_install_command_per_platform(workspace: Path,
                                                                              tmp_path: Path) -> None:
    result = run_cli(["doctor"], cwd=workspace, env=path_with(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    out = result.stdout
    assert "[MISSING] espeak-ng: not on PATH" in out and "[MISSING] ffmpeg: not on PATH" in out
    assert "[MISSING] lame: not on PATH" in out and "[MISSING] mpg123: not on PATH" in out
    assert "[MISSING] engine espeak-ng" in out
    assert "[ok ] engine pyttsx3" in out  # the library does not need PATH
    for lines in INSTALL.values():
        for line in lines:
            assert line in out
    assert "Debian/Ubuntu: sudo apt-get install -y ffmpeg" in out
    assert "Fedora: sudo dnf install -y ffmpeg" in out


@pytest.mark.parametrize(("tools", "missing", "message"), [
    (("espeak-ng", "lame", "mpg123"), "ffmpeg", "ffmpeg is not installed or not on PATH"),
    ((), "ffmpeg", "ffmpeg is not installed or not on PATH"),
    (("espeak-ng", "ffmpeg", "mpg123"), "lame", "lame (the MP3 encoder) is not installed"),
    (("espeak-ng", "ffmpeg", "lame"), "mpg123", "mpg123 (the MP3 decoder used to measure episodes) is not installed"),
], ids=["no-ffmpeg", "nothing", "no-lame", "no-mpg123"])
def test_render_without_a_mastering_tool_stops_at_once_in_one_line(workspace: Path, tmp_path: Path,
                                                                   tools: tuple[str, ...], missing: str,
                                                                   message: str) -> None:
    # The default engine, pyttsx3, loads espeak-ng's library and needs no command on PATH. Two new
    # essays and two jobs: the workers that would narrate while the scripts are written start early.
    result = run_cli(["render", "--jobs", "2"], cwd=workspace, env=path_with(tmp_path, *tools))
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert message in line
    assert all(hint in line for hint in INSTALL[missing])
    assert all(platform in line for platform in ("Debian/Ubuntu", "Fedora", "macOS"))
    assert no_takes(workspace)  # nothing was narrated for nothing


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_missing_mastering_tool_is_not_reported_when_nothing_is_to_be_mastered(workspace: Path, tmp_path: Path,
                                                                                jobs: str) -> None:
    """Scripts nobody approved (text.require_approval) are not narrated nor mastered: the missing
    encoder does not matter yet, the scripts are written and each essay asks for a review, whatever
    the number of jobs (with two, the takes would otherwise be narrated while scripts are written)."""
    config = workspace / "audioessay.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[text]\nrequire_approval = true\n", encoding="utf-8")
    result = run_cli(["render", "--jobs", jobs], cwd=workspace, env=path_with(tmp_path, "espeak-ng", "ffmpeg", "mpg123"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2 and all("not approved" in line for line in errors), result.stderr
    assert "lame" not in result.stderr
    assert len(list(workspace.glob("output/*/script.txt"))) == 2
    assert no_takes(workspace)


@pytest.mark.parametrize("tools", [("ffmpeg",), ()], ids=["no-espeak-ng", "nothing"])
def test_render_without_the_espeak_ng_command_stops_at_once_in_one_line(workspace: Path, tmp_path: Path,
                                                                        tools: tuple[str, ...]) -> None:
    result = run_cli(["render", "--engine", "espeak-ng"], cwd=workspace,
                     env=path_with(tmp_path, *tools, "lame", "mpg123"))
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert "engine 'espeak-ng' is not available: the espeak-ng command is not on PATH" in line
    assert all(hint in line for hint in INSTALL["espeak-ng"])
    assert no_takes(workspace)


def test_an_essay_asking_for_a_missing_engine_fails_alone(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", ["notes-on-walking.txt"])
    (ws / "seeds" / "wants-espeak.md").write_text(
        "---\ntitle: Wants espeak\nengine: espeak-ng\n---\n\nThis essay asks for the espeak-ng command.\n",
        encoding="utf-8")
    result = run_cli(["render"], cwd=ws, env=path_with(tmp_path, "ffmpeg", "lame", "mpg123"))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith("error: seeds/wants-espeak.md: engine 'espeak-ng'")
    assert "sudo apt-get install -y espeak-ng" in errors[0]
    assert (ws / "output" / "notes-on-walking" / "notes-on-walking.mp3").is_file()
    assert "notes-on-walking.mp3" in (ws / "feeds" / "feed.xml").read_text(encoding="utf-8")


def test_script_needs_no_tool(workspace: Path, tmp_path: Path) -> None:
    result = run_cli(["script"], cwd=workspace, env=path_with(tmp_path))
    assert result.returncode == 0, result.stderr


@pytest.fixture
def no_espeak_library(monkeypatch: pytest.MonkeyPatch, workspace: Path) -> Path:
    """pyttsx3 cannot load libespeak-ng (hiding a system library from ctypes needs this patch)."""
    monkeypatch.setattr(pyttsx3_engine, "_espeak_library", lambda: None)
    monkeypatch.chdir(workspace)
    return workspace


def test_render_without_the_espeak_ng_library_is_one_line_with_the_install_command(
        no_espeak_library: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["audioessay", "render"])
    previous = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as caught:
            cli_module.main()  # the real entry point: it turns errors into one line
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert caught.value.code == 1
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert "engine 'pyttsx3' is not available: the espeak-ng library (libespeak-ng1) is not installed" in line
    assert all(hint in line for hint in INSTALL["espeak-ng"])
    assert no_takes(no_espeak_library)


def test_doctor_and_voices_report_the_missing_library(no_espeak_library: Path) -> None:
    doctor = CliRunner().invoke(cli_module.cli, ["doctor"])
    assert doctor.exit_code == 1
    assert "[MISSING] engine pyttsx3: the espeak-ng library (libespeak-ng1) is not installed" in doctor.output
    assert "Debian/Ubuntu: sudo apt-get install -y espeak-ng libespeak-ng1" in doctor.output
    voices = CliRunner().invoke(cli_module.cli, ["voices", "--engine", "pyttsx3"])
    assert voices.exit_code == 0
    assert voices.output.startswith("pyttsx3: not available: the espeak-ng library")
