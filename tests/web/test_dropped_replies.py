"""A save whose reply is lost is sent again with its key, and the journal counts it once.

First the API's side of the contract (in-process, on both of the app's routes
for a save: the fast one in web.hot and FastAPI's own), then the whole path: a
real server behind a TCP proxy that lets each save through but closes the
client's connection before the reply, while a client retries as the browser's
queue does, with the key it made for that save.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hipcoach.library.loader import load_library
from hipcoach.services.context import Context
from hipcoach.services.screening import screening_form, take_screen
from hipcoach.settings import Settings
from hipcoach.store.tables import SegmentSaveRow
from hipcoach.web import create_app

API = "/api/v1"


def start(client: TestClient | httpx.Client) -> tuple[str, int]:
    response = client.post(f"{API}/sessions", json={"routine_id": "morning-pry"})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["session_id"], len(body["timeline"]["segments"])


def history_row(client: TestClient | httpx.Client, session_id: str) -> dict[str, Any]:
    rows = client.get(f"{API}/history").json()
    [row] = [r for r in rows if r["session_id"] == session_id]
    return dict(row)


def spent(row: dict[str, Any]) -> float:
    """The history row's time spent, in seconds."""
    return float(row["time_spent_seconds"])


# Through web.hot (a plain save) and through FastAPI's route (a query string sends it there).
ROUTES = {"fast": "", "fastapi": "?via=fastapi"}


@pytest.mark.parametrize("route", ROUTES)
def test_the_same_key_twice_is_answered_the_same_and_counted_once(
    screened: TestClient, route: str
) -> None:
    sid, total = start(screened)
    url = f"{API}/sessions/{sid}/segments{ROUTES[route]}"
    body = {"index": 0, "outcome": "completed", "elapsed_seconds": 20.0, "save_key": "k-0001-aa"}
    first = screened.post(url, json=body)
    second = screened.post(url, json=body)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"done": 1, "total": total}
    other = screened.post(url, json={**body, "save_key": "k-0002-bb", "elapsed_seconds": 5.0})
    assert other.json() == {"done": 1, "total": total}
    assert spent(history_row(screened, sid)) == 25.0  # 20 once, then 5 for another save


def test_a_save_without_a_key_still_counts_every_time(screened: TestClient) -> None:
    sid, _ = start(screened)
    body = {"index": 0, "outcome": "completed", "elapsed_seconds": 20.0}
    for _ in range(2):
        assert screened.post(f"{API}/sessions/{sid}/segments", json=body).status_code == 200
    assert spent(history_row(screened, sid)) == 40.0


@pytest.mark.parametrize("key", ["short", "x" * 65, "has space!", ""])
def test_a_malformed_key_is_a_422_that_names_the_field(screened: TestClient, key: str) -> None:
    sid, _ = start(screened)
    body = {"index": 0, "outcome": "completed", "elapsed_seconds": 1.0, "save_key": key}
    response = screened.post(f"{API}/sessions/{sid}/segments", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "save_key"


def test_a_key_sent_again_for_another_step_is_a_409(screened: TestClient) -> None:
    sid, _ = start(screened)
    url = f"{API}/sessions/{sid}/segments"
    body = {"index": 0, "outcome": "completed", "elapsed_seconds": 1.0, "save_key": "reused-key"}
    assert screened.post(url, json=body).status_code == 200
    refused = screened.post(url, json={**body, "index": 1})
    assert refused.status_code == 409
    assert "already used for step 0" in refused.json()["error"]
    assert history_row(screened, sid)["segments_done"] == 1


def test_the_api_document_describes_the_key(screened: TestClient) -> None:
    schema = screened.get(f"{API}/openapi.json").json()["components"]["schemas"]["SaveSegment"]
    key = schema["properties"]["save_key"]
    assert "save_key" not in schema.get("required", [])
    assert "retry" in key["description"]


# ---- a real server behind a proxy that loses replies --------------------------------------


@dataclass
class DroppingProxy:
    """A TCP proxy for HTTP/1.1 that hands each request to the server and, for a segment
    save while `drops` says so, reads the server's whole answer and then closes the
    client's connection instead of passing it on: the save is made, its reply is lost."""

    upstream: tuple[str, int]
    drops: dict[int, int]  # segment index -> how many of its replies to lose
    lost: list[int] = field(default_factory=list)  # the index of each reply lost, in order
    listener: socket.socket = field(default_factory=socket.socket)

    def start(self) -> str:
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        threading.Thread(target=self._accept, daemon=True).start()
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, socket.create_connection(self.upstream) as server:
            client_in, server_in = client.makefile("rb"), server.makefile("rb")
            while True:
                request = _read_message(client_in)
                if request is None:
                    return
                server.sendall(request)
                answer = _read_message(server_in)
                if answer is None:
                    return
                index = _save_index(request)
                if index is not None and self.drops.get(index, 0) > 0:
                    self.drops[index] -= 1
                    self.lost.append(index)
                    return  # the save was made; its reply never reaches the client
                client.sendall(answer)


def _read_message(stream: Any) -> bytes | None:
    """One HTTP/1.1 message framed by Content-Length (all this test's are), or None at EOF."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline()
        if not line:
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head + stream.read(length)


def _save_index(request: bytes) -> int | None:
    import json

    head, _, body = request.partition(b"\r\n\r\n")
    if not head.startswith(b"POST ") or b"/segments " not in head.split(b"\r\n", 1)[0]:
        return None
    return int(json.loads(body)["index"])


@dataclass
class Served:
    base_url: str
    ctx: Context
    server: uvicorn.Server
    thread: threading.Thread


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """The app under uvicorn on loopback, on SQLite or PostgreSQL, with a clear screen."""
    env = {"HIPCOACH_DATA_DIR": str(tmp_path / "data")}
    if request.param == "postgresql":
        env["HIPCOACH_DATABASE_URL"] = request.getfixturevalue("postgres_schema_url")
    load_library.cache_clear()
    app = create_app(Settings.from_env(env))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "the server stopped as it started"
        assert time.monotonic() < deadline, "the server did not start within 15 s"
        time.sleep(0.02)
    ctx: Context = app.state.ctx
    take_screen(ctx, {q.id: False for q in screening_form(ctx).questions if not q.follows})
    try:
        yield Served(f"http://127.0.0.1:{port}", ctx, server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        load_library.cache_clear()


def save_until_answered(
    client: httpx.Client, session_id: str, index: int, seconds: float
) -> tuple[dict[str, Any], int]:
    """Save one step as the browser's queue does: one key for the save, sent again after
    every lost reply until an answer comes. Returns (the answer, how many sends)."""
    key = str(uuid.uuid4())
    body = {"index": index, "outcome": "completed", "elapsed_seconds": seconds, "save_key": key}
    for sends in range(1, 6):
        try:
            response = client.post(f"{API}/sessions/{session_id}/segments", json=body)
        except httpx.TransportError:  # the connection closed without a reply
            continue
        assert response.status_code == 200, response.text
        return dict(response.json()), sends
    raise AssertionError(f"step {index} got no answer in 5 sends")


def test_saves_whose_replies_are_lost_count_each_steps_time_once(served: Served) -> None:
    with httpx.Client(base_url=served.base_url, timeout=10) as direct:
        session_id, total = start(direct)
    steps = min(total, 6)
    # Lose no reply of step 0, one of step 1, two of step 2, and so on round.
    drops = {index: index % 3 for index in range(steps)}
    proxy = DroppingProxy(("127.0.0.1", int(served.base_url.rsplit(":", 1)[1])), dict(drops))
    through = proxy.start()
    seconds = [20.0 + index for index in range(steps)]
    try:
        with httpx.Client(base_url=through, timeout=10) as client:
            results = [save_until_answered(client, session_id, i, seconds[i]) for i in range(steps)]
    finally:
        proxy.close()
    assert sorted(proxy.lost) == sorted(i for i, n in drops.items() for _ in range(n))
    assert [sends for _, sends in results] == [drops[i] + 1 for i in range(steps)]
    assert [answer["done"] for answer, _ in results] == list(range(1, steps + 1))
    with httpx.Client(base_url=served.base_url, timeout=10) as direct:
        row = history_row(direct, session_id)
    assert row["segments_done"] == steps
    assert spent(row) == sum(seconds)  # each step's time once, however often it was sent
    with served.ctx.journal.engine.connect() as conn:
        kept = conn.execute(
            select(func.count()).where(SegmentSaveRow.session_id == session_id)
        ).scalar()
    assert kept == steps
