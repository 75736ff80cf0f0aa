"""Whole episodes from real espeak-ng takes: format, loudness and true peak of the finished MP3."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp3 import MP3, BitrateMode
from test_master_support import TAGS, decode, onsets, script_of, vtt_cues, wav_bytes

from audioessay.master.episode import master_episode
from audioessay.master.loudness import loudness_of, measure_file
from audioessay.master.music import synthesize_intro
from audioessay.workspace import AudioConfig

SENTENCES = [
    "Essays are a peculiar form of writing.",
    "They wander, they argue, and they double back on themselves.",
    "A good essay is a mind at work, visible on the page.",
    "This one is only a test, read by a machine.",
    "Still, the machine does its best with every word.",
]
ANNOUNCEMENT = "The Test Show. Episode 7: Tones and voices."
OUTRO = "Thanks for listening."


@pytest.fixture(scope="module")
def espeak_takes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("takes")
    takes = {}
    for index, text in enumerate([*SENTENCES, ANNOUNCEMENT, OUTRO]):
        path = folder / f"take{index}.wav"
        subprocess.run(["espeak-ng", "-w", str(path), "--", text], check=True, capture_output=True)
        takes[text] = path
    return takes


def music_at(path: Path, lufs: float) -> Path:
    """Intro music at a given loudness: the project's intro, or for loud levels a saturated master."""
    music = synthesize_intro()
    if lufs > -12:
        music = np.tanh(music * 12)  # squashed like an over-loud commercial master
    music *= 10 ** ((lufs - loudness_of(music, 44100)) / 20)
    assert np.abs(music).max() <= 1.0
    path.write_bytes(wav_bytes(music, 44100))
    assert loudness_of(music, 44100) == pytest.approx(lufs, abs=0.2)
    return path


@pytest.mark.parametrize(("music_lufs", "bitrate"), [(-35.0, 96), (-6.0, 128), (None, 64)])
def test_finished_episode_meets_the_podcast_targets(tmp_path: Path, espeak_takes, music_lufs, bitrate):
    music = music_at(tmp_path / "music.wav", music_lufs) if music_lufs is not None else None
    script = script_of(("Beginning", [SENTENCES[:2], SENTENCES[2:3]]), ("End", [SENTENCES[3:]]))
    config = AudioConfig(bitrate=bitrate)
    result = master_episode(script, espeak_takes, out_dir=tmp_path / "out", basename="ep7", config=config,
                            intro_music=music, announcement=ANNOUNCEMENT, outro=OUTRO, tags=TAGS, jobs=2)
    info = MP3(result.audio).info
    assert (info.channels, info.sample_rate, info.bitrate) == (1, 44100, bitrate * 1000)
    assert info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
    frame_sizes = _frame_bitrates(result.audio)
    assert frame_sizes == {bitrate}  # every frame at the configured bitrate: constant bitrate

    measured = measure_file(result.audio)  # independently of what master_episode reported
    assert abs(measured.integrated_lufs - config.loudness) <= 1.0
    assert measured.true_peak_dbtp <= config.true_peak
    # What mastering recorded (libebur128 and the BS.1770 true-peak filter on the parts) agrees
    # with ffmpeg's ebur128 on the whole file: both are rounded to 0.1.
    assert abs(result.loudness_lufs - measured.integrated_lufs) <= 0.15
    assert abs(result.true_peak_dbtp - measured.true_peak_dbtp) <= 0.25

    report = json.loads(result.report.read_text())
    assert report["problems"] == [] and report["short_takes"] == []
    if music_lufs is not None:
        assert report["loudness"]["intro_music_lufs"] == pytest.approx(music_lufs, abs=0.3)

    # Every sentence's cue starts when the voice does.
    samples = decode(result.audio)
    assert len(samples) == round(result.duration * 44100)
    cues = vtt_cues(result.transcript_vtt.read_text())
    assert [" ".join(lines) for _, _, lines in cues] == [ANNOUNCEMENT, *SENTENCES, OUTRO]
    body_start = int((cues[1][0] - 0.2) * 44100)  # after the intro music, only the voice starts sounds
    heard = [body_start / 44100 + t for t in onsets(samples[body_start:], threshold_db=-40, min_gap=0.3)]
    for start, _, _ in cues[1:]:
        assert min(abs(start - h) for h in heard) <= 0.05


def _frame_bitrates(path: Path) -> set[int]:
    """The bitrate (kbps) of every MPEG frame after the ID3 tag and the Info header."""
    data = path.read_bytes()
    position = 10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]) if data[:3] == b"ID3" else 0
    table = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    rates = []
    while position + 4 <= len(data):
        header = int.from_bytes(data[position: position + 4], "big")
        assert header >> 21 == 0x7FF, f"lost frame sync at byte {position}"
        kbps = table[(header >> 12) & 15]
        rates.append(kbps)
        position += 144 * kbps * 1000 // 44100 + ((header >> 9) & 1)
    return set(rates[1:])  # the first frame is the Info header


def test_music_sits_under_the_speech(tmp_path: Path, espeak_takes):
    """Loud music is turned down and quiet music up: alone it is about 4 LU under the speech."""
    results = []
    for lufs in (-35.0, -6.0):
        result = master_episode(script_of(("A", [SENTENCES[:1]])), espeak_takes, out_dir=tmp_path / str(lufs),
                                basename="ep", config=AudioConfig(), intro_music=music_at(tmp_path / "m.wav", lufs),
                                announcement=ANNOUNCEMENT, outro=None, tags=TAGS)
        samples = decode(result.audio)
        # A one-sentence episode's intro is raised so that the episode reaches the loudness target:
        # the music's place under the voice is what is checked.
        boost = json.loads(result.report.read_text())["loudness"]["intro_boost_db"]
        results.append(loudness_of(samples[: int(1.4 * 44100)], 44100) - boost)  # before the announcement
    quiet_music, loud_music = results
    assert math.isfinite(quiet_music) and abs(quiet_music - loud_music) < 2.5
    assert -24 < quiet_music < -16
