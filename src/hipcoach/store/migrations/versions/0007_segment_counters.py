"""Segment saves that count once, and a segment counter per session instead of per profile.

- `segment_saves`: the key a player sends with each save and the answer it got,
  written in the save's transaction. A save sent again (its reply was lost)
  finds its key, writes nothing and gets the same answer, so a step's time is
  never added twice. No profile id: the rows are the server's bookkeeping, not
  a person's records, so exports leave them out.
- `sessions.segment_version`: bumped by the figures trigger on every change to
  the session's events. Until now every segment event bumped
  `profiles.segment_version`, one row per profile that every save of every
  player updated: on PostgreSQL two server processes' batches locked sessions
  and that row in different orders and deadlocked, and all batches queued on
  it. A profile's segment counter is now `profiles.segment_version` (kept as a
  base, so its value carries over) plus the sum of its sessions' counters,
  found through the sessions' (profile_id, started_at) index. Deliberately no
  index on the counter: a save would then move an indexed column, so PostgreSQL
  could not update the session's row in place (a HOT update), and every save
  would leave an index entry behind; under load the sum read tens of thousands
  of dead entries (5 ms a read) before vacuum came round. Each term only goes
  up, so the sum does too, whatever order concurrent writers commit in; a
  session deleted (or moved to another profile) hands its counter to the base
  first, so the sum never goes back either.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

EVENTS = ("insert", "update", "delete")
SQLITE_ROWS = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}

# What migration 0004's figures trigger sets, and what it sets from here on.
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
OLD_RECOUNT = "UPDATE sessions SET " + ", ".join(f"{c} = ({q})" for c, q in FIGURES.items())
RECOUNT = OLD_RECOUNT + ", segment_version = segment_version + 1"

# A session leaving a profile (deleted, or moved) adds its counter to the profile's base.
HAND_OVER = "UPDATE profiles SET segment_version = segment_version + OLD.segment_version"


def upgrade() -> None:
    """Add the table and the column, and move the segment counter onto sessions."""
    op.create_table(
        "segment_saves",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("save_key", sa.String(length=64), nullable=False),
        sa.Column("segment_index", sa.Integer(), nullable=False),
        sa.Column("saved", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_segment_saves_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "save_key", name=op.f("pk_segment_saves")),
    )
    op.add_column(
        "sessions",
        sa.Column("segment_version", sa.BigInteger(), server_default="0", nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def _sqlite_upgrade() -> None:
    for event, rows in SQLITE_ROWS.items():
        op.execute(f"DROP TRIGGER trg_segment_events_{event}_version")
        op.execute(f"DROP TRIGGER trg_segment_events_{event}_figures")
        ids = ", ".join(f"{row}.session_id" for row in rows)
        op.execute(
            f"CREATE TRIGGER trg_segment_events_{event}_figures AFTER {event.upper()} "
            f"ON segment_events BEGIN {RECOUNT} WHERE id IN ({ids}); END"
        )
    op.execute(
        "CREATE TRIGGER trg_sessions_delete_segment_version AFTER DELETE ON sessions "
        f"BEGIN {HAND_OVER} WHERE id = OLD.profile_id; END"
    )
    op.execute(
        "CREATE TRIGGER trg_sessions_move_segment_version AFTER UPDATE OF profile_id ON sessions "
        f"WHEN OLD.profile_id <> NEW.profile_id BEGIN {HAND_OVER} WHERE id = OLD.profile_id; END"
    )


def _postgresql_upgrade() -> None:
    for event in EVENTS:
        op.execute(f"DROP TRIGGER trg_segment_events_{event}_version ON segment_events")
    op.execute("DROP FUNCTION hipcoach_bump_segment_version()")
    _postgresql_recount(RECOUNT)
    op.execute(
        f"""
        CREATE FUNCTION hipcoach_hand_over_segment_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' OR OLD.profile_id <> NEW.profile_id THEN
            {HAND_OVER} WHERE id = OLD.profile_id;
          END IF;
          RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER trg_sessions_delete_segment_version AFTER DELETE ON sessions "
        "FOR EACH ROW EXECUTE FUNCTION hipcoach_hand_over_segment_version()"
    )
    op.execute(
        "CREATE TRIGGER trg_sessions_move_segment_version AFTER UPDATE OF profile_id "
        "ON sessions FOR EACH ROW EXECUTE FUNCTION hipcoach_hand_over_segment_version()"
    )


def _postgresql_recount(recount: str) -> None:
    """Migration 0004's figures function, setting what `recount` sets."""
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION hipcoach_recount_session() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'DELETE' THEN
            {recount} WHERE id = NEW.session_id;
          END IF;
          IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.session_id <> NEW.session_id) THEN
            {recount} WHERE id = OLD.session_id;
          END IF;
          RETURN NULL;
        END $$
        """
    )


def downgrade() -> None:
    """Put the whole counter back on the profile and the triggers as 0004 made them."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in ("trg_sessions_delete_segment_version", "trg_sessions_move_segment_version"):
        op.execute(f"DROP TRIGGER {name} ON sessions" if postgres else f"DROP TRIGGER {name}")
    op.execute(
        "UPDATE profiles SET segment_version = segment_version + coalesce(("
        "SELECT sum(s.segment_version) FROM sessions s WHERE s.profile_id = profiles.id), 0)"
    )
    if postgres:
        op.execute("DROP FUNCTION hipcoach_hand_over_segment_version()")
        _postgresql_recount(OLD_RECOUNT)
        op.execute(
            """
            CREATE FUNCTION hipcoach_bump_segment_version() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'DELETE' THEN
                UPDATE profiles SET segment_version = segment_version + 1
                WHERE id = NEW.profile_id;
              END IF;
              IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.profile_id <> NEW.profile_id) THEN
                UPDATE profiles SET segment_version = segment_version + 1
                WHERE id = OLD.profile_id;
              END IF;
              RETURN NULL;
            END $$
            """
        )
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER trg_segment_events_{event}_version AFTER {event.upper()} "
                "ON segment_events FOR EACH ROW EXECUTE FUNCTION hipcoach_bump_segment_version()"
            )
    else:
        for event, rows in SQLITE_ROWS.items():
            op.execute(f"DROP TRIGGER trg_segment_events_{event}_figures")
            ids = ", ".join(f"{row}.session_id" for row in rows)
            op.execute(
                f"CREATE TRIGGER trg_segment_events_{event}_figures AFTER {event.upper()} "
                f"ON segment_events BEGIN {OLD_RECOUNT} WHERE id IN ({ids}); END"
            )
            profiles = ", ".join(f"{row}.profile_id" for row in rows)
            op.execute(
                f"CREATE TRIGGER trg_segment_events_{event}_version AFTER {event.upper()} "
                "ON segment_events BEGIN UPDATE profiles SET segment_version = "
                f"segment_version + 1 WHERE id IN ({profiles}); END"
            )
    # Plain SQL on both: SQLite (3.35+) drops a column in place, where a batch
    # rebuild of sessions would cascade-delete its segment events.
    op.execute("ALTER TABLE sessions DROP COLUMN segment_version")
    op.drop_table("segment_saves")
