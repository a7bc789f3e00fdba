"""Sessions that rules change: begun adapted, spliced mid-way by a symptom, rebuilt on resume.

The splices a session went through are stored with it, so `--resume` rebuilds
exactly the timeline that was playing when it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hipcoach.domain import phrases
from hipcoach.domain.adapt import adapt_routine
from hipcoach.domain.compiler import CompileOptions, compile_routine
from hipcoach.domain.decisions import Adjustment, Decision, Verdict
from hipcoach.domain.errors import InvalidOverrideError, SessionStateError
from hipcoach.domain.library import Library
from hipcoach.domain.rules import (
    ActiveFlags,
    RuleBook,
    Symptom,
    decide_symptom,
    parse_symptom,
    trigger_rule,
)
from hipcoach.domain.timeline import Segment, SegmentKind, SessionTimeline
from hipcoach.player.events import SymptomResult
from hipcoach.services.checkins import (
    adjustment_to_dict,
    adjustments_from_dicts,
    checkin_repository,
    describe,
    rulebook,
)
from hipcoach.services.context import Context
from hipcoach.services.sessions import ActiveSession

if TYPE_CHECKING:
    from hipcoach.store import SessionRecord

# Keys this module adds to a session's stored options, beside CompileOptions' own.
ADJUSTMENTS, VERDICT, SPLICES = "adjustments", "verdict", "splices"
# How far back the rules look: the regression window and carried symptoms fit well inside.


def compile_adapted(
    library: Library,
    routine_id: str,
    options: CompileOptions,
    adjustments: Sequence[Adjustment],
) -> SessionTimeline:
    """The routine with the adjustments applied and the lowest effort cap on every contraction.

    Dose overrides for exercises the adjustments took out are left aside; a routine
    with nothing left compiles to an empty timeline.
    """
    routine = library.routine(routine_id)
    if not adjustments:
        return compile_routine(routine, library, options)
    adapted = adapt_routine(routine, tuple(adjustments), library)
    caps = [c for c in [options.effort_cap, *(a.effort_percent for a in adjustments)] if c]
    used = {s.exercise_id for s in adapted.steps}
    options = replace(
        options,
        effort_cap=min(caps) if caps else None,
        per_exercise={k: v for k, v in options.per_exercise.items() if k in used},
    )
    if not adapted.steps:
        return SessionTimeline(routine.id, routine.name, options.sides or routine.sides, ())
    return compile_routine(adapted, library, options)


def begin_adapted_session(
    ctx: Context, routine_id: str, options: CompileOptions, decision: Decision
) -> ActiveSession:
    """Open a session shaped by today's decision, storing the decision so resume matches."""
    if decision.blocked:
        reasons = " ".join(dict.fromkeys(a.reason for a in decision.adjustments))
        raise SessionStateError(f"no session today: {reasons}")
    timeline = compile_adapted(ctx.library, routine_id, options, decision.adjustments)
    if not timeline.segments:
        raise InvalidOverrideError(_nothing_left(ctx.library, routine_id, decision))
    plan = {
        **options.to_dict(),
        ADJUSTMENTS: [adjustment_to_dict(a) for a in decision.adjustments],
        VERDICT: decision.verdict.value,
        SPLICES: [],
    }
    session_id = ctx.journal.start_session(
        ctx.profile_id,
        routine_id=timeline.routine_id,
        routine_name=timeline.routine_name,
        options=plan,
        fingerprint=timeline.fingerprint(),
        total_segments=len(timeline.segments),
        total_seconds=timeline.total_seconds,
        started_at=datetime.now(UTC),
    )
    return ActiveSession(session_id, timeline, 0, resumed=False)


def _nothing_left(library: Library, routine_id: str, decision: Decision) -> str:
    """Why a routine has nothing left under today's changes, and which routines still do."""
    leaving = [a.rule_id for a in decision.adjustments if a.demands or a.exercise_ids]
    others = [
        r
        for r in sorted(library.routines)
        if r != routine_id
        and compile_adapted(library, r, CompileOptions(), decision.adjustments).segments
    ]
    message = f"today's changes leave nothing of routine '{routine_id}' but its set-up"
    if leaving:
        message += f" ({', '.join(dict.fromkeys(leaving))})"
    if others:
        message += f". Routines that still have work today: {', '.join(others)}"
    return message


@dataclass(frozen=True)
class SymptomResponse:
    """What a mid-session report changed: the decision, the new timeline, what to tell."""

    symptom: Symptom
    rule_id: str  # the rule the report fired
    decision: Decision  # that rule with every rule already in force
    timeline: SessionTimeline  # spliced at the reported segment (cut there if it ends)
    message: str
    end_session: bool

    def for_player(self) -> SymptomResult:
        """The answer PlayerApp's on_symptom expects."""
        return SymptomResult(
            None if self.end_session else self.timeline, self.message, self.end_session
        )


@dataclass(frozen=True)
class SymptomSplice:
    """What a report at one segment would do, before anything is written."""

    rule_id: str
    message: str
    decision: Decision
    splice: dict[str, Any]  # as stored in the session's plan (see rebuild_timeline)
    timeline: SessionTimeline  # spliced at the reported segment (cut there if it ends)
    adapted: SessionTimeline | None = None  # the whole routine under the new rules

    @property
    def end_session(self) -> bool:
        return self.decision.blocked


def plan_symptom(
    ctx: Context,
    plan: dict[str, Any],
    timeline: SessionTimeline,
    segment_index: int,
    reported: Symptom,
    adapted: SessionTimeline | None = None,
) -> SymptomSplice:
    """The rules applied to a report at `segment_index` of a session with stored `plan`
    whose current timeline is `timeline`; pure: nothing is written. `adapted` is the
    routine under the new rules when the caller already has it (it does not depend on
    where the report came)."""
    rules = rulebook(ctx)
    options = CompileOptions.from_dict(plan)
    flags = session_flags(rules, plan)
    rule = trigger_rule(rules, reported, flags)
    decision = decide_symptom(rules, reported, flags)
    splice: dict[str, Any] = {
        "at": segment_index,
        "symptom": reported.value,
        "rule_id": rule.id,
        "verdict": decision.verdict.value,
        ADJUSTMENTS: [adjustment_to_dict(a) for a in decision.adjustments],
    }
    if decision.blocked:
        splice["end"] = True
        new = replace(timeline, segments=timeline.segments[:segment_index])
    else:
        if adapted is None:
            earlier = [*adjustments_from_dicts(plan.get(ADJUSTMENTS, []))]
            for done in plan.get(SPLICES, []):
                earlier += adjustments_from_dicts(done[ADJUSTMENTS])
            adapted = compile_adapted(
                ctx.library, timeline.routine_id, options, [*earlier, *decision.adjustments]
            )
        present = {s.exercise_id for s in timeline.segments[segment_index:]}
        if rule.interlude is not None:
            changes = describe(ctx.library, decision.adjustments, present)
            splice["interlude"] = {
                "kind": rule.interlude.kind.value,
                "seconds": rule.interlude.seconds,
                "text": rule.interlude.text,
                "cue": "From here on: " + "; ".join(changes) + "." if changes else "",
                "spoken": rule.interlude.spoken,
            }
        new = _splice(ctx.library, timeline, segment_index, adapted, splice.get("interlude"))
    return SymptomSplice(rule.id, rule.reason, decision, splice, new, adapted)


def report_symptom(
    ctx: Context,
    active: ActiveSession,
    timeline: SessionTimeline,
    segment_index: int,
    symptom: str,
) -> SymptomResponse:
    """Apply the rules to a symptom reported at `segment_index` of `timeline`, log it, and
    store the new plan. Bad input raises before anything is written."""
    reported = parse_symptom(symptom)
    if not 0 <= segment_index < len(timeline.segments):
        raise SessionStateError(f"segment {segment_index} is not part of this session")
    record = ctx.journal.get_session(active.session_id)
    if timeline.fingerprint() != record.fingerprint:
        # Splicing a stale copy would store a plan that --resume cannot rebuild.
        raise SessionStateError("that timeline is not the session's current plan")
    plan = dict(record.options)
    planned = plan_symptom(ctx, plan, timeline, segment_index, reported)
    decision, new = planned.decision, planned.timeline
    plan[SPLICES] = [*plan.get(SPLICES, []), planned.splice]
    from hipcoach.store.checkins import SessionPlan

    action = "; ".join(describe(ctx.library, decision.adjustments)) or "no change"
    checkin_repository(ctx).record_symptom(
        ctx.profile_id,
        reported.value,
        planned.rule_id,
        ("ends the session; " if decision.blocked else "") + action,
        session_id=active.session_id,
        segment_index=segment_index,
        plan=SessionPlan(
            active.session_id,
            plan,
            new.fingerprint(),
            len(new.segments),
            new.total_seconds,
            replaced_from=segment_index,
            ended_by_rule=planned.rule_id if decision.blocked else None,
        ),
    )
    return SymptomResponse(
        reported, planned.rule_id, decision, new, planned.message, decision.blocked
    )


def resume_splice(
    ctx: Context, active: ActiveSession, adjustments: Sequence[Adjustment], verdict: Verdict
) -> ActiveSession:
    """A resumed session with today's changes over everything still to play, restarting
    with a moment to get set when it stopped before a hold or a rep. Stored as a splice,
    so a later resume rebuilds the same timeline."""
    timeline, at = active.timeline, active.start_index
    if not 0 <= at < len(timeline.segments):
        return active
    if not adjustments and timeline.segments[at].kind not in (SegmentKind.HOLD, SegmentKind.REP):
        return active  # nothing new, and it does not stop mid-effort: carry on as it was
    record = ctx.journal.get_session(active.session_id)
    plan = dict(record.options)
    earlier = [*adjustments_from_dicts(plan.get(ADJUSTMENTS, []))]
    for done in plan.get(SPLICES, []):
        earlier += adjustments_from_dicts(done[ADJUSTMENTS])
    options = CompileOptions.from_dict(plan)
    adapted = compile_adapted(ctx.library, timeline.routine_id, options, [*earlier, *adjustments])
    new = _splice(ctx.library, timeline, at, adapted, None)
    if new == timeline:
        return active
    if len(new.segments) <= at:
        raise SessionStateError(
            "today's check-in leaves nothing of that session to play; start a new one"
        )
    splice = {
        "at": at,
        "resume": True,
        "verdict": verdict.value,
        ADJUSTMENTS: [adjustment_to_dict(a) for a in adjustments],
    }
    plan[SPLICES] = [*plan.get(SPLICES, []), splice]
    from hipcoach.store.checkins import SessionPlan, update_session_plan

    update_session_plan(
        ctx.journal.engine,
        SessionPlan(
            active.session_id,
            plan,
            new.fingerprint(),
            len(new.segments),
            new.total_seconds,
            replaced_from=at,
        ),
    )
    return ActiveSession(active.session_id, new, at, resumed=True)


class SymptomHandler:
    """The `on_symptom` callback for PlayerApp: keeps the session's current timeline."""

    def __init__(self, ctx: Context, active: ActiveSession) -> None:
        self.ctx = ctx
        self.active = active
        self.timeline = active.timeline
        self.responses: list[SymptomResponse] = []

    @property
    def ended(self) -> bool:
        """Whether a report ended the session (show the last message, do not offer resume)."""
        return any(r.end_session for r in self.responses)

    def __call__(self, symptom: str, segment_index: int) -> SymptomResult:
        response = report_symptom(self.ctx, self.active, self.timeline, segment_index, symptom)
        self.responses.append(response)
        self.timeline = response.timeline
        return response.for_player()


def rebuild_timeline(ctx: Context, record: SessionRecord) -> SessionTimeline:
    """Recompile a stored session: its options, the adjustments it began with, its splices.

    Raises SessionStateError when the result no longer matches the stored fingerprint.
    """
    plan = record.options
    options = CompileOptions.from_dict(plan)
    try:
        adjustments = adjustments_from_dicts(plan.get(ADJUSTMENTS, []))
        timeline = compile_adapted(ctx.library, record.routine_id, options, adjustments)
        for splice in plan.get(SPLICES, []):
            at = int(splice["at"])
            if splice.get("end"):
                timeline = replace(timeline, segments=timeline.segments[:at])
                continue
            adjustments += adjustments_from_dicts(splice[ADJUSTMENTS])
            adapted = compile_adapted(ctx.library, record.routine_id, options, adjustments)
            timeline = _splice(ctx.library, timeline, at, adapted, splice.get("interlude"))
    except (KeyError, TypeError, ValueError) as exc:
        raise SessionStateError(f"the stored plan of that session is malformed: {exc}") from exc
    if timeline.fingerprint() != record.fingerprint:
        raise SessionStateError(
            f"routine '{record.routine_id}' has changed since that session began, so its "
            "steps no longer line up; start a new session instead"
        )
    return timeline


def session_flags(rules: RuleBook, plan: dict[str, Any]) -> ActiveFlags:
    """The symptom rules in force in a session, from the plan it began with and its splices."""
    symptoms = set()
    for item in plan.get(ADJUSTMENTS, []):
        rule = rules.rules.get(item.get("rule_id", ""))
        if rule is not None and rule.symptom is not None:
            symptoms.add(rule.symptom)
    regressed = Verdict(plan.get(VERDICT, "proceed")).rank >= Verdict.REGRESS.rank
    for splice in plan.get(SPLICES, []):
        if "symptom" in splice:  # a resume's splice carries the check-in's changes only
            symptoms.add(Symptom(splice["symptom"]))
        regressed = regressed or Verdict(splice["verdict"]).rank >= Verdict.REGRESS.rank
    return ActiveFlags(frozenset(symptoms), regressed)


def _splice(
    library: Library,
    timeline: SessionTimeline,
    at: int,
    adapted: SessionTimeline,
    interlude: dict[str, Any] | None,
) -> SessionTimeline:
    """`timeline` spliced at `at`, with the rule's interlude (and a get-ready) in front."""
    spliced = timeline.splice(at, adapted)
    tail = spliced.segments[at:]
    if not tail:
        return spliced  # nothing of the routine is left: the session ends here
    first = tail[0]
    lead: list[Segment] = []
    if interlude is not None:
        lead.append(
            replace(
                first,
                kind=SegmentKind(interlude["kind"]),
                duration=int(interlude["seconds"]),
                text=interlude["text"],
                cue=interlude["cue"],
                spoken=interlude["spoken"],
                round=None,
                rounds=None,
                rep=None,
                reps=None,
                beep_seconds=0,
                effort_cap=None,
            )
        )
    routine = library.routine(timeline.routine_id)
    if first.kind in (SegmentKind.HOLD, SegmentKind.REP) and routine.get_ready_seconds:
        # The restarted step would begin with the work itself: give a moment to get set.
        exercise = library.exercise(first.exercise_id)
        cap = first.effort_cap
        lead.append(
            replace(
                first,
                kind=SegmentKind.GET_READY,
                duration=routine.get_ready_seconds,
                text=phrases.get_ready_text(exercise),
                cue=phrases.capped_cue(exercise.cue, cap) if cap else exercise.cue,
                spoken=phrases.get_ready_spoken(exercise, first.round or 1, first.rounds or 1),
                rep=None,
                reps=None,
                beep_seconds=0,
            )
        )
    segments = list(spliced.segments[:at])
    clock = segments[-1].end if segments else 0
    for segment in [*lead, *tail]:
        segments.append(replace(segment, index=len(segments), start=clock))
        clock += segment.duration
    return replace(spliced, segments=tuple(segments))
