"""``audioessay import SOURCE...``: bring essays in from web pages, feeds, exports and documents
(the library side is :mod:`audioessay.importing`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the library is imported when the command runs: `audioessay --help` stays quick
    from audioessay.importing.models import ImportReport


@click.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("--include-skipped", "--include-drafts", "include_skipped", is_flag=True,
              help="Also import drafts, paywalled stubs and very short posts (skipped by default).")
@click.option("--min-words", type=click.IntRange(0, 100_000), default=100, show_default=True,
              help="A post with fewer words is very short, and skipped.")
@click.option("--force", is_flag=True, help="Replace seeds a person edited since they were imported "
              "(a backup <seed>.bak-<UTC time> is kept).")
@click.option("--site-url", metavar="URL", help="The blog's address, for Substack and Ghost exports, "
              "which do not record it: each seed's source_url is made from it.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def import_command(sources: tuple[str, ...], include_skipped: bool, min_words: int, force: bool,
                   site_url: str | None, as_json: bool) -> None:
    """Import essays into seeds/<slug>.md from each SOURCE: a web page URL or saved .html file, an
    RSS or Atom feed (URL or file), a Substack export .zip, a WordPress export .xml, a Ghost export
    .json or a .docx document. A second import adds new posts and updates changed ones; a seed
    edited by hand is never overwritten without --force."""
    from audioessay.importing import require_extra

    require_extra()  # before reading anything: one line with the install command
    from audioessay.importing.models import ImportOptions
    from audioessay.importing.run import import_sources
    from audioessay.lock import workspace_lock
    from audioessay.workspace import load_workspace

    if site_url is not None and not site_url.lower().startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--site-url")
    ws = load_workspace(Path.cwd())
    options = ImportOptions(include_skipped=include_skipped, min_words=min_words, force=force, site_url=site_url)
    with workspace_lock(ws.state, "import"):
        report = import_sources(ws, sources, options)
    _print_report(report, as_json)
    sys.exit(1 if report.failures else 0)


def _print_report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        return
    for outcome in report.outcomes:
        dropped = outcome.dropped.describe()
        line = outcome.message + (f" (dropped {dropped})" if dropped and outcome.wrote else "")
        click.echo(line, err=outcome.kind in ("conflict",))
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for failure in report.failures:
        click.echo(f"error: {failure.message}", err=True)
    counts = report.summary()
    shown = ", ".join(f"{counts[kind]} {kind}" for kind in ("added", "updated", "unchanged", "kept", "conflict",
                                                            "forced", "skipped", "failed") if counts[kind])
    click.echo(f"summary: {shown or 'nothing to import'} in {report.seconds:.1f} s", err=bool(report.failures))
