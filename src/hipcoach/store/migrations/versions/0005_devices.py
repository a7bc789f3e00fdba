"""Paired devices and their one-time pairing codes, for a server reached from the network.

Both tables belong to the server, not to a profile: they have no profile_id,
so the export leaves them out, and no trigger of 0004 watches them, so pairing
a phone never moves a profile's data_version (the page caches stay valid).
Tokens and codes are kept only as SHA-256 hashes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the device and pairing-code tables."""
    op.create_table(
        "devices",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("paired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.UniqueConstraint("token_hash", name="uq_devices_token_hash"),
    )
    op.create_table(
        "pairing_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pairing_codes"),
        sa.UniqueConstraint("code_hash", name="uq_pairing_codes_code_hash"),
    )


def downgrade() -> None:
    """Drop the device and pairing-code tables (every paired device must pair again)."""
    op.drop_table("pairing_codes")
    op.drop_table("devices")
