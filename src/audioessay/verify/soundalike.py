"""Words a listener cannot tell apart: one spelling in British and American English, or homophones.

A recognizer writes the spelling its language model prefers. Hearing "kilometers" for the
writer's "kilometres", or "allowed" for "aloud", is hearing the take right: the sounds are the
same, so neither ``verify`` (a take is not wrong) nor the bench's judge (a voice is not misheard)
counts it as an error.

- **Spellings**: Whisper's own British-to-American table (``english.json``, 1,739 words, the one
  Whisper's published word error rates are normalized with), from the ``whisper-normalizer``
  package in the verify extra. Without it, no spelling is mapped.
- **Homophones**: two words are alike when espeak-ng gives them the same phonemes, stress
  included (``aloud``/``allowed``, ``their``/``there``, ``to``/``two``; not ``the``/``a``, not
  ``note``/``notes``). Each word is said once per process, in one ``espeak-ng -x`` call for all
  the words a comparison has not seen yet. Without espeak-ng, only spellings are mapped.
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import json
import subprocess
import threading
from collections.abc import Callable, Iterable

from audioessay.system import find_command

ESPEAK_VOICE = "en-us"  # the recognizer's English: one voice, so one word always has one key
_KEYS: dict[str, str] = {}  # word -> its sound key, for the life of the process
_KEYS_LOCK = threading.Lock()  # verify hears takes on several threads

Alike = Callable[[str, str], bool]


@functools.cache
def american_spellings() -> dict[str, str]:
    """British spelling -> American, from whisper-normalizer's table; {} when it is not installed."""
    if importlib.util.find_spec("whisper_normalizer") is None:
        return {}
    table = importlib.resources.files("whisper_normalizer") / "normalizers" / "english.json"
    return dict(json.loads(table.read_text(encoding="utf-8")))


def american(word: str) -> str:
    return american_spellings().get(word, word)


def sound_alike(words: Iterable[str]) -> Alike:
    """A test of two of ``words`` (normalized, as :func:`compare.words` gives them): alike when they
    are equal, one spelling of one word, or said with the same phonemes."""
    spelled = {word: american(word) for word in set(words)}
    keys = _sound_keys(set(spelled.values()))
    # One canonical form per word: its phonemes where espeak-ng said it (marked, so that phonemes
    # never equal a spelling), else its American spelling.
    canonical = {word: "/" + keys[spelling] if spelling in keys else spelling for word, spelling in spelled.items()}

    def alike(said: str, heard: str) -> bool:
        return said == heard or canonical.get(said, said) == canonical.get(heard, heard)

    return alike


def _sound_keys(words: set[str]) -> dict[str, str]:
    """Each word's espeak-ng phonemes (those espeak-ng could say); {} without espeak-ng."""
    with _KEYS_LOCK:
        unseen = sorted(word for word in words if word not in _KEYS and word.isalpha())
        if unseen:
            _KEYS.update(_phonemes(unseen))
        return {word: _KEYS[word] for word in words if _KEYS.get(word)}


def _phonemes(words: list[str]) -> dict[str, str]:
    """espeak-ng's phonemes for each word, one per line in and out; "" for every word when espeak-ng
    is missing or fails (the words are then compared by spelling only, and not asked again)."""
    binary = find_command("espeak-ng")
    if binary is None:
        return dict.fromkeys(words, "")
    try:
        result = subprocess.run([binary, "-q", "-x", "-v", ESPEAK_VOICE], input="\n".join(words) + "\n",
                                capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return dict.fromkeys(words, "")
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if len(lines) != len(words):  # a word espeak-ng split or joined: no line can be trusted
        return dict.fromkeys(words, "")
    return dict(zip(words, lines))
