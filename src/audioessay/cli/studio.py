"""``audioessay studio``: the browser studio for the workspace in the current folder
(the library side is :mod:`audioessay.studio`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import click


def _shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class _HideToken(logging.Filter):
    """Werkzeug logs every request line; the first one holds the token: log it as ``token=...``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = re.sub(r"token=[^&\s\"]+", "token=...", record.getMessage())
        record.args = ()
        return True


def _starting(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Answers until the app is made (it needs the port the server was given)."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting\n"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1 lets other machines reach it (with the token).")
@click.option("--port", "-p", default=8377, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: any free port).")
@click.option("--open/--no-browser", "open_browser", default=False, show_default=True,
              help="Open the studio in a web browser.")
def studio(host: str, port: int, open_browser: bool) -> None:
    """Review, fix and approve scripts in the browser, hearing every sentence.

    Prints the studio's URL, which holds a secret token: only someone with that URL can use it.
    It shares the workspace lock with the other commands: a render started from the command line
    while the studio writes is refused, as a second render is, and the studio refuses changes while
    a render runs."""
    from pathlib import Path

    from werkzeug.serving import make_server

    from audioessay.studio import require_flask

    require_flask()
    from audioessay.studio.app import create_app
    from audioessay.studio.security import Guard, loopback_hosts, new_token
    from audioessay.workspace import load_workspace

    ws = load_workspace(Path.cwd())
    token = new_token()
    logging.getLogger("werkzeug").addFilter(_HideToken())
    server = make_server(host, port, _starting, threaded=True)
    bound = server.server_port  # known only now when --port is 0; the guard names it
    server.app = create_app(ws.root, Guard(token=token, hosts=loopback_hosts(host, bound), port=bound))
    url = f"http://{_shown_host(host)}:{bound}/?token={token}"
    click.echo(f"Studio for {ws.root}")
    click.echo(f"Open: {url}")
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: anyone who can reach it and has the URL can edit the scripts",
                   err=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    from audioessay.cli import serve_until_stopped

    serve_until_stopped(server)
