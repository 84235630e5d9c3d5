"""History: the hash-chained audit log and its verification and anchors, the change feed, notices, and a
project's complete state (export/import)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..store import AuditEvent, ChainCheck, ProjectRecord
from ..store.transfer import export_state, import_state
from ..verification import AnchorStatus, AuditVerification, anchor_project, anchor_status, verify_audit
from .base import ServiceBase

if TYPE_CHECKING:
    from ..anchors import Anchor
    from ..store.checkpoints import ChainHead


class History(ServiceBase):
    """Reads of what happened, and moving a project's state (mixed into :class:`~lifecycle_lab.service.Lifecycle`)."""

    def events(self, project_id: str, since: int = 0, limit: int | None = None) -> list[AuditEvent]:
        """A project's audit events after ``since``, oldest first (at most ``limit``)."""
        return self.store.events(project_id, since=since, limit=limit)

    def last_seq(self, project_id: str) -> int:
        """The sequence number of the project's latest audit event (0 when none)."""
        return self.store.last_seq(project_id)

    def changes(self, project_id: str, since: int, limit: int) -> tuple[list[AuditEvent], int]:
        """The change feed: events after ``since`` (at most ``limit``) and the head they are consistent with."""
        return self.store.changes(project_id, since, limit)

    def verify_chain(self, project_id: str) -> ChainCheck:
        """Recompute the project's audit hash chain; the result names the first broken link."""
        return self.store.verify_chain(project_id)

    def chain_head(self, project_id: str) -> ChainHead | None:
        """The project's stored chain head (None when it has no events)."""
        return self.store.head(project_id)

    def verify_audit(self, project_id: str, directory: Path | None, against: Sequence[Anchor] = ()
                     ) -> AuditVerification:
        """Verify the project's audit log: chain, anchors (``against``, else the project's anchor file) and replay."""
        return verify_audit(self.store, project_id, directory, against)

    def anchor_status(self, project_id: str, directory: Path | None, head: int | None = None) -> AnchorStatus:
        """How far the project's newest anchor (file or store checkpoint) lags behind its chain (``head``: the
        audit head the caller already read)."""
        return anchor_status(self.store, project_id, directory, head=head)

    def anchor_project(self, project_id: str, directory: Path, *, actor: str, sign: bool = False
                       ) -> tuple[ChainHead, Path]:
        """Anchor the project's verified head in a store checkpoint and ``.lifecycle/audit-anchor.json``."""
        return anchor_project(self.store, project_id, directory, actor=actor, at=self.clock(), sign=sign)

    def record_notice(self, project_id: str, action: str, target: str, details: dict[str, Any], *, actor: str
                      ) -> AuditEvent:
        """Append a notice (e.g. ``webhook.failed``) to the project's audit chain, timed now."""
        return self.store.record_notice(project_id, action, target, details, actor=actor, at=self.clock())

    def latest_notice(self, project_id: str, action: str) -> dict[str, Any] | None:
        """The details of the project's newest audit event with ``action`` (None when there is none)."""
        return self.store.latest_notice(project_id, action)

    def export_state(self, project_id: str) -> dict[str, Any]:
        """The project's complete stored state (items, sign-offs, datasets, runs, audit log) as JSON."""
        return export_state(self.store, project_id)

    def import_state(self, state: dict[str, Any], *, replace: bool = False) -> ProjectRecord:
        """Restore a project's state exported by :meth:`export_state`; Conflict when it exists (unless ``replace``)."""
        return import_state(self.store, state, replace=replace)
