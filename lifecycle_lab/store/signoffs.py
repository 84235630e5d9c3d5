"""Sign-offs: record a reviewer's decision on a stage as its items are under the lock, list them, and who edited a
stage since a role approved it (separation of duties). Mixed into :class:`~lifecycle_lab.store.Store`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import ItemState, Signoff
from . import tables as t
from .audit import AuditEvent, decode
from .columns import check_values


class SignoffRecords:
    """Sign-offs of a project (a mixin of Store)."""

    _read: Callable[[], AbstractContextManager[Connection]]
    _write: Callable[..., AbstractContextManager[Connection]]
    _project_row: Callable[[Connection, str], Any]
    _items: Callable[[Connection, str], dict[str, ItemState]]
    _append: Callable[..., AuditEvent]

    def signoffs(self, project_id: str) -> list[Signoff]:
        """Every sign-off of the project, oldest first."""
        with self._read() as conn:
            return self._signoffs(conn, project_id)

    def _signoffs(self, conn: Connection, project_id: str) -> list[Signoff]:
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
            signoff = make(self._items(conn, project_id))
            values = check_values(t.signoffs, {
                "stage": signoff.stage, "role": signoff.role, "decision": signoff.decision, "comment": signoff.comment,
                "user_name": signoff.user, "at": signoff.at, "snapshot": signoff.snapshot,
            })
            result = conn.execute(t.signoffs.insert().values(project_id=project_id, **values))
            signoff = Signoff(**{**signoff.to_json(), "id": result.inserted_primary_key[0]})
            self._append(conn, project_id, actor=actor, at=at, action="signoff", target=signoff.stage,
                         before=None, after=signoff.to_json())
        return signoff

    def stage_editors(self, project_id: str, stage: str, role: str, keys: list[str]) -> set[str]:
        """Who changed any item in ``keys`` since ``role``'s latest approval of ``stage`` (ever, if none)."""
        ev = t.audit_events
        with self._read() as conn:
            approvals = conn.execute(
                sa.select(ev.c.seq, ev.c.after)
                .where(ev.c.project_id == project_id, ev.c.action == "signoff", ev.c.target == stage)
                .order_by(ev.c.seq.desc())
            )
            since = next((row.seq for row in approvals
                          if isinstance(after := decode(row.after), dict) and after.get("role") == role
                          and after.get("decision") == "approve"), 0)
            rows = conn.execute(
                sa.select(ev.c.actor).distinct()
                .where(ev.c.project_id == project_id, ev.c.seq > since, ev.c.target.in_(keys),
                       ev.c.action.like("item.%"))
            )
            return {row.actor for row in rows}

