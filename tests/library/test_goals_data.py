"""The shipped goals load and hold together; a broken goals file names its file, id and field."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from hipcoach.domain.compiler import LIMITS, compile_routine
from hipcoach.domain.decisions import AdjustmentKind
from hipcoach.domain.errors import LibraryError
from hipcoach.domain.exercise import Category, DoseMode, Rotation
from hipcoach.domain.planning import EFFORT_CEILING, WEEKDAY_NAMES
from hipcoach.library.goals import GOALS_FILE, load_goals
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from
from hipcoach.library.rules import RULES_FILE, load_rules_from

LIBRARY = load_library_from(SHIPPED_ROOT)
GOALS = load_goals(LIBRARY)


def test_the_six_goals_ship_with_their_routines() -> None:
    assert {g: GOALS[g].routine_id for g in GOALS} == {
        "unlock-stiff-hips": "morning-pry",
        "jammed-hips": "rotation-circuit",
        "warmup-primer": "warmup-primer",
        "sitting-breaks": "desk-break",
        "irritable-hip": "er-only",
        "knee-friendly": "morning-pry",
    }


@pytest.mark.parametrize(
    ("goal_id", "days", "low", "high"),
    [
        ("unlock-stiff-hips", "mon,tue,wed,thu,fri,sat,sun", 5, 7),
        ("jammed-hips", "mon,wed,fri", 3, 4),
        ("warmup-primer", "mon,wed,fri", 2, 6),
        ("sitting-breaks", "mon,tue,wed,thu,fri", 3, 7),
        ("irritable-hip", "mon,tue,wed,thu,fri,sat,sun", 3, 7),
        ("knee-friendly", "mon,tue,wed,thu,fri,sat,sun", 5, 7),
    ],
)
def test_frequencies_follow_the_articles(goal_id: str, days: str, low: int, high: int) -> None:
    goal = GOALS[goal_id]
    assert ",".join(WEEKDAY_NAMES[d] for d in goal.weekdays) == days
    assert (goal.min_per_week, goal.max_per_week) == (low, high)
    # Gains show by weeks 3-4 and plateau around weeks 4-5 of a fixed dose.
    assert 3 <= goal.default_weeks <= 6


@pytest.mark.parametrize("goal_id", sorted(GOALS))
def test_every_level_compiles_inside_the_exercise_ranges(goal_id: str) -> None:
    from hipcoach.domain.adapt import adapt_routine

    goal = GOALS[goal_id]
    routine = adapt_routine(LIBRARY.routine(goal.routine_id), goal.adjustments, LIBRARY)
    for level in goal.levels:
        assert level.effort_cap is not None
        assert LIMITS["effort_cap"][0] <= level.effort_cap <= EFFORT_CEILING
        timeline = compile_routine(routine, LIBRARY, level.options())
        for segment in timeline.segments:
            exercise = LIBRARY.exercise(segment.exercise_id)
            span = exercise.dose.seconds_range
            if segment.kind.value == "hold" and span:
                assert span[0] <= segment.duration <= span[1], (goal_id, exercise.id)
            if segment.reps is not None and exercise.dose.reps_range:
                low, high = exercise.dose.reps_range
                assert low <= segment.reps <= high, (goal_id, exercise.id)


def test_pry_steps_stay_within_the_rules_step_size() -> None:
    """One level up adds at most the rule book's step: +5 s on a hold, or one round."""
    step = load_rules_from(RULES_FILE).progression
    for goal in GOALS.values():
        for before, after in itertools.pairwise(goal.levels):
            for exercise_id, dose in after.per_exercise.items():
                if LIBRARY.exercise(exercise_id).category is not Category.ISOMETRIC:
                    continue
                old = before.per_exercise[exercise_id]
                longer = (dose.seconds or 0) - (old.seconds or 0)
                more = (dose.rounds or 0) - (old.rounds or 0)
                assert 0 <= longer <= step.hold_seconds, (goal.id, exercise_id)
                assert 0 <= more <= step.rounds, (goal.id, exercise_id)
                assert not (longer and more), f"{goal.id}: a longer hold AND another round"


def test_goal_adjustments() -> None:
    (knee,) = GOALS["knee-friendly"].adjustments
    assert knee.rule_id == "goal.knee-friendly"
    assert knee.kind is AdjustmentKind.SUBSTITUTE
    assert (knee.exercise_ids, knee.replacement) == (("90-90-setup",), "90-90-setup-heels-closer")
    er_only = LIBRARY.routine(GOALS["irritable-hip"].routine_id)
    backs = {LIBRARY.exercise(s.exercise_id).back_hip for s in er_only.steps}
    assert Rotation.INTERNAL not in backs
    modes = {LIBRARY.exercise(s.exercise_id).dose.mode for s in er_only.steps}
    assert DoseMode.HOLD in modes


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = GOALS_FILE.read_text()
    assert old in text, old
    path = tmp_path / "goals.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "goal_id", "field", "problem"),
    [
        (
            'routine = "morning-pry"',
            'routine = "evening-pry"',
            "unlock-stiff-hips",
            "goal.0.routine",
            "routine 'evening-pry', which does not exist",
        ),
        (
            "seconds = 15, rounds = 5",
            "seconds = 20, rounds = 5",
            "unlock-stiff-hips",
            "goal.0.levels.4",
            "seconds 20 lies outside contralateral-pry's range 10-15",
        ),
        (
            "seconds = 60\nreps = 10",
            "seconds = 61\nreps = 10",
            "jammed-hips",
            "goal.1.levels.3",
            "seconds 61 lies outside er-stretch's range 30-60",
        ),
        (
            "effort_cap = 80",
            "effort_cap = 90",
            "unlock-stiff-hips",
            "goal.0.levels.4.effort_cap",
            "less than or equal to 80",
        ),
        (
            'weekdays = ["mon", "wed", "fri"]',
            'weekdays = ["mon", "funday", "fri"]',
            "jammed-hips",
            "goal.1.weekdays.1",
            "Input should be",
        ),
        (
            'weekdays = ["mon", "wed", "fri"]',
            'weekdays = ["mon"]',
            "jammed-hips",
            "goal.1",
            "1 default weekdays lie outside [3, 4]",
        ),
        (
            "seconds = 12, rounds = 3 } }",
            "seconds = 10, rounds = 2 } }",
            "unlock-stiff-hips",
            "goal.0.levels.1",
            "contralateral-pry rounds gets easier",
        ),
        (
            "{ contralateral-pry = { seconds = 10, rounds = 3 } }",
            "{ active-ir = { reps = 6 } }",
            "unlock-stiff-hips",
            "goal.0.levels.0",
            "which routine 'morning-pry' does not use",
        ),
        (
            'replacement = "90-90-setup-heels-closer"',
            'replacement = "90-90-throne"',
            "knee-friendly",
            "goal.5.adjustments.0",
            "exercise '90-90-throne'",
        ),
        (
            "default_weeks = 4",
            "default_weeks = 0",
            "jammed-hips",
            "goal.1.default_weeks",
            "greater than or equal to 1",
        ),
        ('id = "jammed-hips"', 'id = "unlock-stiff-hips"', None, "goal", "share an id"),
    ],
)
def test_a_broken_goal_names_file_id_and_field(
    tmp_path: Path, old: str, new: str, goal_id: str | None, field: str | None, problem: str
) -> None:
    with pytest.raises(LibraryError) as caught:
        load_goals(LIBRARY, _broken(tmp_path, old, new))
    error = caught.value
    assert error.file.endswith("goals.toml")
    assert (error.item_id, error.field) == (goal_id, field)
    assert problem in error.problem


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "goals.toml"
    path.write_text("[[goal]\nid = ")
    with pytest.raises(LibraryError, match="not valid TOML"):
        load_goals(LIBRARY, path)
