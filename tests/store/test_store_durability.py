"""What is committed stays committed: across engines, and across a kill -9."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import make_url, text

from hipcoach.store import Journal, create_engine_for
from tests.store.helpers import record, start

RECORDED = 7
# The child starts a session, records RECORDED segments, says so, then waits to be killed.
CHILD = """
import sys, time
from hipcoach.store import Journal, create_engine_for
journal = Journal(create_engine_for(sys.argv[1]))
profile = journal.ensure_profile("killed")
session_id = journal.start_session(profile.id, "r", "R", {}, "fp", 20, 600)
for index in range(int(sys.argv[2])):
    journal.record_segment(session_id, index, "hold", "er-press", "left", "completed", 30, 30.0)
print(session_id, flush=True)
time.sleep(120)
"""


def test_a_commit_is_visible_from_a_fresh_engine(journal: Journal, database_url: str) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    record(journal, session_id, 3)
    with Journal(create_engine_for(database_url)) as other:
        got = other.get_session(session_id)
    assert got.done_indices == frozenset({3})


def test_kill_9_after_recording_loses_nothing(journal: Journal, database_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, str(RECORDED)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    try:
        ready, _, _ = select.select([child.stdout], [], [], 60)
        assert ready, "the child process never reported its writes"
        session_id = child.stdout.readline().strip()
        assert session_id, f"the child process ended early (exit code {child.poll()})"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        # The killed writer never checkpointed: opening the store must recover from the WAL.
        assert Path(f"{url.database}-wal").exists()
    with Journal(create_engine_for(database_url)) as reopened:
        got = reopened.get_session(session_id)
        assert got.status == "in_progress"
        assert got.done_indices == frozenset(range(RECORDED))
        assert got.completed_count == RECORDED
        if reopened.engine.dialect.name == "sqlite":
            with reopened.engine.connect() as connection:
                check = connection.execute(text("PRAGMA integrity_check")).scalars().all()
            assert check == ["ok"]
