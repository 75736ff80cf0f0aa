"""Rendering on a Dask cluster, the errors: a store without a scheduler, an unreachable scheduler and
the missing extras, each one message that says what to do (the renders on real clusters are in
tests/e2e/test_cluster.py)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from conftest import make_workspace, run_cli, working_install

from audioessay.cluster import connect
from audioessay.errors import AudioessayError, ToolMissingError

ESSAYS = ["notes-on-walking.txt", "her-ending-explained-emotionally.txt"]


# --- errors ------------------------------------------------------------------------------------


def test_store_without_scheduler_is_a_usage_error(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", ESSAYS[:1])
    result = run_cli(["render", "--store", "s3://bucket/show"], ws, env={"AUDIOESSAY_SCHEDULER": ""})
    assert result.returncode == 2 and "--store needs --scheduler" in result.stderr


def test_unreachable_scheduler_says_what_to_do() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(AudioessayError) as error:
        connect(f"tcp://127.0.0.1:{port}", timeout=1)
    assert "cannot reach the Dask scheduler" in str(error.value) and "dask scheduler" in str(error.value)


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes "import distributed" raise ImportError
    with pytest.raises(ToolMissingError) as error:
        connect("tcp://127.0.0.1:8786")
    assert working_install("cluster") in str(error.value)


def test_missing_s3fs_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from audioessay.store import Store

    monkeypatch.setitem(sys.modules, "s3fs", None)
    with pytest.raises(ToolMissingError) as error:
        Store("s3://bucket/show")
    assert "s3fs" in str(error.value) and working_install("cluster") in str(error.value)


@pytest.mark.parametrize("address, good", [
    ("tcp://127.0.0.1:8786", True), ("127.0.0.1:8786", True), ("tls://scheduler.example.org:8786", True),
    ("garbage", False), ("not a url", False), ("tcp://host", False), ("tcp://:8786", False),
    ("tcp://host:99999", False), ("tcp://host:0", False), ("http://host:8786", False), ("tcp://host:port", False),
])
def test_a_scheduler_address_is_checked_before_any_client_is_made(address: str, good: bool) -> None:
    """Dask takes 40 s to give up on a malformed address and prints a traceback while it does."""
    from audioessay.cluster import check_address

    if good:
        check_address(address)
    else:
        with pytest.raises(AudioessayError, match="is not tcp://HOST:PORT"):
            check_address(address)


def test_a_malformed_scheduler_is_one_line_and_quick(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", ESSAYS[:1])
    result = run_cli(["render", "--scheduler", "garbage"], ws, timeout=20)  # not 40 s
    assert result.returncode == 1 and "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        "error: the Dask scheduler address 'garbage' is not tcp://HOST:PORT (check --scheduler or "
        "AUDIOESSAY_SCHEDULER, e.g. tcp://127.0.0.1:8786)"]
