"""Adjustments applied to routines, effort caps, and splicing a changed plan into a session."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.domain.adapt import adapt_routine
from hipcoach.domain.compiler import CompileOptions, compile_routine
from hipcoach.domain.decisions import Adjustment, AdjustmentKind, Decision, Verdict
from hipcoach.domain.exercise import Category
from hipcoach.domain.routine import Side
from hipcoach.domain.timeline import SegmentKind
from tests.domain.factories import make_exercise, make_library, pry_library

DROP_IR = Adjustment("pinch", "pinch at the back hip", AdjustmentKind.DROP_EXERCISES, ("lift",))
PRY_TO_PRESS = Adjustment(
    "pinch", "pinch at the back hip", AdjustmentKind.SUBSTITUTE, ("pry",), "press-rounds"
)
CAP = Adjustment("pinch", "pinch", AdjustmentKind.CAP_EFFORT, effort_percent=40)


def pinch_library():  # type: ignore[no-untyped-def]
    library, routine = pry_library()
    rounds = make_exercise("press-rounds", seconds=12, rounds=3, rest_seconds=10)
    return make_library(*library.exercises.values(), rounds, routines=(routine,)), routine


def test_drop_and_substitute_keep_the_order_and_the_origin() -> None:
    library, routine = pinch_library()
    adapted = adapt_routine(routine, (DROP_IR, PRY_TO_PRESS), library)
    assert [s.exercise_id for s in adapted.steps] == ["setup", "press", "press-rounds"]
    assert [s.origin for s in adapted.steps] == [0, 1, 3]
    # The swapped-in step still rides on the press, as the pry did.
    assert adapted.steps[2].continuous


def test_a_continuous_step_left_after_the_setup_starts_cold() -> None:
    library, routine = pinch_library()
    drop_press = Adjustment("x", "y", AdjustmentKind.DROP_EXERCISES, ("press",))
    adapted = adapt_routine(routine, (drop_press,), library)
    assert [s.exercise_id for s in adapted.steps] == ["setup", "lift", "pry"]
    assert not adapted.steps[1].continuous
    assert adapted.steps[2].continuous


def test_a_swap_onto_the_step_before_merges_into_one() -> None:
    library, routine = pinch_library()
    pry_to_lift = Adjustment("x", "y", AdjustmentKind.SUBSTITUTE, ("pry",), "lift")
    adapted = adapt_routine(routine, (pry_to_lift,), library)
    assert [s.exercise_id for s in adapted.steps] == ["setup", "press", "lift"]


def test_a_swap_across_dose_modes_drops_step_doses_it_cannot_take() -> None:
    library, routine = pinch_library()
    active = make_exercise("active", Category.ACTIVE)
    library = make_library(*library.exercises.values(), active, routines=(routine,))
    swap = Adjustment("x", "y", AdjustmentKind.SUBSTITUTE, ("press",), "active")
    stepped = replace(routine, steps=(routine.steps[0], replace(routine.steps[1], seconds=15)))
    adapted = adapt_routine(stepped, (swap,), library)
    assert adapted.steps[1].exercise_id == "active"
    assert adapted.steps[1].seconds is None
    assert adapted.steps[1].origin == 1


def test_effort_cap_reaches_every_contraction_and_only_those() -> None:
    library, routine = pinch_library()
    timeline = compile_routine(routine, library, CompileOptions(effort_cap=40))
    for s in timeline.segments:
        effortful = s.kind in (SegmentKind.HOLD, SegmentKind.GET_READY)
        assert (s.effort_cap == 40) == effortful
        if effortful:
            assert s.cue.endswith("Effort: no more than 40%.")
    assert Decision(Verdict.REGRESS, (DROP_IR, CAP)).effort_cap == 40


def test_splice_keeps_what_was_done_and_restarts_the_step_in_its_adapted_form() -> None:
    library, routine = pinch_library()
    options = CompileOptions()
    original = compile_routine(routine, library, options)
    at = next(
        s.index
        for s in original.segments
        if s.exercise_id == "pry" and s.round == 2 and s.kind is SegmentKind.HOLD
    )
    adapted = compile_routine(
        adapt_routine(routine, (DROP_IR, PRY_TO_PRESS), library),
        library,
        replace(options, effort_cap=40),
    )
    spliced = original.splice(at, adapted)
    assert spliced.segments[:at] == original.segments[:at]
    tail = spliced.segments[at:]
    assert tail[0].exercise_id == "press-rounds"
    assert tail[0].round == 1
    assert tail[0].side is Side.RIGHT
    assert {s.exercise_id for s in tail} <= {"setup", "press", "press-rounds"}
    assert any(s.kind is SegmentKind.SWITCH_SIDES for s in tail)
    for before, after in zip(spliced.segments, spliced.segments[1:], strict=False):
        assert after.start == before.end
    assert [s.index for s in spliced.segments] == list(range(len(spliced.segments)))


def test_splice_during_the_switch_keeps_the_switch() -> None:
    library, routine = pinch_library()
    original = compile_routine(routine, library)
    at = next(s.index for s in original.segments if s.kind is SegmentKind.SWITCH_SIDES)
    adapted = compile_routine(adapt_routine(routine, (DROP_IR,), library), library)
    spliced = original.splice(at, adapted)
    assert spliced.segments[at].kind is SegmentKind.SWITCH_SIDES
    assert all(s.side is Side.LEFT for s in spliced.segments[at:])
    assert "lift" not in {s.exercise_id for s in spliced.segments[at:]}


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_splicing_the_same_plan_restarts_the_current_step(data: st.DataObject) -> None:
    library, routine = pinch_library()
    timeline = compile_routine(routine, library)
    at = data.draw(st.integers(0, len(timeline.segments) - 1))
    spliced = timeline.splice(at, timeline)
    anchor = timeline.segments[at]
    first_of_step = next(
        s.index for s in timeline.segments if (s.side, s.step) == (anchor.side, anchor.step)
    )
    shape = [(s.kind, s.exercise_id, s.duration, s.round) for s in spliced.segments[at:]]
    assert shape == [
        (s.kind, s.exercise_id, s.duration, s.round) for s in timeline.segments[first_of_step:]
    ]
    assert spliced.total_seconds == sum(s.duration for s in spliced.segments)
