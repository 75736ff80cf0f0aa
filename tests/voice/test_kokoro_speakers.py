"""Kokoro's English speakers: npm's kokoro-js, installed by scripts/install-kokoro-voices (`make test`
runs it) and checked against their pinned hashes; and a folder of speaker files as a voices source."""

from __future__ import annotations

import hashlib
import http.server
import shutil
import subprocess
import sys
import threading
import wave
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from audioessay.errors import NarrationError
from audioessay.models import VoiceSettings
from audioessay.verify.compare import compare
from audioessay.verify.models import find_model
from audioessay.verify.recognizer import WhisperRecognizer
from audioessay.voice import kokoro_speakers
from audioessay.voice.cache import TakeRequest
from audioessay.voice.kokoro_engine import KokoroEngine
from audioessay.voice.kokoro_speakers import Speakers, pinned_hashes, registry_dir, registry_speakers

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "scripts" / "install-kokoro-voices"
SENTENCE = "The story follows a lonely writer in the city."


def seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.fixture(scope="module")
def engine() -> KokoroEngine:
    return KokoroEngine()


def test_the_installed_speakers_are_the_pinned_ones() -> None:
    folder = registry_speakers()
    assert folder == registry_dir()  # make test installed them into this environment
    pins = pinned_hashes()
    assert len(pins) == 54 and pins["af_heart.bin"].startswith("d583ccff")
    assert {file.name for file in folder.glob("*.bin")} == set(pins)
    for name, digest in pins.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert "Apache License" in (folder / "LICENSE").read_text()


def test_the_default_speaker_speaks_english_the_listener_hears(engine: KokoroEngine, tmp_path: Path,
                                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    listener = WhisperRecognizer(find_model(tmp_path_factory.mktemp("state"), "tiny.en"))
    for voice in ("", "en-us"):  # no voice, or the show's espeak voice left from another engine: af_heart
        out = tmp_path / f"take{voice}.wav"
        engine.synthesize(SENTENCE, VoiceSettings(engine="kokoro", voice=voice), out)
        assert 1.5 < seconds(out) < 6.0
        heard = listener.transcribe(out)
        assert compare(SENTENCE, heard).errors == 0, heard


def test_a_changed_registry_speaker_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "voices"
    shutil.copytree(registry_dir(), copy)
    monkeypatch.setattr(kokoro_speakers, "registry_dir", lambda prefix=None: copy)
    speakers = Speakers(copy)
    assert speakers.vector("af_bella").shape == (510, 1, 256)  # an intact one is used
    data = bytearray((copy / "af_heart.bin").read_bytes())
    data[1000] ^= 1
    (copy / "af_heart.bin").write_bytes(bytes(data))
    with pytest.raises(NarrationError, match="does not have its pinned sha256") as caught:
        speakers.vector("af_heart")
    assert caught.value.path == str(copy / "af_heart.bin") and "make kokoro" in (caught.value.hint or "")


def test_a_folder_of_speakers_is_a_voices_source(engine: KokoroEngine, tmp_path: Path) -> None:
    folder = tmp_path / "my-voices"
    folder.mkdir()
    for name in ("bm_george.bin", "af_sky.bin"):
        shutil.copy(registry_dir() / name, folder / name)
    settings = VoiceSettings(engine="kokoro", voices=str(folder), voice="bm_george")
    engine.synthesize(SENTENCE, settings, tmp_path / "george.wav")
    assert 1.5 < seconds(tmp_path / "george.wav") < 6.0
    with pytest.raises(NarrationError, match="no 'af_heart'") as caught:
        engine.synthesize(SENTENCE, replace(settings, voice="af_heart"), tmp_path / "x.wav")
    assert caught.value.hint == "choose one of: af_sky, bm_george"

    (folder / "af_sky.bin").write_bytes(b"\0" * 1000)  # not a speaker file: named, with what to do
    with pytest.raises(NarrationError, match="holds 522240 bytes, this one 1000") as wrong:
        engine.synthesize(SENTENCE, replace(settings, voice="af_sky"), tmp_path / "y.wav")
    assert wrong.value.path == str(folder / "af_sky.bin")


def test_a_changed_speaker_file_changes_the_take_key(tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    folder.mkdir()
    shutil.copy(registry_dir() / "af_heart.bin", folder / "af_heart.bin")
    request = TakeRequest(SENTENCE, VoiceSettings(engine="kokoro", voices=str(folder), voice="af_heart"), "v1")
    again = TakeRequest(SENTENCE, VoiceSettings(engine="kokoro", voices=str(folder), voice="af_heart"), "v1")
    assert request.key == again.key
    shutil.copy(registry_dir() / "af_sky.bin", folder / "af_heart.bin")  # other vectors under the same name
    assert TakeRequest(SENTENCE, request.settings, "v1").key != request.key


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving tmp_path/www."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(www), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def run_install(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(INSTALL), *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_a_package_without_the_pinned_hash_installs_nothing(tmp_path: Path, server: str) -> None:
    (tmp_path / "www" / "kokoro-js-1.2.1.tgz").write_bytes(b"not the package")
    prefix = tmp_path / "env"
    result = run_install("--url", f"{server}/kokoro-js-1.2.1.tgz", "--prefix", str(prefix))
    assert result.returncode == 1
    assert result.stderr.startswith("error: the kokoro-js 1.2.1 package does not have the pinned sha256")
    assert "Traceback" not in result.stderr and not prefix.exists()

    missing = run_install("--url", f"{server}/gone.tgz", "--prefix", str(prefix))
    assert missing.returncode == 1 and "cannot download the kokoro-js package" in missing.stderr
    assert "--tarball" in missing.stderr and not prefix.exists()


def test_installed_speakers_are_not_fetched_again() -> None:
    # an address nothing answers: the check of the installed files must not need it
    result = run_install("--url", "http://127.0.0.1:9/none.tgz", "--prefix", sys.prefix)
    assert result.returncode == 0, result.stderr
    assert "installed in" in result.stdout


def test_doctor_says_when_the_english_speakers_are_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audioessay import doctor
    from audioessay.voice import kokoro_engine

    installed = {check.name: check for check in doctor.run_checks(tmp_path)}["engine kokoro"]
    assert installed.ok and installed.detail == "available, 54 voices"
    monkeypatch.setattr(kokoro_engine, "registry_speakers", lambda: None)
    japanese = {check.name: check for check in doctor.run_checks(tmp_path)}["engine kokoro"]
    assert japanese.ok and japanese.detail.startswith("available, 5 voices; Kokoro's English speakers are not installed")
    assert "make kokoro" in japanese.detail


def test_a_speaker_file_replaced_in_a_running_process_is_read_again(engine: KokoroEngine, tmp_path: Path) -> None:
    """The studio lives long: a take keyed by a speaker file's new vectors is said with them."""
    folder = tmp_path / "voices"
    folder.mkdir()
    shutil.copy(registry_dir() / "af_heart.bin", folder / "af_mine.bin")
    settings = VoiceSettings(engine="kokoro", voices=str(folder), voice="af_mine")
    engine.synthesize(SENTENCE, settings, tmp_path / "first.wav")
    engine.synthesize(SENTENCE, settings, tmp_path / "again.wav")
    shutil.copy(registry_dir() / "bm_george.bin", folder / "af_mine.bin")
    engine.synthesize(SENTENCE, settings, tmp_path / "replaced.wav")
    first, again, replaced = ((tmp_path / n).read_bytes() for n in ("first.wav", "again.wav", "replaced.wav"))
    assert first == again  # the same vectors say the same take
    assert replaced != first
