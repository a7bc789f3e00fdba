"""Use cases for measurements: check what a person gave, store it, and say what it means.

Everything is validated before anything is written, and a sitting is written
in one transaction, so a refused value leaves the journal as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import cached_property
from typing import Any

from hipcoach.domain.insights import Trend, normal_range_position, rom_trends
from hipcoach.domain.measurements import (
    Kind,
    MeasurementError,
    PsfsResponse,
    RomMeasurement,
    ScoreMeasurement,
    check_note,
    check_time,
    parse_when,
    validate_psfs,
    validate_rom,
    validate_score,
)
from hipcoach.domain.norms import Norms
from hipcoach.library.questionnaires import Questionnaire
from hipcoach.services.context import Context
from hipcoach.store.measurements import (
    PSFS_ID,
    MeasurementRecord,
    MeasurementRepository,
    ResponseRecord,
    Sitting,
)

SIT_TALL_ID = "sit-tall"
GUIDE_ID = "hip-rotation-inclinometer"
# The order `hipcoach measure` walks through after the angles; each can be skipped.
FOLLOW_UPS = ("pain-nrs", "global-rating", "sit-tall", "psfs")


@dataclass(frozen=True)
class MeasureInput:
    """What a person gave, as typed: checked by `validate_input`, never trusted before."""

    at: str | None = None  # ISO date or date-time; None means now
    method: str = "inclinometer"
    position: str = "seated"
    angles: Sequence[tuple[str, str, str | float]] = ()  # (side, movement, degrees)
    pain: Sequence[tuple[str | None, str | float]] = ()  # (side or None, 0-10)
    global_rating: str | float | None = None
    sit_tall: Sequence[tuple[str, str | float]] = ()  # (side: the leg in front, score)
    psfs: Sequence[tuple[str, str | float]] = ()  # (activity, 0-10)
    note: str | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.angles or self.pain or self.sit_tall or self.psfs
        ) and self.global_rating in (None, "")


@dataclass(frozen=True)
class Checked:
    """A sitting's values, all validated, ready to store."""

    angles: tuple[RomMeasurement, ...]
    scores: tuple[ScoreMeasurement, ...]
    psfs: PsfsResponse | None


@dataclass
class Measures:
    """The stores and data a measurement use case needs, from the context."""

    ctx: Context
    norms: Norms = field(init=False)

    def __post_init__(self) -> None:
        from hipcoach.library.norms import load_norms

        self.norms = load_norms()

    @cached_property
    def repository(self) -> MeasurementRepository:
        return MeasurementRepository(self.ctx.journal.engine)

    @cached_property
    def questionnaires(self) -> dict[str, Questionnaire]:
        from hipcoach.library.questionnaires import load_questionnaires

        return load_questionnaires(self.ctx.settings.data_dir / "questionnaires")


def local_zone() -> tzinfo:
    """The machine's local time zone (dates in reports and `--at` are local)."""
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def validate_input(
    given: MeasureInput,
    questionnaires: dict[str, Questionnaire],
    now: datetime,
    local: tzinfo,
) -> Checked:
    """Every value checked against the domain's plausible ranges; MeasurementError if not."""
    if given.empty:
        raise MeasurementError(
            "nothing to record: give values as options (for example --left-ir 32 --right-ir 28 "
            "or --pain 2), or run `hipcoach measure` in a terminal for the guided walk-through"
        )
    when = check_time(parse_when(given.at, now, local) if given.at else now, now)
    note = check_note(given.note)
    seen: set[tuple[str, str]] = set()
    angles = []
    for side, movement, degrees in given.angles:
        angle = validate_rom(degrees, side, movement, given.method, given.position, when, now, note)
        key = (angle.side.value, angle.movement.value)
        if key in seen:
            raise MeasurementError(f"{angle.side} {angle.movement.short} is given twice")
        seen.add(key)
        angles.append(angle)
    scores = [validate_score(Kind.PAIN, v, when, now, side, note=note) for side, v in given.pain]
    if given.global_rating not in (None, ""):
        assert given.global_rating is not None
        scores.append(validate_score(Kind.GLOBAL_RATING, given.global_rating, when, now, note=note))
    sit_tall = questionnaires[SIT_TALL_ID]
    for side, value in given.sit_tall:
        limits = sit_tall.observation_limits(Kind.SIT_TALL.value, side.strip().lower())
        scores.append(validate_score(Kind.SIT_TALL, value, when, now, side, limits, note))
    for kind in (Kind.PAIN, Kind.SIT_TALL):
        sides = [s.side for s in scores if s.kind is kind]
        if len(sides) != len(set(sides)):
            raise MeasurementError(f"{kind.value.replace('_', '-')} is given twice for one side")
    psfs = validate_psfs(given.psfs, when, now) if given.psfs else None
    return Checked(tuple(angles), tuple(scores), psfs)


def record_measurements(
    ctx: Context, given: MeasureInput, now: datetime | None = None
) -> dict[str, Any]:
    """Validate and store a sitting; returns what was stored and what it means, as plain data."""
    measures = Measures(ctx)
    moment = now or datetime.now(UTC)
    checked = validate_input(given, measures.questionnaires, moment, local_zone())
    sitting = measures.repository.add_sitting(
        ctx.profile_id,
        angles=checked.angles,
        scores=checked.scores,
        psfs=[checked.psfs] if checked.psfs else [],
        recorded_at=moment,
    )
    return sitting_view(measures, sitting)


def sitting_view(measures: Measures, sitting: Sitting) -> dict[str, Any]:
    """A stored sitting, each angle with its band and its change since the first reading."""
    history = [
        r.to_rom() for r in measures.repository.measurements(measures.ctx.profile_id, Kind.ROM)
    ]
    trends = {
        (t.side, t.movement, t.method, t.position): t
        for t in rom_trends(history, measures.norms.thresholds)
    }
    return {
        "measurements": [measurement_json(r, measures.norms, trends) for r in sitting.measurements],
        "questionnaires": [response_json(r) for r in sitting.responses],
    }


def measurement_json(
    record: MeasurementRecord, norms: Norms, trends: dict[Any, Trend] | None = None
) -> dict[str, Any]:
    """One stored measurement as plain data; angles also get their band and trend so far."""
    data: dict[str, Any] = {
        "id": record.id,
        "measured_at": record.measured_at.isoformat(),
        "kind": record.kind,
        "value": record.value,
        "unit": record.unit,
        "side": record.side,
        "movement": record.movement,
        "method": record.method,
        "position": record.position,
        "note": record.note,
    }
    if record.kind == Kind.ROM.value:
        angle = record.to_rom()
        band = normal_range_position(angle.degrees, angle.movement, angle.position, norms)
        data["band"] = {"status": band.status.value, "low": band.low, "high": band.high}
        trend = (trends or {}).get((angle.side, angle.movement, angle.method, angle.position))
        if trend is not None and len(trend.points) > 1:
            data["since_first"] = {
                "first": trend.first,
                "first_at": trend.points[0].measured_at.isoformat(),
                "change": trend.change,
                "threshold": trend.threshold,
                "real_change": trend.real_change,
            }
    return data


def response_json(record: ResponseRecord) -> dict[str, Any]:
    """One stored questionnaire response as plain data."""
    return {
        "id": record.id,
        "questionnaire": record.questionnaire_id,
        "answered_at": record.answered_at.isoformat(),
        "answers": record.answers,
        "score": record.score,
    }


def list_measurements(ctx: Context) -> dict[str, Any]:
    """Every measurement and questionnaire response of the profile, oldest first."""
    measures = Measures(ctx)
    repo = measures.repository
    return {
        "measurements": [
            measurement_json(r, measures.norms) for r in repo.measurements(ctx.profile_id)
        ],
        "questionnaires": [response_json(r) for r in repo.responses(ctx.profile_id)],
    }


def last_psfs_activities(ctx: Context) -> list[str]:
    """The activities of the latest PSFS, so the person rates the same ones again."""
    responses = Measures(ctx).repository.responses(ctx.profile_id, PSFS_ID)
    return [i.activity for i in responses[-1].to_psfs().items] if responses else []


def input_from_answers(
    questionnaires: dict[str, Questionnaire],
    answers: dict[str, dict[str, Any]],
    at: str | None = None,
    method: str | None = None,
    position: str | None = None,
    note: str | None = None,
) -> MeasureInput:
    """Answers to guided questionnaires (by id, then linkId) as a MeasureInput to validate.

    Each answered item with an `observation` becomes the measurement it names;
    the PSFS group's entries become its activities. `method` and `position`
    override what the guide assumes (a goniometer, say, with the same steps).
    """
    angles: list[tuple[str, str, str | float]] = []
    pain: list[tuple[str | None, str | float]] = []
    sit_tall: list[tuple[str, str | float]] = []
    psfs: list[tuple[str, str | float]] = []
    global_rating: str | None = None
    guide_method, guide_position = method, position
    for qid, given in answers.items():
        questionnaire = questionnaires[qid]
        for item in questionnaire.walk():
            obs = item.observation
            if obs is None or item.link_id not in given:
                continue
            value = given[item.link_id]
            if obs.kind == "rom":
                assert obs.side is not None
                assert obs.movement is not None
                angles.append((obs.side, obs.movement, value))
                guide_method = guide_method or obs.method
                guide_position = guide_position or obs.position
            elif obs.kind == "pain":
                pain.append((obs.side, value))
            elif obs.kind == "global_rating":
                global_rating = value
            elif obs.kind == "sit_tall":
                assert obs.side is not None
                sit_tall.append((obs.side, value))
        scoring = questionnaire.scoring
        if qid == PSFS_ID and scoring is not None:
            group = scoring.link_id.rpartition(".")[0]
            names = [i for i in questionnaire.walk() if i.type == "string"]
            for entry in given.get(group, []):
                psfs.append((entry[names[0].link_id], entry[scoring.link_id]))
    return MeasureInput(
        at=at,
        method=guide_method or "inclinometer",
        position=guide_position or "seated",
        angles=angles,
        pain=pain,
        global_rating=global_rating,
        sit_tall=sit_tall,
        psfs=psfs,
        note=note,
    )
