"""Property: whatever front matter and file name an essay has, ``read_essay`` returns an Essay or
raises EssayError with a one-line message, never anything else (and never hangs)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audioessay.errors import EssayError
from audioessay.models import Essay
from audioessay.text.memo import EssayMemo
from audioessay.text.read import read_essay

_KEYS = st.sampled_from(["title", "date", "author", "description", "slug", "explicit", "episode", "rate",
                         "voice", "engine", "updated", "tags", "x"]) | st.text(min_size=1, max_size=12)
_DATES = st.builds(
    lambda y, m, d, rest: f"{y:04d}-{m:02d}-{d:02d}{rest}",
    st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32),
    st.sampled_from(["", " 10:30:00", "T00:00:00Z", "T23:59:59+14:00", "T00:00:00-12:00", "T25:61:61+25:00",
                     " 1:2:3.123456 -05:30"]),
)
_SCALARS = (_DATES | st.text(max_size=30) | st.integers() | st.floats(allow_nan=True) | st.booleans()
            | st.sampled_from(["*a", "&a x", "[1, *a]", "!!binary aGVsbG8=", "!!set {a, b}", "!!python/name:os.system",
                               "1" * 5000, "'\\ud800'", '"\\ud800"', '"\\x00"', "|\n  block", "~", "{a: [b, {c: d}]}",
                               "[" * 60 + "]" * 60, "0x" + "f" * 20, "1:20:30", ".inf", "2024-02-30", "@bad",
                               "'unclosed", "a: b: c", "- x\n- y", "\t tab"]))


def _value(scalar: object) -> str:
    return scalar if isinstance(scalar, str) else repr(scalar)


_LINES = st.lists(st.tuples(_KEYS, _SCALARS.map(_value)), max_size=6).map(
    lambda pairs: "".join(f"{key}: {value}\n" for key, value in pairs))
_FRONT = _LINES | st.text(max_size=200)
_NAMES = st.text(min_size=1, max_size=40) | st.binary(min_size=1, max_size=40).map(os.fsdecode) | st.just("n" * 300)


def _write(folder: Path, name: str, data: bytes) -> Path | None:
    path = folder / (name.replace("/", "_") + ".md")
    try:
        path.write_bytes(data)
    except (OSError, UnicodeEncodeError, ValueError):  # a name the OS refuses (too long, NUL...)
        return None
    return path


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=_FRONT, name=_NAMES, body=st.text(max_size=80), memo=st.booleans())
def test_read_essay_returns_an_essay_or_a_one_line_error(front, name, body, memo):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        seeds = root / "seeds"
        seeds.mkdir()
        path = _write(seeds, name, f"---\n{front}\n---\n# Title\n\n{body} Text.\n".encode("utf-8", "surrogatepass"))
        if path is None:
            return
        memos = EssayMemo(root / ".audioessay") if memo else None
        try:
            essay = read_essay(path, root, memo=memos)
        except EssayError as exc:
            message = str(exc)
            assert "\n" not in message and "\r" not in message
            message.encode("utf-8")
            return
        assert isinstance(essay, Essay)
        if memos is not None:
            memos.save()
            again = read_essay(path, root, memo=EssayMemo(root / ".audioessay"))
            assert again.title == essay.title and again.date == essay.date
