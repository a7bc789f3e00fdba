"""The loaded library as a value: exercises and routines by id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hipcoach.domain.errors import UnknownIdError
from hipcoach.domain.exercise import Demand, Exercise
from hipcoach.domain.routine import Routine


@dataclass(frozen=True)
class Library:
    """Every exercise and routine, keyed by their stable string ids."""

    exercises: Mapping[str, Exercise]
    routines: Mapping[str, Routine]
    # The movement-demand vocabulary (library/demands.toml), in the file's order.
    demands: Mapping[str, Demand] = field(default_factory=dict)

    def exercise(self, exercise_id: str) -> Exercise:
        try:
            return self.exercises[exercise_id]
        except KeyError:
            raise UnknownIdError("exercise", exercise_id, list(self.exercises)) from None

    def routine(self, routine_id: str) -> Routine:
        try:
            return self.routines[routine_id]
        except KeyError:
            raise UnknownIdError("routine", routine_id, list(self.routines)) from None

    def dangling_references(self) -> list[tuple[str, str, str]]:
        """(owner id, field, missing id) for every reference to an exercise that is not here."""
        missing: list[tuple[str, str, str]] = []
        for exercise in self.exercises.values():
            for field_name in ("regressions", "progressions"):
                for ref in getattr(exercise, field_name):
                    if ref not in self.exercises:
                        missing.append((exercise.id, field_name, ref))
            if exercise.variant_of and exercise.variant_of not in self.exercises:
                missing.append((exercise.id, "variant_of", exercise.variant_of))
        for routine in self.routines.values():
            for step in routine.steps:
                if step.exercise_id not in self.exercises:
                    missing.append((routine.id, "steps.exercise", step.exercise_id))
        return missing
