"""API routes: the exercise library and the routines, with the timeline a dose compiles to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from hipcoach.domain.compiler import LIMITS, CompileOptions, DoseOverride
from hipcoach.domain.routine import Side
from hipcoach.web.api.inputs import Matching, StrictBody
from hipcoach.web.api.schemas_errors import errors
from hipcoach.web.deps import Ctx

router = APIRouter(tags=["library"])

# The compiler's own limits, so the API refuses exactly what the CLI refuses (with a 422).
_HOLD, _ROUNDS, _REPS = LIMITS["seconds"], LIMITS["rounds"], LIMITS["reps"]
_REST, _READY = LIMITS["rest_seconds"], LIMITS["get_ready_seconds"]
# One side, or both in either order: a side given twice is refused here, not by the compiler.
SIDES_PATTERN = r"^ *(left|right|left *, *right|right *, *left) *$"
SidesText = Annotated[
    str,
    Matching(SIDES_PATTERN, "must be left, right, left,right or right,left: each side once"),
]


class DoseOptions(StrictBody):
    """The dose choices of `hipcoach start` and `routine show`; none keeps the routine's."""

    hold: int | None = Field(None, ge=_HOLD[0], le=_HOLD[1], description="Seconds per hold.")
    rounds: int | None = Field(None, ge=_ROUNDS[0], le=_ROUNDS[1])
    reps: int | None = Field(None, ge=_REPS[0], le=_REPS[1])
    rest: int | None = Field(None, ge=_REST[0], le=_REST[1], description="Seconds between rounds.")
    get_ready: int | None = Field(None, ge=_READY[0], le=_READY[1])
    sides: list[Literal["left", "right"]] | None = Field(
        None,
        min_length=1,
        max_length=2,
        description="Which sides, in order, each at most once.",
        json_schema_extra={"uniqueItems": True},
    )

    @field_validator("sides")
    @classmethod
    def _each_side_once(cls, sides: list[str] | None) -> list[str] | None:
        if sides is not None and len(set(sides)) != len(sides):
            raise PydanticCustomError("side_twice", "each side may be given only once")
        return sides

    def to_options(self) -> CompileOptions:
        """As the compiler's options (which check the rest, such as a side given twice)."""
        return compile_options(
            self.hold, self.rounds, self.reps, self.rest, self.get_ready, self.sides
        )


def compile_options(
    hold: int | None,
    rounds: int | None,
    reps: int | None,
    rest: int | None,
    get_ready: int | None,
    sides: Sequence[str] | None,
) -> CompileOptions:
    """Dose values as CompileOptions."""
    return CompileOptions(
        sides=tuple(Side(s) for s in sides) if sides else None,
        dose=DoseOverride(seconds=hold, rounds=rounds, reps=reps, rest_seconds=rest),
        get_ready_seconds=get_ready,
    )


@router.get("/exercises", summary="Every exercise, in method order", responses=errors())
def exercises(ctx: Ctx) -> list[dict[str, Any]]:
    """Exercise summaries, each easier version right after the one it eases."""
    from hipcoach import services, views

    return [views.exercise_summary(e) for e in services.list_exercises(ctx.library)]


@router.get(
    "/exercises/{exercise_id}",
    summary="One exercise as a card",
    responses=errors(404, 422, about={404: "No exercise with this id."}),
)
def exercise(ctx: Ctx, exercise_id: str) -> dict[str, Any]:
    """Set-up, action, cues, dose and safety of one exercise; 404 for an unknown id."""
    from hipcoach import views

    return views.exercise_detail(ctx.library.exercise(exercise_id))


@router.get("/routines", summary="The routines with their total time", responses=errors())
def routines(ctx: Ctx) -> list[dict[str, Any]]:
    """Every routine with the length of its default session."""
    from hipcoach import services, views

    return [views.routine_summary(r, t) for r, t in services.list_routines(ctx.library)]


@router.get(
    "/routines/{routine_id}/timeline",
    summary="The session a routine compiles to",
    responses=errors(404, 422, about={404: "No routine with this id."}),
)
def routine_timeline(
    ctx: Ctx,
    routine_id: str,
    hold: Annotated[int | None, Query(ge=_HOLD[0], le=_HOLD[1])] = None,
    rounds: Annotated[int | None, Query(ge=_ROUNDS[0], le=_ROUNDS[1])] = None,
    reps: Annotated[int | None, Query(ge=_REPS[0], le=_REPS[1])] = None,
    rest: Annotated[int | None, Query(ge=_REST[0], le=_REST[1])] = None,
    get_ready: Annotated[int | None, Query(ge=_READY[0], le=_READY[1])] = None,
    sides: Annotated[
        SidesText | None, Query(description="Which sides, in order: 'left', 'right,left' ...")
    ] = None,
) -> dict[str, Any]:
    """Every timed segment of the routine at this dose, with the total time."""
    from hipcoach import services

    names = [s.strip() for s in sides.split(",")] if sides else None
    options = compile_options(hold, rounds, reps, rest, get_ready, names)
    return services.plan_routine(ctx.library, routine_id, options).to_dict()
