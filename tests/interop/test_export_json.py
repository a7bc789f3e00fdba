"""The JSON export: a round trip over generated data, and malformed files refused whole."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from hipcoach.interop.export_json import dumps, loads, to_document
from hipcoach.interop.schema import SCHEMA_VERSION, Records
from hipcoach.store import Journal, create_engine_for, migrate
from hipcoach.store.export import DataImportError, dump_profile, owned_tables, restore_profile
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
from tests.interop.samples import normalise, populate, table_counts

EXPORTED_AT = datetime(2025, 3, 15, 9, 0, tzinfo=UTC)
PER_KIND = 4  # up to this many records of each kind (segment events: per session)

# ---- strategies: a whole profile's records, as store rows ----------------------------------

texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | finite | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
json_text = json_values.map(lambda value: json.dumps(value, sort_keys=True))


def _short(size: int) -> st.SearchStrategy[str]:
    return st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=size
    )


@st.composite
def profile_records(draw: st.DrawFn) -> dict[str, Any]:
    ids = iter(draw(st.lists(st.integers(1, 10**6), min_size=200, max_size=200, unique=True)))
    plans = [
        {
            "id": next(ids),
            "goal_id": draw(_short(20)),
            "created_at": draw(moments),
            "updated_at": draw(moments),
            "start_date": draw(st.dates(date(2000, 1, 1), date(2099, 12, 31))),
            "weeks": draw(st.integers(1, 52)),
            "weekdays": draw(_short(40)),
            "time_of_day": draw(st.none() | _short(5)),
            "status": draw(st.sampled_from(PLAN_STATUSES)),
            "status_reason": draw(st.none() | texts),
        }
        for _ in range(draw(st.integers(0, PER_KIND)))
    ]
    plan_ids = [p["id"] for p in plans]
    session_ids = draw(st.lists(st.uuids().map(lambda u: u.hex), max_size=PER_KIND, unique=True))
    sessions, events = [], []
    for session_id in session_ids:
        sessions.append(
            {
                "id": session_id,
                "routine_id": draw(_short(30)),
                "routine_name": draw(_short(30)),
                "options_json": draw(json_text),
                "fingerprint": draw(_short(16)),
                "total_segments": draw(st.integers(0, 50)),
                "total_seconds": draw(st.integers(0, 5000)),
                "status": draw(st.sampled_from(["in_progress", "partial", "completed"])),
                "started_at": draw(moments),
                "updated_at": draw(moments),
                "ended_at": draw(st.none() | moments),
                "plan_id": draw(st.none() | st.sampled_from(plan_ids)) if plan_ids else None,
                "ended_by_rule": draw(st.none() | _short(30)),
            }
        )
        for index in draw(st.lists(st.integers(0, 49), max_size=PER_KIND, unique=True)):
            events.append(
                {
                    "id": next(ids),
                    "session_id": session_id,
                    "segment_index": index,
                    "kind": draw(st.sampled_from(["hold", "reps", "rest", "get_ready"])),
                    "exercise_id": draw(_short(30)),
                    "side": draw(st.sampled_from(["left", "right", "both"])),
                    "outcome": draw(st.sampled_from(["completed", "skipped"])),
                    "planned_seconds": draw(st.integers(0, 600)),
                    "elapsed_seconds": draw(st.floats(0, 1e6)),
                    "recorded_at": draw(moments),
                }
            )
    maybe_session = st.none() | st.sampled_from(session_ids) if session_ids else st.none()
    score = st.none() | st.integers(0, 10)
    return {
        "plans": plans,
        "sessions": sessions,
        "segment_events": events,
        "screens": [
            {
                "id": next(ids),
                "taken_at": draw(moments),
                "status": draw(st.sampled_from(SCREEN_STATUSES)),
                "answers_json": draw(json_text),
                "outcome_json": draw(json_text),
            }
            for _ in range(draw(st.integers(0, PER_KIND)))
        ],
        "checkins": [
            {
                "id": next(ids),
                "session_id": draw(maybe_session),
                "moment": draw(st.sampled_from(CHECKIN_MOMENTS)),
                "recorded_at": draw(moments),
                "pain": draw(score),
                "morning_after": draw(st.none() | st.sampled_from(MORNING_AFTER)),
                "effort": draw(score),
            }
            for _ in range(draw(st.integers(0, PER_KIND)))
        ],
        "symptom_events": [
            {
                "id": next(ids),
                "session_id": draw(maybe_session),
                "segment_index": draw(st.none() | st.integers(0, 49)),
                "symptom": draw(st.sampled_from(SYMPTOMS)),
                "recorded_at": draw(moments),
                "rule_id": draw(_short(30)),
                "action": draw(texts),
            }
            for _ in range(draw(st.integers(0, PER_KIND)))
        ],
        "measurements": [
            {
                "id": next(ids),
                "measured_at": draw(moments),
                "recorded_at": draw(moments),
                "kind": draw(st.sampled_from(MEASURE_KINDS)),
                "value": draw(finite),
                "unit": draw(st.sampled_from(["deg", "nrs", "score", "percent"])),
                "side": draw(st.none() | st.sampled_from(["left", "right"])),
                "movement": draw(st.none() | st.sampled_from(["internal_rotation", "external"])),
                "method": draw(st.none() | _short(20)),
                "position": draw(st.none() | _short(16)),
                "note": draw(st.none() | texts),
            }
            for _ in range(draw(st.integers(0, PER_KIND)))
        ],
        "questionnaire_responses": [
            {
                "id": next(ids),
                "questionnaire_id": draw(st.just("psfs") | _short(20)),
                "answered_at": draw(moments),
                "answers_json": json.dumps(
                    {
                        "items": draw(
                            st.lists(
                                st.fixed_dictionaries(
                                    {"activity": texts, "score": st.integers(0, 10)}
                                ),
                                max_size=5,
                            )
                        )
                    },
                    sort_keys=True,
                ),
                "score": draw(st.none() | finite),
            }
            for _ in range(draw(st.integers(0, PER_KIND)))
        ],
        "holds": [
            _hold(draw, next(ids), n) for n in draw(st.lists(st.integers(1, 3), max_size=PER_KIND))
        ],
        "preferences": [
            {
                "id": next(ids),
                "key": key,
                "value": draw(_short(20)),
                "updated_at": draw(moments),
            }
            for key in draw(st.lists(_short(20).filter(bool), max_size=PER_KIND, unique=True))
        ],
    }


def _hold(draw: st.DrawFn, hold_id: int, n: int) -> dict[str, Any]:
    """A pause as the store keeps one: begun in the past, lifted after that (or open),
    a clearance lift with who and when, a screen lift without."""
    since = draw(st.datetimes(datetime(2000, 1, 1), datetime(2026, 1, 1), timezones=st.just(UTC)))
    how = draw(st.sampled_from([None, "clearance", "screen"]))
    lifted = None if how is None else since + timedelta(seconds=draw(st.integers(0, 10**7)))
    cleared = how == "clearance"
    letters = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
    sentence = st.text(letters, min_size=1, max_size=60)
    return {
        "id": hold_id,
        "kind": draw(st.sampled_from(HOLD_KINDS)),
        "level": draw(st.sampled_from(HOLD_LEVELS)),
        "since": since,
        "rule_ids_json": json.dumps(
            draw(st.lists(_short(30).filter(bool), min_size=n, max_size=n))
        ),
        "reasons_json": json.dumps(draw(st.lists(sentence, min_size=n, max_size=n))),
        "what_to_do": draw(st.text(letters, max_size=80)),
        "signs_json": json.dumps(draw(st.lists(_short(20).filter(bool), max_size=3))),
        "lifted_at": lifted,
        "lifted_how": how,
        "cleared_by": draw(_short(40).filter(bool)) if cleared else None,
        "cleared_on": draw(st.dates(date(2000, 1, 1), date(2026, 1, 1))) if cleared else None,
        "clearance_note": draw(st.none() | st.text(letters, max_size=80)) if cleared else None,
    }


# ---- the round trip ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite journal, copied for each generated example (migrating is slow)."""
    path = tmp_path_factory.mktemp("template") / "hipcoach.db"
    engine = create_engine_for(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


def _fresh(template: Path, folder: Path, name: str) -> Engine:
    copy = folder / name
    shutil.copyfile(template, copy)
    return create_engine_for(f"sqlite:///{copy}")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
@given(records=profile_records())
def test_export_then_import_restores_exactly(template_db: Path, records: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = _fresh(template_db, Path(folder), "source.db")
        target = _fresh(template_db, Path(folder), "target.db")
        try:
            created = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
            profile = {"name": "source", "created_at": created}
            restore_profile(source, "source", {"profile": profile, "records": records})
            first = dump_profile(source, 1)
            assert normalise(first) == normalise({"records": records})
            text = dumps(to_document(first, EXPORTED_AT, "test"))
            summary = restore_profile(target, "target", loads(text))
            assert summary.counts == {k: len(v) for k, v in records.items()}
            second = dump_profile(target, 1)
            assert normalise(second) == normalise(first)
            assert second["profile"]["created_at"] == created
            again = json.loads(dumps(to_document(second, EXPORTED_AT, "test")))
            expected = json.loads(text)
            again["profile"]["name"] = expected["profile"]["name"]
            assert _renumbered(again) == _renumbered(expected)
        finally:
            source.dispose()
            target.dispose()


def _renumbered(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its records' integer ids replaced by rank, as `normalise` does."""
    document["records"] = normalise({"records": document["records"]})
    return document


def test_the_schema_has_one_model_per_table_and_one_field_per_column() -> None:
    for table in owned_tables():
        model = Records.model_fields[table.name].annotation.__args__[0]  # type: ignore[union-attr]
        columns = {
            c.name.removesuffix("_json")
            for c in table.columns
            # The owner is the target profile; derived figures are worked out again.
            if c.name != "profile_id" and not c.info.get("derived")
        }
        assert set(model.model_fields) == columns, table.name
    assert set(Records.model_fields) == {t.name for t in owned_tables()}


def test_the_written_file_is_documented_json(journal: Journal) -> None:
    document = to_document(dump_profile(journal.engine, populate(journal)), EXPORTED_AT, "9.9")
    parsed = json.loads(dumps(document))
    assert parsed["format"] == "hipcoach-export"
    assert parsed["schema_version"] == SCHEMA_VERSION == 2
    assert parsed["exported_at"] == "2025-03-15T09:00:00Z"
    assert list(parsed["records"]) == list(Records.model_fields)
    session = next(s for s in parsed["records"]["sessions"] if s["routine_id"] == "morning-pry")
    assert session["options"] == {"sides": ["left", "right"]}
    assert session["started_at"] == "2025-03-14T07:30:00.123456Z"
    assert parsed["records"]["plans"][0]["start_date"] == "2025-03-10"
    assert "Tying shoes — left foot" in dumps(document)  # UTF-8 kept readable


# ---- malformed files -----------------------------------------------------------------------


@pytest.fixture
def good_text(journal: Journal) -> str:
    """A valid export of the sample profile; the journal is emptied so an import could go in."""
    from sqlalchemy import delete

    from hipcoach.store.tables import ProfileRow

    text = dumps(to_document(dump_profile(journal.engine, populate(journal)), EXPORTED_AT, "t"))
    with journal.engine.begin() as conn:
        conn.execute(delete(ProfileRow))
    return text


def _edited(text: str, change: Any) -> str:
    document = json.loads(text)
    change(document)
    return json.dumps(document)


def _set(path: str, value: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


MALFORMED: list[tuple[str, Any, str]] = [
    ("truncated", lambda t: t[: len(t) // 2], "not valid JSON (line"),
    ("empty", lambda t: "", "not valid JSON (line 1, column 1"),
    (
        "a list",
        lambda t: "[1, 2]",
        "not a hipcoach export: the file holds an array, not a JSON object",
    ),
    (
        "a FHIR bundle",
        lambda t: '{"resourceType": "Bundle", "type": "collection"}',
        'not a hipcoach export: it has no "format": "hipcoach-export" field',
    ),
    (
        "newer version",
        lambda t: _edited(t, _set("schema_version", 3)),
        "made by a newer hipcoach (export schema version 3; this hipcoach reads up to version 2)",
    ),
    (
        "unknown version",
        lambda t: _edited(t, _set("schema_version", 0)),
        "schema_version: unknown export schema version 0",
    ),
    (
        "version as text",
        lambda t: _edited(t, _set("schema_version", "1")),
        "schema_version: must be a whole number",
    ),
    (
        "wrong type",
        lambda t: _edited(t, _set("records/sessions/0/total_segments", "four")),
        "sessions[0].total_segments: Input should be a valid integer",
    ),
    (
        "number in quotes",
        lambda t: _edited(t, _set("records/measurements/1/value", "44")),
        "measurements[1].value: Input should be a valid number",
    ),
    (
        "unknown status",
        lambda t: _edited(t, _set("records/plans/0/status", "archived")),
        "plans[0].status: Value error, 'archived' is not one of: active, paused, ended",
    ),
    (
        "time without zone",
        lambda t: _edited(t, _set("records/checkins/2/recorded_at", "2025-03-14T07:30:00")),
        "checkins[2].recorded_at: Input should have timezone info",
    ),
    (
        "pain out of range",
        lambda t: _edited(t, _set("records/checkins/0/pain", 12)),
        "checkins[0].pain: Input should be less than or equal to 10",
    ),
    (
        "unknown field",
        lambda t: _edited(t, _set("records/screens/0/mood", "great")),
        "screens[0].mood: Extra inputs are not permitted",
    ),
    (
        "unknown kind",
        lambda t: _edited(t, _set("records/workouts", [])),
        "workouts: Extra inputs are not permitted",
    ),
    (
        "duplicate record",
        lambda t: _edited(
            t, lambda d: d["records"]["sessions"].append(d["records"]["sessions"][0])
        ),
        "sessions[2].id: duplicate record:",
    ),
    (
        "dangling reference",
        lambda t: _edited(t, _set("records/segment_events/0/session_id", "f" * 32)),
        f"segment_events[0].session_id: refers to sessions '{'f' * 32}', which is not in the file",
    ),
    (
        "too long",
        lambda t: _edited(t, _set("records/sessions/0/routine_id", "r" * 101)),
        "sessions[0].routine_id: longer than 100 characters",
    ),
]


@pytest.mark.parametrize(
    ("spoil", "message"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_a_malformed_file_is_refused_with_a_clear_message_and_nothing_changes(
    journal: Journal, good_text: str, spoil: Any, message: str
) -> None:
    before = table_counts(journal.engine)
    with pytest.raises(DataImportError) as caught:
        restore_profile(journal.engine, "local", loads(spoil(good_text)))
    assert message in str(caught.value)
    assert table_counts(journal.engine) == before


def test_the_good_file_itself_imports(journal: Journal, good_text: str) -> None:
    summary = restore_profile(journal.engine, "local", loads(good_text))
    assert summary.counts["measurements"] == 5
    assert summary.created_profile


def test_many_errors_are_listed_up_to_five(good_text: str) -> None:
    def spoil(document: dict[str, Any]) -> None:
        for m in document["records"]["measurements"]:
            m["value"] = "x"
        for c in document["records"]["checkins"]:
            c["moment"] = 3

    with pytest.raises(DataImportError) as caught:
        loads(_edited(good_text, spoil))
    assert str(caught.value).startswith("the file is not a valid hipcoach export: ")
    assert str(caught.value).endswith("; and 3 more")
