"""``audioessay review``: every choice the text stage made for one essay, with its script line.

The decisions are recomputed from the essay (they are not stored in the script), so the
review always matches what ``audioessay script`` would write now. When a person edited
the script, each decision is looked up by its spoken text in the file as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from audioessay.models import Essay
from audioessay.text.scriptfile import (
    HEADER_LINES,
    ScriptStatus,
    body_lines,
    build_script,
    read_script,
    script_status,
)


@dataclass(frozen=True)
class ReviewItem:
    line: int  # 1-based line in the script file; 0 when the sentence is no longer there
    original: str
    spoken: str
    rule: str
    attention: bool
    sentence: str = ""  # the whole spoken line, to find it again after edits


def review_lines(
    essay: Essay, script_path: Path, *, language: str = "en", lexicon: Mapping[str, str] | None = None,
) -> list[ReviewItem]:
    """Every text-stage decision for ``essay``, placed on its line in ``script_path``.

    ``language`` and ``lexicon`` must be what ``audioessay script`` uses (the config's).
    """
    script, decisions = build_script(essay, language, lexicon or {})
    generated = {number: line for number, (line, _) in enumerate(body_lines(script), start=HEADER_LINES + 1)}
    items = [
        ReviewItem(line=d.line, original=d.original, spoken=d.spoken, rule=d.rule, attention=d.attention,
                   sentence=generated.get(d.line, ""))
        for d in decisions
    ]
    status = script_status(script_path, essay)
    if status.exists and status.edited:
        items = _relocate(items, script_path)
    return items


def _relocate(items: list[ReviewItem], script_path: Path) -> list[ReviewItem]:
    """Find each generated line in the edited file, in order; line 0 when it was changed."""
    text, _ = read_script(script_path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    result, cursor, found = [], 0, {}
    for item in items:
        if item.line not in found:
            try:
                index = lines.index(item.sentence, cursor) if item.sentence else -1
            except ValueError:
                index = -1
            found[item.line] = index + 1 if index >= 0 else 0
            if index >= 0:
                cursor = index + 1
        result.append(ReviewItem(found[item.line], item.original, item.spoken, item.rule, item.attention,
                                 item.sentence))
    return result


def format_review(items: list[ReviewItem], *, script_path: Path | str | None = None,
                  status: ScriptStatus | None = None) -> str:
    """Text for the CLI: one decision a line, '!' marks the ones to check, a count at the top."""
    attention = sum(item.attention for item in items)
    name = f"{script_path}: " if script_path is not None else ""
    plural = "" if len(items) == 1 else "s"
    verb = "needs" if attention == 1 else "need"
    out = [f"{name}{len(items)} decision{plural}, {attention} {verb} attention"]
    if status is not None:
        if not status.exists:
            out.append("note: the script does not exist yet; "
                       "line numbers are those 'audioessay script' will write")
        elif status.edited:
            out.append("note: the script was edited by hand; "
                       "line 0 means the generated sentence is no longer there")
        if status.stale:
            out.append("note: the essay changed since the script was written; "
                       "run 'audioessay script' to update it")
    width = max((len(str(item.line)) for item in items), default=1)
    for item in items:
        mark = "!" if item.attention else " "
        out.append(f"{mark} line {item.line:>{width}}  {item.original!r} -> {item.spoken!r}  ({item.rule})")
    return "\n".join(out) + "\n"
