"""Goals and plans as values: the progression ladder, the chosen days, the dated schedule.

Pure, like the rest of the domain. `planning` builds on these to decide the
level of the week and what today's session is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Literal

from hipcoach.domain.compiler import CompileOptions, DoseOverride
from hipcoach.domain.decisions import Adjustment
from hipcoach.domain.errors import PlanError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LONG_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_GROUPS = {"daily": tuple(range(7)), "weekdays": tuple(range(5)), "weekends": (5, 6)}
MAX_WEEKS = 52  # the plans table allows 1-52
# DOMAIN.md: progression caps contractions at 80 % of maximal effort.
EFFORT_CEILING = 80
PlanStatus = Literal["active", "paused", "ended"]


@dataclass(frozen=True)
class ProgressionLevel:
    """One rung of a goal's ladder: dose overrides and an effort cap for a whole week."""

    seconds: int | None = None  # every timed hold
    rounds: int | None = None
    reps: int | None = None
    per_exercise: Mapping[str, DoseOverride] = field(default_factory=dict)
    effort_cap: int | None = None

    def options(self) -> CompileOptions:
        """The level as compile options."""
        return CompileOptions(
            dose=DoseOverride(seconds=self.seconds, rounds=self.rounds, reps=self.reps),
            per_exercise=dict(self.per_exercise),
            effort_cap=self.effort_cap,
        )

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """The dose in a few words: 'Contralateral pry 12 s x 3 rounds, effort up to 60%'."""
        names = names or {}
        parts = [
            f"{names.get(ex, ex)} {_dose_words(dose)}"
            for ex, dose in sorted(self.per_exercise.items())
        ]
        if self.seconds is not None:
            parts.append(f"holds {self.seconds} s")
        if self.rounds is not None:
            parts.append(f"{self.rounds} rounds")
        if self.reps is not None:
            parts.append(f"{self.reps} reps")
        if self.effort_cap is not None:
            parts.append(f"effort up to {self.effort_cap}%")
        return ", ".join(parts) or "the routine's own dose"


def _dose_words(dose: DoseOverride) -> str:
    words = []
    if dose.seconds is not None:
        words.append(f"{dose.seconds} s")
    if dose.reps is not None:
        words.append(f"{dose.reps} reps")
    if dose.rounds is not None:
        words.append(f"x {dose.rounds} rounds")
    return " ".join(words)


@dataclass(frozen=True)
class Goal:
    """What a person wants, as data: the routine, its days, and the progression ladder."""

    id: str
    name: str
    summary: str
    frequency: str  # in words: "every morning", "3-4 times a week"
    routine_id: str
    weekdays: tuple[int, ...]  # default days, 0 = Monday
    min_per_week: int
    max_per_week: int
    default_weeks: int
    default_time: time | None
    reminder_minutes: int
    advance_when: tuple[int, int]  # (n, d): at least n of every d planned sessions done
    levels: tuple[ProgressionLevel, ...]
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A goal put on the calendar: from `start`, for `weeks` weeks, on `weekdays`."""

    goal: Goal
    start: date
    weeks: int
    weekdays: tuple[int, ...]  # sorted, unique, 0 = Monday
    time: time | None = None
    id: int | None = None
    status: PlanStatus = "active"
    status_reason: str | None = None

    @property
    def end(self) -> date:
        """The plan's last day."""
        return self.start + timedelta(days=7 * self.weeks - 1)

    @property
    def days_text(self) -> str:
        return ",".join(WEEKDAY_NAMES[d] for d in self.weekdays)

    def week_of(self, day: date) -> int | None:
        """The plan week (1-based) that holds `day`; weeks run from the start date."""
        if not self.start <= day <= self.end:
            return None
        return (day - self.start).days // 7 + 1

    def is_planned(self, day: date) -> bool:
        return self.week_of(day) is not None and day.weekday() in self.weekdays


@dataclass(frozen=True)
class PlannedSession:
    """One session on the calendar."""

    date: date
    time: time | None
    week: int
    routine_id: str


def build_schedule(plan: Plan) -> list[PlannedSession]:
    """Every planned session, in date order: only on the plan's days, only within its weeks."""
    return [
        PlannedSession(day, plan.time, n // 7 + 1, plan.goal.routine_id)
        for n in range(7 * plan.weeks)
        if (day := plan.start + timedelta(days=n)).weekday() in plan.weekdays
    ]


def parse_weekdays(raw: str) -> tuple[int, ...]:
    """'mon,wed,fri' (or full names, 'daily', 'weekdays', 'weekends') as sorted day numbers."""
    days: set[int] = set()
    for part in (p.strip().lower() for p in raw.split(",")):
        if not part:
            continue
        if part in _GROUPS:
            days.update(_GROUPS[part])
        elif part in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES.index(part))
        elif part in _LONG_NAMES:
            days.add(_LONG_NAMES.index(part))
        else:
            raise PlanError(
                f"--days: '{part}' is not a day; use {', '.join(WEEKDAY_NAMES)} "
                "(comma-separated), or daily, weekdays, weekends"
            )
    if not days:
        raise PlanError("--days needs at least one day, e.g. --days mon,wed,fri")
    return tuple(sorted(days))


def parse_time(raw: str) -> time:
    """'07:00' (24-hour clock) as a time."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", raw)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise PlanError(f"--time wants HH:MM on a 24-hour clock, e.g. 07:00; got '{raw}'")
    return time(int(match[1]), int(match[2]))


def make_plan(
    goal: Goal,
    start: date,
    days: str | None = None,
    at: str | None = None,
    weeks: int | None = None,
) -> Plan:
    """A checked plan for `goal`; defaults come from the goal. Raises PlanError."""
    weekdays = goal.weekdays if days is None else parse_weekdays(days)
    count = len(weekdays)
    if not goal.min_per_week <= count <= goal.max_per_week:
        span = (
            f"{goal.min_per_week}"
            if goal.min_per_week == goal.max_per_week
            else f"{goal.min_per_week} to {goal.max_per_week}"
        )
        listed = ",".join(WEEKDAY_NAMES[d] for d in weekdays)
        raise PlanError(
            f"goal '{goal.id}' is done {goal.frequency}, so it needs {span} days a week; "
            f"--days gives {count} ({listed})"
        )
    weeks = goal.default_weeks if weeks is None else weeks
    if not 1 <= weeks <= MAX_WEEKS:
        raise PlanError(f"--weeks must be between 1 and {MAX_WEEKS}, got {weeks}")
    when = goal.default_time if at is None else parse_time(at)
    return Plan(goal=goal, start=start, weeks=weeks, weekdays=weekdays, time=when)
