"""Reading takes (WAV formats, truncation), resampling, and the ffmpeg wrapper."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_master_support import tone_take, wav_bytes

from audioessay.errors import ToolMissingError
from audioessay.master import ffmpeg as ffmpeg_module
from audioessay.master.ffmpeg import decode_to_float32, probe
from audioessay.master.pcm import clip_length, frames_at, read_clip, read_wav_info, resample
from audioessay.system import ffmpeg_path


def raw_wav(path: Path, data: bytes, *, tag: int, channels: int, rate: int, bits: int) -> Path:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
                     + b"data" + struct.pack("<I", len(data)) + data)
    return path


def test_reads_pydub_written_16_bit_mono(tmp_path: Path):
    path = tone_take(tmp_path / "t.wav", 0.5, rate=22050)
    clip = read_clip(path)
    assert clip.rate == 22050 and abs(len(clip.samples) - 11025) <= 2 and not clip.truncated
    assert clip_length(path) == len(clip.samples) * 2


@pytest.mark.parametrize(("tag", "bits", "encode"), [
    (1, 8, lambda x: (x * 127 + 128).astype(np.uint8).tobytes()),
    (1, 24, lambda x: b"".join(int(v * 8388607).to_bytes(3, "little", signed=True) for v in x)),
    (1, 32, lambda x: (x * 2147483647).astype("<i4").tobytes()),
    (3, 32, lambda x: x.astype("<f4").tobytes()),
])
def test_other_sample_formats(tmp_path: Path, tag: int, bits: int, encode):
    signal = 0.5 * np.sin(np.arange(1000) * 0.05)
    clip = read_clip(raw_wav(tmp_path / "x.wav", encode(signal), tag=tag, channels=1, rate=16000, bits=bits))
    assert clip.rate == 16000
    assert np.abs(clip.samples - signal).max() < (0.02 if bits == 8 else 1e-4)


def test_stereo_is_averaged(tmp_path: Path):
    left, right = np.full(100, 0.5), np.full(100, -0.25)
    data = np.stack([left, right], axis=1).reshape(-1)
    clip = read_clip(raw_wav(tmp_path / "s.wav", (data * 32767).astype("<i2").tobytes(), tag=1, channels=2,
                             rate=8000, bits=16))
    assert clip.samples == pytest.approx(np.full(100, 0.125), abs=1e-4)


def test_truncated_and_unfinished_headers(tmp_path: Path):
    path = tmp_path / "t.wav"
    path.write_bytes(wav_bytes(np.zeros(100), 22050, declared_frames=1000))
    info = read_wav_info(path)
    assert info.truncated and info.frames == 100
    path.write_bytes(wav_bytes(np.full(100, 0.1), 22050, declared_frames=0))  # a writer that never closed
    assert read_wav_info(path).truncated
    path.write_bytes(wav_bytes(np.zeros(0), 22050))
    assert not read_wav_info(path).truncated and read_clip(path).samples.size == 0


def test_full_scale_samples_are_counted(tmp_path: Path):
    path = tmp_path / "c.wav"
    path.write_bytes(wav_bytes(np.array([0.0, 1.0, -1.0, 0.5, 1.0]), 22050))
    assert read_clip(path).clipped == 3


def test_non_wav_goes_through_ffmpeg(tmp_path: Path):
    wav = tone_take(tmp_path / "t.wav", 0.5, rate=22050)
    flac = tmp_path / "t.flac"
    ffmpeg_module.run_ffmpeg(["-i", ffmpeg_module.file_arg(wav), ffmpeg_module.file_arg(flac)], what="test")
    clip = read_clip(flac)
    assert clip.rate == 44100 and abs(len(clip.samples) - 22050) < 10


@settings(max_examples=40, deadline=None)
@given(length=st.integers(0, 5000), rate=st.sampled_from([8000, 11025, 16000, 22050, 24000, 32000, 48000]))
def test_resampled_length_is_exactly_predicted(length: int, rate: int):
    samples = np.random.default_rng(length).standard_normal(length) * 0.1
    assert len(resample(samples, rate)) == frames_at(length, rate)


def test_resampling_keeps_a_tone_and_its_timing():
    t = np.arange(22050) / 22050
    envelope = np.clip(np.minimum(t, 1 - t) * 20, 0, 1)  # smooth edges
    tone = 0.5 * np.sin(2 * math.pi * 1000 * t) * envelope
    out = resample(tone, 22050)
    t2 = np.arange(len(out)) / 44100
    expected = 0.5 * np.sin(2 * math.pi * 1000 * t2) * np.clip(np.minimum(t2, 1 - t2) * 20, 0, 1)
    assert np.abs(out - expected)[100:-100].max() < 1e-3


def test_missing_ffmpeg_says_how_to_install(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ToolMissingError) as caught:
        ffmpeg_path()
    message = str(caught.value)
    assert "sudo apt-get install -y ffmpeg" in message and "sudo dnf install -y ffmpeg" in message
    assert "brew install ffmpeg" in message


def test_file_names_starting_with_a_dash_are_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    tone_take(Path("-y.wav"), 0.3, rate=44100)
    samples = np.frombuffer(decode_to_float32(Path("-y.wav")), np.float32)
    assert abs(len(samples) - 13230) < 5
    assert probe(Path("-y.wav"))["sample_rate"] == "44100"
