"""Measurements as plain values, and the checks that keep implausible ones out of the journal.

A hip rotation angle keeps its method and position, because readings taken
with different devices or postures cannot be compared (they differ by about
4 degrees). Everything a person types is checked here, before anything is
stored, and refused with a message that says what was wrong and what to do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Final, TypeVar

from hipcoach.domain.errors import HipcoachError


class MeasurementError(HipcoachError):
    """A measured value, date or label that cannot be right; nothing is stored."""


class Kind(StrEnum):
    """What a stored measurement is (the journal's `kind` column)."""

    ROM = "rom"
    SIT_TALL = "sit_tall"
    PAIN = "pain"
    GLOBAL_RATING = "global_rating"


class HipSide(StrEnum):
    """Which hip was measured (for the sit-tall check: which leg was in front)."""

    LEFT = "left"
    RIGHT = "right"


class Movement(StrEnum):
    """Which rotation was measured."""

    INTERNAL_ROTATION = "internal_rotation"
    EXTERNAL_ROTATION = "external_rotation"

    @property
    def short(self) -> str:
        return "IR" if self is Movement.INTERNAL_ROTATION else "ER"


class Method(StrEnum):
    """How an angle was taken; each method makes a trend line of its own."""

    INCLINOMETER = "inclinometer"  # a phone inclinometer app, or a bubble inclinometer
    GONIOMETER = "goniometer"
    CAMERA = "camera"
    ESTIMATE = "estimate"


class Position(StrEnum):
    """The posture the angle was taken in; norms differ between them."""

    SEATED = "seated"
    PRONE = "prone"
    SUPINE = "supine"


# The journal's unit column for each kind (the FHIR export relies on these exact strings).
UNITS: Final[dict[Kind, str]] = {
    Kind.ROM: "deg",
    Kind.SIT_TALL: "score",
    Kind.PAIN: "nrs",
    Kind.GLOBAL_RATING: "percent",
}

# Hip rotation beyond 90 degrees is not anatomy but a misread or un-zeroed phone.
ROM_LIMITS: Final = (0.0, 90.0)
PAIN_LIMITS: Final = (0, 10)
GLOBAL_LIMITS: Final = (0, 100)
PSFS_SCORE_LIMITS: Final = (0, 10)
PSFS_MAX_ITEMS: Final = 5
ACTIVITY_MAX_LENGTH: Final = 120
NOTE_MAX_LENGTH: Final = 500
# Clocks on phones and laptops drift; a reading "two minutes from now" is not a typo.
CLOCK_SKEW: Final = timedelta(minutes=5)
# Back-filling a clinic's old records is welcome; a year like 1024 is a typo.
EARLIEST: Final = date(1990, 1, 1)

_ALIASES: Final[dict[str, str]] = {
    "l": "left",
    "r": "right",
    "ir": "internal_rotation",
    "er": "external_rotation",
    "internal": "internal_rotation",
    "external": "external_rotation",
    "phone": "inclinometer",
    "app": "inclinometer",
    "sitting": "seated",
}

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class RomMeasurement:
    """One hip rotation angle in degrees, with how and in what posture it was taken."""

    measured_at: datetime
    side: HipSide
    movement: Movement
    degrees: float
    method: Method
    position: Position
    note: str | None = None


@dataclass(frozen=True)
class ScoreMeasurement:
    """A pain rating, a global rating or a sit-tall score; side only where it applies."""

    measured_at: datetime
    kind: Kind
    value: float
    side: HipSide | None = None
    note: str | None = None

    @property
    def unit(self) -> str:
        return UNITS[self.kind]


@dataclass(frozen=True)
class PsfsItem:
    """One activity the person finds hard, rated 0 (cannot do it) to 10 (as before)."""

    activity: str
    score: int


@dataclass(frozen=True)
class PsfsResponse:
    """A Patient-Specific Functional Scale: up to five of the person's own activities."""

    answered_at: datetime
    items: tuple[PsfsItem, ...]

    @property
    def score(self) -> float:
        """The PSFS score: the mean of the item scores."""
        return round(sum(i.score for i in self.items) / len(self.items), 2)


def parse_choice(enum: type[E], raw: str, what: str) -> E:
    """`raw` as a member of `enum` (case-insensitive, with a few short forms)."""
    key = raw.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    for member in enum:
        if member.value == key:
            return member
    known = ", ".join(m.value for m in enum)
    raise MeasurementError(f"unknown {what} '{raw}'; use one of: {known}")


def parse_number(raw: str | float, what: str) -> float:
    """A finite number from text or a number; '32°' and '32 deg' are read as 32."""
    if isinstance(raw, str):
        text = raw.strip().lower().removesuffix("°").removesuffix("deg").strip()
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise MeasurementError(f"{what} must be a number; got '{raw}'") from None
    else:
        value = float(raw)
    if not math.isfinite(value):
        raise MeasurementError(f"{what} must be a finite number; got '{raw}'")
    return value


def parse_when(raw: str, now: datetime, local: tzinfo) -> datetime:
    """An ISO date or date-time typed by a person, as an aware datetime.

    A bare date means midday that day (today: now), so back-filled readings sort
    sensibly within their day; a time without a zone is the person's local time.
    """
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if day == now.astimezone(local).date():
                return now
            return datetime.combine(day, time(12, 0), tzinfo=local)
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise MeasurementError(
            f"--at wants an ISO date or date-time such as 2025-03-14 or 2025-03-14T07:30; "
            f"got '{raw}'"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=local)


def check_time(moment: datetime, now: datetime, skew: timedelta = CLOCK_SKEW) -> datetime:
    """`moment` if it is aware, not in the future (beyond `skew`) and not absurdly old.

    Typed readings get minutes of skew; an imported file, whose device may keep
    another clock, gets `validation.FILE_CLOCK_SKEW`.
    """
    if not isinstance(moment, datetime):
        raise MeasurementError("a measurement time must be a date and time")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise MeasurementError("a measurement time needs a time zone")
    if moment > now + skew:
        shown = moment.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M")
        raise MeasurementError(
            f"{shown} is in the future; a measurement can only be recorded once it is taken"
        )
    if moment.date() < EARLIEST:
        raise MeasurementError(f"{moment.date()} is before {EARLIEST}; check the year")
    return moment


def check_note(note: str | None) -> str | None:
    """A note stripped of surrounding space, or None; very long notes are refused."""
    if note is not None and not isinstance(note, str):
        raise MeasurementError("a note must be text")
    if note is None or not note.strip():
        return None
    if len(note) > NOTE_MAX_LENGTH:
        raise MeasurementError(f"a note holds at most {NOTE_MAX_LENGTH} characters")
    return note.strip()


def validate_rom(
    degrees: str | float,
    side: str,
    movement: str,
    method: str,
    position: str,
    measured_at: datetime,
    now: datetime,
    note: str | None = None,
) -> RomMeasurement:
    """A hip rotation angle, refused when it cannot be a real reading."""
    hip = parse_choice(HipSide, side, "side")
    move = parse_choice(Movement, movement, "movement")
    label = f"{hip.value} {move.short}"
    value = parse_number(degrees, label)
    low, high = ROM_LIMITS
    if not low <= value <= high:
        raise MeasurementError(
            f"{label} of {value:g} degrees is not a plausible hip rotation: readings run "
            f"{low:g}-{high:g} degrees (typical seated IR is 30-40). Zero the phone with the "
            "shin hanging straight down and read again."
        )
    return RomMeasurement(
        measured_at=check_time(measured_at, now),
        side=hip,
        movement=move,
        degrees=round(value, 1),
        method=parse_choice(Method, method, "method"),
        position=parse_choice(Position, position, "position"),
        note=check_note(note),
    )


def validate_score(
    kind: Kind,
    value: str | float,
    measured_at: datetime,
    now: datetime,
    side: str | None = None,
    limits: tuple[float, float] | None = None,
    note: str | None = None,
) -> ScoreMeasurement:
    """Pain (0-10), a global rating (0-100) or a sit-tall score (limits from its data file).

    All three are whole-number scales: '6.5' out of 10 is refused rather than rounded.
    """
    if kind is Kind.ROM:
        raise MeasurementError("an angle is recorded with validate_rom, not as a score")
    what = {
        Kind.PAIN: "pain",
        Kind.GLOBAL_RATING: "global rating",
        Kind.SIT_TALL: "sit-tall score",
    }[kind]
    number = parse_number(value, what)
    if limits is None:
        if kind is Kind.SIT_TALL:
            raise MeasurementError("the sit-tall score's range comes from its data file")
        limits = PAIN_LIMITS if kind is Kind.PAIN else GLOBAL_LIMITS
    low, high = limits
    if not low <= number <= high or number != int(number):
        raise MeasurementError(
            f"{what} must be a whole number from {low:g} to {high:g}; got {number:g}"
        )
    hip = parse_choice(HipSide, side, "side") if side is not None else None
    if kind is Kind.SIT_TALL and hip is None:
        raise MeasurementError("a sit-tall score needs the side: which leg was in front")
    return ScoreMeasurement(
        measured_at=check_time(measured_at, now),
        kind=kind,
        value=float(number),
        side=hip,
        note=check_note(note),
    )


def parse_psfs_item(raw: str) -> tuple[str, str]:
    """'squat to the floor=4' as ('squat to the floor', '4'); the last '=' splits."""
    activity, sep, score = raw.rpartition("=")
    if not sep:
        raise MeasurementError(f"--psfs wants 'activity=score', e.g. 'tie my shoes=6'; got '{raw}'")
    return activity, score


def validate_psfs(
    items: Sequence[tuple[str, str | float]], answered_at: datetime, now: datetime
) -> PsfsResponse:
    """A PSFS response: 1-5 distinct, named activities, each scored 0-10 in whole numbers."""
    if not 1 <= len(items) <= PSFS_MAX_ITEMS:
        raise MeasurementError(f"the PSFS takes 1 to {PSFS_MAX_ITEMS} activities; got {len(items)}")
    seen: set[str] = set()
    parsed: list[PsfsItem] = []
    low, high = PSFS_SCORE_LIMITS
    for activity, raw_score in items:
        name = " ".join(activity.split())
        if not name:
            raise MeasurementError("each PSFS activity needs a name, e.g. 'tie my shoes'")
        if len(name) > ACTIVITY_MAX_LENGTH:
            raise MeasurementError(
                f"PSFS activity names hold at most {ACTIVITY_MAX_LENGTH} characters"
            )
        if name.casefold() in seen:
            raise MeasurementError(f"the PSFS activity '{name}' is listed twice")
        seen.add(name.casefold())
        score = parse_number(raw_score, f"the score for '{name}'")
        if not low <= score <= high or score != int(score):
            raise MeasurementError(
                f"the score for '{name}' must be a whole number from {low} (cannot do it) "
                f"to {high} (as well as before); got {score:g}"
            )
        parsed.append(PsfsItem(name, int(score)))
    return PsfsResponse(answered_at=check_time(answered_at, now), items=tuple(parsed))
