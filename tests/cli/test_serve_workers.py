"""`hipcoach serve --workers N` on Linux: N processes share the port, and SIGTERM stops them.

The server runs as a real subprocess (`python -m hipcoach serve`) against a
private data folder, on a free port, and is watched from outside through /proc
and the sockets the kernel reports.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="the SO_REUSEPORT workers are Linux-only (elsewhere uvicorn's own workers run)",
)

HOST = "127.0.0.1"
WORKERS = 2
REQUESTS = 40
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPCOACH_")}
    env["HIPCOACH_DATA_DIR"] = str(tmp_path / "data")
    return env


def serve_command(port: int, workers: int = WORKERS) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hipcoach",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def get(port: int, path: str = "/api/v1/today", timeout: float = 5.0) -> int:
    """The status of one GET on a connection of its own."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            text = stat.read_text()
            # pid (comm) state ppid ...; comm may hold spaces and parentheses.
            ppid = int(text[text.rindex(")") + 2 :].split()[1])
            if ppid == pid:
                found.append(int(stat.parent.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] != "Z"


def socket_owners(port: int, state: str) -> list[int] | None:
    """The pid owning each socket on `port` in `state`, from `ss`; None if ss cannot say."""
    if shutil.which("ss") is None:
        return None
    filters = ["state", state, f"( sport = :{port} )"]
    done = subprocess.run(
        ["ss", "-Htnp", *filters], capture_output=True, text=True, timeout=10, check=False
    )
    if done.returncode != 0:
        return None
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    owners = [re.search(r"pid=(\d+)", line) for line in lines]
    if lines and not all(owners):
        return None  # sockets shown without their processes (no permission)
    return [int(m.group(1)) for m in owners if m]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`hipcoach serve --workers 2` on a free port, answering; killed if a test leaves it."""
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        serve_command(port), stdout=log, stderr=subprocess.STDOUT, env=server_env(tmp_path)
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"the server exited: {_log(tmp_path)}"
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(port, timeout=2) == 200:
                    break
            assert time.monotonic() < deadline, f"no answer in time: {_log(tmp_path)}"
            time.sleep(0.1)
        yield process, port
    finally:
        workers = children(process.pid)
        if process.poll() is None:
            process.kill()
        process.wait(timeout=STOP_TIMEOUT)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log.close()


def _log(tmp_path: Path) -> str:
    return (tmp_path / "serve.log").read_text(errors="replace")


def worker_pids(parent: int) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker)."""
    return sorted(pid for pid in children(parent) if "spawn_main" in cmdline(pid))


def test_workers_share_the_port_and_sigterm_stops_them_all(
    server: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    process, port = server
    workers = worker_pids(process.pid)
    assert len(workers) == WORKERS, [cmdline(pid) for pid in children(process.pid)]
    assert all(alive(pid) for pid in workers)

    # Many clients, each on a fresh connection: every one is answered.
    statuses = [get(port) for _ in range(REQUESTS)]
    assert statuses == [200] * REQUESTS
    assert get(port, "/") == 200
    assert get(port, "/api/v1/progress") == 200

    listening = socket_owners(port, "listening")
    if listening is not None:
        # Each worker listens with a socket of its own; the parent holds none.
        assert sorted(listening) == workers
        # Connections held open together are spread over both workers by the kernel.
        held = []
        try:
            for _ in range(REQUESTS):
                connection = http.client.HTTPConnection(HOST, port, timeout=5)
                held.append(connection)
                connection.request("GET", "/api/v1/today")
                response = connection.getresponse()
                response.read()
                assert response.status == 200
            established = socket_owners(port, "established")
            assert established is not None
            assert sorted(set(established)) == workers
            shares = [established.count(pid) for pid in workers]
            assert sum(shares) == REQUESTS
            assert min(shares) >= 5, shares  # all but even: 2 of 40 is ~1e-7 by chance
        finally:
            for connection in held:
                connection.close()

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=STOP_TIMEOUT)
    assert process.returncode == 0, _log(tmp_path)
    deadline = time.monotonic() + STOP_TIMEOUT
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)

    # The port is free again: nothing answers, and a new server could listen there.
    with pytest.raises(ConnectionRefusedError):
        get(port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((HOST, port))
        probe.listen()
    if listening is not None:
        assert socket_owners(port, "listening") == []
    assert "Traceback" not in _log(tmp_path)


@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain", "so-reuseport"])
def test_a_taken_port_is_refused_with_a_clear_error(tmp_path: Path, reuse_port: bool) -> None:
    """Taken by anything, including another server that would share it with SO_REUSEPORT."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        if reuse_port:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        began = time.monotonic()
        done = subprocess.run(
            serve_command(port),
            capture_output=True,
            text=True,
            env=server_env(tmp_path),
            timeout=30,
            check=False,
        )
        took = time.monotonic() - began
        assert done.returncode == 1, done.stdout + done.stderr
        assert f"Error: cannot listen on {HOST}:{port}: " in done.stderr
        assert "address already in use" in done.stderr.lower()
        assert "Traceback" not in done.stderr
        assert took < 15
        # Nothing else took the port over: a client still reaches the socket that held it.
        with socket.create_connection((HOST, port), timeout=5) as client:
            taken.settimeout(5)
            accepted, _ = taken.accept()
            accepted.close()
            assert client.getpeername()[1] == port
