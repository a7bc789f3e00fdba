"""Small hand-made exercises and routines, so domain tests do not lean on shipped content."""

from __future__ import annotations

from hipcoach.domain.exercise import (
    Category,
    Dose,
    DoseMode,
    Exercise,
    Rotation,
    Sensation,
    SourceArticle,
    Tempo,
)
from hipcoach.domain.library import Library
from hipcoach.domain.routine import Routine, RoutineStep, Side

_MODES = {
    Category.POSITION: DoseMode.POSITION,
    Category.ISOMETRIC: DoseMode.HOLD,
    Category.STRETCH: DoseMode.HOLD,
    Category.ACTIVE: DoseMode.REPS,
}


def make_exercise(
    exercise_id: str,
    category: Category = Category.ISOMETRIC,
    *,
    seconds: int = 10,
    rounds: int = 1,
    rest_seconds: int = 0,
    reps: int = 0,
    tempo: Tempo | None = None,
) -> Exercise:
    mode = _MODES[category]
    if mode is DoseMode.REPS:
        reps = reps or 5
        tempo = tempo or Tempo(2, 1, 2)
    return Exercise(
        id=exercise_id,
        name=exercise_id.replace("-", " ").title(),
        purpose="Test purpose.",
        category=category,
        setup=("Sit tall.",),
        action=("Do the thing.",),
        breathing="Breathe.",
        effort="Moderate.",
        feel=(Sensation("hip", "work"),),
        mistakes=("Slouching.",),
        safety=("Stop on sharp pain.",),
        dose=Dose(
            mode=mode,
            seconds=seconds,
            rounds=rounds,
            rest_seconds=rest_seconds,
            reps=reps,
            tempo=tempo,
        ),
        front_hip=Rotation.EXTERNAL,
        back_hip=Rotation.NEUTRAL,
        source=SourceArticle("000", "Test"),
        cue=f"Cue for {exercise_id}",
        spoken=f"Spoken for {exercise_id}.",
    )


def make_library(*exercises: Exercise, routines: tuple[Routine, ...] = ()) -> Library:
    return Library(exercises={e.id: e for e in exercises}, routines={r.id: r for r in routines})


def make_routine(
    routine_id: str,
    *steps: RoutineStep,
    sides: tuple[Side, ...] = (Side.RIGHT, Side.LEFT),
    get_ready: int = 5,
    switch: int = 10,
    transition: int = 5,
) -> Routine:
    return Routine(
        id=routine_id,
        name=routine_id.title(),
        summary="s",
        when="w",
        sources=("000",),
        steps=steps,
        sides=sides,
        get_ready_seconds=get_ready,
        switch_seconds=switch,
        transition_seconds=transition,
    )


def pry_library() -> tuple[Library, Routine]:
    """A copy of the morning pry's shape: setup, press, lift (continuous), pry x3 (continuous)."""
    setup = make_exercise("setup", Category.POSITION, seconds=20)
    press = make_exercise("press", seconds=10)
    lift = make_exercise("lift", seconds=10)
    pry = make_exercise("pry", seconds=12, rounds=3, rest_seconds=10)
    routine = make_routine(
        "pry-routine",
        RoutineStep("setup"),
        RoutineStep("press"),
        RoutineStep("lift", continuous=True),
        RoutineStep("pry", continuous=True),
    )
    return make_library(setup, press, lift, pry, routines=(routine,)), routine
