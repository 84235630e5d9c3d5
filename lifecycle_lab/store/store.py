"""The store: the only code that speaks SQL. SQLite (WAL) by default, PostgreSQL for teams.

Every mutation is one transaction together with its audit event. Writers take
the project's write lock first (``BEGIN IMMEDIATE`` on SQLite, a transaction
advisory lock on PostgreSQL), so version checks hold across processes and the
audit chain never forks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..domain import ItemState, Signoff, canonical_json
from ..errors import Conflict, NotFound
from ..fingerprint import Fingerprint
from . import tables as t
from .audit import GENESIS, AuditEvent, ChainCheck, decode, event_hash, verify_events
from .migrate import HEAD_REVISION, current_revision, upgrade

BUSY_TIMEOUT_S = 60
ACTIVE_RUN_STATUSES = ("queued", "running")
_RUN_SLOTS = "lifecycle_lab:run-slots"  # the lock name under which rerun slots are claimed
_MIGRATION_LOCK = 0x6C69666563796C65  # "lifecycle"


@dataclass(frozen=True)
class ProjectRecord:
    """A project as the store knows it."""

    id: str
    name: str
    template: str
    template_version: str
    path: str
    created_at: str
    created_by: str

    def to_json(self) -> dict[str, str]:
        """As JSON."""
        return dict(self.__dict__)


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


def _lock_key(project_id: str) -> int:
    """A signed 64-bit advisory-lock key for a project."""
    return int.from_bytes(hashlib.sha256(project_id.encode()).digest()[:8], "big", signed=True)


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("lifecycle_write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _item_from_row(row: Any) -> ItemState:
    return ItemState(
        key=row.key,
        status=row.status,
        owner=row.owner,
        due=dt.date.fromisoformat(row.due) if row.due else None,
        notes=row.notes or "",
        justification=row.justification or "",
        evidence=row.evidence,
        version=row.version,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def _item_values(state: ItemState) -> dict[str, Any]:
    """The item's columns: its JSON form without the key."""
    values = state.to_json()
    del values["key"]
    return values


def _event_from_row(row: Any) -> AuditEvent:
    return AuditEvent(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        project=row.project_id,
        action=row.action,
        target=row.target,
        before=decode(row.before),
        after=decode(row.after),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class Store:
    """Persistence for projects, item states, sign-offs, the audit chain, datasets and runs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self.dialect = self.engine.dialect.name
        self._migrate()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    # --- transactions ----------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self, project_id: str | None = None) -> Iterator[Connection]:
        """A write transaction holding the project's lock (the whole database on SQLite)."""
        with self.engine.connect().execution_options(lifecycle_write=True) as conn, conn.begin():
            if self.dialect == "postgresql" and project_id is not None:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(project_id)})
            yield conn

    def _migrate(self) -> None:
        head = HEAD_REVISION
        with self._read() as conn:
            if current_revision(conn) == head:
                return
        with self._write() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            if current_revision(conn) != head:
                upgrade(conn)

    def schema_revision(self) -> str | None:
        """The migration revision the database is at."""
        with self._read() as conn:
            return current_revision(conn)

    # --- audit chain -----------------------------------------------------------------------

    def _append(
        self, conn: Connection, project_id: str, *, actor: str, at: str, action: str, target: str,
        before: Any, after: Any,
    ) -> AuditEvent:
        """Append one event after the project's current head (caller holds the write lock)."""
        head = conn.execute(
            sa.select(t.audit_events.c.seq, t.audit_events.c.hash)
            .where(t.audit_events.c.project_id == project_id)
            .order_by(t.audit_events.c.seq.desc())
            .limit(1)
        ).first()
        seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
        before_text, after_text = canonical_json(before), canonical_json(after)
        payload = {
            "seq": seq, "at": at, "actor": actor, "project": project_id, "action": action, "target": target,
            "before": json.loads(before_text), "after": json.loads(after_text),
        }
        digest = event_hash(prev, payload)
        conn.execute(
            t.audit_events.insert().values(
                project_id=project_id, seq=seq, at=at, actor=actor, action=action, target=target,
                before=before_text, after=after_text, prev_hash=prev, hash=digest,
            )
        )
        return AuditEvent(seq, at, actor, project_id, action, target, payload["before"], payload["after"],
                          prev, digest)

    def events(self, project_id: str, since: int = 0, limit: int | None = None) -> list[AuditEvent]:
        """The project's audit events after sequence number ``since``, oldest first."""
        query = (
            sa.select(t.audit_events)
            .where(t.audit_events.c.project_id == project_id, t.audit_events.c.seq > since)
            .order_by(t.audit_events.c.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [_event_from_row(row) for row in conn.execute(query)]

    def last_seq(self, project_id: str) -> int:
        """The newest event's sequence number (0 when there is none): the change feed's cursor."""
        with self._read() as conn:
            return conn.execute(
                sa.select(sa.func.max(t.audit_events.c.seq)).where(t.audit_events.c.project_id == project_id)
            ).scalar() or 0

    def changes(self, project_id: str, since: int, limit: int) -> tuple[list[AuditEvent], int]:
        """The change feed: up to ``limit`` events after ``since`` and the newest seq (0: no events), read together.

        Both reads walk the (project_id, seq) primary key; when nothing changed only the first runs.
        """
        ev = t.audit_events
        with self._read() as conn:
            head = conn.execute(sa.select(sa.func.max(ev.c.seq)).where(ev.c.project_id == project_id)).scalar() or 0
            if head <= since:
                return [], head
            rows = conn.execute(
                sa.select(ev).where(ev.c.project_id == project_id, ev.c.seq > since).order_by(ev.c.seq).limit(limit)
            )
            return [_event_from_row(row) for row in rows], head

    def verify_chain(self, project_id: str) -> ChainCheck:
        """Recompute the project's whole chain and name the first broken event."""
        return verify_events(self.events(project_id))

    # --- projects --------------------------------------------------------------------------

    def _project_row(self, conn: Connection, project_id: str) -> Any:
        row = conn.execute(sa.select(t.projects).where(t.projects.c.id == project_id)).first()
        if row is None:
            raise NotFound(f"no project with id {project_id!r} in the store")
        return row

    def create_project(self, record: ProjectRecord) -> ProjectRecord:
        """Insert a new project with its first audit event; Conflict when the id exists."""
        try:
            with self._write(record.id) as conn:
                conn.execute(t.projects.insert().values(**record.to_json()))
                self._append(conn, record.id, actor=record.created_by, at=record.created_at,
                             action="project.create", target=record.id, before=None, after=record.to_json())
        except IntegrityError:
            raise Conflict(f"project {record.id} already exists in the store") from None
        return record

    def get_project(self, project_id: str) -> ProjectRecord:
        """The project; NotFound otherwise."""
        with self._read() as conn:
            return ProjectRecord(**self._project_row(conn, project_id)._asdict())

    def find_project(self, project_id: str) -> ProjectRecord | None:
        """The project, or None."""
        try:
            return self.get_project(project_id)
        except NotFound:
            return None

    def list_projects(self) -> list[ProjectRecord]:
        """Every project, by name."""
        with self._read() as conn:
            rows = conn.execute(sa.select(t.projects).order_by(t.projects.c.name))
            return [ProjectRecord(**row._asdict()) for row in rows]

    def update_project(self, project_id: str, *, actor: str, at: str, **fields: str) -> ProjectRecord:
        """Change name, path or template reference, with an audit event."""
        with self._write(project_id) as conn:
            before = ProjectRecord(**self._project_row(conn, project_id)._asdict())
            changed = {k: v for k, v in fields.items() if getattr(before, k) != v}
            if not changed:
                return before
            conn.execute(t.projects.update().where(t.projects.c.id == project_id).values(**changed))
            after = ProjectRecord(**{**before.to_json(), **changed})
            self._append(conn, project_id, actor=actor, at=at, action="project.update", target=project_id,
                         before={k: getattr(before, k) for k in changed}, after=changed)
        return after

    # --- items -----------------------------------------------------------------------------

    def items(self, project_id: str) -> dict[str, ItemState]:
        """Every recorded item state of the project, by key."""
        with self._read() as conn:
            rows = conn.execute(sa.select(t.items).where(t.items.c.project_id == project_id))
            return {row.key: _item_from_row(row) for row in rows}

    def _item(self, conn: Connection, project_id: str, key: str) -> ItemState | None:
        row = conn.execute(
            sa.select(t.items).where(t.items.c.project_id == project_id, t.items.c.key == key)
        ).first()
        return _item_from_row(row) if row else None

    def item(self, project_id: str, key: str) -> ItemState:
        """The item's state (a fresh ``todo`` at version 0 when never written)."""
        with self._read() as conn:
            return self._item(conn, project_id, key) or ItemState(key=key)

    def update_item(
        self,
        project_id: str,
        key: str,
        change: Callable[[ItemState], ItemState],
        *,
        expected_version: int | None,
        actor: str,
        at: str,
        action: str = "item.update",
    ) -> ItemState:
        """Apply ``change`` to the current state under the lock; Conflict (with the current state) if stale."""
        with self._write(project_id) as conn:
            self._project_row(conn, project_id)
            recorded = self._item(conn, project_id, key)
            current = recorded or ItemState(key=key)
            if expected_version is not None and current.version != expected_version:
                raise Conflict(
                    f"{key} is at version {current.version} (changed by {current.updated_by or 'nobody'}), "
                    f"not {expected_version}: reload and re-apply your change",
                    current=current,
                )
            new = change(current)
            if recorded is None:
                conn.execute(t.items.insert().values(project_id=project_id, key=key, **_item_values(new)))
            else:
                done = conn.execute(
                    t.items.update()
                    .where(t.items.c.project_id == project_id, t.items.c.key == key,
                           t.items.c.version == current.version)
                    .values(**_item_values(new))
                )
                if done.rowcount != 1:  # pragma: no cover - the lock makes this unreachable
                    raise Conflict(f"{key} changed while being written", current=current)
            self._append(conn, project_id, actor=actor, at=at, action=action, target=key,
                         before=current.to_json() if recorded else None, after=new.to_json())
        return new

    # --- sign-offs -------------------------------------------------------------------------

    def signoffs(self, project_id: str) -> list[Signoff]:
        """Every sign-off of the project, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(t.signoffs).where(t.signoffs.c.project_id == project_id).order_by(t.signoffs.c.id)
            )
            return [
                Signoff(id=r.id, stage=r.stage, role=r.role, decision=r.decision, comment=r.comment,
                        user=r.user_name, at=r.at, snapshot=r.snapshot)
                for r in rows
            ]

    def add_signoff(
        self, project_id: str, make: Callable[[dict[str, ItemState]], Signoff], *, actor: str, at: str
    ) -> Signoff:
        """Record the sign-off ``make`` builds from the item states read under the lock."""
        with self._write(project_id) as conn:
            self._project_row(conn, project_id)
            rows = conn.execute(sa.select(t.items).where(t.items.c.project_id == project_id))
            signoff = make({row.key: _item_from_row(row) for row in rows})
            result = conn.execute(
                t.signoffs.insert().values(
                    project_id=project_id, stage=signoff.stage, role=signoff.role, decision=signoff.decision,
                    comment=signoff.comment, user_name=signoff.user, at=signoff.at, snapshot=signoff.snapshot,
                )
            )
            signoff = Signoff(**{**signoff.to_json(), "id": result.inserted_primary_key[0]})
            self._append(conn, project_id, actor=actor, at=at, action="signoff", target=signoff.stage,
                         before=None, after=signoff.to_json())
        return signoff

    # --- datasets and the fingerprint cache --------------------------------------------------

    def get_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        """The cached sha256 of a file in exactly this state (FingerprintCache)."""
        with self._read() as conn:
            row = conn.execute(sa.select(t.fingerprint_cache).where(t.fingerprint_cache.c.path == path)).first()
        return row.sha256 if row and row.size == size and row.mtime_ns == mtime_ns else None

    def put_hash(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        """Remember a file's sha256 (FingerprintCache)."""
        with self._write() as conn:
            conn.execute(t.fingerprint_cache.delete().where(t.fingerprint_cache.c.path == path))
            conn.execute(t.fingerprint_cache.insert().values(path=path, size=size, mtime_ns=mtime_ns, sha256=sha256))

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
                conn.execute(t.datasets.insert().values(project_id=project_id, name=name, path=path,
                                                        created_at=at, created_by=actor))
            elif known.path != path:
                conn.execute(t.datasets.update().where(t.datasets.c.project_id == project_id,
                                                       t.datasets.c.name == name).values(path=path))
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
            conn.execute(t.dataset_versions.insert().values(project_id=project_id, **values))
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
            .order_by(dv.c.name, dv.c.version.desc())
        )
        if name is not None:
            query = query.where(dv.c.name == name)
        out: list[DatasetVersion] = []
        for row in conn.execute(query):
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

    # --- runs ------------------------------------------------------------------------------

    def create_run(
        self, project_id: str, run_id: str, notebooks: list[str], *, options: dict[str, Any], twice: bool,
        actor: str, at: str,
    ) -> dict[str, Any]:
        """A queued run with one row per notebook, audited as ``run.create``."""
        with self._write(project_id) as conn:
            self._project_row(conn, project_id)
            conn.execute(t.runs.insert().values(
                id=run_id, project_id=project_id, status="queued", twice=twice, options=options,
                requested_by=actor, created_at=at,
            ))
            for position, path in enumerate(notebooks):
                conn.execute(t.run_notebooks.insert().values(run_id=run_id, position=position, path=path,
                                                             status="queued"))
            self._append(conn, project_id, actor=actor, at=at, action="run.create", target=run_id, before=None,
                         after={"notebooks": notebooks, "twice": twice})
        return self.get_run(run_id)

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Progress-type changes of a run (status, pid, environment...): not audited."""
        with self._write() as conn:
            conn.execute(t.runs.update().where(t.runs.c.id == run_id).values(**fields))

    def update_run_notebook(self, run_id: str, position: int, **fields: Any) -> bool:
        """Progress of one notebook of a run (cells done, verdict, diffs...); False (and ignored) once it is closed."""
        active = sa.select(t.runs.c.id).where(t.runs.c.id == run_id, t.runs.c.status.in_(ACTIVE_RUN_STATUSES))
        with self._write() as conn:
            done = conn.execute(
                t.run_notebooks.update()
                .where(t.run_notebooks.c.run_id == run_id, t.run_notebooks.c.position == position,
                       t.run_notebooks.c.run_id.in_(active))
                .values(**fields)
            )
        return done.rowcount > 0

    def claim_run(self, run_id: str, *, limit: int, host: str, at: str) -> str:
        """Move a queued run to ``running`` when ``host`` has a free slot (runs start in creation order).

        Returns the run's status afterwards: ``running`` when claimed, ``queued`` to wait, or a final status.
        """
        r = t.runs
        with self._write(_RUN_SLOTS) as conn:
            row = conn.execute(sa.select(r.c.status, r.c.created_at).where(r.c.id == run_id)).first()
            if row is None:
                raise NotFound(f"no run {run_id!r}")
            if row.status != "queued":
                return row.status
            earlier = sa.or_(r.c.created_at < row.created_at,
                             sa.and_(r.c.created_at == row.created_at, r.c.id < run_id))
            busy = conn.execute(
                sa.select(sa.func.count()).select_from(r).where(
                    r.c.worker_host == host,
                    sa.or_(r.c.status == "running", sa.and_(r.c.status == "queued", earlier)),
                )
            ).scalar() or 0
            if busy >= limit:
                return "queued"
            conn.execute(r.update().where(r.c.id == run_id).values(status="running", started_at=at))
        return "running"

    def active_runs(self, host: str | None = None) -> list[dict[str, Any]]:
        """Runs still queued or running (on ``host``, when given), oldest first, without notebooks."""
        query = sa.select(t.runs).where(t.runs.c.status.in_(ACTIVE_RUN_STATUSES)).order_by(t.runs.c.created_at)
        if host is not None:
            query = query.where(t.runs.c.worker_host == host)
        with self._read() as conn:
            return [row._asdict() for row in conn.execute(query)]

    def previous_environment(self, run_id: str) -> tuple[str, dict[str, Any]] | None:
        """The id and environment of the project's latest earlier run that recorded one."""
        r = t.runs
        with self._read() as conn:
            row = conn.execute(sa.select(r.c.project_id, r.c.created_at).where(r.c.id == run_id)).first()
            if row is None:
                raise NotFound(f"no run {run_id!r}")
            found = conn.execute(
                sa.select(r.c.id, r.c.environment)
                .where(r.c.project_id == row.project_id, r.c.id != run_id, r.c.created_at <= row.created_at,
                       r.c.environment.is_not(None))
                .order_by(r.c.created_at.desc()).limit(1)
            ).first()
        return (found.id, found.environment) if found else None

    def finish_run(
        self, run_id: str, *, actor: str, at: str, notebooks: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Close a run (status, verdict, ...) with a ``run.finish`` audit event; a closed run stays as it was.

        ``notebooks`` are fields set on each of its notebooks still queued or running (e.g. cancelled).
        """
        with self._read() as conn:
            row = conn.execute(sa.select(t.runs.c.project_id).where(t.runs.c.id == run_id)).first()
        if row is None:
            raise NotFound(f"no run {run_id!r}")
        with self._write(row.project_id) as conn:
            status = conn.execute(sa.select(t.runs.c.status).where(t.runs.c.id == run_id)).scalar()
            if status not in ACTIVE_RUN_STATUSES:
                return self.get_run(run_id)
            conn.execute(t.runs.update().where(t.runs.c.id == run_id).values(finished_at=at, **fields))
            if notebooks:
                nb = t.run_notebooks
                conn.execute(nb.update().where(nb.c.run_id == run_id, nb.c.status.in_(ACTIVE_RUN_STATUSES))
                             .values(**notebooks))
            self._append(conn, row.project_id, actor=actor, at=at, action="run.finish", target=run_id,
                         before=None, after={k: v for k, v in fields.items() if k in ("status", "verdict", "error")})
        return self.get_run(run_id)

    def get_run(self, run_id: str) -> dict[str, Any]:
        """A run with its notebooks; NotFound otherwise."""
        with self._read() as conn:
            row = conn.execute(sa.select(t.runs).where(t.runs.c.id == run_id)).first()
            if row is None:
                raise NotFound(f"no run {run_id!r}")
            notebooks = conn.execute(
                sa.select(t.run_notebooks).where(t.run_notebooks.c.run_id == run_id)
                .order_by(t.run_notebooks.c.position)
            )
            run = row._asdict()
            run["notebooks"] = [{k: v for k, v in nb._asdict().items() if k != "run_id"} for nb in notebooks]
        return run

    def latest_notebook_runs(self, project_id: str) -> dict[str, str]:
        """Each notebook path's most recent run (path → run id) in which it is no longer queued or running."""
        r, nb = t.runs, t.run_notebooks
        with self._read() as conn:
            rows = conn.execute(
                sa.select(nb.c.path, r.c.id).join(r, r.c.id == nb.c.run_id)
                .where(r.c.project_id == project_id, nb.c.status.not_in(ACTIVE_RUN_STATUSES))
                .order_by(r.c.created_at.desc(), r.c.id.desc())
            )
            latest: dict[str, str] = {}
            for path, run_id in rows:
                latest.setdefault(path, run_id)
        return latest

    def list_runs(self, project_id: str, limit: int = 50, *, notebooks: bool = False) -> list[dict[str, Any]]:
        """The project's runs, newest first; with ``notebooks``, each with its notebooks' progress (no diffs)."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(t.runs).where(t.runs.c.project_id == project_id)
                .order_by(t.runs.c.created_at.desc()).limit(limit)
            )
            runs = [row._asdict() for row in rows]
            if notebooks and runs:
                nb = t.run_notebooks
                found = conn.execute(
                    sa.select(*(c for c in nb.c if c.name != "diffs"))
                    .where(nb.c.run_id.in_([r["id"] for r in runs])).order_by(nb.c.run_id, nb.c.position)
                )
                by_run: dict[str, list[dict[str, Any]]] = {r["id"]: [] for r in runs}
                for row in found:
                    values = row._asdict()
                    by_run[values.pop("run_id")].append(values)
                for run in runs:
                    run["notebooks"] = by_run[run["id"]]
            return runs


_OPEN: dict[str, Store] = {}
_OPEN_LOCK = threading.Lock()


def open_store(url: str | None = None) -> Store:
    """The process-wide Store for ``url`` (resolved by the usual order), opened and migrated once."""
    from .url import resolve_db_url

    resolved = resolve_db_url(url)
    with _OPEN_LOCK:
        store = _OPEN.get(resolved)
        if store is None:
            store = _OPEN[resolved] = Store(resolved)
        return store
