"""start, history and info, played for real at a fast clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipcoach import services
from hipcoach.domain.compiler import CompileOptions
from tests.cli.conftest import Cli

pytestmark = pytest.mark.usefixtures("screened")


def test_plain_session_plays_to_the_end_and_is_journaled(cli: Cli) -> None:
    out = cli("start", "desk-break", "--plain", "--no-voice")
    lines = out.splitlines()
    assert "not medical care" in lines[0]
    assert any("Switch sides: left leg in front" in line for line in lines)
    assert "Session complete" in out
    assert "\x1b" not in out  # nothing but text in plain mode
    assert "\a" not in out
    history = cli.json("history")
    assert len(history) == 1
    row = history[0]
    assert row["routine"] == "desk-break"
    assert row["status"] == "completed"
    assert row["segments_done"] == row["segments_total"] == row["segments_completed"]
    plan = cli.json("routine", "show", "desk-break")
    assert row["segments_total"] == len(plan["segments"])
    assert abs(row["time_spent_seconds"] - plan["total_seconds"]) < 2


def test_overrides_reach_the_played_session(cli: Cli) -> None:
    out = cli("start", "morning-pry", "--plain", "--no-voice", "--hold", "14", "--sides", "left")
    assert "Contralateral pry: hold, round 1 of 3 (14 s)" in out
    assert "right leg" not in out.lower()


def test_invalid_dose_writes_nothing(cli: Cli) -> None:
    out = cli("start", "--plain", "--hold", "3000", code=1)
    assert "seconds must be between 3 and 300" in out
    assert cli.json("history") == []


def test_resume_with_nothing_to_resume_says_so(cli: Cli) -> None:
    out = cli("start", "--resume", "--plain", code=1)
    assert "no unfinished session to resume" in out


def test_resume_and_new_together_are_refused(cli: Cli) -> None:
    assert "contradict" in cli("start", "--resume", "--new", code=1)


def test_history_table_when_empty(cli: Cli) -> None:
    assert "No sessions yet" in cli("history")


def test_info_shows_where_data_lives(cli: Cli, data_dir: Path) -> None:
    info = cli.json("info")
    assert info["data_dir"] == str(data_dir)
    assert info["database_url"] == f"sqlite:///{data_dir / 'hipcoach.db'}"
    assert info["time_scale"] == 1000


def test_bad_time_scale_is_a_clear_error(cli: Cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HIPCOACH_TIME_SCALE", "fast")
    assert "HIPCOACH_TIME_SCALE must be a number" in cli("info", code=1)


def test_an_unfinished_session_is_mentioned_when_nobody_can_answer(cli: Cli) -> None:
    cli("start", "desk-break", "--plain", "--no-voice")
    with services.Context() as ctx:
        timeline = services.plan_routine(ctx.library, "morning-pry", CompileOptions())
        services.begin_session(ctx, timeline, CompileOptions())
    out = cli("start", "desk-break", "--plain", "--no-voice")
    assert "An unfinished Morning pry session" in out
    assert "pass --resume to continue it instead" in out
    history = cli.json("history")
    assert [r["routine"] for r in history] == ["desk-break", "morning-pry", "desk-break"]
    assert [r["resumable"] for r in history] == [False, False, False]
