"""dump_profile and restore_profile, on SQLite and PostgreSQL: exact, all or nothing."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from hipcoach.services.record_checks import RecordProblem
from hipcoach.store import Journal, create_engine_for, import_writing, migrate
from hipcoach.store import export as store_export
from hipcoach.store.export import DataImportError, dump_profile, owned_tables, restore_profile
from hipcoach.store.tables import PlanRow, ProfileRow, SessionRow
from tests.interop.samples import normalise, populate, table_counts


def _empty(journal: Journal) -> None:
    with journal.engine.begin() as conn:
        conn.execute(delete(ProfileRow))  # every owned row goes with it (ON DELETE CASCADE)
    assert all(n == 0 for n in table_counts(journal.engine).values() if n is not None)


def test_owned_tables_are_every_profile_table_parents_first() -> None:
    names = [t.name for t in owned_tables()]
    assert set(names) == {
        "plans",
        "sessions",
        "segment_events",
        "screens",
        "checkins",
        "symptom_events",
        "measurements",
        "questionnaire_responses",
        "holds",
        "preferences",
    }
    assert names.index("plans") < names.index("sessions") < names.index("segment_events")
    assert names.index("sessions") < names.index("checkins")
    # Paired devices and pairing codes belong to the server, not to a person: they have no
    # profile_id, so they are never exported nor imported (nor are their token hashes).
    assert not {"devices", "pairing_codes"} & set(names)


def test_dump_holds_every_row_of_the_profile_and_nothing_else(journal: Journal) -> None:
    pid = populate(journal, "alice")
    populate_other = journal.ensure_profile("bob").id
    journal.start_session(populate_other, "x", "X", {}, "ab", 1, 10)
    dump = dump_profile(journal.engine, pid)
    assert dump["profile"]["name"] == "alice"
    counts = {kind: len(rows) for kind, rows in dump["records"].items()}
    assert counts == {
        "plans": 1,
        "sessions": 2,
        "segment_events": 4,
        "screens": 1,
        "checkins": 3,
        "symptom_events": 1,
        "measurements": 5,
        "questionnaire_responses": 2,
        "holds": 2,
        "preferences": 1,
    }
    session = next(s for s in dump["records"]["sessions"] if s["routine_id"] == "morning-pry")
    assert session["plan_id"] == dump["records"]["plans"][0]["id"]
    assert session["options_json"] == '{"sides": ["left", "right"]}'
    assert all("profile_id" not in row for rows in dump["records"].values() for row in rows)
    assert session["started_at"].utcoffset().total_seconds() == 0


def test_dump_of_a_missing_profile_is_refused(journal: Journal) -> None:
    with pytest.raises(store_export.StoreError, match="no profile with id 999"):
        dump_profile(journal.engine, 999)


def test_dump_restore_dump_is_exact(journal: Journal) -> None:
    first = dump_profile(journal.engine, populate(journal, "alice"))
    _empty(journal)
    summary = restore_profile(journal.engine, "alice", first)
    assert summary.created_profile
    assert summary.counts["segment_events"] == 4
    assert summary.total == sum(len(rows) for rows in first["records"].values())
    new_id = journal.ensure_profile("alice").id
    second = dump_profile(journal.engine, new_id)
    assert normalise(second) == normalise(first)
    assert second["profile"] == first["profile"]
    # Session ids are kept as they were; the JSON text columns come back byte for byte.
    assert [s["id"] for s in second["records"]["sessions"]] == [
        s["id"] for s in first["records"]["sessions"]
    ]


def test_restore_into_another_database_keeps_references(journal: Journal, tmp_path: Path) -> None:
    dump = dump_profile(journal.engine, populate(journal, "alice"))
    target = create_engine_for(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        migrate(target)
        with target.begin() as conn:  # plans there already, so the restored plan gets a new id
            owner = conn.execute(
                ProfileRow.__table__.insert().values(name="zed", created_at=datetime.now(UTC))
            ).inserted_primary_key[0]
            for _ in range(3):
                conn.execute(PlanRow.__table__.insert().values(**_plan(owner)))
        restore_profile(target, "alice", dump)
        with target.connect() as conn:
            plan_id = conn.scalar(select(SessionRow.plan_id).where(SessionRow.plan_id.is_not(None)))
            goal = conn.scalar(select(PlanRow.goal_id).where(PlanRow.id == plan_id))
        assert plan_id == 4
        assert goal == "jammed-hips"
        restored_id = _profile_id(target, "alice")
        assert normalise(dump_profile(target, restored_id)) == normalise(dump)
    finally:
        target.dispose()


def test_a_record_the_check_refuses_leaves_the_database_unchanged(journal: Journal) -> None:
    dump = dump_profile(journal.engine, populate(journal, "alice"))
    _empty(journal)
    bad = copy.deepcopy(dump)
    bad["records"]["checkins"][1]["pain"] = 11
    seen: list[str] = []

    def check(kind: str, row: Any) -> list[RecordProblem]:
        seen.append(kind)
        return [RecordProblem("pain", "too high")] if row.get("pain") == 11 else []

    before = table_counts(journal.engine)
    with pytest.raises(DataImportError) as caught:
        restore_profile(journal.engine, "alice", bad, check_record=check)
    checkin_id = bad["records"]["checkins"][1]["id"]
    assert str(caught.value) == f"checkins[1] (id {checkin_id}).pain: too high"
    assert (caught.value.kind, caught.value.index, caught.value.field) == ("checkins", 1, "pain")
    assert table_counts(journal.engine) == before  # not even the profile was created
    assert {"plans", "sessions", "checkins"} <= set(seen)


def test_a_database_refusal_names_the_record_and_a_rerun_completes(journal: Journal) -> None:
    dump = dump_profile(journal.engine, populate(journal, "alice"))
    _empty(journal)
    bad = copy.deepcopy(dump)
    bad["records"]["checkins"][1]["pain"] = 11  # right type, refused by the CHECK constraint
    with pytest.raises(DataImportError) as caught:
        restore_profile(journal.engine, "alice", bad)
    assert str(caught.value) == "checkins[1].pain: value not allowed"
    # What was written before it is whole; the corrected file adds only the rest.
    summary = restore_profile(journal.engine, "alice", dump)
    assert summary.already_there["sessions"] == len(dump["records"]["sessions"])
    assert normalise(dump_profile(journal.engine, _profile_id(journal.engine, "alice"))) == (
        normalise(dump)
    )


def test_a_crash_mid_restore_leaves_whole_records_and_a_rerun_completes(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = dump_profile(journal.engine, populate(journal, "alice"))
    _empty(journal)
    real = import_writing._Slices.insert

    def crash_at_checkins(self: Any, table: Any, *args: Any) -> None:
        if table.name == "checkins":
            raise KeyboardInterrupt  # as if the process were stopped half way
        real(self, table, *args)

    monkeypatch.setattr(import_writing._Slices, "insert", crash_at_checkins)
    with pytest.raises(KeyboardInterrupt):
        restore_profile(journal.engine, "alice", dump)
    counts = table_counts(journal.engine)
    assert counts["sessions"] == 2
    assert counts["checkins"] == 0
    monkeypatch.setattr(import_writing._Slices, "insert", real)
    summary = restore_profile(journal.engine, "alice", dump)
    assert not summary.created_profile
    assert summary.counts["sessions"] == 0
    assert summary.already_there["sessions"] == 2
    assert summary.counts["checkins"] == 3
    pid = _profile_id(journal.engine, "alice")
    assert normalise(dump_profile(journal.engine, pid)) == normalise(dump)


def test_importing_the_same_data_twice_adds_nothing(journal: Journal) -> None:
    dump = dump_profile(journal.engine, populate(journal, "alice"))
    before = table_counts(journal.engine)
    summary = restore_profile(journal.engine, "alice", dump)
    assert summary.total == 0
    assert summary.already_there == {k: len(v) for k, v in dump["records"].items()}
    assert table_counts(journal.engine) == before


def test_a_differing_record_with_the_same_identity_refuses_the_file(journal: Journal) -> None:
    dump = dump_profile(journal.engine, populate(journal, "alice"))
    before = table_counts(journal.engine)
    changed = copy.deepcopy(dump)
    changed["records"]["sessions"][0]["status"] = "completed"
    changed["records"]["measurements"][2]["value"] = 4.0
    changed["records"]["measurements"].append(
        dict(dump["records"]["measurements"][0], id=999, note="a new one")
    )
    with pytest.raises(DataImportError) as caught:
        restore_profile(journal.engine, "alice", changed)
    message = str(caught.value)
    assert message.startswith("2 record(s) conflict with what profile 'alice' holds")
    assert (caught.value.kind, caught.value.index, caught.value.field) == (
        "measurements",
        2,
        "value",
    )
    assert ".status: differs from the same record already in profile 'alice'" in message
    assert "measurements[2] (id " in message
    assert ".value: differs" in message
    assert table_counts(journal.engine) == before
    # Session ids are global: another profile cannot take them either.
    sessions = {"sessions": [s | {"plan_id": None} for s in dump["records"]["sessions"]]}
    with pytest.raises(DataImportError, match=r"^.*sessions\[0\] \(id '[0-9a-f]{32}'\)\.id"):
        restore_profile(journal.engine, "bob", {"records": sessions})
    assert table_counts(journal.engine) == before


def test_new_records_are_added_to_a_profile_that_has_data(journal: Journal) -> None:
    pid = populate(journal, "alice")
    dump = dump_profile(journal.engine, pid)
    fresh = copy.deepcopy(dump["records"]["measurements"][0])
    fresh["measured_at"] = datetime(2025, 4, 1, 7, 0, tzinfo=UTC)
    summary = restore_profile(
        journal.engine, "alice", {"profile": dump["profile"], "records": {"measurements": [fresh]}}
    )
    assert not summary.created_profile
    assert summary.counts["measurements"] == 1
    assert len(dump_profile(journal.engine, pid)["records"]["measurements"]) == 6


def _session(**changes: Any) -> dict[str, Any]:
    row = {
        "id": "a" * 32,
        "routine_id": "morning-pry",
        "routine_name": "Morning pry",
        "options_json": "{}",
        "fingerprint": "f00d",
        "total_segments": 4,
        "total_seconds": 240,
        "status": "completed",
        "started_at": datetime(2025, 3, 14, 7, 0, tzinfo=UTC),
        "updated_at": datetime(2025, 3, 14, 7, 5, tzinfo=UTC),
        "ended_at": None,
        "plan_id": None,
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ({"sessions": [_session(colour="red")]}, "sessions[0].colour: unknown field"),
        (
            {"sessions": [{k: v for k, v in _session().items() if k != "status"}]},
            "sessions[0].status: missing",
        ),
        ({"sessions": [_session(total_segments="4")]}, "sessions[0].total_segments: expected int"),
        ({"sessions": [_session(total_segments=True)]}, "sessions[0].total_segments: expected int"),
        (
            {"sessions": [_session(started_at=datetime(2025, 3, 14))]},
            "sessions[0].started_at: a time must carry its time zone",
        ),
        ({"sessions": [_session(routine_id="x" * 101)]}, "longer than 100 characters"),
        ({"sessions": [_session(status=None)]}, "sessions[0].status: cannot be empty"),
        ({"sessions": [_session(plan_id=7)]}, "sessions[0].plan_id: refers to plans 7, which is"),
        (
            {"sessions": [_session(), _session()]},
            f"sessions[1].id: duplicate record: '{'a' * 32}' is also sessions[0]",
        ),
        ({"workouts": []}, "workouts: unknown kind of record"),
        ({"sessions": {"id": 1}}, "sessions: must be a list of records"),
        ({"sessions": ["not a record"]}, "sessions[0]: must be an object of fields"),
    ],
)
def test_records_are_checked_before_anything_is_written(
    journal: Journal, records: dict[str, Any], message: str
) -> None:
    data = {"profile": {"name": "x", "created_at": datetime.now(UTC)}, "records": records}
    with pytest.raises(DataImportError) as caught:
        restore_profile(journal.engine, "alice", data)
    assert message in str(caught.value)
    assert all(n == 0 for n in table_counts(journal.engine).values())


def test_a_blank_or_too_long_profile_name_is_refused(journal: Journal) -> None:
    for name in ("  ", "n" * 101):
        with pytest.raises(DataImportError, match="a profile name must have 1 to 100 characters"):
            restore_profile(journal.engine, name, {"records": {}})


def _profile_id(engine: Any, name: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(ProfileRow.id).where(ProfileRow.name == name)))


def _plan(profile_id: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "profile_id": profile_id,
        "goal_id": "other",
        "created_at": now,
        "updated_at": now,
        "start_date": now.date(),
        "weeks": 4,
        "weekdays": "mon",
        "time_of_day": None,
        "status": "ended",
        "status_reason": None,
    }
