"""Audit anchors: each event's chain mode (keyed or not) and the chain heads the store checkpoints.

Revision ID: 0004
Revises: 0003

Existing events get ``mode`` NULL: unkeyed, which is how they were hashed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``audit_events.mode`` and create ``audit_checkpoints``."""
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("mode", sa.String(40)))
    op.create_table(
        "audit_checkpoints",
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(40)),
        sa.Column("event_at", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("mode")
