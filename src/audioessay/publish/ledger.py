"""The episode ledger, ``episodes.json``: what podcast apps must see unchanged forever.

A podcast app knows an episode by its ``guid``; if the guid changes, every subscriber sees the
episode again as new. The ledger remembers, per episode, the guid, the episode number and the
publication date, so that a rebuild, a title change or a renamed file changes none of them.

Identity follows the essay's file. :meth:`Ledger.sync` matches each essay to an entry by

1. its slug and its source path together (the usual case);
2. else its source path (the slug it asks for changed, but the file did not move);
3. else its slug, when the entry's file is gone (a renamed file that keeps its slug);
4. else the SHA-256 of its source bytes, when the entry's file is gone (renamed, content unchanged).

An entry whose file still exists is only ever matched by that file: another essay that happens to
get the same slug (or the same content) never takes its guid, even when that file failed to read.

If none matches, the essay is a new episode: a fresh ``urn:uuid:`` guid (UUID4) and the next
episode number. Numbers only go up: ``last_number`` remembers the highest ever assigned, so the
number of a removed episode is never given to another one. Front matter ``episode: N`` sets the
number explicitly (an error if another entry has it).

The publication date follows the front matter ``date:`` when there is one (if the date changes,
the pubDate changes with it); otherwise it is the time of first publication, then fixed.

The file is JSON with sorted keys and indentation, meant to be read (and committed) by a person.
A corrupt file is an error, never silently replaced: losing it would re-announce every episode.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Literal, overload

from audioessay.errors import PublishError
from audioessay.fsutil import atomic_write_bytes

__all__ = [
    "BACKUP_NAME", "LEDGER_FORMAT", "RESTORE_HINT", "EssayRef", "Ledger", "LedgerEntry", "RemovedPolicy",
    "ledger_to_json", "load_ledger", "save_ledger",
]

LEDGER_FORMAT = 1
BACKUP_NAME = "episodes.json.bak"  # kept in the workspace's private .audioessay/ folder

RESTORE_HINT = (
    "restore episodes.json from version control or from .audioessay/episodes.json.bak; "
    "do not delete it: every episode would get a new guid and podcast apps would list them all again"
)


RemovedPolicy = Literal["keep", "drop"]  # what the feed does with episodes whose essay is gone


def _new_guid() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC, whole seconds (RFC 2822 dates have no fractions); naive means UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0)


def _format_time(value: dt.datetime) -> str:
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LedgerEntry:
    """One episode as podcast apps know it.

    ``id`` is the ledger key: the slug the episode had when first published. It never changes,
    even when the essay's slug does (``slug`` is the one last seen).
    """

    id: str
    guid: str  # never changes
    number: int  # itunes:episode; assigned once, never reused
    pub_date: dt.datetime  # UTC; the front matter date, else first_published
    first_published: dt.datetime  # UTC, when the ledger first saw the essay
    slug: str  # last seen
    source: str  # workspace-relative path of the essay, forward slashes, last seen
    source_sha256: str  # hash of the source bytes, last seen
    title: str  # last seen
    date_from_front_matter: bool = False
    removed: bool = False  # the essay is no longer in seeds/


@dataclass(frozen=True)
class EssayRef:
    """What the ledger needs to know about one essay (for :meth:`Ledger.sync`)."""

    slug: str
    source: str
    title: str
    source_sha256: str
    front_matter_date: dt.datetime | None = None
    front_matter_episode: int | None = None


@dataclass(frozen=True)
class Ledger:
    """All episodes ever published, by id. Methods return new ledgers; nothing mutates."""

    entries: tuple[LedgerEntry, ...] = ()  # sorted by number
    last_number: int = 0  # the highest number ever assigned
    _by_id: dict[str, LedgerEntry] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update((entry.id, entry) for entry in self.entries)

    def get(self, entry_id: str) -> LedgerEntry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def match(self, slug: str, source: str | PurePosixPath | Path, source_sha256: str,
              exclude: Iterable[str] = ()) -> LedgerEntry | None:
        """The entry for an essay: by slug, else source path, else content hash (see module doc).

        Entries whose id is in ``exclude`` (claimed by another essay) are skipped. A hash shared
        by several entries matches none of them: identical essays are not guessed at.
        """
        excluded = set(exclude)
        candidates = [e for e in self.entries if e.id not in excluded]
        for key, value in (("slug", slug), ("source", _posix(source)), ("source_sha256", source_sha256)):
            found = [e for e in candidates if getattr(e, key) == value]
            if key == "source_sha256" and len(found) > 1:
                return None
            if found:
                return found[0]
        return None

    def assign(
        self,
        slug: str,
        source: str | PurePosixPath | Path,
        title: str,
        source_sha256: str,
        front_matter_date: dt.datetime | None,
        front_matter_episode: int | None,
        now: dt.datetime,
        *,
        exclude: Iterable[str] = (),
        new_guid: Callable[[], str] = _new_guid,
    ) -> tuple[Ledger, LedgerEntry]:
        """Find or create the entry for one essay; return the new ledger and the entry.

        The entry's slug, source, title and hash become what was seen now, ``removed`` is
        cleared, and the pubDate follows the front matter date. Raises :class:`PublishError`
        when ``front_matter_episode`` is not a positive number or belongs to another entry.

        One essay alone cannot tell a renamed file from a copy: a copy of an essay that is still
        present would take its entry by content hash. Pass the ids of entries that other
        present essays hold in ``exclude``, or assign a whole workspace with :meth:`sync`.
        """
        essay = EssayRef(slug, _posix(source), title, source_sha256, front_matter_date, front_matter_episode)
        draft = _Draft(self)
        entry = draft.apply(self.match(slug, source, source_sha256, exclude), essay, now, new_guid)
        return draft.ledger(), entry

    @overload
    def sync(self, essays: Sequence[EssayRef], now: dt.datetime,
             *, new_guid: Callable[[], str] = ..., errors: None = None,
             present: Collection[str] | None = None) -> tuple[Ledger, list[LedgerEntry]]: ...

    @overload
    def sync(self, essays: Sequence[EssayRef], now: dt.datetime,
             *, new_guid: Callable[[], str] = ...,
             errors: dict[int, PublishError] | None,
             present: Collection[str] | None = None) -> tuple[Ledger, list[LedgerEntry | None]]: ...

    def sync(self, essays: Sequence[EssayRef], now: dt.datetime,
             *, new_guid: Callable[[], str] = _new_guid,
             errors: dict[int, PublishError] | None = None,
             present: Collection[str] | None = None) -> tuple[Ledger, list[LedgerEntry]] | \
            tuple[Ledger, list[LedgerEntry | None]]:
        """Assign every essay of the workspace at once; entries left without an essay are marked removed.

        Essays are matched as the module doc says (:meth:`claims`); ``present``: the source paths
        of every essay file that exists, read or not (default: those of ``essays``). Numbers asked for in
        front matter are reserved first, so an automatic number never takes one of them. Returns
        the new ledger and the entries in the order of ``essays``.

        With ``errors`` given, an essay whose front matter number clashes is recorded there by
        index (its entry in the result is then None) and the other essays still get theirs;
        without it the first clash raises :class:`PublishError`.

        Every render syncs the whole show, so this takes time in proportion to the number of
        essays: entries are looked up by key, and the new ledger is sorted once.
        """
        claims = self.claims(essays, present)
        reserved = frozenset(e.front_matter_episode for e in essays if e.front_matter_episode)
        draft = _Draft(self)
        result: list[LedgerEntry | None] = [None] * len(essays)
        # Essays with a front matter number first, so that they get exactly the number they ask for;
        # new essays added together are numbered in the order of their dates (undated ones last).
        latest = dt.datetime.max.replace(tzinfo=dt.UTC)

        def dated(index: int) -> dt.datetime:
            date = essays[index].front_matter_date
            return _utc(date) if date is not None else latest

        order = sorted(range(len(essays)), key=lambda i: (
            essays[i].front_matter_episode is None, i not in claims, dated(i), i))
        for index in order:
            try:
                result[index] = draft.apply(claims.get(index), essays[index], now, new_guid, reserved)
            except PublishError as exc:
                if errors is None:
                    raise
                errors[index] = exc
        seen = {entry.id for entry in result if entry is not None}
        seen.update(claims[i].id for i in (errors or {}) if i in claims)  # a failed essay is not removed
        for entry in list(draft.by_id.values()):
            if entry.id not in seen and not entry.removed:
                draft.put(replace(entry, removed=True))
        return draft.ledger(), result

    def claims(self, essays: Sequence[EssayRef], present: Collection[str] | None = None) -> dict[int, LedgerEntry]:
        """The entry each essay is matched to, by index in ``essays`` (see the module doc); each entry
        goes to one essay at most. ``present``: see :meth:`sync`."""
        alive = set(present) if present is not None else {_posix(e.source) for e in essays}
        claims: dict[int, LedgerEntry] = {}
        claimed: set[str] = set()
        # (what an entry is known by, what the essay offers, only entries whose file is gone, must be unique)
        passes: tuple[tuple[Callable[[LedgerEntry], object], Callable[[EssayRef], object], bool, bool], ...] = (
            (lambda e: (e.slug, e.source), lambda x: (x.slug, _posix(x.source)), False, False),
            (lambda e: e.source, lambda x: _posix(x.source), False, False),
            (lambda e: e.slug, lambda x: x.slug, True, False),
            # Identical content in several entries is not guessed at.
            (lambda e: e.source_sha256, lambda x: x.source_sha256, True, True),
        )
        for entry_key, essay_key, only_gone, unique in passes:
            index: dict[object, list[LedgerEntry]] = {}
            for entry in self.entries:  # in ledger order: the first match wins
                if not (only_gone and entry.source in alive):
                    index.setdefault(entry_key(entry), []).append(entry)
            for position, essay in enumerate(essays):
                found = [] if position in claims else [e for e in index.get(essay_key(essay), ()) if e.id not in claimed]
                if found and (not unique or len(found) == 1):
                    claims[position] = found[0]
                    claimed.add(found[0].id)
        return claims

    def mark_removed(self, entry_id: str) -> Ledger:
        """A new ledger where the entry is marked removed (its guid and number stay reserved)."""
        entry = self.get(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        return self._with(replace(entry, removed=True))

    def restore(self, entry_id: str) -> Ledger:
        """A new ledger where a removed entry is current again (its essay came back or only failed to read)."""
        entry = self.get(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        return self._with(replace(entry, removed=False))

    def entries_for_feed(self, removed_policy: RemovedPolicy) -> list[LedgerEntry]:
        """Entries to publish, newest first: ``keep`` includes removed essays, ``drop`` leaves them out."""
        if removed_policy not in ("keep", "drop"):
            raise ValueError(f"removed_policy must be 'keep' or 'drop', not {removed_policy!r}")
        chosen = [e for e in self.entries if removed_policy == "keep" or not e.removed]
        return sorted(chosen, key=lambda e: (e.pub_date, e.number), reverse=True)

    def _with(self, entry: LedgerEntry) -> Ledger:
        draft = _Draft(self)
        draft.put(entry)
        return draft.ledger()


class _Draft:
    """A ledger being changed in place: what :meth:`Ledger.assign` and :meth:`Ledger.sync` build
    the new (immutable) ledger from, with entries by id and by number so that each essay costs
    the same however many episodes the show has."""

    def __init__(self, ledger: Ledger) -> None:
        self.by_id: dict[str, LedgerEntry] = {e.id: e for e in ledger.entries}
        self.by_number: dict[int, set[str]] = {}
        for entry in self.by_id.values():
            self.by_number.setdefault(entry.number, set()).add(entry.id)
        self.last_number = ledger.last_number

    def put(self, entry: LedgerEntry) -> None:
        old = self.by_id.get(entry.id)
        if old is not None:
            self.by_number[old.number].discard(entry.id)
        self.by_id[entry.id] = entry
        self.by_number.setdefault(entry.number, set()).add(entry.id)
        self.last_number = max(self.last_number, entry.number)

    def ledger(self) -> Ledger:
        ordered = tuple(sorted(self.by_id.values(), key=lambda e: (e.number, e.id)))
        return Ledger(entries=ordered, last_number=self.last_number)

    def apply(self, entry: LedgerEntry | None, essay: EssayRef, now: dt.datetime,
              new_guid: Callable[[], str], reserved: frozenset[int] = frozenset()) -> LedgerEntry:
        """Update ``entry`` (or create one when None) from what the essay says now."""
        source = _posix(essay.source)
        number = essay.front_matter_episode
        if number is not None:
            self._check_number(number, source, entry)
        first_published = entry.first_published if entry else _utc(now)
        dated = essay.front_matter_date is not None
        pub_date = _utc(essay.front_matter_date) if essay.front_matter_date is not None else first_published
        if entry is None:
            entry = LedgerEntry(
                id=self._new_id(essay.slug), guid=new_guid(), number=number or self._next_number(reserved),
                pub_date=pub_date, first_published=first_published, slug=essay.slug, source=source,
                source_sha256=essay.source_sha256, title=essay.title, date_from_front_matter=dated,
            )
        else:
            entry = replace(
                entry, number=number or entry.number, pub_date=pub_date, slug=essay.slug, source=source,
                source_sha256=essay.source_sha256, title=essay.title, date_from_front_matter=dated,
                removed=False,
            )
        self.put(entry)
        return entry

    def _check_number(self, number: int, source: str, entry: LedgerEntry | None) -> None:
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise PublishError(f"front matter 'episode: {number}' must be a whole number from 1",
                               path=source, hint="fix or remove the episode line in the front matter")
        holders = sorted(i for i in self.by_number.get(number, ()) if entry is None or i != entry.id)
        if holders:
            other = self.by_id[holders[0]]
            state = " (a removed episode: numbers are never reused)" if other.removed else ""
            raise PublishError(
                f"front matter 'episode: {number}' is already episode {number} "
                f"'{other.title}' from {other.source}{state}", path=source,
                hint=f"choose another number, e.g. {self.last_number + 1}, or remove the episode line",
            )

    def _next_number(self, reserved: frozenset[int]) -> int:
        number = self.last_number + 1
        while number in reserved:
            number += 1
        return number

    def _new_id(self, slug: str) -> str:
        candidate, suffix = slug, 2
        while candidate in self.by_id:
            candidate, suffix = f"{slug}-{suffix}", suffix + 1
        return candidate


def _posix(source: str | PurePosixPath | Path) -> str:
    return source.as_posix() if isinstance(source, (Path, PurePosixPath)) else str(source).replace("\\", "/")


# --- the file ---------------------------------------------------------------------------------

_FIELDS: dict[str, type] = {
    "guid": str, "number": int, "pub_date": str, "first_published": str, "slug": str, "source": str,
    "source_sha256": str, "title": str, "date_from_front_matter": bool, "removed": bool,
}


def ledger_to_json(ledger: Ledger) -> str:
    """The file's text: sorted keys, indented, one trailing newline (diffs well)."""
    document = {
        "format": LEDGER_FORMAT,
        "last_number": ledger.last_number,
        "episodes": {
            entry.id: {
                "guid": entry.guid, "number": entry.number, "pub_date": _format_time(entry.pub_date),
                "first_published": _format_time(entry.first_published), "slug": entry.slug,
                "source": entry.source, "source_sha256": entry.source_sha256, "title": entry.title,
                "date_from_front_matter": entry.date_from_front_matter, "removed": entry.removed,
            }
            for entry in ledger.entries
        },
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _corrupt(path: Path, what: str) -> PublishError:
    return PublishError(f"the episode ledger is damaged: {what}", path=path, hint=RESTORE_HINT)


def _parse_time(value: str, path: Path, where: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _corrupt(path, f"{where} is not an ISO 8601 date: {value!r}") from None
    if parsed.tzinfo is None:
        raise _corrupt(path, f"{where} has no time zone: {value!r}")
    return _utc(parsed)


def _parse_entry(entry_id: str, data: object, path: Path) -> LedgerEntry:
    if not isinstance(data, dict):
        raise _corrupt(path, f"episode '{entry_id}' is not an object")
    missing = sorted(set(_FIELDS) - set(data))
    if missing:
        raise _corrupt(path, f"episode '{entry_id}' lacks {', '.join(missing)}")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise _corrupt(path, f"episode '{entry_id}' has unknown keys {', '.join(unknown)}")
    for key, kind in _FIELDS.items():
        value = data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise _corrupt(path, f"episode '{entry_id}': '{key}' should be {kind.__name__}, not {value!r}")
    if data["number"] < 1 or not data["guid"].strip():
        raise _corrupt(path, f"episode '{entry_id}' has an empty guid or a number below 1")
    return LedgerEntry(
        id=entry_id, guid=data["guid"], number=data["number"],
        pub_date=_parse_time(data["pub_date"], path, f"episode '{entry_id}' pub_date"),
        first_published=_parse_time(data["first_published"], path, f"episode '{entry_id}' first_published"),
        slug=data["slug"], source=data["source"], source_sha256=data["source_sha256"], title=data["title"],
        date_from_front_matter=data["date_from_front_matter"], removed=data["removed"],
    )


def load_ledger(path: Path) -> Ledger:
    """Read ``episodes.json``; an absent file is an empty ledger, a damaged one a PublishError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Ledger()
    except OSError as exc:
        raise PublishError(f"cannot read the episode ledger: {exc.strerror}", path=path,
                           hint="check the file's permissions") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _corrupt(path, f"not valid JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("episodes"), dict):
        raise _corrupt(path, "expected an object with an 'episodes' object")
    if document.get("format") != LEDGER_FORMAT:
        raise _corrupt(path, f"unknown format {document.get('format')!r}; this audioessay reads format "
                             f"{LEDGER_FORMAT}")
    last_number = document.get("last_number")
    if not isinstance(last_number, int) or isinstance(last_number, bool) or last_number < 0:
        raise _corrupt(path, f"'last_number' should be a whole number, not {last_number!r}")
    entries = [_parse_entry(entry_id, data, path) for entry_id, data in document["episodes"].items()]
    for key in ("guid", "number"):
        counts = Counter(getattr(e, key) for e in entries)
        duplicates = sorted(str(v) for v, n in counts.items() if n > 1)
        if duplicates:
            raise _corrupt(path, f"two episodes share the {key} {', '.join(duplicates)}")
    top = max((e.number for e in entries), default=0)
    return Ledger(entries=tuple(sorted(entries, key=lambda e: (e.number, e.id))),
                  last_number=max(last_number, top))


def save_ledger(path: Path, ledger: Ledger) -> None:
    """Write ``episodes.json`` atomically; an unchanged ledger is not rewritten.

    The previous file is first copied to ``.audioessay/episodes.json.bak`` beside it.
    """
    path = Path(path)
    data = ledger_to_json(ledger).encode("utf-8")
    try:
        previous = path.read_bytes()
    except FileNotFoundError:
        previous = None
    except OSError as exc:
        raise PublishError(f"cannot read the episode ledger: {exc.strerror}", path=path,
                           hint="check the file's permissions") from None
    if previous == data:
        return
    try:
        if previous is not None:
            atomic_write_bytes(path.parent / ".audioessay" / BACKUP_NAME, previous)
    except OSError as exc:
        raise PublishError(f"cannot back up the episode ledger: {exc}", path=path,
                           hint="check that the workspace is writable") from None
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise PublishError(f"cannot write the episode ledger: {exc}", path=path,
                           hint="check that the workspace is writable") from None
