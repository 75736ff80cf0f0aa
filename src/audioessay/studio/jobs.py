"""``render`` and ``publish`` run from the studio, one at a time, with their progress.

A job runs on a thread of its own and holds the workspace lock for the whole run, as the command
does: a ``render`` from the command line meanwhile is refused ("the workspace is busy: 'audioessay
studio render' is running"), and so are the studio's own edits. A job cannot start while a
command holds the lock: it fails at once with the command's message. ``publish`` here rewrites the
feed and page for ``show.base_url`` (what ``publish`` does before copying); copying them to a
destination stays a command (``audioessay publish DEST``): the studio writes nothing outside the
workspace.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from audioessay.errors import AudioessayError
from audioessay.workspace import Workspace, load_workspace

Kind = Literal["render", "publish"]


@dataclass(frozen=True)
class JobState:
    """What the page shows about a job; each update is a new value."""

    id: int
    kind: Kind
    stage: str = "starting"  # "narrating", "mastering", "writing the feed", "done" or "failed"
    done: int = 0
    total: int = 0
    finished: bool = False
    message: str = ""  # the summary, or the error
    failures: tuple[tuple[str, str], ...] = field(default=())  # (essay source, message)


class Jobs:
    """The studio's one running job and the last one's outcome."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()
        self._state: JobState | None = None
        self._count = 0

    def current(self) -> JobState | None:
        with self._lock:
            return self._state

    def failures(self) -> dict[str, str]:
        """The last render's failures by essay source (the show list marks those episodes failed)."""
        state = self.current()
        return dict(state.failures) if state is not None and state.kind == "render" else {}

    def start(self, kind: Kind) -> JobState:
        """Start ``kind`` unless a job is running; the state it starts with."""
        with self._lock:
            if self._state is not None and not self._state.finished:
                raise AudioessayError(f"a {self._state.kind} is running already",
                                      hint="wait for it to finish")
            self._count += 1
            self._state = JobState(self._count, kind)
            state = self._state
        threading.Thread(target=self._run, args=(state,), name=f"studio-{kind}", daemon=True).start()
        return state

    def _update(self, state_id: int, **changes: object) -> None:
        with self._lock:
            if self._state is not None and self._state.id == state_id:
                self._state = replace(self._state, **changes)  # type: ignore[arg-type]

    def _progress(self, state_id: int, stage: str) -> Callable[[int, int], None]:
        return lambda done, total: self._update(state_id, stage=stage, done=done, total=total)

    def _run(self, state: JobState) -> None:
        try:
            ws = load_workspace(self._root)
            if state.kind == "render":
                message, failures = self._render(ws, state.id)
            else:
                message, failures = self._publish(ws, state.id), ()
            self._update(state.id, stage="done", finished=True, message=message, failures=failures)
        except AudioessayError as exc:
            self._update(state.id, stage="failed", finished=True, message=exc.format())
        except Exception as exc:  # a bug: shown on the page, never a dead thread the page waits on
            self._update(state.id, stage="failed", finished=True, message=f"unexpected error: {exc!r}")

    def _render(self, ws: Workspace, state_id: int) -> tuple[str, tuple[tuple[str, str], ...]]:
        from audioessay.lock import workspace_lock
        from audioessay.pipeline.render import render

        with workspace_lock(ws.state, "studio render"):
            report = render(ws, progress=self._progress(state_id, "narrating"),
                            mastering=self._progress(state_id, "mastering"))
        counts = report.summary()
        failures = tuple((err["source"], err["message"]) for err in report.errors)
        message = (f"{counts['made']} made, {counts['up_to_date']} up to date, {counts['failed']} failed; "
                   f"{counts['takes_narrated']} takes narrated, {counts['takes_from_cache']} from cache")
        return message, failures

    def _publish(self, ws: Workspace, state_id: int) -> str:
        from audioessay.lock import workspace_lock
        from audioessay.pipeline.publish import republish

        self._update(state_id, stage="writing the feed", total=1)
        with workspace_lock(ws.state, "studio publish"):
            feed = republish(ws, None, lock=False)
        self._update(state_id, done=1)
        return f"wrote {ws.relative(feed)} and the page for {ws.config.show.base_url}"
