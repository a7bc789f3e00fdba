"""The hipcoach export file, version 1, as pydantic models: what an import accepts.

One model per kind of record, one field per table column (less `profile_id`).
Columns that hold JSON text in the journal (`options_json`, `answers_json`,
`outcome_json`) appear as JSON values under the name without `_json`, so the
file reads as plain JSON. Integer `id`s are the exporting journal's own; they
only tie records together (`plan_id`, `session_id`) and may change on import.

Validation is strict (a number in quotes is refused, not guessed at) so that a
hand-edited file fails with the path of the field that is wrong. Text lengths
and references are checked by the store, which knows the columns. A change to
these models that an older hipcoach could not read needs a new SCHEMA_VERSION;
a test fails when a table gains a column that is missing here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    model_validator,
)

from hipcoach.store.records import OUTCOMES, SESSION_STATUSES
from hipcoach.store.tables import (
    CHECKIN_MOMENTS,
    HOLD_KINDS,
    HOLD_LEVELS,
    MEASURE_KINDS,
    MORNING_AFTER,
    PLAN_STATUSES,
    SCREEN_STATUSES,
    SYMPTOMS,
)

FORMAT = "hipcoach-export"
SCHEMA_VERSION = 2  # 2: pauses (holds), preferences, sessions.ended_by_rule


def _one_of(values: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in values:
            raise ValueError(f"'{value}' is not one of: {', '.join(values)}")
        return value

    return check


Count = Annotated[int, Field(ge=0)]
Score10 = Annotated[int, Field(ge=0, le=10)]
Number = Annotated[float, Field(allow_inf_nan=False)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Plan(_Record):
    """A program toward a goal."""

    id: int
    goal_id: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    start_date: date
    weeks: Annotated[int, Field(ge=1, le=52)]
    weekdays: str
    time_of_day: str | None
    status: Annotated[str, AfterValidator(_one_of(PLAN_STATUSES))]
    status_reason: str | None


class Session(_Record):
    """One guided session; `id` is a uuid kept as it is on import."""

    id: str
    routine_id: str
    routine_name: str
    options: JsonValue
    fingerprint: str
    total_segments: Count
    total_seconds: Count
    status: Annotated[str, AfterValidator(_one_of(SESSION_STATUSES))]
    started_at: AwareDatetime
    updated_at: AwareDatetime
    ended_at: AwareDatetime | None
    plan_id: int | None
    # Added after the first files were written: an older file leaves it out.
    ended_by_rule: str | None = None


class SegmentEvent(_Record):
    """What happened to one segment of a session."""

    id: int
    session_id: str
    segment_index: Count
    kind: str
    exercise_id: str
    side: str
    outcome: Annotated[str, AfterValidator(_one_of(OUTCOMES))]
    planned_seconds: Count
    elapsed_seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    recorded_at: AwareDatetime


class Screen(_Record):
    """One readiness screen: the answers and the outcome they led to."""

    id: int
    taken_at: AwareDatetime
    status: Annotated[str, AfterValidator(_one_of(SCREEN_STATUSES))]
    answers: JsonValue
    outcome: JsonValue


class Checkin(_Record):
    """How the hip felt before or after a session."""

    id: int
    session_id: str | None
    moment: Annotated[str, AfterValidator(_one_of(CHECKIN_MOMENTS))]
    recorded_at: AwareDatetime
    pain: Score10 | None
    morning_after: Annotated[str, AfterValidator(_one_of(MORNING_AFTER))] | None
    effort: Score10 | None


class SymptomEvent(_Record):
    """A symptom reported and what the rules did about it."""

    id: int
    session_id: str | None
    segment_index: Count | None
    symptom: Annotated[str, AfterValidator(_one_of(SYMPTOMS))]
    recorded_at: AwareDatetime
    rule_id: str
    action: str


class Measurement(_Record):
    """One measured value; see the README for units and what each kind means."""

    id: int
    measured_at: AwareDatetime
    recorded_at: AwareDatetime
    kind: Annotated[str, AfterValidator(_one_of(MEASURE_KINDS))]
    value: Number
    unit: str
    side: str | None
    movement: str | None
    method: str | None
    position: str | None
    note: str | None


class QuestionnaireResponse(_Record):
    """A completed questionnaire (the PSFS: {"items": [{"activity", "score"}]}) and its score."""

    id: int
    questionnaire_id: str
    answered_at: AwareDatetime
    answers: JsonValue
    score: Number | None


RuleIdText = Annotated[str, Field(min_length=1, max_length=64)]
Sentence = Annotated[str, Field(min_length=1, max_length=600)]


class Hold(_Record):
    """A clinical pause: why it began, and the clearance or new screen that lifted it.

    Checked as a whole, so that what is taken in every command can read: a pause does
    not begin in the future, is not lifted before it began, and a clearance has both
    who gave it and when (within a day either side, for clocks that disagree).
    """

    id: int
    kind: Annotated[str, AfterValidator(_one_of(HOLD_KINDS))]
    level: Annotated[str, AfterValidator(_one_of(HOLD_LEVELS))]
    since: AwareDatetime
    rule_ids: Annotated[list[RuleIdText], Field(min_length=1, max_length=20)]
    reasons: Annotated[list[Sentence], Field(min_length=1, max_length=20)]
    what_to_do: Annotated[str, Field(max_length=2000)]
    signs: Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(max_length=20)]
    lifted_at: AwareDatetime | None
    lifted_how: Annotated[str, AfterValidator(_one_of(("clearance", "screen")))] | None
    cleared_by: Annotated[str, Field(min_length=1, max_length=100)] | None
    cleared_on: date | None
    clearance_note: Annotated[str, Field(max_length=500)] | None

    @model_validator(mode="after")
    def _consistent(self) -> Hold:
        from datetime import UTC, datetime, timedelta

        soon = datetime.now(UTC) + timedelta(days=1)
        if len(self.rule_ids) != len(self.reasons):
            raise ValueError("needs one reason per rule id")
        if self.since > soon:
            raise ValueError("a pause cannot begin in the future")
        if (self.lifted_at is None) != (self.lifted_how is None):
            raise ValueError("lifted_at and lifted_how come together")
        if self.lifted_at is not None and not (self.since <= self.lifted_at <= soon):
            raise ValueError("a pause is lifted after it began, and not in the future")
        cleared = (self.cleared_by is None, self.cleared_on is None)
        if cleared[0] != cleared[1] or (self.lifted_how == "clearance") == cleared[0]:
            raise ValueError("a clearance lift needs cleared_by and cleared_on, and only it")
        if self.clearance_note is not None and self.cleared_by is None:
            raise ValueError("a clearance note needs its clearance")
        return self


class Preference(_Record):
    """One of the person's own choices."""

    id: int
    key: Annotated[str, Field(min_length=1, max_length=64)]
    value: Annotated[str, Field(max_length=200)]
    updated_at: AwareDatetime


class Records(_Record):
    """Every kind of record; a kind the profile has none of may be left out."""

    plans: list[Plan] = []
    sessions: list[Session] = []
    segment_events: list[SegmentEvent] = []
    screens: list[Screen] = []
    checkins: list[Checkin] = []
    symptom_events: list[SymptomEvent] = []
    measurements: list[Measurement] = []
    questionnaire_responses: list[QuestionnaireResponse] = []
    holds: list[Hold] = []
    preferences: list[Preference] = []

    @model_validator(mode="after")
    def _one_value_per_preference(self) -> Records:
        keys = [p.key for p in self.preferences]
        if len(set(keys)) != len(keys):
            raise ValueError("preferences: a key is given twice")
        return self


class Profile(_Record):
    """Whose data this was; an import goes into the current profile whatever its name."""

    name: Annotated[str, Field(min_length=1)]
    created_at: AwareDatetime


class ExportFile(_Record):
    """The whole file."""

    format: Literal["hipcoach-export"]
    schema_version: Literal[1, 2]  # a version 1 file simply has none of version 2's records
    exported_at: AwareDatetime
    hipcoach_version: str | None = None
    profile: Profile
    records: Records
