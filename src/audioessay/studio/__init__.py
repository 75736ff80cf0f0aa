"""``audioessay studio``: review, fix and approve scripts in the browser, hearing every sentence.

A local web app for the workspace in the current folder (see :mod:`audioessay.studio.app`).
The script file stays the source of truth: every change is one line of ``script.txt`` (or of
``audioessay.toml``'s ``[pronunciations]``), made as a text editor would make it.

**Why Flask.** The studio's work is the library's, and the library is synchronous: it reads and
writes files, takes ``flock`` on the workspace and runs narration engines that block. Flask calls
a plain function per request on a thread of Werkzeug's threaded server, which is exactly that
shape; Starlette would run every one of those calls through a thread pool anyway, and would add
uvicorn and an async test client. Werkzeug also answers byte ranges and conditional requests for
the takes and episodes (``send_file``), which the browser's ``<audio>`` needs to seek, and Flask
and Werkzeug are already pinned for the test suite (moto's server uses them). Flask is an optional
dependency (``pip install 'audioessay[studio]'``): without it the command says so
(:func:`require_flask`).
"""

from __future__ import annotations

from audioessay.errors import ToolMissingError


def require_flask() -> None:
    """Raise a one-line error naming the extra to install when Flask is missing."""
    try:
        import flask  # noqa: F401
    except ImportError:
        raise ToolMissingError("the studio needs Flask, which is not installed",
                               hint="pip install 'audioessay[studio]' (in this checkout: "
                                    ".venv/bin/pip install -e '.[studio]')") from None
