"""The ``audioessay`` command: a thin click layer over the library.

Each command parses options, calls one library function and reports. Every
:class:`AudioessayError` becomes ``error: <message>`` and exit code 1, in :func:`main`;
usage errors exit 2. No traceback for anything a user can cause.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from audioessay import __version__
from audioessay.environment import SCHEDULER_ENV, STORE_ENV
from audioessay.errors import AudioessayError
from audioessay.memory import one_heap

if TYPE_CHECKING:
    import concurrent.futures

    from audioessay.pipeline.report import BuildReport, EpisodeResult
    from audioessay.workspace import Workspace

PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))


def _workspace() -> Workspace:
    from audioessay.workspace import load_workspace

    return load_workspace(Path.cwd())


class _ProgressBars:
    """Progress bars with counts and ETA on a terminal (one line per stage); nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._open: str | None = None  # the stage whose bar is on the current line
        self._start = time.monotonic()

    def stage(self, verb: str, unit: str) -> Callable[[int, int], None] | None:
        """The callback for one stage, e.g. ("narrating", "takes")."""
        if not self.enabled:
            return None

        def update(done: int, total: int) -> None:
            if total == 0:
                return
            if self._open != verb:
                if self._open is not None:
                    click.echo("", err=True)
                self._open, self._start = verb, time.monotonic()
            elapsed = time.monotonic() - self._start
            eta = (elapsed / done * (total - done)) if done else 0.0
            width = 30
            filled = int(width * done / total)
            click.echo(f"\r{verb} [{'#' * filled}{'-' * (width - filled)}] {done}/{total} {unit}, ETA {eta:4.0f}s",
                       nl=False, err=True)

        return update

    def close(self) -> None:
        if self._open is not None:
            click.echo("", err=True)


def _print_report(report: BuildReport, as_json: bool, verb: str) -> None:
    if as_json:
        data = report.to_json()
        if verb == "render":
            data["summary"] = report.summary()
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for episode in report.episodes:
        line = f"{verb}: {episode.script if verb == 'script' else (episode.audio or episode.script)}"
        if verb == "render":
            line += _render_facts(episode)
        else:
            line += f" [{episode.status}" + (", stale" if episode.stale else "")
            if episode.attention:
                line += f", {episode.attention} decisions to check with 'audioessay review {episode.slug}'"
            line += "]"
        click.echo(line)
        for note in episode.notes:
            click.echo(f"  note: {note}")
        for warning in episode.warnings:
            click.echo(f"warning: {episode.report or episode.script}: {warning}", err=True)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for problem in report.problems:
        click.echo(f"check: {problem}", err=True)
    for error in report.errors:
        message, source = error["message"], error["source"]
        # Every line names its file: a tool's or the feed's message may not.
        click.echo(f"error: {message if source in message else f'{source}: {message}'}", err=True)
    if verb == "render":
        _print_summary(report)


def _render_facts(episode: EpisodeResult) -> str:
    """The parenthesis after an episode's file on its ``render`` line."""
    facts = [("made" if episode.remade else "up to date")
             + f"; {episode.synthesized} takes narrated, {episode.cached} from cache"]
    if episode.duration is not None:
        facts.append(f"{episode.duration:.1f} s")
    if episode.loudness is not None:
        facts.append(f"{episode.loudness:.1f} LUFS")
    if episode.wer is not None:
        facts.append(f"heard back with WER {episode.wer:.1%}")
    if episode.stale:
        facts.append(f"script stale: see 'audioessay review {episode.slug}'")
    return " (" + "; ".join(facts) + ")"


def serve_until_stopped(server: Any) -> None:
    """Serve until Ctrl-C (or SIGTERM), then close the socket; shared by ``serve`` and ``studio``."""
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()


def _print_summary(report: BuildReport) -> None:
    """The line ``render`` ends with (the counts of :meth:`BuildReport.summary`)."""
    counts = report.summary()
    failed = f"{counts['failed']} failed"
    if counts["failed"]:
        failed += f" ({', '.join(counts['failed_sources'])}: see the errors above)"
    warned = f", {counts['warnings']} quality warnings" if counts["warnings"] else ""
    stale = counts["scripts_stale"]
    if stale:
        which = counts["stale_slugs"][0] if stale == 1 else "SLUG"
        warned += (f", {stale} script{'s' if stale != 1 else ''} stale: the essay changed since "
                   f"{'it was' if stale == 1 else 'they were'} written; see 'audioessay review {which}'")
    click.echo(
        f"summary: {counts['made']} made, {counts['up_to_date']} up to date, {failed}{warned}; "
        f"{counts['takes_narrated']} takes narrated, {counts['takes_from_cache']} from cache"
        + (f"; feed: {report.feed}" if report.feed else "; the feed was not rewritten"),
        err=bool(report.errors),
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audioessay")
def cli() -> None:
    """Turn the essays in seeds/ into a podcast: scripts, narration, episodes and a feed.

    Every command acts on the workspace in the current folder (the folder holding
    audioessay.toml).
    """


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """Make a new workspace in DIRECTORY, ready to render."""
    from audioessay.scaffold import init_workspace

    created = init_workspace(directory)
    click.echo(f"created workspace {directory}")
    for path in created:
        click.echo(f"  {path}")
    click.echo(f"next: cd {directory} && audioessay render")


@cli.command()
@PATHS
@click.option("--force", is_flag=True, help="Regenerate scripts a person edited or approved (a backup is kept).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first essay that fails.")
def script(paths: tuple[Path, ...], force: bool, as_json: bool, fail_fast: bool) -> None:
    """Write the narration script of each essay (default: all of seeds/) to output/<slug>/script.txt."""
    from audioessay.lock import workspace_lock
    from audioessay.pipeline.essays import write_scripts

    ws = _workspace()
    with workspace_lock(ws.state, "script"):
        report = write_scripts(ws, paths, force=force, fail_fast=fail_fast)
    _print_report(report, as_json, "script")
    sys.exit(1 if report.errors else 0)


@cli.command()
@PATHS
@click.option("--base-url", help="URL where the workspace root is served (default: show.base_url).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), help="Worker processes (default: number of cores).")
@click.option("--engine", help="Narration engine (overrides front matter and config).")
@click.option("--voice", help="Voice (overrides front matter and config).")
@click.option("--rate", type=click.IntRange(80, 450), help="Words per minute (overrides front matter and config).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first essay that fails.")
@click.option("--verify/--no-verify", default=None,
              help="Hear the takes of the episodes made with the offline recognizer, narrate a flagged take "
                   "once more, and warn about what is still flagged (default: [verify] enabled).")
@click.option("--scheduler", envvar=SCHEDULER_ENV, metavar="tcp://HOST:PORT",
              help="Render on this Dask scheduler's workers (env AUDIOESSAY_SCHEDULER).")
@click.option("--store", envvar=STORE_ENV, metavar="URL",
              help="With --scheduler: keep takes and episodes in this store (s3://bucket/prefix) "
                   "for workers that do not share the workspace's disk (env AUDIOESSAY_STORE).")
def render(paths: tuple[Path, ...], base_url: str | None, jobs: int | None, engine: str | None,
           voice: str | None, rate: int | None, as_json: bool, fail_fast: bool, verify: bool | None,
           scheduler: str | None, store: str | None) -> None:
    """Script (when missing), narrate, master and encode each essay, then write the feed."""
    from audioessay.lock import workspace_lock
    from audioessay.pipeline.render import render as run_render
    from audioessay.pipeline.report import VoiceOverrides

    if store and not scheduler:
        raise click.UsageError("--store needs --scheduler (the workers are the ones that use the store)")
    ws = _workspace()
    bars = _ProgressBars(not as_json)
    with workspace_lock(ws.state, "render"), _cluster_executor(scheduler) as executor:
        try:
            report = run_render(ws, paths, base_url=base_url, jobs=jobs,
                                overrides=VoiceOverrides(engine, voice, rate), executor=executor,
                                store=store or None, progress=bars.stage("narrating", "takes"),
                                mastering=bars.stage("mastering", "episodes"), fail_fast=fail_fast,
                                verify=verify)
        finally:
            bars.close()
    _print_report(report, as_json, "render")
    sys.exit(1 if report.errors else 0)


@contextlib.contextmanager
def _cluster_executor(scheduler: str | None) -> Iterator[concurrent.futures.Executor | None]:
    """The Dask executor for --scheduler; without one, None (and the cluster code is never loaded)."""
    if not scheduler:
        yield None
        return
    from audioessay.cluster import cluster_executor

    with cluster_executor(scheduler) as executor:
        yield executor


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: any free port).")
@click.option("--base-url", help="Base URL to write into the feed (default: this server's address).")
def serve(host: str, port: int, base_url: str | None) -> None:
    """Serve the feed, episodes and cover art (nothing else) over HTTP, with byte ranges.

    The feed and page are this server's own copies, for its own address: a render meanwhile
    (which writes the public feed for show.base_url) only adds its new episodes to them."""
    from audioessay.pipeline.publish import ServedFeed
    from audioessay.publish.serve import make_server

    ws = _workspace()
    served: list[ServedFeed] = []  # made once the address is known (port 0: any free port)
    server = make_server(ws.root, host=host, port=port, log=lambda line: click.echo(line, err=True),
                         own_copy=lambda relpath: served[0].path_for(relpath) if served else None)
    bound_host, bound_port = server.server_address[:2]
    shown_host = f"[{bound_host!s}]" if ":" in str(bound_host) else str(bound_host)
    url = base_url or f"http://{shown_host}:{bound_port}/"
    served.append(ServedFeed(ws, url))
    served[0].refresh()
    click.echo(f"Serving {ws.root} at {url}")
    click.echo(f"Feed URL (paste into a podcast app): {url}{ws.relative(ws.feed_path)}", nl=True)
    serve_until_stopped(server)


@cli.command()
@click.argument("dest")
@click.option("--base-url", help="Public URL where DEST is served; the feed and page are rewritten "
              "for it first (default: show.base_url).")
def publish(dest: str, base_url: str | None) -> None:
    """Copy the feed, page, cover and episode files (nothing else) to DEST, changed files only.

    DEST is a folder, a file:// URL or s3://bucket/prefix (S3 needs pip install 'audioessay[s3]';
    the endpoint and credentials come from the usual AWS_* variables). Episode files go first, the
    feed and page last. Files at DEST that are no longer public are left alone.
    """
    from urllib.parse import urlsplit

    from audioessay.lock import workspace_lock
    from audioessay.pipeline.publish import republish
    from audioessay.publish.upload import publish as publish_files

    ws = _workspace()
    base = base_url or ws.config.show.base_url
    if urlsplit(base).hostname in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: the feed's links point at {base}, which only this machine can reach; "
                   "pass --base-url with the public address of DEST", err=True)
    with workspace_lock(ws.state, "publish"):
        republish(ws, base, lock=False)
        result = publish_files(ws.root, dest, log=lambda line: click.echo(line, err=True))
    click.echo(f"published to {dest}: {result.uploaded_count} uploaded, {result.unchanged_count} unchanged")


@cli.command()
@click.argument("slug")
@click.option("--approve", is_flag=True, help="Record that a person approved the script as it is now.")
@click.option("--attention", is_flag=True, help="Show only the decisions marked for attention.")
def review(slug: str, approve: bool, attention: bool) -> None:
    """Show every decision the text stage made for SLUG (written form -> spoken form), or approve it."""
    from audioessay.pipeline.essays import find_essay
    from audioessay.pipeline.verify import heard_wrong
    from audioessay.text.review import essay_changes, format_review, review_lines
    from audioessay.text.scriptfile import approve_script, read_script, script_status

    ws = _workspace()
    essay = find_essay(ws, slug)
    path = ws.script_path(slug)
    if approve:
        if not path.exists():
            raise AudioessayError("no script to approve", path=ws.relative(path),
                                  hint=f"run 'audioessay script {essay.source.as_posix()}' first")
        was_stale = script_status(path, essay).stale
        approve_script(path, essay)
        click.echo(f"approved {ws.relative(path)}: render will narrate exactly this text"
                   + (f"; it is now taken as written from {essay.source.as_posix()} as it is now "
                      "(no longer stale)" if was_stale else ""))
        return
    items = review_lines(essay, path, language=ws.config.text.language, lexicon=ws.config.pronunciations)
    items += heard_wrong(ws, slug)
    if attention:
        items = [item for item in items if item.attention]
    status = script_status(path, essay)
    changes = None
    if status.stale:  # what changed in the essay since the script was written (a diff when a copy was kept)
        changes = essay_changes(ws.state, slug, read_script(path)[1].header, ws.root / essay.source)
    click.echo(format_review(items, script_path=ws.relative(path), status=status, changes=changes))


@cli.command()
@click.option("--engine", help="Only this engine.")
def voices(engine: str | None) -> None:
    """List the narration engines, whether each can run here, and their voices."""
    from audioessay.voice.engine import engine_classes, get_engine

    names = [engine] if engine else sorted(engine_classes())
    for name in names:
        eng = get_engine(name)
        status = eng.availability()
        if not status.ok:
            click.echo(f"{name}: not available: {status.reason} ({status.install})")
            continue
        found = eng.voices()
        click.echo(f"{name}: {status.describe(len(found))}")
        for voice in found:
            click.echo(f"  {voice.id:28} {voice.language:16} {voice.gender:7} {voice.name}")


@cli.group(invoke_without_command=True)
@click.pass_context
def cache(ctx: click.Context) -> None:
    """Show the take cache's size (one cached take per narrated sentence)."""
    if ctx.invoked_subcommand is None:
        from audioessay.voice.cache import TakeCache

        ws = _workspace()
        count, size = TakeCache(ws.cache).size()
        click.echo(f"{count} takes, {size / 1e6:.1f} MB in {ws.relative(ws.cache)}")


@cache.command("prune")
def cache_prune() -> None:
    """Delete cached takes that no current script uses."""
    from audioessay.lock import workspace_lock
    from audioessay.pipeline.plan import used_take_keys
    from audioessay.voice.cache import TakeCache

    ws = _workspace()
    with workspace_lock(ws.state, "cache prune"):
        removed, freed = TakeCache(ws.cache).prune(used_take_keys(ws))
    click.echo(f"removed {removed} takes, freed {freed / 1e6:.1f} MB")


@cli.command()
@click.argument("published", required=False, type=click.Path(path_type=Path))
def check(published: Path | None) -> None:
    """Validate the built feed and its files (tags, artwork, lengths, durations, guids, transcripts).

    Given PUBLISHED, a folder that 'audioessay publish' wrote, check the feed and files there
    instead: a missing or partial upload is found before listeners find it."""
    from audioessay.pipeline.publish import quality_warnings
    from audioessay.publish.feed import check_feed

    ws = _workspace()
    root = ws.root if published is None else published.resolve()
    feed = ws.feed_path if published is None else root / ws.feed_path.relative_to(ws.root)
    shown = ws.relative(feed) if published is None else str(feed)
    if published is not None and not root.is_dir():
        raise AudioessayError("is not a folder", path=str(published),
                              hint="give the folder 'audioessay publish' wrote (an s3:// URL cannot be checked)")
    if not feed.exists():
        raise AudioessayError("no feed yet", path=shown,
                              hint="run 'audioessay render' first" if published is None
                              else f"run 'audioessay publish {published}' first")
    problems = check_feed(root, feed)
    for problem in problems:
        click.echo(f"problem: {problem}")
    for warning in quality_warnings(ws):  # worth a listen; they do not fail the check
        click.echo(f"warning: {warning}")
    if problems:
        click.echo(f"{len(problems)} problems in {shown}", err=True)
        sys.exit(1)
    click.echo(f"{shown}: no problems found")


@cli.command()
@click.argument("slugs", nargs=-1)
@click.option("--model", type=click.Choice(["base", "tiny.en"]),
              help="Recognizer model (default: base when its packages are installed, else tiny.en).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), help="Takes heard at once (default: number of cores).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def verify(slugs: tuple[str, ...], model: str | None, jobs: int | None, as_json: bool) -> None:
    """Hear every take of each episode (default: all) with an offline recognizer, compare it with
    the script and list the takes whose words differ. Exit code 1 when a take is flagged.

    Needs the verify extra (faster-whisper and its models). What was heard is cached, so a
    second run over the same takes is quick."""
    import os

    from audioessay.verify import require_extra

    require_extra()  # before reading anything: one line with the install command
    from audioessay.pipeline.verify import takes_to_verify
    from audioessay.verify import load_recognizer, verify_takes
    from audioessay.verify.episode import EpisodeVerdict

    ws = _workspace()
    episodes = takes_to_verify(ws, slugs)
    workers = jobs or os.cpu_count() or 1
    recognizer = load_recognizer(ws.state, model or ws.config.verify.model or None, workers=workers)
    bars = _ProgressBars(not as_json)
    results = []
    try:
        for episode in episodes:
            verdicts = verify_takes(episode.takes, recognizer, ws.state, jobs=workers,
                                    progress=bars.stage("hearing", episode.slug))
            results.append(EpisodeVerdict(episode.slug, episode.script, tuple(verdicts), recognizer.model.name,
                                          episode.missing))
    finally:
        bars.close()
    _print_verdicts(results, as_json)
    if not results and not as_json:
        click.echo("no episodes to verify: there are no essays in seeds/", err=True)
    sys.exit(1 if any(r.flagged or r.missing for r in results) else 0)


def _print_verdicts(results: list[Any], as_json: bool) -> None:
    """One line per flagged take, then each episode's summary (or one JSON object)."""
    if as_json:
        click.echo(json.dumps({"episodes": [r.to_json() for r in results],
                               "flagged": sum(len(r.flagged) for r in results)}, indent=2, ensure_ascii=False))
        return
    for result in results:
        for take in result.flagged:
            click.echo(f"{result.slug} {take.where}: {take.reason}: said {take.text!r}, heard {take.heard!r}")
    for result in results:
        if result.missing:
            click.echo(f"error: {result.slug}: {len(result.missing)} takes are not narrated yet "
                       f"({', '.join(result.missing[:3])}{', ...' if len(result.missing) > 3 else ''}): "
                       f"run 'audioessay render' first", err=True)
        click.echo(f"{result.slug}: {len(result.takes)} takes heard, {len(result.flagged)} flagged, "
                   f"WER {result.wer:.1%} (model {result.model}; {result.script})")


@cli.command()
def doctor() -> None:
    """Check Python, espeak-ng, ffmpeg, the engines and the workspace config; say how to fix each."""
    from audioessay.doctor import run_checks

    problems = 0
    for check_result in run_checks(Path.cwd()):
        mark = "ok " if check_result.ok else "MISSING"
        click.echo(f"[{mark}] {check_result.name}: {check_result.detail}")
        if not check_result.ok:
            problems += 1
            for line in check_result.fix:
                click.echo(f"        {line}")
    sys.exit(1 if problems else 0)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be, so that both stop a command the same clean way."""


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    # kill, systemd and CI timeouts send SIGTERM: unwind like Ctrl-C (files being written are
    # removed, the worker pool is shut down). A second SIGTERM ends the process at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise _Terminated()


from audioessay.cli.listen import preview, say  # noqa: E402 (they join the group defined above)

cli.add_command(say)
cli.add_command(preview)

from audioessay.cli.importer import import_command  # noqa: E402 (they join the group defined above)
from audioessay.cli.studio import studio  # noqa: E402

cli.add_command(import_command)
cli.add_command(studio)


def main() -> None:
    """Entry point: runs the CLI and turns known errors into one-line messages."""
    one_heap()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        cli.main(standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except AudioessayError as exc:
        click.echo(f"error: {exc.format()}", err=True)
        sys.exit(1)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        # click turns Ctrl-C inside a command into Abort, keeping the interrupt as the cause.
        cause = exc if isinstance(exc, KeyboardInterrupt) else (exc.__cause__ or exc.__context__)
        terminated = isinstance(cause, _Terminated)
        click.echo(f"{'terminated (SIGTERM)' if terminated else 'interrupted'}: nothing half-written was kept; "
                   "run the command again to resume", err=True)
        sys.exit(128 + (signal.SIGTERM if terminated else signal.SIGINT))
    except Exception as exc:  # after Abort, a RuntimeError
        # A full disk (or quota) is one line wherever it was met: a DiskFullError, or an OSError
        # with ENOSPC or EDQUOT that no writer turned into one. Anything else is a bug: a traceback.
        import os

        from audioessay.errors import DiskFullError
        from audioessay.fsutil import disk_full, disk_full_errno, real_relative

        full = exc if isinstance(exc, DiskFullError) else None
        if full is None and disk_full_errno(exc) is not None:
            full = disk_full(getattr(exc, "filename", None) or ".", exc)
        if full is None:
            raise
        # The file named from the workspace (the current folder), where it is inside it.
        shown = real_relative(os.path.abspath(full.path), os.path.realpath(os.getcwd()))
        click.echo(f"error: {full.format(shown if shown not in (None, '.') else None)}", err=True)
        sys.exit(1)
