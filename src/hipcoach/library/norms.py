"""Load library/norms.toml: typical hip rotation and the thresholds for a real change."""

from __future__ import annotations

from functools import lru_cache
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

from hipcoach.domain.measurements import Method, Movement, Position
from hipcoach.domain.norms import NormRange, Norms, Thresholds
from hipcoach.library.loader import _read_toml, _validate

NORMS_FILE = Path(__file__).parent / "norms.toml"

Degrees = Annotated[float, Field(ge=0, le=180)]
Note = Annotated[str, StringConstraints(min_length=1, max_length=400, strip_whitespace=True)]
MovementName = Literal["internal_rotation", "external_rotation"]
PositionName = Literal["seated", "prone", "supine"]


class _Strict(BaseModel):
    # TOML allows inf and nan; no content number may be either.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class RangeModel(_Strict):
    movement: MovementName
    position: PositionName
    low: Degrees | None = None
    high: Degrees | None = None
    typical: Degrees | None = None
    note: Note

    @model_validator(mode="after")
    def _range_is_whole(self) -> RangeModel:
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high, or neither")
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError("low must be below high")
        if self.low is None and self.typical is None:
            raise ValueError("give a range (low and high) or a typical value")
        return self


class ArcModel(_Strict):
    typical: Degrees
    spread: Degrees
    low: Degrees
    high: Degrees


class PublishedModel(_Strict):
    movement: MovementName
    method: Literal["inclinometer", "goniometer", "camera", "estimate"]
    position: PositionName
    degrees: Annotated[float, Field(gt=0, le=30)]
    what: Note


class ChangeModel(_Strict):
    rule_of_thumb: Annotated[float, Field(gt=0, le=30)]
    use_published: bool
    notes: list[Note]
    published: list[PublishedModel] = []


class NormsFile(_Strict):
    range: list[RangeModel]
    arc: ArcModel
    detectable_change: ChangeModel

    @field_validator("range")
    @classmethod
    def _one_range_per_measure(cls, ranges: list[RangeModel]) -> list[RangeModel]:
        keys = [(r.movement, r.position) for r in ranges]
        if len(set(keys)) != len(keys):
            raise ValueError("each movement and position has one range at most")
        return ranges

    def to_domain(self) -> Norms:
        change = self.detectable_change
        return Norms(
            ranges=tuple(
                NormRange(
                    Movement(r.movement), Position(r.position), r.low, r.high, r.typical, r.note
                )
                for r in self.range
            ),
            thresholds=Thresholds(
                default=change.rule_of_thumb,
                published={
                    (Movement(p.movement), Method(p.method), Position(p.position)): p.degrees
                    for p in change.published
                },
                use_published=change.use_published,
            ),
            arc_low=self.arc.low,
            arc_high=self.arc.high,
            arc_typical=self.arc.typical,
            notes=tuple(change.notes),
        )


def load_norms_from(path: Path) -> Norms:
    """The norms in `path`, or LibraryError naming the file and field."""
    parsed: NormsFile = _validate(NormsFile, _read_toml(path, path.parent), path, path.parent)
    return parsed.to_domain()


@lru_cache(maxsize=1)
def load_norms() -> Norms:
    """The shipped norms, loaded once per process."""
    return load_norms_from(NORMS_FILE)
