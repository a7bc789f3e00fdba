"""The shape of the TOML content files, checked field by field with pydantic.

Models here mirror the files one to one; `to_domain` turns them into the
plain domain values the rest of hipcoach uses.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from hipcoach.domain.exercise import (
    Category,
    Demand,
    Dose,
    DoseMode,
    Exercise,
    Rotation,
    Sensation,
    SourceArticle,
    Tempo,
)
from hipcoach.domain.routine import Routine, RoutineStep, Side

ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=600, strip_whitespace=True)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
Seconds = Annotated[int, Field(ge=1, le=600)]
Reps = Annotated[int, Field(ge=0, le=30)]
# TOML gives enum values as strings; strict mode would want enum instances.
Lax = Field(strict=False)
# [low, high]: each end a value the dose itself could take.
SecondsSpan = Annotated[list[Seconds], Field(min_length=2, max_length=2)]
RepsSpan = Annotated[list[Reps], Field(min_length=2, max_length=2)]


class _Strict(BaseModel):
    # TOML allows inf and nan; no content number may be either.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class TempoModel(_Strict):
    out: Annotated[int, Field(ge=1, le=10)]
    pause: Annotated[int, Field(ge=0, le=10)]
    back: Annotated[int, Field(ge=1, le=10)]

    def to_domain(self) -> Tempo:
        return Tempo(self.out, self.pause, self.back)


class DoseModel(_Strict):
    # Ranges come before the values they bound, so a value's check can see them.
    mode: Annotated[DoseMode, Lax]
    seconds_range: SecondsSpan | None = None
    reps_range: RepsSpan | None = None
    seconds: Seconds = 10
    rounds: Annotated[int, Field(ge=1, le=10)] = 1
    rest_seconds: Annotated[int, Field(ge=0, le=180)] = 0
    reps: Reps = 0
    tempo: TempoModel | None = None
    effort_percent: Annotated[int, Field(ge=10, le=100)] | None = None

    @field_validator("seconds_range", "reps_range")
    @classmethod
    def _forwards(cls, span: list[int] | None) -> list[int] | None:
        if span is not None and span[0] > span[1]:
            raise ValueError(f"runs backwards: {span[0]} > {span[1]}")
        return span

    @field_validator("seconds")
    @classmethod
    def _seconds_in_range(cls, seconds: int, info: ValidationInfo) -> int:
        span = info.data.get("seconds_range")
        if span and not span[0] <= seconds <= span[1]:
            raise ValueError(f"{seconds} lies outside seconds_range {span}")
        return seconds

    @field_validator("reps")
    @classmethod
    def _reps_fit(cls, reps: int, info: ValidationInfo) -> int:
        if info.data.get("mode") is DoseMode.REPS and reps < 1:
            raise ValueError("a reps dose needs reps of at least 1")
        span = info.data.get("reps_range")
        if span and not span[0] <= reps <= span[1]:
            raise ValueError(f"{reps} lies outside reps_range {span}")
        return reps

    def to_domain(self) -> Dose:
        return Dose(
            mode=self.mode,
            seconds=self.seconds,
            rounds=self.rounds,
            rest_seconds=self.rest_seconds,
            reps=self.reps,
            tempo=self.tempo.to_domain() if self.tempo else None,
            seconds_range=(self.seconds_range[0], self.seconds_range[1])
            if self.seconds_range
            else None,
            reps_range=(self.reps_range[0], self.reps_range[1]) if self.reps_range else None,
            effort_percent=self.effort_percent,
        )


DOSE_MODE_OF = {
    Category.POSITION: DoseMode.POSITION,
    Category.ISOMETRIC: DoseMode.HOLD,
    Category.STRETCH: DoseMode.HOLD,
    Category.ACTIVE: DoseMode.REPS,
}


class SensationModel(_Strict):
    where: ShortText
    what: Text


class SourceModel(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]
    title: ShortText
    summary: Text


class SourcesFile(_Strict):
    article: list[SourceModel] = Field(min_length=1)


class DemandModel(_Strict):
    id: ItemId
    name: ShortText
    meaning: Text

    def to_domain(self) -> Demand:
        return Demand(self.id, self.name, self.meaning)


class DemandsFile(_Strict):
    demand: list[DemandModel] = Field(min_length=1)


class ExerciseModel(_Strict):
    id: ItemId
    name: ShortText
    purpose: Text
    category: Annotated[Category, Lax]
    source: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]
    front_hip: Annotated[Rotation, Lax]
    back_hip: Annotated[Rotation, Lax]
    cue: ShortText
    spoken: Text
    breathing: Text
    effort: Text
    setup: list[Text] = Field(min_length=1)
    action: list[Text] = Field(min_length=1)
    feel: list[SensationModel] = Field(min_length=1)
    mistakes: list[Text] = Field(min_length=1)
    safety: list[Text] = Field(min_length=1)
    dose: DoseModel
    regressions: list[ItemId] = []
    progressions: list[ItemId] = []
    variant_of: ItemId | None = None
    tags: list[ItemId] = []
    # Required, even when empty: an exercise that never said what it asks of the
    # hip would pass every rule that forbids a demand.
    demands: list[ItemId]

    @field_validator("demands")
    @classmethod
    def _demands_once(cls, demands: list[str]) -> list[str]:
        if len(set(demands)) != len(demands):
            raise ValueError("lists a demand twice")
        return demands

    @field_validator("dose")
    @classmethod
    def _dose_fits_category(cls, dose: DoseModel, info: ValidationInfo) -> DoseModel:
        category = info.data.get("category")
        if category is not None and dose.mode is not DOSE_MODE_OF[category]:
            raise ValueError(
                f"mode must be '{DOSE_MODE_OF[category].value}' for category '{category.value}'"
            )
        return dose

    @field_validator("regressions", "progressions")
    @classmethod
    def _not_itself(cls, ids: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("id") in ids:
            raise ValueError("an exercise cannot list itself")
        return ids

    def to_domain(self, sources: dict[str, SourceArticle]) -> Exercise:
        return Exercise(
            id=self.id,
            name=self.name,
            purpose=self.purpose,
            category=self.category,
            setup=tuple(self.setup),
            action=tuple(self.action),
            breathing=self.breathing,
            effort=self.effort,
            feel=tuple(Sensation(f.where, f.what) for f in self.feel),
            mistakes=tuple(self.mistakes),
            safety=tuple(self.safety),
            dose=self.dose.to_domain(),
            front_hip=self.front_hip,
            back_hip=self.back_hip,
            source=sources[self.source],
            cue=self.cue,
            spoken=self.spoken,
            regressions=tuple(self.regressions),
            progressions=tuple(self.progressions),
            variant_of=self.variant_of,
            tags=tuple(self.tags),
            demands=frozenset(self.demands),
        )


class StepModel(_Strict):
    exercise: ItemId
    seconds: Seconds | None = None
    rounds: Annotated[int, Field(ge=1, le=10)] | None = None
    rest_seconds: Annotated[int, Field(ge=0, le=180)] | None = None
    reps: Annotated[int, Field(ge=1, le=30)] | None = None
    tempo: TempoModel | None = None
    continuous: bool = False

    def to_domain(self) -> RoutineStep:
        return RoutineStep(
            exercise_id=self.exercise,
            seconds=self.seconds,
            rounds=self.rounds,
            rest_seconds=self.rest_seconds,
            reps=self.reps,
            tempo=self.tempo.to_domain() if self.tempo else None,
            continuous=self.continuous,
        )


class RoutineModel(_Strict):
    id: ItemId
    name: ShortText
    summary: Text
    when: Text
    sources: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]] = Field(min_length=1)
    steps: list[StepModel] = Field(min_length=1)
    sides: list[Literal["right", "left"]] = ["right", "left"]
    get_ready_seconds: Annotated[int, Field(ge=0, le=30)] = 5
    switch_seconds: Annotated[int, Field(ge=1, le=60)] = 10
    transition_seconds: Annotated[int, Field(ge=0, le=60)] = 5
    notes: list[Text] = []
    tags: list[ItemId] = []

    @field_validator("sides")
    @classmethod
    def _each_side_once(cls, sides: list[str]) -> list[str]:
        if len(set(sides)) != len(sides) or not sides:
            raise ValueError("must list 'right' and/or 'left', each once")
        return sides

    @field_validator("steps")
    @classmethod
    def _first_step_starts_cold(cls, steps: list[StepModel]) -> list[StepModel]:
        if steps and steps[0].continuous:
            raise ValueError("the first step cannot be continuous: nothing comes before it")
        return steps

    def to_domain(self) -> Routine:
        return Routine(
            id=self.id,
            name=self.name,
            summary=self.summary,
            when=self.when,
            sources=tuple(self.sources),
            steps=tuple(s.to_domain() for s in self.steps),
            sides=tuple(Side(s) for s in self.sides),
            get_ready_seconds=self.get_ready_seconds,
            switch_seconds=self.switch_seconds,
            transition_seconds=self.transition_seconds,
            notes=tuple(self.notes),
            tags=tuple(self.tags),
        )
