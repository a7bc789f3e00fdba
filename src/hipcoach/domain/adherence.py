"""Adherence and streaks measured against the plan's own frequency. Pure.

A streak counts planned sessions done in a row. Days the plan leaves free
never break it (a rest day in a three-times-a-week plan is part of the plan);
a planned day that passes without a session does (so a missed day breaks a
daily plan). A session on a free day is a bonus: counted, never breaking.
Today's planned session, not yet done, breaks nothing until the day is over.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from hipcoach.domain.planning import Plan, build_schedule


class Mark(StrEnum):
    """How a day of the plan stands as of today."""

    DONE = "done"  # planned and done
    MISSED = "missed"  # planned, the day is over, not done
    TODAY = "today"  # planned for today, not done yet
    UPCOMING = "upcoming"  # planned, still ahead
    BONUS = "bonus"  # not planned, done anyway


def marks(planned: Sequence[date], done: Collection[date], today: date) -> dict[date, Mark]:
    """Each planned day, and each bonus day, with its mark."""
    planned_set = set(planned)
    result: dict[date, Mark] = {}
    for day in sorted(planned_set):
        if day in done:
            result[day] = Mark.DONE
        elif day < today:
            result[day] = Mark.MISSED
        elif day == today:
            result[day] = Mark.TODAY
        else:
            result[day] = Mark.UPCOMING
    for day in sorted(set(done) - planned_set):
        if day <= today:
            result[day] = Mark.BONUS
    return dict(sorted(result.items()))


@dataclass(frozen=True)
class Streak:
    """Planned sessions done in a row: now, and the longest so far."""

    current: int
    best: int


def streak(planned: Sequence[date], done: Collection[date], today: date) -> Streak:
    """The streak as of `today`, counted over planned days only."""
    current = best = 0
    for day in sorted(set(planned)):
        if day > today:
            break
        if day in done:
            current += 1
            best = max(best, current)
        elif day < today:
            current = 0
        # Today, not done yet: the day is not over, so nothing breaks.
    return Streak(current=current, best=best)


@dataclass(frozen=True)
class WeekAdherence:
    """One plan week: sessions planned in all, due by today, done, and bonus."""

    week: int
    start: date
    planned: int
    due: int  # planned days that are over, plus today's if it is done
    done: int
    bonus: int


@dataclass(frozen=True)
class Adherence:
    """Planned against done, per week and overall, with the streak."""

    weeks: tuple[WeekAdherence, ...]
    planned: int
    due: int
    done: int
    bonus: int
    streak: Streak

    @property
    def ratio(self) -> float | None:
        """Share of due sessions done; None before anything was due."""
        return self.done / self.due if self.due else None


def measure(plan: Plan, done: Collection[date], today: date) -> Adherence:
    """Adherence to `plan` as of `today`, given the dates a session was completed."""
    schedule = build_schedule(plan)
    planned = [s.date for s in schedule]
    day_marks = marks(planned, {d for d in done if plan.week_of(d) is not None}, today)
    weeks: list[WeekAdherence] = []
    for week in range(1, plan.weeks + 1):
        days = {d: m for d, m in day_marks.items() if plan.week_of(d) == week}
        weeks.append(
            WeekAdherence(
                week=week,
                start=plan.start + timedelta(days=7 * (week - 1)),
                planned=sum(s.week == week for s in schedule),
                due=sum(m in (Mark.DONE, Mark.MISSED) for m in days.values()),
                done=sum(m is Mark.DONE for m in days.values()),
                bonus=sum(m is Mark.BONUS for m in days.values()),
            )
        )
    return Adherence(
        weeks=tuple(weeks),
        planned=len(planned),
        due=sum(w.due for w in weeks),
        done=sum(w.done for w in weeks),
        bonus=sum(w.bonus for w in weeks),
        streak=streak(planned, done, today),
    )
