"""The shape of the TOML content files, checked field by field with pydantic.

Models here mirror the files one to one; `to_domain` turns them into the
plain domain values the rest of hipcoach uses.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hipcoach.domain.exercise import (
    Category,
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
# TOML gives enum values as strings; strict mode would want enum instances.
Lax = Field(strict=False)
Span = Annotated[list[int], Field(min_length=2, max_length=2)]  # [low, high]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TempoModel(_Strict):
    out: Annotated[int, Field(ge=1, le=10)]
    pause: Annotated[int, Field(ge=0, le=10)]
    back: Annotated[int, Field(ge=1, le=10)]

    def to_domain(self) -> Tempo:
        return Tempo(self.out, self.pause, self.back)


class DoseModel(_Strict):
    mode: Annotated[DoseMode, Lax]
    seconds: Seconds = 10
    seconds_range: Span | None = None
    rounds: Annotated[int, Field(ge=1, le=10)] = 1
    rest_seconds: Annotated[int, Field(ge=0, le=180)] = 0
    reps: Annotated[int, Field(ge=0, le=30)] = 0
    reps_range: Span | None = None
    tempo: TempoModel | None = None
    effort_percent: Annotated[int, Field(ge=10, le=100)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> DoseModel:
        if self.mode is DoseMode.REPS and self.reps < 1:
            raise ValueError("a reps dose needs reps of at least 1")
        for name in ("seconds_range", "reps_range"):
            span = getattr(self, name)
            if span is not None and span[0] > span[1]:
                raise ValueError(f"{name} runs backwards: {span[0]} > {span[1]}")
        low, high = self.seconds_range or (self.seconds, self.seconds)
        if not low <= self.seconds <= high:
            raise ValueError("seconds lies outside seconds_range")
        if self.reps_range and not self.reps_range[0] <= self.reps <= self.reps_range[1]:
            raise ValueError("reps lies outside reps_range")
        return self

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


class SensationModel(_Strict):
    where: ShortText
    what: Text


class SourceModel(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]
    title: ShortText
    summary: Text


class SourcesFile(_Strict):
    article: list[SourceModel] = Field(min_length=1)


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

    @model_validator(mode="after")
    def _dose_fits_category(self) -> ExerciseModel:
        expected = {
            Category.POSITION: DoseMode.POSITION,
            Category.ISOMETRIC: DoseMode.HOLD,
            Category.STRETCH: DoseMode.HOLD,
            Category.ACTIVE: DoseMode.REPS,
        }[self.category]
        if self.dose.mode is not expected:
            raise ValueError(f"a {self.category.value} exercise is dosed as '{expected.value}'")
        if self.id in self.regressions or self.id in self.progressions:
            raise ValueError("an exercise cannot be its own regression or progression")
        return self

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

    @model_validator(mode="after")
    def _shape(self) -> RoutineModel:
        if len(set(self.sides)) != len(self.sides) or not self.sides:
            raise ValueError("sides must list 'right' and/or 'left', each once")
        if self.steps[0].continuous:
            raise ValueError("the first step cannot be continuous: nothing comes before it")
        return self

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
