"""The database tables (SQLAlchemy Core). Alembic migrations create them; this is their current shape.

Timestamps are ISO 8601 UTC strings (see ``clock.py``) so every backend stores
exactly the text that the audit chain hashes.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JSONText = sa.JSON(none_as_null=True)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("template", sa.String(100), nullable=False),
    sa.Column("template_version", sa.String(50), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
)

items = sa.Table(
    "items",
    metadata,
    sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("owner", sa.String(200)),
    sa.Column("due", sa.String(10)),
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
    sa.Column("justification", sa.Text, nullable=False, server_default=""),
    sa.Column("evidence", JSONText),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(200)),
    sa.Column("updated_at", sa.String(32)),
)

signoffs = sa.Table(
    "signoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    sa.Column("stage", sa.String(100), nullable=False),
    sa.Column("role", sa.String(100), nullable=False),
    sa.Column("decision", sa.String(10), nullable=False),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("snapshot", sa.String(64), nullable=False),
    sa.Index("ix_signoffs_project", "project_id", "id"),
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("target", sa.String(300), nullable=False),
    sa.Column("before", sa.Text, nullable=False),  # canonical JSON text, exactly as hashed
    sa.Column("after", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("mode", sa.String(40)),  # NULL: unkeyed sha256; "hmac-sha256:<key id>": keyed (store/audit.py)
)

audit_checkpoints = sa.Table(  # chain heads the store vouches for: written on anchor and every few hundred events
    "audit_checkpoints",
    metadata,
    sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(20), primary_key=True),  # anchor | periodic
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("mode", sa.String(40)),
    sa.Column("event_at", sa.String(32), nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
)

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("path", sa.Text, nullable=False),  # relative to the project folder when inside it
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
)

dataset_versions = sa.Table(
    "dataset_versions",
    metadata,
    sa.Column("project_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("files", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("rows", sa.BigInteger),
    sa.Column("columns", sa.Integer),
    sa.Column("schema", JSONText),
    sa.Column("schema_hash", sa.String(64)),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.ForeignKeyConstraint(
        ["project_id", "name"], ["datasets.project_id", "datasets.name"], ondelete="CASCADE"
    ),
)

fingerprint_cache = sa.Table(
    "fingerprint_cache",
    metadata,
    sa.Column("path", sa.Text, primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mtime_ns", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # queued | running | finished | cancelled | failed
    sa.Column("verdict", sa.String(20)),
    sa.Column("twice", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("options", JSONText),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("started_at", sa.String(32)),
    sa.Column("finished_at", sa.String(32)),
    sa.Column("worker_pid", sa.Integer),
    sa.Column("worker_host", sa.String(255)),  # where worker_pid lives: only that host can tell if it died
    sa.Column("environment", JSONText),
    sa.Column("environment_diff", JSONText),
    sa.Column("data_checks", JSONText),
    sa.Column("files", JSONText),  # what the rerun created, changed or deleted (repro/files.py)
    sa.Column("error", sa.Text),
    sa.Index("ix_runs_project", "project_id", "created_at"),
)

run_notebooks = sa.Table(
    "run_notebooks",
    metadata,
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
    sa.Column("error", JSONText),
    sa.Column("diffs", JSONText),
    sa.Column("kernel", sa.String(200)),
    sa.Column("executor", sa.String(20)),  # local | dask
    sa.Column("worker", sa.String(255)),  # "host (pid N)" or the Dask worker's address
    sa.Column("attempts", sa.Integer),  # 2 when the first worker died and the notebook was retried
)
