"""What the studio shows: the show's episodes and one episode's script, line by line.

Only reads. Everything comes from the files a person could open (the essays, ``script.txt``,
``build.json``) and the same library functions the command line uses (``review``'s decisions,
``render``'s written forms), so the studio and the CLI never disagree about an episode.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from audioessay.errors import AudioessayError
from audioessay.models import Decision, Essay, Script, Sentence, VoiceSettings
from audioessay.pipeline.essays import is_sample, read_essays
from audioessay.pipeline.records import read_record
from audioessay.pipeline.report import BuildReport, VoiceOverrides
from audioessay.pipeline.verify import heard_wrong
from audioessay.text.memo import EssayMemo, ScriptMemo
from audioessay.text.scriptfile import HEADER_LINES, body_lines, build_script, read_script, status_of
from audioessay.text.written import pair_lines, with_written_forms
from audioessay.voice.cache import TakeCache, TakeRequest
from audioessay.workspace import Workspace


@dataclass(frozen=True)
class EpisodeRow:
    """One episode in the show list."""

    slug: str
    title: str
    source: str  # the essay, relative to the workspace
    state: str  # "no script", "draft", "edited", "approved" or "failed"
    stale: bool = False  # the essay changed since the script was written
    attention: int | None = None  # decisions marked '!' (None: not known without building the script)
    duration: float | None = None  # seconds, from build.json
    heard_wrong: int = 0  # takes the last render --verify still heard wrong (report.json)
    error: str = ""  # why the episode failed (reading its essay or script, or the studio's last render)
    sample: bool = False  # the sample essay from 'audioessay init': never published


@dataclass(frozen=True)
class Flag:
    """A decision the text stage made on a line (``review``'s), e.g. 1905 -> nineteen oh five."""

    original: str
    spoken: str
    rule: str
    attention: bool


@dataclass(frozen=True)
class BodyLine:
    """One line of the script body as the file holds it."""

    number: int  # 1-based line in script.txt
    kind: str  # "sentence", "pause", "heading" or "blank"
    line: str = ""  # the line as stored, without its escape: what the editor shows
    spoken: str = ""  # what the voice says (respellings resolved)
    written: str = ""  # what listeners read (the essay's words)
    flags: tuple[Flag, ...] = ()
    seconds: float = 0.0  # a pause's length
    cached: bool = False  # its take is in the take cache already

    @property
    def attention(self) -> bool:
        return any(flag.attention for flag in self.flags)


@dataclass(frozen=True)
class EpisodeView:
    """One episode's page."""

    row: EpisodeRow
    file_hash: str  # sha256 of script.txt's bytes: every edit names it, so none overwrites a newer file
    lines: tuple[BodyLine, ...]
    changes: tuple[str, ...] = ()  # a stale script: what changed in the essay (review's diff)
    has_audio: bool = False


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def essays_of(ws: Workspace) -> tuple[list[Essay], BuildReport]:
    """The workspace's essays with their slugs, and the report naming those that cannot be read."""
    report = BuildReport()
    return read_essays(ws, (), report, memo=EssayMemo(ws.state)), report


def show_rows(ws: Workspace, failures: Mapping[str, str]) -> list[EpisodeRow]:
    """Every essay's episode, in seeds/ order; ``failures`` (by essay source) from the studio's last render."""
    essays, report = essays_of(ws)
    memo = ScriptMemo(ws.state)
    rows = [_row(ws, essay, memo, failures.get(essay.source.as_posix(), "")) for essay in essays]
    rows += [EpisodeRow(slug="", title=error["source"], source=error["source"], state="failed",
                        error=error["message"]) for error in report.errors]
    return rows


def _row(ws: Workspace, essay: Essay, memo: ScriptMemo, failure: str) -> EpisodeRow:
    record = read_record(ws, essay.slug)
    base = EpisodeRow(slug=essay.slug, title=essay.title, source=essay.source.as_posix(), state="no script",
                      duration=record.duration if record else None, sample=is_sample(essay), error=failure,
                      heard_wrong=len(heard_wrong(ws, essay.slug)) if record else 0)
    if not ws.script_path(essay.slug).is_file():
        return base
    shown = ws.relative(ws.script_path(essay.slug))
    try:
        text, script = read_script(script_file(ws, essay.slug), shown)
    except AudioessayError as exc:
        return replace(base, state="failed", error=exc.format())
    status = status_of(text, script, essay)
    state = "approved" if status.approved else ("edited" if status.edited else "draft")
    attention = memo.attention(shown, script.header)
    if attention is None:
        attention = _attention(ws, essay)
    return replace(base, state="failed" if failure else state, stale=status.stale, attention=attention)


def _attention(ws: Workspace, essay: Essay) -> int | None:
    try:
        _script, decisions = build_script(essay, ws.config.text.language, ws.config.pronunciations)
    except AudioessayError:
        return None
    return sum(1 for d in decisions if d.attention)


# --------------------------------------------------------------------------- one episode


def episode_view(ws: Workspace, essay: Essay, row: EpisodeRow, settings: VoiceSettings | None,
                 engine_version: str | None) -> EpisodeView:
    """The episode's script beside its essay, with each line's decisions and written form.

    With ``settings`` and ``engine_version``, each sentence says whether its take is cached."""
    from audioessay.text.review import essay_changes

    path = script_file(ws, essay.slug)
    data = path.read_bytes()
    text, script = read_script(path, ws.relative(path))
    try:
        generated, decisions = build_script(essay, ws.config.text.language, ws.config.pronunciations)
    except AudioessayError:  # nothing left to read in the essay: shown as said, no decisions
        generated, decisions = script, []
    lines = _body_lines(text, with_written_forms(script, generated), _flags_by_sentence(script, generated, decisions))
    if settings is not None and engine_version is not None:
        lines = _with_cache_marks(ws, lines, settings, engine_version)
    changes: tuple[str, ...] = ()
    if row.stale:
        changes = tuple(essay_changes(ws.state, essay.slug, script.header, ws.root / essay.source))
    record = read_record(ws, essay.slug)
    return EpisodeView(row=row, file_hash=file_hash(data), lines=tuple(lines), changes=changes,
                       has_audio=record is not None)


def plain_lines(ws: Workspace, slug: str) -> tuple[str, tuple[BodyLine, ...]]:
    """The file's hash and its body lines, without written forms or decisions: all that playing a
    sentence needs, without building the script from the essay again."""
    path = script_file(ws, slug)
    data = path.read_bytes()
    text, script = read_script(path, ws.relative(path))
    return file_hash(data), tuple(_body_lines(text, script, {}))


def _sentences(script: Script) -> list[Sentence]:
    return [item for section in script.sections for paragraph in section.paragraphs
            for item in paragraph.items if isinstance(item, Sentence)]


def _flags_by_sentence(script: Script, generated: Script, decisions: list[Decision]) -> dict[int, tuple[Flag, ...]]:
    """Sentence index in the file -> the decisions made for the generated sentence it comes from
    (a reworded line keeps its decisions, as ``review`` places them)."""
    index_of_line: dict[int, int] = {}
    count = 0
    for number, (_line, item) in enumerate(body_lines(generated), start=HEADER_LINES + 1):
        if isinstance(item, Sentence):
            index_of_line[number] = count
            count += 1
    by_generated: dict[int, list[Flag]] = {}
    for d in decisions:
        if d.line in index_of_line:
            by_generated.setdefault(index_of_line[d.line], []).append(Flag(d.original, d.spoken, d.rule, d.attention))
    made = [s.text for s in _sentences(generated)]
    mine = [s.line if s.line is not None else s.text for s in _sentences(script)]
    pairs = pair_lines(made, mine)
    return {mine_index: tuple(by_generated.get(made_index, ())) for mine_index, made_index in pairs.items()}


def _body_lines(text: str, script: Script, flags: dict[int, tuple[Flag, ...]]) -> list[BodyLine]:
    """Each body line of the file, matched with the parsed script's items in order."""
    from audioessay.models import Pause

    raw = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    header_end = next(i for i in range(1, len(raw)) if raw[i].rstrip() == "---")  # read_script checked it
    sentences = iter(enumerate(_sentences(script)))
    pauses = iter([item for section in script.sections for paragraph in section.paragraphs
                   for item in paragraph.items if isinstance(item, Pause)])
    out: list[BodyLine] = []
    for index in range(header_end + 1, len(raw)):
        line, number = raw[index].strip(), index + 1
        if not line:
            out.append(BodyLine(number, "blank"))
        elif line.startswith("#"):
            out.append(BodyLine(number, "heading", line=line.lstrip("#").strip()))
        elif line.startswith("["):
            out.append(BodyLine(number, "pause", line=line, seconds=next(pauses).seconds))
        else:
            position, sentence = next(sentences)
            out.append(BodyLine(number, "sentence", line=line[1:].strip() if line.startswith("\\") else line,
                                spoken=sentence.text, written=sentence.shown, flags=flags.get(position, ())))
    return out


def _with_cache_marks(ws: Workspace, lines: list[BodyLine], settings: VoiceSettings,
                      engine_version: str) -> list[BodyLine]:
    cache = TakeCache(ws.cache)
    return [replace(line, cached=cache.path(TakeRequest(line.spoken, settings, engine_version).key).is_file())
            if line.kind == "sentence" else line for line in lines]


def essay_settings(ws: Workspace, essay: Essay) -> VoiceSettings:
    """The voice render narrates the essay with (config, then front matter)."""
    from audioessay.pipeline.plan import voice_settings

    return voice_settings(ws, essay, VoiceOverrides())


def find_row(rows: list[EpisodeRow], slug: str) -> EpisodeRow:
    return next(row for row in rows if row.slug == slug)


def script_file(ws: Workspace, slug: str) -> Path:
    """The episode's script.txt, resolved and checked to be inside the workspace."""
    from audioessay.studio.security import inside

    return inside(ws.root, ws.script_path(slug))
