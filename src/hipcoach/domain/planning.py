"""The level of the week and today's session, built on the goals and plans in `goals`.

Pure: every function takes values (a plan, dates, decisions, the library) and
returns values, so the planner tests without a database or a clock. The
services fetch what the store and the rule engines say and hand it in.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, time

from hipcoach.domain.adapt import adapt_routine
from hipcoach.domain.compiler import CompileOptions
from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.errors import PlanError
from hipcoach.domain.goals import (
    EFFORT_CEILING,
    MAX_WEEKS,
    WEEKDAY_NAMES,
    Goal,
    Plan,
    PlannedSession,
    PlanStatus,
    ProgressionLevel,
    build_schedule,
    make_plan,
    parse_time,
    parse_weekdays,
)
from hipcoach.domain.library import Library
from hipcoach.domain.routine import Routine

# The goal and plan values are part of the planner's surface too.
__all__ = [
    "EFFORT_CEILING",
    "MAX_WEEKS",
    "WEEKDAY_NAMES",
    "Goal",
    "LevelChoice",
    "Plan",
    "PlanError",
    "PlanStatus",
    "PlannedSession",
    "ProgressionLevel",
    "TodaySession",
    "build_schedule",
    "current_level",
    "make_plan",
    "parse_time",
    "parse_weekdays",
    "today_session",
]


@dataclass(frozen=True)
class LevelChoice:
    """Where on the ladder a week stands, and why; `history` holds every week so far."""

    index: int  # 0-based into goal.levels
    week: int
    reason: str
    history: tuple[tuple[int, int, str], ...] = ()  # (week, index, reason)


def current_level(
    plan: Plan,
    done_dates: Collection[date],
    verdicts: Mapping[int, Verdict],
    today: date,
    names: Mapping[str, str] | None = None,
) -> LevelChoice:
    """The level for the week holding `today`, walked week by week from level 1.

    `verdicts[w]` is the check-in signal at the end of week w (the rules
    engine's progression_signal); a missing week means no check-ins. A week
    climbs one level only when the week before met the goal's adherence bar
    AND its signal was PROGRESS; REGRESS (or anything that pauses) steps back
    one; anything else holds. Never above the top, never below the first.
    """
    goal = plan.goal
    top = len(goal.levels) - 1
    now = plan.week_of(today) or (1 if today < plan.start else plan.weeks)
    planned_by_week: dict[int, list[date]] = {}
    for s in build_schedule(plan):
        planned_by_week.setdefault(s.week, []).append(s.date)

    def level_text(i: int) -> str:
        return f"level {i + 1} of {top + 1} ({goal.levels[i].describe(names)})"

    index = 0
    reason = f"week 1: {level_text(0)} to start with"
    history = [(1, 0, reason)]
    num, den = goal.advance_when
    for week in range(2, now + 1):
        when = "last week" if week == now else f"in week {week - 1}"
        planned = planned_by_week.get(week - 1, [])
        done = sum(d in done_dates for d in planned)
        need = math.ceil(len(planned) * num / den)
        verdict = verdicts.get(week - 1)
        tally = f"{when} you did {done} of {len(planned)} planned sessions"
        if verdict is not None and verdict.rank >= Verdict.REGRESS.rank:
            index = max(index - 1, 0)
            reason = (
                f"week {week}: {level_text(index)} because {when} your check-ins "
                "called for an easier dose"
            )
        elif verdict is Verdict.PROGRESS and done >= need:
            step = "up to" if index < top else "stays at the top,"
            index = min(index + 1, top)
            reason = (
                f"week {week}: {step} {level_text(index)} because {tally} "
                "and your check-ins allowed a step up"
            )
        else:
            if done < need:
                why = f"{tally} (a step up needs {need})"
            elif verdict is None:
                why = f"no check-ins were recorded {when}"
            else:
                why = f"{when} your check-ins said to keep the dose"
            reason = f"week {week}: stays at {level_text(index)} because {why}"
        history.append((week, index, reason))
    return LevelChoice(index=index, week=now, reason=reason, history=tuple(history))


@dataclass(frozen=True)
class TodaySession:
    """Today's session as it will actually run, with every rule that shaped it."""

    date: date
    routine_id: str
    options: CompileOptions
    adjustments: tuple[Adjustment, ...]
    blocked: bool
    explanation: tuple[tuple[str, str], ...]  # (rule id, plain reason), in order shown
    blockers: tuple[tuple[str, str], ...] = ()  # the lines that block the day, if any
    rest_day: bool = False
    week: int | None = None
    level: int | None = None  # 0-based index into the goal's ladder
    routine: Routine | None = None  # the routine after every adjustment
    time: time | None = None
    next_session: PlannedSession | None = None


def _next_session(plan: Plan, today: date) -> PlannedSession | None:
    return next((s for s in build_schedule(plan) if s.date > today), None)


def _day_text(day: date, at: time | None) -> str:
    text = f"{WEEKDAY_NAMES[day.weekday()].capitalize()} {day.isoformat()}"
    return text + (f" at {at:%H:%M}" if at else "")


def _status_line(
    plan: Plan, today: date, upcoming: PlannedSession | None
) -> tuple[str, str] | None:
    """Why there is no planned session today, if there is none."""
    after = f" Next session: {_day_text(upcoming.date, upcoming.time)}." if upcoming else ""
    again = "make a new one with hipcoach plan new."
    if plan.status == "paused":
        why = plan.status_reason or "the plan was paused"
        return "plan.paused", f"Your plan is paused: {why}. Resume it when you are ready."
    if plan.status == "ended":
        return "plan.finished", f"This plan has ended; {again}"
    if today < plan.start:
        return "plan.rest-day", f"Your plan starts on {_day_text(plan.start, None)}.{after}"
    if today > plan.end:
        ended = _day_text(plan.end, None)
        return "plan.finished", f"Your {plan.weeks}-week plan ended on {ended}; {again}"
    if not plan.is_planned(today):
        bonus = "A session today is welcome and counts as a bonus."
        return "plan.rest-day", f"Rest day: this plan runs on {plan.days_text}.{after} {bonus}"
    return None


def today_session(
    plan: Plan,
    today: date,
    level: LevelChoice,
    library: Library,
    screen: Decision | None = None,
    readiness: Decision | None = None,
    names: Mapping[str, str] | None = None,
) -> TodaySession:
    """Compose today: planned routine + level dose + goal adjustments + screen + readiness.

    A blocking screen or readiness decision (or a paused plan) blocks the day,
    whatever the calendar says. Drops and substitutions are applied to the
    routine; the level's per-exercise doses follow only exercises still in it.
    """
    goal = plan.goal
    upcoming = _next_session(plan, today)
    status = _status_line(plan, today, upcoming)
    explanation = [status] if status else []
    rest_day = any(rule in ("plan.rest-day", "plan.finished") for rule, _ in explanation)
    blockers = [line for line in explanation if line[0] == "plan.paused"]
    adjustments = list(goal.adjustments)
    for source, decision in (("screen", screen), ("readiness", readiness)):
        if decision is None:
            continue
        adjustments.extend(decision.adjustments)
        lines = [(a.rule_id, a.reason) for a in decision.adjustments]
        if decision.blocked:
            stops = [
                (a.rule_id, a.reason)
                for a in decision.adjustments
                if a.kind is AdjustmentKind.BLOCK_SESSION
            ]
            blockers.extend(stops or lines or [(f"{source}.{decision.verdict}", "No session.")])
        explanation.extend(lines)
    explanation.extend((a.rule_id, a.reason) for a in goal.adjustments)
    chosen = goal.levels[level.index]
    explanation.append(("plan.level", level.reason))
    routine = adapt_routine(library.routine(goal.routine_id), tuple(adjustments), library)
    used = {step.exercise_id for step in routine.steps}
    caps = [c for c in (chosen.effort_cap, *(a.effort_percent for a in adjustments)) if c]
    options = CompileOptions(
        dose=chosen.options().dose,
        per_exercise={k: v for k, v in chosen.per_exercise.items() if k in used},
        effort_cap=min(caps) if caps else None,
    )
    if not routine.steps:
        blockers.append(("plan.nothing-left", "The changes above leave no exercise to do."))
    # A rule with several changes shares one reason: say it once.
    explanation = list(dict.fromkeys([*blockers, *explanation]))
    return TodaySession(
        date=today,
        routine_id=goal.routine_id,
        options=options,
        adjustments=tuple(adjustments),
        blocked=bool(blockers),
        explanation=tuple(explanation),
        blockers=tuple(dict.fromkeys(blockers)),
        rest_day=rest_day,
        week=plan.week_of(today),
        level=level.index,
        routine=routine if routine.steps else None,
        time=plan.time,
        next_session=upcoming,
    )
