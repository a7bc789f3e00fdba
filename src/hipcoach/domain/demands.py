"""Movement demands: what an exercise asks of the hip, and what the rules in force forbid.

Each exercise names its demands in its TOML file (bending a hip past a right
angle, leaning over the front leg, turning the back hip in to the end of its
range, ...), from a small closed vocabulary (library/demands.toml). A screen
flag or a rule forbids demands rather than listing exercises, so a new
exercise, a new routine or a swapped step cannot slip past a precaution: what
a rule forbids is left out wherever it turns up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hipcoach.domain.decisions import Adjustment, AdjustmentKind
from hipcoach.domain.exercise import Demand, Exercise
from hipcoach.domain.library import Library
from hipcoach.domain.timeline import Segment, SessionTimeline

__all__ = [
    "Demand",
    "breaks",
    "demand_names",
    "exercises_with",
    "forbidden_demands",
    "violations",
]


def forbidden_demands(adjustments: Iterable[Adjustment]) -> frozenset[str]:
    """Every demand that the adjustments in force forbid, together."""
    return frozenset(
        d for a in adjustments if a.kind is AdjustmentKind.FORBID_DEMANDS for d in a.demands
    )


def breaks(exercise: Exercise, forbidden: frozenset[str]) -> frozenset[str]:
    """The forbidden demands this exercise makes (empty when it may be done)."""
    return exercise.demands & forbidden


def exercises_with(
    library: Library, demands: Iterable[str], among: Iterable[str] | None = None
) -> tuple[Exercise, ...]:
    """The exercises (of `among`, or the whole library) that make any of these demands."""
    wanted = frozenset(demands)
    ids = list(dict.fromkeys(among)) if among is not None else list(library.exercises)
    found = [library.exercises[i] for i in ids if i in library.exercises]
    return tuple(e for e in found if e.demands & wanted)


def violations(
    timeline: SessionTimeline | Iterable[Segment],
    library: Library,
    forbidden: frozenset[str],
) -> tuple[Segment, ...]:
    """Segments that serve an exercise whose demands an active rule forbids.

    Every kind counts: a get-ready or set-up for a forbidden exercise announces
    work the person must not do. An exercise the library does not hold counts
    too, since nothing can vouch for it.
    """
    segments = timeline.segments if isinstance(timeline, SessionTimeline) else tuple(timeline)
    found: list[Segment] = []
    for segment in segments:
        exercise = library.exercises.get(segment.exercise_id)
        if exercise is None or exercise.demands & forbidden:
            found.append(segment)
    return tuple(found)


def demand_names(vocabulary: Mapping[str, Demand], demands: Iterable[str]) -> list[str]:
    """The plain-words names of these demands, in vocabulary order (unknown ids as they are)."""
    wanted = set(demands)
    named = [d.name for i, d in vocabulary.items() if i in wanted]
    return named + sorted(i.replace("-", " ") for i in wanted - set(vocabulary))
