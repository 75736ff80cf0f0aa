"""Changing a script from the studio, exactly as a person with a text editor would.

Every change is one line replaced, inserted or deleted in ``script.txt``; every other byte of the
file (the header, the other lines, their line endings, a byte order mark) stays as it was, so a
script that round-trips through :func:`~audioessay.text.scriptfile.format_script` still does.
The new text must parse (an edit that would make the file unreadable is refused), and the
approval rules are the command line's: an edit to an approved script withdraws the approval
(:func:`~audioessay.text.scriptfile.withdraw_approval` rewrites ``status: approved`` to
``status: edited``, as the next ``script`` or ``render`` would), and approving records the body
as it is now.

**Nothing is overwritten unseen.** Each change names the sha256 of the file as the page last saw
it; if the file changed on disk since (a person saved it in an editor, ``script --force`` rewrote
it), the change is refused with :class:`ScriptChangedError` and the page says to reload. Every
write holds the workspace lock for the moment it takes, so a ``render`` started meanwhile from
the command line is refused as a second render would be, and a change while a render runs is
refused (:class:`~audioessay.lock.WorkspaceBusyError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from audioessay.errors import ScriptError
from audioessay.fsutil import atomic_write_text
from audioessay.lock import workspace_lock
from audioessay.models import Essay
from audioessay.studio.episodes import file_hash, script_file
from audioessay.studio.security import StudioRefusedError
from audioessay.text.scriptfile import (
    approve_script,
    build_script,
    format_seconds,
    parse_script,
    withdraw_approval,
    write_script,
)
from audioessay.workspace import Workspace

LOCK_NAME = "studio"  # what a refused command names as the lock's holder: "'audioessay studio' (pid N)"
_LINE_BREAKS = re.compile("[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_ENDINGS = re.compile(r"(\r\n|\r|\n)")
_ESCAPED_START = ("#", "[", "\\")


class ScriptChangedError(StudioRefusedError):
    """script.txt changed on disk since the page read it: the edit would overwrite that change."""

    def __init__(self, shown: str) -> None:
        super().__init__(f"{shown} changed on disk since this page read it; your change was not saved",
                         status=409, hint="reload the page to see the file as it is now, then make the change again")


@dataclass(frozen=True)
class LineEdit:
    """One change to a script's body.

    ``replace``: line ``line`` (a sentence) gets ``text``; ``pause``: line ``line`` (a pause) becomes
    ``seconds`` long; ``insert-sentence`` / ``insert-pause``: a new line after ``line``; ``delete``:
    line ``line`` (a sentence or a pause) goes."""

    op: Literal["replace", "pause", "insert-sentence", "insert-pause", "delete"]
    line: int
    text: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Saved:
    """The file after a change: its new hash, and whether the change withdrew an approval."""

    file_hash: str
    withdrew_approval: bool = False


def split_lines(text: str) -> list[list[str]]:
    """The file's lines as [content, ending] pairs (the last may have no ending)."""
    parts = _ENDINGS.split(text)
    pairs = [[parts[i], parts[i + 1] if i + 1 < len(parts) else ""] for i in range(0, len(parts), 2)]
    if pairs and pairs[-1] == ["", ""]:
        pairs.pop()  # the final newline ends the last line; it does not start another
    return pairs


def _sentence_line(text: str) -> str:
    """A sentence as a script line: one line, escaped as the format escapes it."""
    text = text.strip()
    if not text or _LINE_BREAKS.search(text):
        raise StudioRefusedError("a sentence is one line of text", status=400,
                                 hint="write the sentence on one line; add a pause with the pause button")
    return "\\" + text if text.startswith(_ESCAPED_START) else text


def _pause_line(seconds: float) -> str:
    try:
        return f"[pause {format_seconds(float(seconds))}]"
    except (ValueError, TypeError):
        raise StudioRefusedError(f"a pause is from 0.001 to 60 seconds, not {seconds!r}", status=400) from None


def _kind(content: str) -> str:
    line = content.strip()
    if not line:
        return "blank"
    return {"#": "heading", "[": "pause"}.get(line[0], "sentence")


def _applied(text: str, edit: LineEdit) -> str:
    """``text`` with ``edit`` made; refused when the line is not in the body or not of its kind."""
    lines = split_lines(text)
    header_end = next((i for i in range(1, len(lines)) if lines[i][0].rstrip() == "---"), len(lines))
    index = edit.line - 1
    if not header_end < index < len(lines):
        raise StudioRefusedError(f"line {edit.line} is not a line of the script's body", status=400,
                                 hint="reload the page")
    kind = _kind(lines[index][0])
    wanted = {"replace": ("sentence",), "pause": ("pause",)}.get(edit.op, ("sentence", "pause"))
    if kind not in wanted:
        raise StudioRefusedError(f"line {edit.line} is a {kind} line, not a {' or '.join(wanted)}", status=400,
                                 hint="reload the page")
    ending = lines[index][1] or next((e for _c, e in lines if e), "\n")
    if edit.op == "replace":
        lines[index][0] = _sentence_line(edit.text)
    elif edit.op == "pause":
        lines[index][0] = _pause_line(edit.seconds)
    elif edit.op == "delete":
        del lines[index]
        _drop_doubled_blank(lines, index)
    else:
        new = _sentence_line(edit.text) if edit.op == "insert-sentence" else _pause_line(edit.seconds)
        had_ending = bool(lines[index][1])  # the last line may have no newline: then neither has the new one
        lines[index][1] = ending
        lines.insert(index + 1, [new, ending if had_ending else ""])
    return "".join(content + end for content, end in lines)


def _drop_doubled_blank(lines: list[list[str]], index: int) -> None:
    """A deleted line that was a paragraph of its own leaves two blank lines: keep one."""
    before = index - 1
    if index < len(lines) and _kind(lines[index][0]) == "blank" and _kind(lines[before][0]) == "blank":
        del lines[index]
    elif index == len(lines) and _kind(lines[before][0]) == "blank":
        del lines[before]


def _read(path: Path, shown: str, expected: str) -> str:
    data = path.read_bytes()
    if file_hash(data) != expected:
        raise ScriptChangedError(shown)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScriptError("is not UTF-8 text", path=shown, hint="save it as UTF-8, or regenerate it") from None


def edit_script(ws: Workspace, slug: str, expected_hash: str, edit: LineEdit) -> Saved:
    """Make ``edit`` in the episode's script.txt, if the file is still the one the page read."""
    path = script_file(ws, slug)
    shown = ws.relative(path)
    with workspace_lock(ws.state, LOCK_NAME):
        text = _read(path, shown, expected_hash)
        new_text = _applied(text, edit)
        script = parse_script(new_text, shown)  # a ScriptError names the line: nothing is written
        atomic_write_text(path, new_text)
        withdrew = withdraw_approval(path, new_text, script)
        return Saved(file_hash(path.read_bytes()), withdrew)


def approve(ws: Workspace, essay: Essay, expected_hash: str) -> Saved:
    """``review SLUG --approve``: approve the script as it is now, for the essay as it is now."""
    path = script_file(ws, essay.slug)
    with workspace_lock(ws.state, LOCK_NAME):
        _read(path, ws.relative(path), expected_hash)
        approve_script(path, essay)
        return Saved(file_hash(path.read_bytes()))


def regenerate(ws: Workspace, essay: Essay, expected_hash: str) -> Saved:
    """``script --force``: write the script again from the essay as it is now; a backup is kept."""
    path = script_file(ws, essay.slug)
    with workspace_lock(ws.state, LOCK_NAME):
        _read(path, ws.relative(path), expected_hash)
        script, _decisions = build_script(essay, ws.config.text.language, ws.config.pronunciations)
        write_script(path, script, force=True)
        return Saved(file_hash(path.read_bytes()))
