"""Typical ranges of hip rotation and the thresholds for a real change, as plain values.

The figures themselves are data (library/norms.toml), so a clinician can
change them; this module only says how a value is placed against them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from hipcoach.domain.measurements import HipSide, Method, Movement, Position, RomMeasurement

PairKey = tuple[Movement, Method, Position]


class BandStatus(StrEnum):
    """Where a value sits against the typical range."""

    BELOW = "below"
    WITHIN = "within"
    ABOVE = "above"
    NO_RANGE = "no_range"  # only a typical value is known for this measure


@dataclass(frozen=True)
class NormRange:
    """Typical values for one movement in one position (degrees)."""

    movement: Movement
    position: Position
    low: float | None
    high: float | None
    typical: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Thresholds:
    """Degrees a change must reach to count as real, per movement, method and position.

    `default` is the rule of thumb; `published` holds figures from studies for
    particular measures, used in its place only when `use_published` is set.
    """

    default: float
    published: Mapping[PairKey, float] = field(default_factory=dict)
    use_published: bool = False

    def for_line(self, movement: Movement, method: Method, position: Position) -> float:
        if self.use_published:
            return self.published.get((movement, method, position), self.default)
        return self.default


@dataclass(frozen=True)
class Norms:
    """Typical ranges, the seated rotation-arc target, and the detectable-change thresholds."""

    ranges: tuple[NormRange, ...]
    thresholds: Thresholds
    arc_low: float = 80.0
    arc_high: float = 100.0
    arc_typical: float | None = None
    notes: tuple[str, ...] = ()  # how to read a change, in words for the report

    def range_for(self, movement: Movement, position: Position) -> NormRange | None:
        for entry in self.ranges:
            if entry.movement is movement and entry.position is position:
                return entry
        return None


@dataclass(frozen=True)
class Band:
    """A value placed against the typical range for its movement and position."""

    value: float
    status: BandStatus
    low: float | None
    high: float | None
    typical: float | None


def normal_range_position(
    value: float, movement: Movement, position: Position, norms: Norms
) -> Band:
    """Where `value` sits against the typical range for the movement and position."""
    entry = norms.range_for(movement, position)
    if entry is None or entry.low is None or entry.high is None:
        typical = entry.typical if entry else None
        return Band(value, BandStatus.NO_RANGE, None, None, typical)
    if value < entry.low:
        status = BandStatus.BELOW
    elif value > entry.high:
        status = BandStatus.ABOVE
    else:
        status = BandStatus.WITHIN
    return Band(value, status, entry.low, entry.high, entry.typical)


def rotation_arc(ir: float, er: float, norms: Norms) -> Band:
    """The total seated rotation arc (IR + ER) against its target range."""
    arc = round(ir + er, 1)
    if arc < norms.arc_low:
        status = BandStatus.BELOW
    elif arc > norms.arc_high:
        status = BandStatus.ABOVE
    else:
        status = BandStatus.WITHIN
    return Band(arc, status, norms.arc_low, norms.arc_high, norms.arc_typical)


@dataclass(frozen=True)
class Arc:
    """One side's total seated rotation (IR + ER) from the latest day both were measured."""

    side: HipSide
    method: Method
    on: date
    band: Band


def rotation_arcs(measurements: Iterable[RomMeasurement], norms: Norms) -> list[Arc]:
    """Each side's seated arc per method, from the latest day with both IR and ER.

    Days are the readings' own dates (pass times in the person's zone); the arc
    target is for sitting, so other positions are left out.
    """
    days: dict[tuple[HipSide, Method], dict[date, dict[Movement, float]]] = {}
    for m in sorted(measurements, key=lambda m: m.measured_at):
        if m.position is Position.SEATED:
            line = days.setdefault((m.side, m.method), {})
            line.setdefault(m.measured_at.date(), {})[m.movement] = m.degrees
    arcs = []
    for (side, method), by_day in sorted(days.items()):
        both = [d for d, moves in by_day.items() if len(moves) == 2]
        if both:
            on = max(both)
            moves = by_day[on]
            band = rotation_arc(
                moves[Movement.INTERNAL_ROTATION], moves[Movement.EXTERNAL_ROTATION], norms
            )
            arcs.append(Arc(side, method, on, band))
    return arcs
