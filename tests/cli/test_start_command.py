"""`hipcoach start` end to end: the screen gate, the check-in, the plan, the check-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hipcoach import services
from hipcoach.services.programs import local_today
from hipcoach.store.checkins import CheckinRepository
from tests.cli.conftest import Cli

IR_WORK = {"ir-ankle-lift", "ir-ankle-lift-lean", "contralateral-pry", "ir-stretch", "active-ir"}


def _played_exercises(out: str, plan: dict[str, object]) -> set[str]:
    names = {s["exercise_name"]: s["exercise_id"] for s in plan["segments"]}  # type: ignore[attr-defined]
    return {eid for name, eid in names.items() if f"{name}: hold" in out or f"{name}: rep" in out}


def _checkins() -> list[tuple[str, int | None, str | None, int | None]]:
    with services.Context() as ctx:
        activity = CheckinRepository(ctx.journal.engine).recent(
            ctx.profile_id, datetime.now(UTC) - timedelta(days=1)
        )
    return [(c.moment, c.pain, c.morning_after, c.effort) for c in activity.checkins]


def test_no_session_starts_before_a_screen(cli: Cli) -> None:
    out = cli("start", "--plain", "--no-voice", code=1)
    assert "screen.needed" in out
    assert "Run hipcoach screen" in out
    assert cli.json("history") == []


def test_a_stop_screen_blocks_the_session_and_says_why(cli: Cli) -> None:
    cli("screen", "--no-to-all", "--trauma")
    out = cli("start", "desk-break", "--plain", "--no-voice", code=1)
    assert "screen.urgent.trauma" in out
    assert "What to do" in out
    assert cli.json("history") == []


def test_high_pain_now_makes_the_session_easier_and_is_kept(screened: Cli) -> None:
    out = screened(
        "start",
        "morning-pry",
        "--plain",
        "--no-voice",
        "--pain-now",
        "7",
        "--pain-after",
        "4",
        "--effort",
        "5",
    )
    assert "Today's session is adjusted" in out
    assert "pain.regress.high" in out
    pry = screened.json("routine", "show", "morning-pry")
    played = _played_exercises(out, pry)
    assert "er-press" in played
    assert not played & IR_WORK
    assert "Effort: no more than 50%" in out
    assert _checkins() == [("before", 7, None, None), ("after", 4, None, 5)]
    [row] = screened.json("history")
    assert row["status"] == "completed"


def test_a_screen_caution_reaches_the_session(cli: Cli) -> None:
    cli("screen", "--no-to-all", "--fai")
    out = cli("start", "rotation-circuit", "--plain", "--no-voice", "--pain-now", "1")
    assert "screen.fai" in out
    assert "90/90 IR stretch: hold" not in out
    assert "Effort: no more than 60%" in out


def test_without_a_routine_the_plan_decides_and_the_session_counts(screened: Cli) -> None:
    screened(
        "plan",
        "new",
        "--goal",
        "jammed-hips",
        "--days",
        "daily",
        "--start",
        local_today().isoformat(),
        code=1,
    )  # a 3-4x/week goal refuses daily
    screened("plan", "new", "--goal", "unlock-stiff-hips", "--start", local_today().isoformat())
    out = screened("start", "--plain", "--no-voice")
    assert "Contralateral pry: hold, round 1 of 3 (10 s)" in out  # level 1 of the ladder
    shown = screened.json("plan", "show")
    assert shown["adherence"]["done"] == 1
    [row] = screened.json("history")
    assert row["routine"] == "morning-pry"


def test_bad_check_in_values_start_nothing(screened: Cli) -> None:
    out = screened("start", "desk-break", "--plain", "--no-voice", "--pain-now", "11", code=1)
    assert "pain" in out
    assert "10" in out
    out = screened("start", "desk-break", "--plain", "--no-voice", "--morning-after", "meh", code=1)
    assert "meh" in out
    assert screened.json("history") == []
