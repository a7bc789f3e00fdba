"""kill -9 in the middle of a real session: nothing finished is lost, and --resume carries on."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Cli

pytestmark = pytest.mark.usefixtures("screened")


def test_kill_9_mid_session_loses_nothing_and_resume_finishes(cli: Cli, data_dir: Path) -> None:
    plan = cli.json("routine", "show", "morning-pry")
    target = next(
        s
        for s in plan["segments"]
        if s["exercise_id"] == "contralateral-pry" and s["kind"] == "hold" and s["round"] == 2
    )
    env = {**os.environ, "HIPCOACH_TIME_SCALE": "20"}
    child = subprocess.Popen(
        [sys.executable, "-m", "hipcoach", "start", "morning-pry", "--plain", "--no-voice"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert child.stdout is not None
    seen = []
    try:
        for line in child.stdout:
            seen.append(line)
            if target["text"] in line:
                break
        else:
            raise AssertionError(f"session ended before the target step: {''.join(seen)}")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
        assert child.stderr is not None
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    db = data_dir / "hipcoach.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        done = sorted(i for (i,) in conn.execute("SELECT segment_index FROM segment_events"))
    conn.close()
    # Every step shown as started had all the steps before it written first.
    assert done == list(range(len(done)))
    assert len(done) >= target["index"]

    [row] = cli.json("history")
    assert row["status"] == "partial"
    assert row["resumable"] is True
    assert row["segments_done"] == len(done)

    out = cli("start", "--resume", "--plain", "--no-voice")
    resumed_at = re.search(r"Resuming Morning pry at step (\d+) of (\d+)", out)
    assert resumed_at is not None
    assert int(resumed_at.group(1)) == len(done) + 1
    [row] = cli.json("history")
    assert row["status"] == "completed"
    # The step it stopped in starts again from its beginning (nobody restarts mid-hold),
    # so the plan grows by the part of that step already played; nothing saved is lost.
    assert row["segments_done"] == row["segments_total"] >= len(plan["segments"])
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT COUNT(*), COUNT(DISTINCT segment_index) FROM segment_events")
        assert rows.fetchone() == (row["segments_total"], row["segments_total"])
    conn.close()
