"""Check-ins, the readiness decision, and symptoms reported in the middle of a session.

The rules decide (domain/rules.py); this module gathers what they read from the
journal, records what people report, and turns a mid-session decision into the
rest of the session: the adapted routine spliced in at the current step. Each
change is stored in the session's plan (its options JSON: the adjustments it
began with, then every splice), so `--resume` recompiles the very same session.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hipcoach.domain import phrases
from hipcoach.domain.adapt import adapt_routine
from hipcoach.domain.compiler import CompileOptions, compile_routine
from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.errors import InvalidOverrideError, SessionStateError
from hipcoach.domain.library import Library
from hipcoach.domain.rules import (
    ActiveFlags,
    CheckinBefore,
    RuleBook,
    SessionHistory,
    SessionOutcome,
    Symptom,
    check_scale,
    decide_before_session,
    decide_symptom,
    parse_morning_after,
    parse_symptom,
    trigger_rule,
    worst_morning,
)
from hipcoach.domain.timeline import Segment, SegmentKind, SessionTimeline
from hipcoach.player.events import SymptomResult
from hipcoach.services.context import Context
from hipcoach.services.sessions import ActiveSession

if TYPE_CHECKING:
    from hipcoach.store import SessionRecord
    from hipcoach.store.checkins import CheckinRecord, CheckinRepository, RecentActivity

# Keys this module adds to a session's stored options, beside CompileOptions' own.
ADJUSTMENTS, VERDICT, SPLICES = "adjustments", "verdict", "splices"
# How far back the rules look: the regression window and carried symptoms fit well inside.
HISTORY_DAYS = 42


def rulebook(ctx: Context) -> RuleBook:
    """The shipped rules, checked against the library they name exercises from."""
    from hipcoach.library.rules import check_against, load_rules

    rules = load_rules()
    check_against(rules, ctx.library)
    return rules


def _repo(ctx: Context) -> CheckinRepository:
    from hipcoach.store.checkins import CheckinRepository

    return CheckinRepository(ctx.journal.engine)


def record_checkin_before(
    ctx: Context, session_id: str | None, pain_now: int | None, morning_after: str | None
) -> CheckinRecord:
    """Store the answers before a session (or a report on its own, with no session)."""
    checkin = CheckinBefore(pain_now, parse_morning_after(morning_after))
    return _repo(ctx).add_checkin(
        ctx.profile_id,
        "before",
        session_id=session_id,
        pain=checkin.pain_now,
        morning_after=checkin.morning_after.value if checkin.morning_after else None,
    )


def record_checkin_after(
    ctx: Context, session_id: str, pain: int, effort: int | None = None
) -> CheckinRecord:
    """Store how much it hurt (0-10) and how hard it felt (0-10) after a session."""
    check_scale(pain, "pain")
    if effort is not None:
        check_scale(effort, "effort")
    return _repo(ctx).add_checkin(
        ctx.profile_id, "after", session_id=session_id, pain=pain, effort=effort
    )


def recent_history(ctx: Context, exclude: str | None = None) -> SessionHistory:
    """Recent sessions as the rules see them, oldest first (`exclude`: the one playing now)."""
    since = datetime.now(UTC) - timedelta(days=HISTORY_DAYS)
    return assemble_history(_repo(ctx).recent(ctx.profile_id, since), exclude)


def assemble_history(activity: RecentActivity, exclude: str | None = None) -> SessionHistory:
    """Attach each report to its session: pain by session id; a morning-after report and a
    report made outside a session to the last session that began before it."""
    sessions = [s for s in activity.sessions if s.id != exclude]
    starts = [s.started_at for s in sessions]

    def owner(at: datetime, attached_to: str | None) -> int | None:
        n = bisect_left(starts, at) - 1  # the last session that began before `at` ...
        if n >= 0 and sessions[n].id == attached_to:
            n -= 1  # ... other than the one the report opens (its morning-after is the last's)
        return n if n >= 0 else None

    index = {s.id: n for n, s in enumerate(sessions)}
    fields: list[dict[str, Any]] = [{"symptoms": set()} for _ in sessions]
    pending: set[Symptom] = set()
    for c in activity.checkins:
        n = index.get(c.session_id or "")
        if c.pain is not None and n is not None:
            fields[n]["pain_before" if c.moment == "before" else "pain_after"] = c.pain
        m = owner(c.recorded_at, c.session_id) if c.morning_after else None
        if m is not None:
            report = parse_morning_after(c.morning_after)
            fields[m]["morning_after"] = worst_morning(fields[m].get("morning_after"), report)
    for e in activity.symptoms:
        if exclude is not None and e.session_id == exclude:
            continue  # the session playing now keeps its own flags in its plan
        n = index.get(e.session_id or "")
        n = n if n is not None else owner(e.recorded_at, None)
        (fields[n]["symptoms"] if n is not None else pending).add(Symptom(e.symptom))
    outcomes = tuple(
        SessionOutcome(
            day=s.started_at.astimezone().date(),
            pain_before=f.get("pain_before"),
            pain_after=f.get("pain_after"),
            morning_after=f.get("morning_after"),
            symptoms=frozenset(f["symptoms"]),
        )
        for s, f in zip(sessions, fields, strict=True)
    )
    return SessionHistory(outcomes, frozenset(pending))


def readiness_decision(
    ctx: Context,
    today: date,
    pain_now: int | None = None,
    morning_after: str | None = None,
    red_flags: Sequence[str] = (),
) -> Decision:
    """What today's session should be. Answers not given come from today's stored check-in."""
    # Validated before anything is read, so a bad answer costs nothing.
    checkin = CheckinBefore(pain_now, parse_morning_after(morning_after))
    history = recent_history(ctx)
    if checkin.pain_now is None:
        # A report made earlier today on its own (`hipcoach checkin --pain 4`) stands in.
        since = datetime.now(UTC) - timedelta(days=2)
        for c in reversed(_repo(ctx).recent(ctx.profile_id, since).checkins):
            standalone = c.moment == "before" and c.session_id is None and c.pain is not None
            if standalone and c.recorded_at.astimezone().date() == today:
                checkin = replace(checkin, pain_now=c.pain)
                break
    return decide_before_session(rulebook(ctx), today, checkin, history, red_flags=red_flags)


@dataclass(frozen=True)
class StandaloneReport:
    """A report made outside a session, and what the next session will be because of it."""

    checkin: CheckinRecord | None
    symptoms: tuple[str, ...]  # rule ids the reported symptoms fired
    decision: Decision


def report_outside_session(
    ctx: Context,
    today: date,
    pain_now: int | None = None,
    morning_after: str | None = None,
    symptoms: Sequence[str] = (),
) -> StandaloneReport:
    """Record a check-in and symptoms made between sessions (`hipcoach checkin`).

    Everything is validated before the first write, so a bad value records nothing.
    """
    checkin = CheckinBefore(pain_now, parse_morning_after(morning_after))
    reported = list(dict.fromkeys(parse_symptom(s) for s in symptoms))
    rules = rulebook(ctx)
    record = None
    if checkin.pain_now is not None or checkin.morning_after is not None:
        record = record_checkin_before(ctx, None, pain_now, morning_after)
    fired = []
    for symptom in reported:
        rule = rules.symptom_rule(symptom)
        changes = "; ".join(describe(ctx.library, rule.adjustments)) or "no change"
        _repo(ctx).record_symptom(
            ctx.profile_id, symptom.value, rule.id, "next session: " + changes
        )
        fired.append(rule.id)
    return StandaloneReport(record, tuple(fired), readiness_decision(ctx, today))


def explain(library: Library, decision: Decision) -> list[str]:
    """The decision for people: each rule that fired with its reason, then the changes."""
    lines = [f"{decision.verdict.value.upper()}"]
    for rule_id, reason in dict.fromkeys((a.rule_id, a.reason) for a in decision.adjustments):
        lines.append(f"  {reason} [{rule_id}]")
    changes = describe(library, decision.adjustments)
    if changes:
        lines.append("  Changes: " + "; ".join(changes) + ".")
    return lines


def decision_dict(library: Library, decision: Decision) -> dict[str, Any]:
    """The decision as JSON-ready data: verdict, cap, and every adjustment with its rule."""
    return {
        "verdict": decision.verdict.value,
        "blocked": decision.blocked,
        "effort_cap": decision.effort_cap,
        "rule_ids": list(dict.fromkeys(decision.rule_ids)),
        "changes": describe(library, decision.adjustments),
        "adjustments": [_dump(a) for a in decision.adjustments],
    }


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
        raise InvalidOverrideError(f"today's changes leave nothing of routine '{routine_id}'")
    plan = {
        **options.to_dict(),
        ADJUSTMENTS: [_dump(a) for a in decision.adjustments],
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
    rules = rulebook(ctx)
    record = ctx.journal.get_session(active.session_id)
    if timeline.fingerprint() != record.fingerprint:
        # Splicing a stale copy would store a plan that --resume cannot rebuild.
        raise SessionStateError("that timeline is not the session's current plan")
    plan = dict(record.options)
    options = CompileOptions.from_dict(plan)
    flags = session_flags(rules, plan)
    rule = trigger_rule(rules, reported, flags)
    decision = decide_symptom(rules, reported, flags)
    splice: dict[str, Any] = {
        "at": segment_index,
        "symptom": reported.value,
        "rule_id": rule.id,
        "verdict": decision.verdict.value,
        ADJUSTMENTS: [_dump(a) for a in decision.adjustments],
    }
    if decision.blocked:
        splice["end"] = True
        new = replace(timeline, segments=timeline.segments[:segment_index])
    else:
        earlier = [*_load(plan.get(ADJUSTMENTS, []))]
        for done in plan.get(SPLICES, []):
            earlier += _load(done[ADJUSTMENTS])
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
    plan[SPLICES] = [*plan.get(SPLICES, []), splice]
    from hipcoach.store.checkins import SessionPlan

    action = "; ".join(describe(ctx.library, decision.adjustments)) or "no change"
    _repo(ctx).record_symptom(
        ctx.profile_id,
        reported.value,
        rule.id,
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
        ),
    )
    return SymptomResponse(reported, rule.id, decision, new, rule.reason, decision.blocked)


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
        adjustments = _load(plan.get(ADJUSTMENTS, []))
        timeline = compile_adapted(ctx.library, record.routine_id, options, adjustments)
        for splice in plan.get(SPLICES, []):
            at = int(splice["at"])
            if splice.get("end"):
                timeline = replace(timeline, segments=timeline.segments[:at])
                continue
            adjustments += _load(splice[ADJUSTMENTS])
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
        symptoms.add(Symptom(splice["symptom"]))
        regressed = regressed or Verdict(splice["verdict"]).rank >= Verdict.REGRESS.rank
    return ActiveFlags(frozenset(symptoms), regressed)


def describe(
    library: Library, adjustments: Sequence[Adjustment], present: set[str] | None = None
) -> list[str]:
    """The changes in words, with exercise names; `present` limits them to what is there."""

    def names(ids: Sequence[str]) -> str:
        return ", ".join(library.exercises[i].name if i in library.exercises else i for i in ids)

    lines: list[str] = []
    caps: list[int] = []
    for a in adjustments:
        ids = [i for i in a.exercise_ids if present is None or i in present]
        line = ""
        if a.kind is AdjustmentKind.DROP_EXERCISES and ids:
            line = "no " + names(ids)
        elif a.kind is AdjustmentKind.SUBSTITUTE and ids and a.replacement:
            line = f"{names([a.replacement])} instead of {names(ids)}"
        elif a.kind is AdjustmentKind.CAP_EFFORT and a.effort_percent:
            caps.append(a.effort_percent)
        elif a.kind in (AdjustmentKind.BLOCK_SESSION, AdjustmentKind.REST_THEN_RETRY):
            line = a.describe()
        if line and line not in lines:
            lines.append(line)
    if caps:
        # Only the lowest cap applies; listing every rule's cap would read as a contradiction.
        lines.append(f"effort up to {min(caps)}%")
    return lines


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


def _dump(a: Adjustment) -> dict[str, Any]:
    return {**asdict(a), "kind": a.kind.value, "exercise_ids": list(a.exercise_ids)}


def _load(items: Sequence[dict[str, Any]]) -> list[Adjustment]:
    return [
        Adjustment(
            **{**i, "kind": AdjustmentKind(i["kind"]), "exercise_ids": tuple(i["exercise_ids"])}
        )
        for i in items
    ]
