"""The planner: schedules, input checks, the progression ladder, and today's composition."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.domain.compiler import LIMITS, compile_routine
from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.exercise import DoseMode, Rotation
from hipcoach.domain.planning import (
    EFFORT_CEILING,
    Plan,
    PlanError,
    build_schedule,
    current_level,
    make_plan,
    parse_time,
    parse_weekdays,
    today_session,
)
from hipcoach.domain.rules import Rule, Symptom, resolve
from hipcoach.library.goals import load_goals
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from
from hipcoach.library.rules import RULES_FILE, load_rules_from

LIBRARY = load_library_from(SHIPPED_ROOT)
GOALS = load_goals(LIBRARY)
RULES = load_rules_from(RULES_FILE)
NAMES = {k: e.name for k, e in LIBRARY.exercises.items()}
MONDAY = date(2026, 3, 2)
STOP = Decision(
    Verdict.STOP,
    (Adjustment("screen.urgent.trauma", "injury", AdjustmentKind.BLOCK_SESSION),),
)
PINCH = RULES.symptom_rule(Symptom.PINCH).decision()

goal_ids = st.sampled_from(sorted(GOALS))
weekday_sets = st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s)))
starts = st.dates(date(2024, 1, 1), date(2030, 12, 31))
verdicts = st.sampled_from(list(Verdict))


def _plan(goal_id: str, start: date = MONDAY, **changes: object) -> Plan:
    return replace(make_plan(GOALS[goal_id], start), **changes)  # type: ignore[arg-type]


def _is_ir_end_range(exercise_id: str) -> bool:
    exercise = LIBRARY.exercise(exercise_id)
    return exercise.back_hip is Rotation.INTERNAL and exercise.dose.mode is not DoseMode.POSITION


# ---- schedules -----------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(goal_ids, starts, st.integers(1, 52), weekday_sets)
def test_sessions_fall_only_on_the_chosen_days_within_the_weeks(
    goal_id: str, start: date, weeks: int, days: tuple[int, ...]
) -> None:
    plan = _plan(goal_id, start, weeks=weeks, weekdays=days)
    schedule = build_schedule(plan)
    assert len(schedule) == weeks * len(days)
    assert all(s.date.weekday() in days for s in schedule)
    assert all(start <= s.date <= start + timedelta(days=7 * weeks - 1) for s in schedule)
    assert all(s.week == (s.date - start).days // 7 + 1 for s in schedule)
    assert [s.date for s in schedule] == sorted({s.date for s in schedule})
    assert {s.routine_id for s in schedule} == {GOALS[goal_id].routine_id}


@pytest.mark.parametrize(
    ("goal_id", "routine_id", "days", "per_week", "at"),
    [
        ("unlock-stiff-hips", "morning-pry", "mon,tue,wed,thu,fri,sat,sun", 7, time(7)),
        ("jammed-hips", "rotation-circuit", "mon,wed,fri", 3, time(18, 30)),
        ("warmup-primer", "warmup-primer", "mon,wed,fri", 3, time(17, 30)),
        ("sitting-breaks", "desk-break", "mon,tue,wed,thu,fri", 5, time(11)),
        ("irritable-hip", "er-only", "mon,tue,wed,thu,fri,sat,sun", 7, time(7)),
        ("knee-friendly", "morning-pry", "mon,tue,wed,thu,fri,sat,sun", 7, time(7)),
    ],
)
def test_each_goal_makes_its_default_plan(
    goal_id: str, routine_id: str, days: str, per_week: int, at: time
) -> None:
    plan = make_plan(GOALS[goal_id], MONDAY)
    schedule = build_schedule(plan)
    assert plan.days_text == days
    assert plan.time == at
    assert len(schedule) == per_week * plan.weeks
    assert schedule[0].routine_id == routine_id
    level = current_level(plan, set(), {}, MONDAY, NAMES)
    today = today_session(plan, MONDAY, level, LIBRARY, names=NAMES)
    assert not today.blocked
    assert not today.rest_day
    assert today.routine is not None
    compile_routine(today.routine, LIBRARY, today.options)  # plays as composed


def test_knee_friendly_swaps_in_the_heels_closer_seat() -> None:
    plan = make_plan(GOALS["knee-friendly"], MONDAY)
    today = today_session(plan, MONDAY, current_level(plan, set(), {}, MONDAY), LIBRARY)
    assert today.routine is not None
    ids = [s.exercise_id for s in today.routine.steps]
    assert ids[0] == "90-90-setup-heels-closer"
    assert "90-90-setup" not in ids
    assert "goal.knee-friendly" in dict(today.explanation)


def test_irritable_hip_has_no_ir_work_at_all() -> None:
    plan = make_plan(GOALS["irritable-hip"], MONDAY)
    today = today_session(plan, MONDAY, current_level(plan, set(), {}, MONDAY), LIBRARY)
    assert today.routine is not None
    assert not [s for s in today.routine.steps if _is_ir_end_range(s.exercise_id)]
    assert today.options.effort_cap == 40


# ---- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("mon,wed,fri", (0, 2, 4)),
        ("Friday, monday", (0, 4)),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("daily", tuple(range(7))),
        ("sat,sun,sat", (5, 6)),
    ],
)
def test_days_parse(raw: str, expected: tuple[int, ...]) -> None:
    assert parse_weekdays(raw) == expected


@pytest.mark.parametrize(
    ("goal_id", "kwargs", "message"),
    [
        ("jammed-hips", {"days": "funday"}, "'funday' is not a day"),
        ("jammed-hips", {"days": ""}, "at least one day"),
        ("jammed-hips", {"days": " , "}, "at least one day"),
        ("jammed-hips", {"days": "mon"}, "needs 3 to 4 days a week; --days gives 1 (mon)"),
        ("jammed-hips", {"days": "daily"}, "--days gives 7"),
        ("unlock-stiff-hips", {"days": "mon,wed,fri"}, "5 to 7 days a week"),
        ("jammed-hips", {"weeks": 0}, "--weeks must be between 1 and 52, got 0"),
        ("jammed-hips", {"weeks": 53}, "got 53"),
        ("jammed-hips", {"at": "25:00"}, "HH:MM on a 24-hour clock"),
        ("jammed-hips", {"at": "07:60"}, "got '07:60'"),
        ("jammed-hips", {"at": "7am"}, "got '7am'"),
    ],
)
def test_bad_plan_requests_are_refused_with_a_message(
    goal_id: str, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(PlanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_plan(GOALS[goal_id], MONDAY, **kwargs)  # type: ignore[arg-type]


def test_time_parses_on_a_24_hour_clock() -> None:
    assert parse_time("7:05") == time(7, 5)
    assert parse_time("23:59") == time(23, 59)


# ---- the progression ladder ----------------------------------------------------------


def _week_dates(plan: Plan, week: int) -> set[date]:
    return {s.date for s in build_schedule(plan) if s.week == week}


def test_a_good_week_with_quiet_check_ins_climbs_one_level() -> None:
    plan = make_plan(GOALS["unlock-stiff-hips"], MONDAY)
    done = _week_dates(plan, 1) - {MONDAY}  # 6 of 7
    level = current_level(plan, done, {1: Verdict.PROGRESS}, MONDAY + timedelta(days=7), NAMES)
    assert (level.index, level.week) == (1, 2)
    assert level.reason == (
        "week 2: up to level 2 of 5 (Contralateral pry 12 s x 3 rounds, effort up to 60%) "
        "because last week you did 6 of 7 planned sessions and your check-ins allowed a step up"
    )


def test_too_few_sessions_hold_the_level_even_with_quiet_check_ins() -> None:
    plan = make_plan(GOALS["jammed-hips"], MONDAY)
    done = {MONDAY}  # 1 of 3; the bar is 2 of 3
    level = current_level(plan, done, {1: Verdict.PROGRESS}, MONDAY + timedelta(days=8))
    assert level.index == 0
    assert "you did 1 of 3 planned sessions (a step up needs 2)" in level.reason


@pytest.mark.parametrize(
    ("verdict", "words"),
    [(None, "no check-ins were recorded"), (Verdict.HOLD, "said to keep the dose")],
)
def test_without_a_progress_signal_the_level_holds(verdict: Verdict | None, words: str) -> None:
    plan = make_plan(GOALS["jammed-hips"], MONDAY)
    signals = {} if verdict is None else {1: verdict}
    level = current_level(plan, _week_dates(plan, 1), signals, MONDAY + timedelta(days=7))
    assert level.index == 0
    assert words in level.reason


def test_regress_steps_back_one_level_and_never_below_the_first() -> None:
    plan = make_plan(GOALS["jammed-hips"], MONDAY, weeks=6)
    done = {s.date for s in build_schedule(plan)}
    signals = {1: Verdict.PROGRESS, 2: Verdict.PROGRESS, 3: Verdict.REGRESS, 4: Verdict.PAUSE}
    level = current_level(plan, done, signals, MONDAY + timedelta(days=35))
    assert [i for _, i, _ in level.history] == [0, 1, 2, 1, 0, 0]
    assert "called for an easier dose" in level.history[3][2]


def test_the_ladder_stops_at_the_top() -> None:
    plan = make_plan(GOALS["warmup-primer"], MONDAY, weeks=8)
    done = {s.date for s in build_schedule(plan)}
    signals = dict.fromkeys(range(1, 9), Verdict.PROGRESS)
    level = current_level(plan, done, signals, plan.end)
    assert level.index == len(GOALS["warmup-primer"].levels) - 1
    assert "stays at the top" in level.reason


def test_before_the_start_and_after_the_end_the_level_is_clamped() -> None:
    plan = make_plan(GOALS["jammed-hips"], MONDAY, weeks=2)
    assert current_level(plan, set(), {}, MONDAY - timedelta(days=3)).week == 1
    assert current_level(plan, set(), {}, plan.end + timedelta(days=30)).week == 2


@settings(max_examples=150, deadline=None)
@given(
    goal_ids,
    st.integers(1, 10),
    st.sets(st.integers(0, 69)),
    st.dictionaries(st.integers(1, 10), verdicts),
    st.integers(-7, 80),
)
def test_progression_never_passes_its_caps(
    goal_id: str, weeks: int, done_offsets: set[int], signals: dict[int, Verdict], day: int
) -> None:
    goal = GOALS[goal_id]
    plan = make_plan(goal, MONDAY, weeks=weeks)
    done = {MONDAY + timedelta(days=n) for n in done_offsets}
    today = MONDAY + timedelta(days=day)
    level = current_level(plan, done, signals, today, NAMES)
    steps = [i for _, i, _ in level.history]
    assert all(0 <= i < len(goal.levels) for i in steps)
    assert all(abs(b - a) <= 1 for a, b in itertools.pairwise(steps))
    assert level.index == steps[-1]
    session = today_session(plan, today, level, LIBRARY, names=NAMES)
    options = session.options
    assert options.effort_cap is not None
    assert options.effort_cap <= EFFORT_CEILING
    assert session.routine is not None
    for step in session.routine.steps:
        exercise = LIBRARY.exercise(step.exercise_id)
        own = options.per_exercise.get(exercise.id)
        seconds = own.seconds if own and own.seconds else options.dose.seconds
        reps = own.reps if own and own.reps else options.dose.reps
        span = exercise.dose.seconds_range
        if exercise.dose.mode is DoseMode.HOLD and seconds and span:
            assert span[0] <= seconds <= span[1]
        span = exercise.dose.reps_range
        if exercise.dose.mode is DoseMode.REPS and reps and span:
            assert span[0] <= reps <= span[1]
    for name in ("seconds", "rounds", "reps"):
        value = getattr(options.dose, name)
        assert value is None or LIMITS[name][0] <= value <= LIMITS[name][1]
    compile_routine(session.routine, LIBRARY, options)


# ---- today's session -----------------------------------------------------------------

other_rules = st.lists(
    st.sampled_from([r for r in RULES.rules.values() if not r.id.startswith("symptom.pinch")]),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(goal_ids, st.integers(-3, 50), other_rules, st.integers(0, 4))
def test_no_ir_end_range_work_while_a_pinch_rule_is_active(
    goal_id: str, day: int, others: list[Rule], level_index: int
) -> None:
    plan = make_plan(GOALS[goal_id], MONDAY)
    today = MONDAY + timedelta(days=day)
    readiness = resolve(RULES, [PINCH, *(r.decision() for r in others)])
    level = current_level(plan, set(), {}, today)
    level = replace(level, index=min(level_index, len(plan.goal.levels) - 1))
    session = today_session(plan, today, level, LIBRARY, readiness=readiness)
    if session.routine is not None:
        assert not [s for s in session.routine.steps if _is_ir_end_range(s.exercise_id)]
        assert session.options.effort_cap is not None
        assert session.options.effort_cap <= 40
        if not session.blocked:
            compile_routine(session.routine, LIBRARY, session.options)
    assert "symptom.pinch" in dict(session.explanation)


@settings(max_examples=150, deadline=None)
@given(goal_ids, st.integers(-10, 60), st.one_of(st.none(), st.just(PINCH)), weekday_sets)
def test_a_stop_screen_blocks_every_session(
    goal_id: str, day: int, readiness: Decision | None, days: tuple[int, ...]
) -> None:
    plan = _plan(goal_id, weekdays=days)
    today = MONDAY + timedelta(days=day)
    level = current_level(plan, set(), {}, today)
    session = today_session(plan, today, level, LIBRARY, screen=STOP, readiness=readiness)
    assert session.blocked
    assert ("screen.urgent.trauma", "injury") in session.explanation


def test_rest_days_say_when_the_next_session_is() -> None:
    plan = make_plan(GOALS["jammed-hips"], MONDAY)
    tuesday = MONDAY + timedelta(days=1)
    session = today_session(plan, tuesday, current_level(plan, set(), {}, tuesday), LIBRARY)
    assert session.rest_day
    assert not session.blocked
    assert session.next_session is not None
    assert session.next_session.date == MONDAY + timedelta(days=2)
    reason = dict(session.explanation)["plan.rest-day"]
    assert "Next session: Wed 2026-03-04 at 18:30" in reason


def test_a_paused_plan_blocks_with_its_reason() -> None:
    plan = _plan("jammed-hips", status="paused", status_reason="seeing a physio")
    session = today_session(plan, MONDAY, current_level(plan, set(), {}, MONDAY), LIBRARY)
    assert session.blocked
    assert not session.rest_day
    assert "seeing a physio" in dict(session.explanation)["plan.paused"]


def test_after_the_last_week_the_plan_is_finished() -> None:
    plan = make_plan(GOALS["jammed-hips"], MONDAY, weeks=1)
    later = plan.end + timedelta(days=3)
    session = today_session(plan, later, current_level(plan, set(), {}, later), LIBRARY)
    assert session.rest_day
    assert session.next_session is None
    assert "plan.finished" in dict(session.explanation)


def test_caps_combine_to_the_lowest_and_each_rule_is_explained_once() -> None:
    plan = make_plan(GOALS["unlock-stiff-hips"], MONDAY)
    session = today_session(
        plan, MONDAY, current_level(plan, set(), {}, MONDAY), LIBRARY, readiness=PINCH
    )
    assert session.options.effort_cap == 40
    assert [r for r, _ in session.explanation].count("symptom.pinch") == 1
    assert session.routine is not None
    ids = [s.exercise_id for s in session.routine.steps]
    assert ids == ["90-90-setup", "er-press", "er-only-press"]
    # The pry's level dose does not follow it to a step that is gone.
    assert "contralateral-pry" not in session.options.per_exercise
