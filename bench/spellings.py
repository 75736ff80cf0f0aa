"""Which spellings each voice says so that the offline judge hears the written words (issue 18,
"Text for each voice"). Not a speed benchmark: a measurement to choose spoken forms by, instead
of guessing.

    .venv/bin/python bench/spellings.py                       # the built-in candidates, every engine installed
    .venv/bin/python bench/spellings.py --engines default,piper --text "The A-I's were wrong."

Each candidate is narrated by the engine as a take is (engine_text included) and transcribed by
the judge (faster-whisper base with voice-activity detection, else tiny.en; the verify extra).
It prints what was heard next to what was said. Results of a run are in docs/voices.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

CANDIDATES = (
    "Welcome to My Essays.", "Welcome to My Essaze.", "Welcome to My Essay's.",
    "The story follows Theodore, a lonely writer.", "The story follows Theo dore, a lonely writer.",
    "A-I can outpace us.", "Ay eye can outpace us.", "A. I. can outpace us.",
    "Nine in ten people agree.", "Nine out of ten people agree.",
    "The A-I's were wrong.", "The A. I.s were wrong.",
    "Joaquin Phoenix stars.", "Wah keen Phoenix stars.",
)
ENGINES = {"default": "pyttsx3", "piper": "piper", "kokoro": "kokoro"}
MODULES = {"default": "pyttsx3", "piper": "piper", "kokoro": "kokoro_onnx"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", help="comma-separated: default,piper,kokoro (default: every one installed)")
    parser.add_argument("--text", action="append", help="a candidate sentence (repeatable); default: the built-in list")
    args = parser.parse_args()
    if importlib.util.find_spec("faster_whisper") is None:
        print("the judge needs the verify extra: make test installs it", file=sys.stderr)
        return 2
    from audioessay.models import VoiceSettings
    from audioessay.verify.recognizer import load_recognizer
    from audioessay.voice.engine import engine_text, get_engine

    engines = args.engines.split(",") if args.engines else [e for e, m in MODULES.items() if importlib.util.find_spec(m)]
    with tempfile.TemporaryDirectory(prefix="audioessay-spellings-") as folder:
        tmp = Path(folder)
        judge = load_recognizer(tmp / "state", threads=2)
        for name in engines:
            engine, settings = get_engine(ENGINES[name]), VoiceSettings(engine=ENGINES[name], voice="en-us")
            for index, text in enumerate(args.text or CANDIDATES):
                take = tmp / f"{name}-{index}.wav"
                engine.synthesize(engine_text(settings, text), settings, take)
                print(f"{name:8} | {text:48} | {judge.transcribe(take)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
