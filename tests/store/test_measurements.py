"""The measurement repository, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hipcoach.domain.measurements import (
    HipSide,
    Kind,
    Method,
    Movement,
    Position,
    PsfsItem,
    PsfsResponse,
    RomMeasurement,
    ScoreMeasurement,
)
from hipcoach.store import Journal, StoreError
from hipcoach.store.measurements import MeasurementRepository
from hipcoach.store.row_problems import collecting_row_problems
from hipcoach.store.tables import MeasurementRow, QuestionnaireResponseRow

T0 = datetime(2025, 3, 1, 7, 30, tzinfo=UTC)


def ir(degrees: float, minutes: int = 0, side: HipSide = HipSide.RIGHT) -> RomMeasurement:
    return RomMeasurement(
        T0 + timedelta(minutes=minutes),
        side,
        Movement.INTERNAL_ROTATION,
        degrees,
        Method.INCLINOMETER,
        Position.SEATED,
        note="after coffee",
    )


def test_a_sitting_is_stored_with_the_column_conventions(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    repo = MeasurementRepository(journal.engine)
    sitting = repo.add_sitting(
        profile.id,
        angles=[ir(31.5)],
        scores=[
            ScoreMeasurement(T0, Kind.PAIN, 2),
            ScoreMeasurement(T0, Kind.GLOBAL_RATING, 70),
            ScoreMeasurement(T0, Kind.SIT_TALL, 3, HipSide.LEFT),
        ],
        psfs=[PsfsResponse(T0, (PsfsItem("put on socks", 6), PsfsItem("deep squat", 3)))],
        recorded_at=T0 + timedelta(hours=1),
    )
    assert len(sitting.measurements) == 4
    with Session(journal.engine) as db:
        rows = {r.kind: r for r in db.scalars(select(MeasurementRow))}
        response = db.scalars(select(QuestionnaireResponseRow)).one()
    rom = rows["rom"]
    assert (rom.unit, rom.side, rom.movement, rom.method, rom.position) == (
        "deg",
        "right",
        "internal_rotation",
        "inclinometer",
        "seated",
    )
    assert (rom.value, rom.note) == (31.5, "after coffee")
    assert (rows["pain"].unit, rows["pain"].side, rows["pain"].movement) == ("nrs", None, None)
    assert rows["global_rating"].unit == "percent"
    assert (rows["sit_tall"].unit, rows["sit_tall"].side) == ("score", "left")
    assert response.questionnaire_id == "psfs"
    assert json.loads(response.answers_json) == {
        "items": [{"activity": "put on socks", "score": 6}, {"activity": "deep squat", "score": 3}]
    }
    assert response.score == 4.5


def test_measurements_read_back_in_time_order_and_as_domain_values(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    repo = MeasurementRepository(journal.engine)
    repo.add_sitting(profile.id, angles=[ir(35, minutes=60 * 24 * 14)])
    repo.add_sitting(profile.id, angles=[ir(30), ir(33, side=HipSide.LEFT)])
    got = repo.measurements(profile.id)
    assert [r.value for r in got] == [30, 33, 35]
    assert got[0].measured_at == T0
    assert got[0].to_rom() == ir(30)
    assert repo.measurements(profile.id, Kind.PAIN) == []
    later = repo.measurements(profile.id, since=T0 + timedelta(days=1))
    assert [r.value for r in later] == [35]


def test_times_in_any_zone_come_back_in_utc(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    repo = MeasurementRepository(journal.engine)
    local = T0.astimezone(timezone(timedelta(hours=-5)))
    repo.add_sitting(profile.id, scores=[ScoreMeasurement(local, Kind.PAIN, 1)])
    (got,) = repo.measurements(profile.id)
    assert got.measured_at == T0
    assert got.measured_at.tzinfo == UTC
    assert got.to_score() == ScoreMeasurement(T0, Kind.PAIN, 1)


def test_profiles_never_see_each_others_measurements(journal: Journal) -> None:
    ana, ben = journal.ensure_profile("ana"), journal.ensure_profile("ben")
    repo = MeasurementRepository(journal.engine)
    repo.add_sitting(ana.id, angles=[ir(30)])
    repo.add_sitting(ben.id, psfs=[PsfsResponse(T0, (PsfsItem("run", 4),))])
    assert [r.value for r in repo.measurements(ana.id)] == [30]
    assert repo.measurements(ben.id) == []
    assert repo.responses(ana.id) == []
    assert [r.to_psfs().score for r in repo.responses(ben.id, "psfs")] == [4]


def test_a_failed_sitting_stores_nothing(journal: Journal) -> None:
    repo = MeasurementRepository(journal.engine)
    with pytest.raises(StoreError, match="no profile with id 999"):
        repo.add_sitting(999, angles=[ir(30)], scores=[ScoreMeasurement(T0, Kind.PAIN, 2)])
    profile = journal.ensure_profile("ana")
    naive = RomMeasurement(
        datetime(2025, 3, 1), HipSide.LEFT, Movement.INTERNAL_ROTATION, 30.0,
        Method.INCLINOMETER, Position.SEATED,
    )  # fmt: skip
    with pytest.raises(StoreError, match="timezone-aware"):
        repo.add_sitting(profile.id, angles=[ir(30), naive])
    assert repo.measurements(profile.id) == []


def test_any_questionnaire_response_can_be_stored(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    repo = MeasurementRepository(journal.engine)
    stored = repo.add_response(profile.id, "clinic-score", T0, {"q1": 3, "q2": 1}, 4.0)
    (got,) = repo.responses(profile.id)
    assert got == stored
    assert (got.questionnaire_id, got.answers, got.score) == ("clinic-score", {"q1": 3, "q2": 1}, 4)
    with pytest.raises(StoreError, match="cannot be stored as JSON"):
        repo.add_response(profile.id, "clinic-score", T0, {"q1": object()}, None)


def test_a_row_that_breaks_the_conventions_is_reported_not_guessed(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    with Session(journal.engine) as db, db.begin():
        db.add(
            MeasurementRow(
                profile_id=profile.id, measured_at=T0, recorded_at=T0, kind="rom", value=30.0,
                unit="deg", side="middle", movement="internal_rotation", method="inclinometer",
                position="seated",
            )
        )  # fmt: skip
    # Left out of the readings (never guessed into a trend) and named, field and all.
    with collecting_row_problems() as left_out:
        assert MeasurementRepository(journal.engine).measurements(profile.id) == []
    assert [(p.table, p.field) for p in left_out] == [("measurements", "side")]
