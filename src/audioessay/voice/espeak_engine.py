"""espeak-ng called as a command: a robust alternative to pyttsx3 with the same voices."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from audioessay.errors import NarrationError, ToolMissingError
from audioessay.fsutil import disk_full, no_space_message
from audioessay.models import VoiceSettings
from audioessay.system import espeak_ng_path, find_command, install_hint
from audioessay.voice.engine import (
    ESPEAK_WORD_GAP,
    UNKNOWN_VOICE_HINT,
    Availability,
    VoiceInfo,
    engine_text,
    espeak_voice,
    variant_names,
    voice_names,
)

TIMEOUT = 120.0


class EspeakEngine:
    """Runs ``espeak-ng -w FILE`` with the text on stdin (text never becomes an option)."""

    name = "espeak-ng"

    def __init__(self) -> None:
        self._voice_names: set[str] | None = None
        self._variants: dict[str, str] | None = None

    def _command(self) -> str:
        return espeak_ng_path()

    def availability(self) -> Availability:
        if find_command("espeak-ng") is None:
            return Availability(False, "the espeak-ng command is not on PATH", install_hint("espeak-ng"))
        return Availability(True)

    def _query(self, option: str) -> str:
        """Output of ``espeak-ng OPTION``; a hang or failure is a one-line error, not a traceback."""
        try:
            result = subprocess.run([self._command(), option], check=False, capture_output=True, text=True,
                                    timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ToolMissingError(f"espeak-ng {option} did not run: {exc}", hint=install_hint("espeak-ng")) from None
        if result.returncode != 0:
            raise ToolMissingError(f"espeak-ng {option} failed: {result.stderr.strip()}",
                                   hint=install_hint("espeak-ng"))
        return result.stdout

    def version(self) -> str:
        stdout = self._query("--version")
        match = re.search(r"\d+\.\d+(\.\d+)?", stdout)
        return f"espeak-ng-{match.group(0) if match else 'unknown'}/gap{ESPEAK_WORD_GAP}"

    def _listing(self, option: str) -> list[list[str]]:
        """The rows of ``espeak-ng --voices...`` (priority, language, age/gender, name, file, ...)."""
        rows = [line.split() for line in self._query(option).splitlines()[1:]]
        return [fields for fields in rows if len(fields) >= 5]

    def voices(self) -> list[VoiceInfo]:
        found = []
        for fields in self._listing("--voices"):
            gender = {"M": "Male", "F": "Female"}.get(fields[2].split("/")[-1], "")
            found.append(VoiceInfo(id=fields[4], name=fields[3], language=fields[1], gender=gender))
        return found

    def synthesize(self, text: str, settings: VoiceSettings, out: Path) -> None:
        if self._voice_names is None or self._variants is None:
            self._voice_names = voice_names(self.voices())
            self._variants = variant_names(fields[4] for fields in self._listing("--voices=variant"))
        voice = espeak_voice(settings.voice, self._voice_names, self._variants)
        if voice is None:
            raise NarrationError(f"unknown voice '{settings.voice}' for engine espeak-ng", hint=UNKNOWN_VOICE_HINT)
        amplitude = str(round(settings.volume * 100))
        args = [self._command(), "-v", voice, "-s", str(settings.rate), "-a", amplitude,
                "-g", str(ESPEAK_WORD_GAP), "-w", str(out)]
        try:
            result = subprocess.run(args, check=False, input=engine_text(settings, text).encode("utf-8"),
                                    capture_output=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise NarrationError(f"espeak-ng timed out on: {text[:60]!r}") from None
        if result.returncode != 0:
            message = result.stderr.decode(errors="replace").strip()
            if no_space_message(message):
                raise disk_full(out)
            raise NarrationError(f"espeak-ng failed: {message}")
