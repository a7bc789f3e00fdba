"""Insights: a change is real only at the threshold, and methods and positions never mix."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipcoach.domain.insights import (
    BandStatus,
    Direction,
    NormRange,
    Norms,
    Phase,
    Thresholds,
    asymmetry,
    blocks,
    normal_range_position,
    phase_comparison,
    rom_trends,
    series_summary,
)
from hipcoach.domain.measurements import HipSide, Method, Movement, Position, RomMeasurement
from hipcoach.domain.norms import rotation_arcs

T0 = datetime(2025, 1, 6, 7, 0, tzinfo=UTC)
IR, ER = Movement.INTERNAL_ROTATION, Movement.EXTERNAL_ROTATION
LEFT, RIGHT = HipSide.LEFT, HipSide.RIGHT
INCL, GONIO = Method.INCLINOMETER, Method.GONIOMETER
SEATED, PRONE = Position.SEATED, Position.PRONE

NORMS = Norms(
    ranges=(
        NormRange(IR, SEATED, 30, 40, 38),
        NormRange(ER, SEATED, 40, 60),
        NormRange(IR, PRONE, None, None, 35),
    ),
    thresholds=Thresholds(8.0, {(IR, INCL, SEATED): 5.4}),
)


def angle(
    degrees: float,
    day: int = 0,
    side: HipSide = RIGHT,
    movement: Movement = IR,
    method: Method = INCL,
    position: Position = SEATED,
) -> RomMeasurement:
    return RomMeasurement(T0 + timedelta(days=day), side, movement, degrees, method, position)


@pytest.mark.parametrize(
    ("last", "real", "direction"),
    [
        (38.0, True, Direction.UP),  # exactly at the threshold: real
        (37.9, False, Direction.UP),  # just below: noise
        (45.0, True, Direction.UP),  # above
        (22.0, True, Direction.DOWN),  # a real loss counts too
        (22.1, False, Direction.DOWN),
        (30.0, False, Direction.FLAT),
    ],
)
def test_a_change_is_real_only_at_or_beyond_the_threshold(
    last: float, real: bool, direction: Direction
) -> None:
    (trend,) = rom_trends([angle(30.0), angle(last, day=14)], 8.0)
    assert trend.real_change is real
    assert trend.direction is direction
    assert trend.change == round(last - 30.0, 1)
    assert trend.points[-1].real is real
    assert trend.points[0].real is False or trend.change == 0


def test_one_reading_is_never_a_real_change() -> None:
    (trend,) = rom_trends([angle(30.0)], 0.1)
    assert not trend.real_change
    assert trend.change == 0


def test_the_threshold_is_data_and_can_use_the_published_figure() -> None:
    readings = [angle(30.0), angle(36.0, day=21)]
    (rule,) = rom_trends(readings, NORMS.thresholds)
    assert rule.threshold == 8.0
    assert not rule.real_change
    published = Thresholds(8.0, {(IR, INCL, SEATED): 5.4}, use_published=True)
    (sdc,) = rom_trends(readings, published)
    assert sdc.threshold == 5.4
    assert sdc.real_change
    # A line with no published figure falls back to the rule of thumb.
    (gonio,) = rom_trends([angle(30.0, method=GONIO), angle(36.0, 21, method=GONIO)], published)
    assert gonio.threshold == 8.0


def test_points_are_in_time_order_and_marked_where_a_change_is_real() -> None:
    (trend,) = rom_trends([angle(41, 28), angle(30, 0), angle(34, 14), angle(38, 21)], 8.0)
    assert [p.degrees for p in trend.points] == [30, 34, 38, 41]
    assert [p.real for p in trend.points] == [False, False, True, True]
    assert (trend.first, trend.last) == (30, 41)


def test_methods_positions_sides_and_movements_make_separate_lines() -> None:
    trends = rom_trends(
        [
            angle(30),
            angle(40, 7),
            angle(34, 3, method=GONIO),
            angle(33, 5, position=PRONE),
            angle(31, 1, side=LEFT),
            angle(45, 2, movement=ER),
        ],
        8.0,
    )
    keys = [(t.side, t.movement, t.method, t.position) for t in trends]
    assert len(keys) == len(set(keys)) == 5
    # The inclinometer line jumps 10 degrees; the goniometer reading never joins it.
    incl = next(t for t in trends if t.method is INCL and t.side is RIGHT and t.movement is IR)
    assert [p.degrees for p in incl.points if incl.position is SEATED] == [30, 40]


readings = st.builds(
    angle,
    degrees=st.floats(0, 90).map(lambda v: round(v, 1)),
    day=st.integers(0, 120),
    side=st.sampled_from(HipSide),
    movement=st.sampled_from(Movement),
    method=st.sampled_from(Method),
    position=st.sampled_from(Position),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(readings, max_size=40), st.floats(0.5, 20))
def test_every_line_shares_one_method_and_position(
    measurements: list[RomMeasurement], threshold: float
) -> None:
    trends = rom_trends(measurements, threshold)
    assert sum(len(t.points) for t in trends) == len(measurements)
    for trend in trends:
        members = [
            m
            for m in measurements
            if (m.side, m.movement, m.method, m.position)
            == (trend.side, trend.movement, trend.method, trend.position)
        ]
        assert sorted(p.degrees for p in trend.points) == sorted(m.degrees for m in members)
        times = [p.measured_at for p in trend.points]
        assert times == sorted(times)
        assert trend.real_change == (len(trend.points) > 1 and abs(trend.change) >= threshold)


def test_asymmetry_compares_the_latest_day_with_both_sides() -> None:
    found = asymmetry(
        [
            angle(30, 0, RIGHT),
            angle(40, 0, LEFT),
            angle(33, 7, RIGHT),  # only the right side on day 7
            angle(41, 14, LEFT),
            angle(32, 14, RIGHT),
        ],
        8.0,
    )
    (a,) = found
    assert a.on == (T0 + timedelta(days=14)).date()
    assert (a.left, a.right, a.difference) == (41, 32, -9)
    assert a.notable
    assert a.lower_side is RIGHT


def test_a_gap_within_measurement_error_names_no_side() -> None:
    (a,) = asymmetry([angle(30, 0, RIGHT), angle(37, 0, LEFT)], 8.0)
    assert not a.notable
    assert a.lower_side is None


def test_asymmetry_never_compares_across_methods() -> None:
    assert asymmetry([angle(30, 0, RIGHT), angle(45, 0, LEFT, method=GONIO)], 8.0) == []


@pytest.mark.parametrize(
    ("value", "movement", "position", "status"),
    [
        (29.9, IR, SEATED, BandStatus.BELOW),
        (30, IR, SEATED, BandStatus.WITHIN),
        (40, IR, SEATED, BandStatus.WITHIN),
        (40.1, IR, SEATED, BandStatus.ABOVE),
        (50, ER, SEATED, BandStatus.WITHIN),
        (35, IR, PRONE, BandStatus.NO_RANGE),
        (35, ER, Position.SUPINE, BandStatus.NO_RANGE),
    ],
)
def test_bands_place_a_value_against_the_typical_range(
    value: float, movement: Movement, position: Position, status: BandStatus
) -> None:
    band = normal_range_position(value, movement, position, NORMS)
    assert band.status is status
    if status is BandStatus.NO_RANGE:
        assert band.low is None
    else:
        assert (band.low, band.high) == ((30, 40) if movement is IR else (40, 60))


def test_prone_band_keeps_the_typical_value() -> None:
    assert normal_range_position(30, IR, PRONE, NORMS).typical == 35


def test_the_rotation_arc_adds_ir_and_er_from_one_day() -> None:
    arcs = rotation_arcs(
        [angle(30, 0), angle(45, 0, movement=ER), angle(35, 7), angle(50, 9, movement=ER)], NORMS
    )
    (arc,) = arcs
    assert arc.on == T0.date()
    assert arc.band.value == 75
    assert arc.band.status is BandStatus.BELOW


def test_blocks_cut_a_plan_into_weeks() -> None:
    start = date(2025, 1, 6)
    phases = blocks(start, start + timedelta(days=8 * 7 - 1), 4)
    assert [p.label for p in phases] == ["Weeks 1-4", "Weeks 5-8"]
    assert phases[1].start == start + timedelta(days=28)
    short = blocks(start, start + timedelta(days=30), 4)
    assert [p.label for p in short] == ["Weeks 1-4", "Week 5"]


def test_phase_comparison_is_first_against_latest_inside_each_phase() -> None:
    start = T0.date()
    phases = [
        Phase("all", start, start + timedelta(days=55)),
        *blocks(start, start + timedelta(days=55), 4),
    ]
    data = [angle(24, 0), angle(28, 14), angle(30, 27), angle(31, 28), angle(36, 55)]
    found = {p.phase.label: p.trend for p in phase_comparison(data, phases, 8.0)}
    assert (found["all"].first, found["all"].last, found["all"].real_change) == (24, 36, True)
    assert (found["Weeks 1-4"].first, found["Weeks 1-4"].last) == (24, 30)
    assert (found["Weeks 5-8"].first, found["Weeks 5-8"].last) == (31, 36)
    assert not found["Weeks 5-8"].real_change


def test_series_summary_flags_a_meaningful_psfs_change() -> None:
    points = [(T0 + timedelta(days=14), 5.5), (T0, 3.5)]
    summary = series_summary(points, 2.0)
    assert (summary.first, summary.last, summary.change) == (3.5, 5.5, 2.0)
    assert summary.meaningful is True
    assert series_summary(points[:1], 2.0).meaningful is None
    assert series_summary([(T0, 3.0), (T0 + timedelta(days=1), 4.5)], 2.0).meaningful is False
    assert series_summary([], None).first is None
