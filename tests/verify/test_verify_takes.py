"""verify_takes on real takes of the default voice, heard by real faster-whisper: good takes pass,
the wrong-take corpus (another sentence's audio, a take cut in half, silence, a number read
digit by digit) is flagged, and what was heard is cached."""

from __future__ import annotations

from pathlib import Path

import pytest
from verify_support import DIGIT_CASES, cut_in_half, narrate, silence, tiny_fixture, tiny_model_fixture  # noqa: F401

from audioessay.verify import (
    RecognizerModel,
    TakeToVerify,
    TakeVerdict,
    WhisperRecognizer,
    episode_wer,
    find_model,
    verify_takes,
)

GOOD = [
    "It is a way of paying attention, the way a reader slows down for a good sentence.",
    "On a cold morning, at two degrees Celsius, the air itself seems to slow you down.",
    "A friend keeps a notebook of what she sees on these walks: fourteen kinds of birds last spring, "
    "two foxes, and one very surprised cat.",
    "The transistor radio, sold from nineteen fifty-four for forty-nine dollars and ninety-five cents, "
    "moved listening from the living room to the bedroom.",
    "A library card costs nothing, which makes it easy to forget what it is worth.",
    "That is a three hundred twenty percent return, and it does not count the hours.",
    "A library is the only building in town where you are welcome without buying anything.",
    "Between twenty ten and twenty nineteen, about one in eight branches in the U-K closed, and most "
    "of what was lost never showed up in a spreadsheet.",
]


@pytest.fixture(scope="session")
def good_takes(tmp_path_factory: pytest.TempPathFactory) -> list[TakeToVerify]:
    paths = narrate(GOOD, tmp_path_factory.mktemp("good"))
    return [TakeToVerify(f"good{i}", text, path, f"line {i + 1}") for i, (text, path) in enumerate(zip(GOOD, paths))]


@pytest.fixture(scope="session")
def good_verdicts(good_takes: list[TakeToVerify], tiny: WhisperRecognizer) -> list[TakeVerdict]:
    return verify_takes(good_takes, tiny, jobs=2)


class Counting:
    """A recognizer that counts its calls."""

    def __init__(self, inner: WhisperRecognizer) -> None:
        self.inner, self.calls = inner, 0
        self.model, self.fingerprint = inner.model, inner.fingerprint

    def transcribe(self, audio: Path) -> str:
        self.calls += 1
        return self.inner.transcribe(audio)


def test_good_takes_are_not_flagged(good_verdicts: list[TakeVerdict]) -> None:
    assert [v.reason for v in good_verdicts if v.flagged] == []
    assert all(v.heard for v in good_verdicts)
    assert episode_wer(good_verdicts) < 0.15
    assert [v.where for v in good_verdicts] == [f"line {i + 1}" for i in range(len(GOOD))]


def test_another_sentences_audio_is_flagged(good_takes: list[TakeToVerify], tiny: WhisperRecognizer) -> None:
    # Every take judged against the next sentence: the take plays the wrong line.
    wrong = [TakeToVerify(f"wrong{i}", good_takes[(i + 1) % len(good_takes)].text, take.audio)
             for i, take in enumerate(good_takes[:4])]
    verdicts = verify_takes(wrong, tiny, jobs=2)
    assert all(v.flagged for v in verdicts), [v.reason for v in verdicts]
    assert all(v.wer > 0.65 for v in verdicts)


def test_a_take_cut_in_half_is_flagged(good_takes: list[TakeToVerify], tiny: WhisperRecognizer,
                                       tmp_path: Path) -> None:
    # In an episode: two of its takes cut in half, among the good ones (whose pace is the measure).
    cut = {1, 4}
    takes = [TakeToVerify(f"cut{i}", take.text, cut_in_half(take.audio, tmp_path / f"cut{i}.wav"))
             if i in cut else take for i, take in enumerate(good_takes)]
    verdicts = verify_takes(takes, tiny, tmp_path / "state", jobs=2)
    assert {i for i, v in enumerate(verdicts) if v.flagged} == cut, [v.reason for v in verdicts]
    assert all(verdicts[i].pace is not None and verdicts[i].pace < 0.7 for i in cut)


def test_silence_is_flagged(good_takes: list[TakeToVerify], tiny: WhisperRecognizer, tmp_path: Path) -> None:
    take = good_takes[0]
    quiet = TakeToVerify("quiet", take.text, silence(take.audio, tmp_path / "quiet.wav"))
    [verdict] = verify_takes([quiet], tiny)
    assert verdict.flagged and verdict.heard == "" and verdict.reason.startswith("nothing was heard")
    assert verdict.wer == 1.0


@pytest.fixture(scope="session")
def base_model(tmp_path_factory: pytest.TempPathFactory) -> RecognizerModel:
    """base, joined from its two registry packages into a state folder and checked."""
    return find_model(tmp_path_factory.mktemp("state"), "base")


def test_a_number_read_digit_by_digit_is_flagged(base_model: RecognizerModel, tmp_path: Path) -> None:
    # base: tiny.en writes "1818" for both "eighteen eighteen" and "one eight one eight".
    paths = narrate([digits for _said, digits in DIGIT_CASES] + [said for said, _digits in DIGIT_CASES], tmp_path)
    count = len(DIGIT_CASES)
    wrong = [TakeToVerify(f"d{i}", said, paths[i]) for i, (said, _digits) in enumerate(DIGIT_CASES)]
    right = [TakeToVerify(f"r{i}", said, paths[count + i]) for i, (said, _digits) in enumerate(DIGIT_CASES)]
    verdicts = verify_takes(wrong + right, WhisperRecognizer(base_model, workers=2), jobs=2)
    assert verdicts[0].flagged and verdicts[0].reason.startswith("a number was said differently: 'twenty thirteen'")
    # Measured 7 of 8: base writes "1543" for "one five four three" too, and then the words agree.
    assert sum(v.flagged for v in verdicts[:count]) >= 6, [v.heard for v in verdicts[:count] if not v.flagged]
    assert [v.reason for v in verdicts[count:] if v.flagged] == []


def test_a_rerun_hears_nothing_again(good_takes: list[TakeToVerify], tiny: WhisperRecognizer,
                                     tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = Counting(tiny)
    verdicts = verify_takes(good_takes[:3], first, state, jobs=2)
    assert first.calls == 3 and (state / "verify.json").is_file()
    again = Counting(tiny)
    assert verify_takes(good_takes[:3], again, state, jobs=2) == verdicts
    assert again.calls == 0
    # A take remade under the same key (a new file) is heard again; the others still are not.
    remade = tmp_path / "remade.wav"
    remade.write_bytes(good_takes[0].audio.read_bytes())
    third = Counting(tiny)
    verify_takes([TakeToVerify(good_takes[0].key, good_takes[0].text, remade), *good_takes[1:3]], third, state)
    assert third.calls == 1


def test_the_cache_is_per_model(good_takes: list[TakeToVerify], tiny: WhisperRecognizer,
                                base_model: RecognizerModel, tmp_path: Path) -> None:
    state = tmp_path / "state"
    verify_takes(good_takes[:1], tiny, state)
    other = Counting(WhisperRecognizer(base_model))
    verify_takes(good_takes[:1], other, state)
    assert other.calls == 1
