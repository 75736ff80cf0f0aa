"""audioessay.toml hardening: every value that would fail later (or never) is refused at load with
one line naming the file and the key; paths the config names are checked for what they are; a
workspace that cannot be written is a one-line error."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO, make_workspace, run_cli

from audioessay import lock
from audioessay.errors import AudioessayError, ConfigError
from audioessay.lock import WorkspaceNotWritableError, workspace_lock
from audioessay.workspace import load_workspace


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "audioessay.toml").write_text(text, encoding="utf-8")
    return tmp_path


def refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_workspace(write(tmp_path, text))
    message = str(info.value)
    assert "audioessay.toml" in message and "\n" not in message
    return message


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        # speech language: only the registered ones (any other failed every command with a traceback)
        ("[text]\nlanguage = 'fr'\n", "text.language", "not a supported language"),
        ("[text]\nlanguage = ''\n", "text.language", "not a supported language"),
        ("[show]\nlanguage = 'en_US'\n", "show.language", "not a language code"),
        # numbers: finite and in a sensible range
        ("[audio]\nloudness = nan\n", "audio.loudness", "finite"),
        ("[audio]\nloudness = inf\n", "audio.loudness", "finite"),
        ("[audio]\nloudness = -inf\n", "audio.loudness", "finite"),
        ("[audio]\nloudness = 30.0\n", "audio.loudness", "between -30 and -10 LUFS"),
        ("[audio]\nloudness = -60\n", "audio.loudness", "between -30 and -10 LUFS"),
        ("[audio]\nbitrate = 100\n", "audio.bitrate", "one of 64, 80, 96"),
        ("[text]\nmax_bytes = 9223372036854775807\n", "text.max_bytes", "between 1 and 1e+09 bytes"),
        ("[text]\nmax_bytes = 1000000001\n", "text.max_bytes", "between 1 and 1e+09 bytes"),
        # the announcement: plain {show}, {number} and {title} only
        ("[audio]\nannounce = '{show.nope}'\n", "audio.announce", "{show.nope}"),
        ("[audio]\nannounce = '{number[0]}'\n", "audio.announce", "{number[0]}"),
        ("[audio]\nannounce = '{title!r}'\n", "audio.announce", "{title!r}"),
        ("[audio]\nannounce = '{number:>999999999}'\n", "audio.announce", "{number:>999999999}"),
        ("[audio]\nannounce = '{nope}'\n", "audio.announce", "{nope}"),
        ("[audio]\nannounce = 'Episode {}'\n", "audio.announce", "{}"),
        ("[audio]\nannounce = 'Episode {0}'\n", "audio.announce", "{0}"),
        ("[audio]\nannounce = 'Episode {number'\n", "audio.announce", "not a valid template"),
        ("[audio]\nannounce = 'Episode } {number}'\n", "audio.announce", "not a valid template"),
        # URLs: http(s), a host, a valid port
        ("[show]\nlink = 'javascript:alert(1)'\n", "show.link", "http:// or https://"),
        ("[show]\nlink = 'ftp://example.com/'\n", "show.link", "http:// or https://"),
        ("[show]\nlink = 'https://'\n", "show.link", "no host name"),
        ("[show]\nlink = 'https://example.com/a b'\n", "show.link", "spaces"),
        ("[show]\nbase_url = 'http://host:99999/'\n", "show.base_url", "not a valid URL"),
        ("[show]\nbase_url = 'http://host:abc/'\n", "show.base_url", "not a valid URL"),
        ("[show]\nbase_url = 'http://host:0/'\n", "show.base_url", "port 0"),
        ("[show]\nbase_url = 'http://[::1/'\n", "show.base_url", "not a valid URL"),
        ("[show]\nbase_url = 'http:///feeds/'\n", "show.base_url", "no host name"),
        ("[show]\nbase_url = 'https://example.com/pod?x=1'\n", "show.base_url", "query"),
        ("[show]\nbase_url = 'https://example.com/pod#top'\n", "show.base_url", "fragment"),
        ("[show]\nbase_url = 'https://me:secret@example.com/'\n", "show.base_url", "password"),
        ("[show]\nbase_url = \"https://example.com/\\n\"\n", "show.base_url", "control characters"),
        # the engine: one that is installed, named with the key
        ("[voice]\nengine = 'nope'\n", "voice.engine", "no such engine"),
    ],
)
def test_bad_values_are_refused_at_load_naming_the_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    message = refused(tmp_path, text)
    assert key in message and words in message


def test_an_unknown_engine_lists_the_installed_ones(tmp_path: Path) -> None:
    message = refused(tmp_path, "[voice]\nengine = 'nope'\n")
    assert "voice.engine = 'nope'" in message
    assert all(name in message for name in ("espeak-ng", "piper", "pyttsx3"))


@pytest.mark.parametrize(
    ("key", "inside", "outside"),
    [
        ("audio.loudness", ["-30", "-10", "-23.0", "-14"], ["-30.5", "-9.9"]),
        ("audio.bitrate", ["64", "80", "112", "192"], ["72", "63", "193"]),
        ("text.max_bytes", ["1", "1000000000"], ["0", "1000000001"]),
        ("audio.announce", ["'{show}: {{live}} {number}, {title}'", "''", "'No fields'"], ["'{title.upper}'"]),
        ("show.base_url", ["'http://127.0.0.1:8000/'", "'https://[::1]:8443/p/'", "'https://ex.org'"],
         ["'http://ex.org:65536/'"]),
        ("show.link", ["''", "'https://example.com/?a=1#b'"], ["'mailto:x@example.com'"]),
        ("text.language", ["'en'", "'en-GB'", "'EN_us'"], ["'de'"]),
    ],
)
def test_range_edges(tmp_path: Path, key: str, inside: list[str], outside: list[str]) -> None:
    section, name = key.split(".")
    for value in inside:
        load_workspace(write(tmp_path, f"[{section}]\n{name} = {value}\n"))
    for value in outside:
        assert key in refused(tmp_path, f"[{section}]\n{name} = {value}\n")


# --- paths the config names ------------------------------------------------------------------------


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return str(path)


@pytest.fixture
def small_ws(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws", ["notes-on-walking.txt"])
    (root / "a folder").mkdir()
    return root


def _set(root: Path, section: str, key: str, value: str) -> None:
    text = (REPO / "audioessay.toml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith(f"{key} =")]
    at = lines.index(f"[{section}]") + 1
    lines.insert(at, f"{key} = {value!r}".replace("'", '"'))
    (root / "audioessay.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("a folder", "is a folder"),
        ("/dev/zero", "is not a regular file"),
        ("FIFO", "is not a regular file"),
    ],
)
@pytest.mark.parametrize("key", ["audio.intro", "show.cover"])
def test_a_config_path_that_is_not_a_file_says_what_it_is(small_ws: Path, key: str, value: str,
                                                           words: str) -> None:
    from audioessay.pipeline.plan import intro_music
    from audioessay.pipeline.publish import ensure_cover

    if value == "FIFO":
        value = _fifo(small_ws / "pipe")  # must be refused at once, never opened (it would block)
    section, name = key.split(".")
    _set(small_ws, section, name, value)
    ws = load_workspace(small_ws)
    with pytest.raises(ConfigError) as info:
        intro_music(ws) if key == "audio.intro" else ensure_cover(ws)
    message = str(info.value)
    assert key in message and words in message and "audioessay.toml" in message
    assert "does not exist" not in message


# --- the workspace lock -----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "words"), [(errno.EROFS, "the file system is read-only"), (errno.EACCES, "permission denied"),
                                             (errno.EPERM, "permission denied")])
def test_an_unwritable_workspace_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     code: int, words: str) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code), str(tmp_path / ".audioessay"))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(WorkspaceNotWritableError) as info, workspace_lock(tmp_path / ".audioessay", "render"):
        pass
    message = str(info.value)
    assert message.startswith(f"{tmp_path}: cannot write to .audioessay/: {words}") and "\n" not in message
    assert "writable" in message


def test_an_unwritable_lock_file_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".audioessay" / "lock"))

    monkeypatch.setattr(lock, "open", refuse, raising=False)
    with pytest.raises(AudioessayError, match="cannot write to .audioessay/: permission denied"), \
            workspace_lock(tmp_path / ".audioessay", "script"):
        pass


def test_a_state_path_that_is_a_file_is_a_one_line_error_from_the_cli(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", ["notes-on-walking.txt"])
    shutil.rmtree(root / ".audioessay", ignore_errors=True)
    (root / ".audioessay").write_text("not a folder", encoding="utf-8")
    result = run_cli(["script"], root)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "cannot write to .audioessay/" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
