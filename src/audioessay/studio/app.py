"""The studio's web app: thin views over :mod:`audioessay.studio` (read, edit, listen, jobs).

Each view parses the request, calls one library function and answers (HTML for pages, JSON for
the page's requests, audio for takes and episodes). Every request first passes the guard
(:mod:`audioessay.studio.security`): Host, token, and for changes Origin, CSRF token and JSON.
Every :class:`~audioessay.errors.AudioessayError` becomes one message with a status code, in
one place (:func:`_error_response`).
"""

from __future__ import annotations

import io
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, redirect, request, send_file
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from audioessay.errors import AudioessayError, ConfigError, ScriptError, ToolMissingError
from audioessay.lock import WorkspaceBusyError
from audioessay.models import Essay
from audioessay.studio import edits, episodes, lexicon, listen
from audioessay.studio.jobs import Jobs
from audioessay.studio.security import CSRF_HEADER, Guard, StudioRefusedError, checked_slug, inside
from audioessay.templating import render_template
from audioessay.workspace import Workspace, load_workspace

STATIC = Path(__file__).parent / "static"
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@dataclass(frozen=True)
class Studio:
    """What every view needs: the workspace folder, the guard, the narrator and the jobs."""

    root: Path
    guard: Guard
    narrator: listen.Narrator
    jobs: Jobs

    def workspace(self) -> Workspace:
        return load_workspace(self.root)  # read per request: the lexicon or voice may have changed

    def essay(self, ws: Workspace, slug: str) -> Essay:
        essays, _report = episodes.essays_of(ws)
        checked_slug(slug, frozenset(e.slug for e in essays))
        return next(e for e in essays if e.slug == slug)


def create_app(root: Path, guard: Guard) -> Flask:
    """The studio for the workspace in ``root``."""
    app = Flask("audioessay.studio", static_folder=str(STATIC), static_url_path="/static")
    studio = Studio(Path(root).resolve(), guard, listen.Narrator(), Jobs(Path(root).resolve()))
    app.extensions["audioessay_studio"] = studio
    app.before_request(lambda: _guard_request(guard))
    app.after_request(_secure_headers)
    app.register_error_handler(AudioessayError, _error_response)
    app.register_error_handler(HTTPException, _http_error)
    _register_pages(app, studio)
    _register_changes(app, studio)
    return app


def _guard_request(guard: Guard) -> WerkzeugResponse | None:
    """Host first, then the token (from the printed URL: set as a cookie), then a change's origin."""
    guard.check_host(request.host)
    given = request.args.get("token")
    if given is not None:
        if not guard.token_ok(given) or request.method != "GET":
            raise StudioRefusedError("that token is not this studio's", hint="open the URL 'audioessay studio' printed")
        kept = [(key, value) for key, value in request.args.items(multi=True) if key != "token"]
        response = redirect(request.path + ("?" + urlencode(kept) if kept else ""), code=303)
        response.set_cookie(guard.cookie_name, guard.token, httponly=True, samesite="Strict", path="/")
        return response
    if not guard.token_ok(request.cookies.get(guard.cookie_name)):
        raise StudioRefusedError("this studio needs its token",
                                 hint="open the URL that 'audioessay studio' printed (it holds ?token=...)")
    guard.check_write(request.method, request.headers.get("Origin"), request.headers.get("Referer"),
                      request.headers.get(CSRF_HEADER), request.content_type)
    return None


def _secure_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if response.mimetype in ("text/html", "application/json"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _status(exc: AudioessayError) -> int:
    if isinstance(exc, StudioRefusedError):
        return exc.status
    if isinstance(exc, WorkspaceBusyError):
        return 423  # Locked: a command (a render) holds the workspace
    if isinstance(exc, ToolMissingError):
        return 503
    return 400 if isinstance(exc, (ScriptError, ConfigError)) else 422


def _wants_json() -> bool:
    return request.method != "GET" or request.accept_mimetypes.best == "application/json"


def _error_response(exc: AudioessayError) -> tuple[Response | str, int]:
    if _wants_json():
        return jsonify(error=exc.format()), _status(exc)
    return render_template("studio/error.html", message=exc.format()), _status(exc)


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    return jsonify(error=exc.description or exc.name), exc.code or 500


def _payload() -> dict[str, Any]:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # JSON nested beyond Python's stack: a bad request, never a 500
        data = None
    if not isinstance(data, dict):
        raise StudioRefusedError("the request body must be a JSON object", status=400)
    return data


def _seconds(data: dict[str, Any]) -> float:
    """A pause's length: a finite number (a 400-digit integer does not fit a float)."""
    try:
        seconds = float(_field(data, "seconds", (int, float), 0))
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds):
        raise StudioRefusedError("a pause must be a number of seconds", status=400)
    return seconds


def _field(data: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    """A field of the JSON body, of the type asked (a JSON true is not a number here)."""
    value = data.get(name, default)
    if not isinstance(value, kind) or isinstance(value, bool):
        what = "a number" if kind in (int, (int, float)) else "text"
        raise StudioRefusedError(f"'{name}' must be {what}", status=400)
    return value


def _page(name: str, studio: Studio, **context: Any) -> str:
    job = studio.jobs.current()
    return render_template(f"studio/{name}", csrf=studio.guard.csrf_token, job=asdict(job) if job else None,
                           **context)


# --------------------------------------------------------------------------- pages and audio


def _register_pages(app: Flask, studio: Studio) -> None:
    @app.get("/")
    def show() -> str:
        ws = studio.workspace()
        rows = episodes.show_rows(ws, studio.jobs.failures())
        return _page("show.html", studio, show=ws.config.show, rows=rows)

    @app.get("/e/<slug>")
    def episode(slug: str) -> str:
        ws = studio.workspace()
        view = _view(studio, ws, studio.essay(ws, slug))
        return _page("episode.html", studio, view=view, show=ws.config.show)

    @app.get("/e/<slug>/take")
    def take(slug: str) -> Response:
        ws = studio.workspace()
        essay = studio.essay(ws, slug)
        seen, lines = episodes.plain_lines(ws, essay.slug)
        if request.args.get("h") not in (None, seen):
            raise edits.ScriptChangedError(ws.relative(ws.script_path(slug)))
        line = listen.sentence_at(lines, request.args.get("line", type=int) or 0)
        found = studio.narrator.take(ws, line.spoken, episodes.essay_settings(ws, essay))
        return _audio(found)

    @app.get("/e/<slug>/audio")
    def episode_audio(slug: str) -> Response:
        ws = studio.workspace()
        record = _record(ws, studio.essay(ws, slug).slug)
        return send_file(inside(ws.root, record.audio), mimetype="audio/mpeg", conditional=True, max_age=0)

    @app.get("/e/<slug>/cues")
    def cues(slug: str) -> Response:
        ws = studio.workspace()
        essay = studio.essay(ws, slug)
        record = _record(ws, slug)
        if not record.transcript:
            return jsonify(cues=[])
        vtt = inside(ws.root, record.transcript).read_text(encoding="utf-8", errors="replace")
        view = _view(studio, ws, essay, marks=False)
        return jsonify(cues=listen.cue_lines(listen.read_cues(vtt), view.lines))

    @app.get("/lexicon")
    def lexicon_page() -> str:
        ws = studio.workspace()
        return _page("lexicon.html", studio, show=ws.config.show, entries=sorted(ws.config.pronunciations.items()),
                     config_hash=lexicon.config_hash(ws))

    @app.get("/jobs/current")
    def job() -> Response:
        state = studio.jobs.current()
        return jsonify(job=asdict(state) if state else None)


def _view(studio: Studio, ws: Workspace, essay: Essay, *, marks: bool = True) -> episodes.EpisodeView:
    rows = [r for r in episodes.show_rows(ws, studio.jobs.failures()) if r.slug == essay.slug] if marks else []
    row = rows[0] if rows else episodes.EpisodeRow(essay.slug, essay.title, essay.source.as_posix(), "draft")
    if not ws.script_path(essay.slug).is_file():
        raise ScriptError("there is no script yet", path=ws.relative(ws.script_path(essay.slug)),
                          hint="press Render, or run 'audioessay script'")
    settings = episodes.essay_settings(ws, essay)
    try:
        version = studio.narrator.version(settings.engine) if marks else None
    except AudioessayError:
        version = None  # the engine is missing: no cache marks; playing says why
    return episodes.episode_view(ws, essay, row, settings, version)


def _record(ws: Workspace, slug: str) -> Any:
    from audioessay.pipeline.records import read_record

    record = read_record(ws, slug)
    if record is None:
        raise StudioRefusedError("this episode has not been rendered yet", status=404, hint="press Render")
    return record


def _audio(take: listen.Take) -> Response:
    if not take.private:
        response = send_file(take.path, mimetype="audio/wav", conditional=True, max_age=0)
    else:
        data = take.path.read_bytes()
        listen.discard(take)
        response = send_file(io.BytesIO(data), mimetype="audio/wav", max_age=0)
    response.headers["X-Take"] = "narrated" if take.narrated else "cached"
    return response


# --------------------------------------------------------------------------- changes


def _register_changes(app: Flask, studio: Studio) -> None:
    @app.post("/e/<slug>/edit")
    def edit(slug: str) -> Response:
        ws = studio.workspace()
        essay = studio.essay(ws, slug)
        data = _payload()
        change = edits.LineEdit(op=_field(data, "op", str), line=_field(data, "line", int),
                                text=_field(data, "text", str, ""), seconds=_seconds(data))
        if change.op not in ("replace", "pause", "insert-sentence", "insert-pause", "delete"):
            raise StudioRefusedError(f"unknown change {change.op!r}", status=400)
        saved = edits.edit_script(ws, essay.slug, _field(data, "hash", str), change)
        return _after_change(studio, ws, essay, saved, change.line if change.op == "replace" else 0)

    @app.post("/e/<slug>/approve")
    def approve(slug: str) -> Response:
        ws = studio.workspace()
        essay = studio.essay(ws, slug)
        return _after_change(studio, ws, essay, edits.approve(ws, essay, _field(_payload(), "hash", str)), 0)

    @app.post("/e/<slug>/regenerate")
    def regenerate(slug: str) -> Response:
        ws = studio.workspace()
        essay = studio.essay(ws, slug)
        return _after_change(studio, ws, essay, edits.regenerate(ws, essay, _field(_payload(), "hash", str)), 0)

    @app.post("/lexicon/preview")
    def lexicon_preview() -> Response:
        data = _payload()
        value = data.get("value")
        found = lexicon.preview(studio.workspace(), _field(data, "word", str),
                                value if isinstance(value, str) and value.strip() else None)
        return jsonify(changes=[asdict(change) for change in found])

    @app.post("/lexicon")
    def lexicon_save() -> Response:
        data = _payload()
        value = data.get("value")
        rewritten = lexicon.set_entry(studio.workspace(), _field(data, "word", str),
                                      value if isinstance(value, str) and value.strip() else None,
                                      _field(data, "hash", str))
        return jsonify(rewritten=rewritten, hash=lexicon.config_hash(studio.workspace()))

    @app.post("/jobs")
    def start_job() -> Response:
        kind = _field(_payload(), "kind", str)
        if kind not in ("render", "publish"):
            raise StudioRefusedError(f"unknown job {kind!r}", status=400)
        return jsonify(job=asdict(studio.jobs.start(kind)))


def _after_change(studio: Studio, ws: Workspace, essay: Essay, saved: edits.Saved, line: int) -> Response:
    """The page's new state after a change: the file's hash, the episode's state, and the changed
    sentence's row (rendered as the page renders it), so the page needs no reload."""
    view = _view(studio, ws, essay)
    row_html = ""
    if line:
        body_line = next((b for b in view.lines if b.number == line), None)
        row_html = render_template("studio/line.html", line=body_line, view=view) if body_line else ""
    return jsonify(hash=saved.file_hash, state=view.row.state, stale=view.row.stale,
                   withdrew=saved.withdrew_approval, row=row_html)
