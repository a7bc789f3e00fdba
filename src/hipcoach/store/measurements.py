"""Measurements and questionnaire responses in the store, per profile, in time order.

Same rules as the journal: one short transaction per call, frozen records out.
A sitting (everything one `hipcoach measure` records) is written in one
transaction, so a refused or failed write leaves nothing half-stored.

Column values follow fixed conventions that the FHIR export relies on:
rom is in `deg` with side, movement, method and position; pain in `nrs`;
sit_tall in `score`; global_rating in `percent`; the PSFS is questionnaire
`psfs` with answers `{"items": [{"activity": ..., "score": ...}]}`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from hipcoach.domain.errors import StoreError
from hipcoach.domain.measurements import (
    EARLIEST,
    NOTE_MAX_LENGTH,
    UNITS,
    HipSide,
    Kind,
    MeasurementError,
    Method,
    Movement,
    Position,
    PsfsItem,
    PsfsResponse,
    RomMeasurement,
    ScoreMeasurement,
    validate_psfs,
    validate_rom,
    validate_score,
)
from hipcoach.store.repository import Repository, utc
from hipcoach.store.row_problems import (
    RowInvalid,
    RowProblem,
    check_choice,
    check_moment,
    check_number,
    check_optional_text,
    check_text,
    convert,
    converted,
    kept,
    load_json,
    rows_of,
)
from hipcoach.store.tables import MeasurementRow, ProfileRow, QuestionnaireResponseRow

PSFS_ID = "psfs"
# hipcoach's own sit-tall score runs 0-4 (its data file says so); the store cannot read
# that file, so a stored score only has to be a whole number a score could be.
SIT_TALL_LIMITS = (0, 100)


@dataclass(frozen=True)
class MeasurementRecord:
    """One stored measurement, with its columns as stored."""

    id: int
    profile_id: int
    measured_at: datetime
    recorded_at: datetime
    kind: str
    value: float
    unit: str
    side: str | None
    movement: str | None
    method: str | None
    position: str | None
    note: str | None

    def to_rom(self) -> RomMeasurement:
        """The stored angle as a domain value; StoreError when the row breaks the conventions."""
        try:
            return RomMeasurement(
                measured_at=self.measured_at,
                side=HipSide(str(self.side)),
                movement=Movement(str(self.movement)),
                degrees=self.value,
                method=Method(str(self.method)),
                position=Position(str(self.position)),
                note=self.note,
            )
        except ValueError as exc:
            raise StoreError(f"measurement {self.id} is not a valid angle: {exc}") from None

    def to_score(self) -> ScoreMeasurement:
        """The stored pain, global or sit-tall value as a domain value."""
        try:
            side = HipSide(self.side) if self.side is not None else None
            return ScoreMeasurement(self.measured_at, Kind(self.kind), self.value, side, self.note)
        except ValueError as exc:
            raise StoreError(f"measurement {self.id} is not a valid score: {exc}") from None


@dataclass(frozen=True)
class ResponseRecord:
    """One stored questionnaire response, its answers decoded."""

    id: int
    profile_id: int
    questionnaire_id: str
    answered_at: datetime
    answers: dict[str, Any]
    score: float | None

    def to_psfs(self) -> PsfsResponse:
        """A stored PSFS response as a domain value."""
        try:
            items = tuple(
                PsfsItem(str(i["activity"]), int(i["score"])) for i in self.answers["items"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"response {self.id} is not a valid PSFS: {exc}") from None
        return PsfsResponse(self.answered_at, items)


@dataclass(frozen=True)
class Sitting:
    """What one sitting stored."""

    measurements: tuple[MeasurementRecord, ...]
    responses: tuple[ResponseRecord, ...]


def psfs_answers(response: PsfsResponse) -> dict[str, Any]:
    """The PSFS answers in the stored JSON shape."""
    return {"items": [{"activity": i.activity, "score": i.score} for i in response.items]}


class MeasurementRepository(Repository):
    """Reads and writes measurements and questionnaire responses through one engine."""

    def add_sitting(
        self,
        profile_id: int,
        angles: Sequence[RomMeasurement] = (),
        scores: Sequence[ScoreMeasurement] = (),
        psfs: Sequence[PsfsResponse] = (),
        recorded_at: datetime | None = None,
    ) -> Sitting:
        """Store validated values in one transaction: all of them, or none."""
        recorded = utc(recorded_at)
        rows = [_angle_row(profile_id, m, recorded) for m in angles]
        rows += [_score_row(profile_id, m, recorded) for m in scores]
        responses = [
            QuestionnaireResponseRow(
                profile_id=profile_id,
                questionnaire_id=PSFS_ID,
                answered_at=utc(r.answered_at),
                answers_json=json.dumps(psfs_answers(r), ensure_ascii=False),
                score=r.score,
            )
            for r in psfs
        ]
        with self._transaction("store the measurements") as db:
            if db.get(ProfileRow, profile_id) is None:
                raise StoreError(f"no profile with id {profile_id}")
            db.add_all([*rows, *responses])
            db.flush()
            return Sitting(
                tuple(_measurement_record(r) for r in rows),
                tuple(_response_record(r) for r in responses),
            )

    def add_response(
        self,
        profile_id: int,
        questionnaire_id: str,
        answered_at: datetime,
        answers: dict[str, Any],
        score: float | None,
    ) -> ResponseRecord:
        """Store a response to any questionnaire (one a clinician loaded, say), already checked."""
        try:
            answers_json = json.dumps(answers, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"answers cannot be stored as JSON: {exc}") from None
        row = QuestionnaireResponseRow(
            profile_id=profile_id,
            questionnaire_id=questionnaire_id,
            answered_at=utc(answered_at),
            answers_json=answers_json,
            score=score,
        )
        with self._transaction("store the response") as db:
            if db.get(ProfileRow, profile_id) is None:
                raise StoreError(f"no profile with id {profile_id}")
            db.add(row)
            db.flush()
            return _response_record(row)

    def measurements(
        self, profile_id: int, kind: Kind | None = None, since: datetime | None = None
    ) -> list[MeasurementRecord]:
        """The profile's measurements, oldest first (ties in the order they were stored)."""
        query = select(MeasurementRow).where(MeasurementRow.profile_id == profile_id)
        if kind is not None:
            query = query.where(MeasurementRow.kind == kind.value)
        if since is not None:
            query = query.where(MeasurementRow.measured_at >= utc(since))
        query = query.order_by(MeasurementRow.measured_at, MeasurementRow.id)
        with self._transaction("read the measurements") as db:
            rows = rows_of(db, query, MeasurementRow.__table__)
            return kept(converted(rows, measurement_from_row))

    def responses(
        self, profile_id: int, questionnaire_id: str | None = None
    ) -> list[ResponseRecord]:
        """The profile's questionnaire responses, oldest first."""
        query = select(QuestionnaireResponseRow).where(
            QuestionnaireResponseRow.profile_id == profile_id
        )
        if questionnaire_id is not None:
            query = query.where(QuestionnaireResponseRow.questionnaire_id == questionnaire_id)
        query = query.order_by(QuestionnaireResponseRow.answered_at, QuestionnaireResponseRow.id)
        with self._transaction("read the questionnaire responses") as db:
            rows = rows_of(db, query, QuestionnaireResponseRow.__table__)
            return kept(converted(rows, response_from_row))


def _angle_row(profile_id: int, m: RomMeasurement, recorded: datetime) -> MeasurementRow:
    return MeasurementRow(
        profile_id=profile_id,
        measured_at=utc(m.measured_at),
        recorded_at=recorded,
        kind=Kind.ROM.value,
        value=float(m.degrees),
        unit=UNITS[Kind.ROM],
        side=m.side.value,
        movement=m.movement.value,
        method=m.method.value,
        position=m.position.value,
        note=m.note,
    )


def _score_row(profile_id: int, m: ScoreMeasurement, recorded: datetime) -> MeasurementRow:
    if m.kind is Kind.ROM:
        raise StoreError("an angle is stored as a RomMeasurement, with its method and position")
    return MeasurementRow(
        profile_id=profile_id,
        measured_at=utc(m.measured_at),
        recorded_at=recorded,
        kind=m.kind.value,
        value=float(m.value),
        unit=m.unit,
        side=m.side.value if m.side is not None else None,
        movement=None,
        method=None,
        position=None,
        note=m.note,
    )


def measurement_from_row(row: MeasurementRow) -> MeasurementRecord | RowProblem:
    """The stored measurement, or the problem that keeps it out of every view.

    The row is read through the same checks direct entry uses (domain.measurements),
    so a reading `hipcoach measure` would refuse is never drawn in a trend.
    """

    def build() -> MeasurementRecord:
        # Back-filled readings reach further back than other events (domain.measurements).
        check_moment("measured_at", row.measured_at, earliest=EARLIEST)
        check_moment("recorded_at", row.recorded_at)
        kind = Kind(check_choice("kind", row.kind, [k.value for k in Kind]))
        check_number("value", row.value, -math.inf, math.inf)
        if row.unit != UNITS[kind]:
            shown = f"'{row.unit}' is not the unit of {kind.value} ({UNITS[kind]})"
            raise RowInvalid("unit", shown)
        if kind is Kind.ROM or row.side is not None:
            check_choice("side", row.side, [s.value for s in HipSide])
        if kind is Kind.ROM:
            check_choice("movement", row.movement, [m.value for m in Movement])
            check_choice("method", row.method, [m.value for m in Method])
            check_choice("position", row.position, [p.value for p in Position])
        check_optional_text("note", row.note, NOTE_MAX_LENGTH)
        record = _measurement_record(row)
        # Far-off times are refused above; direct entry's own check is the clock skew.
        now = max(record.measured_at, record.recorded_at)
        try:
            if kind is Kind.ROM:
                validate_rom(
                    record.value,
                    str(row.side),
                    str(row.movement),
                    str(row.method),
                    str(row.position),
                    record.measured_at,
                    now,
                )
            else:
                limits = SIT_TALL_LIMITS if kind is Kind.SIT_TALL else None
                validate_score(kind, record.value, record.measured_at, now, row.side, limits)
        except MeasurementError as exc:
            raise RowInvalid("value", str(exc)) from None
        return record

    return convert("measurements", row.id, build)


def response_from_row(row: QuestionnaireResponseRow) -> ResponseRecord | RowProblem:
    """The stored questionnaire response, or the problem that keeps it out of every view."""

    def build() -> ResponseRecord:
        check_text("questionnaire_id", row.questionnaire_id, 100, empty=False)
        check_moment("answered_at", row.answered_at)
        answers = load_json("answers_json", row.answers_json)
        if not isinstance(answers, dict):
            raise RowInvalid("answers_json", "is not a set of answers")
        record = _response_record(row)
        if record.questionnaire_id == PSFS_ID:
            try:
                items = [(str(i["activity"]), i["score"]) for i in answers["items"]]
                validate_psfs(items, record.answered_at, record.answered_at)
            except (KeyError, TypeError, MeasurementError) as exc:
                raise RowInvalid("answers_json", f"is not a valid PSFS ({exc})") from None
        return record

    return convert("questionnaire_responses", row.id, build)


def _measurement_record(row: MeasurementRow) -> MeasurementRecord:
    return MeasurementRecord(
        id=row.id,
        profile_id=row.profile_id,
        measured_at=utc(row.measured_at),
        recorded_at=utc(row.recorded_at),
        kind=row.kind,
        value=row.value,
        unit=row.unit,
        side=row.side,
        movement=row.movement,
        method=row.method,
        position=row.position,
        note=row.note,
    )


def _response_record(row: QuestionnaireResponseRow) -> ResponseRecord:
    return ResponseRecord(
        id=row.id,
        profile_id=row.profile_id,
        questionnaire_id=row.questionnaire_id,
        answered_at=utc(row.answered_at),
        answers=json.loads(row.answers_json),
        score=row.score,
    )
