"""Notices in the audit chain: what the notification machinery records (a webhook that failed, an overdue
revalidation already announced), so it shows in the sidebar's audit view and is remembered across processes.

Mixed into :class:`~lifecycle_lab.store.Store`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import tables as t
from .audit import AuditEvent


class NoticeRecords:
    """Append and find notices (a mixin of Store)."""

    _read: Callable[[], AbstractContextManager[Connection]]
    _write: Callable[..., AbstractContextManager[Connection]]
    _project_row: Callable[[Connection, str], Any]
    _append: Callable[..., AuditEvent]
    events: Callable[..., list[AuditEvent]]

    def record_notice(self, project_id: str, action: str, target: str, details: dict[str, Any], *, actor: str,
                      at: str) -> AuditEvent:
        """Append a notice (e.g. ``webhook.failed``) to the project's audit chain."""
        with self._write(project_id) as conn:
            self._project_row(conn, project_id)
            return self._append(conn, project_id, actor=actor, at=at, action=action, target=target, before=None,
                                after=details)

    def latest_notice(self, project_id: str, action: str) -> dict[str, Any] | None:
        """The details of the project's newest audit event with ``action`` (None when there is none)."""
        ev = t.audit_events
        with self._read() as conn:
            row = conn.execute(
                sa.select(ev.c.seq).where(ev.c.project_id == project_id, ev.c.action == action)
                .order_by(ev.c.seq.desc()).limit(1)
            ).first()
        if row is None:
            return None
        return self.events(project_id, since=row.seq - 1, limit=1)[0].after
