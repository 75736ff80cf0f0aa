"""``audioessay verify``: every take heard back by an offline recognizer and compared with its
sentence (faster-whisper, the ``verify`` extra; models from registry packages, pinned by sha256).

- :mod:`~audioessay.verify.models`: finding and checking the model (base, else tiny.en);
- :mod:`~audioessay.verify.recognizer`: faster-whisper, loaded only when used;
- :mod:`~audioessay.verify.compare`: normalizing both texts and aligning their words;
- :mod:`~audioessay.verify.check`: verdicts, thresholds and the cache of what was heard;
- :mod:`~audioessay.verify.episode`: an episode's verdicts and its script's sentence lines.

Importing this package does not import faster-whisper.
"""

from audioessay.verify.check import TakeToVerify, TakeVerdict, episode_wer, verify_takes
from audioessay.verify.episode import EpisodeVerdict, sentence_lines
from audioessay.verify.models import ModelError, RecognizerModel, find_model
from audioessay.verify.recognizer import (
    Recognizer,
    VerifyUnavailable,
    WhisperRecognizer,
    extra_missing,
    load_recognizer,
    require_extra,
)

__all__ = [
    "EpisodeVerdict", "ModelError", "Recognizer", "RecognizerModel", "TakeToVerify", "TakeVerdict",
    "VerifyUnavailable", "WhisperRecognizer", "episode_wer", "extra_missing", "find_model", "load_recognizer",
    "require_extra", "sentence_lines", "verify_takes",
]
