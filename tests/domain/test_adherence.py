"""Streaks and adherence follow the plan's frequency: rest days never break, missed days do."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.domain.adherence import Mark, marks, measure, streak
from hipcoach.domain.planning import make_plan
from hipcoach.library.goals import load_goals
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from

GOALS = load_goals(load_library_from(SHIPPED_ROOT))
MON = date(2026, 3, 2)


def d(n: int) -> date:
    """The day `n` days after Monday 2 March 2026."""
    return MON + timedelta(days=n)


DAILY = [d(n) for n in range(14)]
THREE_A_WEEK = [d(n) for n in (0, 2, 4, 7, 9, 11)]  # mon, wed, fri for two weeks


@pytest.mark.parametrize(
    ("case", "planned", "done", "today", "current", "best"),
    [
        ("daily, every day done", DAILY, {d(n) for n in range(5)}, d(4), 5, 5),
        ("daily, a missed day breaks", DAILY, {d(0), d(1), d(3), d(4)}, d(4), 2, 2),
        ("daily, yesterday missed", DAILY, {d(0), d(1), d(2)}, d(4), 0, 3),
        ("daily, today not done yet keeps it", DAILY, {d(0), d(1), d(2)}, d(3), 3, 3),
        ("daily, today done adds one", DAILY, {d(0), d(1), d(2), d(3)}, d(3), 4, 4),
        ("3x, rest days never break", THREE_A_WEEK, {d(0), d(2), d(4), d(7)}, d(8), 4, 4),
        ("3x, a missed planned day breaks", THREE_A_WEEK, {d(0), d(4), d(7)}, d(8), 2, 2),
        ("3x, bonus on a rest day adds nothing", THREE_A_WEEK, {d(0), d(1), d(2)}, d(3), 2, 2),
        ("3x, bonus never breaks", THREE_A_WEEK, {d(0), d(1), d(2), d(3), d(4)}, d(6), 3, 3),
        ("3x, today planned and pending", THREE_A_WEEK, {d(0), d(2), d(4)}, d(7), 3, 3),
        ("3x, nothing yet", THREE_A_WEEK, set(), d(0), 0, 0),
        ("3x, best outlives a break", THREE_A_WEEK, {d(0), d(2), d(4), d(9)}, d(10), 1, 3),
    ],
)
def test_streaks_fit_the_frequency(
    case: str, planned: list[date], done: set[date], today: date, current: int, best: int
) -> None:
    got = streak(planned, done, today)
    assert (got.current, got.best) == (current, best), case


def test_marks_tell_done_missed_today_upcoming_and_bonus() -> None:
    got = marks(THREE_A_WEEK, {d(0), d(1), d(7)}, d(7))
    assert got == {
        d(0): Mark.DONE,
        d(1): Mark.BONUS,
        d(2): Mark.MISSED,
        d(4): Mark.MISSED,
        d(7): Mark.DONE,
        d(9): Mark.UPCOMING,
        d(11): Mark.UPCOMING,
    }
    assert marks(THREE_A_WEEK, set(), d(2))[d(2)] is Mark.TODAY


def test_adherence_counts_per_week_and_overall() -> None:
    plan = make_plan(GOALS["jammed-hips"], MON, weeks=3)
    done = {d(0), d(2), d(3), d(7), d(30)}  # d(3) is a bonus; d(30) is after the plan
    got = measure(plan, done, d(9))
    assert [(w.week, w.planned, w.due, w.done, w.bonus) for w in got.weeks] == [
        (1, 3, 3, 2, 1),
        (2, 3, 1, 1, 0),
        (3, 3, 0, 0, 0),
    ]
    assert (got.planned, got.due, got.done, got.bonus) == (9, 4, 3, 1)
    assert got.ratio == pytest.approx(0.75)
    assert got.weeks[1].start == d(7)
    assert got.streak.current == 1  # Wed 4 March was missed; Mon 9 done; Wed 11 is today


def test_nothing_due_has_no_ratio() -> None:
    plan = make_plan(GOALS["jammed-hips"], MON)
    assert measure(plan, set(), d(-1)).ratio is None


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 6), min_size=1), st.sets(st.integers(0, 41)), st.integers(0, 45))
def test_streak_never_exceeds_the_planned_sessions_done(
    days: set[int], done_offsets: set[int], today_offset: int
) -> None:
    planned = [d(n) for n in range(42) if d(n).weekday() in days]
    done = {d(n) for n in done_offsets}
    today = d(today_offset)
    got = streak(planned, done, today)
    done_planned = sum(p in done and p <= today for p in planned)
    assert 0 <= got.current <= got.best <= done_planned
    # Days off the plan change nothing: removing every bonus keeps the streak.
    assert streak(planned, done & set(planned), today) == got
