"""Takes narrated at once on threads by an engine that shares one model (Piper): one worker holds the
model once instead of one worker per job (issue 18: memory). Memory itself is measured by
bench/voices.py."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import pytest
from conftest import make_workspace

from audioessay.models import VoiceSettings
from audioessay.pipeline.runner import LocalRunner
from audioessay.voice import narrate
from audioessay.voice.cache import TakeCache, TakeRequest
from audioessay.voice.engine import shares_one_model
from audioessay.voice.kokoro_engine import KokoroEngine
from audioessay.voice.piper_engine import PiperEngine
from audioessay.voice.pyttsx3_engine import expected_seconds
from audioessay.workspace import load_workspace


class Overlapping:
    """A stand-in engine that writes a real WAV and records how many takes it was saying at once."""

    name = "overlapping"

    def __init__(self, shares: bool) -> None:
        self.shares_one_model = shares
        self.lock = threading.Lock()
        self.now = self.most = 0

    def synthesize(self, text: str, settings: VoiceSettings, out: Path) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)
        with wave.open(str(out), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(22050)
            wav.writeframes(b"\1\0" * 22050)
        with self.lock:
            self.now -= 1


def requests(engine: str, count: int) -> list[TakeRequest]:
    return [TakeRequest(f"Sentence number {n}.", VoiceSettings(engine=engine), "1") for n in range(count)]


@pytest.mark.parametrize(("shares", "threads", "most"), [(True, 2, 2), (True, 1, 1), (False, 2, 1)])
def test_a_batch_is_narrated_on_threads_only_by_an_engine_that_shares_its_model(
        shares: bool, threads: int, most: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Overlapping(shares)
    monkeypatch.setitem(narrate._ENGINES, "overlapping", engine)
    monkeypatch.setattr(narrate, "_THREADS", threads)
    batch = requests("overlapping", 6)
    outcomes = narrate.synthesize_batch(batch, str(tmp_path))
    assert [o.key for o in outcomes] == [r.key for r in batch]  # in the batch's order
    assert all(o.synthesized and o.path and o.path.is_file() for o in outcomes)
    assert engine.most == most


def test_an_unknown_engine_in_a_threaded_worker_is_each_take_s_own_error(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(narrate, "_THREADS", 2)
    outcomes = narrate.synthesize_batch(requests("no-such-engine", 2), str(tmp_path))
    assert all(o.path is None and "unknown engine 'no-such-engine'" in (o.error or "") for o in outcomes)


def test_the_runner_starts_one_worker_with_a_thread_per_job_for_neural_voices(tmp_path: Path) -> None:
    assert shares_one_model("piper") and shares_one_model("kokoro")
    assert not shares_one_model("pyttsx3") and not shares_one_model("nope")
    ws = load_workspace(make_workspace(tmp_path / "ws", []))
    cache = TakeCache(ws.cache)
    piper = LocalRunner(ws, cache, 2, "piper")
    assert (piper.workers, piper.threads) == (1, 2)
    default = LocalRunner(ws, cache, 2, "pyttsx3")
    assert (default.workers, default.threads) == (2, 1)


@pytest.mark.parametrize("engine", [PiperEngine, KokoroEngine])
def test_a_real_voice_says_takes_at_once_on_threads(engine: type, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The real voice (Kokoro: the registry model) on two threads: every take whole and as long as
    its text needs."""
    monkeypatch.setitem(narrate._ENGINES, engine.name, engine())
    monkeypatch.setattr(narrate, "_THREADS", 2)
    texts = [f"Take {word} of the test, said while another take is said on the other thread."
             for word in ("one", "two", "three", "four", "five", "six")]
    batch = [TakeRequest(text, VoiceSettings(engine=engine.name), "1") for text in texts]
    for request, outcome in zip(batch, narrate.synthesize_batch(batch, str(tmp_path)), strict=True):
        assert outcome.error is None and outcome.path is not None, outcome.error
        with wave.open(str(outcome.path), "rb") as wav:
            seconds = wav.getnframes() / wav.getframerate()
        assert 0.6 * expected_seconds(request.text, 175) < seconds < 2.0 * expected_seconds(request.text, 175)
