"""The compiler: exact timings for a known routine, then properties over generated ones."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.domain.compiler import LIMITS, CompileOptions, DoseOverride, compile_routine
from hipcoach.domain.errors import InvalidOverrideError, UnknownIdError
from hipcoach.domain.exercise import Category, Tempo
from hipcoach.domain.routine import RoutineStep, Side
from hipcoach.domain.timeline import SegmentKind, SessionTimeline
from tests.domain.factories import make_exercise, make_library, make_routine, pry_library

K = SegmentKind


def kinds(timeline: SessionTimeline, side: Side | None = None) -> list[str]:
    return [s.kind.value for s in timeline.segments if side is None or s.side is side]


def test_pry_routine_compiles_to_the_expected_sequence() -> None:
    library, routine = pry_library()
    timeline = compile_routine(routine, library)
    right = [
        (s.kind, s.exercise_id, s.duration, s.round)
        for s in timeline.segments
        if s.side is Side.RIGHT
    ]
    assert right == [
        (K.SETUP, "setup", 20, None),
        (K.TRANSITION, "press", 5, None),
        (K.GET_READY, "press", 5, 1),
        (K.HOLD, "press", 10, 1),
        (K.HOLD, "lift", 10, 1),  # continuous: straight on, no get-ready
        (K.HOLD, "pry", 12, 1),
        (K.REST, "pry", 10, 2),
        (K.GET_READY, "pry", 5, 2),
        (K.HOLD, "pry", 12, 2),
        (K.REST, "pry", 10, 3),
        (K.GET_READY, "pry", 5, 3),
        (K.HOLD, "pry", 12, 3),
    ]
    per_side = sum(d for _, _, d, _ in right)
    assert timeline.total_seconds == 2 * per_side + 10  # one switch between sides
    switch = [s for s in timeline.segments if s.kind is K.SWITCH_SIDES]
    assert len(switch) == 1
    assert switch[0].side is Side.LEFT
    assert "left leg in front" in switch[0].text


def test_holds_beep_in_their_last_three_seconds_and_nothing_else_beeps() -> None:
    library, routine = pry_library()
    timeline = compile_routine(routine, library)
    for segment in timeline.segments:
        assert segment.beep_seconds == (3 if segment.kind is K.HOLD else 0)


def test_reps_follow_the_tempo() -> None:
    active = make_exercise("active", Category.ACTIVE, reps=4, tempo=Tempo(3, 1, 3))
    routine = make_routine("r", RoutineStep("active"), sides=(Side.RIGHT,))
    timeline = compile_routine(routine, make_library(active))
    reps = [s for s in timeline.segments if s.kind is K.REP]
    assert [s.rep for s in reps] == [1, 2, 3, 4]
    assert all(s.duration == 7 and s.reps == 4 for s in reps)
    assert reps[0].cue == "out 3 s, hold 1 s, back 3 s"


def test_one_side_only() -> None:
    library, routine = pry_library()
    timeline = compile_routine(routine, library, CompileOptions(sides=(Side.LEFT,)))
    assert {s.side for s in timeline.segments} == {Side.LEFT}
    assert K.SWITCH_SIDES.value not in kinds(timeline)


def test_global_hold_override_leaves_setup_alone() -> None:
    library, routine = pry_library()
    timeline = compile_routine(routine, library, CompileOptions(dose=DoseOverride(seconds=15)))
    assert {s.duration for s in timeline.segments if s.kind is K.HOLD} == {15}
    assert [s.duration for s in timeline.segments if s.kind is K.SETUP] == [20, 20]


def test_per_exercise_override_beats_the_global_one() -> None:
    library, routine = pry_library()
    options = CompileOptions(
        dose=DoseOverride(seconds=15, rounds=2),
        per_exercise={"pry": DoseOverride(seconds=14, rounds=5)},
    )
    timeline = compile_routine(routine, library, options)
    pry_holds = [s for s in timeline.segments if s.kind is K.HOLD and s.exercise_id == "pry"]
    assert len(pry_holds) == 10  # 5 rounds, 2 sides
    assert {s.duration for s in pry_holds} == {14}
    press = [s for s in timeline.segments if s.kind is K.HOLD and s.exercise_id == "press"]
    assert len(press) == 4
    assert {s.duration for s in press} == {15}


def test_options_round_trip_through_a_dict() -> None:
    options = CompileOptions(
        sides=(Side.LEFT, Side.RIGHT),
        dose=DoseOverride(seconds=12, reps=6),
        per_exercise={"pry": DoseOverride(rounds=4)},
        get_ready_seconds=3,
    )
    assert CompileOptions.from_dict(options.to_dict()) == options


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (CompileOptions(dose=DoseOverride(seconds=-5)), "seconds must be between 3 and 300"),
        (CompileOptions(dose=DoseOverride(seconds=0)), "seconds must be between 3 and 300"),
        (CompileOptions(dose=DoseOverride(seconds=86_400)), "seconds must be between 3 and 300"),
        (CompileOptions(dose=DoseOverride(rounds=0)), "rounds must be between 1 and 10"),
        (CompileOptions(dose=DoseOverride(rounds=500)), "rounds must be between 1 and 10"),
        (CompileOptions(dose=DoseOverride(reps=-1)), "reps must be between 1 and 30"),
        (CompileOptions(dose=DoseOverride(rest_seconds=-1)), "rest_seconds must be between"),
        (CompileOptions(get_ready_seconds=99), "get_ready_seconds must be between 0 and 30"),
        (CompileOptions(dose=DoseOverride(seconds=True)), "seconds must be a whole number"),
        (CompileOptions(dose=DoseOverride(seconds=10.5)), "seconds must be a whole number"),  # type: ignore[arg-type]
        (CompileOptions(sides=()), "at least one side"),
        (CompileOptions(sides=(Side.LEFT, Side.LEFT)), "each side may be listed once"),
        (CompileOptions(per_exercise={"pry": DoseOverride(rounds=0)}), "pry: rounds must be"),
    ],
)
def test_invalid_options_are_refused_with_a_clear_message(
    options: CompileOptions, message: str
) -> None:
    library, routine = pry_library()
    with pytest.raises(InvalidOverrideError, match=message):
        compile_routine(routine, library, options)


def test_override_for_an_exercise_outside_the_routine_is_refused() -> None:
    library, routine = pry_library()
    extra = make_library(*library.exercises.values(), make_exercise("other"))
    with pytest.raises(InvalidOverrideError, match="does not use"):
        compile_routine(routine, extra, CompileOptions(per_exercise={"other": DoseOverride()}))
    with pytest.raises(UnknownIdError, match="no exercise called 'nope'"):
        compile_routine(routine, library, CompileOptions(per_exercise={"nope": DoseOverride()}))


# --- properties over generated libraries, routines and options ---------------------------


@st.composite
def routines_with_library(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    count = draw(st.integers(1, 5))
    exercises = []
    for i in range(count):
        category = draw(st.sampled_from(list(Category)))
        exercises.append(
            make_exercise(
                f"ex-{i}",
                category,
                seconds=draw(st.integers(3, 90)),
                rounds=draw(st.integers(1, 4)),
                rest_seconds=draw(st.integers(0, 20)),
                reps=draw(st.integers(1, 10)),
                tempo=Tempo(
                    draw(st.integers(1, 4)), draw(st.integers(0, 3)), draw(st.integers(1, 4))
                ),
            )
        )
    steps = []
    for n in range(draw(st.integers(1, 6))):
        exercise = draw(st.sampled_from(exercises))
        steps.append(
            RoutineStep(
                exercise.id,
                seconds=draw(st.none() | st.integers(3, 60)),
                rounds=draw(st.none() | st.integers(1, 4)),
                continuous=n > 0 and draw(st.booleans()),
            )
        )
    sides = draw(st.sampled_from([(Side.RIGHT, Side.LEFT), (Side.LEFT, Side.RIGHT)]))
    routine = make_routine(
        "gen",
        *steps,
        sides=sides,
        get_ready=draw(st.integers(0, 10)),
        switch=draw(st.integers(1, 15)),
        transition=draw(st.integers(0, 10)),
    )
    return make_library(*exercises, routines=(routine,)), routine


overrides = st.builds(
    DoseOverride,
    seconds=st.none() | st.integers(*LIMITS["seconds"]),
    rounds=st.none() | st.integers(*LIMITS["rounds"]),
    rest_seconds=st.none() | st.integers(*LIMITS["rest_seconds"]),
    reps=st.none() | st.integers(*LIMITS["reps"]),
)


@settings(max_examples=200, deadline=None)
@given(routines_with_library(), overrides, st.none() | st.integers(0, 30))
def test_timeline_properties(generated, dose: DoseOverride, get_ready: int | None) -> None:  # type: ignore[no-untyped-def]
    library, routine = generated
    timeline = compile_routine(
        routine, library, CompileOptions(dose=dose, get_ready_seconds=get_ready)
    )
    segments = timeline.segments
    # No gaps, no overlaps, nothing empty, indices in order.
    assert segments[0].start == 0
    for before, after in itertools.pairwise(segments):
        assert after.start == before.end
    assert all(s.duration > 0 for s in segments)
    assert [s.index for s in segments] == list(range(len(segments)))
    # The total is the sum of its parts.
    assert timeline.total_seconds == sum(s.duration for s in segments)
    # Every referenced exercise exists.
    assert all(s.exercise_id in library.exercises for s in segments)

    # The sides mirror each other.
    def shape(side: Side) -> list[tuple[object, ...]]:
        return [
            (s.kind, s.exercise_id, s.duration, s.round, s.rep, s.cue)
            for s in segments
            if s.side is side and s.kind is not K.SWITCH_SIDES
        ]

    assert shape(Side.RIGHT) == shape(Side.LEFT)
    assert sum(1 for s in segments if s.kind is K.SWITCH_SIDES) == 1
    # Overrides are respected.
    if dose.seconds is not None:
        assert {s.duration for s in segments if s.kind is K.HOLD} <= {dose.seconds}
    if dose.rounds is not None:
        per_step: Counter[tuple[int, str]] = Counter()
        for s in segments:
            if s.kind in (K.HOLD, K.REP) and s.side is routine.sides[0] and s.rep in (None, 1):
                per_step[(s.round or 0, s.exercise_id)] += 1
        worked = {s.exercise_id for s in segments if s.kind in (K.HOLD, K.REP)}
        for exercise_id in worked:
            rounds_seen = {r for (r, e) in per_step if e == exercise_id}
            assert rounds_seen == set(range(1, dose.rounds + 1))
    if dose.reps is not None:
        assert {s.reps for s in segments if s.kind is K.REP} <= {dose.reps}
    if get_ready is not None:
        assert {s.duration for s in segments if s.kind is K.GET_READY} <= {get_ready}
    # Deterministic: the same input compiles to the same fingerprint.
    options = CompileOptions(dose=dose, get_ready_seconds=get_ready)
    again = compile_routine(routine, library, options)
    assert again.fingerprint() == timeline.fingerprint()


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["seconds", "rounds", "rest_seconds", "reps"]),
    st.integers(-10_000, 10_000),
)
def test_out_of_range_overrides_are_always_refused(name: str, value: int) -> None:
    library, routine = pry_library()
    low, high = LIMITS[name]
    options = CompileOptions(dose=DoseOverride(**{name: value}))
    if low <= value <= high:
        compile_routine(routine, library, options)
    else:
        with pytest.raises(InvalidOverrideError, match=name):
            compile_routine(routine, library, options)
