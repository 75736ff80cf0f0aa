"""Fresh benchmark workspaces, the long essay's script as plain text, and a one-sentence edit."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LONG_ESSAY = REPO / "bench" / "long-essay.md"

# Faster episodes for the scale figures: no intro music, no spoken announcement, 64 kbps.
FAST_AUDIO = {"intro": "", "announce": "", "bitrate": 64}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"cannot write {value!r} as TOML")


def dump_toml(data: dict[str, dict[str, Any]]) -> str:
    """The small TOML subset audioessay.toml uses: tables of scalars."""
    lines = []
    for table, values in data.items():
        lines.append(f"[{table}]")
        lines += [f'{key if key.isidentifier() else _toml_value(key)} = {_toml_value(v)}'
                  for key, v in values.items()]
        lines.append("")
    return "\n".join(lines)


def make_workspace(root: Path, audio: dict[str, Any] | None = None) -> Path:
    """A workspace like the repository's (its config and audio/), with an empty seeds/."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    config_text = (REPO / "audioessay.toml").read_text(encoding="utf-8")
    if audio:
        data = tomllib.loads(config_text)
        data.setdefault("audio", {}).update(audio)
        config_text = dump_toml(data)
    (root / "audioessay.toml").write_text(config_text, encoding="utf-8")
    shutil.copytree(REPO / "audio", root / "audio")
    (root / "seeds").mkdir()
    return root


def long_essay_script():  # -> (Essay, Script)
    """The long essay read and scripted exactly as render would (repository config)."""
    from audioessay.pipeline.essays import lexicon
    from audioessay.text.read import read_essay
    from audioessay.text.scriptfile import build_script
    from audioessay.workspace import load_workspace

    ws = load_workspace(REPO)
    essay = read_essay(LONG_ESSAY, REPO, ws.config.text.max_bytes)
    script, _ = build_script(essay, ws.config.text.language, lexicon(ws))
    return essay, script


def plain_text(script: Any, limit: int | None = None) -> str:
    """The script's spoken text for the espeak-ng command: one paragraph a line, blank lines between.

    Only sentences (headings become their own short paragraph, like the script's sections);
    ``limit`` keeps the first N sentences (``--quick``)."""
    from audioessay.models import Sentence

    paragraphs: list[str] = []
    count = 0
    for section in script.sections:
        if section.title and (limit is None or count < limit):
            paragraphs.append(section.title + ".")
        for paragraph in section.paragraphs:
            words = []
            for item in paragraph.items:
                if isinstance(item, Sentence) and (limit is None or count < limit):
                    words.append(item.text)
                    count += 1
            if words:
                paragraphs.append(" ".join(words))
    return "\n\n".join(paragraphs) + "\n"


EDIT_SUFFIX = ", or so the records say."


def edit_one_sentence(script_path: Path) -> tuple[str, str]:
    """Change one sentence in the middle of a script file (a line that occurs once); returns (old, new)."""
    text = script_path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    assert sep, f"{script_path} has no script header"
    lines = body.split("\n")
    candidates = [i for i, line in enumerate(lines)
                  if line.endswith(".") and not line.startswith(("#", "[", "\\")) and len(line) > 40
                  and lines.count(line) == 1]
    assert candidates, f"{script_path}: no sentence to edit"
    index = candidates[len(candidates) // 2]
    old = lines[index]
    new = old[:-1] + EDIT_SUFFIX
    lines[index] = new
    script_path.write_text(head + sep + "\n".join(lines), encoding="utf-8")
    return old, new
