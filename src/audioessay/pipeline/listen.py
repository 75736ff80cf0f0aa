"""Hearing one sentence before rendering an episode (``audioessay say`` and ``preview``).

``say`` checks how any text will be pronounced: it is normalized exactly as a script line
would be (numbers, dates, the workspace's ``[pronunciations]``) and narrated with the
workspace's voice. ``preview`` narrates one line of an essay's script with that essay's voice
settings, through the take cache, so a later ``render`` reuses the take.

Library code: it raises, never prints; the click commands (:mod:`audioessay.cli.listen`) only
parse options and report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from audioessay.errors import AudioessayError, NarrationError, ScriptError
from audioessay.models import Essay, VoiceSettings
from audioessay.workspace import CONFIG_NAME, Config, Workspace, load_workspace

# Tried in this order; each is (command, options before the file name).
PLAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("aplay", ("-q",)),
    ("paplay", ()),
    ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "error")),
    ("afplay", ()),
)
FALLBACK_NAME = "say.wav"
OUT_SUFFIXES = (".wav", ".mp3")

# ``say`` has no essay: its voice comes from the config and the command line only.
_NO_FRONT_MATTER = Essay(source=Path("say"), source_sha256="", slug="say", title="", blocks=())


@dataclass(frozen=True)
class Delivery:
    """Where the audio went: written to ``path``, or played by ``player``."""

    path: Path | None = None
    player: str | None = None
    note: str = ""  # why it was written instead of played, if it was


def workspace_or_defaults(folder: Path) -> Workspace:
    """The workspace in ``folder``, or the default configuration when there is none there."""
    if (folder / CONFIG_NAME).is_file():
        return load_workspace(folder)
    return Workspace(root=folder.resolve(), config=Config())


def spoken_sentences(text: str, ws: Workspace) -> list[str]:
    """``text`` as script lines: split into sentences, each normalized for speech as ``script`` does."""
    from audioessay.text.sentences import split_sentences
    from audioessay.text.speak import speak

    lines = []
    for written in split_sentences(text, ws.config.text.language):
        said = " ".join(speak(written, ws.config.text.language, ws.config.pronunciations)[0].split())
        if said:
            lines.append(said)
    if not lines:
        raise AudioessayError("there is nothing to say in that text",
                              hint="give words or numbers; links and emoji are never spoken")
    return lines


def say_settings(ws: Workspace, engine: str | None, voice: str | None, rate: int | None) -> VoiceSettings:
    """The workspace's voice with the command line's choices on top (no front matter)."""
    from audioessay.pipeline.plan import voice_settings
    from audioessay.pipeline.report import VoiceOverrides

    return voice_settings(ws, _NO_FRONT_MATTER, VoiceOverrides(engine, voice, rate))


def synthesize_to(text: str, settings: VoiceSettings, out: Path) -> None:
    """Narrate ``text`` into the WAV file ``out`` with the engine the settings name."""
    from audioessay.voice.cache import wav_frames
    from audioessay.voice.engine import require_available

    require_available(settings.engine).synthesize(text, settings, out)
    if wav_frames(out) is None:
        raise NarrationError(f"engine '{settings.engine}' wrote an empty or unreadable take")


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class ScriptLine:
    """One sentence line of a script, and the essay it belongs to."""

    essay: Essay
    script: str  # the script's path relative to the workspace
    number: int  # 1-based line in the file
    text: str  # exactly what render narrates for that line


def script_line(ws: Workspace, slug: str, number: int) -> ScriptLine:
    """Line ``number`` of the essay's script, which must be a sentence (not header, heading,
    pause or blank)."""
    from audioessay.pipeline.essays import find_essay
    from audioessay.text.scriptfile import read_script

    essay = find_essay(ws, slug)
    path = ws.script_path(slug)
    rel = ws.relative(path)
    if not path.is_file():
        raise ScriptError("there is no script yet", path=rel,
                          hint=f"write it with 'audioessay script {essay.source.as_posix()}'")
    text, script = read_script(path)  # a malformed script is reported with its own line
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header_end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")  # read_script checked it
    pick = "pick a sentence line (see the file), e.g. with --line " + str(header_end + 2)
    if not 1 <= number <= len(lines):
        raise ScriptError(f"line {number} does not exist: the script has {len(lines)} lines", path=rel, hint=pick)
    index = number - 1
    line = lines[index].strip()
    what = None
    if index <= header_end:
        what = "is part of the header"
    elif not line:
        what = "is blank"
    elif line.startswith("#"):
        what = f"is a heading ({line!r})"
    elif line.startswith("["):
        what = f"is a pause ({line!r})"
    if what:
        raise ScriptError(f"line {number} {what}, not a sentence", path=rel, hint=pick)
    # The sentence's position among the body's sentence lines picks the parsed sentence, so the
    # text is exactly what render narrates (escapes removed).
    position = sum(1 for raw in lines[header_end + 1 : index]
                   if raw.strip() and not raw.strip().startswith(("#", "[")))
    return ScriptLine(essay=essay, script=rel, number=number, text=script.sentences()[position])


def preview_take(ws: Workspace, line: ScriptLine, settings: VoiceSettings) -> tuple[Path, bool]:
    """The take render would use for ``line``: from the take cache, or narrated now and stored
    there (when no other command holds the workspace). Returns (take, narrated_now)."""
    from audioessay.lock import WorkspaceBusyError, workspace_lock
    from audioessay.voice.cache import TakeCache, TakeRequest
    from audioessay.voice.engine import require_available

    cache = TakeCache(ws.cache)
    key = TakeRequest(line.text, settings, require_available(settings.engine).version()).key
    cached = cache.get(key)
    if cached is not None:
        return cached, False
    try:
        with workspace_lock(ws.state, "preview"):
            temp = cache.temp_path(key)
            try:
                synthesize_to(line.text, settings, temp)
                return cache.commit(key, temp), True
            finally:
                temp.unlink(missing_ok=True)
    except WorkspaceBusyError:
        # A render may be cleaning the cache's temporary files: narrate outside it instead.
        private = Path(tempfile.mkdtemp(prefix="audioessay-preview-")) / "take.wav"
        synthesize_to(line.text, settings, private)
        return private, True


# --------------------------------------------------------------------------- output


def write_audio(wav: Path, out: Path) -> Path:
    """Copy the WAV ``wav`` to ``out`` (.wav), or encode it (.mp3, with ffmpeg); atomic."""
    from audioessay.fsutil import temp_sibling

    out = Path(out)
    if out.suffix.lower() not in OUT_SUFFIXES:
        raise AudioessayError(f"cannot write {out.name}: the file name must end in .wav or .mp3", path=out)
    try:
        temp = temp_sibling(out)
    except OSError as exc:
        raise AudioessayError(f"cannot write there: {exc.strerror}", path=out,
                              hint="choose a folder you can write to") from None
    try:
        if out.suffix.lower() == ".wav":
            shutil.copyfile(wav, temp)
        else:
            from audioessay.master.ffmpeg import file_arg, run_ffmpeg

            run_ffmpeg(["-i", file_arg(wav), "-ac", "1", "-c:a", "libmp3lame", "-b:a", "128k",
                        "-f", "mp3", "-y", file_arg(temp)], what=f"encoding {out.name}")
        os.replace(temp, out)
    except OSError as exc:
        raise AudioessayError(f"cannot write there: {exc.strerror}", path=out,
                              hint="choose a folder you can write to") from None
    finally:
        temp.unlink(missing_ok=True)
    return out


def _seconds(wav: Path) -> float:
    import wave

    with wave.open(str(wav), "rb") as handle:
        return handle.getnframes() / handle.getframerate()


def play(wav: Path, fallback: Path) -> Delivery:
    """Play ``wav`` with the first player that works; if none does, write it to ``fallback``."""
    seconds = _seconds(wav)
    failures = []
    for name, options in PLAYERS:
        command = shutil.which(name)
        if command is None:
            continue
        started = time.monotonic()
        try:
            result = subprocess.run([command, *options, str(wav)], stdin=subprocess.DEVNULL,
                                    capture_output=True, text=True, timeout=seconds + 30, check=False)
        except subprocess.TimeoutExpired:
            failures.append(f"{name} did not finish")
            continue
        elapsed = time.monotonic() - started
        # ffplay exits 0 even when it cannot open an audio device: a player that returns much
        # sooner than the audio lasts did not play it.
        if result.returncode == 0 and elapsed >= 0.5 * seconds:
            return Delivery(player=name)
        reason = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
        failures.append(f"{name}: {reason}")
    return Delivery(path=write_audio(wav, fallback), note=_why_not_played(failures))


def _why_not_played(failures: list[str]) -> str:
    """The real reason first: on a machine without sound the players' own messages (ffplay's
    above all) would blame the player."""
    if not failures:
        return "no audio player found (" + ", ".join(name for name, _ in PLAYERS) + ")"
    if not audio_device_present():
        return "this machine has no audio device (no sound card or sound server), so nothing could play it"
    return "could not play it (" + "; ".join(failures) + ")"


def audio_device_present() -> bool:
    """Whether anything could make a sound here: an ALSA sound card, or a PulseAudio or PipeWire
    server (by its variable or its socket)."""
    cards = Path("/dev/snd")
    if cards.is_dir() and any(entry.name.startswith("pcm") for entry in cards.iterdir()):
        return True
    if os.environ.get("PULSE_SERVER"):
        return True
    runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}")
    return any((runtime / name).exists() for name in ("pulse/native", "pipewire-0"))


def deliver(wav: Path, out: Path | None, fallback: Path) -> Delivery:
    """Write ``wav`` to ``out`` when given, else play it (writing ``fallback`` if nothing plays)."""
    if out is not None:
        return Delivery(path=write_audio(wav, out))
    return play(wav, fallback)
