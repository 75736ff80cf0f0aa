"""Hearing takes back: each take transcribed, compared with its sentence, flagged or passed.

:func:`verify_takes` is what a caller (the ``verify`` command, later ``render --verify``) uses:
take requests with their audio in, one frozen :class:`TakeVerdict` each out. What the
recognizer heard is cached by the take's key and the model's hash (``.audioessay/verify.json``),
so a second run over the same takes transcribes nothing.

The thresholds were chosen by measurement on real takes of the default voice (pyttsx3 driving
espeak-ng) and deliberately wrong ones; see the README's "Verify" section for the figures.
"""

from __future__ import annotations

import concurrent.futures
import statistics
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audioessay.fsutil import StateFile, file_version
from audioessay.verify.compare import Comparison, compare, number_differences, words
from audioessay.verify.recognizer import Recognizer

# A take is flagged when more than this share of its sentence's words was heard wrong. Real
# takes' per-sentence WER is noisy (the judge mishears the synthetic voice: "Theodore" -> "the
# adore"): on 399 real takes, 10 (base) and 12 (tiny.en) scored above it; another sentence's
# audio scored 0.78 and up (base), except one three-word pair (tiny.en).
MAX_WER = 0.65
# ... and at least this many errors (all of a shorter sentence's words): "Keep a list." heard as
# "Keep at least." is the recognizer's doing.
MIN_ERRORS = 3
MISSING_END_WORDS = 3  # a take whose last words (at least this many, and a quarter) were not heard
MIN_HEARD_SHARE = 0.5  # a take of at least 4 words of which under half as many were heard
# A take whose speech lasts under this share of what its text needs at the pace of the other takes
# it is checked with (seconds per letter, their median) was cut short, whatever was heard: the
# recognizer's language model may finish a cut sentence by itself. Real takes measured 0.78 and up,
# takes cut in half 0.67 and below.
MIN_PACE = 0.7
MIN_PACE_LETTERS = 10  # shorter sentences vary too much in pace to judge by length
MIN_PACE_TAKES = 5  # the median pace needs this many takes
SILENCE_DB = -40.0  # quieter than this under the take's peak is silence (espeak-ng pads with 0.3 s)
CACHE_NAME = "verify.json"
CACHE_VERSION = "1"


@dataclass(frozen=True)
class TakeToVerify:
    """A take to hear back: its cache key, the sentence it should say, and its audio."""

    key: str
    text: str
    audio: Path
    where: str = ""  # how to find it, e.g. "line 12" of the script, or "announcement"
    written: str | None = None  # the line's written form, when not ``text`` (what listeners read)


@dataclass(frozen=True)
class TakeVerdict:
    """What the recognizer heard in one take, and whether that differs from its sentence."""

    key: str
    text: str  # the sentence the take should say
    heard: str  # what the recognizer wrote, as it wrote it
    words: int  # words in the sentence (normalized)
    errors: int  # word substitutions + deletions + insertions
    wer: float
    flagged: bool
    reason: str  # why it is flagged; "" when it is not
    where: str = ""
    differences: tuple[str, ...] = ()  # "said -> heard", "-said", "+heard"
    pace: float | None = None  # speech per letter against the other takes' median (1.0: the same)


def judge(comparison: Comparison, pace: float | None = None) -> str:
    """Why a take whose comparison is ``comparison`` (and relative ``pace``, see :class:`TakeVerdict`)
    should be heard again, or "" when it is fine."""
    said, heard = len(comparison.said), len(comparison.heard)
    if said and not heard:
        return "nothing was heard (silence or noise)"
    numbers = number_differences(comparison)
    if numbers:
        run = numbers[0]
        return (f"a number was said differently: {' '.join(s.said for s in run if s.said)!r} heard as "
                f"{' '.join(s.heard for s in run if s.heard)!r}")
    if pace is not None and pace < MIN_PACE:
        return f"the take is much shorter than its text ({pace:.0%} of the time the other takes need for as much text)"
    if comparison.wer > MAX_WER and comparison.errors >= min(MIN_ERRORS, said):
        return f"the words differ (WER {comparison.wer:.0%})"
    missing = comparison.missing_at_end
    if missing >= MISSING_END_WORDS and missing >= 0.25 * said:
        return f"the last {missing} words were not heard (a take cut short?)"
    if said >= 4 and heard < MIN_HEARD_SHARE * said:
        return f"only {heard} of its {said} words were heard (a take cut short?)"
    return ""


def verdict_of(take: TakeToVerify, heard: str, pace: float | None = None) -> TakeVerdict:
    """The verdict on ``take`` given what was heard in it (and its relative ``pace``)."""
    comparison = compare(take.text, heard, take.written)
    reason = judge(comparison, pace)
    return TakeVerdict(key=take.key, text=take.text, heard=heard, words=len(comparison.said),
                       errors=comparison.errors, wer=comparison.wer, flagged=bool(reason), reason=reason,
                       where=take.where, differences=tuple(comparison.differences()), pace=pace)


def speech_seconds(audio: Path) -> float:
    """How long the speech in a 16-bit WAV take lasts, from its first to its last sample louder
    than :data:`SILENCE_DB` under its peak (0.0 for silence or an unreadable file)."""
    import numpy as np

    try:
        with wave.open(str(audio), "rb") as handle:
            if handle.getsampwidth() != 2:
                return 0.0
            rate, channels = handle.getframerate(), handle.getnchannels()
            samples = np.abs(np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(np.float32))
    except (OSError, EOFError, wave.Error):
        return 0.0
    peak = float(samples.max()) if samples.size else 0.0
    if peak == 0.0:
        return 0.0
    loud = np.nonzero(samples > peak * 10 ** (SILENCE_DB / 20))[0]
    return float(loud[-1] - loud[0]) / (rate * channels)


def paces(takes: Sequence[TakeToVerify]) -> list[float | None]:
    """Each take's seconds of speech per letter of its text, against the median of the takes
    (None where a take's text is too short to judge, or too few takes were given)."""
    letters = [len("".join(words(take.text))) for take in takes]
    per_letter = [speech_seconds(take.audio) / count if count >= MIN_PACE_LETTERS else None
                  for take, count in zip(takes, letters)]
    known = [value for value in per_letter if value]
    if len(known) < MIN_PACE_TAKES:
        return [None] * len(takes)
    middle = statistics.median(known)
    return [None if value is None else value / middle for value in per_letter]


def episode_wer(verdicts: Sequence[TakeVerdict]) -> float:
    """Pooled word error rate: all errors over all words (a short sentence counts for little)."""
    words = sum(v.words for v in verdicts)
    return sum(v.errors for v in verdicts) / words if words else 0.0


class HeardCache:
    """What the recognizer heard in each take, by take key and model hash (``.audioessay/verify.json``).

    An entry also holds the take file's version (size, mtime, ctime, inode): a take remade under
    the same key (a corrupt one is) is heard again. Written atomically by :meth:`save`.
    """

    def __init__(self, state: Path, recognizer: Recognizer) -> None:
        self._file = StateFile(state / CACHE_NAME, f"{CACHE_VERSION}:{recognizer.fingerprint}")
        self._model = recognizer.model.sha256

    def _key(self, take: TakeToVerify) -> str:
        return f"{take.key}:{self._model}"

    def get(self, take: TakeToVerify) -> str | None:
        entry = self._file.get(self._key(take))
        if isinstance(entry, dict) and entry.get("file") == file_version(take.audio):
            heard = entry.get("heard")
            return heard if isinstance(heard, str) else None
        return None

    def put(self, take: TakeToVerify, heard: str) -> None:
        # Keyed by the file's version (size, mtime in ns, ctime, inode): a take narrated again is a
        # new file, so an unsettled version is kept too (a second run must not hear it again).
        self._file.put(self._key(take), {"file": file_version(take.audio), "heard": heard})

    def save(self) -> None:
        self._file.save()


def verify_takes(takes: Sequence[TakeToVerify], recognizer: Recognizer, state: Path | None = None, *,
                 jobs: int = 1, progress: Callable[[int, int], None] | None = None) -> list[TakeVerdict]:
    """Hear each take and judge it against its sentence; in the order given.

    ``state``: the workspace's ``.audioessay/``, where what was heard is cached (None: no cache).
    ``jobs``: takes transcribed at once (the recognizer must allow as many workers)."""
    cache = HeardCache(state, recognizer) if state is not None else None
    heard: dict[int, str] = {}
    todo = []
    for index, take in enumerate(takes):
        cached = cache.get(take) if cache is not None else None
        if cached is None:
            todo.append(index)
        else:
            heard[index] = cached
    done = len(heard)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {pool.submit(recognizer.transcribe, takes[i].audio): i for i in todo}
        for future in concurrent.futures.as_completed(futures):
            index = futures[future]
            heard[index] = future.result()
            if cache is not None:
                cache.put(takes[index], heard[index])
            done += 1
            if progress is not None:
                progress(done, len(takes))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # Ctrl-C: what runs finishes, what waits is dropped
        if cache is not None:  # what was heard before an interrupt is kept
            cache.save()
    relative = paces(takes)
    return [verdict_of(take, heard[index], relative[index]) for index, take in enumerate(takes)]
