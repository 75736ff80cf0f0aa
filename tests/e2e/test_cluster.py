"""Rendering on a Dask cluster: the same episodes as a local render, through a store when the
workers do not share the workspace, and a worker killed mid-render costs only a rerun.

Real processes throughout: a ``LocalCluster`` of two worker processes, and a ``dask scheduler``
with two ``dask worker`` processes (started in another folder than the workspace) using
moto's S3 server as the store.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import BIN, make_workspace, run_cli
from distributed import Client, LocalCluster
from lxml import etree

ESSAYS = ["notes-on-walking.txt", "her-ending-explained-emotionally.txt"]
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
# Takes are not bit-reproducible: the same sentence comes out up to ~1,000 samples (0.05 s)
# longer or shorter depending on what the process narrated before (espeak-ng keeps state between sentences).
PER_TAKE_TOLERANCE = 0.05


def render_json(ws: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = run_cli(["render", "--json", *args], ws, env=env, timeout=300)
    assert result.returncode == 0, result.stderr + result.stdout
    report = json.loads(result.stdout)
    assert report["errors"] == [] and report["problems"] == []
    return report


def by_slug(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["slug"]: e for e in report["episodes"]}


def feed_items(ws: Path) -> list[dict[str, Any]]:
    """Each feed item's title, enclosure and duration; the enclosure length checked against the file."""
    items = []
    for item in etree.parse(str(ws / "feeds/feed.xml")).iter("item"):
        enclosure = item.find("enclosure")
        relpath = "output/" + enclosure.get("url").split("/output/", 1)[1]
        length = int(enclosure.get("length"))
        assert length == (ws / relpath).stat().st_size, relpath
        items.append({"title": item.findtext("title"), "type": enclosure.get("type"), "relpath": relpath,
                      "length": length, "duration": int(item.findtext(f"{ITUNES}duration"))})
    return sorted(items, key=lambda i: i["title"])


def takes_in(ws: Path) -> list[Path]:
    return list((ws / ".audioessay/cache/takes").glob("*/*.wav"))


# --- a LocalCluster: two worker processes on this machine -------------------------------------


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[LocalCluster]:
    with LocalCluster(n_workers=2, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        yield cluster


def test_dask_executor_futures_work_with_as_completed(local_cluster: LocalCluster) -> None:
    # narrate() waits with concurrent.futures.as_completed: the executor must give it real cf futures.
    with Client(local_cluster, set_as_default=False) as client:
        executor = client.get_executor(pure=False)
        futures = [executor.submit(pow, 2, n) for n in (3, 3, 5)]  # pure=False: identical calls both run
        assert all(isinstance(f, cf.Future) for f in futures)
        assert sorted(f.result() for f in cf.as_completed(futures, timeout=60)) == [8, 8, 32]


def test_cluster_render_matches_a_local_render(local_cluster: LocalCluster, tmp_path: Path) -> None:
    here = make_workspace(tmp_path / "local", ESSAYS)
    there = make_workspace(tmp_path / "cluster", ESSAYS)
    local = by_slug(render_json(here))
    log_start = len(local_cluster.scheduler.transition_log)
    remote = by_slug(render_json(there, "--scheduler", local_cluster.scheduler_address))

    # Narration and mastering ran as tasks on the workers.
    keys = {str(entry[0]) for entry in list(local_cluster.scheduler.transition_log)[log_start:]}
    assert any(k.startswith("_one_engine_at_a_time") for k in keys)
    assert sum(1 for k in keys if k.startswith("master_job")) == 2

    assert local.keys() == remote.keys() == {"notes-on-walking", "her-ending-explained-emotionally"}
    for slug, episode in remote.items():
        assert episode["remade"] and episode["synthesized"] == local[slug]["synthesized"] > 0
        tolerance = PER_TAKE_TOLERANCE * episode["synthesized"]
        assert abs(episode["duration"] - local[slug]["duration"]) < tolerance
        assert episode["loudness"] == pytest.approx(-16.0, abs=1.0)
    ours, theirs = feed_items(here), feed_items(there)
    assert [(i["title"], i["type"], i["relpath"]) for i in ours] == \
        [(i["title"], i["type"], i["relpath"]) for i in theirs]
    assert all(i["type"] == "audio/mpeg" for i in theirs) and len(theirs) == 2
    for a, b in zip(ours, theirs):
        assert abs(a["duration"] - b["duration"]) <= 1 + PER_TAKE_TOLERANCE * len(remote)

    # Mastering on a worker is mastering here: the cluster's own takes, mastered locally,
    # give the same durations to the millisecond.
    for slug in remote:
        (there / "output" / slug / "build.json").unlink()
    again = by_slug(render_json(there))
    for slug, episode in again.items():
        assert episode["remade"] and episode["synthesized"] == 0
        assert episode["duration"] == pytest.approx(remote[slug]["duration"], abs=0.005)


def test_library_render_through_a_folder_store(local_cluster: LocalCluster, tmp_path: Path) -> None:
    from audioessay.pipeline.render import render
    from audioessay.workspace import load_workspace

    ws = make_workspace(tmp_path / "ws", ESSAYS[:1])
    store = tmp_path / "store"
    with Client(local_cluster, set_as_default=False) as client:
        report = render(load_workspace(ws), executor=client.get_executor(pure=False), store=store.as_uri())
    assert report.errors == [] and report.problems == []
    (episode,) = report.episodes
    assert episode.remade and episode.synthesized > 0
    # The takes went to the store, not to the workspace's cache.
    assert takes_in(ws) == []
    assert len(list(store.glob("takes/*/*.wav"))) == episode.synthesized
    assert len(list(store.glob("inputs/*"))) == 2  # the intro music and the cover
    # The workspace holds exactly what the store holds.
    slug = episode.slug
    for name in (f"{slug}.mp3", f"{slug}.vtt", f"{slug}.srt", "chapters.json", "report.json"):
        assert (ws / "output" / slug / name).read_bytes() == (store / "output" / slug / name).read_bytes()
    assert not list(store.rglob("*.part"))
    (item,) = feed_items(ws)
    assert item["duration"] == round(episode.duration)


# --- a real scheduler, two real workers elsewhere, moto's S3 server as the store ---------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(what: str, ready: Any, processes: list[subprocess.Popen[bytes]], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started here and everything it started (its own process group)."""
    if process.poll() is None:
        def with_group(sig: int) -> None:
            os.killpg(process.pid, sig)

        try:
            with_group(signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with_group(signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def dask_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """moto_server, ``dask scheduler`` and two ``dask worker`` processes, all on 127.0.0.1."""
    home = tmp_path_factory.mktemp("dask")
    (home / "tmp").mkdir()
    endpoint = f"http://127.0.0.1:{_free_port()}"
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "AUDIOESSAY_"))}
    env.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": endpoint, "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(home / "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-creds"),
    })
    worker_env = {**env, "TMPDIR": str(home / "tmp")}  # their staging folders go away with the test's
    processes: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], name: str, process_env: dict[str, str]) -> subprocess.Popen[bytes]:
        with open(home / f"{name}.log", "wb") as log:
            process = subprocess.Popen(args, cwd=home, env=process_env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        processes.append(process)
        return process

    try:
        start([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", endpoint.rsplit(":", 1)[1]], "moto", env)

        def moto_up() -> bool:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()
                return True
            except (urllib.error.URLError, OSError):
                return False

        scheduler_file = home / "scheduler.json"
        start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
               "--scheduler-file", str(scheduler_file), "--no-dashboard"], "scheduler", env)
        _wait("moto_server", moto_up, processes)
        _wait("the Dask scheduler", scheduler_file.exists, processes)
        for number in (1, 2):
            start([str(BIN / "dask"), "worker", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1",
                   "--nworkers", "1", "--nthreads", "1", "--no-dashboard"], f"worker{number}", worker_env)
        address = json.loads(scheduler_file.read_text())["address"]
        with Client(address, set_as_default=False, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
            yield {"address": address, "env": env, "client": client, "processes": processes, "home": home}
    finally:
        for process in reversed(processes):
            _stop(process)


def _bucket(dask_s3: dict[str, Any]) -> tuple[Any, str]:
    import boto3

    client = boto3.client("s3", endpoint_url=dask_s3["env"]["AWS_ENDPOINT_URL_S3"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = f"essays-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


def _objects(s3: Any, bucket: str) -> dict[str, int]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}


def assert_store_render(ws: Path, report: dict[str, Any], s3: Any, bucket: str) -> None:
    """Every episode is in the feed, with the right lengths, as the store holds it."""
    episodes = by_slug(report)
    assert set(episodes) == {"notes-on-walking", "her-ending-explained-emotionally"}
    assert all(e["remade"] and e["synthesized"] > 0 for e in episodes.values())
    items = feed_items(ws)
    assert sorted(i["title"] for i in items) == sorted(e["title"] for e in episodes.values())
    objects = _objects(s3, bucket)
    for item in items:
        assert objects[f"show/{item['relpath']}"] == item["length"]  # the file the store holds
        slug = item["relpath"].split("/")[1]
        assert abs(item["duration"] - episodes[slug]["duration"]) <= 1
    assert sum(1 for key in objects if key.startswith("show/takes/")) == \
        sum(e["synthesized"] for e in episodes.values())
    assert takes_in(ws) == []  # nothing was narrated in the workspace
    check = run_cli(["check"], ws)
    assert check.returncode == 0, check.stdout + check.stderr


def test_render_on_real_workers_through_s3(dask_s3: dict[str, Any], tmp_path: Path) -> None:
    s3, bucket = _bucket(dask_s3)
    ws = make_workspace(tmp_path / "ws", ESSAYS)
    report = render_json(ws, "--scheduler", dask_s3["address"], "--store", f"s3://{bucket}/show",
                         env=dask_s3["env"])
    assert_store_render(ws, report, s3, bucket)

    # Up to date: nothing narrated or mastered, no file rewritten.
    feed_bytes = (ws / "feeds/feed.xml").read_bytes()
    again = render_json(ws, "--scheduler", dask_s3["address"], "--store", f"s3://{bucket}/show",
                        env=dask_s3["env"])
    assert {(e["remade"], e["synthesized"]) for e in again["episodes"]} == {(False, 0)}
    assert (ws / "feeds/feed.xml").read_bytes() == feed_bytes


def test_a_worker_killed_mid_render_costs_only_a_rerun(dask_s3: dict[str, Any], tmp_path: Path) -> None:
    s3, bucket = _bucket(dask_s3)
    ws = make_workspace(tmp_path / "ws", ESSAYS)
    client = dask_s3["client"]
    env = {**dask_s3["env"], "AUDIOESSAY_SCHEDULER": dask_s3["address"]}  # the scheduler from the environment
    render = subprocess.Popen([str(BIN / "audioessay"), "render", "--json", "--store", f"s3://{bucket}/show"],
                              cwd=ws, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True)
    killed = None
    try:
        deadline = time.monotonic() + 120
        while killed is None and render.poll() is None and time.monotonic() < deadline:
            busy = {worker: tasks for worker, tasks in client.processing().items() if tasks}
            if busy:
                worker = min(busy)
                killed = client.run(os.getpid, workers=[worker])[worker]
                os.kill(killed, signal.SIGKILL)  # the worker process, mid-task (its nanny restarts it)
            else:
                time.sleep(0.02)
        stdout, stderr = render.communicate(timeout=300)
    finally:
        if render.poll() is None:
            render.kill()
            render.wait()
    assert killed is not None, "the render finished before any task was seen running"
    assert render.returncode == 0, stderr + stdout
    report = json.loads(stdout)
    assert report["errors"] == [] and report["problems"] == []
    assert_store_render(ws, report, s3, bucket)
