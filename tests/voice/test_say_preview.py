"""``audioessay say`` and ``audioessay preview``, with the real engines, in process (click's
CliRunner) and through the installed command."""

from __future__ import annotations

import json
import tempfile
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_workspace, run_cli

from audioessay.cli.listen import preview, say
from audioessay.errors import AudioessayError, ScriptError
from audioessay.master.ffmpeg import probe
from audioessay.pipeline.listen import audio_device_present
from audioessay.voice.cache import TakeCache
from audioessay.voice.pyttsx3_engine import expected_seconds

SENTENCE = "Narration must never silently produce an empty or truncated take."


def seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def invoke(command, args: list[str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(command, args)


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder that is not a workspace, as the current folder."""
    folder = tmp_path / "plain"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


# --------------------------------------------------------------------------- say


def test_say_out_writes_a_wav_of_plausible_length(outside: Path) -> None:
    result = invoke(say, [SENTENCE, "--out", "said.wav"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == SENTENCE
    assert "wrote said.wav" in result.stderr
    length = seconds(outside / "said.wav")
    assert 0.5 * expected_seconds(SENTENCE, 175) < length < 2.0 * expected_seconds(SENTENCE, 175)


def test_say_a_slower_rate_gives_a_longer_file(outside: Path) -> None:
    assert invoke(say, [SENTENCE, "--rate", "300", "-o", "fast.wav"]).exit_code == 0
    assert invoke(say, [SENTENCE, "--rate", "110", "-o", "slow.wav"]).exit_code == 0
    assert seconds(outside / "slow.wav") > 1.6 * seconds(outside / "fast.wav")


@pytest.mark.parametrize("engine", ["espeak-ng", "piper"])
def test_say_with_another_engine(outside: Path, engine: str) -> None:
    result = invoke(say, ["Another engine speaks.", "--engine", engine, "-o", "other.wav"])
    assert result.exit_code == 0, result.output
    assert seconds(outside / "other.wav") > 0.5


def test_say_writes_mp3(outside: Path) -> None:
    result = invoke(say, [SENTENCE, "-o", "said.mp3"])
    assert result.exit_code == 0, result.output
    info = probe(outside / "said.mp3")
    assert info["codec_name"] == "mp3" and info["channels"] == 1
    assert float(info["format_duration"]) > 0.5 * expected_seconds(SENTENCE, 175)


def test_say_refuses_other_file_types_as_a_usage_error(outside: Path) -> None:
    result = invoke(say, ["Hello.", "-o", "said.ogg"])
    assert result.exit_code == 2 and "must end in .wav or .mp3" in result.output
    assert not (outside / "said.ogg").exists()


def test_say_prints_the_spoken_form(tmp_path: Path) -> None:
    result = run_cli(["say", "24%", "--out", "p.wav"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "twenty-four percent"


def test_say_splits_sentences_like_a_script(outside: Path) -> None:
    result = invoke(say, ["Dr. Smith arrived at 9:30 a.m. on 3 May 2021. He left.", "-o", "s.wav"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Doctor Smith") and "twenty twenty-one" in lines[0]
    assert lines[1] == "He left."


def test_say_uses_the_workspace_pronunciations_only_inside_it(tmp_path: Path, outside: Path) -> None:
    ws = make_workspace(tmp_path / "ws", [])  # the demo config: Jonze = "Jones"
    inside = run_cli(["say", "Spike Jonze", "-o", "j.wav"], ws, check=True)
    assert inside.stdout.strip() == "Spike Jones"
    assert invoke(say, ["Spike Jonze", "-o", "j.wav"]).stdout.strip() == "Spike Jonze"


def test_say_nothing_to_say_is_an_error(outside: Path) -> None:
    result = invoke(say, ["\U0001F389 \U0001F389", "-o", "x.wav"])
    assert isinstance(result.exception, AudioessayError)
    assert "there is nothing to say" in str(result.exception)
    assert not (outside / "x.wav").exists()


def test_say_with_an_unknown_engine_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_cli(["say", "Hello.", "--engine", "nope"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: unknown engine 'nope'") and len(result.stderr.splitlines()) == 1


def test_say_plays_with_the_first_player_found(tmp_path: Path) -> None:
    bin_dir, heard = tmp_path / "bin", tmp_path / "heard.wav"
    bin_dir.mkdir()
    player = bin_dir / "aplay"
    # A stand-in for aplay: keeps what it was asked to play and takes about as long as playing it.
    player.write_text(f'#!/bin/sh\n/bin/cp "$2" {heard}\n/bin/sleep 1.5\n', encoding="utf-8")
    player.chmod(0o755)
    result = run_cli(["say", "Hi there."], tmp_path, env={"PATH": str(bin_dir)})
    assert result.returncode == 0, result.stderr
    assert "played with aplay" in result.stderr
    assert seconds(heard) > 0.3
    assert not (tmp_path / "say.wav").exists()


def test_say_without_a_player_writes_say_wav_and_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "no-players"
    empty.mkdir()
    result = run_cli(["say", "Nothing can play this."], tmp_path, env={"PATH": str(empty)})
    assert result.returncode == 0, result.stderr
    assert "no audio player found (aplay, paplay, ffplay, afplay); wrote say.wav" in result.stderr
    assert seconds(tmp_path / "say.wav") > 0.5


def test_say_when_the_player_cannot_play_writes_say_wav(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "paplay").write_text("#!/bin/sh\necho 'Connection refused' >&2\nexit 1\n", encoding="utf-8")
    (bin_dir / "paplay").chmod(0o755)
    result = run_cli(["say", "No sound server here."], tmp_path, env={"PATH": str(bin_dir)})
    assert result.returncode == 0, result.stderr
    if audio_device_present():  # the player's own words are the reason
        assert "could not play it (paplay: Connection refused); wrote say.wav" in result.stderr
    else:  # the machine has no sound at all: say so, and blame no player
        assert "this machine has no audio device (no sound card or sound server)" in result.stderr
        assert "paplay" not in result.stderr and "wrote say.wav" in result.stderr
    assert (tmp_path / "say.wav").is_file()


# --------------------------------------------------------------------------- preview


@pytest.fixture
def scripted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace whose one essay (with headings) has its script written; the current folder."""
    ws = make_workspace(tmp_path / "ws", ["radio-drama-at-midnight.md"])
    run_cli(["script"], ws, check=True)
    monkeypatch.chdir(ws)
    return ws


SLUG = "radio-drama-at-midnight"


def script_lines(ws: Path) -> list[str]:
    return (ws / "output" / SLUG / "script.txt").read_text(encoding="utf-8").split("\n")


def first(lines: list[str], test, start: int = 0) -> int:  # type: ignore[no-untyped-def]
    """The 1-based number of the first line from ``start`` that passes ``test``."""
    return next(i for i in range(start, len(lines)) if test(lines[i])) + 1


def header_end(lines: list[str]) -> int:
    return first(lines, lambda line: line == "---", 1)


def test_preview_writes_the_take_and_render_reuses_it(scripted: Path) -> None:
    lines = script_lines(scripted)
    number = first(lines, lambda line: line.startswith("# ")) + 1  # the sentence after a heading
    result = run_cli(["preview", SLUG, "--line", str(number), "--out", "line.wav"], scripted)
    assert result.returncode == 0, result.stderr
    text = lines[number - 1]
    assert result.stdout.strip() == text
    length = seconds(scripted / "line.wav")
    assert 0.5 * expected_seconds(text, 175) < length < 2.0 * expected_seconds(text, 175)
    assert TakeCache(scripted / ".audioessay" / "cache").size()[0] == 1
    report = json.loads(run_cli(["render", "--json"], scripted, check=True).stdout)
    assert report["episodes"][0]["cached"] == 1  # the previewed take


def test_preview_uses_the_essays_voice_settings(scripted: Path) -> None:
    essay = scripted / "seeds" / f"{SLUG}.md"
    essay.write_text(essay.read_text(encoding="utf-8").replace("---\n", "---\nrate: 110\n", 1), encoding="utf-8")
    lines = script_lines(scripted)
    number = header_end(lines) + 1
    assert invoke(preview, [SLUG, "--line", str(number), "-o", "slow.wav"]).exit_code == 0
    assert invoke(preview, [SLUG, "--line", str(number), "--rate", "300", "-o", "fast.wav"]).exit_code == 0
    assert seconds(scripted / "slow.wav") > 1.6 * seconds(scripted / "fast.wav")


def test_preview_says_an_escaped_line_as_render_would(scripted: Path) -> None:
    path = scripted / "output" / SLUG / "script.txt"
    lines = script_lines(scripted)
    number = header_end(lines) + 1
    lines[number - 1] = "\\[Bracketed] words are said as written."
    path.write_text("\n".join(lines), encoding="utf-8")
    result = invoke(preview, [SLUG, "--line", str(number), "-o", "b.wav"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "[Bracketed] words are said as written."


@pytest.mark.parametrize("kind", ["header", "closing header", "blank", "heading", "pause", "past the end"])
def test_preview_refuses_a_line_that_is_not_a_sentence(scripted: Path, kind: str) -> None:
    path = scripted / "output" / SLUG / "script.txt"
    lines = script_lines(scripted)
    end = header_end(lines)
    if kind == "pause":
        lines.insert(end + 1, "[pause 2s]")  # a pause as a person would add it
        path.write_text("\n".join(lines), encoding="utf-8")
    number, message = {
        "header": (3, "line 3 is part of the header, not a sentence"),
        "closing header": (end, f"line {end} is part of the header, not a sentence"),
        "blank": (first(lines, lambda line: line == "", end), "is blank, not a sentence"),
        "heading": (first(lines, lambda line: line.startswith("# ")), "is a heading ('# "),
        "pause": (end + 2, f"line {end + 2} is a pause ('[pause 2s]'), not a sentence"),
        "past the end": (len(lines) + 5, "does not exist: the script has"),
    }[kind]
    result = invoke(preview, [SLUG, "--line", str(number), "-o", "x.wav"])
    assert isinstance(result.exception, ScriptError), result.output
    assert message in str(result.exception)
    assert f"output/{SLUG}/script.txt" in str(result.exception)
    assert not (scripted / "x.wav").exists()


def test_preview_errors_are_one_line_messages(scripted: Path) -> None:
    result = run_cli(["preview", SLUG, "--line", "2"], scripted)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: output/{SLUG}/script.txt: line 2 is part of the header")
    assert len(result.stderr.splitlines()) == 1
    unknown = run_cli(["preview", "nope", "--line", "12"], scripted)
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: no essay with slug 'nope'")
    assert SLUG in unknown.stderr


def test_preview_without_a_script_says_how_to_write_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = make_workspace(tmp_path / "ws", ["notes-on-walking.txt"])
    monkeypatch.chdir(ws)
    result = invoke(preview, ["notes-on-walking", "--line", "11"])
    assert isinstance(result.exception, ScriptError)
    assert "there is no script yet" in str(result.exception)
    assert "audioessay script seeds/notes-on-walking.txt" in str(result.exception)


def test_preview_while_another_command_holds_the_workspace(scripted: Path) -> None:
    from audioessay.lock import workspace_lock

    number = header_end(script_lines(scripted)) + 1
    with workspace_lock(scripted / ".audioessay", "render"):
        result = invoke(preview, [SLUG, "--line", str(number), "-o", "busy.wav"])
    assert result.exit_code == 0, result.output
    assert seconds(scripted / "busy.wav") > 0.5
    assert TakeCache(scripted / ".audioessay" / "cache").size()[0] == 0  # never wrote under a render
    assert not list(Path(tempfile.gettempdir()).glob("audioessay-preview-*/take.wav"))


@pytest.mark.parametrize("cards, pulse, expected", [
    (["pcmC0D0p", "controlC0"], None, True),  # an ALSA card
    (["controlC0", "seq"], None, False),  # a card folder with nothing to play on
    ([], "unix:/run/pulse", True),  # a sound server named in the environment
    ([], None, False),
])
def test_an_audio_device_is_a_card_or_a_sound_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    cards: list[str], pulse: str | None, expected: bool) -> None:
    from audioessay.pipeline import listen

    snd = tmp_path / "snd"
    snd.mkdir()
    for name in cards:
        (snd / name).touch()
    real_path = listen.Path
    monkeypatch.setattr(listen, "Path", lambda p: snd if p == "/dev/snd" else real_path(p))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))
    if pulse:
        monkeypatch.setenv("PULSE_SERVER", pulse)
    else:
        monkeypatch.delenv("PULSE_SERVER", raising=False)
    assert listen.audio_device_present() is expected
