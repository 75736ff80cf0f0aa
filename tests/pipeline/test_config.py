"""audioessay.toml: typed, validated, and every error names the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from audioessay.errors import ConfigError
from audioessay.workspace import APPLE_CATEGORIES, Config, load_workspace


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "audioessay.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_empty_config_gives_the_documented_defaults(tmp_path: Path) -> None:
    ws = load_workspace(write(tmp_path, ""))
    assert ws.config == Config()
    assert ws.config.voice.engine == "pyttsx3" and ws.config.audio.bitrate == 96


def test_values_are_read_and_typed(tmp_path: Path) -> None:
    ws = load_workspace(write(tmp_path, '[show]\ntitle = "T"\nexplicit = true\n[audio]\nsentence_pause = 1\n'
                                        '[pronunciations]\nJonze = "Jones"\n'))
    assert ws.config.show.title == "T" and ws.config.show.explicit is True
    assert ws.config.audio.sentence_pause == 1.0 and isinstance(ws.config.audio.sentence_pause, float)
    assert ws.config.pronunciations == {"Jonze": "Jones"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[show]\ntitel = 'x'\n", "unknown key 'show.titel'"),
        ("[shows]\ntitle = 'x'\n", "unknown key 'shows'"),
        ("[voice]\nrate = 'fast'\n", "'voice.rate' must be a whole number"),
        ("[voice]\nrate = true\n", "'voice.rate' must be a whole number"),
        ("[show]\nexplicit = 'no'\n", "'show.explicit' must be true or false"),
        ("[show]\ncategory = 'Cooking'\n", "not an Apple Podcasts category"),
        ("[audio]\nbitrate = 320\n", "between 64 and 192"),
        ("[audio]\ntrue_peak = 0.0\n", "between -9 and -0.5"),
        ("[show]\nbase_url = 'ftp://x/'\n", "must start with http"),
        ("[show]\nowner_email = 'nobody'\n", "not an email address"),
        ("[feed]\nremoved = 'maybe'\n", "'feed.removed' must be one of"),
        ("[show\ntitle = 'x'\n", "is not valid TOML"),
        ("show = 3\n", "[show] must be a table"),
        ("[pronunciations]\nJonze = 3\n", "[pronunciations] must map words to text"),
    ],
)
def test_bad_config_names_the_key_and_the_file(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_workspace(write(tmp_path, text))
    assert message in str(info.value)
    assert "audioessay.toml" in str(info.value)


def test_missing_config_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="audioessay init"):
        load_workspace(tmp_path)


def test_repository_demo_config_is_valid() -> None:
    ws = load_workspace(REPO)
    assert ws.config.show.category in APPLE_CATEGORIES
    assert len(ws.essay_paths()) >= 4
