"""Per-profile change counters and per-session figures, kept by the database itself.

`profiles.data_version` goes up with every change to a profile's records
except segment progress; `profiles.segment_version` goes up with every segment
event. A reader (the web server's page cache) compares two integers to know
whether what it computed is still true, whichever process or code path wrote.

`sessions.segments_saved`, `segments_completed` and `seconds_spent` restate
what the session's segment events add up to, so the history reads one row per
session instead of grouping events (it is read on every Today page).

Triggers keep all of them, so no write can forget to.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

# Every table that holds a profile's records; segment_events counts apart.
RECORD_TABLES = (
    "sessions",
    "screens",
    "plans",
    "checkins",
    "symptom_events",
    "measurements",
    "questionnaire_responses",
)
# A segment saved touches sessions.updated_at only: that is progress, not a new fact.
SESSION_FACTS = (
    "profile_id, routine_id, routine_name, options_json, fingerprint, total_segments, "
    "total_seconds, status, started_at, ended_at, plan_id"
)


def _triggers() -> list[tuple[str, str, str, str]]:
    """(trigger name, table, event, counter) for every trigger this revision makes."""
    found = []
    for table in RECORD_TABLES:
        for event in ("insert", "update", "delete"):
            found.append((f"trg_{table}_{event}_version", table, event, "data_version"))
    for event in ("insert", "update", "delete"):
        name = f"trg_segment_events_{event}_version"
        found.append((name, "segment_events", event, "segment_version"))
    return found


def _event_clause(table: str, event: str) -> str:
    if event == "update" and table == "sessions":
        return f"UPDATE OF {SESSION_FACTS}"
    return event.upper()


# Each figure and how it is worked out from the events of the session `sessions.id`.
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
RECOUNT = "UPDATE sessions SET " + ", ".join(f"{c} = ({q})" for c, q in FIGURES.items())


def upgrade() -> None:
    """Add the counters and figures, fill the figures in, and add the triggers."""
    for counter in ("data_version", "segment_version"):
        op.add_column(
            "profiles", sa.Column(counter, sa.BigInteger(), server_default="0", nullable=False)
        )
    op.add_column(
        "sessions", sa.Column("segments_saved", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "sessions",
        sa.Column("segments_completed", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "sessions", sa.Column("seconds_spent", sa.Double(), server_default="0", nullable=False)
    )
    op.execute(RECOUNT)
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


# The rows a SQLite trigger sees for each event.
SQLITE_ROWS = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}


def _sqlite_triggers() -> None:
    for event, rows in SQLITE_ROWS.items():
        ids = ", ".join(f"{row}.session_id" for row in rows)
        op.execute(
            f"CREATE TRIGGER trg_segment_events_{event}_figures AFTER {event.upper()} "
            f"ON segment_events BEGIN {RECOUNT} WHERE id IN ({ids}); END"
        )
    for name, table, event, counter in _triggers():
        ids = ", ".join(f"{row}.profile_id" for row in SQLITE_ROWS[event])
        op.execute(
            f"CREATE TRIGGER {name} AFTER {_event_clause(table, event)} ON {table} "
            f"BEGIN UPDATE profiles SET {counter} = {counter} + 1 WHERE id IN ({ids}); END"
        )


def _postgresql_triggers() -> None:
    for counter in ("data_version", "segment_version"):
        # One function per counter: a fixed statement plans once, EXECUTE would each time.
        op.execute(
            f"""
            CREATE FUNCTION hipcoach_bump_{counter}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'DELETE' THEN
                UPDATE profiles SET {counter} = {counter} + 1 WHERE id = NEW.profile_id;
              END IF;
              IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.profile_id <> NEW.profile_id) THEN
                UPDATE profiles SET {counter} = {counter} + 1 WHERE id = OLD.profile_id;
              END IF;
              RETURN NULL;
            END $$
            """
        )
    op.execute(
        f"""
        CREATE FUNCTION hipcoach_recount_session() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'DELETE' THEN
            {RECOUNT} WHERE id = NEW.session_id;
          END IF;
          IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.session_id <> NEW.session_id) THEN
            {RECOUNT} WHERE id = OLD.session_id;
          END IF;
          RETURN NULL;
        END $$
        """
    )
    for event in ("insert", "update", "delete"):
        op.execute(
            f"CREATE TRIGGER trg_segment_events_{event}_figures AFTER {event.upper()} "
            "ON segment_events FOR EACH ROW EXECUTE FUNCTION hipcoach_recount_session()"
        )
    for name, table, event, counter in _triggers():
        op.execute(
            f"CREATE TRIGGER {name} AFTER {_event_clause(table, event)} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION hipcoach_bump_{counter}()"
        )


def downgrade() -> None:
    """Drop the triggers, the counters and the figures."""
    postgres = op.get_bind().dialect.name == "postgresql"
    figures = [
        (f"trg_segment_events_{e}_figures", "segment_events")
        for e in ("insert", "update", "delete")
    ]
    for name, table in [*figures, *((n, t) for n, t, _, _ in _triggers())]:
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgres else f"DROP TRIGGER {name}")
    if postgres:
        for counter in ("data_version", "segment_version"):
            op.execute(f"DROP FUNCTION hipcoach_bump_{counter}()")
        op.execute("DROP FUNCTION hipcoach_recount_session()")
    for column in FIGURES:
        op.execute(f"ALTER TABLE sessions DROP COLUMN {column}")
    # Not batch mode: on SQLite it rebuilds the table, and dropping profiles would
    # cascade into every record. SQLite 3.35+ drops a plain column in place.
    for counter in ("segment_version", "data_version"):
        op.execute(f"ALTER TABLE profiles DROP COLUMN {counter}")
