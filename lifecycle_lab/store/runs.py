"""Reruns in the store: run rows with one row per notebook, rerun slots, and closing a run.

Mixed into :class:`~lifecycle_lab.store.Store`. Creating and closing a run are
audited (``run.create``, ``run.finish``); progress is not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import ItemChange
from ..errors import NotFound
from . import tables as t
from .audit import AuditEvent
from .columns import check_values

ACTIVE_RUN_STATUSES = ("queued", "running")
_RUN_SLOTS = "lifecycle_lab:run-slots"  # the lock name under which rerun slots are claimed


class RunRecords:
    """Runs, their notebooks' progress and the rerun slots (a mixin of Store)."""

    # Provided by Store: its transactions, the project check, the audit append and the item write.
    _read: Callable[[], AbstractContextManager[Connection]]
    _write: Callable[..., AbstractContextManager[Connection]]
    _project_row: Callable[[Connection, str], Any]
    _append: Callable[..., AuditEvent]
    _put_item: Callable[..., Any]

    def create_run(
        self, project_id: str, run_id: str, notebooks: list[str], *, options: dict[str, Any], twice: bool,
        actor: str, at: str,
    ) -> dict[str, Any]:
        """A queued run with one row per notebook, audited as ``run.create``."""
        with self._write(project_id) as conn:
            self._project_row(conn, project_id)
            conn.execute(t.runs.insert().values(project_id=project_id, **check_values(t.runs, {
                "id": run_id, "status": "queued", "twice": twice, "options": options, "requested_by": actor,
                "created_at": at,
            })))
            for position, path in enumerate(notebooks):
                conn.execute(t.run_notebooks.insert().values(run_id=run_id, **check_values(
                    t.run_notebooks, {"position": position, "path": path, "status": "queued"})))
            self._append(conn, project_id, actor=actor, at=at, action="run.create", target=run_id, before=None,
                         after={"notebooks": notebooks, "twice": twice})
        return self.get_run(run_id)

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Progress-type changes of a run (status, pid, environment...): not audited."""
        check_values(t.runs, fields)
        with self._write() as conn:
            conn.execute(t.runs.update().where(t.runs.c.id == run_id).values(**fields))

    def update_run_notebook(self, run_id: str, position: int, **fields: Any) -> bool:
        """Progress of one notebook of a run (cells done, verdict, diffs...); False (and ignored) once it is closed."""
        check_values(t.run_notebooks, fields)
        with self._write() as conn:
            if self._locked_run_status(conn, run_id) not in ACTIVE_RUN_STATUSES:
                return False
            done = conn.execute(
                t.run_notebooks.update()
                .where(t.run_notebooks.c.run_id == run_id, t.run_notebooks.c.position == position)
                .values(**fields)
            )
        return done.rowcount > 0

    def _locked_run_status(self, conn: Connection, run_id: str) -> str | None:
        """The run's status, its row locked until the transaction ends (whole database on SQLite already).

        Closing a run and recording progress both take this lock first, so progress that saw the run
        active is written before the close, and progress waiting behind a close sees it closed.
        """
        return conn.execute(sa.select(t.runs.c.status).where(t.runs.c.id == run_id).with_for_update()).scalar()

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

    def active_runs(self, host: str | None = None, *, project_id: str | None = None) -> list[dict[str, Any]]:
        """Runs still queued or running (on ``host``, of ``project_id``, when given), oldest first, no notebooks."""
        query = sa.select(t.runs).where(t.runs.c.status.in_(ACTIVE_RUN_STATUSES)).order_by(t.runs.c.created_at)
        if host is not None:
            query = query.where(t.runs.c.worker_host == host)
        if project_id is not None:
            query = query.where(t.runs.c.project_id == project_id)
        with self._read() as conn:
            return [row._asdict() for row in conn.execute(query)]

    def previous_environment(self, run: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The id and environment of the latest run of ``run``'s project, created no later, that recorded one.

        ``run`` is the run's record (``get_run``): its ``id``, ``project_id`` and ``created_at`` are used.
        """
        r = t.runs
        with self._read() as conn:
            found = conn.execute(
                sa.select(r.c.id, r.c.environment)
                .where(r.c.project_id == run["project_id"], r.c.id != run["id"], r.c.created_at <= run["created_at"],
                       r.c.environment.is_not(None))
                .order_by(r.c.created_at.desc()).limit(1)
            ).first()
        return (found.id, found.environment) if found else None

    def finish_run(
        self, run_id: str, *, actor: str, at: str, notebooks: dict[str, Any] | None = None,
        item_changes: Mapping[str, ItemChange] | None = None, **fields: Any,
    ) -> dict[str, Any]:
        """Close a run (status, verdict, ...) with a ``run.finish`` audit event; a closed run stays as it was.

        ``notebooks`` are fields set on each of its notebooks still queued or running (e.g. cancelled).
        ``item_changes`` (item key → change of its state, as in ``update_item``) are applied to the run's project
        after the close, in the same transaction, each audited as ``item.update``: only by the call that closes the
        run, and if one raises nothing of the close is written.
        """
        with self._read() as conn:
            row = conn.execute(sa.select(t.runs.c.project_id).where(t.runs.c.id == run_id)).first()
        if row is None:
            raise NotFound(f"no run {run_id!r}")
        check_values(t.runs, fields)
        check_values(t.run_notebooks, notebooks or {})
        with self._write(row.project_id) as conn:
            if self._locked_run_status(conn, run_id) not in ACTIVE_RUN_STATUSES:
                return self.get_run(run_id)
            conn.execute(t.runs.update().where(t.runs.c.id == run_id).values(finished_at=at, **fields))
            if notebooks:
                nb = t.run_notebooks
                conn.execute(nb.update().where(nb.c.run_id == run_id, nb.c.status.in_(ACTIVE_RUN_STATUSES))
                             .values(**notebooks))
            self._append(conn, row.project_id, actor=actor, at=at, action="run.finish", target=run_id,
                         before=None, after={k: v for k, v in fields.items() if k in ("status", "verdict", "error")})
            for key, change in (item_changes or {}).items():
                self._put_item(conn, row.project_id, key, change, expected_version=None, actor=actor, at=at)
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
