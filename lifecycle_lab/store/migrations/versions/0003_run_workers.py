"""Rerun workers: the host a run's worker process lives on, the kernel each notebook ran with.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``runs.worker_host`` and ``run_notebooks.kernel``."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("worker_host", sa.String(255)))
    with op.batch_alter_table("run_notebooks") as batch:
        batch.add_column(sa.Column("kernel", sa.String(200)))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("run_notebooks") as batch:
        batch.drop_column("kernel")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("worker_host")
