"""master_episode on generated tone takes: timing, joins, ducking, transcripts, chapters, tags, faults."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from test_master_support import (
    RATE,
    TAGS,
    decode,
    levels_db,
    onsets,
    script_of,
    tone_level,
    tone_take,
    vtt_cues,
    wav_bytes,
)

from audioessay.errors import MasteringError
from audioessay.master import encode as encode_module
from audioessay.master.episode import EpisodeTags, master_episode
from audioessay.master.loudness import measure_file
from audioessay.master.timeline import ANNOUNCE_AT, DUCK_DB, DUCK_UP, MUSIC_FADE, MUSIC_HOLD
from audioessay.workspace import AudioConfig

LONG_SENTENCE = ("This sentence is deliberately long so that its caption cannot fit on one line of sixty-five "
                 "characters and must wrap onto a second line, or even be split into two separate cues.")


def master(tmp_path: Path, script, takes, **options):
    settings = {"out_dir": tmp_path / "out", "basename": "episode-1", "config": AudioConfig(), "intro_music": None,
                "announcement": None, "outro": None, "tags": TAGS, "jobs": 2, **options}
    return master_episode(script, takes, **settings)


@pytest.fixture
def tone_episode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Eight tone takes of odd lengths in two sections, cut into parts, mastered by three encoders."""
    monkeypatch.setattr(encode_module, "PART_MIN", 2 * RATE)  # let a short episode be cut into parts
    monkeypatch.setattr(encode_module, "CUT_EVERY", 1)  # at every pause past PART_MIN
    texts = ["First sentence.", "Second one, a bit longer.", "Third.", LONG_SENTENCE, "Fifth sentence here.",
             "Sixth sentence.", "Seventh, nearly the end.", "Eighth and last."]
    takes = {}
    for index, text in enumerate(texts):
        seconds = max(0.25, len(text) / 30) + index * 0.0137  # odd sample counts
        takes[text] = tone_take(tmp_path / f"take{index}.wav", seconds, freq=300 + 60 * index,
                                rate=(22050, 16000, 24000)[index % 3])
    script = script_of(("Opening", [texts[:2], [texts[2], 0.8, texts[3]]]), (None, [texts[4:6], texts[6:]]))
    result = master(tmp_path, script, takes, jobs=3)
    return result, texts, takes


def test_decoded_length_equals_the_timeline_across_parallel_joins(tone_episode):
    result, _, _ = tone_episode
    report = json.loads(result.report.read_text())
    assert report["encoder"]["parts"] >= 3
    decoded = decode(result.audio)
    assert len(decoded) == round(result.duration * RATE)  # every join is sample-exact
    assert MP3(result.audio).info.length == pytest.approx(result.duration, abs=1152 / RATE * 2)


def sentence_cue_starts(cues, texts: list[str]) -> list[float]:
    """The start of the first cue of each sentence (a long sentence has several cues)."""
    return [start for start, _, lines in cues if any(t.startswith(" ".join(lines)) for t in texts)]


def test_cues_start_when_the_sound_starts(tone_episode):
    result, texts, _ = tone_episode
    heard = onsets(decode(result.audio))
    starts = sentence_cue_starts(vtt_cues(result.transcript_vtt.read_text()), texts)
    assert len(heard) == len(texts) == len(starts)
    for cue, sound in zip(starts, heard):
        assert abs(cue - sound) <= 0.05


def test_pauses_between_takes_match_the_configuration(tone_episode):
    result, _, _ = tone_episode
    quiet = levels_db(decode(result.audio)) < -60
    runs, count = [], 0
    for is_quiet in quiet:
        if is_quiet:
            count += 1
        elif count:
            runs.append(count / 100)
            count = 0
    config = AudioConfig()
    # Paragraphs: [1, 2] [3, pause 0.8, 4] | [5, 6] [7, 8]
    expected = [config.sentence_pause, config.paragraph_pause, 0.8, config.section_pause,
                config.sentence_pause, config.paragraph_pause, config.sentence_pause]
    assert len(runs) == len(expected)
    for measured, wanted in zip(runs, expected):
        assert abs(measured - wanted) <= 0.03


def test_vtt_and_srt_are_well_formed(tone_episode):
    result, _, _ = tone_episode
    vtt = result.transcript_vtt.read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n\n")
    cues = vtt_cues(vtt)
    assert all(len(line) <= 65 for _, _, lines in cues for line in lines)
    assert all(1 <= len(lines) <= 2 for _, _, lines in cues)
    assert all(a_end <= b_start for (_, a_end, _), (b_start, _, _) in itertools.pairwise(cues))
    assert " ".join(line for _, _, lines in cues for line in lines).count(LONG_SENTENCE) == 1
    assert len(cues) == 9  # the long sentence takes two cues
    srt = result.transcript_srt.read_text(encoding="utf-8")
    blocks = [b for b in srt.split("\n\n") if b.strip()]
    assert len(blocks) == len(cues)
    for number, (block, (_, _, lines)) in enumerate(zip(blocks, cues), 1):
        rows = block.splitlines()
        assert rows[0] == str(number)
        assert re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", rows[1])
        assert rows[2:] == lines


def test_chapters_json_and_id3_frames(tone_episode):
    result, texts, _ = tone_episode
    chapters = json.loads(result.chapters.read_text())["chapters"]
    assert json.loads(result.chapters.read_text())["version"] == "1.2.0"
    assert [c["title"] for c in chapters] == ["Opening", "Part 2"]
    starts = sentence_cue_starts(vtt_cues(result.transcript_vtt.read_text()), texts)
    assert chapters[0]["startTime"] == 0
    assert chapters[1]["startTime"] == pytest.approx(starts[4], abs=0.02)

    tags = ID3(result.audio)
    assert tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == "Tone Test" and str(tags["TPE1"]) == "Tester"
    assert str(tags["TALB"]) == "The Tone Show" and str(tags["TDRC"]) == "2024-05-01"
    assert str(tags["TRCK"]) == "7"
    assert tags.getall("COMM")[0].text == ["An episode of generated tones."]
    toc = tags.getall("CTOC")[0]
    assert toc.child_element_ids == ["chp0", "chp1"]
    frames = sorted(tags.getall("CHAP"), key=lambda f: f.start_time)
    assert [str(f.sub_frames["TIT2"]) for f in frames] == ["Opening", "Part 2"]
    assert [f.start_time for f in frames] == [round(c["startTime"] * 1000) for c in chapters]
    assert frames[0].end_time == frames[1].start_time
    assert frames[1].end_time == round(result.duration * 1000)


def test_mp3_format_and_loudness(tone_episode):
    result, _, _ = tone_episode
    info = MP3(result.audio).info
    assert (info.channels, info.sample_rate, info.bitrate) == (1, 44100, 96000)
    assert result.audio.name == "episode-1.mp3" and result.audio_bytes == result.audio.stat().st_size
    assert abs(result.loudness_lufs + 16) <= 1.0
    assert result.true_peak_dbtp <= -1.0
    whole = measure_file(result.audio)  # the parts were measured in parallel: same as the whole file
    assert abs(whole.integrated_lufs - result.loudness_lufs) <= 0.15  # both rounded to 0.1
    assert abs(whole.true_peak_dbtp - result.true_peak_dbtp) <= 0.15
    report = json.loads(result.report.read_text())
    assert report["loudness"]["integrated_lufs"] == result.loudness_lufs
    assert report["duration"] == pytest.approx(result.duration, abs=0.001)
    assert report["longest_silence"]["seconds"] == pytest.approx(1.6, abs=0.05)
    assert report["clipped_samples"] == 0 and report["problems"] == []
    files = sorted(p.name for p in result.audio.parent.iterdir())
    assert files == [".encoded", "chapters.json", "episode-1.mp3", "episode-1.srt", "episode-1.vtt", "report.json"]
    kept = sorted(p.suffix for p in (result.audio.parent / ".encoded").iterdir())
    assert kept == [".json", ".mp3"] * report["encoder"]["parts"] or kept == sorted(kept)
    assert len(kept) == 2 * report["encoder"]["parts"]  # one MP3 and one record per part, nothing else


@pytest.fixture
def intro_episode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A 200 Hz "music" bed, a 1 kHz announcement, one 700 Hz sentence; relative paths starting with '-'."""
    monkeypatch.chdir(tmp_path)
    music = tone_take(Path("-music.wav"), 9.0, freq=200, rate=44100, volume_db=-30)
    takes = {"Welcome to the show.": tone_take(tmp_path / "a.wav", 2.0, freq=1000),
             "The only sentence.": tone_take(tmp_path / "s.wav", 1.0, freq=700),
             "Goodbye.": tone_take(tmp_path / "o.wav", 0.6, freq=500)}
    script = script_of(("Body", [["The only sentence."]]))
    result = master(tmp_path, script, takes, out_dir=Path("-out"), intro_music=music,
                    announcement="Welcome to the show.", outro="Goodbye.")
    return result


def test_music_ducks_under_the_announcement_and_fades_out(intro_episode):
    samples = decode(intro_episode.audio)
    speech_end = ANNOUNCE_AT + 2.0
    alone = tone_level(samples, 200, 0.2, 1.1)
    under = tone_level(samples, 200, ANNOUNCE_AT + 0.2, speech_end - 0.2)
    back = tone_level(samples, 200, speech_end + DUCK_UP + 0.02, speech_end + DUCK_UP + MUSIC_HOLD - 0.02)
    assert under - alone == pytest.approx(DUCK_DB, abs=1.0)
    assert back == pytest.approx(alone, abs=1.0)
    fade_start = speech_end + DUCK_UP + MUSIC_HOLD
    fade = levels_db(samples[int(fade_start * RATE): int((fade_start + MUSIC_FADE) * RATE)])
    assert np.all(np.diff(fade) < 0.5)  # only ever going down (10 ms windows)
    assert fade[-5:].max() < fade[:5].min() - 30
    # The music is normalized relative to the speech, whatever its own level: 4 LU under it.
    assert alone < tone_level(samples, 1000, ANNOUNCE_AT + 0.2, speech_end - 0.2)


def test_intro_chapter_and_announcement_cue(intro_episode):
    chapters = json.loads(intro_episode.chapters.read_text())["chapters"]
    assert [c["title"] for c in chapters] == ["Intro", "Body"]
    cues = vtt_cues(intro_episode.transcript_vtt.read_text())
    assert [lines for _, _, lines in cues] == [["Welcome to the show."], ["The only sentence."], ["Goodbye."]]
    heard = onsets(decode(intro_episode.audio), threshold_db=-30)
    assert cues[0][0] == pytest.approx(ANNOUNCE_AT, abs=0.05)
    assert chapters[1]["startTime"] == pytest.approx(cues[1][0], abs=0.02)
    assert abs(heard[-1] - cues[2][0]) <= 0.05  # the outro


def test_the_music_is_decoded_once_per_process_and_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every episode has the same intro music: a worker decodes it once (an ffmpeg start costs more
    than the decoding), cut for each episode to what its announcement needs; other music is
    decoded again; and the episode is the same as with a decode of its own."""
    from audioessay.master import episode as episode_module

    calls: list[Path] = []
    real = episode_module.decode_to_float32

    def counting(path: Path, **options):
        calls.append(Path(path))
        return real(path, **options)

    monkeypatch.setattr(episode_module, "decode_to_float32", counting)
    monkeypatch.setattr(episode_module, "_MUSIC_MEMO", {})
    music = tone_take(tmp_path / "music.wav", 30.0, freq=200, rate=44100, volume_db=-30)
    other = tone_take(tmp_path / "other.wav", 30.0, freq=300, rate=44100, volume_db=-30)
    script = script_of(("Body", [["The only sentence."]]))
    results = []
    for index, (announced, seconds, bed) in enumerate(
            [("Episode one.", 2.0, music), ("Episode two, longer.", 3.0, music), ("Three.", 1.0, other)]):
        takes = {announced: tone_take(tmp_path / f"a{index}.wav", seconds, freq=1000),
                 "The only sentence.": tone_take(tmp_path / f"s{index}.wav", 1.0, freq=700)}
        results.append(master(tmp_path, script, takes, out_dir=tmp_path / f"out{index}", intro_music=bed,
                              announcement=announced))
    assert calls == [music, other]
    assert results[1].duration > results[0].duration + 0.9  # each cut to its own announcement

    monkeypatch.setattr(episode_module, "_MUSIC_MEMO", {})  # a fresh process: its own decode
    takes = {"Episode two, longer.": tone_take(tmp_path / "a1.wav", 3.0, freq=1000),
             "The only sentence.": tone_take(tmp_path / "s1.wav", 1.0, freq=700)}
    alone = master(tmp_path, script, takes, out_dir=tmp_path / "alone", intro_music=music,
                   announcement="Episode two, longer.")
    assert alone.audio.read_bytes() == results[1].audio.read_bytes()


def test_cover_art_is_embedded(tmp_path: Path):
    from PIL import Image

    cover = tmp_path / "cover.png"
    Image.new("RGB", (64, 64), (200, 40, 40)).save(cover)
    takes = {"Just one.": tone_take(tmp_path / "t.wav", 0.8)}
    tags = EpisodeTags(title="T", artist="A", album="S", date="2024-01-02", track=1, description="", cover=cover)
    result = master(tmp_path, script_of(("X", [["Just one."]])), takes, tags=tags)
    picture = ID3(result.audio).getall("APIC")[0]
    assert picture.mime == "image/png" and picture.data == cover.read_bytes()


@pytest.mark.parametrize("bad", ["", "a/b", "épisode", "-x", "a b"])
def test_basename_must_be_a_safe_ascii_name(tmp_path: Path, bad: str):
    takes = {"One.": tone_take(tmp_path / "t.wav", 0.5)}
    with pytest.raises(MasteringError, match="file name"):
        master(tmp_path, script_of(("X", [["One."]])), takes, basename=bad)


# --- faults: nothing is written, the message names the sentence and what to do ---------------------------

def fault(tmp_path: Path, broken: Path, text: str = "A sentence that went wrong somewhere.", **options):
    takes = {"Fine.": tone_take(tmp_path / "ok.wav", 0.6), text: broken}
    with pytest.raises(MasteringError) as caught:
        master(tmp_path, script_of(("X", [["Fine.", text]])), takes, **options)
    out = tmp_path / "out"
    assert not out.exists() or [p.name for p in out.iterdir() if p.name != ".encoded"] == []
    message = str(caught.value)
    assert "episode-1" in message and text[:20] in message and str(broken) in message
    return message


def test_empty_take_stops_mastering(tmp_path: Path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(wav_bytes(np.zeros(0), 22050))
    assert "empty" in fault(tmp_path, empty)


def test_truncated_take_stops_mastering(tmp_path: Path):
    cut = tmp_path / "cut.wav"
    tone = 0.3 * np.sin(np.arange(22050) * 0.1)
    cut.write_bytes(wav_bytes(tone, 22050, declared_frames=88200))  # the header promises 4 s, 1 s is there
    assert "truncated" in fault(tmp_path, cut)


def test_far_too_short_take_stops_mastering(tmp_path: Path):
    blip = tone_take(tmp_path / "blip.wav", 0.02)
    assert "far too short" in fault(tmp_path, blip, "A long sentence of many words " * 4)


def test_silent_take_stops_mastering(tmp_path: Path):
    silent = tmp_path / "silent.wav"
    silent.write_bytes(wav_bytes(np.zeros(22050), 22050))
    assert "silent" in fault(tmp_path, silent)


def test_long_silence_stops_mastering(tmp_path: Path):
    gap = tmp_path / "gap.wav"
    tone = 0.3 * np.sin(np.arange(11025) * 0.1)
    gap.write_bytes(wav_bytes(np.concatenate([tone, np.zeros(22050 * 4), tone]), 22050))
    message = fault(tmp_path, gap)
    assert "silence" in message and "2.6 s" in message  # section pause 1.6 s + 1 s


def test_short_take_is_reported_not_fatal(tmp_path: Path):
    text = "This sentence has about ninety characters, so one second of speech is far less than it needs."
    takes = {text: tone_take(tmp_path / "short.wav", 1.0)}
    result = master(tmp_path, script_of(("X", [[text]])), takes)
    assert len(result.problems) == 1 and "short" in result.problems[0]
    report = json.loads(result.report.read_text())
    assert report["short_takes"][0]["text"] == text
    assert report["short_takes"][0]["seconds"] == pytest.approx(1.0, abs=0.03)


def test_explicit_long_pause_is_allowed(tmp_path: Path):
    takes = {"Before.": tone_take(tmp_path / "a.wav", 0.5), "After.": tone_take(tmp_path / "b.wav", 0.5)}
    result = master(tmp_path, script_of(("X", [["Before.", 4.0, "After."]])), takes)
    report = json.loads(result.report.read_text())
    assert report["longest_silence"]["seconds"] == pytest.approx(4.0, abs=0.05)
    assert report["longest_silence"]["after"].startswith("sentence 1")


def test_a_second_pass_for_the_true_peak_keeps_the_loudness():
    """The correction models the first pass with the limit it really had, then lowers the limit."""
    from audioessay.master.episode import _correction
    from audioessay.master.loudness import LoudnessMeter
    from audioessay.master.measure import PartLoudness

    rng = np.random.default_rng(5)
    signal = rng.standard_normal(RATE * 20) * np.repeat(rng.uniform(0.05, 0.3, 200), RATE // 10)
    signal[rng.integers(0, len(signal), 300)] = 0.99  # peaks the limiter must catch
    meter = LoudnessMeter(end_seconds=20.0)
    meter.add_samples(signal, RATE, 0.0)
    target, ceiling, limit = -16.0, -1.0, -2.5
    gain = meter.gain_for(target + 0.45, limit)
    level = meter.limited(gain, limit) - 0.45  # the first pass lands on the model: on target
    measured = PartLoudness((level,) * 200, (), ceiling + 1.0, RATE * 20)  # but the true peak is 1 dB over
    corrected = _correction(gain, limit, measured, target, ceiling, meter)
    assert corrected is not None
    new_gain, new_limit = corrected
    assert new_limit < limit
    assert meter.limited(new_gain, new_limit) - 0.45 == pytest.approx(target, abs=0.1)
