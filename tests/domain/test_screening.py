"""The readiness screen's rules, one by one and together, and how answers are checked.

The rules are the shipped screening.toml: each row of RULES answers one thing
yes (with any follow-ups it needs) and everything else no, and says what must
come out. The property tests check the safety list from DOMAIN.md against the
data with an oracle written from that list, not from the data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.domain.decisions import AdjustmentKind, Verdict
from hipcoach.domain.demands import forbidden_demands
from hipcoach.domain.screening import (
    QuestionType,
    Readiness,
    ScreenAnswerError,
    ScreenForm,
    applicable_questions,
    check_answers,
    evaluate_screen,
    next_question,
    screen_due,
)
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from
from hipcoach.library.screening import SCREENING_FILE, load_screening_from

LIBRARY = load_library_from(SHIPPED_ROOT)
FORM: ScreenForm = load_screening_from(SCREENING_FILE, library=LIBRARY)
SIDES = ("left", "right")
TOP = [q.id for q in FORM.questions if not q.follows]

URGENT = [
    "trauma",
    "cannot_bear_weight",
    "leg_shape",
    "hot_swollen",
    "bowel_bladder",
    "pale_cold_foot",
]
CLEARABLE = ["night_pain", "weight_loss", "cancer", "steroids", "numbness"]
IR_WORK = ("ir-ankle-lift", "ir-ankle-lift-lean", "ir-stretch", "active-ir", "active-ir-lean")
# What DOMAIN.md's posterior-approach precautions rule out: no flexion past 90,
# no crossing the midline, no internal rotation (and leaning over the front leg).
POSTERIOR = (
    "hip-flexion-past-90",
    "lean-over-front-leg",
    "thigh-across-midline",
    "end-range-internal-rotation",
)

BLOCK = (AdjustmentKind.BLOCK_SESSION, (), None, None, ())
CAP_60 = (AdjustmentKind.CAP_EFFORT, (), None, 60, ())
NOTE = (AdjustmentKind.NOTE, (), None, None, ())
PRESS_FOR_PRY = (AdjustmentKind.SUBSTITUTE, ("contralateral-pry",), "er-only-press", None, ())


def forbid(*demands: str) -> tuple[Any, ...]:
    return (AdjustmentKind.FORBID_DEMANDS, (), None, None, demands)


def answers(**given: Any) -> dict[str, Any]:
    """No to every top question, then `given` (follow-ups included)."""
    return dict.fromkeys(TOP, False) | given


def replacement(approach: str, cleared: bool, side: str = "left") -> dict[str, Any]:
    """One hip replaced; with side "both", the same answers for each hip."""
    if side == "both":
        return both_hips((approach, cleared), (approach, cleared))
    return {
        "replacement": True,
        "replacement_side": side,
        "replacement_approach": approach,
        "replacement_cleared": cleared,
    }


def both_hips(left: tuple[str, bool], right: tuple[str, bool]) -> dict[str, Any]:
    """Both hips replaced: approach and clearance asked for each hip."""
    return {
        "replacement": True,
        "replacement_side": "both",
        "replacement_approach_left": left[0],
        "replacement_cleared_left": left[1],
        "replacement_approach_right": right[0],
        "replacement_cleared_right": right[1],
    }


# (answers, status, verdict, rule ids in order, adjustments as (kind, exercises, replacement, cap))
RULES: list[tuple[dict[str, Any], Readiness, Verdict, tuple[str, ...], list[tuple[Any, ...]]]] = [
    *[
        (
            {q: True},
            Readiness.STOP,
            Verdict.STOP,
            (f"screen.urgent.{q.replace('_', '-')}",),
            [BLOCK],
        )
        for q in URGENT
    ],
    *[
        (
            {q: True, "clinician_cleared": False},
            Readiness.STOP,
            Verdict.PAUSE,
            (f"screen.clinician.{q.replace('_', '-')}",),
            [BLOCK],
        )
        for q in CLEARABLE
    ],
    *[
        (
            {q: True, "clinician_cleared": True},
            Readiness.CAUTION,
            Verdict.PROCEED,
            ("screen.clinician.cleared",),
            [CAP_60],
        )
        for q in CLEARABLE
    ],
    (
        {"groin_clicking": True},
        Readiness.CAUTION,
        Verdict.PROCEED,
        ("screen.clinician.groin-clicking",),
        [PRESS_FOR_PRY, forbid("end-range-internal-rotation")],
    ),
    (
        {"under_18": True, "under_18_pain": True},
        Readiness.STOP,
        Verdict.PAUSE,
        ("screen.clinician.under-18",),
        [BLOCK],
    ),
    ({"under_18": True, "under_18_pain": False}, Readiness.CLEAR, Verdict.PROCEED, (), []),
    (
        replacement("anterior", cleared=False),
        Readiness.STOP,
        Verdict.PAUSE,
        ("screen.replacement.not-cleared",),
        [BLOCK],
    ),
    (
        replacement("lateral", cleared=True, side="right"),
        Readiness.CAUTION,
        Verdict.PROCEED,
        ("screen.replacement.cleared",),
        [CAP_60, NOTE],
    ),
    (
        both_hips(("posterior", True), ("anterior", True)),
        Readiness.CAUTION,
        Verdict.PROCEED,
        (
            "screen.replacement.posterior-left",
            "screen.replacement.cleared-left",
            "screen.replacement.cleared-right",
        ),
        [PRESS_FOR_PRY, forbid(*POSTERIOR), CAP_60, NOTE, CAP_60, NOTE],
    ),
    (
        both_hips(("lateral", True), ("unknown", True)),
        Readiness.CAUTION,
        Verdict.PROCEED,
        (
            "screen.replacement.cleared-left",
            "screen.replacement.posterior-right",
            "screen.replacement.cleared-right",
        ),
        [CAP_60, NOTE, PRESS_FOR_PRY, forbid(*POSTERIOR), CAP_60, NOTE],
    ),
    (
        both_hips(("anterior", False), ("lateral", False)),
        Readiness.STOP,
        Verdict.PAUSE,
        ("screen.replacement.not-cleared-left", "screen.replacement.not-cleared-right"),
        [BLOCK, BLOCK],
    ),
    *[
        (
            replacement(approach, cleared=True, side="right"),
            Readiness.CAUTION,
            Verdict.PROCEED,
            ("screen.replacement.posterior", "screen.replacement.cleared"),
            [PRESS_FOR_PRY, forbid(*POSTERIOR), CAP_60, NOTE],
        )
        for approach in ("posterior", "unknown")
    ],
    (
        {"pregnant": True, "pregnancy_cleared": False},
        Readiness.STOP,
        Verdict.PAUSE,
        ("screen.pregnancy.not-cleared",),
        [BLOCK],
    ),
    (
        {"pregnant": True, "pregnancy_cleared": True},
        Readiness.CAUTION,
        Verdict.PROCEED,
        ("screen.pregnancy.cleared",),
        [CAP_60, NOTE],
    ),
    (
        {"fai": True},
        Readiness.CAUTION,
        Verdict.PROCEED,
        ("screen.fai",),
        [CAP_60, forbid("passive-internal-rotation-stretch")],
    ),
    ({}, Readiness.CLEAR, Verdict.PROCEED, (), []),
]


@pytest.mark.parametrize(
    ("given", "status", "verdict", "rule_ids", "adjustments"),
    RULES,
    ids=[",".join(row[0]) or "nothing" for row in RULES],
)
def test_each_rule_alone(
    given: dict[str, Any],
    status: Readiness,
    verdict: Verdict,
    rule_ids: tuple[str, ...],
    adjustments: list[tuple[Any, ...]],
) -> None:
    outcome = evaluate_screen(FORM, answers(**given))
    assert outcome.status is status
    assert outcome.rule_ids == rule_ids
    assert outcome.verdict is verdict
    got = [
        (a.kind, a.exercise_ids, a.replacement, a.effort_percent, a.demands)
        for a in outcome.adjustments
    ]
    assert got == adjustments
    assert all(a.reason for a in outcome.adjustments)
    assert [a.rule_id for a in outcome.adjustments if a.kind is AdjustmentKind.BLOCK_SESSION] == (
        list(rule_ids) if status is Readiness.STOP else []
    )
    decision = outcome.decision()
    assert decision.blocked is (status is Readiness.STOP)
    assert outcome.what_to_do, "every outcome says what to do"
    if status is Readiness.STOP:
        assert outcome.what_would_change_it, "a stop always says what would change it"


def test_the_table_covers_every_rule_in_the_data() -> None:
    in_data = {f.rule_id for q in FORM.questions for f in q.flags}
    in_table = {rule for row in RULES for rule in row[3]}
    assert in_data == in_table


def test_urgent_beats_clinician_beats_caution() -> None:
    outcome = evaluate_screen(
        FORM, answers(fai=True, cancer=True, clinician_cleared=False, hot_swollen=True)
    )
    assert outcome.status is Readiness.STOP
    assert outcome.verdict is Verdict.STOP
    assert outcome.rule_ids == (
        "screen.urgent.hot-swollen",
        "screen.clinician.cancer",
        "screen.fai",
    )
    # Urgent care comes first; the caution's effort cap is not a session change yet.
    assert outcome.what_to_do[0] == FORM.urgent.what_to_do
    assert outcome.what_to_do[1] == FORM.clinician.what_to_do
    assert {a.kind for a in outcome.adjustments} == {AdjustmentKind.BLOCK_SESSION}
    assert outcome.decision().effort_cap is None


def test_clinician_beats_caution() -> None:
    outcome = evaluate_screen(FORM, answers(groin_clicking=True, **replacement("posterior", False)))
    assert outcome.status is Readiness.STOP
    assert outcome.verdict is Verdict.PAUSE
    assert outcome.rule_ids[0] == "screen.replacement.not-cleared"
    assert "surgeon or physio" in " ".join(outcome.what_would_change_it)


def test_cautions_add_up_and_the_lowest_cap_wins() -> None:
    outcome = evaluate_screen(FORM, answers(fai=True, groin_clicking=True))
    assert outcome.status is Readiness.CAUTION
    assert set(outcome.rule_ids) == {"screen.fai", "screen.clinician.groin-clicking"}
    decision = outcome.decision()
    assert decision.effort_cap == 60
    assert not decision.blocked
    forbidden = forbidden_demands(decision.adjustments)
    dropped = {e.id for e in LIBRARY.exercises.values() if e.demands & forbidden}
    assert set(IR_WORK) <= dropped


def test_a_clearance_lifts_only_the_flags_it_covers() -> None:
    outcome = evaluate_screen(FORM, answers(cancer=True, clinician_cleared=True, trauma=True))
    # The cancer flag is lifted; the trauma one is not, and urgent flags have no clearance.
    assert outcome.rule_ids == ("screen.urgent.trauma", "screen.clinician.cleared")
    assert outcome.status is Readiness.STOP


def test_follow_ups_apply_only_after_a_yes() -> None:
    base = answers()
    assert [q.id for q in applicable_questions(FORM, base)] == TOP
    with_yes = {q.id for q in applicable_questions(FORM, answers(replacement=True))}
    assert "replacement_side" in with_yes
    assert not {"replacement_approach", "replacement_approach_left"} & with_yes
    one = {q.id for q in applicable_questions(FORM, answers(**replacement("lateral", True)))}
    assert {"replacement_approach", "replacement_cleared"} <= one
    assert not {q for q in one if q.endswith(("_left", "_right"))}
    both = {q.id for q in applicable_questions(FORM, answers(**both_hips(("a", 1), ("b", 1))))}
    per_hip = {f"replacement_{k}_{side}" for k in ("approach", "cleared") for side in SIDES}
    assert per_hip <= both
    assert not {"replacement_approach", "replacement_cleared"} & both
    first = next_question(FORM, answers(replacement=True))
    assert first is not None
    assert first.id == "replacement_side"
    assert next_question(FORM, base) is None
    # The shared clearance is asked once, whichever of its questions said yes.
    shared = [q.id for q in applicable_questions(FORM, answers(cancer=True, numbness=True))]
    assert shared.count("clinician_cleared") == 1


@pytest.mark.parametrize(
    ("given", "kind", "ids", "words"),
    [
        (answers(sore=True), "unknown", ("sore",), "no screen question called 'sore'"),
        (answers(trauma="yes"), "type", ("trauma",), "'trauma' takes yes or no"),
        (answers(trauma=1), "type", ("trauma",), "got 1"),
        (
            answers(**replacement("sideways", True)),
            "type",
            ("replacement_approach",),
            "one of anterior, posterior, lateral, unknown",
        ),
        (
            answers(**(replacement("anterior", True) | {"replacement_side": True})),
            "type",
            ("replacement_side",),
            "left",
        ),
        (
            answers(replacement_side="left"),
            "orphan",
            ("replacement_side",),
            "after a yes to 'replacement'",
        ),
        (answers(clinician_cleared=True), "orphan", ("clinician_cleared",), "'cancer'"),
        (
            answers(**(replacement("posterior", True) | {"replacement_side": "both"})),
            "orphan",
            ("replacement_approach", "replacement_cleared"),
            "after the answer 'left' or 'right' to 'replacement_side'",
        ),
        (
            answers(**(replacement("posterior", True, side="both") | {"replacement_side": "left"})),
            "orphan",
            (
                "replacement_approach_left",
                "replacement_cleared_left",
                "replacement_approach_right",
                "replacement_cleared_right",
            ),
            "after the answer 'both'",
        ),
        (
            answers(**both_hips(("posterior", True), ("anterior", True)))
            | {"replacement_cleared_right": None},
            "type",
            ("replacement_cleared_right",),
            "yes or no",
        ),
        ({}, "missing", tuple(TOP), "no answer for 'trauma'"),
        (answers(pregnant=True), "missing", ("pregnancy_cleared",), "'pregnancy_cleared'"),
        (
            answers(replacement=True, replacement_side="left"),
            "missing",
            ("replacement_approach", "replacement_cleared"),
            "every question that applies",
        ),
    ],
)
def test_bad_answers_are_refused_with_the_questions_named(
    given: dict[str, Any], kind: str, ids: tuple[str, ...], words: str
) -> None:
    with pytest.raises(ScreenAnswerError) as caught:
        evaluate_screen(FORM, given)
    assert caught.value.kind == kind
    assert caught.value.question_ids == ids
    assert words in str(caught.value)


def test_checked_answers_keep_the_screen_order() -> None:
    checked = check_answers(FORM, dict(reversed(list(answers(fai=True).items()))))
    assert [k for k, _ in checked.items] == TOP
    assert checked.get("fai") is True
    assert checked.get("replacement_side") is None


@pytest.mark.parametrize(
    ("taken", "today", "due"),
    [
        (None, date(2025, 1, 1), True),
        (datetime(2025, 1, 1, 23, 59, tzinfo=UTC), date(2025, 1, 1), False),
        (date(2025, 1, 1), date(2025, 3, 31), False),  # 89 days
        (date(2025, 1, 1), date(2025, 4, 1), True),  # 90 days
        (date(2025, 1, 1), date(2024, 12, 1), False),  # a clock set back: not due
    ],
)
def test_screen_due_after_ninety_days(taken: Any, today: date, due: bool) -> None:
    assert screen_due(taken, today) is due


def test_screen_due_at_once_after_a_new_report() -> None:
    assert screen_due(date(2025, 1, 1), date(2025, 1, 2), new_report=True)
    assert screen_due(date(2025, 1, 1), date(2025, 1, 2), max_age_days=1)


# ------------------------------------------------------------------ properties


@st.composite
def valid_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Any complete answer set the screen accepts, follow-ups where they apply."""
    given: dict[str, Any] = {}
    for question in FORM.questions:
        if question.id in {q.id for q in applicable_questions(FORM, given)}:
            if question.type is QuestionType.YES_NO:
                given[question.id] = draw(st.booleans())
            else:
                given[question.id] = draw(st.sampled_from(question.options))
    return given


def must_stop(given: dict[str, Any]) -> tuple[bool, bool]:
    """(stop, urgent) straight from DOMAIN.md's safety list, not from the data."""
    urgent = any(given.get(q) is True for q in URGENT)
    clinician = (
        any(given.get(q) is True for q in CLEARABLE) and given.get("clinician_cleared") is not True
    ) or any(
        (
            given.get("under_18_pain") is True,
            given.get("replacement_cleared") is False,
            given.get("replacement_cleared_left") is False,
            given.get("replacement_cleared_right") is False,
            given.get("pregnancy_cleared") is False,
        )
    )
    return urgent or clinician, urgent


@settings(max_examples=300, deadline=None)
@given(valid_answers())
def test_stop_flags_always_stop_and_block(given_answers: dict[str, Any]) -> None:
    outcome = evaluate_screen(FORM, given_answers)
    stop, urgent = must_stop(given_answers)
    assert (outcome.status is Readiness.STOP) is stop
    decision = outcome.decision()
    assert decision.blocked is stop
    if stop:
        assert decision.verdict is (Verdict.STOP if urgent else Verdict.PAUSE)
        assert all(a.kind is AdjustmentKind.BLOCK_SESSION for a in decision.adjustments)
        assert outcome.what_would_change_it
    else:
        assert decision.effort_cap in (None, 60)


@settings(max_examples=200, deadline=None)
@given(valid_answers(), st.sampled_from(URGENT))
def test_an_urgent_yes_stops_whatever_else_was_said(
    given_answers: dict[str, Any], urgent: str
) -> None:
    outcome = evaluate_screen(FORM, given_answers | {urgent: True})
    assert outcome.status is Readiness.STOP
    assert outcome.decision().blocked
    assert outcome.verdict is Verdict.STOP


JUNK = st.one_of(st.booleans(), st.text(max_size=12), st.integers(), st.none(), st.floats())


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.one_of(st.sampled_from([q.id for q in FORM.questions]), st.text(max_size=12)),
        JUNK,
        max_size=30,
    )
)
def test_any_input_is_either_accepted_or_refused_with_a_clear_error(raw: dict[str, Any]) -> None:
    error: ScreenAnswerError | None = None
    try:
        outcome = evaluate_screen(FORM, raw)
    except ScreenAnswerError as exc:
        error = exc
    if error is None:
        assert outcome.status in Readiness
    else:
        assert error.question_ids
        assert all(q in str(error) for q in error.question_ids)


def test_age_counts_calendar_days_not_hours() -> None:
    late = datetime(2025, 1, 1, 23, 30, tzinfo=UTC)
    # Under 90 x 24 hours later, but on the 90th calendar day: due, like any screen that day.
    assert screen_due(late, (late + timedelta(days=89, hours=1)).date())
    assert not screen_due(late, (late + timedelta(days=89)).date())
