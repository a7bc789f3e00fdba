"""kill -STOP in the middle of a real plain session: the stop is not credited, Enter goes on."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from hipcoach import services
from hipcoach.cli import playback
from hipcoach.player import TerminalCommands
from hipcoach.settings import Settings
from tests.cli.conftest import Cli

pytestmark = [
    pytest.mark.usefixtures("screened"),
    pytest.mark.skipif(sys.platform == "win32", reason="needs SIGSTOP, SIGCONT and a pty"),
]

SCALE = 40  # morning-pry's 230 s in under 6 s; a session second is 25 ms
STOP_SECONDS = 3.0  # longer than the player's 2 s gap limit, and 120 s of session time
PAUSED_LINE = re.compile(r"^\[(\d\d):(\d\d)\] Paused\. (.*)$")


def read_until(lines: list[str], stream: IO[str], needle: str) -> str:
    """Read lines into `lines` until one contains `needle`; that line."""
    for line in stream:
        lines.append(line)
        if needle in line:
            return line
    raise AssertionError(f"the session ended without {needle!r}:\n{''.join(lines)}")


def test_a_stopped_session_pauses_credits_nothing_and_goes_on_with_enter(
    cli: Cli, data_dir: Path
) -> None:
    plan = cli.json("routine", "show", "morning-pry")
    segments = plan["segments"]
    target = next(s for s in segments if s["kind"] == "hold" and s["start"] >= 30)
    env = {**os.environ, "HIPCOACH_TIME_SCALE": str(SCALE)}
    # A terminal on stdin, as someone at the keyboard has: plain mode reads Enter only
    # from one. The answers before and after the session are given as options.
    keyboard, terminal = pty.openpty()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hipcoach",
            "start",
            "morning-pry",
            "--plain",
            "--no-voice",
            "--pain-now",
            "0",
            "--morning-after",
            "same",
            "--pain-after",
            "0",
            "--effort",
            "5",
        ],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    os.close(terminal)
    assert child.stdout is not None
    watchdog = threading.Timer(60, child.kill)  # a hung player fails the test, not the run
    watchdog.start()
    seen: list[str] = []
    try:
        read_until(seen, child.stdout, target["text"])
        child.send_signal(signal.SIGSTOP)
        time.sleep(STOP_SECONDS)
        child.send_signal(signal.SIGCONT)
        paused = PAUSED_LINE.match(read_until(seen, child.stdout, "Paused."))
        assert paused is not None, seen[-1]
        at = int(paused[1]) * 60 + int(paused[2])
        assert "That time was not counted." in paused[3]
        stopped_for = re.search(r"suspended for (\d+) s", paused[3])
        assert stopped_for is not None, paused[3]
        assert int(stopped_for[1]) >= STOP_SECONDS - 1
        assert paused[3].endswith("Press Enter to go on.")
        # It paused where it stopped, early in the target step (a tick is 25 ms, so a
        # slow machine may get a few in before the stop lands), not 120 s on.
        assert target["start"] <= at <= target["start"] + 5

        # While it waits, the journal holds exactly the steps that ended before the stop.
        [row] = cli.json("history")
        settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(data_dir)})
        with services.Context(settings) as ctx:
            record = ctx.journal.get_session(row["session_id"])
            time.sleep(0.5)  # 20 s of session time: a paused session saves nothing meanwhile
            assert ctx.journal.get_session(row["session_id"]).done_indices == record.done_indices
        done_before = {s["index"] for s in segments if s["end"] <= at}
        assert record.done_indices == done_before
        assert target["index"] not in record.done_indices
        assert max(record.done_indices) < target["index"]
        assert record.time_spent_seconds <= sum(segments[i]["duration"] for i in done_before)

        os.write(keyboard, b"\n")
        assert next(iter(child.stdout)).startswith(f"[{paused[1]}:{paused[2]}] Going on.")
        rest, _ = child.communicate(timeout=30)
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        os.close(keyboard)
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
    assert child.returncode == 0, "".join(seen)
    assert "[03:50] Session complete: 03:50, 25 of 25 segments done." in rest
    [row] = cli.json("history")
    assert row["status"] == "completed"
    assert row["segments_done"] == row["segments_total"] == len(segments)
    assert row["time_spent_seconds"] == sum(s["duration"] for s in segments)


def test_plain_mode_reads_enter_from_a_terminal_but_leaves_piped_input_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyboard, terminal = pty.openpty()
    read_end, write_end = os.pipe()
    try:
        with open(terminal, closefd=False) as tty_in:
            monkeypatch.setattr(sys, "stdin", tty_in)
            assert isinstance(playback._typed_commands(), TerminalCommands)
        with open(read_end, closefd=False) as piped_in:
            monkeypatch.setattr(sys, "stdin", piped_in)
            assert playback._typed_commands() is None
    finally:
        for fd in (keyboard, terminal, read_end, write_end):
            os.close(fd)
