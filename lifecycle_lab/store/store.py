"""The store: the only code that speaks SQL. SQLite (WAL) by default, PostgreSQL for teams.

Every mutation is one transaction together with its audit event. Writers take
the project's write lock first (``BEGIN IMMEDIATE`` on SQLite, a transaction
advisory lock on PostgreSQL), so version checks hold across processes and the
audit chain never forks.

This module holds transactions, migrations on open, the audit chain, projects
and items; :class:`Store` mixes in sign-offs (``signoffs.py``), datasets
(``datasets.py``), runs (``runs.py``), checkpoints and notices; the engine is
made in ``opening.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import ItemChange, ItemState, canonical_json
from ..errors import Conflict, LifecycleError, NotFound
from . import tables as t
from .audit import GENESIS, KEY_ENV_HINT, KEYED_PREFIX, AuditEvent, AuditKey, chain_hash, decode, payload_text
from .checkpoints import CHECKPOINT_EVERY, ChainHead, CheckpointRecords
from .columns import check_values
from .datasets import DatasetRecords
from .migrate import HEAD_REVISION, current_revision, known_revisions, upgrade
from .notices import NoticeRecords
from .opening import IntegrityFailure, StoreNotFound, database_errors, display_url, lock_key, make_engine
from .runs import RunRecords
from .signoffs import SignoffRecords

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
class ItemWrite:
    """An item written: its new state and the ``seq`` of the audit event that recorded it."""

    state: ItemState
    seq: int


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


def _stale(key: str, current: ItemState, expected_version: int) -> Conflict:
    """The conflict of a write based on ``expected_version`` while the item is at ``current``."""
    return Conflict(
        f"{key} is at version {current.version} (changed by {current.updated_by or 'nobody'}), "
        f"not {expected_version}: reload and re-apply your change",
        current=current,
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
        mode=row.mode,
    )


class Store(SignoffRecords, DatasetRecords, RunRecords, CheckpointRecords, NoticeRecords):
    """Persistence for projects, item states, sign-offs, the audit chain, datasets and runs.

    With ``audit_key`` every new audit event is keyed (an HMAC, see ``audit.py``).
    """

    def __init__(self, url: str, audit_key: AuditKey | None = None, *, create: bool = True) -> None:
        """Open (and migrate) the store at ``url``; with ``create=False`` one that holds no store is StoreNotFound.

        A read-only command opens with ``create=False``, so a mistyped ``--db`` never leaves an empty database.
        """
        self.url = url
        self.audit_key = audit_key
        self.engine = make_engine(url, create=create)
        self.dialect = self.engine.dialect.name
        if not create:
            with self._read() as conn:
                if current_revision(conn) is None:
                    self.engine.dispose()
                    raise StoreNotFound(url)
        self._migrate()

    @property
    def display_url(self) -> str:
        """The URL without its password, to name the store in a message."""
        return display_url(self.url)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    # --- transactions ----------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with database_errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """A read transaction that sees one state throughout (SQLite's WAL reads already do)."""
        if self.dialect != "postgresql":
            with self._read() as conn:
                yield conn
            return
        with database_errors(), self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, \
                conn.begin():
            yield conn

    @contextmanager
    def _write(self, project_id: str | None = None) -> Iterator[Connection]:
        """A write transaction holding the project's lock (the whole database on SQLite)."""
        with database_errors(), self.engine.connect().execution_options(lifecycle_write=True) as conn, conn.begin():
            if self.dialect == "postgresql" and project_id is not None:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(project_id)})
            yield conn

    def _migrate(self) -> None:
        head = HEAD_REVISION
        with self._read() as conn:
            if current_revision(conn) == head:
                return
        with self._write() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            revision = current_revision(conn)
            if revision == head:
                return
            if revision is not None and revision not in known_revisions():
                raise LifecycleError(
                    f"the store {self.engine.url!r} is at schema revision {revision}, newer than this "
                    f"lifecycle_lab knows (up to {head}): another server upgraded it; upgrade lifecycle_lab here too")
            upgrade(conn)

    # --- audit chain -----------------------------------------------------------------------

    def _append(
        self, conn: Connection, project_id: str, *, actor: str, at: str, action: str, target: str,
        before: Any, after: Any,
    ) -> AuditEvent:
        """Append one event after the project's current head (caller holds the write lock).

        Keyed with this store's key when it has one; refused when the chain is keyed and this store has not
        its key, since an unkeyed event after keyed ones would break the chain.
        """
        check_values(t.audit_events, {"actor": actor, "target": target})
        head = self._head(conn, project_id)
        key = self.audit_key
        if head is not None and head.mode is not None and (key is None or head.mode != key.mode):
            held = "no audit key" if key is None else f"key id {key.key_id}"
            raise LifecycleError(
                f"the audit chain of project {project_id} is keyed (key id {head.mode[len(KEYED_PREFIX):]}) and this "
                f"process has {held}: {KEY_ENV_HINT} to the chain's key to change the project")
        seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
        before_text, after_text = canonical_json(before), canonical_json(after)
        mode = key.mode if key is not None else None
        text = payload_text((seq, at, actor, action, target, before_text, after_text, prev, "", mode), project_id)
        event = AuditEvent(seq, at, actor, project_id, action, target, json.loads(before_text),
                           json.loads(after_text), prev, chain_hash(prev, text, key), mode)
        conn.execute(
            t.audit_events.insert().values(
                project_id=project_id, seq=seq, at=at, actor=actor, action=action, target=target,
                before=before_text, after=after_text, prev_hash=prev, hash=event.hash, mode=mode,
            )
        )
        if seq % CHECKPOINT_EVERY == 0:
            self._checkpoint(conn, project_id, ChainHead(seq, event.hash, at, mode), kind="periodic", at=at)
        return event

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

        Both reads walk the (project_id, seq) primary key; when nothing changed only the first runs. The events
        stop at the head read first: on PostgreSQL the second read may already see later commits, which the
        client gets on its next poll from ``head``.
        """
        ev = t.audit_events
        with self._read() as conn:
            head = conn.execute(sa.select(sa.func.max(ev.c.seq)).where(ev.c.project_id == project_id)).scalar() or 0
            if head <= since:
                return [], head
            rows = conn.execute(
                sa.select(ev).where(ev.c.project_id == project_id, ev.c.seq > since, ev.c.seq <= head)
                .order_by(ev.c.seq).limit(limit)
            )
            return [_event_from_row(row) for row in rows], head

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
                conn.execute(t.projects.insert().values(**check_values(t.projects, record.to_json())))
                self._append(conn, record.id, actor=record.created_by, at=record.created_at,
                             action="project.create", target=record.id, before=None, after=record.to_json())
        except IntegrityFailure:
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
        """Every project, by name (in code point order, whatever the database's collation)."""
        with self._read() as conn:
            rows = conn.execute(sa.select(t.projects))
            return sorted((ProjectRecord(**row._asdict()) for row in rows), key=lambda p: (p.name, p.id))

    def update_project(self, project_id: str, *, actor: str, at: str, **fields: str) -> ProjectRecord:
        """Change name, path or template reference, with an audit event."""
        with self._write(project_id) as conn:
            before = ProjectRecord(**self._project_row(conn, project_id)._asdict())
            changed = {k: v for k, v in fields.items() if getattr(before, k) != v}
            if not changed:
                return before
            conn.execute(t.projects.update().where(t.projects.c.id == project_id)
                         .values(**check_values(t.projects, changed)))
            after = ProjectRecord(**{**before.to_json(), **changed})
            self._append(conn, project_id, actor=actor, at=at, action="project.update", target=project_id,
                         before={k: getattr(before, k) for k in changed}, after=changed)
        return after

    # --- items -----------------------------------------------------------------------------

    def items(self, project_id: str) -> dict[str, ItemState]:
        """Every recorded item state of the project, by key."""
        with self._read() as conn:
            return self._items(conn, project_id)

    def _items(self, conn: Connection, project_id: str) -> dict[str, ItemState]:
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
        change: ItemChange,
        *,
        expected_version: int | None,
        actor: str,
        at: str,
        action: str = "item.update",
    ) -> ItemState:
        """Apply ``change`` to the current state under the lock; Conflict (with the current state) if stale."""
        return self.write_item(project_id, key, change, expected_version=expected_version, actor=actor, at=at,
                               action=action).state

    def write_item(
        self, project_id: str, key: str, change: ItemChange, *, expected_version: int | None, actor: str, at: str,
        action: str = "item.update",
    ) -> ItemWrite:
        """:meth:`update_item`, answering the new state and the ``seq`` of its audit event (the change feed's
        position after it)."""
        if expected_version is not None:
            # A version found stale now is refused as it would be under the lock (this is the state at an
            # instant): busy items' losing writers then never queue for the project's write lock.
            with self._read() as conn:
                seen = self._item(conn, project_id, key)
            if seen is not None and seen.version != expected_version:
                raise _stale(key, seen, expected_version)
        try:  # no read of the project row: the items' foreign key refuses a project that is gone
            with self._write(project_id) as conn:
                return self._put_item(conn, project_id, key, change, expected_version=expected_version, actor=actor,
                                      at=at, action=action)
        except IntegrityFailure:
            if self.find_project(project_id) is None:
                raise NotFound(f"no project with id {project_id!r} in the store") from None
            raise

    def _put_item(
        self, conn: Connection, project_id: str, key: str, change: ItemChange, *,
        expected_version: int | None, actor: str, at: str, action: str = "item.update",
    ) -> ItemWrite:
        """Write ``change`` of the item's current state with its audit event (caller holds the project's lock)."""
        recorded = self._item(conn, project_id, key)
        current = recorded or ItemState(key=key)
        if expected_version is not None and current.version != expected_version:
            raise _stale(key, current, expected_version)
        new = change(current)
        values = check_values(t.items, _item_values(new))
        if recorded is None:
            conn.execute(t.items.insert().values(project_id=project_id, key=key, **values))
        else:
            done = conn.execute(
                t.items.update()
                .where(t.items.c.project_id == project_id, t.items.c.key == key, t.items.c.version == current.version)
                .values(**values)
            )
            if done.rowcount != 1:  # pragma: no cover - the lock makes this unreachable
                raise Conflict(f"{key} changed while being written", current=current)
        event = self._append(conn, project_id, actor=actor, at=at, action=action, target=key,
                             before=current.to_json() if recorded else None, after=new.to_json())
        return ItemWrite(new, event.seq)
