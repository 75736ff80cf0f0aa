"""The old import path of the mastering tools, which :mod:`audioessay.system` now finds.

Kept only until ``build.py`` imports ``require_mastering_tools`` from :mod:`audioessay.system`;
nothing in ``audioessay.master`` uses it.
"""

from __future__ import annotations

from audioessay.system import ebur128_library, lame_path, mpg123_path, require_mastering_tools

__all__ = ["ebur128_library", "lame_path", "mpg123_path", "require_mastering_tools"]
