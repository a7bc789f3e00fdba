"""Hand-made timelines and a driver loop for player tests; no shipped content involved."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from hipcoach.domain.compiler import compile_routine
from hipcoach.domain.exercise import (
    Category,
    Dose,
    DoseMode,
    Exercise,
    Tempo,
)
from hipcoach.domain.library import Library
from hipcoach.domain.routine import Routine, RoutineStep, Side
from hipcoach.domain.timeline import Segment, SegmentKind, SessionTimeline
from hipcoach.player.clock import FakeClock
from hipcoach.player.events import PlayerEvent
from hipcoach.player.runner import SessionRunner
from tests.domain import factories


def make_exercise(exercise_id: str, name: str, dose: Dose, category: Category) -> Exercise:
    return replace(
        factories.make_exercise(exercise_id, category),
        name=name,
        dose=dose,
        setup=("Sit tall in 90/90.",),
        cue=f"{name}: the cue.",
        spoken=f"{name}, go.",
    )


def tiny_timeline(sides: tuple[Side, ...] = (Side.RIGHT, Side.LEFT)) -> SessionTimeline:
    """A press held twice with a rest, then two quick reps of a lift, on each side (60 s)."""
    press = make_exercise(
        "press",
        "ER press",
        Dose(DoseMode.HOLD, seconds=5, rounds=2, rest_seconds=3),
        Category.ISOMETRIC,
    )
    lift = make_exercise(
        "lift",
        "IR lift",
        Dose(DoseMode.REPS, seconds=0, reps=2, tempo=Tempo(1, 0, 1)),
        Category.ACTIVE,
    )
    routine = Routine(
        id="tiny",
        name="Tiny routine",
        summary="s",
        when="w",
        sources=("000",),
        steps=(RoutineStep("press"), RoutineStep("lift")),
        sides=sides,
        get_ready_seconds=3,
        switch_seconds=4,
        transition_seconds=2,
    )
    library = Library(exercises={"press": press, "lift": lift}, routines={"tiny": routine})
    return compile_routine(routine, library)


def hand_timeline(
    durations: Sequence[int], kinds: Sequence[SegmentKind] | None = None, beep: int = 3
) -> SessionTimeline:
    """Back-to-back segments of the given lengths; holds beep for `beep` seconds (capped)."""
    kinds = kinds or [SegmentKind.HOLD] * len(durations)
    segments = []
    start = 0
    for index, (duration, kind) in enumerate(zip(durations, kinds, strict=True)):
        segments.append(
            Segment(
                index=index,
                start=start,
                duration=duration,
                kind=kind,
                exercise_id="x",
                exercise_name="X",
                side=Side.RIGHT,
                text=f"segment {index}",
                cue="cue",
                spoken=f"say {index}",
                beep_seconds=min(beep, duration) if kind is SegmentKind.HOLD else 0,
            )
        )
        start += duration
    return SessionTimeline("hand", "Hand made", (Side.RIGHT,), tuple(segments))


def drive(
    runner: SessionRunner,
    clock: FakeClock,
    jitter: Callable[[], float] = lambda: 0.0,
    max_polls: int = 100_000,
) -> list[tuple[float, PlayerEvent]]:
    """Play to the end as a driver would, waking `jitter()` seconds late each time.

    Returns every event with the clock reading at which poll() returned it.
    """
    if not runner.started:
        runner.start()
    seen: list[tuple[float, PlayerEvent]] = []
    for _ in range(max_polls):
        seen.extend((clock.now(), event) for event in runner.poll())
        if runner.finished and runner.next_deadline() is None:
            return seen
        deadline = runner.next_deadline()
        assert deadline is not None, "a running, unpaused session always has a deadline"
        clock.sleep_until(deadline + jitter())
    raise AssertionError("the session did not finish")
