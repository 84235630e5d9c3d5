"""Datasets with versioned fingerprints, the shared fingerprint cache, reproducibility runs.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the dataset, cache and run tables."""
    op.create_table(
        "datasets",
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "dataset_versions",
        sa.Column("project_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("files", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rows", sa.BigInteger),
        sa.Column("columns", sa.Integer),
        sa.Column("schema", sa.JSON(none_as_null=True)),
        sa.Column("schema_hash", sa.String(64)),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["project_id", "name"], ["datasets.project_id", "datasets.name"], ondelete="CASCADE"),
    )
    op.create_table(
        "fingerprint_cache",
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("verdict", sa.String(20)),
        sa.Column("twice", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("options", sa.JSON(none_as_null=True)),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("started_at", sa.String(32)),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("worker_pid", sa.Integer),
        sa.Column("environment", sa.JSON(none_as_null=True)),
        sa.Column("environment_diff", sa.JSON(none_as_null=True)),
        sa.Column("data_checks", sa.JSON(none_as_null=True)),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_runs_project", "runs", ["project_id", "created_at"])
    op.create_table(
        "run_notebooks",
        sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("verdict", sa.String(20)),
        sa.Column("cells_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cells_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sha256", sa.String(64)),
        sa.Column("output_path", sa.Text),
        sa.Column("started_at", sa.String(32)),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("duration", sa.Float),
        sa.Column("error", sa.JSON(none_as_null=True)),
        sa.Column("diffs", sa.JSON(none_as_null=True)),
    )


def downgrade() -> None:
    """Drop them again."""
    for table in ("run_notebooks", "runs", "fingerprint_cache", "dataset_versions", "datasets"):
        op.drop_table(table)
