"""Property: whatever was screened, reported and chosen, no session plays a forbidden movement.

One example is a person: screen answers (any the form accepts), a few earlier
reports, today's check-in, a routine and a dose, then symptoms pressed at
random moments, then a resume with a fresh check-in. On every path into the
session (new: prepare + begin; the browser's offline answers worked out ahead;
a mid-session splice; a rebuild after a crash; a resume through the gate) the
segments still to play must make no movement demand that a rule in force
forbids. What is "in force" is worked out here from the screen's own
evaluation and the rule book, not read back from the session, so a path that
loses a rule on the way fails too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hipcoach import services
from hipcoach.domain.compiler import CompileOptions, DoseOverride
from hipcoach.domain.decisions import Adjustment
from hipcoach.domain.demands import forbidden_demands, violations
from hipcoach.domain.errors import HipcoachError
from hipcoach.domain.library import Library
from hipcoach.domain.routine import Side
from hipcoach.domain.screening import FlagLevel, QuestionType, applicable_questions
from hipcoach.domain.screening import evaluate_screen as evaluate
from hipcoach.domain.timeline import Segment
from hipcoach.library.loader import SHIPPED_ROOT, load_library, load_library_from
from hipcoach.library.rules import load_rules
from hipcoach.library.screening import SCREENING_FILE, load_screening_from
from hipcoach.player.events import Outcome, SegmentEnded
from hipcoach.services import adaptation, checkins, starting
from hipcoach.services.contingency import contingencies
from hipcoach.services.screening import SessionBlockedError, take_screen
from hipcoach.settings import Settings

LIBRARY = load_library_from(SHIPPED_ROOT)
FORM = load_screening_from(SCREENING_FILE, library=LIBRARY)
RULES = load_rules()
TODAY = date.today()
SYMPTOMS = ("pinch", "cramp", "knee", "pain")
MORNINGS = (None, "better", "same", "worse")


def _stops_on(question_id: str) -> set[Any]:
    """The answers to a question that stop every session (urgent or see-a-clinician flags)."""
    question = FORM.question(question_id)
    return {v for f in question.flags if f.level is not FlagLevel.CAUTION for v in f.when}


@st.composite
def screen_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Any answer set the form accepts. About one person in ten may give answers that
    stop every session; the rest train, so the rules that change a session get used."""
    may_stop = draw(st.sampled_from([False] * 9 + [True]))
    given: dict[str, Any] = {}
    for question in FORM.questions:
        if question.id not in {q.id for q in applicable_questions(FORM, given)}:
            continue
        values: list[Any] = (
            [True, False] if question.type is QuestionType.YES_NO else list(question.options)
        )
        if not may_stop:
            values = [v for v in values if v not in _stops_on(question.id)] or values
        given[question.id] = draw(st.sampled_from(values))
    return given


NO = {q.id: False for q in FORM.questions if not q.follows}
# People the rules that forbid movements are for, drawn as often as all the others together.
TYPICAL = (
    [
        NO
        | {"replacement": True, "replacement_side": side, "replacement_approach": approach}
        | {"replacement_cleared": True}
        for side in ("left", "right")
        for approach in ("posterior", "unknown", "anterior")
    ]
    + [
        NO
        | {"replacement": True, "replacement_side": "both", "replacement_cleared_left": True}
        | {"replacement_approach_left": left, "replacement_approach_right": right}
        | {"replacement_cleared_right": True}
        for left in ("posterior", "lateral")
        for right in ("anterior", "unknown")
    ]
    + [
        NO | {"groin_clicking": True},
        NO | {"fai": True},
        NO | {"fai": True, "groin_clicking": True},
    ]
)


@st.composite
def doses(draw: st.DrawFn) -> CompileOptions:
    """A dose the command line or the plan could ask for (None keeps the routine's own)."""
    return CompileOptions(
        sides=draw(st.sampled_from([None, (Side.RIGHT,), (Side.LEFT, Side.RIGHT)])),
        dose=DoseOverride(
            seconds=draw(st.none() | st.integers(10, 40)),
            rounds=draw(st.none() | st.integers(1, 4)),
            rest_seconds=draw(st.none() | st.integers(0, 20)),
            reps=draw(st.none() | st.integers(5, 10)),
        ),
        effort_cap=draw(st.none() | st.integers(20, 90)),
    )


@dataclass(frozen=True)
class Earlier:
    """A report made on an earlier day, outside any session."""

    days_ago: int
    pain_now: int | None
    morning_after: str | None
    symptoms: tuple[str, ...]


earlier_reports = st.lists(
    st.builds(
        Earlier,
        days_ago=st.integers(1, 10),
        pain_now=st.none() | st.integers(0, 10),
        morning_after=st.sampled_from(MORNINGS),
        symptoms=st.lists(
            st.sampled_from((*SYMPTOMS, "cannot_sit_tall")), max_size=2, unique=True
        ).map(tuple),
    ),
    max_size=3,
)
presses = st.lists(st.tuples(st.sampled_from(SYMPTOMS), st.floats(0.0, 0.99)), max_size=3)


# Written from DOMAIN.md's safety list, not from the data, so data that forgets a
# precaution (an old list of two stretches for a posterior hip, say) fails the property.
IR_END_RANGE = frozenset({"end-range-internal-rotation"})
POSTERIOR = frozenset(
    {"hip-flexion-past-90", "lean-over-front-leg", "thigh-across-midline"} | IR_END_RANGE
)
# Every rule that regresses for a pinch or for too much pain takes out IR end-range work.
RULES_DROPPING_IR = {
    "symptom.pinch",
    "symptom.pain-high",
    "pain.regress.high",
    "pain.regress.worse-morning",
}


def _precautions(answers: dict[str, Any]) -> frozenset[str]:
    """What the answers rule out, by DOMAIN.md: a posterior or unknown approach on any
    hip, groin pain with clicking (ER-only work), known impingement (no deep IR stretch)."""
    approaches = {v for k, v in answers.items() if k.startswith("replacement_approach")}
    out: set[str] = set()
    if approaches & {"posterior", "unknown"}:
        out |= POSTERIOR
    if answers.get("groin_clicking") is True:
        out |= IR_END_RANGE
    if answers.get("fai") is True:
        out.add("passive-internal-rotation-stretch")
    return frozenset(out)


def _forbidden_by_rules(rule_ids: Iterable[str]) -> frozenset[str]:
    """What these rules forbid: the rule book's demands, and the oracle's for IR work."""
    adjustments: list[Adjustment] = []
    ids = set(rule_ids)
    for rule_id in ids:
        if rule_id in RULES.rules:
            adjustments.extend(RULES.rule(rule_id).adjustments)
    oracle = IR_END_RANGE if ids & RULES_DROPPING_IR else frozenset()
    return forbidden_demands(adjustments) | oracle


def _assert_obeys(segments: Iterable[Segment], library: Library, forbidden: frozenset[str]) -> None:
    bad = violations(tuple(segments), library, forbidden)
    assert bad == (), [(s.index, s.kind.value, s.exercise_id) for s in bad]


def _context() -> services.Context:
    load_library.cache_clear()
    folder = tempfile.mkdtemp(prefix="hipcoach-demands-")
    return services.Context(Settings.from_env({"HIPCOACH_DATA_DIR": folder}))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    answers=st.one_of(screen_answers(), st.sampled_from(TYPICAL)),
    earlier=earlier_reports,
    pain_now=st.none() | st.integers(0, 10),
    morning_after=st.sampled_from(MORNINGS),
    routine_id=st.sampled_from(sorted(LIBRARY.routines)),
    options=doses(),
    pressed=presses,
    stopped_at=st.floats(0.05, 0.95),
    resume_pain=st.none() | st.integers(0, 10),
    resume_morning=st.sampled_from(MORNINGS),
)
def test_no_path_into_a_session_plays_a_forbidden_movement(
    answers: dict[str, Any],
    earlier: list[Earlier],
    pain_now: int | None,
    morning_after: str | None,
    routine_id: str,
    options: CompileOptions,
    pressed: list[tuple[str, float]],
    stopped_at: float,
    resume_pain: int | None,
    resume_morning: str | None,
) -> None:
    screen = evaluate(FORM, answers)
    with _context() as ctx:
        take_screen(ctx, answers)
        for report in sorted(earlier, key=lambda r: -r.days_ago):
            # A report the rules refuse (a pause, say) stores nothing more.
            with suppress(HipcoachError):
                checkins.report_outside_session(
                    ctx,
                    TODAY - timedelta(days=report.days_ago),
                    report.pain_now,
                    report.morning_after,
                    report.symptoms,
                )

        # ---- a new session: the screen, the rules over the history, today's check-in
        readiness = checkins.readiness_decision(ctx, TODAY, pain_now, morning_after)
        in_force = (
            forbidden_demands(screen.adjustments)
            | _precautions(answers)
            | _forbidden_by_rules(readiness.rule_ids)
        )
        try:
            prepared = starting.prepare(ctx, TODAY, routine_id, options, pain_now, morning_after)
            active = starting.begin(ctx, prepared)
        except SessionBlockedError:
            assert screen.decision().blocked
            event("blocked by the screen")
            return
        except HipcoachError:
            # Refused by the rules, or nothing of the routine survives them: nothing plays.
            event("refused, or nothing of the routine left")
            return
        event(f"played, {len(in_force)} demands forbidden")
        assert not screen.decision().blocked
        _assert_obeys(active.timeline.segments, ctx.library, in_force)

        # ---- the browser's offline answers, worked out before anything is pressed
        record = ctx.journal.get_session(active.session_id)
        for answer in contingencies(ctx, dict(record.options), active.timeline).values():
            offline = in_force | _forbidden_by_rules(answer["rule_ids"])
            pool = answer["segments"]
            for tail in answer["tails"]:
                ids = {pool[i]["exercise_id"] for i in tail}
                bad = {i for i in ids if LIBRARY.exercise(i).demands & offline}
                assert not bad, (answer["rule_ids"], bad)

        # ---- symptoms pressed mid-session, in order, with the steps before them done
        timeline = active.timeline
        observer = services.JournalObserver(ctx, active)
        done = 0
        ended = False
        for symptom, share in sorted(pressed, key=lambda p: p[1]):
            at = max(done, min(int(share * len(timeline.segments)), len(timeline.segments) - 1))
            for segment in timeline.segments[done:at]:
                observer(SegmentEnded(segment, Outcome.COMPLETED, float(segment.duration), 0.0))
            done = at
            response = adaptation.report_symptom(ctx, active, timeline, at, symptom)
            in_force |= _forbidden_by_rules([response.rule_id, *response.decision.rule_ids])
            timeline = response.timeline
            if response.end_session:
                event("a report ended the session")
                ended = True
                break
            _assert_obeys(timeline.segments[at:], ctx.library, in_force)

        # ---- a crash: the stored plan rebuilds the same session, still obeying
        record = ctx.journal.get_session(active.session_id)
        rebuilt = adaptation.rebuild_timeline(ctx, record)
        assert rebuilt.fingerprint() == timeline.fingerprint()
        _assert_obeys(rebuilt.segments[done:], ctx.library, in_force)
        if ended:
            return
        # The person stops part-way (the app closed, the phone rang) and comes back later.
        stop = max(done, min(int(stopped_at * len(timeline.segments)), len(timeline.segments) - 1))
        for segment in timeline.segments[done:stop]:
            observer(SegmentEnded(segment, Outcome.COMPLETED, float(segment.duration), 0.0))
        if stop == 0:
            return  # nothing played: nothing to resume

        # ---- a resume through the gate, with a fresh check-in
        again = checkins.readiness_decision(ctx, TODAY, resume_pain, resume_morning)
        in_force |= _forbidden_by_rules(again.rule_ids)
        try:
            resumed = starting.resume(ctx, TODAY, resume_pain, resume_morning)
        except HipcoachError:
            event("resume refused")
            return  # refused by the gate, or nothing left to play: nothing plays
        event("resumed")
        _assert_obeys(resumed.timeline.segments[resumed.start_index :], ctx.library, in_force)


def test_the_strategy_reaches_the_rules_that_forbid_movements() -> None:
    """The screen strategy raises every flag that forbids a demand (else the property idles)."""
    forbidding = {
        f.rule_id for q in FORM.questions for f in q.flags if forbidden_demands(f.adjustments)
    }
    seen: set[str] = set()

    @settings(max_examples=400, deadline=None)
    @given(screen_answers())
    def collect(answers: dict[str, Any]) -> None:
        seen.update(evaluate(FORM, answers).rule_ids)

    collect()
    assert forbidding <= seen, forbidding - seen
