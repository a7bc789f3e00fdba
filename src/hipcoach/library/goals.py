"""Load and check goals.toml: the goals, their days, and their progression ladders.

Two passes. The schema checks each field (names the file, goal id and field);
then every level is checked against the library it will run on: the goal's
routine exists, every dose stays inside its exercise's range and the
compiler's limits, and the ladder never gets easier as it climbs. A broken
goal refuses the whole file, so no half-checked ladder is ever used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from hipcoach.domain.compiler import DoseOverride, compile_routine
from hipcoach.domain.decisions import Adjustment, AdjustmentKind
from hipcoach.domain.errors import HipcoachError, LibraryError, UnknownIdError
from hipcoach.domain.exercise import DoseMode
from hipcoach.domain.library import Library
from hipcoach.domain.planning import (
    EFFORT_CEILING,
    MAX_WEEKS,
    WEEKDAY_NAMES,
    Goal,
    ProgressionLevel,
    parse_time,
)
from hipcoach.library.loader import as_item_id, field_of, read_toml
from hipcoach.library.schema import ItemId, Text

GOALS_FILE = Path(__file__).parent / "goals.toml"
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# [low, high] or [n, d]: counts of sessions, checked against each other below.
Pair = Annotated[list[Annotated[int, Field(ge=1, le=30)]], Field(min_length=2, max_length=2)]


class _Strict(BaseModel):
    # TOML allows inf and nan; no content number may be either.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class LevelDoseModel(_Strict):
    # The bounds a routine step takes (library/schema.py); the compiler checks the rest.
    seconds: Annotated[int, Field(ge=1, le=600)] | None = None
    rounds: Annotated[int, Field(ge=1, le=10)] | None = None
    reps: Annotated[int, Field(ge=1, le=30)] | None = None


class LevelModel(LevelDoseModel):
    per_exercise: dict[ItemId, LevelDoseModel] = {}
    effort_cap: Annotated[int, Field(ge=10, le=EFFORT_CEILING)]


class AdjustmentModel(_Strict):
    kind: Literal["substitute", "drop_exercises", "cap_effort", "note"]
    reason: Text
    exercises: list[ItemId] = []
    replacement: ItemId | None = None
    effort_percent: Annotated[int, Field(ge=10, le=EFFORT_CEILING)] | None = None

    @model_validator(mode="after")
    def _complete(self) -> AdjustmentModel:
        if self.kind == "substitute" and (not self.exercises or not self.replacement):
            raise ValueError("a substitute needs 'exercises' and a 'replacement'")
        if self.kind == "drop_exercises" and not self.exercises:
            raise ValueError("drop_exercises needs 'exercises'")
        if self.kind == "cap_effort" and self.effort_percent is None:
            raise ValueError("cap_effort needs 'effort_percent'")
        return self


class GoalModel(_Strict):
    id: ItemId
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    summary: Text
    frequency: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    routine: ItemId
    weekdays: list[Day] = Field(min_length=1, max_length=7)
    sessions_per_week: Pair
    default_weeks: Annotated[int, Field(ge=1, le=MAX_WEEKS)]
    default_time: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")] | None = None
    reminder_minutes: Annotated[int, Field(ge=0, le=1440)]
    advance_when: Pair
    levels: list[LevelModel] = Field(min_length=1, max_length=12)
    adjustments: list[AdjustmentModel] = []

    @model_validator(mode="after")
    def _consistent(self) -> GoalModel:
        low, high = self.sessions_per_week
        if not 1 <= low <= high <= 7:
            raise ValueError("sessions_per_week must be [min, max] with 1 <= min <= max <= 7")
        if len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("weekdays lists a day twice")
        if not low <= len(self.weekdays) <= high:
            raise ValueError(f"{len(self.weekdays)} default weekdays lie outside [{low}, {high}]")
        num, den = self.advance_when
        if not 1 <= num <= den:
            raise ValueError("advance_when must be [n, d] with 1 <= n <= d")
        return self

    def to_domain(self) -> Goal:
        return Goal(
            id=self.id,
            name=self.name,
            summary=self.summary,
            frequency=self.frequency,
            routine_id=self.routine,
            weekdays=tuple(sorted(WEEKDAY_NAMES.index(d) for d in self.weekdays)),
            min_per_week=self.sessions_per_week[0],
            max_per_week=self.sessions_per_week[1],
            default_weeks=self.default_weeks,
            default_time=parse_time(self.default_time) if self.default_time else None,
            reminder_minutes=self.reminder_minutes,
            advance_when=(self.advance_when[0], self.advance_when[1]),
            levels=tuple(
                ProgressionLevel(
                    seconds=lv.seconds,
                    rounds=lv.rounds,
                    reps=lv.reps,
                    per_exercise={
                        k: DoseOverride(seconds=v.seconds, rounds=v.rounds, reps=v.reps)
                        for k, v in lv.per_exercise.items()
                    },
                    effort_cap=lv.effort_cap,
                )
                for lv in self.levels
            ),
            adjustments=tuple(
                Adjustment(
                    rule_id=f"goal.{self.id}",
                    reason=a.reason,
                    kind=AdjustmentKind(a.kind),
                    exercise_ids=tuple(a.exercises),
                    replacement=a.replacement,
                    effort_percent=a.effort_percent,
                )
                for a in self.adjustments
            ),
        )


class GoalsFile(_Strict):
    goal: list[GoalModel] = Field(min_length=1)

    @field_validator("goal")
    @classmethod
    def _unique(cls, goals: list[GoalModel]) -> list[GoalModel]:
        ids = [g.id for g in goals]
        if len(set(ids)) != len(ids):
            raise ValueError("two goals share an id")
        return goals


def _effective(level: ProgressionLevel, exercise_id: str, name: str) -> int | None:
    own = level.per_exercise.get(exercise_id)
    value: int | None = getattr(own, name) if own is not None else None
    return value if value is not None else getattr(level, name)


def _check_level(goal: Goal, n: int, library: Library) -> None:
    """Compile the level on the goal's routine and hold every dose to its exercise's range."""
    from hipcoach.domain.adapt import adapt_routine

    level = goal.levels[n]
    routine = adapt_routine(library.routine(goal.routine_id), goal.adjustments, library)
    compile_routine(routine, library, level.options())  # LIMITS, unused per-exercise ids
    for step in routine.steps:
        exercise = library.exercise(step.exercise_id)
        mode = exercise.dose.mode
        checks = (
            ("seconds", exercise.dose.seconds_range, mode is DoseMode.HOLD),
            ("reps", exercise.dose.reps_range, mode is DoseMode.REPS),
        )
        for name, span, applies in checks:
            value = _effective(level, exercise.id, name)
            if applies and value is not None and span and not span[0] <= value <= span[1]:
                raise ValueError(
                    f"{name} {value} lies outside {exercise.id}'s range {span[0]}-{span[1]}"
                )
        if n > 0:
            for name in ("seconds", "rounds", "reps"):
                before = _effective(goal.levels[n - 1], exercise.id, name)
                now = _effective(level, exercise.id, name)
                if before is not None and (now is None or now < before):
                    raise ValueError(f"{exercise.id} {name} gets easier than the level before")
    previous = goal.levels[n - 1].effort_cap if n > 0 else None
    if previous is not None and (level.effort_cap or 0) < previous:
        raise ValueError("effort_cap gets lower than the level before")


def _display(path: Path) -> str:
    return f"library/{path.name}" if path == GOALS_FILE else str(path)


def load_goals(library: Library, path: Path | None = None) -> dict[str, Goal]:
    """Every goal in `path` (default: the shipped goals.toml), checked, or LibraryError."""
    from pydantic import ValidationError

    path = path or GOALS_FILE
    where = _display(path)
    data = read_toml(path, where)
    try:
        parsed = GoalsFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        item_id = None
        if len(loc) >= 2 and loc[0] == "goal" and isinstance(loc[1], int):
            raw = data.get("goal")
            entry = raw[loc[1]] if isinstance(raw, list) and loc[1] < len(raw) else None
            if isinstance(entry, dict):
                item_id = as_item_id(entry.get("id"))
        raise LibraryError(where, item_id, field_of(loc), first["msg"]) from exc
    goals: dict[str, Goal] = {}
    for i, model in enumerate(parsed.goal):
        goal = model.to_domain()
        field = f"goal.{i}.routine"
        try:
            library.routine(goal.routine_id)
            for j, adjustment in enumerate(goal.adjustments):
                field = f"goal.{i}.adjustments.{j}"
                for ref in (*adjustment.exercise_ids, adjustment.replacement):
                    if ref is not None:
                        library.exercise(ref)
            for n in range(len(goal.levels)):
                field = f"goal.{i}.levels.{n}"
                _check_level(goal, n, library)
        except (HipcoachError, ValueError) as exc:
            problem = str(exc)
            if isinstance(exc, UnknownIdError):
                problem = f"refers to {exc.kind} '{exc.item_id}', which does not exist"
            raise LibraryError(where, goal.id, field, problem) from exc
        goals[goal.id] = goal
    return goals


_SHIPPED: dict[int, tuple[Library, dict[str, Goal]]] = {}


def shipped_goals(library: Library) -> dict[str, Goal]:
    """The shipped goals checked against `library`, loaded once per library per process."""
    hit = _SHIPPED.get(id(library))
    if hit is not None and hit[0] is library:
        return hit[1]
    loaded = load_goals(library)
    _SHIPPED.clear()  # one library per process in practice; never grow without bound
    _SHIPPED[id(library)] = (library, loaded)
    return loaded


def goal(goals: dict[str, Goal], goal_id: str) -> Goal:
    """The goal called `goal_id`, or UnknownIdError listing the known ones."""
    try:
        return goals[goal_id]
    except KeyError:
        raise UnknownIdError("goal", goal_id, list(goals)) from None
