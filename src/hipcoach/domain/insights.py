"""What the measurements say: trends, side-to-side differences, norms, phases, score series.

Pure functions over plain values. Two rules from the measurement literature
shape everything here: a change counts as real only at or beyond the
detectable-change threshold, and readings taken with different methods or
in different positions never share a line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from hipcoach.domain.measurements import HipSide, Method, Movement, Position, RomMeasurement
from hipcoach.domain.norms import (
    Band,
    BandStatus,
    NormRange,
    Norms,
    PairKey,
    Thresholds,
    normal_range_position,
    rotation_arc,
)

LineKey = tuple[HipSide, Movement, Method, Position]

__all__ = [
    "Asymmetry",
    "Band",
    "BandStatus",
    "Direction",
    "NormRange",
    "Norms",
    "Phase",
    "PhaseComparison",
    "SeriesSummary",
    "Thresholds",
    "Trend",
    "TrendPoint",
    "asymmetry",
    "blocks",
    "normal_range_position",
    "phase_comparison",
    "rom_trends",
    "rotation_arc",
    "series_summary",
]


class Direction(StrEnum):
    """Which way a line went from its first point to its last."""

    UP = "up"
    DOWN = "down"
    FLAT = "flat"


@dataclass(frozen=True)
class TrendPoint:
    """One reading on a trend line; `real` when it differs from the first by the threshold."""

    measured_at: datetime
    degrees: float
    real: bool


@dataclass(frozen=True)
class Trend:
    """One side's one movement, taken one way, from its first reading to its latest."""

    side: HipSide
    movement: Movement
    method: Method
    position: Position
    points: tuple[TrendPoint, ...]
    threshold: float

    @property
    def first(self) -> float:
        return self.points[0].degrees

    @property
    def last(self) -> float:
        return self.points[-1].degrees

    @property
    def change(self) -> float:
        return round(self.last - self.first, 1)

    @property
    def real_change(self) -> bool:
        """True only when the change reaches the detectable-change threshold."""
        return len(self.points) > 1 and abs(self.change) >= self.threshold

    @property
    def direction(self) -> Direction:
        if self.change > 0:
            return Direction.UP
        return Direction.DOWN if self.change < 0 else Direction.FLAT


@dataclass(frozen=True)
class Asymmetry:
    """Left against right for one movement, from the latest day both sides were measured."""

    movement: Movement
    method: Method
    position: Position
    on: date
    left: float
    right: float
    threshold: float

    @property
    def difference(self) -> float:
        """Right minus left, in degrees."""
        return round(self.right - self.left, 1)

    @property
    def notable(self) -> bool:
        """A gap smaller than the measurement error could be noise, so it is not called."""
        return abs(self.difference) >= self.threshold

    @property
    def lower_side(self) -> HipSide | None:
        if not self.notable:
            return None
        return HipSide.LEFT if self.left < self.right else HipSide.RIGHT


@dataclass(frozen=True)
class Phase:
    """A stretch of days to compare within: a whole plan, or a 2-4 week block of it."""

    label: str
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class PhaseComparison:
    """The first and latest reading of one line inside one phase."""

    phase: Phase
    trend: Trend


@dataclass(frozen=True)
class SeriesSummary:
    """A score over time (pain, PSFS, a global rating): first, latest and the change."""

    points: tuple[tuple[datetime, float], ...]
    meaningful_change: float | None = None

    @property
    def first(self) -> float | None:
        return self.points[0][1] if self.points else None

    @property
    def last(self) -> float | None:
        return self.points[-1][1] if self.points else None

    @property
    def change(self) -> float | None:
        if len(self.points) < 2:
            return None
        return round(self.points[-1][1] - self.points[0][1], 2)

    @property
    def meaningful(self) -> bool | None:
        """Whether the change reaches the scale's meaningful change (None when unknown)."""
        if self.meaningful_change is None or self.change is None:
            return None
        return abs(self.change) >= self.meaningful_change


_EPSILON: Final = 1e-9  # readings are kept to 0.1 degree; float noise must not flip a call


def _line_key(m: RomMeasurement) -> LineKey:
    return (m.side, m.movement, m.method, m.position)


def _trend(
    key: LineKey, readings: Sequence[RomMeasurement], threshold: Thresholds | float
) -> Trend:
    side, movement, method, position = key
    limit = (
        threshold.for_line(movement, method, position)
        if isinstance(threshold, Thresholds)
        else float(threshold)
    )
    ordered = sorted(readings, key=lambda m: m.measured_at)
    first = ordered[0].degrees
    points = tuple(
        TrendPoint(m.measured_at, m.degrees, abs(m.degrees - first) + _EPSILON >= limit)
        for m in ordered
    )
    return Trend(side, movement, method, position, points, limit)


def rom_trends(
    measurements: Iterable[RomMeasurement], threshold: Thresholds | float
) -> list[Trend]:
    """One trend per side, movement, method and position, in a stable order."""
    lines: dict[LineKey, list[RomMeasurement]] = defaultdict(list)
    for m in measurements:
        lines[_line_key(m)].append(m)
    order = {v: n for n, v in enumerate([*Method, *Position, *Movement, *HipSide])}
    keys = sorted(lines, key=lambda k: (order[k[2]], order[k[3]], order[k[1]], order[k[0]]))
    return [_trend(k, lines[k], threshold) for k in keys]


def asymmetry(
    measurements: Iterable[RomMeasurement], threshold: Thresholds | float
) -> list[Asymmetry]:
    """Left against right per movement, method and position, on the latest shared day.

    Days are the readings' own dates (pass times in the person's zone). Only
    readings from the same day are compared: a left reading from March
    against a right one from May says nothing about the sides.
    """
    by_day: dict[PairKey, dict[date, dict[HipSide, RomMeasurement]]] = defaultdict(dict)
    for m in sorted(measurements, key=lambda m: m.measured_at):
        day = by_day[(m.movement, m.method, m.position)].setdefault(m.measured_at.date(), {})
        day[m.side] = m  # the day's last reading of each side wins
    found = []
    for (movement, method, position), days in by_day.items():
        both = [d for d, sides in days.items() if len(sides) == 2]
        if not both:
            continue
        on = max(both)
        limit = (
            threshold.for_line(movement, method, position)
            if isinstance(threshold, Thresholds)
            else float(threshold)
        )
        sides = days[on]
        found.append(
            Asymmetry(
                movement,
                method,
                position,
                on,
                sides[HipSide.LEFT].degrees,
                sides[HipSide.RIGHT].degrees,
                limit,
            )
        )
    order = {v: n for n, v in enumerate([*Method, *Position, *Movement])}
    return sorted(found, key=lambda a: (order[a.method], order[a.position], order[a.movement]))


def blocks(start: date, end: date, weeks: int, prefix: str = "Weeks") -> list[Phase]:
    """`start`..`end` cut into blocks of `weeks` weeks ('Weeks 1-4', 'Weeks 5-8', ...)."""
    if weeks < 1:
        raise ValueError("a block is at least one week long")
    phases = []
    first = start
    while first <= end:
        last = min(first + timedelta(weeks=weeks) - timedelta(days=1), end)
        a, b = (first - start).days // 7 + 1, (last - start).days // 7 + 1
        phases.append(Phase(f"{prefix} {a}-{b}" if b > a else f"Week {a}", first, last))
        first = last + timedelta(days=1)
    return phases


def phase_comparison(
    measurements: Iterable[RomMeasurement],
    phases: Sequence[Phase],
    threshold: Thresholds | float,
) -> list[PhaseComparison]:
    """First against latest reading of every line within each phase (lines with 2+ readings).

    Days are the readings' own dates: pass times in the person's zone.
    """
    readings = list(measurements)
    result: list[PhaseComparison] = []
    for phase in phases:
        inside = [m for m in readings if phase.start <= m.measured_at.date() <= phase.end]
        result.extend(
            PhaseComparison(phase, t) for t in rom_trends(inside, threshold) if len(t.points) > 1
        )
    return result


def series_summary(
    points: Iterable[tuple[datetime, float]], meaningful_change: float | None = None
) -> SeriesSummary:
    """A score series in time order, with the scale's meaningful change where one is known."""
    return SeriesSummary(tuple(sorted(points, key=lambda p: p[0])), meaningful_change)
