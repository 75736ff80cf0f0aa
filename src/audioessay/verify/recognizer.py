"""The offline recognizer: faster-whisper (CTranslate2, CPU, int8) on a checked model.

faster-whisper is an optional dependency (the ``verify`` extra); importing this module does not
import it, so ``audioessay --help`` and the rest of the package work without it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from pathlib import Path
from typing import Any, Protocol

from audioessay.errors import AudioessayError
from audioessay.verify.models import RecognizerModel, find_model

# vad_filter: without voice-activity detection, base skipped a whole paragraph of a good episode,
# and whisper invents words in silence. condition_on_previous_text: a take is one sentence;
# nothing earlier should steer it.
TRANSCRIBE_OPTIONS: dict[str, Any] = {
    "language": "en",
    "vad_filter": True,
    "condition_on_previous_text": False,
    "beam_size": 5,
}
# Numbers are heard as words: whisper writes "2013" for both "twenty thirteen" and a take that
# says "two zero one three" with a pause between words, so a number said another way passed. With
# every token that holds a digit (or a number's sign) suppressed, it writes the words it heard.
_NUMBER_SIGNS = frozenset("$£€¥%")


class VerifyUnavailable(AudioessayError):
    """faster-whisper (the ``verify`` extra) is not installed."""


class Recognizer(Protocol):
    """Anything that turns a take into text (tests may pass their own)."""

    @property
    def model(self) -> RecognizerModel: ...

    @property
    def fingerprint(self) -> str:
        """What, besides the model, decides the text heard: part of the cache's key."""
        ...

    def transcribe(self, audio: Path) -> str: ...


def extra_missing() -> str | None:
    """Why verify cannot run here (faster-whisper missing), or None when it can."""
    if importlib.util.find_spec("faster_whisper") is None:
        return "faster-whisper is not installed"
    return None


def require_extra() -> None:
    """Raise :class:`VerifyUnavailable`, with the exact install command, unless faster-whisper is there."""
    reason = extra_missing()
    if reason is not None:
        from audioessay.system import extra_install_command

        raise VerifyUnavailable(f"verify needs the recognizer: {reason}",
                                hint=f"install it with: {extra_install_command('verify')}")


class WhisperRecognizer:
    """faster-whisper's ``WhisperModel`` on a checked model folder, on the CPU.

    The model is loaded by the first :meth:`transcribe`, so a run whose takes were all heard
    before (see :class:`~audioessay.verify.check.HeardCache`) never imports faster-whisper."""

    def __init__(self, model: RecognizerModel, threads: int = 1, workers: int = 1) -> None:
        require_extra()
        self._model = model
        self._threads, self._workers = threads, workers
        self._whisper: Any = None
        self._suppressed: list[int] = [-1]  # -1: whisper's own set of symbols it never writes
        self._loading = threading.Lock()

    @property
    def model(self) -> RecognizerModel:
        return self._model

    @property
    def fingerprint(self) -> str:
        from importlib import metadata

        options = {**TRANSCRIBE_OPTIONS, "faster-whisper": metadata.version("faster-whisper"),
                   "ctranslate2": metadata.version("ctranslate2"), "suppressed": "digits and $£€¥%"}
        return hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()[:16]

    def _loaded(self) -> Any:
        with self._loading:
            if self._whisper is None:
                from faster_whisper import WhisperModel  # type: ignore[import-untyped]

                # num_workers: that many transcriptions may run at once, from as many threads.
                self._whisper = WhisperModel(str(self._model.path), device="cpu", compute_type="int8",
                                             cpu_threads=self._threads, num_workers=self._workers,
                                             local_files_only=True)
                self._suppressed = [-1, *digit_tokens(self._whisper.hf_tokenizer)]
            return self._whisper

    def transcribe(self, audio: Path) -> str:
        """The words heard in ``audio`` (a WAV file), as one line."""
        whisper = self._loaded()
        segments, _info = whisper.transcribe(str(audio), **TRANSCRIBE_OPTIONS, suppress_tokens=self._suppressed)
        return " ".join(segment.text.strip() for segment in segments).strip()


def digit_tokens(tokenizer: Any) -> list[int]:
    """The ids of the model's tokens that hold a digit, a currency or a percent sign (about 1,900
    of base's 51,865). The signs too: allowed "$" and no digits, tiny.en wrote "$" and stopped."""
    return [token for token in range(tokenizer.get_vocab_size())
            if any(char.isdigit() or char in _NUMBER_SIGNS for char in tokenizer.id_to_token(token) or "")]


def load_recognizer(state: Path, choice: str | None = None, *, threads: int = 1,
                    workers: int = 1) -> WhisperRecognizer:
    """The recognizer on the preferred installed model (base, else tiny.en; or ``choice``), its
    files checked against their pinned hashes. ``state``: the workspace's ``.audioessay/``."""
    require_extra()
    return WhisperRecognizer(find_model(state, choice), threads=threads, workers=workers)
