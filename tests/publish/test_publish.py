"""``publish``: the public files to a folder or a real local S3 endpoint (moto's server), changed files only."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import working_install

from audioessay.errors import DiskFullError, PublishError, ToolMissingError
from audioessay.publish.public import public_files
from audioessay.publish.upload import MANIFEST_NAME, publish

BIN = Path(sys.executable).parent

PUBLIC = {
    "feeds/feed.xml",
    "feeds/index.html",
    "feeds/cover.jpg",
    "output/alpha/alpha.mp3",
    "output/alpha/alpha.vtt",
    "output/alpha/alpha.srt",
    "output/alpha/chapters.json",
    "output/beta/beta.mp3",
}
PRIVATE = {
    "audioessay.toml",
    "episodes.json",
    "seeds/alpha.md",
    "seeds/beta.txt",
    "output/alpha/script.txt",
    "output/alpha/script.txt.bak",
    "output/alpha/.alpha.mp3.part",
    "output/beta/script.txt",
    ".audioessay/cache/ab/take.wav",
    ".audioessay/lock",
}


def _tone(path: Path, frequency: int) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"sine=f={frequency}:d=1", "-ac", "1", "-ar", "44100", "-b:a", "96k", str(path)],
                   check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three different one-second MP3s, made once."""
    folder = tmp_path_factory.mktemp("tones")
    made = {}
    for name, frequency in (("alpha", 440), ("beta", 660), ("other", 880)):
        made[name] = folder / f"{name}.mp3"
        _tone(made[name], frequency)
    return made


@pytest.fixture
def root(tmp_path: Path, tones: dict[str, Path]) -> Path:
    """A built workspace: public files plus the private ones that must never leave it."""
    from PIL import Image

    ws = tmp_path / "ws"
    texts = {
        "audioessay.toml": '[show]\ntitle = "Fake show"\n',
        "episodes.json": "{}\n",
        "seeds/alpha.md": "# Alpha\n\nA private draft.\n",
        "seeds/beta.txt": "Beta\n\nAnother.\n",
        "output/alpha/script.txt": "# script: not for listeners\n",
        "output/alpha/script.txt.bak": "# an old script\n",
        "output/alpha/.alpha.mp3.part": "half an mp3",
        "output/beta/script.txt": "# script\n",
        ".audioessay/cache/ab/take.wav": "RIFF",
        ".audioessay/lock": "",
        "feeds/feed.xml": '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Fake show</title>'
                          "</channel></rss>\n",
        "feeds/index.html": "<!DOCTYPE html>\n<title>Fake show</title>\n",
        "output/alpha/alpha.vtt": "WEBVTT\n\n00:00.000 --> 00:01.000\nHello.\n",
        "output/alpha/alpha.srt": "1\n00:00:00,000 --> 00:00:01,000\nHello.\n",
        "output/alpha/chapters.json": '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Alpha"}]}\n',
    }
    for relpath, text in texts.items():
        (ws / relpath).parent.mkdir(parents=True, exist_ok=True)
        (ws / relpath).write_text(text, encoding="utf-8")
    shutil.copy(tones["alpha"], ws / "output/alpha/alpha.mp3")
    shutil.copy(tones["beta"], ws / "output/beta/beta.mp3")
    Image.new("RGB", (64, 64), (120, 40, 140)).save(ws / "feeds/cover.jpg", "JPEG")
    return ws


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_the_fake_workspace_has_exactly_the_expected_public_set(root: Path) -> None:
    assert {p.as_posix() for p in public_files(root)} == PUBLIC
    assert PRIVATE <= _files(root)


# --- a local folder ---------------------------------------------------------------------------------


def test_folder_receives_exactly_the_public_set(root: Path, tmp_path: Path) -> None:
    dest = tmp_path / "site"
    result = publish(root, str(dest))
    assert _files(dest) == PUBLIC  # no scripts, seeds, config, ledger, .audioessay, backups, .part files
    for relpath in PUBLIC:
        assert (dest / relpath).read_bytes() == (root / relpath).read_bytes(), relpath
    assert set(result.uploaded) == PUBLIC and result.unchanged == ()
    assert (result.uploaded_count, result.unchanged_count) == (len(PUBLIC), 0)
    assert result.uploaded[-2:] == ("feeds/feed.xml", "feeds/index.html")
    assert result.uploaded.index("feeds/cover.jpg") == len(PUBLIC) - 3  # the cover before the feed
    mode = (dest / "output/alpha/alpha.mp3").stat().st_mode & 0o777
    assert mode & 0o044 == 0o044, "published files must be readable by a web server"


def test_second_publish_uploads_nothing(root: Path, tmp_path: Path) -> None:
    dest = tmp_path / "site"
    publish(root, str(dest))
    before = {p: (dest / p).stat().st_ino for p in PUBLIC}
    result = publish(root, str(dest))
    assert result.uploaded == ()
    assert set(result.unchanged) == PUBLIC
    assert {p: (dest / p).stat().st_ino for p in PUBLIC} == before  # not even rewritten


def test_changed_mp3_is_the_only_file_sent(root: Path, tmp_path: Path, tones: dict[str, Path]) -> None:
    dest = tmp_path / "site"
    publish(root, str(dest))
    shutil.copy(tones["other"], root / "output/beta/beta.mp3")
    lines: list[str] = []
    result = publish(root, str(dest), log=lines.append)
    assert result.uploaded == ("output/beta/beta.mp3",)
    assert result.unchanged_count == len(PUBLIC) - 1
    assert (dest / "output/beta/beta.mp3").read_bytes() == tones["other"].read_bytes()
    assert len(lines) == 1 and "output/beta/beta.mp3" in lines[0]


def test_same_size_different_content_is_sent(root: Path, tmp_path: Path) -> None:
    dest = tmp_path / "site"
    publish(root, str(dest))
    vtt = root / "output/alpha/alpha.vtt"
    vtt.write_text(vtt.read_text(encoding="utf-8").replace("Hello.", "Howdy."), encoding="utf-8")
    assert publish(root, str(dest)).uploaded == ("output/alpha/alpha.vtt",)


def test_feed_is_sent_after_the_audio_it_lists(root: Path, tmp_path: Path, tones: dict[str, Path]) -> None:
    dest = tmp_path / "site"
    publish(root, str(dest))
    # A new episode: its audio, chapters and the feed and page that list it.
    (root / "output/gamma").mkdir()
    shutil.copy(tones["other"], root / "output/gamma/gamma.mp3")
    (root / "output/gamma/chapters.json").write_text('{"chapters": []}\n', encoding="utf-8")
    for page in ("feeds/feed.xml", "feeds/index.html"):
        (root / page).write_text((root / page).read_text(encoding="utf-8") + "<!-- gamma -->\n", encoding="utf-8")
    result = publish(root, str(dest))
    assert result.uploaded == ("output/gamma/chapters.json", "output/gamma/gamma.mp3",
                               "feeds/feed.xml", "feeds/index.html")


def test_a_replaced_file_is_never_half_written(root: Path, tmp_path: Path, tones: dict[str, Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy that fails midway leaves the old file in place and no temporary file behind."""
    dest = tmp_path / "site"
    publish(root, str(dest))
    old = (dest / "output/beta/beta.mp3").read_bytes()
    shutil.copy(tones["other"], root / "output/beta/beta.mp3")

    def broken_copy(source: object, target: object, length: int = 0) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", broken_copy)
    with pytest.raises((PublishError, DiskFullError), match="(?i)no space left"):  # a full disk stops the command
        publish(root, str(dest))
    assert (dest / "output/beta/beta.mp3").read_bytes() == old
    assert _files(dest) == PUBLIC


def test_files_that_are_not_public_any_more_are_left_alone(root: Path, tmp_path: Path) -> None:
    dest = tmp_path / "site"
    publish(root, str(dest))
    (dest / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    shutil.rmtree(root / "output/beta")  # an episode removed from the workspace
    result = publish(root, str(dest))
    assert result.uploaded == ()
    assert (dest / "output/beta/beta.mp3").exists()
    assert (dest / "robots.txt").exists()


def test_file_url_destination(root: Path, tmp_path: Path) -> None:
    dest = tmp_path / "a folder"
    result = publish(root, (dest).as_uri())
    assert _files(dest) == PUBLIC
    assert result.dest == dest.as_uri()


def test_destination_that_is_a_file_is_refused(root: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(PublishError, match="not a folder") as error:
        publish(root, str(blocker))
    assert str(blocker) in str(error.value)


def test_unwritable_destination_names_it_and_says_what_to_do(root: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x", encoding="utf-8")
    dest = blocker / "site"  # its parent is a file: no one, not even root, can create it
    with pytest.raises(PublishError) as error:
        publish(root, str(dest))
    message = str(error.value)
    assert str(dest) in message and "cannot create the destination folder" in message and "writable" in message


def test_the_workspace_itself_is_refused(root: Path) -> None:
    with pytest.raises(PublishError, match="workspace itself"):
        publish(root, str(root))


def test_nothing_to_publish_without_a_feed(root: Path, tmp_path: Path) -> None:
    (root / "feeds/feed.xml").unlink()
    with pytest.raises(PublishError, match="audioessay render"):
        publish(root, str(tmp_path / "site"))
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("dest", ["https://example.com/podcast", "gs://bucket/x", "file://otherhost/x",
                                  "s3:///prefix", "s3://bucket//x", "   "])
def test_unsupported_destinations(root: Path, dest: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)  # refused before any S3 client exists, let alone a request
    with pytest.raises(PublishError):
        publish(root, dest)


def test_s3_without_s3fs_says_how_to_install_it(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)  # makes "import s3fs" raise ImportError
    with pytest.raises(ToolMissingError) as error:
        publish(root, "s3://bucket/show")
    assert working_install("s3") in str(error.value)


# --- a real local S3 endpoint: moto's server ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``moto_server`` on a free loopback port, for the whole module."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
                break
            except (urllib.error.URLError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start: {log.read_text(errors='replace')}") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def s3(s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    """A boto3 client and a fresh bucket; the environment points every AWS client at moto only."""
    import boto3

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.client("s3")
    bucket = f"audioessay-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


def _keys(client: Any, bucket: str, prefix: str) -> dict[str, dict]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {obj["Key"]: obj for page in pages for obj in page.get("Contents", [])}


def test_s3_receives_exactly_the_public_set(root: Path, s3: tuple[Any, str], tones: dict[str, Path]) -> None:
    client, bucket = s3
    result = publish(root, f"s3://{bucket}/show")
    assert set(result.uploaded) == PUBLIC
    assert result.uploaded[-2:] == ("feeds/feed.xml", "feeds/index.html")
    keys = _keys(client, bucket, "")
    assert set(keys) == {f"show/{p}" for p in PUBLIC} | {f"show/{MANIFEST_NAME}"}
    body = client.get_object(Bucket=bucket, Key="show/output/alpha/alpha.mp3")
    assert body["Body"].read() == (root / "output/alpha/alpha.mp3").read_bytes()
    assert body["ContentType"] == "audio/mpeg"
    feed = client.head_object(Bucket=bucket, Key="show/feeds/feed.xml")
    assert feed["ContentType"].startswith("application/rss+xml") and feed["CacheControl"] == "no-cache"

    second = publish(root, f"s3://{bucket}/show")
    assert second.uploaded == () and second.unchanged_count == len(PUBLIC)

    shutil.copy(tones["other"], root / "output/beta/beta.mp3")
    third = publish(root, f"s3://{bucket}/show/")
    assert third.uploaded == ("output/beta/beta.mp3",)
    changed = client.get_object(Bucket=bucket, Key="show/output/beta/beta.mp3")["Body"].read()
    assert changed == tones["other"].read_bytes()
    assert publish(root, f"s3://{bucket}/show").uploaded == ()


def test_s3_bucket_root_without_prefix(root: Path, s3: tuple[Any, str]) -> None:
    client, bucket = s3
    publish(root, f"s3://{bucket}")
    assert set(_keys(client, bucket, "")) == PUBLIC | {MANIFEST_NAME}


def test_s3_without_manifest_falls_back_to_etags(root: Path, s3: tuple[Any, str]) -> None:
    """Objects uploaded by hand (or by a publish whose manifest was lost) are not sent again."""
    client, bucket = s3
    publish(root, f"s3://{bucket}/show")
    client.delete_object(Bucket=bucket, Key=f"show/{MANIFEST_NAME}")
    result = publish(root, f"s3://{bucket}/show")
    assert result.uploaded == ()
    assert f"show/{MANIFEST_NAME}" in _keys(client, bucket, "show/")  # written again


def test_s3_same_size_change_is_caught_by_the_manifest(root: Path, s3: tuple[Any, str]) -> None:
    _, bucket = s3
    publish(root, f"s3://{bucket}/show")
    vtt = root / "output/alpha/alpha.vtt"
    vtt.write_text(vtt.read_text(encoding="utf-8").replace("Hello.", "Howdy."), encoding="utf-8")
    assert publish(root, f"s3://{bucket}/show").uploaded == ("output/alpha/alpha.vtt",)


def test_s3_objects_no_longer_public_are_left_alone(root: Path, s3: tuple[Any, str]) -> None:
    client, bucket = s3
    client.put_object(Bucket=bucket, Key="show/robots.txt", Body=b"User-agent: *\n")
    publish(root, f"s3://{bucket}/show")
    shutil.rmtree(root / "output/beta")
    assert publish(root, f"s3://{bucket}/show").uploaded == ()
    assert {"show/robots.txt", "show/output/beta/beta.mp3"} <= set(_keys(client, bucket, "show/"))


def test_s3_missing_bucket(root: Path, s3: tuple[Any, str]) -> None:
    with pytest.raises(PublishError) as error:
        publish(root, "s3://no-such-bucket-here/show")
    message = str(error.value)
    assert "s3://no-such-bucket-here/show" in message
    assert "bucket 'no-such-bucket-here' does not exist" in message and "create it" in message


def test_s3_missing_credentials(root: Path, s3: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    _, bucket = s3
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(PublishError, match="no S3 credentials") as error:
        publish(root, f"s3://{bucket}/show")
    assert "AWS_ACCESS_KEY_ID" in str(error.value)


def test_s3_unreachable_endpoint(root: Path, s3: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    _, bucket = s3
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{_free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(PublishError, match="cannot reach the S3 endpoint") as error:
        publish(root, f"s3://{bucket}/show")
    assert "AWS_ENDPOINT_URL_S3" in str(error.value)


# --- a destination inside the workspace -------------------------------------------------------------


@pytest.mark.parametrize("inside", ["output/site", "output", "feeds/www", "seeds/x", "audio/x", ".audioessay/site",
                                    "output/alpha"])
def test_a_destination_inside_the_workspace_folders_is_refused(root: Path, inside: str) -> None:
    before = _files(root)
    with pytest.raises(PublishError) as error:
        publish(root, str(root / inside))
    message = str(error.value)
    assert f"inside the workspace's {inside.split('/')[0]}/ folder" in message and "folder of its own" in message
    assert _files(root) == before  # nothing written


def test_a_link_into_the_workspace_folders_is_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(root / "feeds")
    with pytest.raises(PublishError, match="inside the workspace's feeds/ folder"):
        publish(root, str(tmp_path / "link" / "site"))
    with pytest.raises(PublishError, match="inside the workspace's output/ folder"):
        publish(root, (root / "output" / "site").as_uri())
    result = publish(root, str(root / "site"))  # a folder of its own inside the workspace is fine
    assert _files(root / "site") == PUBLIC and {p.as_posix() for p in public_files(root)} == PUBLIC
    assert publish(root, str(root / "site")).uploaded == () and result.unchanged == ()
