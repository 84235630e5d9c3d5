"""Datasets in the store: each dataset's recorded versions, and the machine's fingerprint cache.

Mixed into :class:`~lifecycle_lab.store.Store`; a new version is written under
the project's lock together with its ``dataset.record`` audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..fingerprint import Fingerprint
from . import tables as t
from .audit import AuditEvent
from .columns import check_values


@dataclass(frozen=True)
class DatasetVersion:
    """One recorded version of a dataset."""

    name: str
    path: str
    version: int
    sha256: str
    size: int
    files: int
    kind: str
    rows: int | None
    columns: int | None
    schema: list[list[str]] | None
    schema_hash: str | None
    recorded_by: str
    recorded_at: str

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return dict(self.__dict__)



class DatasetRecords:
    """Dataset versions and the fingerprint cache (a mixin of Store)."""

    # Provided by Store: the backend, its transactions, the project check and the audit append.
    dialect: str
    _read: Callable[[], AbstractContextManager[Connection]]
    _write: Callable[..., AbstractContextManager[Connection]]
    _project_row: Callable[[Connection, str], Any]
    _append: Callable[..., AuditEvent]

    def get_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        """The cached sha256 of a file in exactly this state (FingerprintCache)."""
        with self._read() as conn:
            row = conn.execute(sa.select(t.fingerprint_cache).where(t.fingerprint_cache.c.path == path)).first()
        return row.sha256 if row and row.size == size and row.mtime_ns == mtime_ns else None

    def put_hash(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        """Remember a file's sha256 (FingerprintCache); concurrent writers of one path never clash."""
        values = check_values(t.fingerprint_cache, {"path": path, "size": size, "mtime_ns": mtime_ns, "sha256": sha256})
        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(t.fingerprint_cache)
        with self._write() as conn:
            conn.execute(insert.values(**values).on_conflict_do_update(
                index_elements=[t.fingerprint_cache.c.path], set_={k: v for k, v in values.items() if k != "path"}))

    def record_dataset_version(
        self, project_id: str, name: str, path: str, fp: Fingerprint, *, actor: str, at: str
    ) -> tuple[DatasetVersion, bool]:
        """Record ``fp`` as the dataset's next version; (latest, False) when it matches the latest already."""
        with self._write(project_id) as conn:
            self._project_row(conn, project_id)
            known = conn.execute(
                sa.select(t.datasets).where(t.datasets.c.project_id == project_id, t.datasets.c.name == name)
            ).first()
            if known is None:
                conn.execute(t.datasets.insert().values(project_id=project_id, **check_values(
                    t.datasets, {"name": name, "path": path, "created_at": at, "created_by": actor})))
            elif known.path != path:
                conn.execute(t.datasets.update().where(t.datasets.c.project_id == project_id, t.datasets.c.name == name)
                             .values(**check_values(t.datasets, {"path": path})))
            latest = self._latest_version(conn, project_id, name)
            if latest is not None and latest.sha256 == fp.sha256 and latest.path == path:
                return latest, False
            version = DatasetVersion(
                name=name, path=path, version=(latest.version + 1) if latest else 1, sha256=fp.sha256,
                size=fp.size, files=fp.files, kind=fp.kind, rows=fp.rows, columns=fp.columns, schema=fp.schema,
                schema_hash=fp.schema_hash, recorded_by=actor, recorded_at=at,
            )
            values = version.to_json()
            values.pop("path")
            conn.execute(t.dataset_versions.insert().values(project_id=project_id,
                                                            **check_values(t.dataset_versions, values)))
            self._append(conn, project_id, actor=actor, at=at, action="dataset.record", target=name,
                         before=latest.to_json() if latest else None, after=version.to_json())
        return version, True

    def _latest_version(self, conn: Connection, project_id: str, name: str) -> DatasetVersion | None:
        versions = self._versions(conn, project_id, name, latest_only=True)
        return versions[0] if versions else None

    def _versions(
        self, conn: Connection, project_id: str, name: str | None, latest_only: bool = False
    ) -> list[DatasetVersion]:
        dv, ds = t.dataset_versions, t.datasets
        query = (
            sa.select(dv, ds.c.path)
            .join(ds, sa.and_(ds.c.project_id == dv.c.project_id, ds.c.name == dv.c.name))
            .where(dv.c.project_id == project_id)
        )
        if name is not None:
            query = query.where(dv.c.name == name)
        out: list[DatasetVersion] = []
        # Sorted here, not in SQL: names in code point order whatever the database's collation.
        for row in sorted(conn.execute(query), key=lambda r: (r.name, -r.version)):
            if latest_only and out and out[-1].name == row.name:
                continue
            values = row._asdict()
            values.pop("project_id")
            out.append(DatasetVersion(**values))
        return out

    def dataset_versions(self, project_id: str, name: str | None = None) -> list[DatasetVersion]:
        """Every recorded version (of one dataset or all), newest first per dataset."""
        with self._read() as conn:
            return self._versions(conn, project_id, name)

    def latest_datasets(self, project_id: str) -> list[DatasetVersion]:
        """The latest version of each dataset of the project, by name."""
        with self._read() as conn:
            return self._versions(conn, project_id, None, latest_only=True)
