"""The ``[pronunciations]`` lexicon: seeing what an entry changes, and saving it.

**Preview.** An entry changes how the rules say every sentence holding the word. The preview
lists each such sentence of every essay, said without the entry and with it, and the script
line where the sentence is now.

**Saving** rewrites one line of ``audioessay.toml`` (or adds one at the end of the table, or the
table at the end of the file): comments, order and every other line stay as the person wrote
them. The new file must read back as exactly the old configuration with that one entry changed,
or nothing is written (a lexicon written as an inline table or dotted keys is left for the person
to edit). Then the scripts are written again as ``audioessay script`` would, under the same
workspace lock: a script nobody touched picks up the entry; one a person edited or approved is
kept as it is, and the preview said which lines to fix there by hand.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audioessay.errors import ConfigError
from audioessay.fsutil import atomic_write_text
from audioessay.lock import workspace_lock
from audioessay.models import Essay
from audioessay.studio.edits import LOCK_NAME, ScriptChangedError, split_lines
from audioessay.studio.episodes import essays_of
from audioessay.studio.security import StudioRefusedError
from audioessay.workspace import CONFIG_NAME, Workspace, load_workspace, parse_config

_TABLE = re.compile(r"^\s*\[\s*pronunciations\s*\]\s*(#.*)?$")
_ANY_TABLE = re.compile(r"^\s*\[")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_CONTROL = re.compile("[\x00-\x1f\x7f\u2028\u2029]")
MAX_CHANGES = 500  # the preview stops listing after this many sentences


@dataclass(frozen=True)
class LexiconChange:
    """One sentence an entry changes."""

    slug: str
    title: str
    written: str  # the essay's sentence
    before: str  # said without the entry (as the rules say it now)
    after: str  # said with it
    line: int  # where the script holds ``before`` now (0: not found, e.g. a person reworded it)


def config_hash(ws: Workspace) -> str:
    return hashlib.sha256((ws.root / CONFIG_NAME).read_bytes()).hexdigest()


def _checked(word: str, value: str | None) -> tuple[str, str | None]:
    word = word.strip()
    if not word or _CONTROL.search(word) or (value is not None and (_CONTROL.search(value) or not value.strip())):
        raise StudioRefusedError("an entry is a word or phrase and how to say it, each on one line", status=400)
    return word, None if value is None else value.strip()


def preview(ws: Workspace, word: str, value: str | None) -> list[LexiconChange]:
    """Every sentence (of every essay) that the entry ``word = value`` (None: removing it) changes."""
    word, value = _checked(word, value)
    before = dict(ws.config.pronunciations)
    after = {k: v for k, v in before.items() if k != word} | ({word: value} if value is not None else {})
    essays, _report = essays_of(ws)
    changes: list[LexiconChange] = []
    for essay in essays:
        changes += _essay_changes(ws, essay, word, before, after)
        if len(changes) >= MAX_CHANGES:
            break
    return changes[:MAX_CHANGES]


def _essay_changes(ws: Workspace, essay: Essay, word: str, before: Mapping[str, str],
                   after: Mapping[str, str]) -> list[LexiconChange]:
    from audioessay.text.sentences import split_sentences
    from audioessay.text.speak import speak

    language, needle = ws.config.text.language, word.casefold()
    lines = _script_lines(ws, essay.slug)
    found: list[LexiconChange] = []
    for block in essay.blocks:
        sentences = [block.text] if block.kind == "heading" else split_sentences(block.text, language)
        for written in sentences:
            if needle not in written.casefold():
                continue  # the entry cannot touch it: no need to say it twice
            old = " ".join(speak(written, language, before)[0].split())
            new = " ".join(speak(written, language, after)[0].split())
            if old != new:
                found.append(LexiconChange(essay.slug, essay.title, " ".join(written.split()), old, new,
                                           lines.get(old, 0)))
    return found


def _script_lines(ws: Workspace, slug: str) -> dict[str, int]:
    """Each line of the episode's script and its number (the first, for a line written twice)."""
    try:
        text = ws.script_path(slug).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    numbers: dict[str, int] = {}
    for number, (content, _end) in enumerate(split_lines(text), start=1):
        numbers.setdefault(content.strip().removeprefix("\\").strip(), number)
    return numbers


# --------------------------------------------------------------------------- saving


def _toml_key(word: str) -> str:
    return word if _BARE_KEY.match(word) else json.dumps(word, ensure_ascii=False)


def _entry_of(line: str) -> str | None:
    """The word a line of the table defines, if it is one ``key = "text"`` line."""
    try:
        data = tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return None
    if len(data) == 1:
        (key, value), = data.items()
        return key if isinstance(value, str) else None
    return None


def _rewritten(text: str, word: str, value: str | None) -> str:
    lines = split_lines(text)
    ending = next((end for _c, end in lines if end), "\n")
    start = next((i for i, (content, _e) in enumerate(lines) if _TABLE.match(content)), None)
    new_line = None if value is None else f"{_toml_key(word)} = {json.dumps(value, ensure_ascii=False)}"
    if start is None:
        if new_line is None:
            raise StudioRefusedError(f"{word!r} is not in [pronunciations]", status=404)
        tail = "" if not lines or lines[-1][1] else ending
        return text + tail + ending + "[pronunciations]" + ending + new_line + ending
    end = next((i for i in range(start + 1, len(lines)) if _ANY_TABLE.match(lines[i][0])), len(lines))
    at = next((i for i in range(start + 1, end) if _entry_of(lines[i][0]) == word), None)
    if at is not None and new_line is None:
        del lines[at]
    elif at is not None and new_line is not None:
        lines[at][0] = new_line
    elif new_line is None:
        raise StudioRefusedError(f"{word!r} is not in [pronunciations]", status=404)
    else:
        last = max((i for i in range(start, end) if lines[i][0].strip()), default=start)
        lines[last][1] = lines[last][1] or ending
        lines.insert(last + 1, [new_line, ending])
    return "".join(content + end for content, end in lines)


def _expected(data: dict[str, Any], word: str, value: str | None) -> dict[str, Any]:
    entries = {k: v for k, v in dict(data.get("pronunciations", {})).items() if k != word}
    if value is not None:
        entries[word] = value
    return {**data, "pronunciations": entries}


def set_entry(ws: Workspace, word: str, value: str | None, expected_hash: str) -> int:
    """Save ``word = value`` in ``[pronunciations]`` (None: remove it), if audioessay.toml is still
    the file the page read; then write the scripts again. Returns how many scripts were rewritten."""
    from audioessay.pipeline.essays import write_scripts

    word, value = _checked(word, value)
    path = ws.root / CONFIG_NAME
    with workspace_lock(ws.state, LOCK_NAME):
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != expected_hash:
            raise ScriptChangedError(CONFIG_NAME)
        text = data.decode("utf-8")
        new_text = _rewritten(text, word, value)
        try:
            parsed = tomllib.loads(new_text)
        except tomllib.TOMLDecodeError:
            parsed = {}
        if parsed != _expected(tomllib.loads(text), word, value):
            raise ConfigError("the studio cannot change [pronunciations] as this file writes it", path=CONFIG_NAME,
                              hint="edit the table in the file by hand (one 'word = \"how to say it\"' a line)")
        parse_config(parsed, path)  # the whole config is still valid
        atomic_write_text(path, new_text)
        report = write_scripts(load_workspace(ws.root), ())
    return sum(1 for episode in report.episodes if any("regenerated" in note for note in episode.notes))
