"""Use cases for programs: make a plan, show it, compose today's session, export a calendar.

The planner and adherence are pure (domain/planning.py, domain/adherence.py);
this module fetches what they need (the plan, the sessions done, the check-in
signals, the screen and the readiness decisions) and hands it in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from hipcoach.domain.adherence import Adherence, Mark, marks, measure
from hipcoach.domain.decisions import Decision
from hipcoach.domain.errors import HipcoachError, NoPlanError
from hipcoach.domain.planning import (
    WEEKDAY_NAMES,
    Goal,
    LevelChoice,
    Plan,
    PlanError,
    ProgressionLevel,
    TodaySession,
    WeekSignals,
    build_schedule,
    check_plan_start,
    current_level,
    make_plan,
    parse_time,
    today_session,
    week_signals,
    weekdays_from_text,
)
from hipcoach.services.context import Context

if TYPE_CHECKING:
    from hipcoach.domain.holds import Hold
    from hipcoach.domain.timeline import SessionTimeline
    from hipcoach.store.plans import PlanRecord, PlanRepository


@dataclass(frozen=True)
class ScheduleEntry:
    """One day of the plan as it stands: planned (done, missed, today, upcoming) or bonus."""

    date: date
    week: int
    mark: Mark


@dataclass(frozen=True)
class PlanView:
    """A plan with its goal, its marked schedule, the level now and why, and adherence."""

    plan: Plan
    today: date
    entries: tuple[ScheduleEntry, ...]
    level: LevelChoice
    level_text: str
    adherence: Adherence
    # Clinical pauses in force (a screen's stop, a warning sign, easier sessions): while
    # any is open the plan is paused, whatever its own status says.
    holds: tuple[Hold, ...] = ()

    @property
    def status(self) -> str:
        """'paused' while the person paused it or a clinical pause holds, else 'active'."""
        return "paused" if self.holds or self.plan.status == "paused" else "active"

    @property
    def paused_since(self) -> date | None:
        """The first day the plan is paused on, or None while it runs."""
        days = [h.since.astimezone().date() for h in self.holds]
        if self.plan.status == "paused" and self.paused_at is not None:
            days.append(self.paused_at)
        return min(days) if days else None

    paused_at: date | None = None  # the day the person paused it, if they did

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain data, for --json and the web."""
        from hipcoach.services.holds import hold_dict

        plan, goal = self.plan, self.plan.goal
        ratio = self.adherence.ratio
        since = self.paused_since
        return {
            "id": plan.id,
            "goal": {"id": goal.id, "name": goal.name, "frequency": goal.frequency},
            "routine": goal.routine_id,
            "status": self.status,
            "status_reason": plan.status_reason,
            "paused_by_you": plan.status == "paused",
            "paused_since": since.isoformat() if since else None,
            "pauses": [hold_dict(h) for h in self.holds],
            "start": plan.start.isoformat(),
            "end": plan.end.isoformat(),
            "weeks": plan.weeks,
            "days": [WEEKDAY_NAMES[d] for d in plan.weekdays],
            "time": plan.time.strftime("%H:%M") if plan.time else None,
            "today": self.today.isoformat(),
            "week": self.level.week,
            "level": {
                "number": self.level.index + 1,
                "of": len(goal.levels),
                "dose": self.level_text,
                "reason": self.level.reason,
                "history": [
                    {"week": w, "level": i + 1, "reason": r} for w, i, r in self.level.history
                ],
            },
            "adherence": {
                "due": self.adherence.due,
                "done": self.adherence.done,
                "bonus": self.adherence.bonus,
                "planned": self.adherence.planned,
                "ratio": round(ratio, 3) if ratio is not None else None,
                "streak": self.adherence.streak.current,
                "best_streak": self.adherence.streak.best,
                "weeks": [asdict(w) | {"start": w.start.isoformat()} for w in self.adherence.weeks],
            },
            "schedule": [
                {"date": e.date.isoformat(), "week": e.week, "mark": e.mark.value}
                for e in self.entries
            ],
        }


@dataclass(frozen=True)
class TodayView:
    """Today's session with what it compiles to (no timeline on blocked days)."""

    session: TodaySession
    plan: Plan
    timeline: SessionTimeline | None
    routine_name: str
    dose_text: str
    step_names: tuple[str, ...]
    changes: tuple[str, ...]  # what the adjustments change, in words with exercise names

    def to_dict(self) -> dict[str, Any]:
        """Today as plain data, for --json and the web."""
        s = self.session
        return {
            "date": s.date.isoformat(),
            "plan_id": self.plan.id,
            "goal": self.plan.goal.id,
            "routine": s.routine_id,
            "routine_name": self.routine_name,
            "time": s.time.strftime("%H:%M") if s.time else None,
            "week": s.week,
            "level": s.level + 1 if s.level is not None else None,
            "blocked": s.blocked,
            "rest_day": s.rest_day,
            "total_seconds": self.timeline.total_seconds if self.timeline else None,
            "dose": self.dose_text,
            "options": s.options.to_dict(),
            "steps": list(self.step_names),
            "changes": list(self.changes),
            "adjustments": [
                {"rule_id": a.rule_id, "kind": a.kind.value, "reason": a.reason}
                for a in s.adjustments
            ],
            "blockers": [{"rule_id": r, "reason": why} for r, why in s.blockers],
            "explanation": [{"rule_id": r, "reason": why} for r, why in s.explanation],
            "next_session": s.next_session.date.isoformat() if s.next_session else None,
        }


def goals(ctx: Context) -> dict[str, Goal]:
    """Every goal, checked against the library."""
    from hipcoach.library.goals import shipped_goals

    return shipped_goals(ctx.library)


def _repo(ctx: Context) -> PlanRepository:
    from hipcoach.store.plans import PlanRepository

    return PlanRepository(ctx.journal.engine)


def _zone() -> tzinfo | None:
    """The system's local zone: plan days and times are local."""
    return datetime.now(UTC).astimezone().tzinfo


def local_today() -> date:
    """Today's date in the system's zone."""
    return datetime.now(UTC).astimezone().date()


def local_day(moment: datetime) -> date:
    """The calendar day of `moment` in the system's zone."""
    return moment.astimezone().date()


def _names(ctx: Context) -> dict[str, str]:
    return {k: e.name for k, e in ctx.library.exercises.items()}


def _to_plan(ctx: Context, record: PlanRecord) -> Plan:
    from hipcoach.library.goals import goal

    try:
        chosen = goal(goals(ctx), record.goal_id)
    except HipcoachError:
        raise PlanError(
            f"plan {record.id} is for goal '{record.goal_id}', which this version of hipcoach "
            "does not know; make a new plan with hipcoach plan new"
        ) from None
    return Plan(
        goal=chosen,
        start=record.start_date,
        weeks=record.weeks,
        weekdays=weekdays_from_text(",".join(record.weekdays)),
        time=parse_time(record.time_of_day) if record.time_of_day else None,
        id=record.id,
        status="paused" if record.status == "paused" else "active",
        status_reason=record.status_reason,
    )


def current_plan(ctx: Context) -> tuple[PlanRecord, Plan]:
    """The active (or paused) plan, as stored and as a domain value; NoPlanError if none."""
    from hipcoach.store.row_problems import RowProblem, report

    record = _repo(ctx).active(ctx.profile_id)
    if record is None:
        raise NoPlanError()
    if record.goal_id not in goals(ctx):
        # A goal this version does not know (a newer hipcoach's, a past import's): the plan
        # is left out like any row that no longer passes, and doctor names it too.
        why = f"'{record.goal_id}' is not a goal this version knows"
        report(RowProblem("plans", record.id, "goal_id", why))
        raise NoPlanError()
    return record, _to_plan(ctx, record)


def _weekly_verdicts(
    ctx: Context, plan: Plan, today: date, opening: Decision | None, reported: bool
) -> WeekSignals:
    """The rules engine's signal for each finished week, taken at the check-in after it.

    `opening` is today's decision from the check-in, when the caller has one: it stands in
    for a check-in not stored yet (the planner's `week_signals` says when); `reported`: that
    check-in answered how the hip felt the morning after the last session.
    """
    from hipcoach.services.checkins import assemble_history, rulebook
    from hipcoach.store.checkins import CheckinRepository

    if _week_end(plan, 1) >= today:
        return WeekSignals({})
    # A week of context before the start: the regression window reaches back that far.
    since = datetime.combine(plan.start - timedelta(days=7), datetime.min.time(), UTC)
    activity = CheckinRepository(ctx.journal.engine).recent(ctx.profile_id, since)
    history = assemble_history(activity)
    return week_signals(rulebook(ctx), plan, history, today, opening, reported)


def _week_end(plan: Plan, week: int) -> date:
    return plan.start + timedelta(days=7 * week - 1)


def _state(
    ctx: Context,
    today: date,
    opening: Decision | None = None,
    reported: bool = False,
    current: tuple[PlanRecord, Plan] | None = None,
) -> tuple[PlanRecord, Plan, frozenset[date], LevelChoice]:
    record, plan = current or current_plan(ctx)
    done = _repo(ctx).completed_dates(record, plan.goal.routine_id, _zone())
    signals = _weekly_verdicts(ctx, plan, today, opening, reported)
    level = current_level(plan, done, signals.verdicts, today, _names(ctx), signals.waiting)
    return record, plan, done, level


def new_plan(
    ctx: Context,
    goal_id: str,
    days: str | None = None,
    time: str | None = None,
    weeks: int | None = None,
    start: date | None = None,
) -> PlanView:
    """Check everything, then store the plan (ending the current one) and show it."""
    from hipcoach.library.goals import goal

    chosen = goal(goals(ctx), goal_id)
    today = local_today()
    first_day = today if start is None else check_plan_start(start, today)
    plan = make_plan(chosen, first_day, days=days, at=time, weeks=weeks)
    _repo(ctx).create(
        ctx.profile_id,
        goal_id=chosen.id,
        start_date=plan.start,
        weeks=plan.weeks,
        weekdays=tuple(WEEKDAY_NAMES[d] for d in plan.weekdays),
        time_of_day=plan.time.strftime("%H:%M") if plan.time else None,
    )
    return show_plan(ctx)


def show_plan(ctx: Context, today: date | None = None) -> PlanView:
    """The current plan: schedule with marks, level and why, adherence and streak."""
    from hipcoach.services.holds import open_holds

    today = today or local_today()
    record, plan, done, level = _state(ctx, today)
    planned = [s.date for s in build_schedule(plan)]
    inside = {d for d in done if plan.week_of(d) is not None}
    entries = tuple(
        ScheduleEntry(day, plan.week_of(day) or 0, mark)
        for day, mark in marks(planned, inside, today).items()
    )
    return PlanView(
        plan=plan,
        today=today,
        entries=entries,
        level=level,
        level_text=plan.goal.levels[level.index].describe(_names(ctx)),
        adherence=measure(plan, done, today),
        holds=tuple(open_holds(ctx)),
        paused_at=local_day(record.updated_at) if record.status == "paused" else None,
    )


class PlanHeldError(HipcoachError):
    """`plan resume` while a clinical pause holds: only its own lifting ends it."""


def set_plan_status(ctx: Context, status: str, reason: str | None = None) -> PlanView:
    """Pause or resume the current plan.

    Resuming takes back only the person's own pause: with a clinical pause in force
    too, their own pause ends and the clinical one stays (the view still shows it);
    with only a clinical pause, PlanHeldError says what lifts it; a plan that is not
    paused says so.
    """
    from hipcoach.services.holds import open_holds, pause_lines

    record, _ = current_plan(ctx)
    if status == "active":
        held = open_holds(ctx)
        if held and record.status != "paused":
            lines = [line for h in held for line in pause_lines(h)]
            raise PlanHeldError(
                "The plan is paused for your safety, and resuming cannot lift that.\n"
                + "\n".join(lines)
            )
        if record.status != "paused":
            raise PlanError("the plan is not paused, so there is nothing to resume")
    _repo(ctx).set_status(record.id, status, reason)
    return show_plan(ctx)


def today(
    ctx: Context,
    today: date,
    pain_now: int | None = None,
    morning_after: str | None = None,
    *,
    screen: Decision | None = None,
    readiness: Decision | None = None,
) -> TodaySession:
    """Today's session as it will run: plan, level, goal, screen and readiness together.

    A caller that already holds the screen's and the check-in's decisions passes
    them in, so the journal is not read for them twice. The check-in's decision also
    opens the week when no session has been stored since the last one ended: it carries
    the report on the morning after that week's last session, which its step up waits for.
    """
    from hipcoach.services.checkins import readiness_decision
    from hipcoach.services.screening import screen_decision

    current = current_plan(ctx)
    if screen is None:
        screen = screen_decision(ctx, today)
    # A decision handed in came from a check-in this function does not see: take it as
    # having answered (it only changes how a level that holds is explained).
    reported = readiness is not None or morning_after is not None
    if readiness is None:
        readiness = readiness_decision(ctx, today, pain_now=pain_now, morning_after=morning_after)
    _, plan, _, level = _state(ctx, today, readiness, reported, current)
    return today_session(plan, today, level, ctx.library, screen, readiness, _names(ctx))


def today_view(
    ctx: Context, day: date, pain_now: int | None = None, morning_after: str | None = None
) -> TodayView:
    """Today's session with its compiled timeline, for the CLI and the web."""
    from hipcoach.domain.compiler import compile_routine
    from hipcoach.services.checkins import describe

    session = today(ctx, day, pain_now=pain_now, morning_after=morning_after)
    _, plan = current_plan(ctx)
    routine = session.routine
    timeline = None
    if routine is not None and not session.blocked:
        timeline = compile_routine(routine, ctx.library, session.options)
    o = session.options
    dose = ProgressionLevel(
        o.dose.seconds, o.dose.rounds, o.dose.reps, o.per_exercise, o.effort_cap
    )
    steps = routine.steps if routine is not None else ()
    return TodayView(
        session=session,
        plan=plan,
        timeline=timeline,
        routine_name=ctx.library.routine(session.routine_id).name,
        dose_text=dose.describe(_names(ctx)),
        step_names=tuple(ctx.library.exercise(st.exercise_id).name for st in steps),
        changes=tuple(describe(ctx.library, session.adjustments, _planned_ids(ctx, session))),
    )


def _planned_ids(ctx: Context, session: TodaySession) -> set[str]:
    """The exercises the day's routine holds before any change (what a change can touch)."""
    return {step.exercise_id for step in ctx.library.routine(session.routine_id).steps}
