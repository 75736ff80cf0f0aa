"""Golden scripts: each essay in tests/golden/seeds/ must produce exactly its expected script.

A failure here means the text stage changed what a listener hears. If the change is
deliberate, run ``scripts/regen-golden`` and review the diff of tests/golden/expected/.
"""

from __future__ import annotations

import difflib
import importlib.util

import pytest
from conftest import TESTS

from audioessay.text.scriptfile import parse_script

_RENDER = TESTS / "golden" / "render.py"
_spec = importlib.util.spec_from_file_location("golden_render", _RENDER)
assert _spec is not None and _spec.loader is not None
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

ESSAYS = golden.essays()


def test_corpus_is_big_enough():
    assert len(ESSAYS) >= 4
    suffixes = {path.suffix for path in ESSAYS}
    assert suffixes == {".md", ".txt"}


def test_every_expected_file_has_an_essay():
    expected = {golden.expected_path(path).name for path in ESSAYS}
    orphans = [p.name for p in golden.EXPECTED.glob("*.script.txt") if p.name not in expected]
    assert not orphans, f"expected scripts without an essay: {orphans} (delete them or regenerate)"


@pytest.mark.parametrize("essay", ESSAYS, ids=[path.name for path in ESSAYS])
def test_golden_script(essay):
    target = golden.expected_path(essay)
    assert target.exists(), f"{target} is missing: run scripts/regen-golden"
    expected = target.read_text(encoding="utf-8")
    actual = golden.render(essay)
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            fromfile=f"expected/{target.name}", tofile="actual",
        ))
        pytest.fail(f"{essay.name} no longer produces its golden script (if intended, run "
                    f"scripts/regen-golden and review the diff):\n{diff}")
    assert parse_script(expected, target) is not None  # the expected file is itself a valid script
