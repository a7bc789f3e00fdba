"""services.record_checks: one record checked by the rules direct entry follows."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hipcoach.domain.errors import PlanError
from hipcoach.domain.planning import check_plan_start, weekdays_from_text
from hipcoach.interop.export_json import to_document
from hipcoach.services.record_checks import RecordProblem, record_problems
from hipcoach.store import Journal, create_engine_for, migrate
from hipcoach.store.export import dump_profile
from tests.interop.samples import populate

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("checks")
    engine = create_engine_for(f"sqlite:///{folder / 'journal.db'}")
    migrate(engine)
    try:
        yield dump_profile(engine, populate(Journal(engine)))
    finally:
        engine.dispose()


def _row(dump: dict[str, Any], kind: str, index: int = 0, **changes: Any) -> dict[str, Any]:
    row = copy.deepcopy(dump["records"][kind][index])
    row.update(changes)
    return row


def test_every_stored_record_passes_as_stored_and_as_exported(dump: dict[str, Any]) -> None:
    document = to_document(dump, NOW, "test")
    for kind, rows in dump["records"].items():
        for index, row in enumerate(rows):
            assert record_problems(kind, row, now=NOW) == [], (kind, index)
            exported = document["records"][kind][index]
            assert record_problems(kind, exported, now=NOW) == [], (kind, index)


@pytest.mark.parametrize(
    ("kind", "index", "changes", "field", "words"),
    [
        ("measurements", 0, {"value": 170.0}, "value", "not a plausible hip rotation"),
        ("measurements", 2, {"value": 11.0}, "value", "from 0 to 10"),
        ("measurements", 0, {"note": "n" * 501}, "note", "at most 500 characters"),
        ("measurements", 0, {"side": "middle"}, "side", "must be one of: left, right"),
        ("measurements", 0, {"unit": "furlongs"}, "unit", "must be one of: deg"),
        (
            "measurements",
            0,
            {"measured_at": datetime(2099, 1, 1, tzinfo=UTC)},
            "measured_at",
            "in the future",
        ),
        ("screens", 0, {"taken_at": datetime(9999, 12, 31, tzinfo=UTC)}, "taken_at", "future"),
        ("screens", 0, {"taken_at": "0001-01-01T00:00:00Z"}, "taken_at", "before 2000-01-01"),
        ("screens", 0, {"status": "stop"}, "outcome", "not the screen's"),
        ("plans", 0, {"weekdays": "funday"}, "weekdays", "mon,wed,fri"),
        ("plans", 0, {"weekdays": "daily"}, "weekdays", "mon,wed,fri"),
        ("plans", 0, {"weekdays": "mon,tue,wed,thu,fri,sat,sun"}, "weekdays", "3 to 4 days"),
        ("plans", 0, {"start_date": date(9999, 12, 31)}, "start_date", "the plan's start"),
        ("plans", 0, {"time_of_day": "25:00"}, "time_of_day", "HH:MM"),
        ("plans", 0, {"goal_id": "fly"}, "goal_id", "no goal called 'fly'"),
        ("checkins", 0, {"pain": 11}, "pain", "from 0 to 10"),
        ("checkins", 1, {"effort": 2**63}, "effort", "from 0 to 10"),
        ("checkins", 1, {"morning_after": "Same"}, "morning_after", "must be one of"),
        ("sessions", 0, {"total_segments": 2**63}, "total_segments", "from 0 to 10000"),
        ("sessions", 0, {"options_json": '{"dose": {"seconds": 3000}}'}, "options", "seconds"),
        ("sessions", 0, {"options_json": "[1]"}, "options", "must be an object"),
        ("sessions", 0, {"routine_id": "m" * 101}, "routine_id", "at most 100"),
        ("segment_events", 0, {"elapsed_seconds": float("nan")}, "elapsed_seconds", "from 0"),
        ("segment_events", 0, {"outcome": "maybe"}, "outcome", "completed, skipped"),
        ("symptom_events", 0, {"symptom": "itch"}, "symptom", "must be one of"),
        ("holds", 0, {"cleared_on": date(2999, 1, 1)}, "cleared_on", "cleared_on must be"),
        ("preferences", 0, {"value": "v" * 201}, "value", "at most 200"),
    ],
)
def test_a_value_direct_entry_refuses_is_named_with_its_field(
    dump: dict[str, Any], kind: str, index: int, changes: dict[str, Any], field: str, words: str
) -> None:
    problems = record_problems(kind, _row(dump, kind, index, **changes), now=NOW)
    assert problems, f"{kind} {changes} was taken"
    assert any(p.field == field and words in p.message for p in problems), problems


def test_an_unknown_kind_is_a_problem_not_an_error() -> None:
    assert record_problems("workouts", {}) == [
        RecordProblem("", "unknown kind of record 'workouts'")
    ]


def test_problems_are_frozen_values() -> None:
    problem = RecordProblem("pain", "too high")
    with pytest.raises(AttributeError):
        problem.field = "effort"  # type: ignore[misc]


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_any_value_in_any_field_gives_problems_never_an_exception(
    dump: dict[str, Any], data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(sorted(dump["records"])))
    row = _row(dump, kind, data.draw(st.integers(0, len(dump["records"][kind]) - 1)))
    field = data.draw(st.sampled_from(sorted(row)))
    value = data.draw(JSON)
    row[field] = value
    problems = record_problems(kind, row, now=NOW)
    assert all(isinstance(p, RecordProblem) for p in problems)
    # Each bent value is caught by its field's own check, not by the last-resort guard.
    assert not [p for p in problems if p.message.startswith("cannot be read")], problems
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        assert problems, f"{kind}.{field} took {value}"


def test_the_stored_days_of_a_plan_are_read_strictly() -> None:
    assert weekdays_from_text("mon,wed,fri") == (0, 2, 4)
    assert weekdays_from_text("sun,mon") == (0, 6)
    for bad in ("", "daily", "mon,,wed", "Mon", "mon,mon", "funday"):
        with pytest.raises(PlanError):
            weekdays_from_text(bad)


def test_a_plan_starts_within_a_year_ahead_for_typed_and_imported_plans() -> None:
    today = date(2025, 3, 20)
    assert check_plan_start(today + timedelta(days=366), today) == today + timedelta(days=366)
    for bad in (date(9999, 12, 31), date(1999, 12, 31), today + timedelta(days=367)):
        with pytest.raises(PlanError, match="the plan's start"):
            check_plan_start(bad, today)


def test_plan_new_refuses_a_start_far_ahead(tmp_path: Path) -> None:
    from hipcoach.services.context import Context
    from hipcoach.services.programs import new_plan
    from hipcoach.settings import Settings

    settings = Settings.from_env({"HIPCOACH_DATA_DIR": str(tmp_path)})
    with Context(settings) as ctx, pytest.raises(PlanError, match="the plan's start"):
        new_plan(ctx, "jammed-hips", start=date(9999, 12, 31))


def test_history_of_a_routine_the_library_no_longer_has_still_passes(
    dump: dict[str, Any],
) -> None:
    """Sessions outlive the library: a routine or exercise a later version drops keeps
    its history (only starting a session needs the library to know the routine)."""
    session = _row(dump, "sessions", routine_id="moonwalk")
    assert record_problems("sessions", session, now=NOW) == []
    for event in dump["records"].get("segment_events", [])[:1]:
        retired = copy.deepcopy(event) | {"exercise_id": "retired-stretch"}
        assert record_problems("segment_events", retired, now=NOW) == []
