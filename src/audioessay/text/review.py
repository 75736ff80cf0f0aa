"""``audioessay review``: every choice the text stage made for one essay, with its script line.

The decisions are recomputed from the essay (they are not stored in the script), so the
review always matches what ``audioessay script`` would write now. When a person edited
the script, each decision is shown on the line its sentence became in the file as it is (a
reworded sentence is still found), and every ``{written|spoken}`` respelling is listed too.

**What changed in a stale script's essay.** A script a person edited or approved is kept when its
essay changes, so it goes stale: it still says what the essay said when the script was written.
The header records only the hash of that essay (``source-sha256``), so to show the change the
essay's bytes are kept too: each ``script`` or ``render`` run that finds a script written from the
essay as it is now keeps a copy in ``.audioessay/script-sources/<slug>/<source-sha256>``
(:func:`keep_essay_copy`, written atomically, one copy per episode: older ones are deleted once the
script no longer names them). ``audioessay review SLUG`` diffs that copy against the essay now
(:func:`essay_changes`). A script last written before copies were kept (or whose copy is gone)
has no old text: review says the essay changed, without a diff.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from audioessay.errors import AudioessayError
from audioessay.fsutil import atomic_write_bytes, sha256_bytes
from audioessay.models import Essay, ScriptHeader
from audioessay.text.read import decode_text
from audioessay.text.scriptfile import (
    HEADER_LINES,
    ScriptStatus,
    body_lines,
    build_script,
    read_script,
    script_status,
)
from audioessay.text.written import RESPELLING, pair_lines

ESSAY_COPIES = "script-sources"  # under the workspace's .audioessay/
MAX_DIFF_LINES = 400


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
    """Each decision on the line of the edited file that its generated line became (lines are
    matched as :func:`~audioessay.text.written.pair_lines` matches them: unchanged ones in order,
    changed ones with the most alike); line 0 when the sentence was deleted. Then each respelling
    the person wrote (``{written|spoken}``), on its line."""
    text, _ = read_script(script_path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    wanted = list(dict.fromkeys(item.sentence for item in items if item.sentence))
    found = pair_lines(wanted, lines)
    where = {wanted[generated]: index + 1 for index, generated in found.items()}
    moved = [ReviewItem(where.get(item.sentence, 0), item.original, item.spoken, item.rule, item.attention,
                        item.sentence) for item in items]
    return moved + _respellings(lines)


def _respellings(lines: list[str]) -> list[ReviewItem]:
    return [ReviewItem(number, match.group(1).strip(), match.group(2).strip(), "respelling", False, line)
            for number, line in enumerate(lines, start=1) if number > HEADER_LINES
            for match in RESPELLING.finditer(line)]


def format_review(items: list[ReviewItem], *, script_path: Path | str | None = None,
                  status: ScriptStatus | None = None, changes: list[str] | None = None) -> str:
    """Text for the CLI: one decision a line, '!' marks the ones to check, a count at the top.

    ``changes``: for a stale script, what :func:`essay_changes` says (shown after the notes)."""
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
            approval = "approved as edited" if status.approved else "not approved"
            out.append(f"note: the script was edited by hand ({approval}); "
                       "line 0 means the generated sentence is no longer there")
        if status.stale:
            out.extend(changes or ["note: the script is stale: the essay changed since it was written"])
    width = max((len(str(item.line)) for item in items), default=1)
    for item in items:
        mark = "!" if item.attention else " "
        out.append(f"{mark} line {item.line:>{width}}  {item.original!r} -> {item.spoken!r}  ({item.rule})")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- stale scripts


def _copies(state: Path, slug: str) -> Path:
    return Path(state) / ESSAY_COPIES / slug


def keep_essay_copy(state: Path, slug: str, essay_file: Path, source_sha256: str) -> bool:
    """Keep the essay's bytes that a script was just written from (see the module's docstring).

    ``source_sha256`` is the script header's; nothing is kept unless the file still has exactly
    those bytes. Other copies for ``slug`` are deleted: the script no longer names them. Returns
    True when the copy is there. A file system error only means no diff later (a full disk is
    still raised, as everywhere)."""
    folder = _copies(state, slug)
    copy = folder / source_sha256
    try:
        if copy.is_file():
            return True  # kept by an earlier run, which removed the older copies then
        data = Path(essay_file).read_bytes()
        if sha256_bytes(data) != source_sha256:
            return False
        atomic_write_bytes(copy, data, durable=False)
        for other in folder.iterdir():
            if other.name != source_sha256 and not other.name.startswith("."):
                other.unlink(missing_ok=True)
    except OSError:
        return False
    return True


def _decoded(data: bytes, rel: str) -> list[str] | None:
    try:
        return decode_text(data, rel).split("\n")
    except AudioessayError:
        return None


def essay_changes(state: Path, slug: str, header: ScriptHeader, essay_file: Path) -> list[str]:
    """Lines for ``review`` about a stale script: what changed in its essay since it was written,
    as a unified diff of the essay then (the kept copy) and now; without a copy, one line saying
    the essay changed and that no old text was kept."""
    rel = header.source
    intro = (f"note: the script is stale: {rel} changed since the script was written, and render "
             "narrates the script as it is; merge the changes into the script by hand and approve it, "
             f"or regenerate it with 'audioessay script --force {rel}' (a backup is kept)")
    copy = _copies(state, slug) / header.source_sha256
    try:
        old_data, new_data = copy.read_bytes(), Path(essay_file).read_bytes()
    except OSError:
        old_data = new_data = b""
    old = _decoded(old_data, rel) if old_data and sha256_bytes(old_data) == header.source_sha256 else None
    new = _decoded(new_data, rel) if new_data else None
    if old is None or new is None:
        return [intro, f"note: no copy of {rel} as it was then is kept (the script was written before "
                       "audioessay kept them), so what changed cannot be shown"]
    diff = list(difflib.unified_diff(old, new, f"{rel} (when the script was written)", f"{rel} (now)",
                                     lineterm=""))
    if not diff:
        return [intro, f"note: {rel} reads the same as then; only its bytes changed "
                       "(line endings or encoding)"]
    if len(diff) > MAX_DIFF_LINES:
        diff = [*diff[:MAX_DIFF_LINES], f"... {len(diff) - MAX_DIFF_LINES} more diff lines"]
    return [intro, f"what changed in {rel} since the script was written:", *diff]
