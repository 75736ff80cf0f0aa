"""The studio in a real browser: Debian's Chromium driven by Playwright (never ``playwright
install``), served by the studio's own server on a free port, narrating with the real engine.

It opens the studio with the printed URL's token, plays a sentence (the audio element loads a real
take from the take cache), edits the sentence's spoken form and hears the new take, approves, and
checks script.txt on disk. Screenshots at desktop and phone width are written to the folder in
``AUDIOESSAY_SCREENSHOTS`` (``studio-desktop.png``, ``studio-phone.png``) for a person to look at;
without it, to the test's temporary folder.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import debian_chromium

from audioessay.pipeline.essays import write_scripts
from audioessay.text.scriptfile import read_script, script_status
from audioessay.voice.cache import TakeCache
from audioessay.workspace import load_workspace

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
ESSAY = """---
title: Keepers of the Light
---
# The rock

Every coast has a place where the land lies. In 1905 the keeper of Skerryvore wrote to the board.
The log of 05/06/2024 was lost, and nobody knows why.

> A light is a promise kept in the dark.

The lamp burned colza oil, and later paraffin. Mr. Stevenson built the tower in 1844.
"""
AUDIO_READY = "() => { const a = document.getElementById('player'); return a.readyState >= 2 && a.duration > 0.3; }"


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A workspace with one essay and its script, and the studio serving it on 127.0.0.1."""
    from werkzeug.serving import make_server

    from audioessay.studio.app import create_app
    from audioessay.studio.security import Guard, loopback_hosts, new_token

    root = tmp_path_factory.mktemp("studio-ws")
    (root / "seeds").mkdir()
    (root / "audioessay.toml").write_text('[show]\ntitle = "Essays Aloud"\n\n[audio]\nintro = ""\n',
                                          encoding="utf-8")
    (root / "seeds" / "keepers.md").write_text(ESSAY, encoding="utf-8")
    assert not write_scripts(load_workspace(root), ()).errors
    token = new_token()
    server = make_server("127.0.0.1", 0, lambda env, start: [], threaded=True)
    port = server.server_port
    app = create_app(root, Guard(token, loopback_hosts("127.0.0.1", port), port))
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/?token={token}", root
    finally:
        server.shutdown()
        server.server_close()
        app.extensions["audioessay_studio"].narrator.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with debian_chromium(tmp_path_factory.mktemp("home"), ("--autoplay-policy=no-user-gesture-required",)) as chromium:
        yield chromium


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("AUDIOESSAY_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _line(root: Path, number: int) -> str:
    return (root / "output" / "keepers" / "script.txt").read_text(encoding="utf-8").split("\n")[number - 1]


def test_review_fix_hear_and_approve(studio: tuple[str, Path], browser: Any, tmp_path: Path) -> None:
    url, root = studio
    page = browser.new_page(viewport=DESKTOP)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    assert "token" not in page.url  # the token became a cookie and left the address bar
    page.get_by_role("link", name="Keepers of the Light").click()
    page.wait_for_selector("ol.script li.sentence")
    assert page.locator("li.sentence.attention").count() >= 1  # 05/06/2024 needs a look

    # Play one sentence: narrated on demand into the take cache render uses.
    first = page.locator("li.sentence").first
    number = int(first.get_attribute("data-line") or 0)
    with page.expect_response(lambda r: "/take?" in r.url) as took:
        first.get_by_role("button", name=f"Play line {number}").click()
    assert took.value.status in (200, 206) and took.value.headers["content-type"] == "audio/wav"
    page.wait_for_function(AUDIO_READY)
    first_duration = page.evaluate("document.getElementById('player').duration")
    assert TakeCache(root / ".audioessay" / "cache").size()[0] == 1

    # Edit its spoken form with the keyboard, save with Enter: the new take plays at once.
    first.focus()
    page.keyboard.press("e")
    edit = page.locator("input.edit")
    edit.fill("Every coast has a place, long and low and grey, where the land tells its lies.")
    with page.expect_response(lambda r: "/take?" in r.url) as retook:
        edit.press("Enter")
    assert retook.value.status in (200, 206) and retook.value.headers["x-take"] == "narrated"
    page.wait_for_function(AUDIO_READY)
    assert page.evaluate("document.getElementById('player').duration") > first_duration + 0.5
    assert _line(root, number) == "Every coast has a place, long and low and grey, where the land tells its lies."
    assert page.locator("#state").inner_text() == "edited"

    page.get_by_role("button", name="Approve").click()
    page.wait_for_function("() => document.getElementById('state').textContent === 'approved'")
    path = root / "output" / "keepers" / "script.txt"
    assert script_status(path, None).approved
    assert read_script(path)[1].header.status == "approved"

    shots = _shots(tmp_path)
    page.locator(f"#l{number + 2}").focus()  # a row with a '!' decision, as the screenshot's subject
    page.screenshot(path=str(shots / "studio-desktop.png"), full_page=False)
    phone = browser.new_page(viewport=PHONE, device_scale_factor=2)
    phone.goto(url.replace("/?", "/e/keepers?"))
    phone.wait_for_selector("ol.script li.sentence")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    phone.screenshot(path=str(shots / "studio-phone.png"), full_page=False)
    assert not errors
