"""A plan's progression agrees with itself: the effort it says is the effort it plays, and a
new week's first session plays the level the rest of that week plays."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.domain.compiler import CompileOptions, compile_routine
from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.planning import (
    Plan,
    ProgressionLevel,
    build_schedule,
    current_level,
    make_plan,
    today_session,
    week_signals,
)
from hipcoach.domain.rules import (
    CheckinBefore,
    MorningAfter,
    SessionHistory,
    SessionOutcome,
    decide_before_session,
    resolve,
)
from hipcoach.library.goals import load_goals
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from
from hipcoach.library.rules import RULES_FILE, load_rules_from

LIBRARY = load_library_from(SHIPPED_ROOT)
GOALS = load_goals(LIBRARY)
RULES = load_rules_from(RULES_FILE)
NAMES = {k: e.name for k, e in LIBRARY.exercises.items()}
MONDAY = date(2026, 3, 2)
SAME, WORSE = MorningAfter.SAME, MorningAfter.WORSE
CUE_CAP = re.compile(r"no more than (\d+)%")
EFFORT = re.compile(r"effort up to (\d+)%")

# What the check-ins can add to a planned day (every rule that fires before a session and
# leaves it to play; pinch and high pain take the pry out, which the property also covers).
CHECKIN_RULES = sorted(
    r.id
    for r in RULES.rules.values()
    if r.id not in ("program.pause.red-flag", "program.pause.regressions")
    and not any(a.kind is AdjustmentKind.BLOCK_SESSION for a in r.adjustments)
)


def _decision(*rule_ids: str) -> Decision | None:
    if not rule_ids:
        return None
    return resolve(RULES, [RULES.rule(r).decision() for r in rule_ids])


def _banner_caps(options: CompileOptions, adjustments: tuple[Adjustment, ...]) -> set[int]:
    """Every effort the banner says: the dose line (as `today` words it), the changes' cap."""
    o = options
    level = ProgressionLevel(
        o.dose.seconds, o.dose.rounds, o.dose.reps, o.per_exercise, o.effort_cap
    )
    said = {int(n) for n in EFFORT.findall(level.describe(NAMES))}
    changes = Decision(Verdict.PROCEED, adjustments).effort_cap
    return said | ({changes} if changes is not None else set())


# ---- one effort, said and played ----------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(GOALS)),
    st.integers(0, 4),
    st.integers(0, 27),
    st.lists(st.sampled_from(CHECKIN_RULES), max_size=3, unique=True),
)
def test_the_effort_the_banner_says_is_the_most_the_cues_ask(
    goal_id: str, level_index: int, day: int, rule_ids: list[str]
) -> None:
    """For every goal, level and week, and whatever the check-ins add: banner == cues."""
    goal = GOALS[goal_id]
    plan = make_plan(goal, MONDAY)
    planned = [s.date for s in build_schedule(plan)]
    today = planned[day % len(planned)]
    level = current_level(plan, set(), {}, today, NAMES)
    level = replace(level, index=min(level_index, len(goal.levels) - 1))
    session = today_session(plan, today, level, LIBRARY, readiness=_decision(*rule_ids))
    if session.routine is None or session.blocked:
        return
    timeline = compile_routine(session.routine, LIBRARY, session.options)
    cue_caps = {int(n) for s in timeline.segments for n in CUE_CAP.findall(s.cue)}
    played = {s.effort_cap for s in timeline.segments if s.effort_cap is not None}
    assert cue_caps, "every routine has a contraction the cap is said on"
    assert played == cue_caps == {session.options.effort_cap}
    assert _banner_caps(session.options, session.adjustments) == {max(cue_caps)}
    # The level never asks more than its own cap, whatever a rule allows.
    assert max(cue_caps) <= (goal.levels[level.index].effort_cap or 100)


def test_a_step_up_day_at_a_60_percent_level_says_60_and_keeps_the_rule_as_a_note() -> None:
    plan = make_plan(GOALS["jammed-hips"], MONDAY)
    level = replace(current_level(plan, set(), {}, MONDAY), index=1)  # 60 %
    session = today_session(plan, MONDAY, level, LIBRARY, readiness=_decision("pain.progress"))
    assert session.options.effort_cap == 60
    (progress,) = [a for a in session.adjustments if a.rule_id == "pain.progress"]
    assert progress.kind is AdjustmentKind.NOTE
    assert progress.effort_percent is None
    reason = dict(session.explanation)["pain.progress"]
    assert reason.endswith("A lower limit holds today: effort up to 60%.")
    # At the top level (80 %) the rule's own cap is the limit, and it stays one.
    level = replace(level, index=3)
    session = today_session(plan, MONDAY, level, LIBRARY, readiness=_decision("pain.progress"))
    (progress,) = [a for a in session.adjustments if a.rule_id == "pain.progress"]
    assert (progress.kind, progress.effort_percent) == (AdjustmentKind.CAP_EFFORT, 80)


def test_a_rule_with_a_loose_cap_and_other_changes_is_explained_once() -> None:
    plan = make_plan(GOALS["irritable-hip"], MONDAY)  # levels cap at 40-50 %
    level = current_level(plan, set(), {}, MONDAY)
    session = today_session(plan, MONDAY, level, LIBRARY, readiness=_decision("symptom.cramp"))
    assert session.options.effort_cap == 40
    cramp = [a for a in session.adjustments if a.rule_id == "symptom.cramp"]
    assert {a.kind for a in cramp} == {AdjustmentKind.REST_THEN_RETRY, AdjustmentKind.NOTE}
    assert [r for r, _ in session.explanation].count("symptom.cramp") == 1


# ---- a new week's first session plays the new week's level ---------------------------


def _quiet_week(plan: Plan, last_morning: MorningAfter | None = None) -> list[SessionOutcome]:
    """Week 1 done in full at 2/10; each next morning reported at the next session, so the
    week's last one is not reported yet (unless `last_morning`)."""
    days = [s.date for s in build_schedule(plan) if s.week == 1]
    return [
        SessionOutcome(day, pain_after=2, morning_after=SAME if day != days[-1] else last_morning)
        for day in days
    ]


def test_the_first_check_in_of_week_two_opens_it_at_level_two() -> None:
    plan = make_plan(GOALS["unlock-stiff-hips"], MONDAY)
    week_one = _quiet_week(plan)
    done = {s.day for s in week_one}
    first = MONDAY + timedelta(days=7)
    history = SessionHistory(tuple(week_one))

    # Before the check-in: the step up waits for the morning after Sunday's session.
    waiting = week_signals(RULES, plan, history, first)
    assert waiting.verdicts == {1: Verdict.HOLD}
    assert waiting.waiting == {1}
    level = current_level(plan, done, waiting.verdicts, first, NAMES, waiting.waiting)
    assert level.index == 0
    waits = "a step up waits for how the hip felt the morning after the last of them"
    assert waits in level.reason

    # The check-in before the first session reports it: that session plays level 2.
    opening = decide_before_session(RULES, first, CheckinBefore(1, SAME), history)
    opened = week_signals(RULES, plan, history, first, opening, reported=True)
    assert opened.verdicts == {1: Verdict.PROGRESS}
    assert not opened.waiting
    assert current_level(plan, done, opened.verdicts, first, NAMES).index == 1

    # Stored with that session, the check-in keeps level 2 for the rest of the week.
    stored = SessionHistory(
        (*_quiet_week(plan, last_morning=SAME), SessionOutcome(first, pain_before=1, pain_after=1))
    )
    for later in range(7):
        day = first + timedelta(days=later)
        signals = week_signals(RULES, plan, stored, day, _decision("pain.hold"))
        assert signals.verdicts == {1: Verdict.PROGRESS}
        assert current_level(plan, done | {first}, signals.verdicts, day).index == 1


def test_a_worse_morning_reported_at_the_first_check_in_steps_back() -> None:
    plan = make_plan(GOALS["jammed-hips"], MONDAY)
    week_one = _quiet_week(plan)
    first = MONDAY + timedelta(days=7)
    history = SessionHistory(tuple(week_one))
    opening = decide_before_session(RULES, first, CheckinBefore(1, WORSE), history)
    signals = week_signals(RULES, plan, history, first, opening, reported=True)
    assert signals.verdicts == {1: Verdict.REGRESS}
    stored = SessionHistory((*_quiet_week(plan, WORSE), SessionOutcome(first, pain_before=1)))
    assert week_signals(RULES, plan, stored, first + timedelta(days=2)).verdicts == {
        1: Verdict.REGRESS
    }


mornings = st.sampled_from([None, *MorningAfter])


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(GOALS)),
    st.lists(st.tuples(st.integers(0, 7), mornings), min_size=1, max_size=7),
    st.one_of(st.none(), st.integers(0, 7)),
    mornings,
    st.integers(1, 6),
)
def test_a_new_weeks_first_session_plays_the_level_its_later_sessions_play(
    goal_id: str,
    week_one: list[tuple[int, MorningAfter | None]],
    pain_now: int | None,
    morning: MorningAfter | None,
    later: int,
) -> None:
    plan = make_plan(GOALS[goal_id], MONDAY)
    days = [s.date for s in build_schedule(plan) if s.week == 1][: len(week_one)]
    played = [
        SessionOutcome(day, pain_after=pain, morning_after=m if n < len(days) - 1 else None)
        for n, (day, (pain, m)) in enumerate(zip(days, week_one, strict=False))
    ]
    done = set(days)
    first = MONDAY + timedelta(days=7)
    history = SessionHistory(tuple(played))
    checkin = CheckinBefore(pain_now, morning)
    opening = decide_before_session(RULES, first, checkin, history)
    opened = week_signals(RULES, plan, history, first, opening, reported=True)
    level_first = current_level(plan, done, opened.verdicts, first)

    # The check-in is stored with the first session; its morning report goes to the last.
    stored = SessionHistory(
        (*played[:-1], replace(played[-1], morning_after=morning), SessionOutcome(first, pain_now))
    )
    day = first + timedelta(days=later)
    then = decide_before_session(RULES, day, CheckinBefore(), stored)
    signals = week_signals(RULES, plan, stored, day, then)
    assert current_level(plan, done | {first}, signals.verdicts, day).index == level_first.index
