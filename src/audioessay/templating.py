"""HTML from Jinja2 templates: the one environment every HTML page of the project is rendered with.

The templates are files of the package (``audioessay/templates/``, loaded with a
:class:`~jinja2.PackageLoader`). Autoescaping is on for ``.html`` templates: every value a
template outputs is HTML-escaped unless it is already markup (:class:`~markupsafe.Markup`).
The escaping spells entities as :func:`html.escape` does (``&quot;``, ``&#x27;``), as the pages
always have, so that a page rendered from the same inputs keeps the same bytes.
Undefined names are errors, never empty text.
"""

from __future__ import annotations

import functools
import hashlib
import html
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_eval_context, select_autoescape
from jinja2.nodes import EvalContext
from markupsafe import Markup

TEMPLATE_PACKAGE = "audioessay"
TEMPLATE_FOLDER = "templates"


@pass_eval_context
def _escape_output(eval_ctx: EvalContext, value: Any) -> Any:
    """Every ``{{ value }}`` of an autoescaped template: escaped with :func:`html.escape`, then
    marked safe so that Jinja2's own escaping (the same characters, other entity spellings)
    leaves it alone. Markup (``__html__``) passes through; other templates are left as they are."""
    if not eval_ctx.autoescape or hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


@functools.cache
def environment() -> Environment:
    """The shared Jinja2 environment (made once): package templates, autoescaping for HTML,
    strict undefined names, and the template's own trailing newline kept."""
    return Environment(
        loader=PackageLoader(TEMPLATE_PACKAGE, TEMPLATE_FOLDER),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        finalize=_escape_output,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def render_template(name: str, /, **context: Any) -> str:
    """The text of template ``name`` (e.g. ``"page.html"``) rendered with ``context``."""
    return environment().get_template(name).render(**context)


def templates_version() -> str:
    """A hash of every template file, for caches of rendered pages (with the code's version)."""
    digest = hashlib.sha256()
    folder = resources.files(TEMPLATE_PACKAGE) / TEMPLATE_FOLDER
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.is_file():
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    return digest.hexdigest()
