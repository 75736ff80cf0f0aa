"""Support for the verify tests (not a conftest: 'from conftest import' must keep naming tests/conftest.py).

Takes for the verify tests: real narration by the project's default engine (pyttsx3 driving
espeak-ng), made in a separate process (pyttsx3 must not run in a process that later forks), and
deliberately wrong takes made from them."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from audioessay.verify import RecognizerModel, WhisperRecognizer, find_model

# Each digit case: the script's sentence, and what a wrong take says instead (the number digit by digit).
DIGIT_CASES = [
    ("Her is a twenty thirteen movie directed by Spike Jones that dives deep into loneliness.",
     "Her is a two zero one three movie directed by Spike Jones that dives deep into loneliness."),
    ("The first one over the Monongahela opened in eighteen eighteen.",
     "The first one over the Monongahela opened in one eight one eight."),
    ("Mister and Missus Alvarez have lived on the North Side since nineteen eighty-seven.",
     "Mister and Missus Alvarez have lived on the North Side since one nine eight seven."),
    ("It was made of wood and cost one hundred ten thousand dollars.",
     "It was made of wood and cost one one zero zero zero zero dollars."),
    ("The Pharos stood for more than one thousand five hundred years.",
     "The Pharos stood for more than one five zero zero years."),
    ("In twenty twenty-three, a study of twelve hundred branches put the average at four pounds.",
     "In two zero two three, a study of twelve hundred branches put the average at four pounds."),
    ("The Lanterna of Genoa was rebuilt in its present form in fifteen forty-three.",
     "The Lanterna of Genoa was rebuilt in its present form in one five four three."),
    ("At its peak, around nineteen ten, the service kept more than eleven thousand lights.",
     "At its peak, around one nine one zero, the service kept more than eleven thousand lights."),
]

_NARRATE = """
import json, sys
from pathlib import Path
from audioessay.models import VoiceSettings
from audioessay.voice.engine import require_available
jobs = json.loads(sys.stdin.read())
engine = require_available("pyttsx3")
for text, out in jobs:
    engine.synthesize(text, VoiceSettings(engine="pyttsx3", voice="en-us", rate=175), Path(out))
"""


def narrate(texts: list[str], folder: Path) -> list[Path]:
    """Each text narrated by the default engine into ``folder`` (take-000.wav, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"take-{index:03d}.wav" for index in range(len(texts))]
    subprocess.run([sys.executable, "-c", _NARRATE], input=json.dumps([[t, str(p)] for t, p in zip(texts, paths)]),
                   text=True, check=True, capture_output=True, timeout=600)
    return paths


def cut_in_half(take: Path, out: Path) -> Path:
    """The first half of ``take``'s samples: the take's last words are missing."""
    with wave.open(str(take), "rb") as source:
        params, frames = source.getparams(), source.readframes(source.getnframes())
    with wave.open(str(out), "wb") as target:
        target.setparams(params)
        half = len(frames) // 2
        target.writeframes(frames[: half - half % (params.sampwidth * params.nchannels)])
    return out


def silence(like: Path, out: Path) -> Path:
    """A take of digital silence as long as ``like``."""
    with wave.open(str(like), "rb") as source:
        params = source.getparams()
    with wave.open(str(out), "wb") as target:
        target.setparams(params)
        target.writeframes(b"\0" * params.nframes * params.sampwidth * params.nchannels)
    return out


@pytest.fixture(scope="session", name="tiny_model")
def tiny_model_fixture(tmp_path_factory: pytest.TempPathFactory) -> RecognizerModel:
    """The tiny.en model from its registry package, checked against its pinned hashes."""
    return find_model(tmp_path_factory.mktemp("state"), "tiny.en")


@pytest.fixture(scope="session", name="tiny")
def tiny_fixture(tiny_model: RecognizerModel) -> WhisperRecognizer:
    """One tiny.en recognizer for the whole session (two takes heard at once)."""
    return WhisperRecognizer(tiny_model, workers=2)
