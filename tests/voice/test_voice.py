"""Engines, the take cache and the narration pool, with the real espeak-ng and pyttsx3."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import subprocess
import sys
import wave
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from audioessay.errors import NarrationError, ToolMissingError
from audioessay.models import VoiceSettings
from audioessay.voice.cache import KEY_VERSION, TakeCache, TakeRequest, wav_frames
from audioessay.voice.engine import ESPEAK_WORD_GAP, engine_classes, engine_text, get_engine
from audioessay.voice.narrate import EarlyNarration, local_executor, narrate
from audioessay.voice.pyttsx3_engine import MAX_CHUNK, split_for_engine

SENTENCES = [
    "The first sentence is short.",
    "A second sentence, a little longer than the first one, follows it.",
    "Then a third.",
]


def seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("word " * 5000, 3000),  # 25,000 characters, spaces only
        ("a" * 20000, 3000),  # no space at all: cut mid-word as a last resort
        ("One. Two, three; four. " * 1000, 500),
        ("short sentence", 3000),
    ],
)
def test_split_for_engine_keeps_every_chunk_under_the_limit_and_loses_nothing(text: str, limit: int) -> None:
    chunks = split_for_engine(text, limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "")


def test_split_prefers_sentence_and_clause_boundaries() -> None:
    text = "First part of it, second part. " * 200
    chunks = split_for_engine(text, 1000)
    assert all(chunk.endswith(".") for chunk in chunks)


def test_builtin_engines_are_registered_through_entry_points() -> None:
    classes = engine_classes()
    assert {"pyttsx3", "espeak-ng"} <= set(classes)


def test_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(ToolMissingError, match="unknown engine 'nope'.*known engines"):
        get_engine("nope")


@pytest.mark.parametrize("engine", ["pyttsx3", "espeak-ng"])
def test_engine_makes_a_real_take_and_a_slower_rate_makes_it_longer(engine: str, tmp_path: Path) -> None:
    eng = get_engine(engine)
    assert eng.availability().ok
    text = "Narration must never silently produce an empty or truncated take."
    fast, slow = tmp_path / "fast.wav", tmp_path / "slow.wav"
    eng.synthesize(text, VoiceSettings(engine=engine, voice="en-us", rate=260), fast)
    eng.synthesize(text, VoiceSettings(engine=engine, voice="en-us", rate=120), slow)
    assert seconds(fast) > 1.0
    assert seconds(slow) > 1.6 * seconds(fast)


@pytest.mark.parametrize("engine", ["pyttsx3", "espeak-ng"])
def test_engine_lists_voices_and_refuses_an_unknown_voice(engine: str, tmp_path: Path) -> None:
    eng = get_engine(engine)
    ids = {v.id.rsplit("/", 1)[-1].lower() for v in eng.voices()}
    assert "en-us" in ids
    with pytest.raises(NarrationError, match="unknown voice 'klingon-x'"):
        eng.synthesize("Hello.", VoiceSettings(engine=engine, voice="klingon-x"), tmp_path / "x.wav")


def test_pyttsx3_applies_volume(tmp_path: Path) -> None:
    import array

    eng = get_engine("pyttsx3")
    loud, quiet = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    eng.synthesize("Volume is applied to every take.", VoiceSettings(volume=1.0, voice="en-us"), loud)
    eng.synthesize("Volume is applied to every take.", VoiceSettings(volume=0.3, voice="en-us"), quiet)

    def peak(path: Path) -> int:
        with wave.open(str(path), "rb") as wav:
            return max(abs(s) for s in array.array("h", wav.readframes(wav.getnframes())))

    assert peak(quiet) < 0.6 * peak(loud)


def test_pyttsx3_survives_a_20000_character_sentence_without_stdout_noise(tmp_path: Path) -> None:
    """pyttsx3 segfaults near 13,500 characters in one call; the engine must split. Run in a
    child process so that a crash would fail this test instead of killing pytest."""
    out = tmp_path / "long.wav"
    code = (
        "from pathlib import Path\n"
        "from audioessay.voice.pyttsx3_engine import Pyttsx3Engine\n"
        "from audioessay.models import VoiceSettings\n"
        f"text = ' '.join(['word{{}}'.format(i % 10) for i in range(3400)])[:20000]\n"
        "assert len(text) >= 19000\n"
        f"Pyttsx3Engine().synthesize(text, VoiceSettings(voice='en-us', rate=400), Path({str(out)!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # pyttsx3 prints "Audio saved to ..." unless silenced
    assert seconds(out) > 3400 * 60 / 400 * 0.5
    assert len(split_for_engine("x " * 10000)) > 1 and MAX_CHUNK < 13500


def request(text: str, **settings: object) -> TakeRequest:
    return TakeRequest(text, VoiceSettings(**settings), "v1")  # type: ignore[arg-type]


def test_cache_key_is_the_request() -> None:
    base = request("Hello there.")
    assert base.key == request("Hello there.").key
    assert base.key != request("Hello there!").key
    assert base.key != request("Hello there.", rate=180).key
    assert base.key != request("Hello there.", voice="en-gb").key
    assert base.key != request("Hello there.", engine="espeak-ng").key
    assert base.key != TakeRequest("Hello there.", VoiceSettings(), "v2").key


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Read the F-A-Q first.", "Read the F-eh-Q first."),
        ("A-A-A and B-A-A", "A-eh-A and B-eh-A"),  # only an A with a letter on both sides
        ("The P-A-Y-E form", "The P-eh-Y-E form"),
        ("F-A-Q's answers", "F-eh-Q's answers"),
        ("A-I, U-S-A and B-B-C", "A-I, U-S-A and B-B-C"),  # at either end espeak-ng says "ay" already
        ("A cat and a dog.", "A cat and a dog."),
        ("a-m and x-a-y", "a-m and x-a-y"),  # lower case is never a spelled initialism here
    ],
)
def test_engine_text_changes_only_a_capital_a_inside_an_initialism(text: str, spoken: str) -> None:
    for voice in ("en-us", "en-gb", "en", "gmw/en-US", "en-gb-x-rp"):
        assert engine_text(VoiceSettings(engine="pyttsx3", voice=voice), text) == spoken
        assert engine_text(VoiceSettings(engine="espeak-ng", voice=voice), text) == spoken
    assert engine_text(VoiceSettings(engine="piper", voice="default"), text) == text  # a neural voice reads A-I
    assert engine_text(VoiceSettings(engine="espeak-ng", voice="de"), text) == text  # German says "ah"
    assert engine_text(VoiceSettings(engine="espeak-ng", voice="eo"), text) == text


def phonemes(text: str, voice: str) -> str:
    result = subprocess.run(["espeak-ng", "-q", "-x", "-v", voice, text], capture_output=True, text=True,
                            check=True, timeout=60)
    return result.stdout.strip()


@pytest.mark.parametrize("voice", ["en-us", "en-gb", "en"])
def test_espeak_says_ay_for_the_a_inside_an_initialism(voice: str) -> None:
    """The quirk engine_text works around, and that the workaround works, in espeak-ng's own
    phonemes: 'a#' is the reduced vowel of the article ("uh"), 'eI' the letter's name ("ay")."""
    settings = VoiceSettings(engine="espeak-ng", voice=voice)
    assert phonemes("F-A-Q", voice) == "'Efa#kj'u:"  # eff uh queue: the bug
    assert phonemes(engine_text(settings, "F-A-Q"), voice) == "'Ef'eIkj'u:"  # eff ay queue
    assert phonemes(engine_text(settings, "B-A-A"), voice) == phonemes("B-eh-A", voice)
    assert "a#" not in phonemes(engine_text(settings, "X-A-Y"), voice)


def test_espeak_engine_speaks_the_engine_text(tmp_path: Path) -> None:
    """espeak-ng's output is deterministic: the engine's take of "F-A-Q" is espeak-ng's own
    rendering of "F-eh-Q", byte for byte, and not that of "F-A-Q"."""
    settings = VoiceSettings(engine="espeak-ng", voice="en-us", rate=175)
    ours = tmp_path / "ours.wav"
    get_engine("espeak-ng").synthesize("The F-A-Q page.", settings, ours)

    def direct(text: str) -> bytes:
        out = tmp_path / "direct.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "175", "-a", "100", "-g", str(ESPEAK_WORD_GAP),
                        "-w", str(out)], input=text.encode(), check=True, timeout=60)
        return out.read_bytes()

    assert ours.read_bytes() == direct("The F-eh-Q page.")
    assert ours.read_bytes() != direct("The F-A-Q page.")


def test_both_espeak_engines_leave_the_word_gap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyttsx3 has no property for espeak-ng's word gap: it is set on its driver, and lengthens the
    take as much as the espeak-ng command's ``-g`` does."""
    from audioessay.voice import pyttsx3_engine

    text = "Her story is one of the best that I have heard in a long time, and it goes on."

    def seconds(path: Path) -> float:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / wav.getframerate()

    def pyttsx3_take(gap: int) -> float:
        monkeypatch.setattr(pyttsx3_engine, "ESPEAK_WORD_GAP", gap)
        get_engine("pyttsx3").synthesize(text, VoiceSettings(), tmp_path / f"p{gap}.wav")
        return seconds(tmp_path / f"p{gap}.wav")

    def command_take(gap: int) -> float:
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "175", "-g", str(gap), "-w", str(tmp_path / "c.wav")],
                       input=text.encode(), check=True, timeout=60)
        return seconds(tmp_path / "c.wav")

    added_by_pyttsx3 = pyttsx3_take(ESPEAK_WORD_GAP) - pyttsx3_take(0)
    added_by_command = command_take(ESPEAK_WORD_GAP) - command_take(0)
    assert added_by_command > 0.6  # 17 words: 16 gaps
    assert abs(added_by_pyttsx3 - added_by_command) < 0.1 * added_by_command
    monkeypatch.undo()
    for name in ("pyttsx3", "espeak-ng"):  # a new gap is a new take: the engines' versions name it
        assert get_engine(name).version().endswith(f"/gap{ESPEAK_WORD_GAP}")


def test_pyttsx3_engine_speaks_the_engine_text(tmp_path: Path) -> None:
    eng = get_engine("pyttsx3")
    driver = eng._start()  # type: ignore[attr-defined]
    said: list[str] = []
    original = driver.save_to_file

    def recording(text: str, filename: str) -> None:
        said.append(text)
        original(text, filename)

    driver.save_to_file = recording
    try:
        eng.synthesize("The F-A-Q page.", VoiceSettings(voice="en-us"), tmp_path / "take.wav")
    finally:
        driver.save_to_file = original
    assert said == ["The F-eh-Q page."]
    assert seconds(tmp_path / "take.wav") > 0.5


def test_takes_are_keyed_on_what_the_engine_is_given() -> None:
    """The same sound, the same take; and only texts that change get new keys, so an upgrade
    re-narrates the sentences with such an initialism and nothing else."""
    assert request("Read the F-A-Q.").key == request("Read the F-eh-Q.").key
    assert request("Read the F-A-Q.").key != request("Read the F-A-Q.", engine="piper").key
    assert request("Read the F-A-Q.", engine="piper").key != request("Read the F-eh-Q.", engine="piper").key
    plain = request("The B-B-C and the A-I.")
    settings = {k: v for k, v in asdict(plain.settings).items() if k != "voices"}  # as before kokoro's file
    payload = {"v": KEY_VERSION, "text": plain.text, "settings": settings, "engine_version": "v1"}
    assert plain.key == hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def test_corrupt_cache_entry_is_detected_and_remade(tmp_path: Path) -> None:
    cache = TakeCache(tmp_path)
    req = request("A sentence to cache.", voice="en-us")
    with local_executor(1) as pool:
        first = narrate([req], cache, pool, jobs=1)
        assert first[req.key].synthesized
        path = cache.get(req.key)
        assert path is not None and wav_frames(path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # truncated
        assert cache.get(req.key) is None
        again = narrate([req], cache, pool, jobs=1)
    assert again[req.key].synthesized
    assert wav_frames(cache.path(req.key))


def test_narrate_uses_the_cache_and_an_edit_renarrates_one_take(tmp_path: Path) -> None:
    cache = TakeCache(tmp_path)
    requests = [request(s, voice="en-us") for s in SENTENCES]
    with local_executor(2) as pool:
        first = narrate(requests, cache, pool, jobs=2)
        assert sum(o.synthesized for o in first.values()) == 3
        second = narrate(requests, cache, pool, jobs=2)
        assert sum(o.synthesized for o in second.values()) == 0
        edited = requests[:1] + [request("A second sentence, edited.", voice="en-us")] + requests[2:]
        third = narrate(edited, cache, pool, jobs=2)
    assert sum(o.synthesized for o in third.values()) == 1
    assert all(o.path and o.path.exists() for o in third.values())


class CountingExecutor(cf.Executor):
    """Counts the takes each narration task is sent (a task's first argument is its batch)."""

    def __init__(self, inner: cf.Executor) -> None:
        self.inner, self.sent, self.tasks = inner, Counter[str](), 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        self.sent.update(r.key for r in args[0])
        self.tasks += 1
        return self.inner.submit(fn, *args, **kwargs)


def test_takes_sent_early_are_narrated_once_and_reported_as_narrated(tmp_path: Path) -> None:
    """render sends each new episode's takes while it still writes scripts (EarlyNarration):
    narrate() then waits for them instead of sending them again, and reports them as narrated by
    this run even when they reached the cache before narrate() looked."""
    cache = TakeCache(tmp_path)
    requests = [request(s, voice="en-us") for s in SENTENCES]
    extra = request("A sentence that only the last call asks for.", voice="en-us")
    progress: list[tuple[int, int]] = []
    with local_executor(2) as pool:
        narrate(requests[:1], cache, pool, jobs=2)  # already in the cache before the run
        counting = CountingExecutor(pool)
        early = EarlyNarration(cache, counting)
        early.send(requests[:2])
        early.send(requests)  # overlapping: what was sent is not sent again
        cf.wait(early.futures)  # finished and committed before narrate() runs
        assert all(cache.get(r.key) for r in requests)
        outcomes = narrate([*requests, extra], cache, counting, jobs=2, early=early,
                           progress=lambda done, total: progress.append((done, total)))
    assert counting.sent == {requests[1].key: 1, requests[2].key: 1, extra.key: 1}
    assert [outcomes[r.key].synthesized for r in requests] == [False, True, True]
    assert outcomes[extra.key].synthesized and all(o.path and o.path.exists() for o in outcomes.values())
    assert progress[0] == (0, 3) and progress[-1] == (3, 3)


def test_narrate_waits_for_takes_sent_early_that_are_still_being_narrated(tmp_path: Path) -> None:
    """An episode's takes go as tasks of at most 12 (13 takes: 2 tasks, not 13), and narrate()
    gathers them while they are still running."""
    cache = TakeCache(tmp_path)
    requests = [request(f"Sentence number {n} of the episode.", voice="en-us") for n in range(13)]
    with local_executor(2) as pool:
        counting = CountingExecutor(pool)
        early = EarlyNarration(cache, counting)
        early.send(requests)
        assert counting.tasks == 2 and not all(f.done() for f in early.futures)
        outcomes = narrate(requests, cache, counting, jobs=2, early=early)
    assert counting.tasks == 2 and set(counting.sent.values()) == {1}
    assert all(outcomes[r.key].synthesized and outcomes[r.key].path for r in requests)


def test_failed_take_is_reported_not_raised(tmp_path: Path) -> None:
    cache = TakeCache(tmp_path)
    bad = request("Hello.", voice="klingon-x")
    good = request("Hello.", voice="en-us")
    with local_executor(1) as pool:
        outcomes = narrate([bad, good], cache, pool, jobs=1)
    assert outcomes[bad.key].path is None and "unknown voice" in (outcomes[bad.key].error or "")
    assert outcomes[good.key].path is not None


def test_cache_prune_drops_unused_entries(tmp_path: Path) -> None:
    cache = TakeCache(tmp_path)
    requests = [request(s, voice="en-us") for s in SENTENCES]
    with local_executor(1) as pool:
        narrate(requests, cache, pool, jobs=1)
    assert cache.size()[0] == 3
    removed, freed = cache.prune({requests[0].key})
    assert removed == 2 and freed > 0
    assert cache.size()[0] == 1 and cache.get(requests[0].key)


def _spectrum(path: Path) -> Any:
    """The take's average magnitude spectrum, normalized: what tells one voice variant from another."""
    import numpy as np

    with wave.open(str(path), "rb") as wav:
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    frames = samples[: len(samples) // 512 * 512].reshape(-1, 512)
    magnitude = np.abs(np.fft.rfft(frames * np.hanning(512), axis=1)).mean(axis=0)
    return magnitude / magnitude.sum()


def _espeak_command_take(voice: str, text: str, out: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "175", "-g", str(ESPEAK_WORD_GAP), "-w", str(out), text],
                   check=True)
    return out


@pytest.mark.parametrize("engine", ["pyttsx3", "espeak-ng"])
def test_a_voice_may_carry_an_espeak_ng_variant(engine: str, tmp_path: Path) -> None:
    """"en-us+klatt2" is said with that variant (named in any case), and the next plain "en-us" take
    is plain again: pyttsx3's espeak-ng is one per process, so a variant must not stick."""
    import numpy as np

    text = "The story follows Theodore, a lonely writer."
    plain_ref = _spectrum(_espeak_command_take("en-us", text, tmp_path / "plain-ref.wav"))
    variant_ref = _spectrum(_espeak_command_take("en-us+klatt2", text, tmp_path / "variant-ref.wav"))
    eng = get_engine(engine)

    def nearest(voice: str, name: str) -> str:
        eng.synthesize(text, VoiceSettings(engine=engine, voice=voice), tmp_path / name)
        heard = _spectrum(tmp_path / name)
        return "variant" if np.abs(heard - variant_ref).sum() < np.abs(heard - plain_ref).sum() else "plain"

    assert nearest("en-us+klatt2", "variant.wav") == "variant"
    assert nearest("en-us", "plain-after.wav") == "plain"
    assert nearest("EN-US+Klatt2", "variant-case.wav") == "variant"


@pytest.mark.parametrize("engine", ["pyttsx3", "espeak-ng"])
def test_an_unknown_variant_is_refused_by_name(engine: str, tmp_path: Path) -> None:
    with pytest.raises(NarrationError, match=r"unknown voice 'en-us\+nosuch'") as raised:
        get_engine(engine).synthesize("Hello.", VoiceSettings(engine=engine, voice="en-us+nosuch"), tmp_path / "x.wav")
    assert "--voices=variant" in (raised.value.hint or "")
