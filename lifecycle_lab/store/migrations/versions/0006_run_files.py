"""Run files: the project files a rerun created, changed or deleted (path, size and sha256 before/after).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``runs.files``."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("files", sa.JSON(none_as_null=True)))


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("files")
