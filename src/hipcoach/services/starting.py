"""What `start` plays today: the screen's say, the plan's session, the check-in's changes.

Everything a session needs before its first second, in one place: the screen
must allow it, an active plan picks the routine and the dose when none is named,
and the check-in's answers can make it easier (or stop it) before it begins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from hipcoach.domain.compiler import CompileOptions, DoseOverride
from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.errors import HipcoachError, NoPlanError
from hipcoach.domain.rules import parse_morning_after
from hipcoach.services.context import Context
from hipcoach.services.sessions import DEFAULT_ROUTINE, ActiveSession


class SessionRefusedError(HipcoachError):
    """Today's check-in or plan rules out a session; the message says why and what next."""


@dataclass(frozen=True)
class Prepared:
    """A session ready to begin: its routine, options, the decision behind it, and notes."""

    routine_id: str
    options: CompileOptions
    decision: Decision
    plan_id: int | None
    notes: tuple[str, ...]


def merge_options(base: CompileOptions, chosen: CompileOptions) -> CompileOptions:
    """The plan's options with whatever the person set on the command line on top."""

    def pick(mine: int | None, theirs: int | None) -> int | None:
        return mine if mine is not None else theirs

    dose = DoseOverride(
        seconds=pick(chosen.dose.seconds, base.dose.seconds),
        rounds=pick(chosen.dose.rounds, base.dose.rounds),
        rest_seconds=pick(chosen.dose.rest_seconds, base.dose.rest_seconds),
        reps=pick(chosen.dose.reps, base.dose.reps),
    )
    caps = [c for c in (base.effort_cap, chosen.effort_cap) if c is not None]
    return replace(
        base,
        sides=chosen.sides or base.sides,
        dose=dose,
        per_exercise={**base.per_exercise, **chosen.per_exercise},
        get_ready_seconds=pick(chosen.get_ready_seconds, base.get_ready_seconds),
        # A person may lower a cap, never lift one a rule or the plan set.
        effort_cap=min(caps) if caps else None,
    )


def _strongest(*decisions: Decision) -> Verdict:
    return max((d.verdict for d in decisions), key=lambda v: v.rank)


def _refuse(adjustments: tuple[Adjustment, ...], lead: str) -> SessionRefusedError:
    reasons = [
        f"  - {a.reason} ({a.rule_id})" for a in adjustments if a.kind is not AdjustmentKind.NOTE
    ] or [f"  - {a.reason} ({a.rule_id})" for a in adjustments]
    return SessionRefusedError("\n".join([lead, "Why:", *dict.fromkeys(reasons)]))


def _report_signs(
    ctx: Context, pain_now: int | None, morning_after: str | None, signs: Sequence[str]
) -> None:
    """Warning signs in a check-in pause the program before anything else is weighed.

    Every answer is checked first, so a typo in the pain stores no pause either.
    """
    from hipcoach.domain.rules import CheckinBefore
    from hipcoach.services import holds

    if not signs:
        return
    CheckinBefore(pain_now, parse_morning_after(morning_after))
    holds.report_warning_signs(ctx, holds.check_signs(ctx, signs))


def prepare(
    ctx: Context,
    today: date,
    routine_id: str | None,
    chosen: CompileOptions,
    pain_now: int | None = None,
    morning_after: str | None = None,
    warning_signs: Sequence[str] = (),
) -> Prepared:
    """Decide today's session; raises SessionBlockedError or SessionRefusedError when none may run.

    A routine named on the command line is played as asked (with the screen's and
    the check-in's changes); with none named, an active plan decides, and without
    a plan the morning pry is played.
    """
    from hipcoach.services import programs
    from hipcoach.services.checkins import readiness_decision
    from hipcoach.services.screening import require_screen_allows_session

    _report_signs(ctx, pain_now, morning_after, warning_signs)
    screen = require_screen_allows_session(ctx, today)
    readiness = readiness_decision(
        ctx, today, pain_now=pain_now, morning_after=morning_after, keep_pause=True
    )
    if routine_id is None:
        try:
            session = programs.today(ctx, today, screen=screen, readiness=readiness)
        except NoPlanError:
            session = None
        if session is not None:
            _, plan = programs.current_plan(ctx)
            if session.blocked:
                raise _refuse(session.adjustments, "No session today.")
            notes = []
            if session.rest_day:
                notes.append("Today is a rest day in your plan; this session counts as a bonus.")
            decision = Decision(_strongest(screen, readiness), session.adjustments)
            return Prepared(
                session.routine_id,
                merge_options(session.options, chosen),
                decision,
                plan.id,
                tuple(notes),
            )
    decision = Decision(_strongest(screen, readiness), screen.adjustments + readiness.adjustments)
    if decision.blocked:
        raise _refuse(decision.adjustments, "No session today.")
    return Prepared(routine_id or DEFAULT_ROUTINE, chosen, decision, None, ())


def begin(ctx: Context, prepared: Prepared) -> ActiveSession:
    """Open the journal entry for a prepared session, linked to its plan."""
    from hipcoach.services.adaptation import begin_adapted_session
    from hipcoach.store.plans import PlanRepository

    active = begin_adapted_session(ctx, prepared.routine_id, prepared.options, prepared.decision)
    if prepared.plan_id is not None:
        PlanRepository(ctx.journal.engine).link_session(active.session_id, prepared.plan_id)
    return active


def resume(
    ctx: Context,
    today: date,
    pain_now: int | None = None,
    morning_after: str | None = None,
    warning_signs: Sequence[str] = (),
) -> ActiveSession:
    """Carry on with the newest unfinished session through the same gate as a new one.

    The screen must allow a session and today's check-in is weighed exactly as `prepare`
    weighs it: a decision that blocks refuses the resume (the answers are kept, since they
    count for the next session); one that eases the session changes everything still to
    play. Either way the rest is spliced in at the first unsaved step, with a moment to get
    set before a hold or a rep, so nobody restarts mid-hold.
    """
    from hipcoach.services import checkins, programs
    from hipcoach.services.adaptation import resume_splice
    from hipcoach.services.checkins import readiness_decision
    from hipcoach.services.screening import require_screen_allows_session
    from hipcoach.services.sessions import resume_session

    answered = pain_now is not None or morning_after is not None
    _report_signs(ctx, pain_now, morning_after, warning_signs)
    screen = require_screen_allows_session(ctx, today)
    readiness = readiness_decision(
        ctx, today, pain_now=pain_now, morning_after=morning_after, keep_pause=True
    )
    decision = Decision(_strongest(screen, readiness), screen.adjustments + readiness.adjustments)
    try:
        planned = programs.today(ctx, today, screen=screen, readiness=readiness)
    except NoPlanError:
        planned = None
    if planned is not None and planned.blocked:
        decision = Decision(Verdict.PAUSE, planned.adjustments)
    if decision.blocked:
        if answered:
            checkins.record_checkin_before(ctx, None, pain_now, morning_after)
        raise _refuse(decision.adjustments, "No session today, so the unfinished one waits.")
    active = resume_session(ctx)
    changes = [a for a in decision.adjustments if a.kind is not AdjustmentKind.NOTE]
    active = resume_splice(ctx, active, changes, decision.verdict)
    if answered:
        checkins.record_checkin_before(ctx, active.session_id, pain_now, morning_after)
    return active
