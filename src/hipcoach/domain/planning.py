"""The level of the week and today's session, built on the goals and plans in `goals`.

Pure: every function takes values (a plan, dates, decisions, the library) and
returns values, so the planner tests without a database or a clock. The
services fetch what the store and the rule engines say and hand it in.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, time, timedelta

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
from hipcoach.domain.rulebook import RuleBook
from hipcoach.domain.rules import CheckinBefore, SessionHistory, as_signal, progression_signal
from hipcoach.domain.validation import EARLIEST_EVENT, PLAN_START_AHEAD, ValueBoundsError, check_day

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
    "WeekSignals",
    "build_schedule",
    "check_plan_start",
    "current_level",
    "make_plan",
    "parse_time",
    "parse_weekdays",
    "today_session",
    "week_signals",
    "weekdays_from_text",
]


def weekdays_from_text(text: str) -> tuple[int, ...]:
    """The journal's form of a plan's days ('mon,wed,fri') as sorted day numbers; PlanError
    for anything else (a file may carry 'funday', or 'daily', which only a person may type)."""
    parts = text.split(",") if isinstance(text, str) else []
    if not parts or any(p not in WEEKDAY_NAMES for p in parts) or len(set(parts)) != len(parts):
        raise PlanError(
            f"the plan's days must be written like mon,wed,fri (from {', '.join(WEEKDAY_NAMES)})"
        )
    return tuple(sorted(WEEKDAY_NAMES.index(p) for p in parts))


def check_plan_start(start: date, today: date) -> date:
    """A plan's first day: not before hipcoach's time, and at most a year ahead of `today`."""
    try:
        return check_day(start, EARLIEST_EVENT, today + PLAN_START_AHEAD, "the plan's start")
    except ValueBoundsError as exc:
        raise PlanError(str(exc)) from None


@dataclass(frozen=True)
class LevelChoice:
    """Where on the ladder a week stands, and why; `history` holds every week so far."""

    index: int  # 0-based into goal.levels
    week: int
    reason: str
    history: tuple[tuple[int, int, str], ...] = ()  # (week, index, reason)


@dataclass(frozen=True)
class WeekSignals:
    """The check-in signal of each finished week, and the weeks whose step up still waits
    for the report on the morning after their last session."""

    verdicts: Mapping[int, Verdict]
    waiting: frozenset[int] = frozenset()


def week_signals(
    rules: RuleBook,
    plan: Plan,
    history: SessionHistory,
    today: date,
    opening: Decision | None = None,
    reported: bool = False,
) -> WeekSignals:
    """The check-in signal of every week that ended before `today`, for `current_level`.

    A session is judged by the morning after it too, and the morning after a week's last
    session is only reported at the check-in that opens the next week. So a week's signal is
    what the rules say at that check-in: the week's sessions with every next-morning report
    in, and the check-in's own pain now (`progression_signal`). Once a session after the week
    is stored, the check-in is read from it; until then `opening` (today's decision from the
    check-in, when one is at hand) is that check-in, so the first session of a new week
    already plays the new week's level, and every later one of that week plays the same.
    With neither, the signal is the rules' say at the week's end.

    A week whose sessions carry no pain rating after them gets no signal at all, so the plan
    can say "no check-ins" rather than "hold". A week still waits when no report on the
    morning after its last session is stored or (`reported`) in today's check-in, and nothing
    else decides it. `history` is oldest first; sessions after `today` are not looked at.
    """
    verdicts: dict[int, Verdict] = {}
    waiting: set[int] = set()
    for week in range(1, plan.weeks + 1):
        end = plan.start + timedelta(days=7 * week - 1)
        if end >= today:
            break
        begin = end - timedelta(days=6)
        sessions = tuple(s for s in history.sessions if s.day <= end)
        if not any(s.pain_after is not None for s in sessions if s.day >= begin):
            continue
        within = SessionHistory(sessions)
        later = next((s for s in history.sessions if end < s.day <= today), None)
        if later is not None:
            checkin = CheckinBefore(pain_now=later.pain_before)
            verdicts[week] = progression_signal(rules, within, today=later.day, checkin=checkin)
            continue
        if opening is not None:
            verdicts[week] = as_signal(opening)
        else:
            verdicts[week] = progression_signal(rules, within, today=end)
        unknown = sessions[-1].morning_after is None and not (opening is not None and reported)
        if unknown and verdicts[week] is Verdict.HOLD:
            waiting.add(week)
    return WeekSignals(verdicts, frozenset(waiting))


def current_level(
    plan: Plan,
    done_dates: Collection[date],
    verdicts: Mapping[int, Verdict],
    today: date,
    names: Mapping[str, str] | None = None,
    waiting: Collection[int] = (),
) -> LevelChoice:
    """The level for the week holding `today`, walked week by week from level 1.

    `verdicts[w]` is the check-in signal for week w, taken at the check-in after it
    (`week_signals`); a missing week means no check-ins. A week climbs one level only
    when the week before met the goal's adherence bar AND its signal was PROGRESS;
    REGRESS (or anything that pauses) steps back one; anything else holds, and a week in
    `waiting` says its step up waits for the report on its last session's next morning.
    Never above the top, never below the first.
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
            elif week - 1 in waiting:
                why = (
                    f"{tally}, and a step up waits for how the hip felt the morning after "
                    "the last of them (the check-in before your next session asks)"
                )
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


def _lowest_cap(level: ProgressionLevel, adjustments: Collection[Adjustment]) -> int | None:
    """The one effort limit a planned session plays: the lowest of the level's and the rules'."""
    caps = [c for c in (level.effort_cap, *(a.effort_percent for a in adjustments)) if c]
    return min(caps) if caps else None


def _within_cap(adjustments: tuple[Adjustment, ...], cap: int | None) -> tuple[Adjustment, ...]:
    """The adjustments as they hold under `cap`: a rule's looser cap changes nothing today.

    Said as it stands, such a cap ("effort up to 80%") would contradict the lower one the
    session plays (the level's 60%), so it becomes a note, and the rule's reason says which
    limit holds. Caps at `cap` itself stay: they are the limit.
    """
    if cap is None:
        return adjustments
    loose = {
        a.rule_id
        for a in adjustments
        if a.kind is AdjustmentKind.CAP_EFFORT and (a.effort_percent or 0) > cap
    }
    return tuple(_held(a, cap) if a.rule_id in loose else a for a in adjustments)


def _held(adjustment: Adjustment, cap: int) -> Adjustment:
    """One of a rule's changes when a lower cap than the rule's holds (every change of the
    rule says so, so its reason stays one line)."""
    reason = f"{adjustment.reason} A lower limit holds today: effort up to {cap}%."
    if adjustment.kind is AdjustmentKind.CAP_EFFORT:
        return replace(adjustment, kind=AdjustmentKind.NOTE, effort_percent=None, reason=reason)
    return replace(adjustment, reason=reason)


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
    The session plays one effort cap, the lowest of the level's and every rule's; a
    rule's looser cap is kept as a note, so nothing says a limit the cues do not.
    """
    goal = plan.goal
    upcoming = _next_session(plan, today)
    status = _status_line(plan, today, upcoming)
    explanation = [status] if status else []
    rest_day = any(rule in ("plan.rest-day", "plan.finished") for rule, _ in explanation)
    blockers = [line for line in explanation if line[0] == "plan.paused"]
    chosen = goal.levels[level.index]
    decisions = [(n, d) for n, d in (("screen", screen), ("readiness", readiness)) if d is not None]
    # One effort limit, worked out before anything is said, so the changes and the
    # explanation say the limit the session plays.
    every = [*goal.adjustments, *(a for _, d in decisions for a in d.adjustments)]
    cap = _lowest_cap(chosen, every)
    adjustments = list(_within_cap(goal.adjustments, cap))
    for source, decision in decisions:
        changes = _within_cap(decision.adjustments, cap)
        adjustments.extend(changes)
        lines = [(a.rule_id, a.reason) for a in changes]
        if decision.blocked:
            stops = [
                (a.rule_id, a.reason) for a in changes if a.kind is AdjustmentKind.BLOCK_SESSION
            ]
            blockers.extend(stops or lines or [(f"{source}.{decision.verdict}", "No session.")])
        explanation.extend(lines)
    explanation.extend((a.rule_id, a.reason) for a in adjustments[: len(goal.adjustments)])
    explanation.append(("plan.level", level.reason))
    routine = adapt_routine(library.routine(goal.routine_id), tuple(adjustments), library)
    used = {step.exercise_id for step in routine.steps}
    options = CompileOptions(
        dose=chosen.options().dose,
        per_exercise={k: v for k, v in chosen.per_exercise.items() if k in used},
        effort_cap=cap,
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
