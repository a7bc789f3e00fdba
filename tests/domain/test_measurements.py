"""Plausibility checks: what a person may record, and the messages when they may not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hipcoach.domain.errors import HipcoachError
from hipcoach.domain.measurements import (
    HipSide,
    Kind,
    MeasurementError,
    Method,
    Movement,
    Position,
    parse_psfs_item,
    parse_when,
    validate_psfs,
    validate_rom,
    validate_score,
)

NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
CET = timezone(timedelta(hours=1))


def rom(degrees: str | float = 32, side: str = "left", movement: str = "ir", **kw: object):  # type: ignore[no-untyped-def]
    args = {"method": "inclinometer", "position": "seated", "measured_at": NOW, "now": NOW}
    args.update(kw)
    return validate_rom(degrees, side, movement, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("degrees", "side", "movement", "method", "position", "expected"),
    [
        (32, "left", "ir", "inclinometer", "seated", 32.0),
        ("38.5", "right", "internal_rotation", "goniometer", "prone", 38.5),
        ("45°", "R", "ER", "phone", "sitting", 45.0),
        ("0", "left", "external", "camera", "supine", 0.0),
        ("90 deg", "left", "er", "estimate", "seated", 90.0),
        ("32,4", "left", "ir", "inclinometer", "seated", 32.4),
        (31.26, "left", "ir", "inclinometer", "seated", 31.3),
    ],
)
def test_plausible_angles_are_kept_with_their_labels(
    degrees: object, side: str, movement: str, method: str, position: str, expected: float
) -> None:
    angle = rom(degrees, side, movement, method=method, position=position)
    assert angle.degrees == expected
    assert isinstance(angle.side, HipSide)
    assert isinstance(angle.movement, Movement)
    assert isinstance(angle.method, Method)
    assert isinstance(angle.position, Position)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"degrees": 170}, "170 degrees is not a plausible hip rotation"),
        ({"degrees": 90.5}, "not a plausible hip rotation"),
        ({"degrees": -3}, "not a plausible hip rotation"),
        ({"degrees": "abc"}, "must be a number; got 'abc'"),
        ({"degrees": "nan"}, "finite number"),
        ({"degrees": float("inf")}, "finite number"),
        ({"side": "middle"}, "unknown side 'middle'; use one of: left, right"),
        ({"movement": "flexion"}, "unknown movement 'flexion'"),
        ({"method": "ruler"}, "unknown method 'ruler'"),
        ({"position": "standing"}, "unknown position 'standing'"),
        ({"measured_at": NOW + timedelta(days=2)}, "is in the future"),
        ({"measured_at": NOW + timedelta(minutes=6)}, "is in the future"),
        ({"measured_at": datetime(1024, 3, 1, tzinfo=UTC)}, "check the year"),
        ({"measured_at": datetime(2025, 3, 1)}, "needs a time zone"),
        ({"note": "x" * 501}, "at most 500 characters"),
    ],
)
def test_implausible_values_are_refused_with_a_clear_message(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(MeasurementError, match=message):
        rom(**kwargs)


def test_a_measurement_error_is_a_hipcoach_error_so_the_cli_shows_it() -> None:
    assert issubclass(MeasurementError, HipcoachError)


def test_a_little_clock_skew_is_allowed() -> None:
    assert rom(measured_at=NOW + timedelta(minutes=4)).measured_at > NOW


def test_the_message_for_ir_170_says_what_to_do() -> None:
    with pytest.raises(MeasurementError) as caught:
        rom(170, "right", "ir")
    text = str(caught.value)
    assert "right IR" in text
    assert "0-90" in text
    assert "Zero the phone" in text


@pytest.mark.parametrize(
    ("kind", "value", "side", "limits", "expected"),
    [
        (Kind.PAIN, "0", None, None, 0.0),
        (Kind.PAIN, 10, "left", None, 10.0),
        (Kind.GLOBAL_RATING, "72", None, None, 72.0),
        (Kind.GLOBAL_RATING, 100, None, None, 100.0),
        (Kind.SIT_TALL, "3", "right", (0, 4), 3.0),
    ],
)
def test_scores_in_range_are_kept(
    kind: Kind, value: object, side: str | None, limits: tuple[int, int] | None, expected: float
) -> None:
    score = validate_score(kind, value, NOW, NOW, side, limits)  # type: ignore[arg-type]
    assert score.value == expected
    assert score.unit == {"pain": "nrs", "global_rating": "percent", "sit_tall": "score"}[kind]


@pytest.mark.parametrize(
    ("kind", "value", "side", "limits", "message"),
    [
        (Kind.PAIN, 11, None, None, "pain must be a whole number from 0 to 10; got 11"),
        (Kind.PAIN, -1, None, None, "from 0 to 10"),
        (Kind.PAIN, 6.5, None, None, "whole number"),
        (Kind.GLOBAL_RATING, 101, None, None, "global rating must be a whole number from 0 to 100"),
        (Kind.SIT_TALL, 5, "left", (0, 4), "sit-tall score must be a whole number from 0 to 4"),
        (Kind.SIT_TALL, 2, None, (0, 4), "needs the side"),
        (Kind.SIT_TALL, 2, "left", None, "range comes from its data file"),
        (Kind.PAIN, 2, "up", None, "unknown side 'up'"),
        (Kind.ROM, 30, "left", None, "validate_rom"),
    ],
)
def test_scores_out_of_range_are_refused(
    kind: Kind, value: float, side: str | None, limits: tuple[int, int] | None, message: str
) -> None:
    with pytest.raises(MeasurementError, match=message):
        validate_score(kind, value, NOW, NOW, side, limits)


def test_psfs_score_is_the_mean_of_the_activities() -> None:
    response = validate_psfs([("put on socks", "6"), ("deep squat", 3)], NOW, NOW)
    assert [i.score for i in response.items] == [6, 3]
    assert response.score == 4.5


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "1 to 5 activities; got 0"),
        ([(f"activity {n}", 5) for n in range(6)], "1 to 5 activities; got 6"),
        ([("  ", 5)], "needs a name"),
        ([("socks", 11)], "whole number from 0 \\(cannot do it\\) to 10"),
        ([("socks", 4.5)], "whole number"),
        ([("socks", "lots")], "must be a number"),
        ([("Socks", 4), ("socks ", 5)], "listed twice"),
        ([("x" * 121, 4)], "at most 120 characters"),
    ],
)
def test_bad_psfs_answers_are_refused(items: list[tuple[str, object]], message: str) -> None:
    with pytest.raises(MeasurementError, match=message):
        validate_psfs(items, NOW, NOW)  # type: ignore[arg-type]


def test_psfs_items_split_on_the_last_equals_sign() -> None:
    assert parse_psfs_item("sit = cross-legged=7") == ("sit = cross-legged", "7")
    with pytest.raises(MeasurementError, match="activity=score"):
        parse_psfs_item("squat 4")


def test_when_a_bare_date_means_midday_local_and_today_means_now() -> None:
    assert parse_when("2025-03-10", NOW, CET) == datetime(2025, 3, 10, 12, 0, tzinfo=CET)
    assert parse_when("2025-03-14", NOW, CET) == NOW
    assert parse_when("2025-03-10T07:30", NOW, CET) == datetime(2025, 3, 10, 7, 30, tzinfo=CET)
    assert parse_when("2025-03-10 07:30+00:00", NOW, CET).utcoffset() == timedelta(0)
    with pytest.raises(MeasurementError, match="ISO date"):
        parse_when("last tuesday", NOW, CET)
