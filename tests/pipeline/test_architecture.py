"""The shape of the code: no package imports another in a cycle, the CLI starts without the heavy
libraries, and the local render path never loads the cluster code."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO, make_workspace

PACKAGE = REPO / "src" / "audioessay"


def _unit(module: str) -> str:
    """The package (or top-level module) of ``audioessay.x.y``: ``x``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "audioessay"


def _imported(path: Path) -> set[str]:
    """Every ``audioessay.*`` module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("audioessay.")}


def package_graph() -> dict[str, set[str]]:
    units = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"}
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        source = _unit(module)
        targets = {_unit(name) for name in _imported(path)} & units
        graph.setdefault(source, set()).update(targets - {source})
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle reachable in ``graph``, each as the path that closes it."""
    found, done = [], set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, path + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_package_imports_another_in_a_cycle() -> None:
    graph = package_graph()
    assert {"pipeline", "text", "voice", "master", "publish", "cli"} <= set(graph)
    assert cycles(graph) == []


def test_the_stage_libraries_do_not_reach_up_or_across() -> None:
    graph = package_graph()
    assert "voice" not in graph["master"]  # the tools' discovery lives in audioessay.system
    for stage in ("text", "voice", "master", "publish"):
        assert not graph[stage] & {"pipeline", "cli", "cluster"}, stage


def _modules_after(code: str, cwd: Path) -> set[str]:
    script = f"import sys\n{code}\nprint(__import__('json').dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True,
                            timeout=600, check=False, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_cli_help_loads_no_heavy_library(tmp_path: Path) -> None:
    loaded = _modules_after(
        "from audioessay.cli import cli\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass", tmp_path)
    assert "audioessay.cli" in loaded
    heavy = {"dask", "distributed", "mutagen", "numpy", "audioessay.cluster", "audioessay.store"}
    assert not {name.split(".")[0] for name in loaded} & heavy
    assert not loaded & heavy


def test_a_local_render_never_loads_the_cluster_code(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", ["notes-on-walking.txt"])
    loaded = _modules_after(
        "import sys\nfrom audioessay.cli import main\nsys.argv = ['audioessay', 'render', '--jobs', '1']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code", ws)
    assert "audioessay.pipeline.render" in loaded
    assert not loaded & {"audioessay.cluster", "audioessay.pipeline.dask_runner", "audioessay.store"}
    assert "dask" not in {name.split(".")[0] for name in loaded}
