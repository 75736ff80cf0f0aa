"""audioessay.system: the one place that finds espeak-ng, ffmpeg, lame, mpg123 and libebur128,
and says how to install a missing one; doctor, the engines and mastering all ask it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from audioessay import doctor, system
from audioessay.errors import ToolMissingError
from audioessay.voice.espeak_engine import EspeakEngine

MESSAGES: dict[str, tuple[Callable[[], object], str]] = {
    "espeak-ng": (system.espeak_ng_path, "espeak-ng is not installed"),
    "ffmpeg": (system.ffmpeg_path, "ffmpeg is not installed or not on PATH"),
    "lame": (system.lame_path, "lame (the MP3 encoder) is not installed"),
    "mpg123": (system.mpg123_path, "mpg123 (the MP3 decoder used to measure episodes) is not installed"),
    "libebur128": (system.ebur128_library, "libebur128 (the EBU R128 loudness library) is not installed"),
}


@pytest.fixture
def nothing_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """An empty PATH, and a libebur128 the dynamic loader cannot find."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(system, "_ebur128_name", lambda: "libaudioessay-no-such-library.so.0")
    system.ebur128_library.cache_clear()
    yield
    system.ebur128_library.cache_clear()


def test_every_tool_has_an_install_command_per_platform() -> None:
    assert system.TOOLS == ("espeak-ng", "ffmpeg", "lame", "mpg123", "libebur128")
    for tool in system.TOOLS:
        lines = system.install_lines(tool)
        assert [line.split(":")[0] for line in lines] == ["Debian/Ubuntu", "Fedora", "macOS"]
        assert system.install_hint(tool) == "install it: " + "; ".join(lines)


@pytest.mark.parametrize("tool", list(MESSAGES))
def test_a_missing_tool_says_what_it_is_and_how_to_install_it(nothing_installed: None, tool: str) -> None:
    find, message = MESSAGES[tool]
    assert system.locate(tool) is None
    with pytest.raises(ToolMissingError) as caught:
        find()
    assert caught.value.message == message
    assert caught.value.hint == system.install_hint(tool)
    assert str(caught.value) == f"{message} ({system.install_hint(tool)})"


def test_ffprobe_is_installed_with_ffmpeg(nothing_installed: None) -> None:
    with pytest.raises(ToolMissingError) as caught:
        system.ffprobe_path()
    assert str(caught.value) == f"ffprobe is not installed or not on PATH ({system.install_hint('ffmpeg')})"


def test_the_mastering_tools_are_checked_ffmpeg_first(nothing_installed: None) -> None:
    with pytest.raises(ToolMissingError, match="^ffmpeg is not installed"):
        system.require_mastering_tools()


def test_doctor_and_the_espeak_engine_find_tools_as_render_does(nothing_installed: None, tmp_path: Path) -> None:
    checks = {check.name: check for check in doctor.run_checks(tmp_path)}
    for tool in system.TOOLS:
        assert not checks[tool].ok
        assert checks[tool].fix == system.install_lines(tool)
    assert checks["ffmpeg"].detail == "not on PATH"
    assert checks["libebur128"].detail == "not found by the dynamic loader"
    status = EspeakEngine().availability()
    assert not status.ok and status.install == system.install_hint("espeak-ng")


def test_doctor_reports_where_each_tool_is(tmp_path: Path) -> None:
    checks = {check.name: check for check in doctor.run_checks(tmp_path)}
    for tool in system.TOOLS:
        where = system.locate(tool)
        assert checks[tool].ok == (where is not None)
        if where is not None:
            assert checks[tool].detail == where


def test_finding_tools_loads_nothing_heavy() -> None:
    """render checks the tools before anything else: importing this costs no numpy and no mutagen,
    and mastering (audioessay.master) does not import the voice package."""
    code = ("import sys, audioessay.system; heavy = {'numpy', 'mutagen'} & set(sys.modules); "
            "assert not heavy, heavy; import audioessay.master.episode, audioessay.master.job; "
            "bad = [m for m in sys.modules if m.startswith(('audioessay.voice', 'audioessay.cluster', 'dask'))]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
