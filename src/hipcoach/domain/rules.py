"""The pain and symptom rules as a pure engine: check-ins, history and symptoms in, a Decision out.

The rules themselves are data (`library/rules.toml`, loaded into a RuleBook):
ids, thresholds, reasons, adjustments and the written precedence between them.
This module knows what each rule id *means* (its condition) and how fired rules
combine, in `resolve`:

* the strongest verdict wins (STOP > PAUSE > REGRESS > HOLD > PROGRESS > PROCEED);
* every fired rule's adjustments are kept, ordered by precedence (safety first),
  so the first adjustment always names the deciding rule;
* a progression under a stronger verdict says it is held back (its cap still holds);
* a substitution that a stronger rule already settled becomes a note, so the
  decision never lists a change that will not happen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import Enum

from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.errors import CheckinError
from hipcoach.domain.rulebook import (
    Interlude,
    Limits,
    MorningAfter,
    Progression,
    Rule,
    RuleBook,
    Symptom,
    check_scale,
    parse_morning_after,
    parse_symptom,
)

_HELD_BACK = " Not today, though: a rule with more caution comes first."
_MORNING_ORDER = {MorningAfter.BETTER: 0, MorningAfter.SAME: 1, MorningAfter.WORSE: 2}

# The rule book's values are part of the engine's surface.
__all__ = [
    "CONDITION_RULES",
    "ActiveFlags",
    "CheckinBefore",
    "CheckinError",
    "Interlude",
    "Limits",
    "MorningAfter",
    "Progression",
    "Rule",
    "RuleBook",
    "SessionHistory",
    "SessionOutcome",
    "Symptom",
    "as_signal",
    "check_scale",
    "decide_before_session",
    "decide_symptom",
    "derive_flags",
    "is_regression",
    "parse_morning_after",
    "parse_symptom",
    "progression_signal",
    "regression_days",
    "resolve",
    "trigger_rule",
    "worst_morning",
]

# Rules whose condition is written here; the data file must define each of them.
RED_FLAG = "program.pause.red-flag"
PAUSE_REGRESSIONS = "program.pause.regressions"
REGRESS_HIGH = "pain.regress.high"
REGRESS_WORSE = "pain.regress.worse-morning"
HOLD = "pain.hold"
PROGRESS = "pain.progress"
PROCEED = "pain.proceed"
HEELS_CLOSER = "preference.heels-closer"  # the person keeps the heels-closer set-up
KNEE_LIFTED = "symptom.knee.lifted"
CONDITION_RULES = (
    RED_FLAG,
    PAUSE_REGRESSIONS,
    REGRESS_HIGH,
    REGRESS_WORSE,
    HOLD,
    PROGRESS,
    PROCEED,
    HEELS_CLOSER,
)
# The person's own choices a rule reads (stored as preferences, see services.preferences).
PREFERENCES = ("heels-closer",)


# ---- what the engine reads ---------------------------------------------------------------


@dataclass(frozen=True)
class CheckinBefore:
    """Today's answers before a session; None where the person was not asked."""

    pain_now: int | None = None
    morning_after: MorningAfter | None = None

    def __post_init__(self) -> None:
        if self.pain_now is not None:
            check_scale(self.pain_now, "pain now")
        # Validated here so that a bad answer fails before anything reads or writes.
        object.__setattr__(self, "morning_after", parse_morning_after(self.morning_after))


@dataclass(frozen=True)
class SessionOutcome:
    """One past session as the rules see it: its day, pain before/after, the next morning."""

    day: date
    pain_before: int | None = None
    pain_after: int | None = None
    morning_after: MorningAfter | None = None
    symptoms: frozenset[Symptom] = frozenset()  # reported during it (or after it, before the next)
    # How much of it was done; None where not known (the session then counts).
    steps_done: int | None = None
    steps_total: int | None = None
    ended_for_safety: bool = False  # stopped by a rule: a session with the symptom, never quiet

    def counts(self, limits: Limits) -> bool:
        """Whether the session really happened: enough of its steps done to show how the hip
        takes the work. Only such sessions move a carried restriction towards lifting."""
        if self.ended_for_safety:
            return False
        if not self.steps_total or self.steps_done is None:
            return True
        return self.steps_done * 100 >= limits.session_counts_from_percent * self.steps_total


@dataclass(frozen=True)
class SessionHistory:
    """Recent sessions, oldest first, and symptoms reported since the last one."""

    sessions: tuple[SessionOutcome, ...] = ()
    pending: frozenset[Symptom] = frozenset()

    def with_morning(self, report: MorningAfter | None) -> SessionHistory:
        """The history with today's morning-after report given to the last session (worst wins)."""
        if report is None or not self.sessions:
            return self
        last = self.sessions[-1]
        merged = worst_morning(last.morning_after, report)
        return replace(self, sessions=(*self.sessions[:-1], replace(last, morning_after=merged)))


@dataclass(frozen=True)
class ActiveFlags:
    """Symptom rules in force, return stages under way (rule ids), and whether the session
    is already in its eased form."""

    symptoms: frozenset[Symptom] = frozenset()
    regressed: bool = False
    returning: frozenset[str] = frozenset()

    def with_symptom(self, symptom: Symptom, regressed: bool) -> ActiveFlags:
        return ActiveFlags(self.symptoms | {symptom}, self.regressed or regressed, self.returning)


def worst_morning(a: MorningAfter | None, b: MorningAfter | None) -> MorningAfter | None:
    """The worse of two morning-after reports (safety first when two disagree)."""
    if a is None or b is None:
        return a or b
    return a if _MORNING_ORDER[a] >= _MORNING_ORDER[b] else b


def _above(pain: int | None, limit: int) -> bool:
    return pain is not None and pain > limit


# ---- conditions --------------------------------------------------------------------------


def is_regression(rules: RuleBook, session: SessionOutcome) -> bool:
    """Whether a session was too much: pain above acceptable, a worse morning, or a symptom
    whose rule regresses (a pinch, pain mid-session)."""
    limit = rules.limits.pain_acceptable_max
    return (
        _above(session.pain_before, limit)
        or _above(session.pain_after, limit)
        or session.morning_after is MorningAfter.WORSE
        or any(rules.symptom_rule(s).verdict.rank >= Verdict.REGRESS.rank for s in session.symptoms)
    )


def regression_days(
    rules: RuleBook,
    history: SessionHistory,
    today: date,
    checkin: CheckinBefore | None = None,
    after: date | None = None,
) -> tuple[date, ...]:
    """Days within the window on which the hip needed an easier session (today included).

    Counted by day, so one bad day that fires two rules is still one regression.
    Days up to `after` (the day a clinician's clearance lifted a pause) are
    already answered: they do not count again.
    """
    checkin = checkin or CheckinBefore()
    window = timedelta(days=rules.limits.regression_window_days)
    merged = history.with_morning(checkin.morning_after)
    days = {
        s.day
        for s in merged.sessions
        if today - window < s.day <= today
        and (after is None or s.day > after)
        and is_regression(rules, s)
    }
    if _above(checkin.pain_now, rules.limits.pain_acceptable_max):
        days.add(today)
    return tuple(sorted(days))


def derive_flags(rules: RuleBook, history: SessionHistory) -> ActiveFlags:
    """Symptom rules still in force, and the return stages under way.

    A carried rule holds from the session its symptom came in until `carry_sessions`
    sessions that count (see SessionOutcome.counts) have passed without it; a session ended
    for safety restarts the count. Then its return stage, if the rule book has one, holds
    for its own `carry_sessions` counted sessions; the symptom coming back restarts it all.
    """
    active: set[Symptom] = set()
    returning: set[str] = set()
    for symptom in Symptom:
        rule = rules.symptom_rule(symptom)
        if rule.carry_sessions <= 0:
            continue
        stage = _carry_stage(rules, history, rule)
        if stage is _Stage.HELD:
            active.add(symptom)
        elif stage is _Stage.RETURNING:
            back = rules.return_stage(rule.id)
            assert back is not None  # only rules with a return stage reach it
            returning.add(back.id)
    return ActiveFlags(frozenset(active), returning=frozenset(returning))


class _Stage(Enum):
    HELD = "held"  # the restriction is in force
    RETURNING = "returning"  # lifted; what it removed comes back gently


def _carry_stage(rules: RuleBook, history: SessionHistory, rule: Rule) -> _Stage | None:
    """Where a carried symptom rule stands after the history, oldest session first."""
    assert rule.symptom is not None
    back = rules.return_stage(rule.id)
    stage: _Stage | None = None
    quiet = 0  # sessions that counted since the stage began
    for session in history.sessions:
        if rule.symptom in session.symptoms or (session.ended_for_safety and stage is not None):
            stage, quiet = _Stage.HELD, 0
            continue
        if stage is None or not session.counts(rules.limits):
            continue
        quiet += 1
        if stage is _Stage.HELD and quiet >= rule.carry_sessions:
            stage, quiet = (_Stage.RETURNING if back else None), 0
        elif stage is _Stage.RETURNING and back and quiet >= back.carry_sessions:
            stage = None
    if rule.symptom in history.pending:
        return _Stage.HELD
    return stage


def _progress_ready(rules: RuleBook, history: SessionHistory) -> bool:
    """The last N sessions all at or below safe, each with a known, not-worse next morning."""
    needed = rules.limits.progress_after_sessions
    streak = history.sessions[-needed:]
    return len(streak) == needed and all(
        s.pain_after is not None
        and s.pain_after <= rules.limits.pain_safe_max
        and s.morning_after is not None
        and s.morning_after is not MorningAfter.WORSE
        and not is_regression(rules, s)
        for s in streak
    )


def _pain_rules(rules: RuleBook, checkin: CheckinBefore, history: SessionHistory) -> list[str]:
    """The pain model: at most one of regress / hold / progress, worst first."""
    limits = rules.limits
    merged = history.with_morning(checkin.morning_after)
    last = merged.sessions[-1] if merged.sessions else None
    readings = [checkin.pain_now, last.pain_after if last else None]
    fired = []
    if any(_above(p, limits.pain_acceptable_max) for p in readings):
        fired.append(REGRESS_HIGH)
    if (
        worst_morning(checkin.morning_after, last.morning_after if last else None)
        is MorningAfter.WORSE
    ):
        fired.append(REGRESS_WORSE)
    if fired:
        return fired
    if any(_above(p, limits.pain_safe_max) for p in readings):
        return [HOLD]
    if _progress_ready(rules, merged) and not _above(checkin.pain_now, limits.pain_safe_max):
        return [PROGRESS]
    return []


# ---- decisions ---------------------------------------------------------------------------


def decide_before_session(
    rules: RuleBook,
    today: date,
    checkin: CheckinBefore,
    history: SessionHistory,
    flags: ActiveFlags | None = None,
    red_flags: Sequence[str] = (),
    holds: Sequence[Decision] = (),
    regressions_after: date | None = None,
    preferences: frozenset[str] = frozenset(),
) -> Decision:
    """What today's session should be, from the check-in, recent sessions and active symptoms.

    `holds` are the clinical pauses in force (domain.holds, as decisions): each
    blocks the session with its own rules and reasons, listed first, until it
    is lifted. Easier sessions up to `regressions_after` do not count again.
    """
    flags = derive_flags(rules, history) if flags is None else flags
    decisions = []
    if red_flags:
        decisions.append(rules.rule(RED_FLAG).decision(", ".join(red_flags)))
    days = regression_days(rules, history, today, checkin, after=regressions_after)
    if len(days) >= rules.limits.pause_after_regressions:
        listed = ", ".join(d.isoformat() for d in days)
        decisions.append(rules.rule(PAUSE_REGRESSIONS).decision(f"on {listed}"))
    decisions += [rules.rule(r).decision() for r in _pain_rules(rules, checkin, history)]
    decisions += [rules.symptom_rule(s).decision() for s in sorted(flags.symptoms)]
    returning = set(flags.returning)
    if "heels-closer" in preferences:
        # Their own choice: the heels-closer set-up stays, so "the usual set-up is back"
        # would not be true; the preference's rule says what happens instead.
        returning.discard(KNEE_LIFTED)
        decisions.append(rules.rule(HEELS_CLOSER).decision())
    decisions += [rules.rule(r).decision() for r in sorted(returning)]
    if not decisions and not holds:
        decisions.append(rules.rule(PROCEED).decision())
    decision = resolve(rules, decisions)
    if not holds:
        return decision
    # A pause's own reasons lead: they say what happened and what lifts it.
    held = tuple(a for h in holds for a in h.adjustments)
    verdict = max((d.verdict for d in (*holds, decision)), key=lambda v: v.rank)
    held_ids = {a.rule_id for a in held}
    kept = tuple(a for a in decision.adjustments if a.rule_id not in held_ids)
    return Decision(verdict, tuple(dict.fromkeys(held)) + kept)


def trigger_rule(rules: RuleBook, symptom: str | Symptom, flags: ActiveFlags) -> Rule:
    """The rule a mid-session report fires (validates the symptom name)."""
    return rules.symptom_rule(parse_symptom(symptom), regressed=flags.regressed)


def decide_symptom(rules: RuleBook, symptom: str | Symptom, flags: ActiveFlags) -> Decision:
    """The rest of the session after a report: the report's rule plus every rule in force."""
    reported = parse_symptom(symptom)
    decisions = [trigger_rule(rules, reported, flags).decision()]
    decisions += [rules.symptom_rule(s).decision() for s in sorted(flags.symptoms - {reported})]
    return resolve(rules, decisions)


def progression_signal(
    rules: RuleBook,
    history: SessionHistory,
    today: date | None = None,
    checkin: CheckinBefore | None = None,
) -> Verdict:
    """What the program should do with its dose: PROGRESS, HOLD, REGRESS or PAUSE.

    PROGRESS only after the required streak of safe sessions with no worse mornings and no
    symptom rule in force; with nothing to go on, HOLD. `today` (default: the last session's
    day) places the regression window; `checkin` is the check-in the signal is taken at
    (its pain now counts, as it does before a session).
    """
    if not history.sessions:
        return Verdict.HOLD
    day = today or history.sessions[-1].day
    return as_signal(decide_before_session(rules, day, checkin or CheckinBefore(), history))


def as_signal(decision: Decision) -> Verdict:
    """A decision before a session read as a signal for a program's dose: one that changes
    nothing holds the dose; a step up, a hold, a regression or a pause say so themselves."""
    return Verdict.HOLD if decision.verdict is Verdict.PROCEED else decision.verdict


def resolve(rules: RuleBook, decisions: Iterable[Decision]) -> Decision:
    """Combine fired rules: strongest verdict, changes in precedence order, conflicts settled."""
    decisions = list(decisions)
    verdict = max((d.verdict for d in decisions), key=lambda v: v.rank, default=Verdict.PROCEED)
    kept: list[Adjustment] = []
    for decision in decisions:
        changes = decision.adjustments
        if decision.verdict is Verdict.PROGRESS and verdict.rank > Verdict.PROGRESS.rank:
            # The step up waits (the verdict says so), but its effort cap still holds:
            # more caution may only ever tighten a cap, never lift it.
            changes = tuple(replace(a, reason=a.reason + _HELD_BACK) for a in changes)
        kept.extend(changes)
    order = {rule_id: n for n, rule_id in enumerate(rules.precedence)}
    kept.sort(key=lambda a: order.get(a.rule_id, len(order)))  # stable: a rule's own order stays
    return Decision(verdict, _settle(kept))


def _settle(adjustments: Sequence[Adjustment]) -> tuple[Adjustment, ...]:
    """Turn substitutions that a stronger rule already settled into notes."""
    dropped: set[str] = set()
    swapped: dict[str, str] = {}
    settled = []
    for adj in adjustments:
        if adj.kind is AdjustmentKind.DROP_EXERCISES:
            dropped.update(adj.exercise_ids)
        elif adj.kind is AdjustmentKind.SUBSTITUTE and adj.replacement:
            free = tuple(
                t
                for t in adj.exercise_ids
                if t not in dropped and swapped.get(t, adj.replacement) == adj.replacement
            )
            if not free or adj.replacement in dropped:
                note = f"{adj.reason} (Not applied: a stronger rule already changed this step.)"
                settled.append(replace(adj, kind=AdjustmentKind.NOTE, reason=note))
                continue
            swapped.update(dict.fromkeys(free, adj.replacement))
            adj = replace(adj, exercise_ids=free)
        settled.append(adj)
    return tuple(settled)
