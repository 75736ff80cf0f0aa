"""Writing imported essays into ``seeds/``, incrementally, never over a person's edits.

``.audioessay/imports.json`` records, for each imported essay, its identity keys (canonical URL
first), its seed and the hash of the file as audioessay last wrote it. A seed whose bytes still
hash to that was not touched by anyone and may be rewritten when its post changed; one that does
not was edited by a person and is kept (with ``--force``, after a backup ``<seed>.bak-<UTC>``).
An essay keeps its seed, and so its slug and its episode's guid, for as long as it keeps its keys.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from audioessay.fsutil import atomic_write_bytes, atomic_write_text, sha256_bytes
from audioessay.importing.fields import url_key
from audioessay.importing.models import ImportOptions, ImportSourceError, Post, SeedOutcome
from audioessay.text.read import SLUG_MAX, slugify, split_front_matter
from audioessay.workspace import Workspace

STATE_NAME = "imports.json"
STATE_FORMAT = 1


def format_seed(post: Post) -> str:
    """The seed file: YAML front matter (only the keys that have a value), then the Markdown."""
    front: dict[str, Any] = {"title": post.title}
    date: dt.date | dt.datetime | None = post.date
    if post.date is not None and post.date.time() == dt.time(0) and post.date.utcoffset() == dt.timedelta(0):
        date = post.date.date()  # a day without a time of day: written as a plain date
    for key, value in (("author", post.author), ("date", date), ("description", post.description),
                       ("source_url", post.source_url)):
        if value:
            front[key] = value
    header = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{header}---\n{post.body}"


@dataclass(frozen=True)
class Record:
    """One imported essay in ``imports.json``."""

    keys: tuple[str, ...]
    seed: str  # workspace-relative
    sha256: str  # of the seed as audioessay last wrote it
    origin: str

    def to_json(self) -> dict[str, Any]:
        return {"keys": list(self.keys), "seed": self.seed, "sha256": self.sha256, "origin": self.origin}


class SeedWriter:
    """Writes the posts of one run into ``seeds/`` and keeps ``imports.json``; :meth:`save` at the end
    (the only mutable value of a run, owned by :func:`audioessay.importing.run.import_sources`)."""

    def __init__(self, ws: Workspace, options: ImportOptions) -> None:
        self.ws, self.options = ws, options
        self.path = ws.state / STATE_NAME
        self.records: list[Record] = _load_records(self.path)
        self.changed = False
        self._by_source_url: dict[str, Path] | None = None  # seeds found by their source_url, made once
        self._taken = _taken_slugs(ws) | {Path(r.seed).stem for r in self.records}

    def find(self, keys: tuple[str, ...]) -> Record | None:
        """The record sharing a key with ``keys``, or None."""
        wanted = set(keys)
        return next((r for r in self.records if wanted.intersection(r.keys)), None)

    def place(self, post: Post) -> SeedOutcome:
        """Write ``post`` to its seed as the rules say, and say what happened."""
        record = self.find(post.keys)
        path = self.ws.root / record.seed if record else (self._recovered(post) or self._new_path(post))
        text = format_seed(post)
        try:
            kind, note, backup = self._write(path, text, record)
        except OSError as exc:  # a full disk is a DiskFullError, which stops the run
            raise ImportSourceError(f"cannot be written: {exc.strerror or exc}", path=self.ws.relative(path),
                                    hint="check that seeds/ is writable") from None
        if kind in ("added", "updated", "forced", "unchanged"):
            self._remember(post, path, sha256_bytes(text.encode("utf-8")), record)
        return SeedOutcome(kind=kind, origin=post.origin, title=post.title, message=note,
                           seed=self.ws.relative(path), slug=path.stem, source_url=post.source_url,
                           dropped=post.dropped, backup=self.ws.relative(backup) if backup else None)

    def _write(self, path: Path, text: str, record: Record | None) -> tuple[str, str, Path | None]:
        shown = self.ws.relative(path)
        data = text.encode("utf-8")
        if not path.exists():
            if record is not None and not self.options.force:
                return "kept", (f"{shown} was deleted since it was imported: not imported again "
                                "(--force imports it again)"), None
            atomic_write_text(path, text)
            return "added", f"added {shown}", None
        current = path.read_bytes()
        if current == data:
            return "unchanged", f"{shown} is up to date", None
        untouched = record is not None and sha256_bytes(current) == record.sha256
        if untouched:
            atomic_write_text(path, text)
            return "updated", f"updated {shown}: the post changed", None
        if self.options.force:
            backup = _backup_path(path)
            atomic_write_bytes(backup, current)
            atomic_write_text(path, text)
            return "forced", f"rewrote {shown} although it was edited by hand; the old file is kept in " \
                             f"{self.ws.relative(backup)}", backup
        if record is not None and record.sha256 == sha256_bytes(data):
            return "kept", f"kept {shown}: it was edited by hand (the post did not change)", None
        return "conflict", (f"kept {shown}: it was edited by hand and the post changed since; merge the "
                            "changes by hand, or import again with --force to replace it (a backup is kept)"), None

    def _remember(self, post: Post, path: Path, sha: str, record: Record | None) -> None:
        keys = tuple(dict.fromkeys((record.keys if record else ()) + post.keys))
        new = Record(keys, self.ws.relative(path), sha, post.origin)
        if record is not None:
            if new == record:
                return
            self.records[self.records.index(record)] = new
        else:
            self.records.append(new)
        self.changed = True

    def _recovered(self, post: Post) -> Path | None:
        """A seed that names the post's URL as its ``source_url`` although no record says so (the
        record was lost): it is the post's seed, and a person's until shown otherwise."""
        if self._by_source_url is None:
            self._by_source_url = _seeds_by_source_url(self.ws)
        return next((self._by_source_url[k] for k in post.keys if k in self._by_source_url), None)

    def _new_path(self, post: Post) -> Path:
        """``seeds/<slug>.md`` for a new essay, with a slug no essay, episode or import has."""
        base = slugify(post.slug_hint) or slugify(post.title) or "essay"
        slug, number = base, 2
        while slug in self._taken:
            suffix = f"-{number}"
            slug, number = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix, number + 1
        self._taken.add(slug)
        return self.ws.seeds / f"{slug}.md"

    def save(self) -> None:
        """Write ``imports.json`` atomically (and to the disk: it is what keeps people's edits safe)."""
        if not self.changed:
            return
        document = {"format": STATE_FORMAT, "essays": [r.to_json() for r in self.records]}
        atomic_write_text(self.path, json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        self.changed = False


def _load_records(path: Path) -> list[Record]:
    """The records; a missing or damaged file is none (each seed is then recovered by its
    ``source_url`` and treated as a person's, so nothing is overwritten)."""
    try:
        document = json.loads(path.read_bytes())
        return [Record(tuple(e["keys"]), str(e["seed"]), str(e["sha256"]), str(e.get("origin", "")))
                for e in document["essays"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _taken_slugs(ws: Workspace) -> set[str]:
    """Slugs a new seed must not take: every essay's file name, and every episode's slug."""
    from audioessay.publish.ledger import load_ledger

    taken = {slugify(p.stem) for p in ws.essay_paths()}
    if ws.ledger_path.is_file():
        try:
            taken |= {entry.slug for entry in load_ledger(ws.ledger_path).entries}
        except Exception:  # a damaged ledger is render's to report; here it only costs a -2
            pass
    return taken


def _seeds_by_source_url(ws: Workspace) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in ws.essay_paths():
        try:
            front, _body, _line = split_front_matter(path.read_text(encoding="utf-8"), ws.relative(path))
        except Exception:  # unreadable or odd front matter: reading the essay will say so, not import
            continue
        url = (front or {}).get("source_url")
        for key in url_key(url if isinstance(url, str) else None):
            found.setdefault(key, path)
    return found


def _backup_path(path: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, number = path.with_name(f"{path.name}.bak-{stamp}"), 2
    while candidate.exists():
        candidate, number = path.with_name(f"{path.name}.bak-{stamp}-{number}"), number + 1
    return candidate

