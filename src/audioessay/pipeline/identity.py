"""Which episode each essay is: its slug (and so its URLs) and its ledger entry (and so its guid).

Identity follows the essay's file, not its position among the others: an essay that already has an
episode keeps that episode's slug when another essay appears or disappears, and a published guid
never moves to another essay (:meth:`audioessay.publish.ledger.Ledger.claims`).

``episodes.json`` is what podcast apps' view of the show rests on. When it is missing, it is
recovered from ``.audioessay/episodes.json.bak`` or from the published feed; when neither is
there but episodes were made, a render refuses rather than give every episode a new guid.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from audioessay.errors import PublishError
from audioessay.models import Essay
from audioessay.publish.ledger import BACKUP_NAME, EssayRef, Ledger, LedgerEntry, load_ledger, save_ledger
from audioessay.text.read import SLUG_MAX
from audioessay.workspace import Workspace

_ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def essay_ref(essay: Essay) -> EssayRef:
    return EssayRef(essay.slug, essay.source.as_posix(), essay.title, essay.source_sha256, essay.date, essay.episode)


def present_sources(ws: Workspace, essays: Sequence[Essay] = ()) -> frozenset[str]:
    """The workspace-relative paths of every essay file there is (read or not)."""
    return frozenset({ws.relative(path) for path in ws.essay_paths()} | {e.source.as_posix() for e in essays})


def settle_slugs(essays: list[Essay], ledger: Ledger, present: Collection[str]) -> list[Essay]:
    """Give every essay a distinct slug that stays its own.

    An essay matched to an episode keeps that episode's slug (``her-2`` stays ``her-2`` after ``her``
    is deleted), unless it now asks for another one (a new front matter ``slug:``). The others get
    the slug they ask for, or ``-2``, ``-3``... when it is taken: by another essay, or by any episode
    of the ledger (an episode's folder and URLs are never handed to another essay)."""
    claims = ledger.claims([essay_ref(e) for e in essays], present)
    final: dict[int, str] = {i: entry.slug for i, entry in claims.items() if _same_base(entry.slug, essays[i].slug)}
    taken = set(final.values()) | {entry.slug for entry in ledger.entries}
    asked = {essays[i].slug for i in range(len(essays)) if i not in final}
    for index, essay in enumerate(essays):
        if index not in final:
            final[index] = _free_slug(essay.slug, taken, asked - {essay.slug})
            taken.add(final[index])
    return [essay if final[i] == essay.slug else dataclasses.replace(essay, slug=final[i])
            for i, essay in enumerate(essays)]


def _same_base(slug: str, asked: str) -> bool:
    """Whether ``slug`` is ``asked`` or one of its numbered variants (``asked-2``...)."""
    if slug == asked:
        return True
    match = re.fullmatch(r"(.*)-(\d+)", slug)
    return match is not None and match.group(1) == _cut(asked, len(match.group(2)) + 1)


def _cut(slug: str, suffix_length: int) -> str:
    return slug[: SLUG_MAX - suffix_length].rstrip("-")


def _free_slug(asked: str, taken: set[str], reserved: set[str]) -> str:
    """``asked``, or its first numbered variant nobody has or asked for."""
    if asked not in taken:
        return asked
    number = 2
    while True:
        candidate = f"{_cut(asked, len(str(number)) + 1)}-{number}"
        if candidate not in taken and candidate not in reserved:
            return candidate
        number += 1


@dataclass(frozen=True)
class OpenedLedger:
    ledger: Ledger
    note: str | None = None  # how a missing episodes.json was recovered


def open_ledger(ws: Workspace, *, for_writing: bool = False) -> OpenedLedger:
    """The workspace's ledger. A missing ``episodes.json`` is recovered from its backup and the feed
    (and, ``for_writing``, saved again); with neither, a render that would re-guid episodes already
    made is refused."""
    if ws.ledger_path.exists():
        return OpenedLedger(load_ledger(ws.ledger_path))
    recovered, sources = _recovered(ws)
    if recovered.entries:
        if for_writing:
            save_ledger(ws.ledger_path, recovered)
        return OpenedLedger(recovered, f"{ws.relative(ws.ledger_path)} was missing: the identities of "
                                       f"{len(recovered.entries)} episodes were recovered from {sources}")
    made = sorted(ws.output.glob("*/build.json"))
    if for_writing and made:
        raise PublishError(
            f"episodes.json is missing, and neither .audioessay/{BACKUP_NAME} nor the feed can say which "
            f"guids the {len(made)} episodes in output/ were published with: rendering now would give every "
            "episode a new guid, and podcast apps would list them all again as new", path=ws.ledger_path,
            hint="restore episodes.json from version control or a backup; if the show was never published, "
                 "delete output/*/build.json to start its identities afresh",
        )
    return OpenedLedger(Ledger())


def _recovered(ws: Workspace) -> tuple[Ledger, str]:
    """The backup (one save behind) and the published feed (what apps know), merged: every episode
    of the feed keeps its guid and number, with what the backup knew of its essay; the backup adds
    the episodes the feed does not list. Also says where the entries came from."""
    backup_path = ws.state / BACKUP_NAME
    backup = load_ledger(backup_path) if backup_path.is_file() else Ledger()
    published = _from_feed(ws)
    known = {entry.guid: entry for entry in backup.entries}
    chosen = [known.get(entry.guid, entry) for entry in published.entries]
    ids, numbers = {e.id for e in chosen}, {e.number for e in chosen}
    chosen += [e for e in backup.entries if e.guid not in {c.guid for c in chosen}
               and e.id not in ids and e.number not in numbers]
    sources = " and ".join(ws.relative(path) for path, ledger in ((backup_path, backup), (ws.feed_path, published))
                           if ledger.entries)
    merged = Ledger(entries=tuple(sorted(chosen, key=lambda e: (e.number, e.id))),
                    last_number=max([backup.last_number, published.last_number, *(e.number for e in chosen)]))
    return merged, sources


def _from_feed(ws: Workspace) -> Ledger:
    """Entries rebuilt from the items of the published feed (guid, number, date, title, slug from
    the enclosure's folder); their source is unknown, so each is matched to its essay by slug."""
    try:
        channel = ET.parse(ws.feed_path).getroot().find("channel")
    except (OSError, ET.ParseError):
        return Ledger()
    entries = [entry for item in (channel.findall("item") if channel is not None else [])
               if (entry := _entry_of(item)) is not None]
    if len({e.guid for e in entries}) != len(entries) or len({e.number for e in entries}) != len(entries):
        return Ledger()  # a feed that contradicts itself is no evidence
    by_slug = {e.slug: e for e in entries}
    return Ledger(entries=tuple(sorted(by_slug.values(), key=lambda e: (e.number, e.id))),
                  last_number=max((e.number for e in entries), default=0))


def _entry_of(item: ET.Element) -> LedgerEntry | None:
    guid, number = (item.findtext("guid") or "").strip(), (item.findtext(f"{_ITUNES}episode") or "").strip()
    enclosure = item.find("enclosure")
    path = unquote(urlsplit(enclosure.get("url", "") if enclosure is not None else "").path).split("/")
    try:
        slug = path[path.index("output") + 1]
        published = email.utils.parsedate_to_datetime(item.findtext("pubDate") or "").astimezone(dt.UTC)
    except (ValueError, IndexError, TypeError):
        return None
    if not guid or not number.isdigit() or int(number) < 1 or not slug:
        return None
    return LedgerEntry(id=slug, guid=guid, number=int(number), pub_date=published, first_published=published,
                       slug=slug, source="", source_sha256="", title=(item.findtext("title") or slug).strip())
