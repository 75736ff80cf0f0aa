"""``audioessay say`` and ``audioessay preview``: hear one sentence before rendering an episode
(the library side is :mod:`audioessay.pipeline.listen`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the library is imported when a command runs: `audioessay --help` stays quick
    from audioessay.pipeline.listen import Delivery


def _check_out(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    from audioessay.pipeline.listen import OUT_SUFFIXES

    if value is not None and value.suffix.lower() not in OUT_SUFFIXES:
        raise click.BadParameter("the file name must end in .wav or .mp3")
    return value


OUT = click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), callback=_check_out,
                   help="Write the audio to FILE (.wav or .mp3) instead of playing it.")
ENGINE = click.option("--engine", help="Narration engine (default: the workspace's).")
VOICE = click.option("--voice", help="Voice, or for piper a .onnx model file (default: the workspace's).")
RATE = click.option("--rate", type=click.IntRange(80, 450), help="Words per minute (default: the workspace's).")


def _report(delivery: Delivery, cwd: Path) -> None:
    if delivery.player:
        click.echo(f"played with {delivery.player}", err=True)
        return
    assert delivery.path is not None
    shown = os.path.relpath(delivery.path, cwd) if delivery.path.is_absolute() else str(delivery.path)
    click.echo(f"{delivery.note}; wrote {shown}" if delivery.note else f"wrote {shown}", err=True)


@click.command()
@click.argument("text")
@OUT
@ENGINE
@VOICE
@RATE
def say(text: str, out: Path | None, engine: str | None, voice: str | None, rate: int | None) -> None:
    """Say TEXT exactly as a script would: normalized for speech (numbers, dates, the workspace's
    [pronunciations]) and narrated with the workspace's voice; prints what is said.

    Plays it (aplay, paplay, ffplay or afplay), or writes --out; when nothing can play it, writes
    ./say.wav. Outside a workspace the default settings apply.
    """
    from audioessay.pipeline.listen import (
        FALLBACK_NAME,
        deliver,
        say_settings,
        spoken_sentences,
        synthesize_to,
        workspace_or_defaults,
    )

    cwd = Path.cwd()
    ws = workspace_or_defaults(cwd)
    lines = spoken_sentences(text, ws)
    for line in lines:
        click.echo(line)
    settings = say_settings(ws, engine, voice, rate)
    with tempfile.TemporaryDirectory(prefix="audioessay-say-") as work:
        wav = Path(work) / "say.wav"
        synthesize_to(" ".join(lines), settings, wav)
        _report(deliver(wav, out, cwd / FALLBACK_NAME), cwd)


@click.command()
@click.argument("slug")
@click.option("--line", "-n", "number", type=int, required=True,
              help="Line number in output/SLUG/script.txt (a sentence line).")
@OUT
@ENGINE
@VOICE
@RATE
def preview(slug: str, number: int, out: Path | None, engine: str | None, voice: str | None,
            rate: int | None) -> None:
    """Narrate line N of output/SLUG/script.txt with that essay's voice settings, and play it or
    write --out. The take goes into the take cache, so render reuses it.
    """
    from audioessay.pipeline.listen import FALLBACK_NAME, deliver, preview_take, script_line
    from audioessay.pipeline.plan import voice_settings
    from audioessay.pipeline.report import VoiceOverrides
    from audioessay.workspace import load_workspace

    cwd = Path.cwd()
    ws = load_workspace(cwd)
    line = script_line(ws, slug, number)
    click.echo(line.text)
    settings = voice_settings(ws, line.essay, VoiceOverrides(engine, voice, rate))
    take, _narrated = preview_take(ws, line, settings)
    try:
        _report(deliver(take, out, cwd / FALLBACK_NAME), cwd)
    finally:
        if not take.is_relative_to(ws.cache):  # a private take (the workspace was busy)
            shutil.rmtree(take.parent, ignore_errors=True)
