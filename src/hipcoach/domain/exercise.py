"""Exercises as plain values: what a movement is, how it is dosed, what it does to each hip."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """What kind of work an exercise is; the compiler times each kind differently."""

    POSITION = "position"  # getting into and holding a start position
    ISOMETRIC = "isometric"  # a contraction held in place (PAILs, RAILs, the pry)
    STRETCH = "stretch"  # a passive end-range hold
    ACTIVE = "active"  # moving repetitions with a tempo


class DoseMode(StrEnum):
    """How a dose is counted: time to set up, timed holds, or repetitions."""

    POSITION = "position"
    HOLD = "hold"
    REPS = "reps"


class Rotation(StrEnum):
    """What one hip does during an exercise."""

    EXTERNAL = "external"
    INTERNAL = "internal"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class Tempo:
    """Seconds per phase of one repetition: going out, pausing, coming back."""

    out: int
    pause: int
    back: int

    @property
    def total(self) -> int:
        return self.out + self.pause + self.back


@dataclass(frozen=True)
class Dose:
    """The default dose of an exercise, per side."""

    mode: DoseMode
    seconds: int  # set-up time for POSITION, hold length for HOLD; unused for REPS
    rounds: int = 1
    rest_seconds: int = 0
    reps: int = 0
    tempo: Tempo | None = None
    seconds_range: tuple[int, int] | None = None  # the span the method allows
    reps_range: tuple[int, int] | None = None
    effort_percent: int | None = None  # share of maximal effort, where it matters


@dataclass(frozen=True)
class Sensation:
    """Where something should be felt and what it feels like."""

    where: str
    what: str


@dataclass(frozen=True)
class Demand:
    """One kind of movement load on the hip, with the words a person reads for it.

    The vocabulary is data (library/demands.toml); rules forbid demands, and
    exercises say which they make (see hipcoach.domain.demands).
    """

    id: str
    name: str  # short, reads after "leaves out": "leaning over the front leg"
    meaning: str  # what it is, in a sentence or two


@dataclass(frozen=True)
class SourceArticle:
    """The article a movement or dose comes from."""

    id: str
    title: str


@dataclass(frozen=True)
class Exercise:
    """One movement of the method, with everything a coach would say about it."""

    id: str
    name: str
    purpose: str
    category: Category
    setup: tuple[str, ...]
    action: tuple[str, ...]
    breathing: str
    effort: str
    feel: tuple[Sensation, ...]
    mistakes: tuple[str, ...]
    safety: tuple[str, ...]
    dose: Dose
    front_hip: Rotation
    back_hip: Rotation
    source: SourceArticle
    cue: str  # the one line shown during the work
    spoken: str  # what the voice says as the work starts
    regressions: tuple[str, ...] = ()
    progressions: tuple[str, ...] = ()
    variant_of: str | None = None  # set on regressions: the exercise they make easier
    tags: tuple[str, ...] = ()
    # What the movement asks of the hip (ids from library/demands.toml): the rules
    # in force leave out any exercise that makes a demand they forbid.
    demands: frozenset[str] = frozenset()
