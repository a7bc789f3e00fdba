"""A completed session's segment counter moves into the profile's base.

Since 0007 a profile's segment counter is its base plus the sum of all its
sessions' counters. That sum is read on every page a cache answers (to know
whether what it keeps is still true), and it read every session the profile
ever had: a year of mornings is some 300 rows per read, most of the database's
work under load on PostgreSQL.

A completed session takes no more saves (the player refuses them), so its
counter rarely moves again. From here on, when a session becomes completed,
its counter is added to the profile's base and set to 0 in the same
statement, and any later change to its segment events (an import, a repair)
bumps the base instead. The sum then covers only the sessions not completed,
which a partial index finds: a handful of rows, whatever the history's length.
(On PostgreSQL the sessions table also keeps half of each page it writes from
here on free, so the new row version a save writes fits beside the old one:
an update in place, no new index entries to read past. Downgrading leaves
that setting; it changes no result.)

The figures trigger also works out a session's three figures in one pass over
its events instead of three: it runs on every save, under the session's lock.

The total never goes back: completing a session moves its count from one term
to the other within one transaction, and every other change adds 1 to one of
them. Live saves still touch only their own session's row (no queue on the
profile row, no deadlock between server processes); finishing a session
already updates the profile row (its data counter), in the same order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

SQLITE_ROWS = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}

# The figures as 0004 and 0007 keep them (see 0007 for the counter they bump), for
# the downgrade.
FIGURES = {
    "segments_saved": "SELECT count(*) FROM segment_events e WHERE e.session_id = sessions.id",
    "segments_completed": (
        "SELECT count(*) FROM segment_events e "
        "WHERE e.session_id = sessions.id AND e.outcome = 'completed'"
    ),
    "seconds_spent": (
        "SELECT coalesce(sum(e.elapsed_seconds), 0.0) FROM segment_events e "
        "WHERE e.session_id = sessions.id"
    ),
}
OLD_RECOUNT = (
    "UPDATE sessions SET "
    + ", ".join(f"{c} = ({q})" for c, q in FIGURES.items())
    + ", segment_version = segment_version + 1"
)
# The same figures from one pass over the session's events instead of three (every save
# runs this, under the session's lock); a completed session's own counter stays at 0,
# the profile's base counts for it.
RECOUNT = (
    "UPDATE sessions SET (segments_saved, segments_completed, seconds_spent) = ("
    "SELECT count(*), count(CASE WHEN e.outcome = 'completed' THEN 1 END), "
    "coalesce(sum(e.elapsed_seconds), 0.0) FROM segment_events e "
    "WHERE e.session_id = sessions.id), "
    "segment_version = segment_version + CASE WHEN status = 'completed' THEN 0 ELSE 1 END"
)
BUMP_BASE = "UPDATE profiles SET segment_version = segment_version + 1"
SETTLED = "NEW.status = 'completed' AND OLD.status <> 'completed'"
# The index the profile's sum reads (its predicate is the query's, word for word, so
# SQLite's planner can use it too).
OPEN_INDEX = "ix_sessions_unsettled_profile_id"
OPEN_PREDICATE = "status <> 'completed'"
# PostgreSQL: how full a page of sessions is packed, the rest kept for the new versions
# of its rows that saves write (see upgrade()).
SESSIONS_FILLFACTOR = 50


def upgrade() -> None:
    """Settle what completed sessions count, then keep it so with triggers and an index."""
    op.execute(
        "UPDATE profiles SET segment_version = segment_version + coalesce(("
        "SELECT sum(s.segment_version) FROM sessions s "
        "WHERE s.profile_id = profiles.id AND s.status = 'completed'), 0)"
    )
    op.execute("UPDATE sessions SET segment_version = 0 WHERE status = 'completed'")
    op.execute(f"CREATE INDEX {OPEN_INDEX} ON sessions (profile_id) WHERE {OPEN_PREDICATE}")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def _sqlite_figures_triggers(body: str) -> None:
    """Replace the SQLite figures triggers with ones that run `body`, in which {ids}
    stands for the session ids the event touches."""
    for event, rows in SQLITE_ROWS.items():
        ids = ", ".join(f"{row}.session_id" for row in rows)
        op.execute(f"DROP TRIGGER trg_segment_events_{event}_figures")
        op.execute(
            f"CREATE TRIGGER trg_segment_events_{event}_figures AFTER {event.upper()} "
            f"ON segment_events BEGIN {body.format(ids=ids)} END"
        )


def _sqlite_upgrade() -> None:
    _sqlite_figures_triggers(
        f"{RECOUNT} WHERE id IN ({{ids}}); {BUMP_BASE} WHERE id IN (SELECT profile_id "
        "FROM sessions WHERE id IN ({ids}) AND status = 'completed');"
    )
    op.execute(
        "CREATE TRIGGER trg_sessions_settle_segment_version AFTER UPDATE OF status ON sessions "
        f"WHEN {SETTLED} BEGIN "
        "UPDATE profiles SET segment_version = segment_version + NEW.segment_version "
        "WHERE id = NEW.profile_id; "
        "UPDATE sessions SET segment_version = 0 WHERE id = NEW.id; END"
    )


def _recount_postgresql(row: str) -> str:
    """Recount the session of the event `row` (NEW or OLD); if it is completed, bump its
    profile's base instead of its own counter."""
    return (
        f"{RECOUNT} WHERE id = {row}.session_id "
        "RETURNING CASE WHEN status = 'completed' THEN profile_id END INTO settled_profile; "
        f"IF settled_profile IS NOT NULL THEN {BUMP_BASE} WHERE id = settled_profile; END IF;"
    )


def _postgresql_upgrade() -> None:
    op.execute(f"ALTER TABLE sessions SET (fillfactor = {SESSIONS_FILLFACTOR})")
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION hipcoach_recount_session() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
          settled_profile integer;
        BEGIN
          IF TG_OP <> 'DELETE' THEN
            {_recount_postgresql("NEW")}
          END IF;
          IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.session_id <> NEW.session_id) THEN
            {_recount_postgresql("OLD")}
          END IF;
          RETURN NULL;
        END $$
        """
    )
    # BEFORE the row is written, so the counter is moved in the same row version.
    op.execute(
        f"""
        CREATE FUNCTION hipcoach_settle_segment_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF {SETTLED} THEN
            UPDATE profiles SET segment_version = segment_version + NEW.segment_version
            WHERE id = NEW.profile_id;
            NEW.segment_version := 0;
          END IF;
          RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER trg_sessions_settle_segment_version BEFORE UPDATE OF status "
        "ON sessions FOR EACH ROW EXECUTE FUNCTION hipcoach_settle_segment_version()"
    )


def downgrade() -> None:
    """Back to 0007's triggers; the counts already in the base stay there (0007 sums
    every session onto the base, so the total is the same)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(f"DROP INDEX {OPEN_INDEX}")
    if postgres:
        op.execute("DROP TRIGGER trg_sessions_settle_segment_version ON sessions")
        op.execute("DROP FUNCTION hipcoach_settle_segment_version()")
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION hipcoach_recount_session() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'DELETE' THEN
                {OLD_RECOUNT} WHERE id = NEW.session_id;
              END IF;
              IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.session_id <> NEW.session_id)
              THEN
                {OLD_RECOUNT} WHERE id = OLD.session_id;
              END IF;
              RETURN NULL;
            END $$
            """
        )
        return
    op.execute("DROP TRIGGER trg_sessions_settle_segment_version")
    _sqlite_figures_triggers(f"{OLD_RECOUNT} WHERE id IN ({{ids}});")
