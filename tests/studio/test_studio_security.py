"""The studio's guard at the HTTP level: the token, cross-site requests, paths outside the
workspace, and the workspace lock shared with the command line. Every refused change leaves
script.txt byte for byte as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import GUARD, TOKEN, Client

from audioessay.studio.security import Guard, loopback_hosts

GETS = ["/", "/e/lighthouses", "/e/lighthouses/take?line=12", "/e/lighthouses/cues", "/e/lighthouses/audio",
        "/lexicon", "/jobs/current", "/static/studio.js", "/static/studio.css", "/no-such-page"]
POSTS = [("/e/lighthouses/edit", {"op": "replace", "line": 12, "text": "Owned."}),
         ("/e/lighthouses/approve", {}), ("/e/lighthouses/regenerate", {}),
         ("/lexicon", {"word": "Skerryvore", "value": "Skerry voar"}), ("/lexicon/preview", {"word": "x"}),
         ("/jobs", {"kind": "publish"})]


def _unchanged(client: Client) -> tuple[bytes, bytes, bytes]:
    return client.script("lighthouses"), client.script("walking"), (client.root / "audioessay.toml").read_bytes()


@pytest.mark.parametrize("url", GETS)
def test_no_token_no_page(anonymous: Any, url: str) -> None:
    response = anonymous.get(url)
    assert response.status_code == 403
    assert b"token" in response.data


@pytest.mark.parametrize(("url", "body"), POSTS)
def test_no_token_no_change(anonymous: Any, client: Client, url: str, body: dict[str, Any]) -> None:
    before = _unchanged(client)
    response = anonymous.post(url, json={**body, "hash": client.file_hash()}, headers={
        "Origin": "http://localhost", "X-Studio-CSRF": GUARD.csrf_token})
    assert response.status_code == 403
    assert _unchanged(client) == before


def test_wrong_token_is_refused(anonymous: Any) -> None:
    assert anonymous.get("/?token=not-the-token").status_code == 403
    anonymous.set_cookie(GUARD.cookie_name, "not-the-token", domain="localhost")
    assert anonymous.get("/").status_code == 403


def test_token_in_the_url_becomes_a_strict_cookie(anonymous: Any) -> None:
    response = anonymous.get(f"/e/lighthouses?token={TOKEN}&x=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/e/lighthouses?x=1"  # the token leaves the address bar
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert anonymous.get("/e/lighthouses").status_code == 200


def test_another_host_is_refused_even_with_the_token(client: Client) -> None:
    # DNS rebinding: a page on evil.example that resolves to 127.0.0.1.
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 421
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200


@pytest.mark.parametrize(("url", "body"), POSTS)
@pytest.mark.parametrize("how", ["other-origin", "null-origin", "no-origin", "other-referer", "no-csrf",
                                 "wrong-csrf", "form"])
def test_cross_site_changes_are_refused(client: Client, url: str, body: dict[str, Any], how: str) -> None:
    before = _unchanged(client)
    body = {**body, "hash": client.file_hash()}
    kwargs: dict[str, Any] = {
        "other-origin": {"origin": "http://evil.example"},
        "null-origin": {"origin": "null"},
        "no-origin": {"origin": None},
        "other-referer": {"origin": None, "Referer": "http://evil.example/page"},
        "no-csrf": {"csrf": ""},
        "wrong-csrf": {"csrf": "0" * 64},
        "form": {"content_type": "application/x-www-form-urlencoded"},
    }[how]
    response = client.post(url, body, **kwargs)
    assert response.status_code in (403, 415), response.data
    assert _unchanged(client) == before


def test_same_origin_referer_is_enough_without_origin(client: Client) -> None:
    response = client.post("/e/lighthouses/approve", {"hash": client.file_hash()}, origin=None,
                           Referer="http://localhost/e/lighthouses")
    assert response.status_code == 200, response.data


TRAVERSALS = ["..", "../..", "..%2F..%2Fetc", "%2e%2e", "output", "lighthouses%2F..%2F..", ".audioessay",
              "LIGHTHOUSES", "lighthouses%00", "-x", "a" * 300, "%2Fetc%2Fpasswd", "seeds%2Flighthouses.md"]


@pytest.mark.parametrize("slug", TRAVERSALS)
@pytest.mark.parametrize("suffix", ["", "/take?line=12", "/audio", "/cues"])
def test_slug_traversal_reads_nothing(client: Client, slug: str, suffix: str) -> None:
    response = client.get(f"/e/{slug}{suffix}")
    assert response.status_code == 404
    assert b"root:" not in response.data and b"audioessay-script" not in response.data


@pytest.mark.parametrize("slug", TRAVERSALS)
def test_slug_traversal_writes_nothing(client: Client, slug: str) -> None:
    before = _unchanged(client)
    for action in ("edit", "approve", "regenerate"):
        response = client.post(f"/e/{slug}/{action}", {"op": "replace", "line": 12, "text": "x",
                                                       "hash": client.file_hash()})
        assert response.status_code == 404
    assert _unchanged(client) == before


@pytest.mark.parametrize("line", ["../12", "-1", "0", "1", "11", "99999999999999999999", "12abc", "%00"])
def test_line_parameter_is_a_sentence_line_or_refused(client: Client, line: str) -> None:
    response = client.get(f"/e/lighthouses/take?line={line}")
    assert response.status_code == 404  # the header, a heading, or no such line: not a sentence


@pytest.mark.parametrize("line", [-1, 0, 1, 9, 10, 11, 14, 10_000, "12", None, True, 12.5])
def test_edit_line_outside_the_body_or_of_the_wrong_kind_is_refused(client: Client, line: Any) -> None:
    before = _unchanged(client)
    response = client.post("/e/lighthouses/edit", {"op": "replace", "line": line, "text": "x",
                                                    "hash": client.file_hash()})
    assert response.status_code == 400
    assert _unchanged(client) == before


@pytest.mark.parametrize("body", [
    '{"op": "pause", "line": 12, "seconds": 1' + "0" * 400 + ', "hash": "HASH"}',  # too big for a float
    '{"op": "pause", "line": 12, "seconds": 1e999, "hash": "HASH"}',  # infinity
    "[" * 100_000 + "]" * 100_000,  # nested beyond Python's stack
])
def test_a_body_python_cannot_hold_is_a_bad_request_not_a_crash(client: Client, body: str) -> None:
    before = _unchanged(client)
    response = client.http.post("/e/lighthouses/edit", data=body.replace("HASH", client.file_hash()),
                                content_type="application/json",
                                headers={"Origin": "http://localhost", "X-Studio-CSRF": GUARD.csrf_token})
    assert response.status_code == 400, response.data
    assert _unchanged(client) == before


@pytest.mark.parametrize("text", ["two\nlines", "a\rb", "sep\u2028arated", "", "   "])
def test_an_edit_cannot_add_lines(client: Client, text: str) -> None:
    before = _unchanged(client)
    response = client.post("/e/lighthouses/edit", {"op": "replace", "line": 12, "text": text,
                                                    "hash": client.file_hash()})
    assert response.status_code == 400
    assert _unchanged(client) == before


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2Fapp.py",
                                  "/static//etc/passwd", "/static/%2Fetc%2Fpasswd"])
def test_static_traversal_reads_nothing(client: Client, path: str) -> None:
    response = client.get(path, follow_redirects=True)  # Werkzeug merges '//' with a redirect first
    assert response.status_code == 404
    assert b"create_app" not in response.data and b"root:" not in response.data


@pytest.mark.parametrize("word", ["x\n[show]\ntitle = \"owned\"", "x\" = \"y", "]", "a\u2028b"])
def test_lexicon_cannot_write_other_keys(client: Client, word: str) -> None:
    config = client.root / "audioessay.toml"
    import hashlib

    digest = hashlib.sha256(config.read_bytes()).hexdigest()
    response = client.post("/lexicon", {"word": word, "value": "v\n[text]\nmax_bytes = 1", "hash": digest})
    assert response.status_code == 400
    assert hashlib.sha256(config.read_bytes()).hexdigest() == digest


def test_a_record_naming_a_file_outside_is_not_served(client: Client, tmp_path: Path) -> None:
    secret = tmp_path / "secret.mp3"
    secret.write_bytes(b"ID3 secret")
    (client.root / "output" / "lighthouses" / "build.json").write_text(
        '{"inputs": "x", "audio": "../secret.mp3", "audio_bytes": 10, "duration": 1.0, '
        '"transcript": "/etc/passwd"}', encoding="utf-8")
    assert client.get("/e/lighthouses/audio").status_code == 404
    assert client.get("/e/lighthouses/cues").status_code == 404


def test_a_script_linked_outside_is_neither_read_nor_written(client: Client, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    script = client.root / "output" / "walking" / "script.txt"
    outside.write_bytes(script.read_bytes())
    script.unlink()
    script.symlink_to(outside)
    import hashlib

    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    assert client.get("/e/walking").status_code == 404
    response = client.post("/e/walking/edit", {"op": "replace", "line": 11, "text": "Owned.", "hash": digest})
    assert response.status_code == 404
    assert hashlib.sha256(outside.read_bytes()).hexdigest() == digest


# --------------------------------------------------------------------------- the lock and the disk


@pytest.fixture
def cli_render_holding_the_lock(studio_ws: Path) -> Any:
    """Another process holding the workspace lock as 'audioessay render' does."""
    code = ("import sys; from pathlib import Path; from audioessay.lock import workspace_lock\n"
            "with workspace_lock(Path(sys.argv[1]) / '.audioessay', 'render'):\n"
            "    print('held', flush=True); sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(studio_ws)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield holder
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait(timeout=10)


@pytest.mark.parametrize(("url", "body"), [
    ("/e/lighthouses/edit", {"op": "replace", "line": 12, "text": "Every coast lies."}),
    ("/e/lighthouses/edit", {"op": "insert-pause", "line": 12, "seconds": 2}),
    ("/e/lighthouses/approve", {}), ("/e/lighthouses/regenerate", {}),
])
def test_changes_racing_a_cli_render_are_refused(client: Client, cli_render_holding_the_lock: Any, url: str,
                                                 body: dict[str, Any]) -> None:
    before = _unchanged(client)
    response = client.post(url, {**body, "hash": client.file_hash()})
    assert response.status_code == 423
    assert "'audioessay render'" in response.get_json()["error"]
    assert _unchanged(client) == before


def test_lexicon_save_racing_a_cli_render_is_refused(client: Client, cli_render_holding_the_lock: Any) -> None:
    import hashlib

    config = client.root / "audioessay.toml"
    before = config.read_bytes()
    response = client.post("/lexicon", {"word": "Skerryvore", "value": "Skerry voar",
                                        "hash": hashlib.sha256(before).hexdigest()})
    assert response.status_code == 423
    assert config.read_bytes() == before


def test_a_cli_render_while_the_studio_writes_is_refused(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """The studio holds the lock while it writes: a render started then is refused, naming it."""
    from audioessay.studio import edits

    seen: list[subprocess.CompletedProcess[str]] = []
    write = edits.atomic_write_text

    def render_meanwhile(path: Path, text: str) -> None:
        seen.append(subprocess.run([str(Path(sys.executable).parent / "audioessay"), "render"], cwd=client.root,
                                   capture_output=True, text=True, timeout=60, check=False,
                                   env={**os.environ, "HOME": str(client.root)}))
        write(path, text)

    monkeypatch.setattr(edits, "atomic_write_text", render_meanwhile)
    response = client.post("/e/lighthouses/edit", {"op": "replace", "line": 12, "text": "Every coast lies.",
                                                    "hash": client.file_hash()})
    assert response.status_code == 200
    assert seen[0].returncode == 1
    assert "the workspace is busy: 'audioessay studio'" in seen[0].stderr


def test_a_change_on_disk_is_never_overwritten(client: Client) -> None:
    seen = client.file_hash()
    path = client.root / "output" / "lighthouses" / "script.txt"
    path.write_bytes(path.read_bytes().replace(b"Every coast", b"Each coast"))  # a person saved in an editor
    after_editor = path.read_bytes()
    for url, body in [("/e/lighthouses/edit", {"op": "replace", "line": 13, "text": "x."}),
                      ("/e/lighthouses/approve", {}), ("/e/lighthouses/regenerate", {})]:
        response = client.post(url, {**body, "hash": seen})
        assert response.status_code == 409
        assert "changed on disk" in response.get_json()["error"]
    assert path.read_bytes() == after_editor
    assert client.get(f"/e/lighthouses/take?line=12&h={seen}").status_code == 409


def test_loopback_hosts() -> None:
    assert loopback_hosts("127.0.0.1", 8377) == ("127.0.0.1:8377", "[::1]:8377", "localhost:8377")
    assert loopback_hosts("192.168.1.5", 80) == ("192.168.1.5:80",)
    assert Guard("t", ("localhost",)).csrf_token != Guard("u", ("localhost",)).csrf_token
