"""Takes heard back (the verify extra, :mod:`audioessay.verify`): which takes an episode has, for
``audioessay verify``, and the verify step of ``render --verify`` (or ``[verify] enabled``).

In a render, the takes of every episode being made are heard after narration and before mastering.
A flagged take is narrated once more (a neural voice may say it right the second time; espeak-ng
says it the same way, so its flags stay); what is still flagged goes into the episode's
``report.json`` with its pooled WER, and so into ``render``'s warnings, ``--json`` and ``check``.
``audioessay review`` marks the lines of flagged takes with ``!``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audioessay.errors import AudioessayError
from audioessay.models import Essay, Script
from audioessay.pipeline.essays import find_essay, is_sample, read_essays
from audioessay.pipeline.identity import open_ledger
from audioessay.pipeline.plan import (
    EngineVersions,
    EpisodePlan,
    Takes,
    published_script,
    sync_ledger,
    takes_for,
)
from audioessay.pipeline.report import BuildReport, VoiceOverrides
from audioessay.text.memo import EssayMemo
from audioessay.text.review import ReviewItem
from audioessay.text.scriptfile import read_script
from audioessay.voice.cache import TakeCache, TakeRequest
from audioessay.workspace import Workspace

if TYPE_CHECKING:
    from audioessay.pipeline.runner import Runner
    from audioessay.verify import EpisodeVerdict, Recognizer, TakeToVerify
    from audioessay.voice.narrate import TakeOutcome


@dataclass(frozen=True)
class EpisodeTakes:
    """An episode's takes as render plans them, with where each is in the script."""

    slug: str
    script: str  # workspace-relative script path
    takes: tuple[TakeToVerify, ...]  # the narrated ones
    missing: tuple[str, ...]  # where the takes not narrated yet are ("line 12", "announcement")


def _places(text: str, takes: Takes) -> list[str]:
    from audioessay.verify import sentence_lines

    wheres = [f"line {n}" for n in sentence_lines(text)]
    return wheres + [w for w, said in (("announcement", takes.announcement), ("outro", takes.outro)) if said]


def _written(ws: Workspace, essay: Essay, script: Script, takes: Takes) -> list[str | None]:
    """Each take's written form, in the order of ``takes.requests``: a listener who hears the
    writer's word where the script respells it for the voice heard it right (verify.compare)."""
    lines = published_script(ws, essay, script).lines()
    return [line.written for line in lines] + [said.written for said in (takes.announcement, takes.outro) if said]


def _paired(requests: Sequence[TakeRequest], wheres: Sequence[str], written: Sequence[str | None],
            audio_of: Mapping[str, Path | None]) -> tuple[list[TakeToVerify], list[str]]:
    from audioessay.verify import TakeToVerify

    items, missing = [], []
    for request, where, shown in zip(requests, wheres, written):
        audio = audio_of.get(request.key)
        if audio is None:
            missing.append(where)
        else:
            items.append(TakeToVerify(request.key, request.text, audio, where, shown))
    return items, missing


def takes_to_verify(ws: Workspace, slugs: Sequence[str]) -> list[EpisodeTakes]:
    """Each chosen episode's takes (default: every essay's but the sample). Only reads: the ledger
    and the scripts are never written."""
    chosen = [find_essay(ws, slug) for slug in dict.fromkeys(slugs)]  # an unknown slug: one error
    ledger = open_ledger(ws).ledger
    essays = read_essays(ws, (), BuildReport(), memo=EssayMemo(ws.state), ledger=ledger)
    _ledger, entries = sync_ledger(ws, ledger, essays, dt.datetime.now(dt.UTC), all_seeds=True)
    wanted = {e.slug for e in chosen} or {e.slug for e in essays if not is_sample(e)}
    cache, engines, found = TakeCache(ws.cache), EngineVersions(), []
    for essay in (e for e in essays if e.slug in wanted and e.slug in entries):
        path = ws.script_path(essay.slug)
        if not path.is_file():
            raise AudioessayError("there is no script yet", path=ws.relative(path),
                                  hint=f"run 'audioessay render {essay.source.as_posix()}' first")
        text, script = read_script(path, ws.relative(path))
        takes = takes_for(ws, essay, script, entries[essay.slug].number, VoiceOverrides(), engines)
        audio = {request.key: cache.get(request.key) for request in takes.requests}
        items, missing = _paired(takes.requests, _places(text, takes), _written(ws, essay, script, takes), audio)
        found.append(EpisodeTakes(essay.slug, ws.relative(path), tuple(items), tuple(missing)))
    return found


# --------------------------------------------------------------------------- during a render


class RenderVerifier:
    """render's verify step."""

    def __init__(self, ws: Workspace, model: str | None, jobs: int) -> None:
        from audioessay.verify import require_extra

        require_extra()  # before any take is narrated: one line with the install command
        self.ws, self.model, self.jobs = ws, model or None, jobs
        self._recognizer: Recognizer | None = None

    def _heard_by(self) -> Recognizer:
        if self._recognizer is None:
            from audioessay.verify import load_recognizer

            self._recognizer = load_recognizer(self.ws.state, self.model, workers=self.jobs)
        return self._recognizer

    def check(self, plans: Sequence[EpisodePlan], outcomes: dict[str, TakeOutcome], runner: Runner,
              cache: TakeCache) -> dict[str, EpisodeVerdict]:
        """Each plan's verdicts after one more narration of its flagged takes (``outcomes`` is
        updated with the new takes)."""
        first = {plan.slug: self._hear(plan, outcomes) for plan in plans}
        again = [r for plan in plans for r in plan.takes.requests
                 if r.key in {v.key for v in first[plan.slug].flagged}]
        if not again:
            return first
        for request in dict((r.key, r) for r in again).values():
            _forget(cache, request.key)
        outcomes.update(runner.narrate(again, len(plans), None))  # the same episode count: the same pool
        return {plan.slug: self._hear(plan, outcomes) for plan in plans}

    def _hear(self, plan: EpisodePlan, outcomes: Mapping[str, TakeOutcome]) -> EpisodeVerdict:
        from audioessay.verify import EpisodeVerdict, verify_takes

        text = self.ws.script_path(plan.slug).read_text(encoding="utf-8")
        audio = {key: outcome.path for key, outcome in outcomes.items()}
        written = _written(self.ws, plan.essay, plan.script, plan.takes)
        items, missing = _paired(plan.takes.requests, _places(text, plan.takes), written, audio)
        recognizer = self._heard_by()  # faster-whisper itself loads on the first take not heard before
        verdicts = verify_takes(items, recognizer, self.ws.state, jobs=self.jobs)
        return EpisodeVerdict(plan.slug, self.ws.relative(self.ws.script_path(plan.slug)), tuple(verdicts),
                              recognizer.model.name, tuple(missing))


def _forget(cache: TakeCache, key: str) -> None:
    """Drop a cached take so that it is narrated again."""
    try:
        os.unlink(cache.path(key))
    except FileNotFoundError:
        pass


def report_of(verdict: EpisodeVerdict) -> tuple[dict[str, Any], list[str]]:
    """The episode's ``report.json`` section for what was heard, and a problem line per flagged take."""
    problems = [f"verify: {take.where}: {take.reason}: said {take.text!r}, heard {take.heard!r}"
                for take in verdict.flagged]
    section = {"model": verdict.model, "wer": round(verdict.wer, 4), "takes": len(verdict.takes),
               "flagged": [{"where": t.where, "reason": t.reason, "said": t.text, "heard": t.heard}
                           for t in verdict.flagged]}
    return section, problems


def heard_wrong(ws: Workspace, slug: str) -> list[ReviewItem]:
    """``review``'s ``!`` lines for the takes the last ``render --verify`` still heard wrong (from
    the episode's report.json): said -> heard, on the script line of the sentence."""
    from audioessay.pipeline.records import read_record

    record = read_record(ws, slug)
    try:
        data = json.loads((ws.root / record.report).read_text(encoding="utf-8")) if record and record.report else {}
    except (OSError, ValueError):
        return []
    flagged = data.get("verify", {}).get("flagged", []) if isinstance(data, dict) else []
    items = []
    for take in flagged if isinstance(flagged, list) else []:
        where = str(take.get("where", "")) if isinstance(take, dict) else ""
        if where.startswith("line ") and where[5:].isdigit():
            items.append(ReviewItem(int(where[5:]), str(take.get("said", "")), str(take.get("heard", "")),
                                    f"verify: {take.get('reason', 'heard wrong')}", True))
    return items
