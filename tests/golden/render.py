"""Shared by tests/text/test_golden.py and scripts/regen-golden: how a golden essay becomes its script.

Each essay in ``tests/golden/seeds/`` has an expected script in ``tests/golden/expected/``
named ``<essay file name>.script.txt``. The expected files are whatever the text stage
produces today, reviewed by a person: regenerate them with ``scripts/regen-golden`` after a
deliberate change to reading, cleaning, sentence splitting or normalization, and read the diff.
"""

from __future__ import annotations

from pathlib import Path

from audioessay.text.read import read_essay
from audioessay.text.scriptfile import build_script, format_script

GOLDEN = Path(__file__).resolve().parent
SEEDS = GOLDEN / "seeds"
EXPECTED = GOLDEN / "expected"
LANGUAGE = "en"
LEXICON = {"Jonze": "Jones", "Hadot": "Ah-doh"}


def essays() -> list[Path]:
    return sorted(p for p in SEEDS.iterdir() if p.suffix in (".md", ".txt"))


def expected_path(essay: Path) -> Path:
    return EXPECTED / f"{essay.name}.script.txt"


def render(essay: Path) -> str:
    """The script file text for one golden essay (source paths relative to tests/golden)."""
    script, _ = build_script(read_essay(essay, GOLDEN), LANGUAGE, LEXICON)
    return format_script(script)
