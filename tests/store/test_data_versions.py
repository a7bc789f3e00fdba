"""The per-profile change counters that the database keeps (migration 0004).

Readers trust two integers to say whether anything they computed is stale, so
every kind of write must move them, whoever makes it, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Table, delete, select, update

from hipcoach.store import DataVersion, Journal, StoreError
from hipcoach.store.export import owned_tables
from hipcoach.store.tables import SegmentEventRow, SessionRow
from tests.interop.samples import populate
from tests.store.helpers import T0, record, start

RECORD_TABLES = [t for t in owned_tables() if t.name != "segment_events"]


def test_a_new_profile_starts_at_zero(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    assert journal.data_version(profile.id) == DataVersion(records=0, segments=0)


def test_an_unknown_profile_is_an_error(journal: Journal) -> None:
    with pytest.raises(StoreError, match="no profile with id 999"):
        journal.data_version(999)


def test_a_saved_segment_moves_only_the_segment_counter(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    before = journal.data_version(profile.id)
    record(journal, session_id, 0)
    record(journal, session_id, 0, outcome="skipped")  # the same index again: an update
    after = journal.data_version(profile.id)
    assert after.records == before.records  # sessions.updated_at moved, which is no new fact
    assert after.segments == before.segments + 2


def test_starting_and_finishing_a_session_move_the_record_counter(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    started = journal.data_version(profile.id)
    assert started.records == 1
    journal.finish_session(session_id, "completed", T0)
    assert journal.data_version(profile.id).records == started.records + 1


@pytest.mark.parametrize("table", RECORD_TABLES, ids=lambda t: t.name)
def test_every_record_table_moves_the_counter_on_insert_update_and_delete(
    journal: Journal, table: Table
) -> None:
    pid = populate(journal)
    assert journal.data_version(pid).records > 0  # populate inserted into every table
    with journal.engine.connect() as conn:
        row_id = conn.execute(select(table.c.id).where(table.c.profile_id == pid)).scalars().first()
    assert row_id is not None

    def bumped_by(statement: object) -> int:
        before = journal.data_version(pid).records
        with journal.engine.begin() as conn:
            conn.execute(statement)  # type: ignore[call-overload]
        return journal.data_version(pid).records - before

    # Setting a column to itself is still an UPDATE: the trigger cannot tell, and need not.
    column = next(c for c in table.c if c.name not in ("id", "profile_id", "updated_at"))
    assert bumped_by(update(table).where(table.c.id == row_id).values({column: column})) >= 1
    if table.name != "sessions":  # a session's delete cascades, covered below
        assert bumped_by(delete(table).where(table.c.id == row_id)) >= 1


def test_deleting_a_session_moves_both_counters(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    record(journal, session_id, 0)
    before = journal.data_version(profile.id)
    with journal.engine.begin() as conn:
        conn.execute(delete(SegmentEventRow).where(SegmentEventRow.session_id == session_id))
        conn.execute(delete(SessionRow).where(SessionRow.id == session_id))
    after = journal.data_version(profile.id)
    assert after.records > before.records
    assert after.segments > before.segments


def test_a_profiles_counters_move_only_with_its_own_records(journal: Journal) -> None:
    ana = journal.ensure_profile("ana").id
    ben = journal.ensure_profile("ben").id
    record(journal, start(journal, ana), 0)
    assert journal.data_version(ben) == DataVersion(0, 0)


def test_a_rolled_back_write_leaves_the_counters(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    before = journal.data_version(profile.id)
    with pytest.raises(StoreError, match="outside session"):
        record(journal, session_id, 99)
    with journal.engine.connect() as conn, conn.begin() as transaction:
        conn.execute(update(SessionRow).values(status="completed"))
        transaction.rollback()
    assert journal.data_version(profile.id) == before


def test_another_connection_sees_a_write_at_once(journal: Journal, database_url: str) -> None:
    from hipcoach.store import create_engine_for

    profile = journal.ensure_profile("ana")
    other = Journal(create_engine_for(database_url))  # as a second process would
    try:
        seen = other.data_version(profile.id)
        record(journal, start(journal, profile.id), 0)
        now = other.data_version(profile.id)
        assert now.records == seen.records + 1
        assert now.segments == seen.segments + 1
    finally:
        other.close()


def test_record_segment_answers_how_many_are_saved(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    saved = [
        journal.record_segment(session_id, i, "hold", "er-press", "left", "completed", 30, 30.0)
        for i in (0, 1, 1, 4)
    ]
    assert saved == [1, 2, 2, 3]


def _figures(journal: Journal, session_id: str) -> tuple[int, int, float]:
    with journal.engine.connect() as conn:
        row = conn.execute(
            select(
                SessionRow.segments_saved, SessionRow.segments_completed, SessionRow.seconds_spent
            ).where(SessionRow.id == session_id)
        ).one()
    return int(row[0]), int(row[1]), float(row[2])


def test_session_figures_follow_every_change_to_its_events(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    other = start(journal, profile.id, minutes=1)
    assert _figures(journal, session_id) == (0, 0, 0.0)
    record(journal, session_id, 0, elapsed=30.0)
    record(journal, session_id, 1, outcome="skipped", elapsed=2.5)
    record(journal, other, 0, elapsed=7.0)
    assert _figures(journal, session_id) == (2, 1, 32.5)
    record(journal, session_id, 1, elapsed=20.0)  # replayed: now completed, times add up
    assert _figures(journal, session_id) == (2, 2, 52.5)
    with journal.engine.begin() as conn:
        conn.execute(
            delete(SegmentEventRow).where(
                SegmentEventRow.session_id == session_id, SegmentEventRow.segment_index == 0
            )
        )
        # An event moved to another session counts there and no longer here.
        conn.execute(
            update(SegmentEventRow)
            .where(SegmentEventRow.session_id == session_id)
            .values(session_id=other, segment_index=5)
        )
    assert _figures(journal, session_id) == (0, 0, 0.0)
    assert _figures(journal, other) == (2, 2, 29.5)
    rows = {r.session_id: r for r in journal.history(profile.id)}
    assert (rows[other].segments_done, rows[other].time_spent_seconds) == (2, 29.5)


def test_an_export_leaves_the_figures_out_and_an_import_works_them_out(
    journal: Journal,
) -> None:
    from hipcoach.store.export import dump_profile, restore_profile

    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    record(journal, session_id, 0, elapsed=30.0)
    record(journal, session_id, 1, outcome="skipped", elapsed=4.0)
    dump = dump_profile(journal.engine, profile.id)
    assert "segments_saved" not in dump["records"]["sessions"][0]
    with journal.engine.begin() as conn:  # make room: session ids are global
        conn.execute(delete(SegmentEventRow))
        conn.execute(delete(SessionRow))
    restore_profile(journal.engine, "ana", dump)
    assert _figures(journal, session_id) == (2, 1, 34.0)


def test_a_session_moved_to_another_profile_never_takes_a_counter_back(journal: Journal) -> None:
    """The segment counter is a sum over the profile's sessions (migration 0007): a session
    that leaves hands its part to the profile it leaves, so no pair of counters a cache
    has seen comes round again."""
    ana = journal.ensure_profile("ana").id
    ben = journal.ensure_profile("ben").id
    session_id = start(journal, ana)
    record(journal, session_id, 0)
    record(journal, session_id, 1)
    ana_before, ben_before = journal.data_version(ana), journal.data_version(ben)
    with journal.engine.begin() as conn:
        conn.execute(update(SessionRow).where(SessionRow.id == session_id).values(profile_id=ben))
        conn.execute(
            update(SegmentEventRow)
            .where(SegmentEventRow.session_id == session_id)
            .values(profile_id=ben)
        )
    ana_after, ben_after = journal.data_version(ana), journal.data_version(ben)
    assert ana_after.segments >= ana_before.segments
    assert ana_after.records > ana_before.records
    assert ben_after.segments > ben_before.segments
    assert ben_after.records > ben_before.records
    record(journal, session_id, 2)
    assert journal.data_version(ben).segments > ben_after.segments
    assert journal.data_version(ana) == ana_after
