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
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision
from hipcoach.domain.errors import CheckinError
from hipcoach.domain.library import Library
from hipcoach.domain.rules import (
    CheckinBefore,
    RuleBook,
    SessionHistory,
    SessionOutcome,
    Symptom,
    check_scale,
    decide_before_session,
    parse_morning_after,
    parse_symptom,
    worst_morning,
)
from hipcoach.services.context import Context

if TYPE_CHECKING:
    from hipcoach.domain.holds import Hold
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


def checkin_repository(ctx: Context) -> CheckinRepository:
    from hipcoach.store.checkins import CheckinRepository

    return CheckinRepository(ctx.journal.engine)


def record_checkin_before(
    ctx: Context, session_id: str | None, pain_now: int | None, morning_after: str | None
) -> CheckinRecord:
    """Store the answers before a session (or a report on its own, with no session)."""
    checkin = CheckinBefore(pain_now, parse_morning_after(morning_after))
    return checkin_repository(ctx).add_checkin(
        ctx.profile_id,
        "before",
        session_id=session_id,
        pain=checkin.pain_now,
        morning_after=checkin.morning_after.value if checkin.morning_after else None,
    )


def record_checkin_after(
    ctx: Context, session_id: str, pain: int | None, effort: int | None = None
) -> CheckinRecord:
    """Store how much it hurt (0-10) and how hard it felt (0-10) after a session."""
    if pain is None and effort is None:
        raise CheckinError("a check-out needs the pain after the session, the effort, or both")
    if pain is not None:
        check_scale(pain, "pain")
    if effort is not None:
        check_scale(effort, "effort")
    record = checkin_repository(ctx).add_checkin(
        ctx.profile_id, "after", session_id=session_id, pain=pain, effort=effort
    )
    if pain is not None and pain > rulebook(ctx).limits.pain_acceptable_max:
        # A painful session can complete the pattern that pauses the program: keep it now,
        # not only at the next start (which may come after the pattern's window).
        from hipcoach.services.programs import local_today

        readiness_decision(ctx, local_today(), keep_pause=True)
    return record


def recent_history(
    ctx: Context, exclude: str | None = None, today: date | None = None
) -> SessionHistory:
    """Recent sessions as the rules see them, oldest first (`exclude`: the one playing now).

    The window starts at local midnight HISTORY_DAYS before `today`, so the
    rules give the same answer all day (the web server keeps it for the day).
    """
    day = today or datetime.now(UTC).astimezone().date()
    since = datetime.combine(day - timedelta(days=HISTORY_DAYS), time.min).astimezone()
    return assemble_history(checkin_repository(ctx).recent(ctx.profile_id, since), exclude)


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
            steps_done=s.steps_done,
            steps_total=s.steps_total,
            ended_for_safety=s.ended_by_rule is not None,
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
    keep_pause: bool = False,
) -> Decision:
    """What today's session should be. Answers not given come from today's stored check-in.

    Every clinical pause in force blocks it (services.holds). When the pattern of
    easier sessions pauses the program, the pause is kept so it lasts until it is
    lifted, but only when `keep_pause` says this is a real report being recorded
    today (a start, a resume, a check-in or check-out): a view (`today`, the Today
    page, any other day) or a preview of answers not recorded keeps nothing.
    """
    from hipcoach.domain.holds import hold_decision
    from hipcoach.domain.rules import PAUSE_REGRESSIONS
    from hipcoach.services import holds
    from hipcoach.services.programs import local_today

    # Validated before anything is read, so a bad answer costs nothing.
    checkin = CheckinBefore(pain_now, parse_morning_after(morning_after))
    if today != local_today():
        keep_pause = False  # another day's view is a what-if, never a record
    history = recent_history(ctx, today=today)
    if checkin.pain_now is None:
        # A report made earlier today on its own (`hipcoach checkin --pain 4`) stands in.
        since = datetime.now(UTC) - timedelta(days=2)
        for c in reversed(checkin_repository(ctx).recent(ctx.profile_id, since).checkins):
            standalone = c.moment == "before" and c.session_id is None and c.pain is not None
            if standalone and c.recorded_at.astimezone().date() == today:
                checkin = replace(checkin, pain_now=c.pain)
                break
    from hipcoach.services.preferences import chosen

    rules = rulebook(ctx)
    after = holds.regressions_counted_after(ctx)
    stored = holds.stored_holds(ctx)
    decision = decide_before_session(
        rules,
        today,
        checkin,
        history,
        red_flags=red_flags,
        holds=[d for d in (hold_decision(stored),) if d is not None],
        regressions_after=after,
        preferences=chosen(ctx),
    )
    pattern = [a for a in decision.adjustments if a.rule_id == PAUSE_REGRESSIONS]
    if pattern and keep_pause and not any(h.kind.value == "regressions" for h in stored):
        holds.hold_regressions(ctx, pattern[0].reason)
    return decision


@dataclass(frozen=True)
class StandaloneReport:
    """A report made outside a session, and what the next session will be because of it."""

    checkin: CheckinRecord | None
    symptoms: tuple[str, ...]  # rule ids the reported symptoms fired
    decision: Decision
    hold: Hold | None = None  # the pause the warning signs began, if any


def report_outside_session(
    ctx: Context,
    today: date,
    pain_now: int | None = None,
    morning_after: str | None = None,
    symptoms: Sequence[str] = (),
    warning_signs: Sequence[str] = (),
) -> StandaloneReport:
    """Record a check-in, symptoms and warning signs made between sessions (`hipcoach checkin`).

    Everything is validated before the first write, so a bad value records nothing.
    A warning sign pauses the program as the screen would (services.holds).
    """
    from hipcoach.services import holds

    checkin = CheckinBefore(pain_now, parse_morning_after(morning_after))
    reported = list(dict.fromkeys(parse_symptom(s) for s in symptoms))
    signs = holds.check_signs(ctx, warning_signs)
    rules = rulebook(ctx)
    hold = holds.report_warning_signs(ctx, signs) if signs else None
    record = None
    if checkin.pain_now is not None or checkin.morning_after is not None:
        record = record_checkin_before(ctx, None, pain_now, morning_after)
    fired = []
    for symptom in reported:
        rule = rules.symptom_rule(symptom)
        changes = "; ".join(describe(ctx.library, rule.adjustments)) or "no change"
        checkin_repository(ctx).record_symptom(
            ctx.profile_id, symptom.value, rule.id, "next session: " + changes
        )
        fired.append(rule.id)
    decision = readiness_decision(ctx, today, keep_pause=True)
    return StandaloneReport(record, tuple(fired), decision, hold)


def explain(library: Library, decision: Decision, present: set[str] | None = None) -> list[str]:
    """The decision for people: each rule that fired with its reason, then the changes.

    `present` names the exercises of the routine at hand, so only changes to them are listed.
    """
    lines = [f"{decision.verdict.value.upper()}"]
    for rule_id, reason in dict.fromkeys((a.rule_id, a.reason) for a in decision.adjustments):
        lines.append(f"  {reason} [{rule_id}]")
    changes = describe(library, decision.adjustments, present)
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
        "adjustments": [adjustment_to_dict(a) for a in decision.adjustments],
    }


def describe(
    library: Library,
    adjustments: Sequence[Adjustment],
    present: set[str] | None = None,
    alongside: Sequence[Adjustment] = (),
) -> list[str]:
    """The changes in words, with exercise names; `present` limits them to what is there.

    `alongside` are other changes in force with these (to describe one at a time):
    a step one of them swaps is said as the swap, not as left out.
    """

    def names(ids: Sequence[str]) -> str:
        return ", ".join(library.exercises[i].name if i in library.exercises else i for i in ids)

    lines: list[str] = []
    caps: list[int] = []
    # A step that a swap replaces is not "left out": the swap's own line says what it becomes.
    swapped = {
        i
        for a in (*adjustments, *alongside)
        if a.kind is AdjustmentKind.SUBSTITUTE
        for i in a.exercise_ids
    }
    for a in adjustments:
        ids = [i for i in a.exercise_ids if present is None or i in present]
        line = ""
        if a.kind is AdjustmentKind.FORBID_DEMANDS:
            line = _leaves_out(library, a.demands, present, swapped)
        elif a.kind is AdjustmentKind.DROP_EXERCISES and ids:
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


def _leaves_out(
    library: Library, demands: Sequence[str], present: set[str] | None, swapped: set[str]
) -> str:
    """'no Active ER hinge, 90/90 ER stretch (leaning over the front leg)', for what is there."""
    from hipcoach.domain.demands import demand_names, exercises_with

    among = [i for i in library.exercises if present is None or i in present]
    hit = [e for e in exercises_with(library, demands, among) if e.id not in swapped]
    if not hit:
        return ""
    # Name only the demands these exercises make: the reason behind each one left out.
    made = {d for e in hit for d in e.demands} & set(demands)
    names = ", ".join(e.name for e in hit)
    return f"no {names} ({_or_list(demand_names(library.demands, made))})"


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) < 2 else ", ".join(items[:-1]) + " or " + items[-1]


def adjustment_to_dict(a: Adjustment) -> dict[str, Any]:
    return {
        **asdict(a),
        "kind": a.kind.value,
        "exercise_ids": list(a.exercise_ids),
        "demands": list(a.demands),
    }


def adjustments_from_dicts(items: Sequence[dict[str, Any]]) -> list[Adjustment]:
    """Stored adjustments back as values; ones stored before demands existed read as before."""
    return [
        Adjustment(
            **{
                **i,
                "kind": AdjustmentKind(i["kind"]),
                "exercise_ids": tuple(i["exercise_ids"]),
                "demands": tuple(i.get("demands", ())),
            }
        )
        for i in items
    ]
