"""Apply adjustments to a routine before it is compiled: swap steps, leave out what is forbidden.

What a rule forbids is a kind of movement (a demand, see hipcoach.domain.demands),
so the filter reads each exercise's demands, never a list of exercise ids: an
exercise added tomorrow that leans over the front leg is left out by the same
rule that leaves out the ER hinge today.
"""

from __future__ import annotations

from dataclasses import replace

from hipcoach.domain.decisions import Adjustment, AdjustmentKind
from hipcoach.domain.demands import forbidden_demands
from hipcoach.domain.exercise import DoseMode
from hipcoach.domain.library import Library
from hipcoach.domain.routine import Routine, RoutineStep


def _swap(step: RoutineStep, replacement: str, library: Library) -> RoutineStep:
    """The step with another exercise; step doses the new one cannot take are dropped."""
    new = library.exercise(replacement)
    old_mode = library.exercise(step.exercise_id).dose.mode
    if new.dose.mode is not old_mode:
        return RoutineStep(replacement, continuous=step.continuous, origin=step.origin)
    seconds = step.seconds
    span = new.dose.seconds_range
    if seconds is not None and span and not span[0] <= seconds <= span[1]:
        seconds = None
    reps = step.reps
    reps_span = new.dose.reps_range
    if reps is not None and reps_span and not reps_span[0] <= reps <= reps_span[1]:
        reps = None
    return replace(step, exercise_id=replacement, seconds=seconds, reps=reps)


def adapt_routine(
    routine: Routine, adjustments: tuple[Adjustment, ...], library: Library
) -> Routine:
    """The routine with every substitution and drop applied, in order, then the demand filter.

    Swaps come first so a rule can say "the press instead of the pry" and also
    forbid what the pry does; then every step whose exercise makes a forbidden
    demand goes, whichever rule or swap put it there. A step left without
    anything before it cannot be `continuous`; the first surviving step always
    starts cold, and a routine left with nothing but set-up positions is empty.
    Consecutive duplicates that a swap creates (the pry swapped for
    the press right after a press) merge into one.
    """
    steps = [
        s if s.origin is not None else replace(s, origin=n) for n, s in enumerate(routine.steps)
    ]
    for adjustment in adjustments:
        targets = set(adjustment.exercise_ids)
        if adjustment.kind is AdjustmentKind.DROP_EXERCISES:
            steps = [s for s in steps if s.exercise_id not in targets]
        elif adjustment.kind is AdjustmentKind.SUBSTITUTE and adjustment.replacement:
            steps = [
                _swap(s, adjustment.replacement, library) if s.exercise_id in targets else s
                for s in steps
            ]
    forbidden = forbidden_demands(adjustments)
    if forbidden:
        steps = [s for s in steps if not library.exercise(s.exercise_id).demands & forbidden]
    merged: list[RoutineStep] = []
    for step in steps:
        if merged and merged[-1].exercise_id == step.exercise_id:
            continue
        merged.append(step)
    if all(library.exercise(s.exercise_id).dose.mode is DoseMode.POSITION for s in merged):
        # Set-up positions with no work after them are no session: nothing is left to do.
        return replace(routine, steps=())
    first = merged[0]
    if first.continuous:
        merged[0] = replace(first, continuous=False)
    # A continuous step that now follows a set-up position starts cold too: the
    # press it used to ride on is gone.
    for n in range(1, len(merged)):
        before = library.exercise(merged[n - 1].exercise_id)
        if merged[n].continuous and before.dose.mode is DoseMode.POSITION:
            merged[n] = replace(merged[n], continuous=False)
    return replace(routine, steps=tuple(merged))
