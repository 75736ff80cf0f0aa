"""render and publish run from the studio with their progress, holding the workspace lock."""

from __future__ import annotations

import time
from typing import Any

from conftest import Client
from test_studio_security import cli_render_holding_the_lock  # noqa: F401 (a fixture)


def _wait(client: Client) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        job = client.get("/jobs/current").get_json()["job"]
        if job["finished"]:
            return job
        time.sleep(0.2)
    raise AssertionError("the job did not finish")


def test_render_then_publish_from_the_studio(client: Client) -> None:
    started = client.post("/jobs", {"kind": "render"}).get_json()["job"]
    assert started["kind"] == "render"
    assert client.post("/jobs", {"kind": "publish"}).status_code == 422  # one job at a time
    job = _wait(client)
    assert job["stage"] == "done", job
    assert "2 made" in job["message"]
    show = client.get("/").data.decode()
    assert "not rendered" not in show  # each episode shows its duration now
    cues = client.get("/e/lighthouses/cues").get_json()["cues"]
    assert {line for _start, _end, line in cues} >= {12, 13}  # the episode's cues name script lines
    audio = client.get("/e/lighthouses/audio", headers={"Range": "bytes=0-99"})
    assert audio.status_code == 206 and len(audio.data) == 100
    client.post("/jobs", {"kind": "publish"})
    assert _wait(client)["stage"] == "done"
    assert (client.root / "feeds" / "feed.xml").is_file()


def test_a_job_while_a_cli_render_runs_fails_with_its_message(
        client: Client, cli_render_holding_the_lock: Any) -> None:  # noqa: F811 (the fixture)
    client.post("/jobs", {"kind": "publish"})
    job = _wait(client)
    assert job["stage"] == "failed" and "'audioessay render'" in job["message"]
