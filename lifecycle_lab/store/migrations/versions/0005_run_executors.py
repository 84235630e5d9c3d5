"""Run executors: which executor and which worker executed each notebook of a run, and in how many attempts.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``run_notebooks.executor``, ``run_notebooks.worker`` and ``run_notebooks.attempts``."""
    with op.batch_alter_table("run_notebooks") as batch:
        batch.add_column(sa.Column("executor", sa.String(20)))
        batch.add_column(sa.Column("worker", sa.String(255)))
        batch.add_column(sa.Column("attempts", sa.Integer))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("run_notebooks") as batch:
        batch.drop_column("attempts")
        batch.drop_column("worker")
        batch.drop_column("executor")
