"""Programs, screens, check-ins and symptom events; sessions may belong to a plan.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def _profile_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["profile_id"], ["profiles.id"], name=f"fk_{table}_profile_id_profiles", ondelete="CASCADE"
    )


def _session_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["session_id"], ["sessions.id"], name=f"fk_{table}_session_id_sessions", ondelete="SET NULL"
    )


def upgrade() -> None:
    """Create the program tables and link sessions to plans."""
    op.create_table(
        "screens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answers_json", sa.Text(), nullable=False),
        sa.Column("outcome_json", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('clear', 'caution', 'stop')", name=op.f("ck_screens_status")
        ),
        _profile_fk("screens"),
        sa.PrimaryKeyConstraint("id", name="pk_screens"),
    )
    op.create_index("ix_screens_profile_id_taken_at", "screens", ["profile_id", "taken_at"])
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=40), nullable=False),
        sa.Column("time_of_day", sa.String(length=5), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('active', 'paused', 'ended')", name=op.f("ck_plans_status")),
        sa.CheckConstraint("weeks BETWEEN 1 AND 52", name=op.f("ck_plans_weeks")),
        _profile_fk("plans"),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
    )
    op.create_index("ix_plans_profile_id_created_at", "plans", ["profile_id", "created_at"])
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("moment", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pain", sa.Integer(), nullable=True),
        sa.Column("morning_after", sa.String(length=8), nullable=True),
        sa.Column("effort", sa.Integer(), nullable=True),
        sa.CheckConstraint("moment IN ('before', 'after')", name=op.f("ck_checkins_moment")),
        sa.CheckConstraint(
            "morning_after IN ('better', 'same', 'worse')", name=op.f("ck_checkins_morning_after")
        ),
        sa.CheckConstraint("pain BETWEEN 0 AND 10", name=op.f("ck_checkins_pain")),
        sa.CheckConstraint("effort BETWEEN 0 AND 10", name=op.f("ck_checkins_effort")),
        _profile_fk("checkins"),
        _session_fk("checkins"),
        sa.PrimaryKeyConstraint("id", name="pk_checkins"),
    )
    op.create_index("ix_checkins_profile_id_recorded_at", "checkins", ["profile_id", "recorded_at"])
    op.create_table(
        "symptom_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("segment_index", sa.Integer(), nullable=True),
        sa.Column("symptom", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "symptom IN ('pinch', 'cramp', 'knee', 'pain', 'cannot_sit_tall')",
            name=op.f("ck_symptom_events_symptom"),
        ),
        _profile_fk("symptom_events"),
        _session_fk("symptom_events"),
        sa.PrimaryKeyConstraint("id", name="pk_symptom_events"),
    )
    op.create_index(
        "ix_symptom_events_profile_id_recorded_at",
        "symptom_events",
        ["profile_id", "recorded_at"],
    )
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_sessions_plan_id_plans", "plans", ["plan_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    """Drop the program tables and the sessions' plan link."""
    with op.batch_alter_table("sessions") as batch:
        batch.drop_constraint("fk_sessions_plan_id_plans", type_="foreignkey")
        batch.drop_column("plan_id")
    op.drop_index("ix_symptom_events_profile_id_recorded_at", table_name="symptom_events")
    op.drop_table("symptom_events")
    op.drop_index("ix_checkins_profile_id_recorded_at", table_name="checkins")
    op.drop_table("checkins")
    op.drop_index("ix_plans_profile_id_created_at", table_name="plans")
    op.drop_table("plans")
    op.drop_index("ix_screens_profile_id_taken_at", table_name="screens")
    op.drop_table("screens")
