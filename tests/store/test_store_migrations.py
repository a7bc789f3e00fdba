"""The shipped Alembic revisions build exactly the schema the ORM tables describe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from hipcoach.store import DataVersion, Journal, StoreError, create_engine_for, migrate
from hipcoach.store.migrate import HEAD_REVISION, alembic_config, current_revision
from hipcoach.store.tables import Base
from tests.store.helpers import record, start

TABLES = {
    "alembic_version",
    "profiles",
    "sessions",
    "segment_events",
    "screens",
    "plans",
    "checkins",
    "symptom_events",
    "measurements",
    "questionnaire_responses",
    # The server's own (0005): paired browsers and their one-time codes, no profile's data.
    "devices",
    "pairing_codes",
    # 0006: clinical pauses with their clearances, and a person's preferences.
    "holds",
    "preferences",
    # 0007: the keys saves were sent with, and their answers (a retried save counts once).
    "segment_saves",
}


def test_head_revision_constant_matches_the_scripts() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


def test_migrate_creates_the_schema_and_is_idempotent(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        migrate(engine)
        assert current_revision(engine) == HEAD_REVISION
        assert set(inspect(engine).get_table_names()) == TABLES
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_orm_metadata(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        migrate(engine)
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(engine)
        assert current_revision(engine) == HEAD_REVISION
    finally:
        engine.dispose()


def test_a_schema_from_a_newer_hipcoach_is_a_store_error(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
        with pytest.raises(StoreError, match="upgrade hipcoach"):
            migrate(engine)
    finally:
        engine.dispose()


def test_current_schema_is_checked_without_alembic(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    # A fresh interpreter: this one has long since imported Alembic.
    probe = (
        "import sys\n"
        "from hipcoach.store import create_engine_for, migrate\n"
        "engine = create_engine_for(sys.argv[1])\n"
        "migrate(engine)\n"
        "engine.dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    src = str(Path(__file__).parents[2] / "src")
    result = subprocess.run(
        [sys.executable, "-c", probe, database_url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": src},
    )
    assert result.stdout.strip() == "[]"


def test_deleting_a_session_deletes_its_events(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    record(journal, session_id, 0)
    with journal.engine.begin() as connection:
        # On SQLite this holds only with PRAGMA foreign_keys=ON on the connection.
        connection.execute(text("DELETE FROM sessions WHERE id = :id"), {"id": session_id})
        left = connection.execute(text("SELECT count(*) FROM segment_events")).scalar()
    assert left == 0


def _upgraded_to(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _insert_old_session(connection: Connection, profile_id: int) -> None:
    """Session 's1' as a journal from before the current schema holds it (plain SQL)."""
    connection.execute(
        text(
            "INSERT INTO sessions (id, profile_id, routine_id, routine_name, options_json,"
            " fingerprint, total_segments, total_seconds, status, started_at, updated_at)"
            " VALUES ('s1', :p, 'morning-pry', 'Morning pry', '{}', 'f', 3, 30,"
            " 'partial', :t, :t)"
        ),
        {"p": profile_id, "t": "2026-11-01 07:00:00"},
    )


def test_upgrading_a_0001_journal_keeps_its_sessions(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        _upgraded_to(engine, "0001")
        journal = Journal(engine)
        profile = journal.ensure_profile("ana")
        with engine.begin() as connection:
            _insert_old_session(connection, profile.id)
        migrate(engine)
        assert current_revision(engine) == HEAD_REVISION
        with engine.connect() as connection:
            row = connection.execute(text("SELECT routine_id, plan_id FROM sessions")).one()
        assert tuple(row) == ("morning-pry", None)
    finally:
        engine.dispose()


def test_check_constraints_carry_their_names_once(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        migrate(engine)
        inspector = inspect(engine)
        names = [
            check["name"]
            for table in inspector.get_table_names()
            for check in inspector.get_check_constraints(table)
        ]
        assert "ck_checkins_pain" in names
        assert all(name.count("ck_") == 1 for name in names), names
    finally:
        engine.dispose()


def test_upgrading_a_0003_journal_fills_in_the_session_figures(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        _upgraded_to(engine, "0003")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO profiles (id, name, created_at) VALUES (7, 'ana', :t)"),
                {"t": "2026-11-01 07:00:00"},
            )
            _insert_old_session(connection, 7)
            for index, outcome, seconds in ((0, "completed", 10.0), (1, "skipped", 2.5)):
                connection.execute(
                    text(
                        "INSERT INTO segment_events (session_id, profile_id, segment_index, kind,"
                        " exercise_id, side, outcome, planned_seconds, elapsed_seconds,"
                        " recorded_at) VALUES ('s1', 7, :i, 'hold', 'x', 'left', :o, 10, :s, :t)"
                    ),
                    {"i": index, "o": outcome, "s": seconds, "t": "2026-11-01 07:01:00"},
                )
        migrate(engine)
        journal = Journal(engine)
        [row] = journal.history(7)
        assert (row.segments_done, row.segments_completed, row.time_spent_seconds) == (2, 1, 12.5)
        assert journal.data_version(7).records == 0  # counting starts at the upgrade
        record(journal, "s1", 2)
        [row] = journal.history(7)
        assert row.segments_done == 3
        assert journal.data_version(7).segments == 1
    finally:
        engine.dispose()


def test_upgrading_a_0004_journal_keeps_its_data_and_adds_empty_device_tables(
    database_url: str,
) -> None:
    engine = create_engine_for(database_url)
    try:
        _upgraded_to(engine, "0004")
        assert not {"devices", "pairing_codes"} & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            # Rows as a 0004 journal holds them, written in its own schema's terms.
            connection.execute(
                text("INSERT INTO profiles (id, name, created_at) VALUES (7, 'ana', :t)"),
                {"t": "2026-11-01 07:00:00"},
            )
            _insert_old_session(connection, 7)
            connection.execute(
                text(
                    "INSERT INTO segment_events (session_id, profile_id, segment_index, kind,"
                    " exercise_id, side, outcome, planned_seconds, elapsed_seconds,"
                    " recorded_at) VALUES ('s1', 7, 0, 'hold', 'x', 'left', 'completed', 10,"
                    " 10.0, :t)"
                ),
                {"t": "2026-11-01 07:01:00"},
            )
        journal = Journal(engine)
        before = _stored_counters(engine)  # read as the old schema keeps them
        migrate(engine)
        assert current_revision(engine) == HEAD_REVISION
        # The counters came through the upgrades unchanged, and still count.
        assert journal.data_version(7) == before
        [row] = journal.history(7)
        assert (row.segments_done, row.status, row.ended_by_rule) == (1, "partial", None)
        record(journal, "s1", 1)
        assert journal.data_version(7).segments == before.segments + 1
        with engine.connect() as connection:
            for table in ("devices", "pairing_codes", "holds", "preferences"):
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
    finally:
        engine.dispose()


def test_upgrading_a_0005_journal_adds_pauses_that_move_the_data_version(
    database_url: str,
) -> None:
    """0006: the new tables count as records (page caches see a pause at once)."""
    engine = create_engine_for(database_url)
    try:
        _upgraded_to(engine, "0005")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO profiles (id, name, created_at) VALUES (7, 'ana', :t)"),
                {"t": "2026-11-01 07:00:00"},
            )
            _insert_old_session(connection, 7)
        migrate(engine)
        journal = Journal(engine)
        [row] = journal.history(7)
        assert row.status == "partial"
        assert row.ended_by_rule is None
        before = journal.data_version(7).records
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO preferences (profile_id, key, value, updated_at)"
                    " VALUES (7, 'heels-closer', 'true', :t)"
                ),
                {"t": "2026-11-02 07:00:00"},
            )
        assert journal.data_version(7).records == before + 1
    finally:
        engine.dispose()


def _old_profile_with_events(connection: Connection) -> None:
    """Profile 7 with session 's1' and two of its events, written in an older schema's terms."""
    connection.execute(
        text("INSERT INTO profiles (id, name, created_at) VALUES (7, 'ana', :t)"),
        {"t": "2026-11-01 07:00:00"},
    )
    _insert_old_session(connection, 7)
    for index in (0, 1):
        connection.execute(
            text(
                "INSERT INTO segment_events (session_id, profile_id, segment_index, kind,"
                " exercise_id, side, outcome, planned_seconds, elapsed_seconds,"
                " recorded_at) VALUES ('s1', 7, :i, 'hold', 'x', 'left', 'completed', 10,"
                " 10.0, :t)"
            ),
            {"i": index, "t": "2026-11-01 07:01:00"},
        )


def test_upgrading_a_0006_journal_keeps_the_segment_counter_and_counts_on_sessions(
    database_url: str,
) -> None:
    """0007: the profile's segment counter carries over (a page cache must never see it go
    back) and moves on with every save; the profile row is no longer written by a save."""
    engine = create_engine_for(database_url)
    try:
        _upgraded_to(engine, "0006")
        with engine.begin() as connection:
            _old_profile_with_events(connection)
        journal = Journal(engine)
        before = _stored_counters(engine)  # read as the old schema keeps them
        assert before.segments == 2  # 0004's trigger counted both events on the profile
        migrate(engine)
        assert journal.data_version(7) == before
        record(journal, "s1", 2)
        assert journal.data_version(7).segments == before.segments + 1
        with engine.connect() as connection:
            base = connection.execute(text("SELECT segment_version FROM profiles")).scalar()
            on_session = connection.execute(text("SELECT segment_version FROM sessions")).scalar()
        assert (base, on_session) == (2, 1)
        [row] = journal.history(7)
        assert (row.segments_done, row.time_spent_seconds) == (3, 50.0)
    finally:
        engine.dispose()


def test_downgrading_0007_puts_the_whole_segment_counter_back_on_the_profile(
    database_url: str,
) -> None:
    engine = create_engine_for(database_url)
    try:
        migrate(engine)
        journal = Journal(engine)
        with engine.begin() as connection:
            _old_profile_with_events(connection)  # counted on the session this time
        record(journal, "s1", 2)
        before = journal.data_version(7)
        assert before.segments == 3
        _downgraded_to(engine, "0006")
        assert current_revision(engine) == "0006"
        with engine.connect() as connection:
            assert connection.execute(text("SELECT segment_version FROM profiles")).scalar() == 3
            columns = {c["name"] for c in inspect(connection).get_columns("sessions")}
            assert "segment_version" not in columns
            assert "segment_saves" not in inspect(connection).get_table_names()
        with engine.begin() as connection:  # 0004's triggers count on the profile again
            connection.execute(text("DELETE FROM segment_events WHERE segment_index = 0"))
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT p.segment_version, s.segments_saved FROM profiles p, sessions s")
            ).one()
        assert tuple(row) == (4, 2)
        migrate(engine)
        assert journal.data_version(7).segments == 4
    finally:
        engine.dispose()


def _stored_counters(engine: Engine) -> DataVersion:
    """Profile 7's counters as a schema before 0007 keeps them: both on the profile row."""
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT data_version, segment_version FROM profiles WHERE id = 7")
        ).one()
    return DataVersion(records=int(row[0]), segments=int(row[1]))


def _downgraded_to(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
