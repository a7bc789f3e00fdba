"""Workers end with their parent: `kill -9` of `hipcoach serve --workers 2` leaves no orphans.

A parent killed with -9 runs no clean-up of its own, so each worker must notice
by itself: the kernel's death signal on Linux (prctl PR_SET_PDEATHSIG), and a
thread that watches the parent pid everywhere. Both are tested on their own
below, then together through the real command, which must be able to start
again on the same port at once.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_serve_workers import (
    HOST,
    START_TIMEOUT,
    STOP_TIMEOUT,
    WORKERS,
    alive,
    children,
    free_port,
    get,
    serve_command,
    server_env,
    worker_pids,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads processes from /proc"
)

# Well inside the workers' own grace period: a worker that waited for it would fail here.
ORPHAN_TIMEOUT = 5.0


def _wait_for_answer(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert process.poll() is None, log.read_text(errors="replace")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if get(port, timeout=2) == 200:
                return
        assert time.monotonic() < deadline, f"no answer in time: {log.read_text()}"
        time.sleep(0.1)


def _wait_until_gone(pids: list[int], timeout: float = ORPHAN_TIMEOUT) -> list[int]:
    """The pids still running after `timeout` (none, when all is well)."""
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def _serving(tmp_path: Path, port: int, name: str) -> Iterator[subprocess.Popen[bytes]]:
    log_path = tmp_path / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            serve_command(port), stdout=log, stderr=subprocess.STDOUT, env=server_env(tmp_path)
        )
        started: list[int] = []
        try:
            _wait_for_answer(process, port, log_path)
            started = children(process.pid)
            yield process
        finally:
            started += children(process.pid)
            if process.poll() is None:
                process.kill()
            process.wait(timeout=STOP_TIMEOUT)
            _kill_all(started)


def test_killing_the_parent_ends_its_workers_and_frees_the_port(tmp_path: Path) -> None:
    port = free_port()
    with _serving(tmp_path, port, "first") as process:
        workers = worker_pids(process.pid)
        assert len(workers) == WORKERS
        everything = children(process.pid)  # the workers and multiprocessing's helper
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)
        assert _wait_until_gone(workers) == [], "workers outlived their parent"
        assert _wait_until_gone(everything) == []

    with pytest.raises(ConnectionRefusedError):
        get(port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((HOST, port))
        probe.listen()
    # And what people do next: start it again on the same port.
    with _serving(tmp_path, port, "again") as again:
        assert len(worker_pids(again.pid)) == WORKERS
        assert get(port, "/") == 200
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=STOP_TIMEOUT)
        assert again.returncode == 0


# A parent that starts a child, which arms one way of ending with it and says so.
PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]])
print(child.pid, flush=True)
time.sleep(120)
"""
CHILD = """
import os, sys, time
from hipcoach.web.serving import end_with_parent
death_signal = sys.argv[1] == "death-signal"
end_with_parent(os.getppid(), death_signal=death_signal, watch=not death_signal)
print("armed", flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("way", ["death-signal", "watch"])
def test_each_way_alone_ends_a_child_whose_parent_is_killed(way: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, CHILD, way], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = 0
    try:
        child = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "armed"
        assert alive(child)
        time.sleep(0.5)  # a few of the watcher's rounds: a live parent ends nothing
        assert alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=STOP_TIMEOUT)
        assert _wait_until_gone([child]) == [], f"the child outlived its parent ({way})"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child:
            _kill_all([child])
        parent.stdout.close()


# ---- uvicorn's own workers: the parent's pid comes from serve(), not from getppid() ----


def test_serve_hands_its_own_pid_to_uvicorns_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from hipcoach.services import context
    from hipcoach.web import serving

    seen: list[str | None] = []

    class NoJournal:
        def __init__(self, settings: object) -> None:
            pass

        def close(self) -> None:
            pass

    def run(app: object, **options: object) -> None:
        assert app == serving.WORKER_APP_FACTORY
        seen.append(os.environ.get(serving.SERVE_PARENT_ENV))  # what spawned workers inherit

    monkeypatch.delenv(serving.SERVE_PARENT_ENV, raising=False)
    monkeypatch.setattr(context, "Context", NoJournal)
    monkeypatch.setattr(serving, "_reuse_port_balances", lambda: False)
    monkeypatch.setattr(uvicorn, "run", run)
    serving.serve(HOST, free_port(), 2)
    assert seen == [str(os.getpid())]
    assert serving.SERVE_PARENT_ENV not in os.environ


def test_a_uvicorn_worker_ends_with_the_pid_serve_gave_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import hipcoach.web
    from hipcoach.web import serving

    armed: list[int] = []
    monkeypatch.setattr(serving, "end_with_parent", armed.append)
    monkeypatch.setattr(hipcoach.web, "create_app", lambda: "the app")
    monkeypatch.setenv(serving.SERVE_PARENT_ENV, "4242")
    assert serving.worker_app() == "the app"
    assert armed == [4242]
    # Started some other way, with no pid handed down: its parent is all there is to go by.
    monkeypatch.delenv(serving.SERVE_PARENT_ENV)
    assert serving.serving_parent() == os.getppid()


# A parent that starts a worker and dies before the worker builds its app.
GONE_PARENT = """
import os, subprocess, sys
env = dict(os.environ, HIPCOACH_SERVE_PARENT_PID=str(os.getpid()))
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], env=env)
print(child.pid, flush=True)
"""
LATE_WORKER = """
import os, time
import hipcoach.web
from hipcoach.web.serving import worker_app
hipcoach.web.create_app = lambda: None
while os.getppid() == int(os.environ["HIPCOACH_SERVE_PARENT_PID"]):
    time.sleep(0.01)  # until the parent is gone and init has adopted this process
print("orphaned", flush=True)
worker_app()
time.sleep(120)
"""


def test_a_worker_whose_parent_died_before_it_started_ends_at_once() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", GONE_PARENT, LATE_WORKER], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = 0
    try:
        child = int(parent.stdout.readline())
        parent.wait(timeout=STOP_TIMEOUT)
        assert parent.stdout.readline().strip() == "orphaned"
        assert _wait_until_gone([child]) == [], "the worker waited for init to end"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child:
            _kill_all([child])
        parent.stdout.close()
