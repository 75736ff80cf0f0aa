"""Words a listener cannot tell apart are not errors: British and American spellings (Whisper's own
table) and homophones (the same espeak-ng phonemes). Words that sound different still are."""

from __future__ import annotations

import pytest

from audioessay.verify import soundalike
from audioessay.verify.compare import compare
from audioessay.verify.soundalike import american, sound_alike


@pytest.mark.parametrize(("said", "heard"), [
    ("Essays Aloud, episode one.", "Essays allowed, episode one."),    # homophone
    ("Ten kilometres of grey road.", "10 kilometers of gray road."),    # spellings, and a number
    ("The colour of the theatre.", "The color of the theater."),
    ("She will organise their travelling.", "She will organize there traveling."),
    ("It frees him to write.", "It freeze him to right."),
    ("Two roads.", "To roads."),
    ("Whose turn is it?", "Who's turn is it?"),
    ("By the sea.", "Buy the see."),
])
def test_what_sounds_the_same_is_heard_right(said: str, heard: str) -> None:
    assert compare(said, heard).errors == 0, compare(said, heard).differences()


@pytest.mark.parametrize(("said", "heard", "differences"), [
    ("The story ends.", "A story ends.", ["the -> a"]),
    ("That is all.", "At is all.", ["that -> at"]),
    ("Her notes.", "Her note.", ["notes -> note"]),
    ("Grief is a crutch.", "Brief is a crushed.", ["grief -> brief", "crutch -> crushed"]),
    ("A-I can outpace us.", "I cannot face us.", ["ai -> i", "can -> cannot", "outpace -> face"]),
    ("Four doors.", "Fourteen doors.", ["four -> fourteen"]),
    ("She organised it.", "She organizes it.", ["organised -> organizes"]),
])
def test_what_sounds_different_is_still_an_error(said: str, heard: str, differences: list[str]) -> None:
    assert compare(said, heard).differences() == differences


def test_spellings_come_from_whispers_table() -> None:
    assert len(soundalike.american_spellings()) > 1000
    assert american("kilometres") == "kilometers"
    assert american("colour") == "color"
    assert american("color") == "color"
    assert american("essay") == "essay"


def test_words_espeak_ng_could_not_say_are_compared_by_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    """When espeak-ng gave no phonemes (it split or joined a word, or failed), spellings still count."""
    monkeypatch.setattr(soundalike, "_KEYS", {})
    monkeypatch.setattr(soundalike, "_phonemes", lambda words: dict.fromkeys(words, ""))
    alike = sound_alike(["aloud", "allowed", "colour", "color"])
    assert not alike("aloud", "allowed")
    assert alike("colour", "color")


def test_without_espeak_ng_spellings_count_but_homophones_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(soundalike, "_KEYS", {})
    monkeypatch.setattr(soundalike, "find_command", lambda name: None)
    assert compare("Essays aloud.", "Essays allowed.").errors == 1
    assert compare("Ten kilometres.", "Ten kilometers.").errors == 0


def test_each_word_is_said_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[list[str]] = []
    real = soundalike._phonemes
    monkeypatch.setattr(soundalike, "_KEYS", {})
    monkeypatch.setattr(soundalike, "_phonemes", lambda words: said.append(words) or real(words))
    compare("Their aloud notes.", "There allowed note.")
    compare("Their aloud notes.", "There allowed note.")
    assert said == [["allowed", "aloud", "note", "notes", "their", "there"]]
