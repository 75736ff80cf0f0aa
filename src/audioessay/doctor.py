"""``audioessay doctor``: what this machine and workspace have, and the command to fix each gap."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from audioessay import system
from audioessay.errors import AudioessayError

CORE_ENGINES = ("pyttsx3", "espeak-ng")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: tuple[str, ...] = ()


def run_checks(cwd: Path) -> list[Check]:
    """Every check, in order; none raises."""
    from audioessay.voice.engine import engine_classes, get_engine
    from audioessay.workspace import CONFIG_NAME, load_workspace

    checks = [Check("python", sys.version_info >= (3, 11), sys.version.split()[0],
                    ("install Python 3.11 or newer",))]
    for tool in system.TOOLS:  # found exactly as render finds them
        where = system.locate(tool)
        missing = "not found by the dynamic loader" if tool in system.LIBRARIES else "not on PATH"
        checks.append(Check(tool, where is not None, where or missing, system.install_lines(tool)))
    for name in sorted(engine_classes()):
        engine = get_engine(name)
        status = engine.availability()
        if not status.ok and name not in CORE_ENGINES:
            # An optional engine (an extra or a plugin) is information, not a fault.
            checks.append(Check(f"engine {name}", True, f"optional, not installed: {status.reason} "
                                f"(install: {status.install})"))
            continue
        detail = "available" if status.ok else status.reason
        if status.ok:
            try:
                detail = status.describe(len(engine.voices()))
            except AudioessayError as exc:
                status, detail = status.__class__(False, exc.format(), ""), exc.format()
        checks.append(Check(f"engine {name}", status.ok, detail, (status.install,) if status.install else ()))
    if (cwd / CONFIG_NAME).exists():
        try:
            ws = load_workspace(cwd)
            checks.append(Check("workspace", True, f"{cwd / CONFIG_NAME} is valid; "
                                f"{len(ws.essay_paths())} essays in seeds/"))
        except AudioessayError as exc:
            checks.append(Check("workspace", False, exc.format(), ("fix the config file",)))
    else:
        checks.append(Check("workspace", False, f"no {CONFIG_NAME} in {cwd}",
                            ("cd into a workspace, or create one with 'audioessay init DIR'",)))
    return checks
