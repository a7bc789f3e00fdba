"""Questionnaires as validated data, shaped like a small FHIR Questionnaire.

Shipped ones live in library/questionnaires/; a clinician who holds a licence
for another instrument can drop its file into the user's data folder
(<data dir>/questionnaires/) instead of hipcoach shipping it. A broken file is
refused with its name, the questionnaire id and the field.

Field names follow FHIR (linkId, answerOption, minValue). Two hipcoach
additions: an item's `observation` says which measurement its answer becomes,
and `ownScore` marks a score hipcoach made up, which every surface must say.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from hipcoach.domain.errors import LibraryError
from hipcoach.domain.measurements import GLOBAL_LIMITS, PAIN_LIMITS, ROM_LIMITS, Kind
from hipcoach.library.loader import _read_toml, _validate

SHIPPED_DIR = Path(__file__).parent / "questionnaires"

QuestionnaireId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)
]
LinkId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+([.-][a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=600, strip_whitespace=True)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
ItemType = Literal["display", "group", "string", "integer", "decimal"]
# An answer or a score: finite, and far beyond any scale a form asks for (minutes in a week).
Number = Annotated[float, Field(ge=-10_000, le=10_000)]

# What the journal accepts for each kind; a data file may narrow these, never widen them.
_DOMAIN_LIMITS: dict[str, tuple[float, float]] = {
    Kind.ROM.value: ROM_LIMITS,
    Kind.PAIN.value: (float(PAIN_LIMITS[0]), float(PAIN_LIMITS[1])),
    Kind.GLOBAL_RATING.value: (float(GLOBAL_LIMITS[0]), float(GLOBAL_LIMITS[1])),
}


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        allow_inf_nan=False,  # TOML allows inf and nan; no answer or score may be either
    )


class AnswerOption(_Model):
    """One labelled point of a scale (the sit-tall check's 0-4 lines)."""

    value: Annotated[int, Field(ge=-10_000, le=10_000)]
    label: Text


class Observation(_Model):
    """Which measurement an item's answer is stored as (the journal's column values)."""

    kind: Literal["rom", "sit_tall", "pain", "global_rating"]
    side: Literal["left", "right"] | None = None
    movement: Literal["internal_rotation", "external_rotation"] | None = None
    method: Literal["inclinometer", "goniometer", "camera", "estimate"] | None = None
    position: Literal["seated", "prone", "supine"] | None = None

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> Self:
        angle = (self.movement, self.method, self.position)
        if self.kind == "rom" and (self.side is None or None in angle):
            raise ValueError("a rom observation names side, movement, method and position")
        if self.kind != "rom" and angle != (None, None, None):
            raise ValueError("only a rom observation takes movement, method and position")
        if self.kind == "sit_tall" and self.side is None:
            raise ValueError("a sit_tall observation names the side (the leg in front)")
        return self


class Item(_Model):
    """One step or question; groups hold items, display items only show text."""

    link_id: LinkId
    type: ItemType
    text: Text
    required: bool = False
    repeats: bool = False
    max_repeats: Annotated[int, Field(ge=1, le=20)] | None = None
    min_value: Number | None = None
    max_value: Number | None = None
    unit: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = None
    low_label: ShortText | None = None
    high_label: ShortText | None = None
    max_length: Annotated[int, Field(ge=1, le=600)] | None = None
    answer_option: list[AnswerOption] = []
    observation: Observation | None = None
    item: list[Item] = []

    @model_validator(mode="after")
    def _fields_fit_the_type(self) -> Self:
        numeric = self.type in ("integer", "decimal")
        if (self.type == "group") != bool(self.item):
            raise ValueError("a group holds items, and only a group does")
        if numeric and (self.min_value is None or self.max_value is None):
            raise ValueError("a number item needs minValue and maxValue")
        if numeric and self.min_value is not None and self.max_value is not None:
            if self.min_value >= self.max_value:
                raise ValueError("minValue must be below maxValue")
            for option in self.answer_option:
                if not self.min_value <= option.value <= self.max_value:
                    raise ValueError(f"answer option {option.value} is outside the item's range")
        if not numeric and (self.min_value is not None or self.answer_option or self.observation):
            raise ValueError("only number items take a range, answer options or an observation")
        if len({o.value for o in self.answer_option}) != len(self.answer_option):
            raise ValueError("answer option values must be unique")
        if self.max_repeats is not None and not self.repeats:
            raise ValueError("maxRepeats needs repeats = true")
        if self.observation is not None and self.observation.kind in _DOMAIN_LIMITS:
            low, high = _DOMAIN_LIMITS[self.observation.kind]
            assert self.min_value is not None
            assert self.max_value is not None
            if self.min_value < low or self.max_value > high:
                raise ValueError(
                    f"a {self.observation.kind} answer runs {low:g}-{high:g} at most; "
                    f"this item allows {self.min_value:g}-{self.max_value:g}"
                )
        return self

    def walk(self) -> Iterator[Item]:
        """This item and everything inside it, in order."""
        yield self
        for child in self.item:
            yield from child.walk()


class Scoring(_Model):
    """How answers become one score: the mean or sum of one repeated number item."""

    method: Literal["mean", "sum"]
    link_id: LinkId
    min_score: Number
    max_score: Number
    meaningful_change: Annotated[float, Field(gt=0, le=10_000)] | None = None
    label: ShortText

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.min_score >= self.max_score:
            raise ValueError("minScore must be below maxScore")
        if self.meaningful_change is not None and (
            self.meaningful_change > self.max_score - self.min_score
        ):
            raise ValueError("meaningfulChange cannot be more than the whole score range")
        return self


class Questionnaire(_Model):
    """A questionnaire or guided form; its items are asked in order."""

    resource_type: Literal["Questionnaire"]
    id: QuestionnaireId
    title: ShortText
    version: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    status: Literal["draft", "active", "retired"]
    publisher: ShortText
    copyright: Text
    description: Text
    own_score: bool = False
    instructions: list[Text] = []
    # Items come before scoring, so scoring's check can see them (and a problem names its field).
    item: Annotated[list[Item], Field(min_length=1)]
    scoring: Scoring | None = None

    @field_validator("item")
    @classmethod
    def _links_once(cls, items: list[Item]) -> list[Item]:
        seen: set[str] = set()
        for entry in (e for top in items for e in top.walk()):
            if entry.link_id in seen:
                raise ValueError(f"linkId '{entry.link_id}' is used twice")
            seen.add(entry.link_id)
        return items

    @field_validator("scoring")
    @classmethod
    def _scores_a_number(cls, scoring: Scoring | None, info: ValidationInfo) -> Scoring | None:
        items: list[Item] = info.data.get("item", [])
        if scoring is not None and items:
            found = (e for top in items for e in top.walk() if e.link_id == scoring.link_id)
            target = next(found, None)
            if target is None or target.type not in ("integer", "decimal"):
                raise ValueError(f"scoring.linkId '{scoring.link_id}' must name a number item")
        return scoring

    def walk(self) -> Iterator[Item]:
        """Every item, depth first, in the order they are asked."""
        for entry in self.item:
            yield from entry.walk()

    def find(self, link_id: str) -> Item | None:
        """The item with this linkId, if any."""
        return next((i for i in self.walk() if i.link_id == link_id), None)

    def observation_limits(self, kind: str, side: str | None = None) -> tuple[float, float]:
        """The answer range of the item that records `kind` (and `side`); LibraryError if none."""
        for entry in self.walk():
            obs = entry.observation
            if obs is not None and obs.kind == kind and (side is None or obs.side == side):
                assert entry.min_value is not None
                assert entry.max_value is not None
                return entry.min_value, entry.max_value
        raise LibraryError(self.id, self.id, "item", f"no item records '{kind}'")


def load_folder(folder: Path) -> dict[str, Questionnaire]:
    """Every questionnaire file in `folder` (none when it does not exist), by id."""
    found: dict[str, Questionnaire] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.toml")):
        parsed: Questionnaire = _validate(Questionnaire, _read_toml(path, folder), path, folder)
        if parsed.id != path.stem:
            raise LibraryError(
                f"{folder.name}/{path.name}",
                parsed.id,
                "id",
                f"must match the file name '{path.stem}'",
            )
        found[parsed.id] = parsed
    return found


@lru_cache(maxsize=1)
def shipped_questionnaires() -> dict[str, Questionnaire]:
    """The questionnaires hipcoach ships, loaded once per process."""
    return load_folder(SHIPPED_DIR)


def load_questionnaires(user_dir: Path | None = None) -> dict[str, Questionnaire]:
    """The shipped questionnaires plus any in `user_dir`; a user file may not reuse a shipped id."""
    found = dict(shipped_questionnaires())
    if user_dir is not None:
        for qid, questionnaire in load_folder(user_dir).items():
            if qid in found:
                raise LibraryError(
                    f"{user_dir.name}/{qid}.toml",
                    qid,
                    "id",
                    "is already the id of a questionnaire hipcoach ships; choose another",
                )
            found[qid] = questionnaire
    return found
