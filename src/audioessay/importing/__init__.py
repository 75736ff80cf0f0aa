"""``audioessay import``: essays from where writers keep them (web pages, feeds, Substack,
WordPress and Ghost exports, Word documents) into ``seeds/<slug>.md``, incrementally.

    SOURCE --sources.py (pages.py, feeds.py, exports.py, docx.py)--> Post (Markdown, identity keys)
    Post --run.py skip_reason--> kept or skipped --seeds.py SeedWriter--> seeds/<slug>.md + imports.json
"""

from __future__ import annotations

import importlib.util

from audioessay.errors import ToolMissingError

# The packages of the ``import`` extra, by the module each is imported as.
EXTRA_MODULES = {"trafilatura": "trafilatura", "lxml_html_clean": "lxml-html-clean",
                 "markdownify": "markdownify", "feedparser": "feedparser", "docx": "python-docx"}


def extra_missing() -> str | None:
    """Why ``import`` cannot run here (a package of its extra is not installed), or None."""
    missing = [package for module, package in EXTRA_MODULES.items() if importlib.util.find_spec(module) is None]
    return f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed" if missing else None


def require_extra() -> None:
    """Raise a one-line :class:`ToolMissingError` with the exact install command unless the
    ``import`` extra is installed (before any module that needs it is loaded)."""
    reason = extra_missing()
    if reason is not None:
        from audioessay.system import extra_install_command

        raise ToolMissingError(f"import needs its extra: {reason}",
                               hint=f"install it with: {extra_install_command('import')}")
