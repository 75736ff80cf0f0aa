"""The narration script file: plain text a person reads, edits and approves.

::

    ---
    audioessay-script: 1
    source: seeds/her.md
    source-sha256: <hex>
    title: Her Ending Explained Emotionally
    status: draft
    approved-sha256:
    body-sha256: <hex>
    settings: language=en lexicon=<short hash>
    ---
    # Section heading
    One sentence a line.
    Another sentence.

    A new paragraph after a blank line.
    [pause 2s]

Body rules (the writer and the parser agree exactly, so that ``format(parse(t)) == t``):

* a line ``# text`` starts a section; only the first section may have no heading;
* a blank line ends a paragraph; every other line is one item of the paragraph;
* ``[pause 2s]`` (also ``1.5s``, ``500ms``) is a pause; no other ``[marker]`` exists;
* a sentence (or heading text) that starts with ``#``, ``[`` or ``\\`` is written with a
  leading backslash, which the parser removes: ``\\#MeToo began in 2006.``
* ``{written|spoken}`` inside a line respells words for the voice only: ``The {NOAA|Noah}
  tables`` is said "The Noah tables" and shown (captions, transcripts) as "The NOAA tables"
  (:mod:`audioessay.text.written`). audioessay never writes braces itself: the rules drop them.

Whether a person changed the script is decided by hashes: ``body-sha256`` is the body as
audioessay wrote it, ``approved-sha256`` the body that was approved. Hashes ignore line
ending style and trailing spaces, so an editor that saves CRLF does not count as an edit.

``status`` is ``draft``, ``approved`` or ``edited``. Approval is never read from the word alone:
a script is approved only while its body still hashes to ``approved-sha256``. When a person
edits an approved script, the next ``script`` or ``render`` rewrites that one header line from
``status: approved`` to ``status: edited`` (approval withdrawn; see :func:`withdraw_approval`),
leaving every other byte of the file, the body above all, as the person saved it. ``audioessay
review SLUG --approve`` approves the edited text. A draft a person edited keeps ``status:
draft``: it was never approved, so the word is true.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from audioessay.errors import EssayError, ScriptError
from audioessay.fsutil import atomic_write_bytes, atomic_write_text, sha256_text
from audioessay.models import (
    Decision,
    Essay,
    Paragraph,
    Pause,
    Script,
    ScriptHeader,
    ScriptItem,
    Section,
    Sentence,
)
from audioessay.text.sentences import split_sentences
from audioessay.text.speak import speak
from audioessay.text.written import resolve

FORMAT_VERSION = 1
QUOTE_PAUSE = 1.0  # seconds of silence before a block quote (no spoken "quote" cue)
MIN_PAUSE, MAX_PAUSE = 0.001, 60.0

_HEADER_KEYS = (
    "audioessay-script", "source", "source-sha256", "title", "status",
    "approved-sha256", "body-sha256", "settings",
)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_PAUSE = re.compile(r"^\[\s*pause\b(.*)\]$", re.IGNORECASE)
_PAUSE_VALUE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$", re.IGNORECASE)
_ESCAPED_START = ("#", "[", "\\")
_OTHER_BREAKS = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
HEADER_LINES = len(_HEADER_KEYS) + 2  # the two '---' lines
# The header's status: ``edited`` is an approved script a person changed since (approval withdrawn).
STATUSES = ("draft", "approved", "edited")
_APPROVED_LINE = re.compile(r"^([ \t]*status[ \t]*:[ \t]*)approved(?=[ \t]*\r?$)", re.MULTILINE)


# --------------------------------------------------------------------------- hashes


def body_text(text: str) -> str:
    """The body of a script file exactly as stored: everything after the closing '---' line.

    Returns the whole text when it has no header (the parser reports that as an error).
    """
    if not text.startswith(("---\n", "---\r\n", "\ufeff---")):
        return text
    match = re.compile(r"\n---[ \t]*(?:\r\n|\n|\r|$)").search(text, 3)
    return text[match.end():] if match else ""


def body_sha256(body: str) -> str:
    """Hash of a script body, ignoring line-ending style, trailing spaces and trailing blank lines."""
    lines = [line.rstrip() for line in re.split(r"\r\n|\r|\n", body)]
    while lines and not lines[-1]:
        lines.pop()
    return sha256_text("\n".join(lines) + "\n" if lines else "")


def lexicon_hash(lexicon: Mapping[str, str] | None) -> str:
    """Short, stable hash of a pronunciation lexicon, recorded in the script's settings."""
    data = json.dumps(sorted((lexicon or {}).items()), ensure_ascii=False)
    return sha256_text(data)[:12]


def script_settings(language: str, lexicon: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    """The header's ``settings``: what besides the essay a script is built from."""
    return (("language", language), ("lexicon", lexicon_hash(lexicon)))


def built_from(header: ScriptHeader, essay: Essay, settings: tuple[tuple[str, str], ...]) -> bool:
    """True when a script header names exactly this essay (path, bytes, title) and these settings."""
    return (header.source == essay.source.as_posix() and header.source_sha256 == essay.source_sha256
            and header.title == essay.title and header.settings == settings)


# --------------------------------------------------------------------------- writing


def _escape(text: str) -> str:
    return "\\" + text if text.startswith(_ESCAPED_START) else text


def _check_line_text(text: str, what: str) -> None:
    """Writer guard: a value that cannot be written on one line is a bug in the caller."""
    if not text or text != text.strip() or len(text.splitlines()) != 1:
        raise ValueError(f"{what} must be non-empty single-line text without outer whitespace: {text!r}")


def format_seconds(seconds: float) -> str:
    """2.0 -> '2s', 1.5 -> '1.5s'; repr keeps every float exact through a round trip."""
    if not (math.isfinite(seconds) and MIN_PAUSE <= seconds <= MAX_PAUSE):
        raise ValueError(f"pause must be from {MIN_PAUSE:g} to {MAX_PAUSE:g} seconds: {seconds!r}")
    return f"{int(seconds)}s" if seconds == int(seconds) else f"{seconds!r}s"


def body_lines(script: Script) -> Iterator[tuple[str, ScriptItem | None]]:
    """Yield each body line with the item it shows (None for headings and blank lines)."""
    started = False
    for index, section in enumerate(script.sections):
        after_heading = False
        if section.title is None:
            if index > 0 or not section.paragraphs:
                raise ValueError("only the first section may lack a title, and then it needs a paragraph")
        else:
            _check_line_text(section.title, "section title")
            if started:
                yield "", None
            yield "# " + _escape(section.title), None
            started = after_heading = True
        for paragraph in section.paragraphs:
            if not paragraph.items:
                raise ValueError("a paragraph needs at least one sentence or pause")
            if started and not after_heading:
                yield "", None
            after_heading, started = False, True
            for item in paragraph.items:
                if isinstance(item, Pause):
                    yield f"[pause {format_seconds(item.seconds)}]", item
                else:
                    _check_line_text(item.text, "sentence")
                    yield _escape(item.line if item.line is not None else item.text), item


def format_body(script: Script) -> str:
    lines = [line for line, _ in body_lines(script)]
    return "\n".join(lines) + "\n" if lines else ""


def format_header(header: ScriptHeader) -> str:
    for name in ("source", "title"):
        value = getattr(header, name)
        if value and (value != value.strip() or len(value.splitlines()) != 1):
            raise ValueError(f"header {name} must be single-line text: {value!r}")
    for key, value in header.settings:
        if not re.fullmatch(r"[^\s=]+", key) or not re.fullmatch(r"\S*", value):
            raise ValueError(f"setting {key!r}={value!r} must be key=value without spaces")
    values = {
        "audioessay-script": str(FORMAT_VERSION),
        "source": header.source,
        "source-sha256": header.source_sha256,
        "title": header.title,
        "status": header.status,
        "approved-sha256": header.approved_sha256,
        "body-sha256": header.body_sha256,
        "settings": " ".join(f"{key}={value}" for key, value in header.settings),
    }
    lines = ["---", *(f"{key}:{' ' + values[key] if values[key] else ''}" for key in _HEADER_KEYS), "---"]
    return "\n".join(lines) + "\n"


def format_script(script: Script) -> str:
    """The script file's text. Raises ValueError for a Script the format cannot hold."""
    return format_header(script.header) + format_body(script)


# --------------------------------------------------------------------------- parsing


def _error(path: Path | str, line: int, message: str, hint: str) -> ScriptError:
    return ScriptError(f"line {line}: {message}", path=path, hint=hint)


_HEADER_HINT = "restore the header (the lines between '---') or delete the file and run 'audioessay script'"


def _parse_header(lines: list[str], path: Path | str) -> tuple[ScriptHeader, int]:
    """Parse the header; return it and the index of the first body line."""
    if not lines or lines[0].strip() != "---":
        raise _error(path, 1, "a script must start with a '---' header line", _HEADER_HINT)
    values: dict[str, tuple[str, int]] = {}
    for index in range(1, len(lines)):
        line, number = _OTHER_BREAKS.sub(" ", lines[index]), index + 1
        if line.rstrip() == "---":  # the same rule body_text() uses
            break
        key, colon, value = line.partition(":")
        key = key.strip()
        if not colon:
            raise _error(path, number, f"header line {line.strip()!r} is not 'key: value'", _HEADER_HINT)
        if key not in _HEADER_KEYS:
            raise _error(path, number, f"unknown header key {key!r}",
                         "known keys: " + ", ".join(_HEADER_KEYS))
        if key in values:
            raise _error(path, number, f"header key {key!r} appears twice", "keep one of them")
        values[key] = (value.strip(), number)
    else:
        raise _error(path, len(lines), "the header is never closed with '---'", _HEADER_HINT)
    end = index
    missing = [key for key in _HEADER_KEYS if key not in values]
    if missing:
        raise _error(path, end + 1, f"header is missing {', '.join(missing)}", _HEADER_HINT)

    version, number = values["audioessay-script"]
    if version != str(FORMAT_VERSION):
        raise _error(path, number, f"unsupported script format {version!r}",
                     f"this audioessay reads format {FORMAT_VERSION}; "
                     "upgrade audioessay or regenerate the script")
    for key, allow_empty in (("source-sha256", False), ("body-sha256", False), ("approved-sha256", True)):
        value, number = values[key]
        if not (_HEX64.match(value) or (allow_empty and not value)):
            raise _error(path, number, f"{key} must be a 64-digit hex hash, not {value!r}", _HEADER_HINT)
    status, number = values["status"]
    if status not in STATUSES:
        raise _error(path, number, f"status must be draft, approved or edited, not {status!r}",
                     "approve a script with 'audioessay review SLUG --approve', not by hand")
    settings = []
    text, number = values["settings"]
    for part in text.split():
        key, equals, value = part.partition("=")
        if not equals or not key:
            raise _error(path, number, f"setting {part!r} is not key=value", _HEADER_HINT)
        settings.append((key, value))
    header = ScriptHeader(
        source=values["source"][0], source_sha256=values["source-sha256"][0], title=values["title"][0],
        body_sha256=values["body-sha256"][0], status=status,  # type: ignore[arg-type]
        approved_sha256=values["approved-sha256"][0], settings=tuple(settings),
    )
    return header, end + 1


def _parse_pause(line: str, path: Path | str, number: int) -> Pause:
    marker = _PAUSE.match(line)
    if marker is None:
        raise _error(path, number, f"unknown marker {line!r}",
                     "the only marker is [pause 2s] (also 1.5s or 500ms); "
                     "to say text that starts with '[', write '\\[' at the start of the line")
    written = "".join(marker.group(1).split())
    value = _PAUSE_VALUE.match(written)
    seconds = float(value.group(1)) / (1000 if value.group(2).lower() == "ms" else 1) if value else 0.0
    if not MIN_PAUSE <= seconds <= MAX_PAUSE:
        raise _error(path, number, f"bad pause value {written!r} in {line!r}",
                     f"write a length from 1ms to {MAX_PAUSE:g}s, "
                     "e.g. [pause 2s], [pause 1.5s] or [pause 500ms]")
    return Pause(seconds)


def _unescape(text: str) -> str:
    return text[1:].strip() if text.startswith("\\") else text


def _parse_sentence(line: str, path: Path | str, number: int) -> Sentence:
    """A sentence line; ``{written|spoken}`` respells a word for the voice only."""
    spoken, written = resolve(line)
    if not spoken:
        raise _error(path, number, "this line says nothing" if line else "a line with only '\\' says nothing",
                     "write what the voice should say after '|' in {written|spoken}, or delete the line")
    return Sentence(spoken, written, line) if written is not None else Sentence(spoken)


def parse_script(text: str, path: Path | str) -> Script:
    """Parse a script file's text; ScriptError names ``path`` and the line for any problem."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it does not start another
    header, start = _parse_header(lines, path)

    sections: list[Section] = []
    title: str | None = None
    in_section = False  # True once a heading opened a section (empty titled sections count)
    paragraphs: list[Paragraph] = []
    items: list[ScriptItem] = []

    def end_paragraph() -> None:
        if items:
            paragraphs.append(Paragraph(tuple(items)))
            items.clear()

    def end_section() -> None:
        end_paragraph()
        if in_section or paragraphs:
            sections.append(Section(title, tuple(paragraphs), resolve(title)[1] if title else None))
        paragraphs.clear()

    for index in range(start, len(lines)):
        # Only '\n' ends a line; other line-break characters are spaces (the writer never
        # writes them, so this keeps "one line, one sentence" true for every reader).
        line, number = _OTHER_BREAKS.sub(" ", lines[index]).strip(), index + 1
        if not line:
            end_paragraph()
        elif line.startswith("#"):
            end_section()
            title = _unescape(line.lstrip("#").strip())
            if not resolve(title)[0]:
                raise _error(path, number, "a heading line needs text after '#'",
                             "write the heading, or delete the line")
            in_section = True
        elif line.startswith("["):
            items.append(_parse_pause(line, path, number))
        else:
            items.append(_parse_sentence(_unescape(line), path, number))
    end_section()
    return Script(header=header, sections=tuple(sections))


def read_script(path: Path, display: Path | str | None = None) -> tuple[str, Script]:
    """Read and parse a script file; return its text (newlines as stored) and the Script.

    ``display`` is how messages name the file (e.g. relative to the workspace); default ``path``."""
    shown = path if display is None else display
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScriptError("does not exist", path=shown, hint="write it with 'audioessay script'") from None
    except OSError as exc:
        raise ScriptError(f"cannot be read: {exc.strerror}", path=shown,
                          hint="check that it is a file you can read") from None
    return _parse_bytes(data, shown)


def _parse_bytes(data: bytes, shown: Path | str) -> tuple[str, Script]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScriptError("is not UTF-8 text", path=shown, hint="save it as UTF-8, or regenerate it") from None
    return text, parse_script(text, shown)


# --------------------------------------------------------------------------- building


INVALID_UTF8_RULE = "invalid UTF-8 bytes in the essay"
_REPLACED = re.compile(r"\S*\ufffd\S*")


def _spoken(text: str, language: str, lexicon: Mapping[str, str] | None) -> tuple[str, list[Decision]]:
    said, decisions = speak(text, language=language, lexicon=lexicon)
    if "\ufffd" in text:
        decisions = _mark_replacements(text, decisions)
    # A script line is one sentence: whatever whitespace the normalizer left collapses.
    return " ".join(said.split()), decisions


def _mark_replacements(text: str, decisions: list[Decision]) -> list[Decision]:
    """Each word holding U+FFFD (where reading put bytes that were not valid UTF-8, see
    :func:`audioessay.text.read.decode_text`) is a decision to check: something is missing there.
    The normalizer drops the character itself; its plain "emoji" record of that is replaced."""
    kept = [replace(d, original=d.original.replace("\ufffd", "")) if d.rule == "emoji" else d
            for d in decisions]
    kept = [d for d in kept if d.original or d.rule != "emoji"]
    marked = [Decision(original=m.group(0), spoken=m.group(0).replace("\ufffd", ""), rule=INVALID_UTF8_RULE,
                       attention=True) for m in _REPLACED.finditer(text)]
    return marked + kept


def build_script(essay: Essay, language: str, lexicon: Mapping[str, str]) -> tuple[Script, list[Decision]]:
    """Turn an essay into a Script and the text-stage decisions (``line`` = script line).

    Each heading starts a section titled with its spoken text; each paragraph or quote is
    split into sentences, each normalized for speech. A quote is preceded by
    ``[pause 1s]`` inside its paragraph (a pause, no spoken cue). Empty results are dropped.
    """
    sections: list[Section] = []
    title: str | None = None
    written_title: str | None = None
    paragraphs: list[Paragraph] = []
    # One list of decisions per heading line and per sentence line, in file order.
    groups: list[list[Decision]] = []

    def close_section() -> None:
        if title is not None or paragraphs:
            sections.append(Section(title, tuple(paragraphs), written_title))

    for block in essay.blocks:
        if block.kind == "heading":
            spoken, decisions = _spoken(block.text, language, lexicon)
            if not spoken:
                continue  # a heading with nothing to say: its paragraphs join the section before
            close_section()
            title, paragraphs = spoken, []
            written_title = block.text if block.text != spoken else None
            groups.append(decisions)
            continue
        items: list[ScriptItem] = []
        for written in split_sentences(block.text):
            spoken, decisions = _spoken(written, language, lexicon)
            if spoken:
                shown = " ".join(written.split())
                items.append(Sentence(spoken, written=shown if shown != spoken else None))
                groups.append(decisions)
        if items:
            if block.kind == "quote":
                items.insert(0, Pause(QUOTE_PAUSE))
            paragraphs.append(Paragraph(tuple(items)))
    close_section()
    if not any(isinstance(item, Sentence) for s in sections for p in s.paragraphs for item in p.items):
        raise EssayError("has nothing to read aloud (no sentence left after cleaning)", path=essay.source,
                         hint="check that the essay has prose outside code blocks, tables and Sources")

    settings = script_settings(language, lexicon)
    draft = Script(
        header=ScriptHeader(source=essay.source.as_posix(), source_sha256=essay.source_sha256,
                            title=essay.title, body_sha256="", settings=settings),
        sections=tuple(sections),
    )
    script = replace(draft, header=replace(draft.header, body_sha256=body_sha256(format_body(draft))))
    return script, _place_decisions(script, groups)


def _place_decisions(script: Script, groups: list[list[Decision]]) -> list[Decision]:
    """Give each decision the script line where its sentence (or heading) appears."""
    placed: list[Decision] = []
    remaining = iter(groups)
    for number, (line, item) in enumerate(body_lines(script), start=HEADER_LINES + 1):
        if isinstance(item, Sentence) or (item is None and line):  # a sentence or a heading
            placed.extend(replace(decision, line=number) for decision in next(remaining))
    return placed


# --------------------------------------------------------------------------- status and writing


@dataclass(frozen=True)
class ScriptStatus:
    """What a script file on disk says about itself and its essay."""

    exists: bool
    edited: bool = False  # the body no longer hashes to body-sha256: a person changed it
    approved: bool = False  # status approved, and the body is still the approved one
    stale: bool = False  # the essay changed since the script was written


def status_of(text: str, script: Script, essay: Essay | None) -> ScriptStatus:
    """Status of a script already read (see :func:`read_script`)."""
    current = body_sha256(body_text(text))
    header = script.header
    return ScriptStatus(
        exists=True,
        edited=current != header.body_sha256,
        approved=header.status == "approved" and header.approved_sha256 == current,
        stale=essay is not None and header.source_sha256 != essay.source_sha256,
    )


def script_status(path: Path, essay: Essay | None) -> ScriptStatus:
    """Status of the script at ``path`` (``stale`` only when ``essay`` is given)."""
    if not Path(path).exists():
        return ScriptStatus(exists=False)
    text, script = read_script(path)
    return status_of(text, script, essay)


class WriteKind(enum.Enum):
    WRITTEN = "written"  # new, or regenerated because nobody had touched it
    UNCHANGED = "unchanged"  # the file already says exactly this
    KEPT_EDITED = "kept-edited"  # a person edited or approved it; the essay did not change
    STALE = "stale"  # a person edited or approved it and the essay changed: merge by hand or --force
    FORCED_WITH_BACKUP = "forced-with-backup"  # overwritten with --force; the old file was kept


@dataclass(frozen=True)
class WriteOutcome:
    kind: WriteKind
    path: Path
    message: str  # one line for the CLI to print
    backup: Path | None = None

    @property
    def wrote(self) -> bool:
        return self.kind in (WriteKind.WRITTEN, WriteKind.FORCED_WITH_BACKUP)


def _backup_path(path: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.name}.bak-{stamp}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak-{stamp}-{n}")
        n += 1
    return candidate


def write_script(path: Path, script: Script, *, force: bool) -> WriteOutcome:
    """Write ``script`` to ``path`` atomically, never losing a person's edits or approval.

    An untouched draft is simply regenerated. An edited or approved script is kept (and
    reported stale if its essay changed) unless ``force``, which first keeps a backup.
    A file system error is a :class:`ScriptError` naming the file.
    """
    try:
        return _write_script(Path(path), script, force=force)
    except OSError as exc:
        raise ScriptError(f"cannot be written: {exc.strerror}", path=path,
                          hint="check that output/ and the file are writable") from None


def _write_script(path: Path, script: Script, *, force: bool) -> WriteOutcome:
    new_text = format_script(script)
    if not path.exists():
        atomic_write_text(path, new_text)
        return WriteOutcome(WriteKind.WRITTEN, path, f"wrote {path}")
    old_bytes = path.read_bytes()
    try:
        old_text, old = _parse_bytes(old_bytes, path)
    except ScriptError as exc:
        if not force:
            raise ScriptError(
                f"{exc.message}; the file is not a script audioessay can read", path=path,
                hint=f"fix it, or run 'audioessay script --force {path}' to regenerate it "
                     "(a backup will be kept)",
            ) from None
        return _force(path, old_bytes, new_text, "it could not be parsed")
    if old_text == new_text:
        return WriteOutcome(WriteKind.UNCHANGED, path, f"{path} is up to date")

    status = status_of(old_text, old, None)
    new_body = format_body(script)
    if body_text(old_text) == new_body:
        # Same words, new header (e.g. only whitespace changed in the essay): keep the approval.
        header = script.header
        if status.approved:
            header = replace(header, status="approved", approved_sha256=old.header.approved_sha256)
        merged = format_header(header) + new_body
        if merged == old_text:
            return WriteOutcome(WriteKind.UNCHANGED, path, f"{path} is up to date")
        atomic_write_text(path, merged)
        return WriteOutcome(WriteKind.WRITTEN, path, f"updated the header of {path}; the text is unchanged")
    if not (status.edited or status.approved):
        atomic_write_text(path, new_text)
        return WriteOutcome(WriteKind.WRITTEN, path, f"regenerated {path}")

    owner = _owner(status)
    if force:
        return _force(path, old_bytes, new_text, f"it was {owner}")
    withdraw_approval(path, old_text, old)
    if old.header.source_sha256 != script.header.source_sha256:
        return WriteOutcome(
            WriteKind.STALE, path,
            f"{path} is stale: it was {owner}, and the essay {script.header.source} changed since; "
            f"merge the changes by hand, or run 'audioessay script --force {path}' to regenerate it "
            "(a backup will be kept)",
        )
    return _kept(path, owner)


def _owner(status: ScriptStatus) -> str:
    return "edited by hand" if status.edited else "approved"


def _kept(path: Path, owner: str) -> WriteOutcome:
    """A kept script: the caller decides what, if anything, to tell the person (an approved
    script needs no word; an edited one needs approving, never ``--force``)."""
    return WriteOutcome(WriteKind.KEPT_EDITED, path, f"kept {path}: it was {owner}")


def current_outcome(path: Path, text: str, script: Script) -> WriteOutcome:
    """What :func:`write_script` does, without building the script, with a file that this code
    built from the same essay and settings (see :func:`built_from`): nothing, except that a
    person's edit is reported as kept (and an approval it withdrew is recorded, see
    :func:`withdraw_approval`). Its words are already what building would give."""
    status = status_of(text, script, None)
    if status.edited:
        withdraw_approval(Path(path), text, script)
        return _kept(Path(path), _owner(status))
    return WriteOutcome(WriteKind.UNCHANGED, Path(path), f"{path} is up to date")


def withdraw_approval(path: Path, text: str, script: Script) -> bool:
    """Record that an edit withdrew approval: when the header says ``status: approved`` but the
    body no longer hashes to ``approved-sha256``, rewrite that one line to ``status: edited``.

    ``text`` is the file as just read; nothing is written if the file changed since (a person is
    saving it) or the line is not found as written. Only the status word changes: the body, the
    other header lines and their line endings stay byte for byte. True when it rewrote the file."""
    header = script.header
    if header.status != "approved" or header.approved_sha256 == body_sha256(body_text(text)):
        return False
    body = body_text(text)
    head = text[:len(text) - len(body)]
    new_head, found = _APPROVED_LINE.subn(r"\1edited", head, count=1)
    path = Path(path)
    if not found or path.read_bytes() != text.encode("utf-8"):
        return False
    atomic_write_text(path, new_head + body)
    return True


def _force(path: Path, old_bytes: bytes, new_text: str, why: str) -> WriteOutcome:
    backup = _backup_path(path)
    atomic_write_bytes(backup, old_bytes)
    atomic_write_text(path, new_text)
    return WriteOutcome(WriteKind.FORCED_WITH_BACKUP, path,
                        f"regenerated {path} although {why}; the old file is kept in {backup}", backup=backup)


def approve_script(path: Path, essay: Essay | None = None) -> Script:
    """Mark the script approved for its current body; the body stays byte-identical.

    With ``essay``, approval is also for the essay as it is now: the header takes its path, hash
    and title, so a stale script a person merged by hand is stale no longer (the person read it
    against the changed essay; ``audioessay review SLUG`` shows what changed before approving)."""
    path = Path(path)
    text, script = read_script(path)
    header = replace(script.header, status="approved", approved_sha256=body_sha256(body_text(text)))
    if essay is not None:
        header = replace(header, source=essay.source.as_posix(), source_sha256=essay.source_sha256,
                         title=essay.title)
    try:
        atomic_write_text(path, format_header(header) + body_text(text))
    except OSError as exc:
        raise ScriptError(f"cannot be written: {exc.strerror}", path=path,
                          hint="check that the file and its folder are writable") from None
    return replace(script, header=header)
