"""Routines as plain values: an ordered list of steps, done on each side in turn."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hipcoach.domain.exercise import Tempo


class Side(StrEnum):
    """Which leg is in front. 'right' means the right leg is the front leg."""

    RIGHT = "right"
    LEFT = "left"

    @property
    def other(self) -> Side:
        return Side.LEFT if self is Side.RIGHT else Side.RIGHT


@dataclass(frozen=True)
class RoutineStep:
    """One exercise inside a routine; unset fields fall back to the exercise's dose."""

    exercise_id: str
    seconds: int | None = None
    rounds: int | None = None
    rest_seconds: int | None = None
    reps: int | None = None
    tempo: Tempo | None = None
    # Starts the moment the previous step ends, with no transition or get-ready:
    # the pry's IR lift is done "without letting go" of the ER press.
    continuous: bool = False
    # Where this step stood in the routine as written, once adjustments have
    # dropped or swapped steps; a spliced session lines its steps up by it.
    origin: int | None = None


@dataclass(frozen=True)
class Routine:
    """A named sequence of steps, worked through on every side in `sides` order."""

    id: str
    name: str
    summary: str
    when: str  # when and how often the method suggests it
    sources: tuple[str, ...]
    steps: tuple[RoutineStep, ...]
    sides: tuple[Side, ...] = (Side.RIGHT, Side.LEFT)
    get_ready_seconds: int = 5
    switch_seconds: int = 10
    transition_seconds: int = 5
    notes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
