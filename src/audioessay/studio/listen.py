"""Hearing a sentence, and following the episode: takes on demand and the episode's cues.

A sentence is narrated into the same take cache ``render`` uses, keyed by the same request
(:class:`~audioessay.voice.cache.TakeRequest`), so a later render reuses it; this is what
``audioessay preview`` does (:func:`audioessay.pipeline.listen.preview_take`), including its
answer to a render holding the workspace: the take is then narrated into a private file and not
kept. One thread does all the narrating: an engine such as pyttsx3 keeps its state per process
and must not be driven from two threads at once.
"""

from __future__ import annotations

import concurrent.futures as cf
import difflib
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from audioessay.models import VoiceSettings
from audioessay.studio.episodes import BodyLine
from audioessay.studio.security import StudioRefusedError
from audioessay.voice.cache import TakeCache, TakeRequest
from audioessay.workspace import Workspace

_TIMING = re.compile(r"^(\d+):(\d{2}):(\d{2})\.(\d{3}) --> (\d+):(\d{2}):(\d{2})\.(\d{3})")
_NOT_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Take:
    """A sentence's audio: a cache entry, or (``private``) a file only this request may use."""

    path: Path
    narrated: bool  # narrated for this request (False: it was in the cache)
    private: bool = False  # not in the cache (a render held the workspace): delete it once sent


class Narrator:
    """Narrates takes on one thread, and knows each engine's version (part of every take's key)."""

    def __init__(self) -> None:
        self._thread = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-narrator")
        self._versions: dict[str, str] = {}
        self._lock = threading.Lock()

    def version(self, engine: str) -> str:
        from audioessay.voice.engine import require_available

        with self._lock:
            if engine not in self._versions:
                self._versions[engine] = require_available(engine).version()
            return self._versions[engine]

    def take(self, ws: Workspace, text: str, settings: VoiceSettings) -> Take:
        """The take render would use for ``text``: from the cache, or narrated now."""
        key = TakeRequest(text, settings, self.version(settings.engine)).key
        cached = TakeCache(ws.cache).get(key)
        if cached is not None:
            return Take(cached, narrated=False)
        return self._thread.submit(_narrate, ws, key, text, settings).result()

    def close(self) -> None:
        self._thread.shutdown(wait=True, cancel_futures=True)


def _narrate(ws: Workspace, key: str, text: str, settings: VoiceSettings) -> Take:
    from audioessay.lock import WorkspaceBusyError, workspace_lock
    from audioessay.pipeline.listen import synthesize_to

    cache = TakeCache(ws.cache)
    cached = cache.get(key)  # asked twice while the first was being narrated
    if cached is not None:
        return Take(cached, narrated=False)
    try:
        with workspace_lock(ws.state, "studio"):
            temp = cache.temp_path(key)
            try:
                synthesize_to(text, settings, temp)
                return Take(cache.commit(key, temp), narrated=True)
            finally:
                temp.unlink(missing_ok=True)
    except WorkspaceBusyError:
        # A render may be cleaning the cache's temporary files: narrate outside it, as preview does.
        private = Path(tempfile.mkdtemp(prefix="audioessay-studio-")) / "take.wav"
        synthesize_to(text, settings, private)
        return Take(private, narrated=True, private=True)


def discard(take: Take) -> None:
    """Remove a private take once it was read."""
    if take.private:
        shutil.rmtree(take.path.parent, ignore_errors=True)


def sentence_at(lines: tuple[BodyLine, ...], number: int) -> BodyLine:
    """The sentence on line ``number``; refused when that line is not a sentence."""
    for line in lines:
        if line.number == number:
            if line.kind != "sentence":
                break
            return line
    raise StudioRefusedError(f"line {number} is not a sentence of the script", status=404, hint="reload the page")


# --------------------------------------------------------------------------- the episode's cues


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def read_cues(vtt: str) -> list[Cue]:
    """The cues of a WebVTT file as ``master`` writes it (timings, then the cue's text lines)."""
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", vtt.replace("\r\n", "\n")):
        lines = block.strip().split("\n")
        for index, line in enumerate(lines):
            timing = _TIMING.match(line)
            if timing:
                g = [int(x) for x in timing.groups()]
                start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
                end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
                text = " ".join(lines[index + 1:]).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                cues.append(Cue(start, end, text))
                break
    return cues


def _key(word: str) -> str:
    return _NOT_WORD.sub("", word.casefold()) or word


def cue_lines(cues: list[Cue], lines: tuple[BodyLine, ...]) -> list[tuple[float, float, int]]:
    """Each cue's (start, end, script line): the captions show each sentence's written form, so
    their words are matched with the sentences' written forms in order. A cue of the announcement
    or the outro (not in the script) gets line 0."""
    cue_words = [(index, _key(w)) for index, cue in enumerate(cues) for w in cue.text.split()]
    said = [(line.number, _key(w)) for line in lines if line.kind == "sentence" for w in line.written.split()]
    matcher = difflib.SequenceMatcher(None, [w for _i, w in cue_words], [w for _n, w in said], autojunk=False)
    line_of_cue: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            line_of_cue.setdefault(cue_words[block.a + offset][0], said[block.b + offset][0])
    return [(cue.start, cue.end, line_of_cue.get(index, 0)) for index, cue in enumerate(cues)]
