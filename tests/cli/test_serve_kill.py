"""A server killed (-9) while players save: every answered save is on disk, the store intact.

Saves are committed in batches (web.writer), so this is the promise that
matters: a player that heard "saved" never loses that segment, whatever
happens to the server a moment later.
"""

from __future__ import annotations

import http.client
import json
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from hipcoach.services.context import Context
from hipcoach.services.screening import screening_form, take_screen
from hipcoach.settings import Settings
from tests.cli.test_serve_workers import HOST, free_port, get, serve_command, server_env

PLAYERS = 8
START_TIMEOUT = 30.0


def post(port: int, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("POST", path, json.dumps(body), {"content-type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def test_every_answered_save_survives_a_kill(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    ctx = Context(Settings.from_env({"HIPCOACH_DATA_DIR": env["HIPCOACH_DATA_DIR"]}))
    take_screen(ctx, {q.id: False for q in screening_form(ctx).questions if not q.follows})
    ctx.close()
    port = free_port()
    server = subprocess.Popen(serve_command(port, workers=1), env=env)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if get(port, "/api/v1/openapi.json") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        sessions = []
        for _ in range(PLAYERS):
            status, started = post(port, "/api/v1/sessions", {"routine_id": "rotation-circuit"})
            assert status == 201, started
            sessions.append((started["session_id"], len(started["timeline"]["segments"])))
        answered: list[tuple[str, int]] = []
        stop = threading.Event()

        def player(session_id: str, segments: int) -> None:
            for index in range(segments):
                if stop.is_set():
                    return
                try:
                    status, _ = post(
                        port,
                        f"/api/v1/sessions/{session_id}/segments",
                        {"index": index, "outcome": "completed", "elapsed_seconds": 1.0},
                    )
                except OSError:
                    return  # the server is gone: this save was never answered
                if status == 200:
                    answered.append((session_id, index))

        players = [threading.Thread(target=player, args=pair) for pair in sessions]
        for thread in players:
            thread.start()
        while len(answered) < PLAYERS * 5:  # well under way, saves in flight
            time.sleep(0.005)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        for thread in players:
            thread.join(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    database = sqlite3.connect(Path(env["HIPCOACH_DATA_DIR"]) / "hipcoach.db")
    try:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = set(database.execute("SELECT session_id, segment_index FROM segment_events"))
        assert set(answered) <= stored
        # The figures the triggers keep agree with the events that made it.
        for session_id, saved in database.execute("SELECT id, segments_saved FROM sessions"):
            assert saved == sum(1 for sid, _ in stored if sid == session_id)
    finally:
        database.close()
    assert len(answered) >= PLAYERS * 5
