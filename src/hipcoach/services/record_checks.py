"""One record of the journal checked against the rules direct entry follows.

`record_problems(kind, record)` is the single entry point: the import calls it
on every record of a file before anything is written, and `hipcoach doctor`
on stored rows. Each rule is the domain's own function, the one a typed
value goes through (`domain.measurements.validate_rom`, `domain.rulebook.
check_scale`, `domain.planning.make_plan`, ...), so a file cannot store what
a person could not have typed, and no rule exists twice.

`kind` is the export's table name; `record` is the row as the export carries
it (ISO text or datetime values, JSON values under the field name without
`_json`, or the journal's JSON text under the `_json` name).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from hipcoach.domain.errors import HipcoachError
from hipcoach.domain.measurements import (
    UNITS,
    HipSide,
    Kind,
    Method,
    Movement,
    Position,
    check_note,
    check_time,
    validate_psfs,
    validate_rom,
    validate_score,
)
from hipcoach.domain.planning import (
    MAX_WEEKS,
    check_plan_start,
    make_plan,
    parse_time,
    weekdays_from_text,
)
from hipcoach.domain.routine import Side
from hipcoach.domain.rulebook import MorningAfter, Symptom, check_scale
from hipcoach.domain.screening import Readiness
from hipcoach.domain.timeline import SegmentKind
from hipcoach.domain.validation import (
    FILE_CLOCK_SKEW,
    INT64_MAX,
    PREFERENCE_VALUE_MAX,
    ValueBoundsError,
    check_choice,
    check_day,
    check_moment,
    check_number,
    check_order,
    check_text,
    check_whole,
)
from hipcoach.store.tables import CHECKIN_MOMENTS, HOLD_KINDS, HOLD_LEVELS, PLAN_STATUSES

if TYPE_CHECKING:
    from hipcoach.domain.goals import Goal
    from hipcoach.domain.library import Library
    from hipcoach.domain.screening import ScreenForm
    from hipcoach.library.questionnaires import Questionnaire

# Bounds for what only a machine writes (counts, durations): generous, but finite, so that
# every later sum and date stays in range.
MAX_SEGMENTS: Final = 10_000
MAX_SECONDS: Final = 86_400  # a day: no step or session is longer
MAX_ANSWERS: Final = 100  # as the API takes them (web/api/program.py)
MAX_RULE_TEXT: Final = 2_000
MAX_SCREEN_DAYS: Final = 3_650
MAX_JSON_CHARS: Final = 100_000
# The domain's own names for each enumeration, as the journal stores them.
SIDES: Final = tuple(s.value for s in Side)
SEGMENT_KINDS: Final = tuple(k.value for k in SegmentKind)
MORNINGS: Final = tuple(m.value for m in MorningAfter)
SYMPTOMS: Final = tuple(s.value for s in Symptom)
KINDS: Final = tuple(k.value for k in Kind)
HIP_SIDES: Final = tuple(s.value for s in HipSide)
MOVEMENTS: Final = tuple(m.value for m in Movement)
METHODS: Final = tuple(m.value for m in Method)
POSITIONS: Final = tuple(p.value for p in Position)
READINESS: Final = tuple(r.value for r in Readiness)
# What a person may write as a pause reason (the API's limit); rules write longer ones.
MAX_STATUS_REASON: Final = 2_000


@dataclass(frozen=True)
class RecordProblem:
    """One field of one record that the journal would not take, and why, in plain words."""

    field: str
    message: str


def record_problems(
    kind: str, record: Mapping[str, Any], *, now: datetime | None = None
) -> list[RecordProblem]:
    """Everything wrong with `record` of table `kind`; an empty list when it is fit to store."""
    checks = _CHECKS.get(kind)
    if checks is None:
        return [RecordProblem("", f"unknown kind of record '{kind}'")]
    fields = _Fields(record, now or datetime.now(UTC))
    try:
        checks(fields)
    except Exception as exc:  # a check that trips on a bent value names a problem too
        fields.problem("", f"cannot be read: {type(exc).__name__}")
    return fields.problems


class _Fields:
    """A record's values, read leniently, and the problems found so far."""

    def __init__(self, record: Mapping[str, Any], now: datetime) -> None:
        self.record = record
        self.now = now
        self.problems: list[RecordProblem] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(RecordProblem(field, message))

    def failed(self, *fields: str) -> bool:
        return any(p.field in fields for p in self.problems)

    def raw(self, name: str) -> Any:
        if name in self.record:
            return self.record[name]
        text = self.record.get(name + "_json")
        if isinstance(text, str):
            try:
                return json.loads(text)
            except ValueError:
                return _NOT_JSON
        return None

    def check(self, name: str, rule: Callable[[Any], object], *, optional: bool = False) -> Any:
        """Run `rule` on the field's value; a refusal (or a crash on a bent value) is kept."""
        value = self.raw(name)
        if value is _NOT_JSON:
            self.problem(name, "is not valid JSON")
            return None
        if value is None:
            if not optional:
                self.problem(name, "cannot be empty")
            return None
        try:
            rule(value)
        except HipcoachError as exc:
            self.problem(name, str(exc))
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
            self.problem(name, f"is not in the form hipcoach writes ({type(exc).__name__})")
        return value

    def moment(self, name: str) -> datetime | None:
        value = self.raw(name)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return None
        return value if isinstance(value, datetime) and value.utcoffset() is not None else None

    def day(self, name: str) -> date | None:
        value = self.raw(name)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return None
        return value if isinstance(value, date) and not isinstance(value, datetime) else None

    def event_time(self, name: str, *, optional: bool = False) -> datetime | None:
        """A time hipcoach's clock wrote: after 2000, and not in the future beyond skew."""
        self.check(name, lambda v: check_moment(_as_moment(v), self.now, name), optional=optional)
        return None if self.failed(name) else self.moment(name)

    def whole(self, name: str, low: int, high: int, *, optional: bool = False) -> None:
        self.check(name, lambda v: check_whole(v, low, high, name), optional=optional)

    def text(self, name: str, longest: int, *, optional: bool = False, blank: bool = True) -> None:
        self.check(name, lambda v: check_text(v, longest, name, blank=blank), optional=optional)

    def choice(self, name: str, allowed: tuple[str, ...], *, optional: bool = False) -> None:
        self.check(name, lambda v: check_choice(v, allowed, name), optional=optional)

    def after(self, first: str, then: str) -> None:
        start, end = self.moment(first), self.moment(then)
        if start is not None and end is not None and not self.failed(first, then):
            try:
                check_order(start, end, then)
            except HipcoachError as exc:
                self.problem(then, str(exc))


_NOT_JSON: Final = object()


def _as_moment(value: object) -> object:
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _as_day(value: object) -> object:
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _json_size(value: object, longest: int = MAX_JSON_CHARS) -> None:
    if len(json.dumps(value)) > longest:
        raise ValueBoundsError(f"holds more than {longest} characters")


@cache
def _library() -> Library:
    from hipcoach.library.loader import load_library

    return load_library()


@cache
def _goals() -> dict[str, Goal]:
    from hipcoach.library.goals import load_goals

    return load_goals(_library())


@cache
def _screen_form() -> ScreenForm:
    from hipcoach.library.screening import load_screening

    return load_screening()


@cache
def _questionnaires() -> dict[str, Questionnaire]:
    from hipcoach.library.questionnaires import load_questionnaires

    return load_questionnaires()


# ---- one function per kind ------------------------------------------------------------


def _plan(f: _Fields) -> None:
    from hipcoach.library.goals import goal

    f.whole("id", 1, INT64_MAX)
    f.check("goal_id", lambda v: goal(_goals(), v))
    created = f.event_time("created_at")
    f.event_time("updated_at")
    f.after("created_at", "updated_at")
    today = (created or f.now).date()
    f.check("start_date", lambda v: check_plan_start(_as_day(v), max(today, f.now.date())))  # type: ignore[arg-type]
    f.whole("weeks", 1, MAX_WEEKS)
    f.check("weekdays", weekdays_from_text)
    f.check("time_of_day", _clock_time, optional=True)
    f.choice("status", PLAN_STATUSES)
    f.text("status_reason", MAX_STATUS_REASON, optional=True)
    if f.failed("goal_id", "start_date", "weeks", "weekdays", "time_of_day"):
        return
    # The days a goal takes per week are direct entry's rule: make_plan applies it.
    try:
        make_plan(
            _goals()[f.raw("goal_id")],
            f.day("start_date") or f.now.date(),
            days=f.raw("weekdays"),
            at=f.raw("time_of_day"),
            weeks=f.raw("weeks"),
        )
    except HipcoachError as exc:
        f.problem("weekdays", str(exc))


def _clock_time(value: object) -> None:
    if not isinstance(value, str) or len(value) != 5:
        raise ValueBoundsError("must be a time like 07:00")
    parse_time(value)


def _session(f: _Fields) -> None:
    from hipcoach.store.records import SESSION_STATUSES

    f.check("id", _session_id)
    # History may outlive the library: a routine or exercise a later version renames or
    # drops stays in the sessions done with it (starting one checks the library).
    f.text("routine_id", 100, blank=False)
    f.text("routine_name", 200, blank=False)
    f.check("options", lambda v: _session_options(v, f.raw("routine_id")))
    f.text("fingerprint", 64, blank=False)
    f.whole("total_segments", 0, MAX_SEGMENTS)
    f.whole("total_seconds", 0, MAX_SECONDS)
    f.choice("status", SESSION_STATUSES)
    f.event_time("started_at")
    f.event_time("updated_at")
    f.event_time("ended_at", optional=True)
    f.after("started_at", "updated_at")
    f.after("started_at", "ended_at")
    f.whole("plan_id", 1, INT64_MAX, optional=True)
    f.text("ended_by_rule", 64, optional=True, blank=False)


_SESSION_ID = re.compile(r"[0-9A-Za-z-]{1,32}")


def _session_id(value: object) -> None:
    if not isinstance(value, str) or _SESSION_ID.fullmatch(value) is None:
        raise ValueBoundsError("a session id is 1 to 32 letters, digits and dashes")


def _session_options(value: object, routine_id: object) -> None:
    """The options a session was compiled with, as `--resume` and the live session read them:
    the dose within the limits `start` allows (compiler.validate_options)."""
    from hipcoach.domain.compiler import CompileOptions, validate_options
    from hipcoach.services.adaptation import ADJUSTMENTS, SPLICES
    from hipcoach.services.checkins import adjustments_from_dicts

    if not isinstance(value, dict):
        raise ValueBoundsError("must be an object")
    _json_size(value)
    options = CompileOptions.from_dict(value)
    if isinstance(routine_id, str) and routine_id in _library().routines:
        validate_options(options, _library().routines[routine_id], _library())
    adjustments_from_dicts(value.get(ADJUSTMENTS, []))
    splices = value.get(SPLICES, [])
    if not isinstance(splices, list) or not all(isinstance(s, dict) for s in splices):
        raise ValueBoundsError("splices must be a list of objects")
    for splice in splices:
        check_whole(splice.get("at"), 0, MAX_SEGMENTS, "a splice's step")
        if not splice.get("end"):
            adjustments_from_dicts(splice[ADJUSTMENTS])


def _segment_event(f: _Fields) -> None:
    from hipcoach.store.records import OUTCOMES

    f.whole("id", 1, INT64_MAX)
    f.check("session_id", _session_id)
    f.whole("segment_index", 0, MAX_SEGMENTS)
    f.choice("kind", SEGMENT_KINDS)
    f.text("exercise_id", 100, blank=False)  # as routine_id above
    f.choice("side", SIDES)
    f.choice("outcome", OUTCOMES)
    f.whole("planned_seconds", 0, MAX_SECONDS)
    f.check("elapsed_seconds", lambda v: check_number(v, 0, MAX_SECONDS, "elapsed_seconds"))
    f.event_time("recorded_at")


def _screen(f: _Fields) -> None:
    f.whole("id", 1, INT64_MAX)
    f.event_time("taken_at")
    f.choice("status", READINESS)
    f.check("answers", _screen_answers)
    f.check("outcome", lambda v: _screen_outcome(v, f.raw("status")))
    if f.failed("answers", "outcome"):
        return
    # Answers to today's questions are checked as the screen checks them; an older
    # screen's are read again by today's rules (services.screening.under_current_rules).
    from hipcoach.domain.screening import check_answers

    form = _screen_form()
    if f.raw("outcome")["form_version"] == form.version:
        f.check("answers", lambda v: check_answers(form, v))


def _screen_answers(value: object) -> None:
    # The screen's answers as the form takes them (web/api/program.py: a dict of bool or text).
    if not isinstance(value, dict) or len(value) > MAX_ANSWERS:
        raise ValueBoundsError(f"must be an object of at most {MAX_ANSWERS} answers")
    for key, answer in value.items():
        check_text(key, 100, "a question id", blank=False)
        if not isinstance(answer, bool):
            check_text(answer, 200, f"the answer to '{key}'")


def _screen_outcome(value: object, status: object) -> None:
    from hipcoach.store.screens import outcome_from_dict

    if not isinstance(value, dict):
        raise ValueBoundsError("must be an object")
    _json_size(value)
    outcome = outcome_from_dict(value)
    check_whole(value["valid_for_days"], 1, MAX_SCREEN_DAYS, "valid_for_days")
    check_whole(value["form_version"], 1, 10_000, "form_version")
    for text in (*outcome.what_to_do, *outcome.what_would_change_it):
        check_text(text, MAX_RULE_TEXT, "a line of the outcome")
    for reason in outcome.reasons:
        check_text(reason.reason, MAX_RULE_TEXT, "a reason")
        check_text(reason.rule_id, 64, "a rule id")
    for adjustment in outcome.adjustments:
        if adjustment.effort_percent is not None:
            check_whole(adjustment.effort_percent, 0, 100, "an effort cap")
    if outcome.status.value != status:
        raise ValueBoundsError("the outcome's status is not the screen's")


def _checkin(f: _Fields) -> None:
    f.whole("id", 1, INT64_MAX)
    f.check("session_id", _session_id, optional=True)
    f.choice("moment", CHECKIN_MOMENTS)
    f.event_time("recorded_at")
    f.check("pain", lambda v: check_scale(v, "pain"), optional=True)
    f.choice("morning_after", MORNINGS, optional=True)
    f.check("effort", lambda v: check_scale(v, "effort"), optional=True)


def _symptom_event(f: _Fields) -> None:
    f.whole("id", 1, INT64_MAX)
    f.check("session_id", _session_id, optional=True)
    f.whole("segment_index", 0, MAX_SEGMENTS, optional=True)
    f.choice("symptom", SYMPTOMS)
    f.event_time("recorded_at")
    f.text("rule_id", 64, blank=False)
    f.text("action", MAX_RULE_TEXT)


def _measurement(f: _Fields) -> None:
    f.whole("id", 1, INT64_MAX)
    measured = f.moment("measured_at")
    f.check("measured_at", lambda v: check_time(_as_moment(v), f.now, FILE_CLOCK_SKEW))  # type: ignore[arg-type]
    f.event_time("recorded_at")
    f.choice("kind", KINDS)
    f.choice("side", HIP_SIDES, optional=True)
    f.choice("movement", MOVEMENTS, optional=True)
    f.choice("method", METHODS, optional=True)
    f.choice("position", POSITIONS, optional=True)
    f.check("note", check_note, optional=True)
    if f.failed("kind", "measured_at") or measured is None:
        return
    kind = Kind(f.raw("kind"))
    f.check("unit", lambda v: check_choice(v, (UNITS[kind],), "unit"))
    # Checked as a typed reading would be, against a clock that allows for the file's skew.
    later = max(f.now + FILE_CLOCK_SKEW, measured)
    side, note = f.raw("side"), f.raw("note")
    if kind is Kind.ROM:
        if f.failed("side", "movement", "method", "position"):
            return
        names = ("side", "movement", "method", "position")
        if any(f.raw(n) is None for n in names):
            f.problem("side", "an angle needs its side, movement, method and position")
            return
        how = (f.raw("movement"), f.raw("method"), f.raw("position"))
        f.check("value", lambda v: validate_rom(v, side, *how, measured, later, note))
        return
    limits = None
    if kind is Kind.SIT_TALL:
        if not isinstance(side, str) or f.failed("side"):
            f.problem("side", "a sit-tall score needs the side: which leg was in front")
            return
        limits = _questionnaires()["sit-tall"].observation_limits(kind.value, side)
    f.check("value", lambda v: validate_score(kind, v, measured, later, side, limits, note))


def _questionnaire_response(f: _Fields) -> None:
    f.whole("id", 1, INT64_MAX)
    f.text("questionnaire_id", 100, blank=False)
    answered = f.moment("answered_at")
    f.check("answered_at", lambda v: check_time(_as_moment(v), f.now, FILE_CLOCK_SKEW))  # type: ignore[arg-type]
    f.check("answers", _json_size)
    f.check("score", lambda v: check_number(v, -1e6, 1e6, "score"), optional=True)
    if f.raw("questionnaire_id") == "psfs" and answered is not None and not f.failed("answered_at"):
        later = max(f.now + FILE_CLOCK_SKEW, answered)
        f.check("answers", lambda v: _psfs(v, answered, later))


def _psfs(value: object, answered: datetime, later: datetime) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("items"), list):
        raise ValueBoundsError('the PSFS answers are {"items": [{"activity", "score"}]}')
    items = [(i["activity"], i["score"]) for i in value["items"]]
    for activity, score in items:
        check_text(activity, 200, "an activity")
        check_whole(score, 0, 10, "a PSFS score")
    validate_psfs(items, answered, later)


def _hold(f: _Fields) -> None:
    f.whole("id", 1, INT64_MAX)
    f.choice("kind", HOLD_KINDS)
    f.choice("level", HOLD_LEVELS)
    f.event_time("since")
    f.check("rule_ids", lambda v: _texts(v, 64, 20, blank=False))
    f.check("reasons", lambda v: _texts(v, 600, 20, blank=False))
    f.text("what_to_do", 2_000)
    f.check("signs", lambda v: _texts(v, 40, 20, blank=False, empty=True))
    f.event_time("lifted_at", optional=True)
    f.after("since", "lifted_at")
    f.choice("lifted_how", ("clearance", "screen"), optional=True)
    f.text("cleared_by", 100, optional=True, blank=False)
    upto = f.now.date() + FILE_CLOCK_SKEW
    f.check(
        "cleared_on",
        lambda v: check_day(_as_day(v), date(2000, 1, 1), upto, "cleared_on"),
        optional=True,
    )
    f.text("clearance_note", 500, optional=True)


def _texts(value: object, longest: int, most: int, *, blank: bool, empty: bool = False) -> None:
    if not isinstance(value, list) or len(value) > most or (not value and not empty):
        raise ValueBoundsError(f"must be a list of 1 to {most} texts")
    for item in value:
        check_text(item, longest, "an item", blank=blank)


def _preference(f: _Fields) -> None:
    f.whole("id", 1, INT64_MAX)
    f.text("key", 64, blank=False)
    f.text("value", PREFERENCE_VALUE_MAX)
    f.event_time("updated_at")


_CHECKS: Final[dict[str, Callable[[_Fields], None]]] = {
    "plans": _plan,
    "sessions": _session,
    "segment_events": _segment_event,
    "screens": _screen,
    "checkins": _checkin,
    "symptom_events": _symptom_event,
    "measurements": _measurement,
    "questionnaire_responses": _questionnaire_response,
    "holds": _hold,
    "preferences": _preference,
}
