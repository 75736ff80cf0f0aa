"""One episode's verdicts, and where each sentence is in its script file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audioessay.verify.check import TakeVerdict, episode_wer


@dataclass(frozen=True)
class EpisodeVerdict:
    """Every take of one episode heard back."""

    slug: str
    script: str  # the script's path, relative to the workspace
    takes: tuple[TakeVerdict, ...]
    model: str  # the recognizer model's name ("base", "tiny.en")
    missing: tuple[str, ...] = ()  # where the takes not narrated yet are ("line 12")

    @property
    def wer(self) -> float:
        """Pooled word error rate of the episode's takes."""
        return episode_wer(self.takes)

    @property
    def flagged(self) -> tuple[TakeVerdict, ...]:
        return tuple(take for take in self.takes if take.flagged)

    def to_json(self) -> dict[str, Any]:
        """The episode as ``verify --json`` prints it."""
        return {
            "slug": self.slug, "script": self.script, "model": self.model, "wer": round(self.wer, 4),
            "takes": len(self.takes), "flagged": len(self.flagged), "missing": list(self.missing),
            "verdicts": [{"where": t.where, "key": t.key, "text": t.text, "heard": t.heard, "words": t.words,
                          "errors": t.errors, "wer": round(t.wer, 4), "flagged": t.flagged, "reason": t.reason,
                          "differences": list(t.differences)} for t in self.takes],
        }


def sentence_lines(script_text: str) -> list[int]:
    """The 1-based line numbers of a script file's sentence lines, in order (the lines that are
    neither header, blank, heading nor pause: the ones ``Script.sentences()`` reads)."""
    lines = script_text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    markers = [i for i, line in enumerate(lines) if line.rstrip() == "---"]
    body_start = markers[1] + 1 if len(markers) >= 2 and markers[0] == 0 else 0
    return [number for number, line in enumerate(lines[body_start:], start=body_start + 1)
            if line.strip() and not line.strip().startswith(("#", "["))]
