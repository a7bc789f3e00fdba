"""Clinical pauses that hold until lifted, sessions ended for safety, and preferences.

- `holds`: a pause a check-in's warning sign or a pattern of easier sessions
  began; it stays until a clearance (who, when, a note) or a new screen
  without a stop is recorded against it. A stop on a screen needs no row: the
  screen itself says so.
- `sessions.ended_by_rule`: the rule that ended a session for safety; such a
  session shows as "ended for safety", is never offered for resume and can
  never be relabelled completed. A column rather than a new status value: the
  status CHECK cannot change on SQLite without rebuilding the table.
- `preferences`: a person's own choices (keeping heels-closer, say), one
  value per key.

Both new tables carry a profile id, so they move the profile's data_version
the way migration 0004's triggers do for the other record tables.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("holds", "preferences")
EVENTS = ("insert", "update", "delete")
SQLITE_ROWS = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}


def upgrade() -> None:
    """Create the tables and the column, and hook the tables to data_version."""
    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule_ids_json", sa.Text(), nullable=False),
        sa.Column("reasons_json", sa.Text(), nullable=False),
        sa.Column("what_to_do", sa.Text(), nullable=False),
        sa.Column("signs_json", sa.Text(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_how", sa.String(length=16), nullable=True),
        sa.Column("cleared_by", sa.String(length=100), nullable=True),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.Column("clearance_note", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('warning-sign', 'regressions')", name=op.f("ck_holds_kind")),
        sa.CheckConstraint("level IN ('urgent', 'clinician')", name=op.f("ck_holds_level")),
        sa.CheckConstraint(
            "lifted_how IS NULL OR lifted_how IN ('clearance', 'screen')",
            name=op.f("ck_holds_lifted_how"),
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_holds_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    op.create_index(op.f("ix_holds_profile_id_since"), "holds", ["profile_id", "since"])
    op.create_table(
        "preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_preferences_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preferences")),
        sa.UniqueConstraint("profile_id", "key", name=op.f("uq_preferences_profile_id_key")),
    )
    op.add_column("sessions", sa.Column("ended_by_rule", sa.String(length=64), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for event in EVENTS:
            name = f"trg_{table}_{event}_version"
            if postgres:
                # hipcoach_bump_data_version() comes from migration 0004.
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION hipcoach_bump_data_version()"
                )
            else:
                ids = ", ".join(f"{row}.profile_id" for row in SQLITE_ROWS[event])
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} BEGIN "
                    f"UPDATE profiles SET data_version = data_version + 1 WHERE id IN ({ids}); END"
                )


def downgrade() -> None:
    """Drop them again (holds, clearances and preferences are lost)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for event in EVENTS:
            name = f"trg_{table}_{event}_version"
            op.execute(f"DROP TRIGGER {name} ON {table}" if postgres else f"DROP TRIGGER {name}")
    # Plain SQL on both: SQLite (3.35+) drops a column in place, where a batch
    # rebuild of sessions would cascade-delete its segment events.
    op.execute("ALTER TABLE sessions DROP COLUMN ended_by_rule")
    op.drop_table("preferences")
    op.drop_index(op.f("ix_holds_profile_id_since"), table_name="holds")
    op.drop_table("holds")
