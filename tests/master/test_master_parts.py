"""Encoding in parts: where the cuts go, and an edit re-masters only the part it is in."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_master_support import RATE, TAGS, decode, onsets, script_of, tone_take, vtt_cues

from audioessay.master import encode as encode_module
from audioessay.master.encode import FRAME_GAP, MIN_CUT_PAUSE, crc16, crc16_combine, plan_parts
from audioessay.master.episode import master_episode
from audioessay.master.pcm import clip_length
from audioessay.master.timeline import IntroLayout, Silence, plan_timeline
from audioessay.workspace import AudioConfig

TEXTS = [f"Sentence number {n} of the tone essay." for n in range(1, 13)]


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch):
    """Parts of a few seconds, so a short tone episode has several."""
    monkeypatch.setattr(encode_module, "PART_MIN", 3 * RATE)
    monkeypatch.setattr(encode_module, "CUT_EVERY", 2)


def make_takes(folder: Path, texts: list[str], longer: str | None = None) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    takes = {}
    for index, text in enumerate(texts):
        seconds = 0.9 + 0.05 * index + (0.7 if text == longer else 0.0)
        takes[text] = tone_take(folder / f"t{abs(hash(text)) % 10**8}-{seconds:.2f}.wav", seconds,
                                freq=300 + 40 * index)
    return takes


def script(texts: list[str]):
    return script_of(("One", [texts[:3], texts[3:6]]), ("Two", [texts[6:9], texts[9:]]))


def master(out: Path, texts: list[str], takes: dict[str, Path]):
    return master_episode(script(texts), takes, out_dir=out, basename="ep", config=AudioConfig(), intro_music=None,
                          announcement=None, outro=None, tags=TAGS, jobs=2)


def test_cuts_fall_inside_pauses_and_keep_a_margin(tmp_path: Path):
    takes = make_takes(tmp_path / "takes", TEXTS)
    timeline = plan_timeline(script(TEXTS), takes, clip_length, AudioConfig(), episode_title="T",
                             music_available=None, announcement=None, outro=None)
    parts = plan_parts(timeline)
    assert len(parts) >= 3
    assert parts[0].start == 0 and parts[-1].end == timeline.total
    pauses = [p for p in timeline.pieces if isinstance(p, Silence)]
    for before, after in itertools.pairwise(parts):
        pause = next(p for p in pauses if p.start <= before.end and after.start <= p.start + p.length)
        assert pause.length >= MIN_CUT_PAUSE
        # What is left of the pause on both sides plus the average join is the pause.
        assert (before.end - pause.start) + (pause.start + pause.length - after.start) + FRAME_GAP == pause.length


def test_the_intro_is_a_part_of_its_own(tmp_path: Path):
    takes = make_takes(tmp_path / "takes", [*TEXTS, "Show. Episode 1."])
    timeline = plan_timeline(script(TEXTS), takes, clip_length, AudioConfig(), episode_title="T",
                             music_available=10 * RATE, announcement="Show. Episode 1.", outro=None)
    intro = next(p for p in timeline.pieces if isinstance(p, IntroLayout))
    first = plan_parts(timeline)[0]
    assert first.start == 0 and intro.length <= first.end < intro.length + AudioConfig().section_pause * RATE


def test_a_render_with_nothing_changed_reuses_every_part(tmp_path: Path):
    takes = make_takes(tmp_path / "takes", TEXTS)
    first = master(tmp_path / "out", TEXTS, takes)
    audio = first.audio.read_bytes()
    second = master(tmp_path / "out", TEXTS, takes)
    assert first.parts >= 3 and second.parts_reused == second.parts == first.parts
    assert second.audio.read_bytes() == audio  # the same frames and the same tags
    assert json.loads(second.report.read_text())["encoder"]["parts_reused"] == second.parts


def test_an_edit_remasters_only_its_part_and_timings_stay_exact(tmp_path: Path):
    takes = make_takes(tmp_path / "takes", TEXTS)
    before = master(tmp_path / "out", TEXTS, takes)
    edited = list(TEXTS)
    edited[7] = "Sentence number 8, edited: a longer take now."
    new_takes = {**takes, **make_takes(tmp_path / "new", [edited[7]], longer=edited[7])}
    after = master(tmp_path / "out", edited, new_takes)
    assert after.parts_reused == after.parts - 1  # one part re-encoded, every other one reused
    assert after.duration > before.duration + 0.2  # the new take is 0.35 s longer
    samples = decode(after.audio)
    assert len(samples) == round(after.duration * RATE)  # the joins are still sample-exact
    heard = onsets(samples)
    starts = [start for start, _, lines in vtt_cues(after.transcript_vtt.read_text())
              if any(t.startswith(" ".join(lines)) for t in edited)]
    assert len(heard) == len(starts) == len(edited)
    for cue, sound in zip(starts, heard):
        assert abs(cue - sound) <= 0.05
    kept = sorted((after.audio.parent / ".encoded").iterdir())
    assert len(kept) == 2 * after.parts  # the replaced part's files are gone


def test_a_damaged_kept_part_is_made_again(tmp_path: Path):
    takes = make_takes(tmp_path / "takes", TEXTS)
    first = master(tmp_path / "out", TEXTS, takes)
    victim = min((first.audio.parent / ".encoded").glob("*.mp3"))
    victim.write_bytes(victim.read_bytes()[:1000])  # truncated: its size no longer matches its record
    second = master(tmp_path / "out", TEXTS, takes)
    assert second.parts_reused == second.parts - 1
    assert len(decode(second.audio)) == round(second.duration * RATE)


def test_without_keep_parts_the_episode_is_the_same_and_no_part_stays(tmp_path: Path):
    takes = make_takes(tmp_path / "takes", TEXTS)
    kept = master(tmp_path / "kept", TEXTS, takes)
    config = AudioConfig(keep_parts=False)

    def lean():
        return master_episode(script(TEXTS), takes, out_dir=tmp_path / "lean", basename="ep", config=config,
                              intro_music=None, announcement=None, outro=None, tags=TAGS, jobs=2)

    first = lean()
    assert first.audio.read_bytes() == kept.audio.read_bytes()  # the same frames, header and tags
    assert not (tmp_path / "lean" / ".encoded").exists()
    assert (tmp_path / "kept" / ".encoded").is_dir()
    again = lean()
    assert again.parts_reused == 0 and again.parts == first.parts  # nothing kept, so every part is made
    assert again.audio.read_bytes() == kept.audio.read_bytes()


def test_the_aac_copy_has_the_audio_tags_and_chapters(tmp_path: Path):
    import subprocess

    from mutagen.mp4 import MP4

    takes = make_takes(tmp_path / "takes", TEXTS)
    result = master_episode(script(TEXTS), takes, out_dir=tmp_path / "out", basename="ep",
                            config=AudioConfig(aac=True), intro_music=None, announcement=None, outro=None,
                            tags=TAGS, jobs=2)
    assert result.aac == tmp_path / "out" / "ep.m4a" and result.aac.is_file()
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_chapters", "-show_format", "-of", "json", str(result.aac)],
        capture_output=True, check=True, text=True).stdout)
    stream = probe["streams"][0]
    assert (stream["codec_name"], stream["channels"], stream["sample_rate"]) == ("aac", 1, "44100")
    assert float(probe["format"]["duration"]) == pytest.approx(result.duration, abs=0.1)
    assert [c["tags"]["title"] for c in probe["chapters"]] == ["One", "Two"]
    tags = MP4(result.aac).tags
    assert tags["\xa9nam"] == [TAGS.title] and tags["\xa9alb"] == [TAGS.album] and tags["trkn"] == [(7, 0)]
    report = json.loads(result.report.read_text())
    assert report["aac"] == "ep.m4a"
    # Asked for no more: the copy goes, so it is never published by mistake.
    again = master(tmp_path / "out", TEXTS, takes)
    assert again.aac is None and not (tmp_path / "out" / "ep.m4a").exists()


@settings(max_examples=60, deadline=None)
@given(first=st.binary(max_size=200), second=st.binary(max_size=2000))
def test_crc16_combine_equals_the_crc_of_the_joined_bytes(first: bytes, second: bytes):
    assert crc16_combine(crc16(first), crc16(second), len(second)) == crc16(first + second)


def test_the_joined_file_has_one_correct_lame_header(tmp_path: Path):
    import struct

    takes = make_takes(tmp_path / "takes", TEXTS)
    result = master(tmp_path / "out", TEXTS, takes)
    data = result.audio.read_bytes()
    data = data[10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]):]  # after the ID3 tag
    at = data.find(b"Info")
    frames, total = struct.unpack(">II", data[at + 8: at + 16])
    lame = at + 120
    frame = 144 * 96000 // RATE + ((data[2] >> 1) & 1)
    assert data[lame: lame + 4] == b"LAME" and total == len(data)
    audio = data[frame:]
    assert frames == json.loads(result.report.read_text())["encoder"]["frames"]
    assert struct.unpack(">I", data[lame + 28: lame + 32])[0] == len(data)  # music length
    assert struct.unpack(">H", data[lame + 32: lame + 34])[0] == crc16(audio)  # music CRC
    assert struct.unpack(">H", data[lame + 34: lame + 36])[0] == crc16(data[: lame + 34])  # tag CRC
    assert data.count(b"Info") == 1  # the parts' own headers are gone


def test_a_reused_part_names_its_takes_by_their_current_numbers(tmp_path: Path):
    """A short take in a kept part is reported with its number in the new script, not the old one."""
    texts = list(TEXTS)
    long_text = "This sentence has about ninety characters, so one second of speech is far less than it needs."
    texts[10] = long_text  # near the end: its part is kept when a sentence is added at the start
    takes = make_takes(tmp_path / "takes", texts)
    takes[long_text] = tone_take(tmp_path / "takes" / "short.wav", 1.0)
    before = master(tmp_path / "out", texts, takes)
    report = json.loads(before.report.read_text())
    assert [s["sentence"] for s in report["short_takes"]] == [11]
    added = ["A new first sentence, added later.", *texts]
    after = master(tmp_path / "out", added, {**takes, **make_takes(tmp_path / "new", added[:1])})
    assert after.parts_reused >= 1
    report = json.loads(after.report.read_text())
    assert [s["sentence"] for s in report["short_takes"]] == [12]
    assert any("sentence 12" in p for p in after.problems)


def test_an_empty_first_take_is_a_fault_not_a_gap(tmp_path: Path):
    import numpy as np
    from test_master_support import wav_bytes

    from audioessay.errors import MasteringError

    takes = make_takes(tmp_path / "takes", TEXTS)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(wav_bytes(np.zeros(0), 22050))
    takes[TEXTS[0]] = empty
    with pytest.raises(MasteringError, match="empty"):
        master(tmp_path / "out", TEXTS, takes)
