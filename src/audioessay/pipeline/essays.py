"""Reading essays and writing their scripts: the first stage of every run."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from audioessay.errors import AudioessayError, EssayError, ScriptError
from audioessay.models import Essay, Script
from audioessay.pipeline.report import BuildReport, EpisodeResult, bug
from audioessay.publish.ledger import Ledger
from audioessay.text.memo import EssayMemo, ScriptMemo
from audioessay.text.read import read_essay, shown_path
from audioessay.text.scriptfile import (
    WriteKind,
    WriteOutcome,
    build_script,
    built_from,
    current_outcome,
    read_script,
    script_settings,
    status_of,
    write_script,
)
from audioessay.workspace import Workspace


def essay_paths(ws: Workspace, paths: Sequence[Path]) -> list[Path]:
    """The essays to work on: the given files (folders are searched), or everything in seeds/.

    An episode's script file (``output/<slug>/script.txt``, as messages name it) and an episode's
    slug (as ``review`` and ``preview`` take) stand for its essay."""
    if not paths:
        return ws.essay_paths()
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".md", ".txt")))
        elif path.name == "script.txt" and path.resolve().parent.parent == ws.output.resolve():
            found.extend(_by_slug(ws, path.resolve().parent.name) or [path])
        elif not path.exists() and len(path.parts) == 1 and not path.suffix:
            found.extend(_by_slug(ws, path.name) or [path])
        else:
            found.append(path)
    return _once(found)


def _once(paths: list[Path]) -> list[Path]:
    """``paths`` without repeats: the same file given twice (or as seeds/x.md and ./seeds/x.md)
    is one essay, never two episodes."""
    seen: set[Path] = set()
    unique = []
    for path in paths:
        key = path.resolve() if path.exists() else path
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _by_slug(ws: Workspace, slug: str) -> list[Path]:
    return [ws.root / e.source for e in read_essays(ws, (), BuildReport()) if e.slug == slug]


def read_essays(ws: Workspace, paths: Sequence[Path], report: BuildReport,
                fail_fast: bool = False, memo: EssayMemo | None = None, ledger: Ledger | None = None) -> list[Essay]:
    """Read every essay (with ``fail_fast``, until one fails); failures go into the report. Each
    gets its own slug (:func:`~audioessay.pipeline.identity.settle_slugs`, by ``ledger``, else the
    workspace's). ``memo``: essays whose bytes did not change are not parsed again
    (:mod:`audioessay.text.memo`)."""
    from audioessay.pipeline.identity import open_ledger, present_sources, settle_slugs

    essays = []
    for path in essay_paths(ws, paths):
        try:
            if not path.exists() and path.is_symlink():
                raise EssayError("is a symbolic link to nothing (its target is missing, or the link loops)",
                                 path=_shown(ws, path), hint="fix the link, or remove it from seeds/")
            if not path.exists():
                raise EssayError("no such file, and no essay has that slug", path=path,
                                 hint="give an essay's file or its slug (see 'audioessay script')")
            essays.append(read_essay(path.resolve(), ws.root, ws.config.text.max_bytes, memo))
        except Exception as exc:  # one essay never stops the others, even through a bug
            report.fail(_shown(ws, path), exc if isinstance(exc, AudioessayError) else bug(exc))
            if fail_fast:
                break
    known = ledger if ledger is not None else open_ledger(ws).ledger
    return settle_slugs(essays, known, present_sources(ws, essays))


def _shown(ws: Workspace, path: Path) -> str:
    """The path as messages and --json show it: one printable line, even for a file name with a
    line break or bytes that are not UTF-8."""
    absolute = Path(os.path.abspath(path))  # not resolved: a link is shown as itself
    inside = absolute.is_relative_to(ws.root)
    return shown_path(absolute.relative_to(ws.root).as_posix() if inside else str(path))


def find_essay(ws: Workspace, slug: str) -> Essay:
    """The essay in seeds/ whose slug is ``slug``, or an error listing the known slugs."""
    essays = read_essays(ws, (), BuildReport(), memo=EssayMemo(ws.state))  # only read: no lock is held
    for essay in essays:
        if essay.slug == slug:
            return essay
    known = ", ".join(e.slug for e in essays) or "none"
    raise AudioessayError(f"no essay with slug '{slug}'", hint=f"known slugs: {known}")


def is_sample(essay: Essay) -> bool:
    """Whether the essay is the sample 'audioessay init' wrote (front matter ``sample: true``): it
    shows how scripts work, but is not published unless that line is removed."""
    return dict(essay.meta).get("sample") is True


SAMPLE_NOTE = ("{source} is the sample essay from 'audioessay init': it is not published "
               "(to publish it, remove 'sample: true' from its front matter; or delete it)")


def lexicon(ws: Workspace) -> dict[str, str]:
    return ws.config.pronunciations


def make_script(ws: Workspace, essay: Essay, force: bool,
                memo: ScriptMemo | None = None) -> tuple[Script, EpisodeResult]:
    """Write (or keep) the essay's script file and return the script that render will narrate.

    With a ``memo``, a script file that this code built from the same essay and settings is used
    as it is, without building the script again to compare (see :func:`_current_script`)."""
    path = ws.script_path(essay.slug)
    shown = ws.relative(path)
    if memo is not None and not force:
        current = _current_script(ws, essay, path, shown, memo)
        if current is not None:
            return current
    script, decisions = build_script(essay, ws.config.text.language, lexicon(ws))
    try:
        outcome = write_script(path, script, force=force)
    except ScriptError as exc:  # the same message, with workspace-relative paths
        root = str(ws.root) + "/"
        raise ScriptError(exc.message.replace(root, ""), path=shown,
                          hint=exc.hint.replace(root, "") if exc.hint else None) from None
    attention = sum(1 for d in decisions if d.attention)
    if memo is not None:
        memo.put(shown, script.header, attention)
    text, on_disk = read_script(path, shown)  # read once: the script and its status
    return on_disk, _script_result(ws, essay, shown, attention, outcome, text, on_disk)


def _current_script(ws: Workspace, essay: Essay, path: Path, shown: str,
                    memo: ScriptMemo) -> tuple[Script, EpisodeResult] | None:
    """The script on disk and its result when building it again would change nothing: its header
    names this essay (path, bytes, title) and the language and lexicon, and ``memo`` says this code
    built exactly that header (body hash included) last time. A person's edit or approval stays
    as it is, as :func:`write_script` would keep it. None when the script must be built: missing,
    unreadable, stale, or built by other code."""
    try:
        text, on_disk = read_script(path, shown)
    except ScriptError:
        return None  # the full path writes it, or says what is wrong with it
    attention = memo.attention(shown, on_disk.header)
    settings = script_settings(ws.config.text.language, lexicon(ws))
    if attention is None or not built_from(on_disk.header, essay, settings):
        return None
    outcome = current_outcome(path, text, on_disk)
    return on_disk, _script_result(ws, essay, shown, attention, outcome, text, on_disk)


def _script_result(ws: Workspace, essay: Essay, shown: str, attention: int, outcome: WriteOutcome,
                   text: str, on_disk: Script) -> EpisodeResult:
    """The episode's row: the script's review status, whether it is stale, and at most one note.

    An approved script that is up to date needs no note. A script edited by hand and not approved
    gets one note that suggests approving it (never ``--force``, which discards the edit). A stale
    one (kept, because a person edited or approved it, although its essay changed) says so and
    points at ``audioessay review SLUG``, which shows what changed. A script written from the essay
    as it is now has a copy of the essay kept, for that diff (:func:`~audioessay.text.review.keep_essay_copy`)."""
    from audioessay.text.review import keep_essay_copy

    status = status_of(text, on_disk, essay)
    if not status.stale:
        keep_essay_copy(ws.state, essay.slug, ws.root / essay.source, on_disk.header.source_sha256)
    notes = []
    if outcome.kind == WriteKind.STALE:
        owner = "edited by hand" if status.edited else "approved"
        notes.append(f"{shown} is stale: it was {owner}, and the essay {essay.source.as_posix()} changed since, "
                     f"so it is kept and render narrates it as it is; see what changed with "
                     f"'audioessay review {essay.slug}', then merge by hand and approve it, or run "
                     f"'audioessay script --force {shown}' to regenerate it (a backup will be kept)")
    elif outcome.kind == WriteKind.KEPT_EDITED:
        if not status.approved:
            notes.append(f"kept {shown}: it was edited by hand and is not approved; "
                         f"if it reads right, approve it with 'audioessay review {essay.slug} --approve'")
    elif outcome.message and outcome.kind != WriteKind.UNCHANGED:
        notes.append(outcome.message.replace(str(ws.root) + "/", ""))
    return EpisodeResult(source=essay.source.as_posix(), slug=essay.slug, title=essay.title, script=shown,
                         attention=attention, notes=notes, stale=status.stale,
                         status="approved" if status.approved else ("edited" if status.edited else "draft"))


class Memos:
    """The essay and script memos of one run (:mod:`audioessay.text.memo`); only a run holding
    the workspace lock saves them."""

    def __init__(self, ws: Workspace) -> None:
        self.essays = EssayMemo(ws.state)
        self.scripts = ScriptMemo(ws.state)
        self.scripts_used: set[str] = set()

    def save(self, essays: list[Essay], every: bool) -> None:
        """Save both; ``every``: the run read all of seeds/, so entries for essays it did not see
        (deleted, renamed) are dropped."""
        if every:
            self.essays.keep_only(e.source.as_posix() for e in essays)
            self.scripts.keep_only(self.scripts_used)
        self.essays.save()
        self.scripts.save()


def write_scripts(ws: Workspace, paths: Sequence[Path], force: bool = False, fail_fast: bool = False) -> BuildReport:
    """``audioessay script``: write each essay's narration script."""
    from audioessay.pipeline.partials import remove_partials

    report = BuildReport()
    remove_partials(ws)  # left by a killed run; the caller holds the workspace lock
    memos = Memos(ws)
    essays = read_essays(ws, paths, report, fail_fast=fail_fast, memo=memos.essays)
    for essay in essays:
        try:
            _script, result = make_script(ws, essay, force, memos.scripts)
            memos.scripts_used.add(result.script)
            report.episodes.append(result)
        except Exception as exc:  # one essay never stops the others, even through a bug
            report.fail(essay.source.as_posix(), exc if isinstance(exc, AudioessayError) else bug(exc))
        if fail_fast and report.errors:
            break
    memos.save(essays, every=not paths and not (fail_fast and report.errors))
    return report
