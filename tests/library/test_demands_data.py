"""Movement demands: the vocabulary, what each exercise asks of the hip, and what rules forbid.

The exercise checks are an oracle written from PROTOCOL.md (what each movement
does to the hip), not from the demand lists: deleting a demand from an
exercise file fails here even where no rule happens to need it today.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hipcoach.domain.adapt import adapt_routine
from hipcoach.domain.compiler import CompileOptions
from hipcoach.domain.demands import forbidden_demands, violations
from hipcoach.domain.errors import LibraryError
from hipcoach.domain.exercise import Category, DoseMode, Rotation
from hipcoach.domain.screening import evaluate_screen
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from
from hipcoach.library.rules import RULES_FILE, check_against, load_rules, load_rules_from
from hipcoach.library.screening import SCREENING_FILE, load_screening_from
from hipcoach.services.adaptation import compile_adapted
from hipcoach.services.checkins import describe

LIBRARY = load_library_from(SHIPPED_ROOT)
FORM = load_screening_from(SCREENING_FILE, library=LIBRARY)
NO = {q.id: False for q in FORM.questions if not q.follows}
POSTERIOR = {
    "hip-flexion-past-90",
    "lean-over-front-leg",
    "thigh-across-midline",
    "end-range-internal-rotation",
}


def _text(exercise_id: str) -> str:
    e = LIBRARY.exercise(exercise_id)
    return " ".join([e.name, e.purpose, e.cue, *e.setup, *e.action]).lower()


def test_the_vocabulary_is_small_closed_and_worded_for_people() -> None:
    assert 4 <= len(LIBRARY.demands) <= 10
    for demand in LIBRARY.demands.values():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", demand.id)
        assert demand.name[0].islower(), "reads after 'no ... (': lower case"
        assert demand.meaning.endswith(".")
    used = {d for e in LIBRARY.exercises.values() for d in e.demands}
    assert used == set(LIBRARY.demands), "every demand is made by some exercise"


@pytest.mark.parametrize("exercise_id", sorted(LIBRARY.exercises))
def test_each_exercise_makes_the_demands_its_movement_makes(exercise_id: str) -> None:
    e = LIBRARY.exercise(exercise_id)
    text = _text(exercise_id)
    folds = bool(re.search(r"fold forward|fold over|\blean\b|tilt|tipping", text))
    # The back hip turning in is IR end-range work; the front leg pressing or the back
    # ankle lifting is effort at the end of a range (PROTOCOL.md: PAILs, RAILs, the pry).
    assert ("end-range-internal-rotation" in e.demands) is (e.back_hip is Rotation.INTERNAL)
    assert ("lean-over-front-leg" in e.demands) is folds, text
    assert ("hip-flexion-past-90" in e.demands) is folds
    assert ("passive-internal-rotation-stretch" in e.demands) is (
        e.category is Category.STRETCH and e.back_hip is Rotation.INTERNAL
    )
    assert ("loaded-end-range" in e.demands) is (
        e.category in (Category.ISOMETRIC, Category.ACTIVE)
    )
    # Squaring the navel to the front knee draws the front thigh in across the body.
    squares = "toward the front knee" in text or "points at your front knee" in text
    assert ("thigh-across-midline" in e.demands) is (squares and folds)
    if e.dose.mode is DoseMode.POSITION:
        assert e.demands == frozenset(), "sitting in the seat asks nothing at an end range"


def test_the_rotation_circuits_hinge_and_heel_lift_are_what_a_posterior_hip_forbids() -> None:
    # The case from the issue: both played for a cleared posterior replacement.
    assert {"hip-flexion-past-90", "lean-over-front-leg"} <= LIBRARY.exercise("active-er").demands
    assert "end-range-internal-rotation" in LIBRARY.exercise("active-ir").demands


@pytest.mark.parametrize("side", ["left", "right", "both"])
@pytest.mark.parametrize("approach", ["posterior", "unknown"])
@pytest.mark.parametrize("routine_id", sorted(LIBRARY.routines))
def test_no_routine_plays_a_forbidden_segment_for_a_posterior_hip(
    routine_id: str, approach: str, side: str
) -> None:
    per_hip = {
        f"replacement_{k}_{hip}": v
        for hip in ("left", "right")
        for k, v in (("approach", approach if hip == "left" else "anterior"), ("cleared", True))
    }
    single = {"replacement_approach": approach, "replacement_cleared": True}
    answers = NO | {"replacement": True, "replacement_side": side}
    answers |= per_hip if side == "both" else single
    outcome = evaluate_screen(FORM, answers)
    assert forbidden_demands(outcome.adjustments) == POSTERIOR
    timeline = compile_adapted(LIBRARY, routine_id, CompileOptions(), outcome.adjustments)
    assert violations(timeline, LIBRARY, frozenset(POSTERIOR)) == ()
    played = {s.exercise_id for s in timeline.segments}
    assert not played & {"er-stretch", "active-er", "ir-stretch", "active-ir", "ir-ankle-lift"}
    if routine_id in ("morning-pry", "warmup-primer", "desk-break", "er-only"):
        assert "er-press" in played, "the front-leg press goes on"
    if routine_id == "rotation-circuit":
        # Nothing of the circuit but the seat is left: no session, rather than a seat alone.
        assert timeline.segments == ()


def test_the_screen_says_what_it_leaves_out_by_name() -> None:
    answers = NO | {"replacement": True, "replacement_side": "right"}
    outcome = evaluate_screen(
        FORM, answers | {"replacement_approach": "posterior", "replacement_cleared": True}
    )
    circuit = {s.exercise_id for s in LIBRARY.routine("rotation-circuit").steps}
    words = "; ".join(describe(LIBRARY, outcome.adjustments, circuit))
    assert "no Active ER hinge, Active IR heel lift, 90/90 ER stretch, 90/90 IR stretch (" in words
    assert "leaning over the front leg" in words
    assert "bending a hip past a right angle" in words
    reason = outcome.reasons[0].reason
    for said in ("ER hinge", "ER stretch", "IR stretch", "heel", "lean", "pry"):
        assert said in reason, said
    pry = {s.exercise_id for s in LIBRARY.routine("morning-pry").steps}
    words = "; ".join(describe(LIBRARY, outcome.adjustments, pry))
    # The pry becomes the press: said as a swap, not also as something left out.
    assert "ER press rounds instead of Contralateral pry" in words
    assert "no IR ankle lift (" in words
    assert "Contralateral pry (" not in words


def test_adapt_filters_by_demands_not_by_ids() -> None:
    # A rule forbidding a demand leaves out an exercise it never names.
    from hipcoach.domain.decisions import Adjustment, AdjustmentKind

    lean = Adjustment("t", "t", AdjustmentKind.FORBID_DEMANDS, demands=("lean-over-front-leg",))
    routine = adapt_routine(LIBRARY.routine("rotation-circuit"), (lean,), LIBRARY)
    ids = [s.exercise_id for s in routine.steps]
    assert ids == ["90-90-setup", "ir-stretch", "active-ir"]
    assert not routine.steps[0].continuous


# ------------------------------------------------------------- refused data


RULES_TEXT = RULES_FILE.read_text()
SCREEN_TEXT = SCREENING_FILE.read_text()


def test_a_rule_forbidding_an_unknown_demand_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(RULES_TEXT.replace('"end-range-internal-rotation"', '"ir-end-range"', 1))
    with pytest.raises(LibraryError) as caught:
        check_against(load_rules_from(path), LIBRARY, path)
    error = caught.value
    assert (error.item_id, error.field) == ("symptom.pinch", "adjustment.0.demands")
    assert "unknown demand 'ir-end-range'" in error.problem
    assert "end-range-internal-rotation" in error.problem  # the accepted ids are named


def test_a_swap_that_brings_back_a_forbidden_demand_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    bent = RULES_TEXT.replace('replacement = "er-only-press"', 'replacement = "ir-ankle-lift"', 1)
    path.write_text(bent)
    with pytest.raises(LibraryError) as caught:
        check_against(load_rules_from(path), LIBRARY, path)
    assert caught.value.item_id == "symptom.pinch"
    assert caught.value.field == "adjustment.1.replacement"
    assert "'ir-ankle-lift' makes the demand 'end-range-internal-rotation'" in caught.value.problem


def test_forbid_demands_needs_demands_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(RULES_TEXT.replace('demands = ["end-range-internal-rotation"]', "", 1))
    with pytest.raises(LibraryError, match="'forbid_demands' needs demands"):
        load_rules_from(path)


def test_the_shipped_rules_and_screen_name_no_exercise_lists_for_a_kind_of_movement() -> None:
    rules = load_rules()
    check_against(rules, LIBRARY)
    assert "drop_exercises" not in RULES_TEXT
    assert 'kind = "drop_exercises"' not in SCREEN_TEXT


@pytest.mark.parametrize(
    ("old", "new", "question", "field", "words"),
    [
        (
            'demands = ["passive-internal-rotation-stretch"]',
            'demands = ["deep-ir"]',
            "fai",
            "question.25.flag.0.adjust.1.demands",
            "unknown demand 'deep-ir'",
        ),
        (
            'replacement = "er-only-press"\n\n    [[question.flag.adjust]]\n    kind = "forbid',
            'replacement = "ir-ankle-lift"\n\n    [[question.flag.adjust]]\n    kind = "forbid',
            "groin_clicking",
            "question.12.flag.0.adjust.0.replacement",
            "makes the demand 'end-range-internal-rotation' that this flag forbids",
        ),
        (
            'follows_on = ["both"]',
            'follows_on = ["all"]',
            "replacement_approach_left",
            "question.19.follows_on",
            "never answered 'all'",
        ),
    ],
)
def test_a_broken_screen_is_refused_naming_question_and_field(
    tmp_path: Path, old: str, new: str, question: str, field: str, words: str
) -> None:
    assert old in SCREEN_TEXT
    path = tmp_path / "screening.toml"
    path.write_text(SCREEN_TEXT.replace(old, new, 1))
    with pytest.raises(LibraryError) as caught:
        load_screening_from(path, library=LIBRARY)
    assert (caught.value.item_id, caught.value.field) == (question, field)
    assert words in caught.value.problem
