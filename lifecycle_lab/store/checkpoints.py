"""The audit chain as verification reads it: raw rows, the head, and checkpoints of the head.

A checkpoint records a project's chain head (seq, hash, mode, the event's time)
in a table of its own: on every anchor and every ``CHECKPOINT_EVERY`` events.
Verification then requires the chain to still reach every checkpoint, which
catches events deleted from the end by anyone who did not also think of this
table (an anchor outside the database catches the rest). Mixed into
:class:`~lifecycle_lab.store.Store`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import LifecycleError
from . import tables as t
from .audit import AuditKey, BytesRow, ChainCheck, ChainRow, verify_rows

CHECKPOINT_EVERY = 500
_STREAM_BATCH = 2000  # rows a server-side cursor fetches at a time
_SQLITE_MMAP = 256 * 1024 * 1024  # bytes of the database file a scan maps into memory
# Every column of the chain in seq order, before/after as their UTF-8 bytes, in each dialect's spelling.
_CHAIN_SCAN = ("SELECT seq, at, actor, action, target, {bytes_of}(\"before\"{utf8}), {bytes_of}(\"after\"{utf8}), "
               "prev_hash, hash, mode FROM audit_events WHERE project_id = {param} AND seq BETWEEN {param} AND {param} "
               "ORDER BY seq")
_CHAIN_SCAN_SQL = {
    "postgresql": _CHAIN_SCAN.format(bytes_of="convert_to", utf8=", 'UTF8'", param="%s"),
    "sqlite": _CHAIN_SCAN.format(bytes_of="CAST", utf8=" AS BLOB", param="?"),
}
CHECKPOINT_KINDS = ("anchor", "periodic")
_LAST_SEQ = 2**62  # above every seq: a scan to the end
_PG_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")  # what pg_export_snapshot() returns


@dataclass(frozen=True)
class ChainHead:
    """A chain's newest event as a checkpoint or an anchor records it."""

    seq: int
    hash: str
    at: str
    mode: str | None = None
    kind: str | None = None  # a checkpoint's kind: anchor | periodic
    recorded_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {k: v for k, v in self.__dict__.items() if v is not None or k == "mode"}


@dataclass(frozen=True)
class AuditState:
    """What verifying a project's audit log reads, from one consistent snapshot.

    ``rows`` streams the events oldest first, before/after as the UTF-8 bytes of their stored text; it can be
    read once, inside the ``with`` block of :meth:`CheckpointRecords.audit_snapshot` that gave it.
    """

    rows: Iterator[BytesRow]
    checkpoints: list[ChainHead]
    project: dict[str, Any]
    items: dict[str, dict[str, Any]]  # key -> ItemState JSON
    signoffs: list[dict[str, Any]]  # Signoff JSON, by id
    last_seq: int = 0  # the newest event's seq in this snapshot (0: none); ``rows`` stops there
    shared: str | None = None  # PostgreSQL: the snapshot's id, for :meth:`CheckpointRecords.chain_range`


class CheckpointRecords:
    """Chain rows, heads and checkpoints (a mixin of Store)."""

    # Provided by Store.
    _read: Callable[[], AbstractContextManager[Connection]]
    _write: Callable[..., AbstractContextManager[Connection]]
    _snapshot: Callable[[], AbstractContextManager[Connection]]
    _project_row: Callable[[Connection, str], Any]
    _items: Callable[[Connection, str], dict[str, Any]]
    _signoffs: Callable[[Connection, str], list[Any]]
    audit_key: AuditKey | None
    dialect: str
    url: str

    @property
    def readable_elsewhere(self) -> bool:
        """Whether another process can open this very database (any but an in-memory SQLite one)."""
        database = sa.engine.make_url(self.url).database
        in_memory = database in (None, "", ":memory:") or "mode=memory" in self.url
        return self.dialect == "postgresql" or not in_memory

    def _chain_rows(self, conn: Connection, project_id: str) -> list[ChainRow]:
        ev = t.audit_events
        query = (sa.select(ev.c.seq, ev.c.at, ev.c.actor, ev.c.action, ev.c.target, ev.c.before, ev.c.after,
                           ev.c.prev_hash, ev.c.hash, ev.c.mode)
                 .where(ev.c.project_id == project_id).order_by(ev.c.seq))
        return [tuple(row) for row in conn.execute(query).all()]  # type: ignore[misc]

    def chain_rows(self, project_id: str) -> list[ChainRow]:
        """The project's events as stored text, oldest first: what :func:`verify_rows` and the replay read."""
        with self._read() as conn:
            return self._chain_rows(conn, project_id)

    @contextmanager
    def audit_snapshot(self, project_id: str, upto: int | None = None, share: bool = False) -> Iterator[AuditState]:
        """The chain, checkpoints, project record, item states and sign-offs of a project, read together.

        The events are streamed straight from the database driver (a server-side cursor on PostgreSQL), without
        SQLAlchemy rows or decoding their before/after text: a verification of 100,000 events reads some 60 MB.
        ``upto(last_seq)``: the seq the streamed rows stop at (default: the newest). ``share``: on PostgreSQL,
        export the snapshot so another process can read :meth:`chain_range` from the very same state.
        """
        cp = t.audit_checkpoints
        with self._snapshot() as conn:
            project = self._project_row(conn, project_id)._asdict()
            shared = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one() if (
                share and self.dialect == "postgresql") else None
            checkpoints = [ChainHead(r.seq, r.hash, r.event_at, r.mode, r.kind, r.recorded_at) for r in conn.execute(
                sa.select(cp).where(cp.c.project_id == project_id).order_by(cp.c.seq, cp.c.kind))]
            items = {key: state.to_json() for key, state in self._items(conn, project_id).items()}
            signoffs = [s.to_json() for s in self._signoffs(conn, project_id)]
            head = self._head(conn, project_id)
            last = 0 if head is None else head.seq
            rows = self._stream_chain(conn, project_id, 0, last if upto is None else upto(last))
            try:
                yield AuditState(rows, checkpoints, project, items, signoffs, last, shared)
            finally:
                rows.close()  # the cursor closes inside its transaction even when the reader stopped early

    @contextmanager
    def chain_range(self, project_id: str, first: int, last: int, shared: str | None = None
                    ) -> Iterator[Iterator[BytesRow]]:
        """The events ``first``..``last`` as :meth:`audit_snapshot` streams them, read in another process; on
        PostgreSQL from the snapshot ``shared`` that one exported (SQLite: a snapshot at least as new, in which
        events up to ``last`` are the same unless someone edits the database behind the store's back)."""
        with self._snapshot() as conn:
            if shared is not None and self.dialect == "postgresql":
                if not _PG_SNAPSHOT_ID.fullmatch(shared):
                    raise ValueError(f"not a PostgreSQL snapshot id: {shared!r}")
                conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{shared}'")  # first statement: REPEATABLE READ
            rows = self._stream_chain(conn, project_id, first, last)
            try:
                yield rows
            finally:
                rows.close()

    def _stream_chain(self, conn: Connection, project_id: str, first: int = 0, last: int = _LAST_SEQ
                      ) -> Iterator[BytesRow]:
        raw: Any = conn.connection.driver_connection
        if self.dialect == "postgresql":
            cursor = raw.cursor(name="lifecycle_audit_scan")  # server-side: rows arrive in batches
            cursor.itersize = _STREAM_BATCH
        else:
            cursor = raw.cursor()  # sqlite3 steps through the rows as they are read
            cursor.execute(f"PRAGMA mmap_size={_SQLITE_MMAP}")  # pages read in place, not copied: ~10% of a scan
        try:
            cursor.execute(_CHAIN_SCAN_SQL[self.dialect], (project_id, first, last))
            yield from cursor
        finally:
            cursor.close()

    def verify_chain(self, project_id: str) -> ChainCheck:
        """Recompute the project's whole chain (with this store's key) and name the first broken event."""
        with self._snapshot() as conn:
            rows = self._stream_chain(conn, project_id)
            try:
                return verify_rows(rows, project_id, self.audit_key)
            finally:
                rows.close()

    def head(self, project_id: str) -> ChainHead | None:
        """The project's newest event, unverified (None when the chain is empty)."""
        with self._read() as conn:
            return self._head(conn, project_id)

    def _head(self, conn: Connection, project_id: str) -> ChainHead | None:
        ev = t.audit_events
        row = conn.execute(sa.select(ev.c.seq, ev.c.hash, ev.c.at, ev.c.mode).where(ev.c.project_id == project_id)
                           .order_by(ev.c.seq.desc()).limit(1)).first()
        return None if row is None else ChainHead(row.seq, row.hash, row.at, row.mode)

    def _checkpoint(self, conn: Connection, project_id: str, head: ChainHead, *, kind: str, at: str) -> ChainHead:
        """Record ``head`` as a checkpoint of ``kind`` (once per seq and kind)."""
        cp = t.audit_checkpoints
        exists = conn.execute(sa.select(cp.c.seq).where(cp.c.project_id == project_id, cp.c.seq == head.seq,
                                                        cp.c.kind == kind)).first()
        if exists is None:
            conn.execute(cp.insert().values(project_id=project_id, seq=head.seq, kind=kind, hash=head.hash,
                                            mode=head.mode, event_at=head.at, recorded_at=at))
        return ChainHead(head.seq, head.hash, head.at, head.mode, kind, at)

    def add_checkpoint(self, project_id: str, *, at: str, kind: str = "anchor") -> ChainHead:
        """Record the project's current head as a checkpoint; LifecycleError when its chain is empty."""
        if kind not in CHECKPOINT_KINDS:
            raise ValueError(f"unknown checkpoint kind {kind!r}")
        with self._write(project_id) as conn:
            self._project_row(conn, project_id)
            head = self._head(conn, project_id)
            if head is None:
                raise LifecycleError(f"project {project_id} has no audit events to anchor")
            return self._checkpoint(conn, project_id, head, kind=kind, at=at)

    def last_anchor(self, project_id: str) -> ChainHead | None:
        """The project's newest checkpoint of kind ``anchor`` (None when it was never anchored)."""
        cp = t.audit_checkpoints
        with self._read() as conn:
            r = conn.execute(sa.select(cp).where(cp.c.project_id == project_id, cp.c.kind == "anchor")
                             .order_by(cp.c.seq.desc()).limit(1)).first()
        return None if r is None else ChainHead(r.seq, r.hash, r.event_at, r.mode, r.kind, r.recorded_at)
